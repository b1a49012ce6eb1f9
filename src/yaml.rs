//! Structured YAML values, as carried by TAP diagnostic blocks and stored in
//! reports.
//!
//! We keep our own small tree instead of a parser crate's type so that the
//! TAP engine, the XML report (which stores diagnostics as elements, not as
//! opaque text) and the JSON output share one representation that preserves
//! key order and scalar spelling, which makes write → read → write stable.

/// A YAML value. Mappings keep their key order.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    Null,
    Bool(bool),
    Int(i64),
    /// Kept as written (`1.5`, `.inf`, `-.nan`) so that it round-trips.
    Float(String),
    Str(String),
    Seq(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
}

impl Yaml {
    /// The value of `key` when this is a mapping.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value as a string when it is a scalar.
    pub fn as_scalar_string(&self) -> Option<String> {
        match self {
            Yaml::Null => Some(String::new()),
            Yaml::Bool(b) => Some(b.to_string()),
            Yaml::Int(i) => Some(i.to_string()),
            Yaml::Float(f) => Some(f.clone()),
            Yaml::Str(s) => Some(s.clone()),
            Yaml::Seq(_) | Yaml::Map(_) => None,
        }
    }
}

/// JSON view: mappings become objects (in key order), floats stay numbers
/// when they are finite and strings otherwise.
impl serde::Serialize for Yaml {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Yaml::Null => s.serialize_unit(),
            Yaml::Bool(b) => s.serialize_bool(*b),
            Yaml::Int(i) => s.serialize_i64(*i),
            Yaml::Float(f) => match f.parse::<f64>() {
                Ok(v) if v.is_finite() => s.serialize_f64(v),
                _ => s.serialize_str(f),
            },
            Yaml::Str(v) => s.serialize_str(v),
            Yaml::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Yaml::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// YAML text: the block form TAP diagnostics use, for reports that show
/// diagnostics to people (JUnit failure bodies, HTML, `tck render --format
/// tap`). Scalars are quoted whenever a plain spelling would read back as
/// something else (a number, a boolean, null, or broken syntax), so the text
/// parses back to the same value.
impl Yaml {
    /// The value as a YAML block, each line indented by `indent` spaces and
    /// ending in a newline.
    pub fn to_block(&self, indent: usize) -> String {
        let mut out = String::new();
        emit_block(&mut out, self, indent);
        out
    }
}

fn pad(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn emit_block(out: &mut String, y: &Yaml, indent: usize) {
    match y {
        Yaml::Map(entries) if !entries.is_empty() => {
            for (k, v) in entries {
                pad(out, indent);
                out.push_str(&scalar_text(k, true));
                out.push(':');
                emit_after_key(out, v, indent);
            }
        }
        Yaml::Seq(items) if !items.is_empty() => {
            for item in items {
                pad(out, indent);
                out.push('-');
                emit_after_key(out, item, indent);
            }
        }
        _ => {
            pad(out, indent);
            emit_inline(out, y, indent);
            out.push('\n');
        }
    }
}

/// After `key:` or `-`: nested collections go on the next lines, scalars
/// (and empty collections) on the same line.
fn emit_after_key(out: &mut String, v: &Yaml, indent: usize) {
    match v {
        Yaml::Map(e) if !e.is_empty() => {
            out.push('\n');
            emit_block(out, v, indent + 2);
        }
        Yaml::Seq(s) if !s.is_empty() => {
            out.push('\n');
            emit_block(out, v, indent + 2);
        }
        _ => {
            out.push(' ');
            emit_inline(out, v, indent);
            out.push('\n');
        }
    }
}

fn emit_inline(out: &mut String, y: &Yaml, indent: usize) {
    match y {
        Yaml::Null => out.push('~'),
        Yaml::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Yaml::Int(i) => out.push_str(&i.to_string()),
        Yaml::Float(f) => out.push_str(f),
        Yaml::Str(s) => {
            if let Some(block) = literal_block(s, indent + 2) {
                out.push_str(&block);
            } else {
                out.push_str(&scalar_text(s, false));
            }
        }
        Yaml::Seq(_) => out.push_str("[]"),
        Yaml::Map(_) => out.push_str("{}"),
    }
}

/// A multi-line string as a literal block (`|`, `|-`, `|+`) when every line
/// is printable and the first does not start with a space; `None` otherwise.
fn literal_block(s: &str, indent: usize) -> Option<String> {
    if !s.contains('\n') || s.starts_with([' ', '\t', '\n']) {
        return None;
    }
    if s.chars()
        .any(|c| (c.is_control() && c != '\n') || c == '\u{FEFF}')
    {
        return None;
    }
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    let chomp = match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    };
    let mut out = String::from(chomp);
    out.push('\n');
    for (i, line) in s.split('\n').enumerate() {
        // The text after the last newline is empty by construction for | and |+.
        if i > 0 {
            out.push('\n');
        }
        if !line.is_empty() {
            pad(&mut out, indent);
            out.push_str(line);
        }
    }
    // The caller adds the final newline.
    if out.ends_with('\n') {
        out.pop();
    }
    Some(out)
}

/// Would `s` read back as a string if written plain?
fn plain_ok(s: &str, key: bool) -> bool {
    if s.is_empty() || s.trim() != s {
        return false;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        // `- x` / `? x` / `: x` are indicators only when followed by space.
        let indicator_ok =
            matches!(first, '-' | '?' | ':') && s.len() > 1 && !s[1..].starts_with(' ');
        if !indicator_ok {
            return false;
        }
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    if key && (s.contains(['[', ']', '{', '}', ',']) || s.starts_with("- ")) {
        return false;
    }
    if s.chars()
        .any(|c| c.is_control() || c == '\u{FEFF}' || c == '\u{85}')
    {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "~" | "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
    ) {
        return false;
    }
    // Anything that looks numeric (ints, floats, hex/octal, .inf, .nan).
    let t = lower.trim_start_matches(['+', '-']);
    let numeric = t.starts_with(|c: char| c.is_ascii_digit())
        || t.starts_with(".inf")
        || t.starts_with(".nan")
        || (t.starts_with('.') && t[1..].starts_with(|c: char| c.is_ascii_digit()));
    !numeric
}

/// A scalar (or key) as YAML: plain when safe, single-quoted when printable,
/// double-quoted with escapes otherwise.
fn scalar_text(s: &str, key: bool) -> String {
    if plain_ok(s, key) {
        return s.to_string();
    }
    if !s
        .chars()
        .any(|c| c.is_control() || c == '\u{FEFF}' || c == '\u{85}')
    {
        return format!("'{}'", s.replace('\'', "''"));
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() || c == '\u{FEFF}' || c == '\u{85}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use yaml_rust2::{Yaml as Y, YamlLoader};

    /// Converts yaml-rust2's value into ours, for checking that emitted text
    /// parses back to the same value.
    fn from_rust2(y: &Y) -> Yaml {
        match y {
            Y::Null => Yaml::Null,
            Y::Boolean(b) => Yaml::Bool(*b),
            Y::Integer(i) => Yaml::Int(*i),
            Y::Real(r) => Yaml::Float(r.clone()),
            Y::String(s) => Yaml::Str(s.clone()),
            Y::Array(a) => Yaml::Seq(a.iter().map(from_rust2).collect()),
            Y::Hash(h) => Yaml::Map(
                h.iter()
                    .map(|(k, v)| (k.as_str().unwrap_or("?").to_string(), from_rust2(v)))
                    .collect(),
            ),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn emitted_yaml_parses_back_to_the_same_value() {
        let mut v = crate::report::sample::rich_yaml();
        // A YAML mapping cannot hold duplicate keys; drop ours for this check.
        if let Yaml::Map(e) = &mut v {
            e.retain(|(k, _)| k != "dup");
            e.push((
                "tricky".into(),
                Yaml::Seq(
                    [
                        "yes", "1.0", "0x1f", "-", "- a", "a: b", "#x", "x #y", "null", "'q'", "é",
                        ".5", "-.inf", "key:",
                    ]
                    .iter()
                    .map(|s| Yaml::Str(s.to_string()))
                    .collect(),
                ),
            ));
            e.push(("block".into(), Yaml::Str("a\n b\nc".into())));
            e.push(("block2".into(), Yaml::Str("a\n\n".into())));
        }
        let text = v.to_block(0);
        let docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(from_rust2(&docs[0]), v, "\n{text}");
    }

    #[test]
    fn block_layout_is_what_tap_diagnostics_look_like() {
        let v = Yaml::Map(vec![
            ("got".into(), Yaml::Int(1)),
            (
                "list".into(),
                Yaml::Seq(vec![
                    Yaml::Str("a".into()),
                    Yaml::Map(vec![("b".into(), Yaml::Null)]),
                ]),
            ),
        ]);
        assert_eq!(
            v.to_block(2),
            "  got: 1\n  list:\n    - a\n    -\n      b: ~\n"
        );
    }
}
