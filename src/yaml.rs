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

/// How deep a parsed YAML value may nest. Diagnostics are shallow; the limit
/// keeps the recursive walks over a value (drop, serialisation, emitting)
/// far from the stack's end whatever a stream contains.
pub const MAX_PARSE_DEPTH: usize = 128;

/// How many nodes a parsed YAML value may have once aliases are expanded
/// (defuses "billion laughs" blocks).
pub const MAX_PARSE_NODES: usize = 1_000_000;

impl Yaml {
    /// Parses one YAML document (the body of a TAP diagnostic block, without
    /// its `---`/`...` markers). Empty text is `Yaml::Null`.
    ///
    /// Plain scalars are resolved with the YAML 1.2 core schema (`~`, `true`,
    /// `12`, `1.5`…); quoted and block scalars stay strings; mapping keys
    /// become strings as written. The error says what is wrong and where
    /// (line and column within `text`).
    pub fn parse(text: &str) -> Result<Yaml, String> {
        use yaml_rust2::parser::{Event as YEvent, Parser as YParser};
        use yaml_rust2::scanner::TScalarStyle;

        enum Frame {
            Seq(Vec<Yaml>, usize),
            Map(Vec<(String, Yaml)>, usize, Option<String>),
        }
        // Number of nodes in a value, for the alias budget.
        fn size(y: &Yaml) -> usize {
            let mut n = 0;
            let mut todo = vec![y];
            while let Some(v) = todo.pop() {
                n += 1;
                match v {
                    Yaml::Seq(items) => todo.extend(items.iter()),
                    Yaml::Map(entries) => todo.extend(entries.iter().map(|(_, v)| v)),
                    _ => {}
                }
            }
            n
        }

        let mut parser = YParser::new_from_str(text);
        let mut stack: Vec<Frame> = Vec::new();
        let mut anchors: std::collections::HashMap<usize, (Yaml, usize)> = Default::default();
        let mut nodes = 0usize;
        let mut result: Option<Yaml> = None;
        let mut documents = 0;
        loop {
            let (event, mark) = parser
                .next_token()
                .map_err(|e| format!("invalid YAML: {e}"))?;
            let at = || format!("line {}, column {}", mark.line(), mark.col() + 1);
            // A complete node to insert into the current container.
            let (node, anchor) = match event {
                YEvent::StreamEnd => break,
                YEvent::StreamStart | YEvent::Nothing | YEvent::DocumentEnd => continue,
                YEvent::DocumentStart => {
                    documents += 1;
                    if documents > 1 {
                        return Err(format!(
                            "more than one YAML document in the block (second at {})",
                            at()
                        ));
                    }
                    continue;
                }
                YEvent::SequenceStart(anchor, _) => {
                    if stack.len() >= MAX_PARSE_DEPTH {
                        return Err(format!(
                            "YAML nested deeper than {MAX_PARSE_DEPTH} levels at {}",
                            at()
                        ));
                    }
                    stack.push(Frame::Seq(Vec::new(), anchor));
                    continue;
                }
                YEvent::MappingStart(anchor, _) => {
                    if stack.len() >= MAX_PARSE_DEPTH {
                        return Err(format!(
                            "YAML nested deeper than {MAX_PARSE_DEPTH} levels at {}",
                            at()
                        ));
                    }
                    stack.push(Frame::Map(Vec::new(), anchor, None));
                    continue;
                }
                YEvent::SequenceEnd | YEvent::MappingEnd => match stack.pop() {
                    Some(Frame::Seq(items, anchor)) => (Yaml::Seq(items), anchor),
                    Some(Frame::Map(entries, anchor, _)) => (Yaml::Map(entries), anchor),
                    None => return Err(format!("unbalanced YAML collection end at {}", at())),
                },
                YEvent::Scalar(value, style, anchor, tag) => {
                    let node = if style != TScalarStyle::Plain {
                        Yaml::Str(value)
                    } else {
                        let tag_suffix = tag
                            .as_ref()
                            .filter(|t| t.handle == "tag:yaml.org,2002:")
                            .map(|t| t.suffix.as_str());
                        match tag_suffix {
                            Some("str") => Yaml::Str(value),
                            Some("int") => value
                                .parse()
                                .map(Yaml::Int)
                                .map_err(|_| format!("'{value}' is not an !!int at {}", at()))?,
                            Some("float") => Yaml::Float(value),
                            Some("bool") => match value.to_ascii_lowercase().as_str() {
                                "true" => Yaml::Bool(true),
                                "false" => Yaml::Bool(false),
                                _ => return Err(format!("'{value}' is not a !!bool at {}", at())),
                            },
                            Some("null") => Yaml::Null,
                            _ if tag.is_some() => Yaml::Str(value),
                            _ => Yaml::from_plain_scalar(value),
                        }
                    };
                    (node, anchor)
                }
                YEvent::Alias(id) => match anchors.get(&id) {
                    Some((value, n)) => {
                        nodes += n;
                        if nodes > MAX_PARSE_NODES {
                            return Err(format!(
                                "YAML expands to more than {MAX_PARSE_NODES} nodes (aliases) at {}",
                                at()
                            ));
                        }
                        (value.clone(), 0)
                    }
                    None => return Err(format!("unknown YAML alias at {}", at())),
                },
            };
            nodes += 1;
            if nodes > MAX_PARSE_NODES {
                return Err(format!("YAML has more than {MAX_PARSE_NODES} nodes"));
            }
            if anchor > 0 {
                let n = size(&node);
                anchors.insert(anchor, (node.clone(), n));
            }
            match stack.last_mut() {
                None => result = Some(node),
                Some(Frame::Seq(items, _)) => items.push(node),
                Some(Frame::Map(entries, _, key)) => match key.take() {
                    None => {
                        let k = node.as_scalar_key().ok_or_else(|| {
                            format!("YAML mapping key at {} is not a scalar", at())
                        })?;
                        if entries.iter().any(|(e, _)| *e == k) {
                            return Err(format!("duplicate YAML key '{k}' at {}", at()));
                        }
                        *key = Some(k);
                    }
                    Some(k) => entries.push((k, node)),
                },
            }
        }
        Ok(result.unwrap_or(Yaml::Null))
    }

    /// Resolves a plain (unquoted, untagged) scalar with the core schema.
    fn from_plain_scalar(value: String) -> Yaml {
        match yaml_rust2::Yaml::from_str(&value) {
            yaml_rust2::Yaml::Integer(i) => Yaml::Int(i),
            yaml_rust2::Yaml::Real(_) => Yaml::Float(value),
            yaml_rust2::Yaml::Boolean(b) => Yaml::Bool(b),
            yaml_rust2::Yaml::Null => Yaml::Null,
            _ => Yaml::Str(value),
        }
    }

    /// A scalar used as a mapping key, as written.
    fn as_scalar_key(&self) -> Option<String> {
        match self {
            Yaml::Null => Some("~".to_string()),
            Yaml::Seq(_) | Yaml::Map(_) => None,
            other => other.as_scalar_string(),
        }
    }

    /// The value as a TAP diagnostic block: `---`, the YAML, `...`, every
    /// line prefixed by `indent` spaces and ended by a newline. `indent` is
    /// 2 for a top-level test point, 4k+2 inside a subtest at depth k.
    /// [`Yaml::parse`] reads the body back to an equal value.
    pub fn to_block(&self, indent: usize) -> String {
        let pad = " ".repeat(indent);
        let mut body = String::new();
        let mut emitter = yaml_rust2::YamlEmitter::new(&mut body);
        // Literal blocks (`|`) read best for multi-line text (libvirt
        // messages, XML), but only round-trip for some strings; use them
        // only when every multi-line string in the value is one of those.
        emitter.multiline_strings(!matches!(self, Yaml::Str(_)) && self.literal_blocks_safe());
        let mut out = String::with_capacity(64);
        if emitter.dump(&self.to_rust2()).is_err() {
            // Writing to a String cannot fail; keep a readable fallback anyway.
            body = format!("---\n{:?}", self.as_scalar_string().unwrap_or_default());
        }
        for (i, line) in body.lines().enumerate() {
            out.push_str(&pad);
            if i == 0 {
                // The emitter's own document start marker.
                out.push_str("---");
            } else {
                out.push_str(line);
            }
            out.push('\n');
        }
        if out.is_empty() {
            out.push_str(&pad);
            out.push_str("---\n");
        }
        out.push_str(&pad);
        out.push_str("...\n");
        out
    }

    /// Can every multi-line string be written as a literal block and read
    /// back unchanged?
    fn literal_blocks_safe(&self) -> bool {
        let mut todo = vec![self];
        while let Some(v) = todo.pop() {
            match v {
                Yaml::Str(s) if s.contains('\n') => {
                    let first = s.lines().next().unwrap_or("");
                    if s.contains('\r')
                        || s.ends_with("\n\n")
                        || first.starts_with([' ', '\t'])
                        || first.is_empty()
                        || s.lines().any(|l| l.ends_with([' ', '\t']))
                    {
                        return false;
                    }
                }
                Yaml::Seq(items) => todo.extend(items.iter()),
                Yaml::Map(entries) => todo.extend(entries.iter().map(|(_, v)| v)),
                _ => {}
            }
        }
        true
    }

    fn to_rust2(&self) -> yaml_rust2::Yaml {
        use yaml_rust2::Yaml as Y;
        match self {
            Yaml::Null => Y::Null,
            Yaml::Bool(b) => Y::Boolean(*b),
            Yaml::Int(i) => Y::Integer(*i),
            // A float written by hand that is not a YAML float would be read
            // back as a string; quote it so at least the text survives.
            Yaml::Float(f) => match Yaml::from_plain_scalar(f.clone()) {
                Yaml::Float(_) => Y::Real(f.clone()),
                _ => Y::String(f.clone()),
            },
            Yaml::Str(s) => Y::String(s.clone()),
            Yaml::Seq(items) => Y::Array(items.iter().map(Yaml::to_rust2).collect()),
            Yaml::Map(entries) => Y::Hash(
                entries
                    .iter()
                    .map(|(k, v)| (Y::String(k.clone()), v.to_rust2()))
                    .collect(),
            ),
        }
    }

    /// A mapping from `(key, value)` pairs, in order:
    /// `Yaml::map([("got", 1.into()), ("expected", 2.into())])`.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Yaml)>) -> Yaml {
        Yaml::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Sets `key` in a mapping (replacing an earlier value, keeping its
    /// place); turns any other value into a one-entry mapping first.
    pub fn insert(&mut self, key: impl Into<String>, value: Yaml) {
        let key = key.into();
        if !matches!(self, Yaml::Map(_)) {
            *self = Yaml::Map(Vec::new());
        }
        if let Yaml::Map(entries) = self {
            match entries.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => *v = value,
                None => entries.push((key, value)),
            }
        }
    }
}

impl From<&str> for Yaml {
    fn from(s: &str) -> Self {
        Yaml::Str(s.to_string())
    }
}

impl From<String> for Yaml {
    fn from(s: String) -> Self {
        Yaml::Str(s)
    }
}

impl From<bool> for Yaml {
    fn from(b: bool) -> Self {
        Yaml::Bool(b)
    }
}

impl From<i64> for Yaml {
    fn from(i: i64) -> Self {
        Yaml::Int(i)
    }
}

impl From<i32> for Yaml {
    fn from(i: i32) -> Self {
        Yaml::Int(i.into())
    }
}

impl From<u32> for Yaml {
    fn from(i: u32) -> Self {
        Yaml::Int(i.into())
    }
}

/// Values above `i64::MAX` become strings rather than wrapping.
impl From<u64> for Yaml {
    fn from(i: u64) -> Self {
        i64::try_from(i)
            .map(Yaml::Int)
            .unwrap_or_else(|_| Yaml::Str(i.to_string()))
    }
}

impl<T: Into<Yaml>> From<Option<T>> for Yaml {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(Yaml::Null)
    }
}

impl<T: Into<Yaml>> From<Vec<T>> for Yaml {
    fn from(v: Vec<T>) -> Self {
        Yaml::Seq(v.into_iter().map(Into::into).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Yaml {
        Yaml::Str(v.to_string())
    }

    #[test]
    fn parse_scalars_with_the_core_schema() {
        let y = Yaml::parse("a: 1\nb: -2.5\nc: true\nd: ~\ne: '12'\nf: text here\ng: .inf\nh: null\ni: !!str 7\nj: 0x1F\n")
            .expect("valid");
        assert_eq!(
            y,
            Yaml::map([
                ("a", Yaml::Int(1)),
                ("b", Yaml::Float("-2.5".into())),
                ("c", Yaml::Bool(true)),
                ("d", Yaml::Null),
                ("e", s("12")),
                ("f", s("text here")),
                ("g", Yaml::Float(".inf".into())),
                ("h", Yaml::Null),
                ("i", s("7")),
                ("j", Yaml::Int(31)),
            ])
        );
    }

    #[test]
    fn parse_nested_structures_in_order() {
        let y = Yaml::parse("z: 1\nlist:\n  - x\n  - {k: v, n: [1, 2]}\na: {}\n").expect("valid");
        assert_eq!(
            y,
            Yaml::map([
                ("z", Yaml::Int(1)),
                (
                    "list",
                    Yaml::Seq(vec![
                        s("x"),
                        Yaml::map([
                            ("k", s("v")),
                            ("n", Yaml::Seq(vec![Yaml::Int(1), Yaml::Int(2)]))
                        ]),
                    ])
                ),
                ("a", Yaml::Map(vec![])),
            ])
        );
        assert_eq!(Yaml::parse("").expect("empty"), Yaml::Null);
        assert_eq!(
            Yaml::parse("# only a comment\n").expect("empty"),
            Yaml::Null
        );
        assert_eq!(
            Yaml::parse("1: one\ntrue: yes\n")
                .expect("scalar keys")
                .get("true"),
            Some(&s("yes"))
        );
    }

    #[test]
    fn parse_keeps_blank_lines_in_block_scalars() {
        let y =
            Yaml::parse("msg: |\n  one\n\n  three\nfolded: >\n  a\n  b\n\n  c\n").expect("valid");
        assert_eq!(y.get("msg"), Some(&s("one\n\nthree\n")));
        assert_eq!(y.get("folded"), Some(&s("a b\nc\n")));
    }

    #[test]
    fn parse_resolves_aliases_within_a_budget() {
        let y = Yaml::parse("a: &x [1, 2]\nb: *x\n").expect("valid");
        assert_eq!(y.get("b"), y.get("a"));
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            bomb.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                [prev.as_str(); 10].join(", ")
            ));
        }
        let err = Yaml::parse(&bomb).expect_err("billion laughs");
        assert!(err.contains("more than 1000000 nodes"), "{err}");
    }

    #[test]
    fn parse_rejects_what_is_not_one_plain_document() {
        assert!(Yaml::parse("a: [1\n")
            .expect_err("unclosed")
            .contains("invalid YAML"));
        assert!(Yaml::parse("a: 1\na: 2\n")
            .expect_err("dup")
            .contains("duplicate YAML key 'a'"));
        assert!(Yaml::parse("a: 1\n---\nb: 2\n")
            .expect_err("two docs")
            .contains("more than one YAML document"));
        assert!(Yaml::parse("? [a]\n: 1\n")
            .expect_err("complex key")
            .contains("not a scalar"));
        let deep = format!(
            "{}{}",
            "[".repeat(MAX_PARSE_DEPTH + 1),
            "]".repeat(MAX_PARSE_DEPTH + 1)
        );
        assert!(Yaml::parse(&deep)
            .expect_err("deep")
            .contains("nested deeper"));
        assert!(Yaml::parse("x: *nowhere\n").is_err());
    }

    #[test]
    fn to_block_writes_a_tap_diagnostic_block() {
        let y = Yaml::map([
            ("got", Yaml::Int(1)),
            ("expected", s("2")),
            ("list", Yaml::Seq(vec![s("a")])),
        ]);
        assert_eq!(
            y.to_block(2),
            "  ---\n  got: 1\n  expected: \"2\"\n  list:\n    - a\n  ...\n"
        );
        assert_eq!(Yaml::Null.to_block(6), "      ---\n      ~\n      ...\n");
    }

    #[test]
    fn to_block_round_trips_awkward_values() {
        let tricky = [
            "",
            " leading",
            "trailing ",
            "a: b",
            "# not a comment",
            "- dash",
            "true",
            "~",
            "12",
            "1.5",
            "multi\nline",
            "multi\nline\n",
            "two trailing\n\n",
            "\nstarts with newline",
            "  indented\nfirst",
            "...",
            "line\n...\nend",
            "tab\there",
            "carriage\r\nreturn",
            "quote \" and ' and \\",
            "ünïcödé ✓",
            "<domain type='kvm'>\n  <name>tck-x</name>\n</domain>\n",
        ];
        for text in tricky {
            for value in [
                Yaml::map([("v", s(text)), ("w", Yaml::Seq(vec![s(text)]))]),
                s(text),
            ] {
                let block = value.to_block(4);
                let lines: Vec<&str> = block.lines().collect();
                assert_eq!(lines.first(), Some(&"    ---"), "{block}");
                assert_eq!(lines.last(), Some(&"    ..."), "{block}");
                assert!(
                    lines[1..lines.len() - 1]
                        .iter()
                        .all(|l| l.starts_with("    ")),
                    "{block}"
                );
                assert!(
                    !lines[1..lines.len() - 1]
                        .iter()
                        .any(|l| l.trim_end() == "    ..."),
                    "{block}"
                );
                let body: String = lines[1..lines.len() - 1]
                    .iter()
                    .map(|l| format!("{}\n", &l[4..]))
                    .collect();
                assert_eq!(
                    Yaml::parse(&body).as_ref(),
                    Ok(&value),
                    "{text:?} via\n{block}"
                );
            }
        }
        let numbers = Yaml::map([
            ("f", Yaml::Float("2.5".into())),
            ("i", Yaml::Int(-3)),
            ("b", Yaml::Bool(false)),
            ("n", Yaml::Null),
        ]);
        let block = numbers.to_block(2);
        let body: String = block
            .lines()
            .skip(1)
            .filter(|l| l.trim() != "...")
            .map(|l| format!("{}\n", &l[2..]))
            .collect();
        assert_eq!(Yaml::parse(&body), Ok(numbers));
    }

    #[test]
    fn builders() {
        let mut y = Yaml::map([("a", Yaml::from(1i64))]);
        y.insert("b", "two".into());
        y.insert("a", Yaml::from(true));
        assert_eq!(y, Yaml::map([("a", Yaml::Bool(true)), ("b", s("two"))]));
        let mut scalar = Yaml::Null;
        scalar.insert("k", Yaml::from(u64::MAX));
        assert_eq!(scalar.get("k"), Some(&s("18446744073709551615")));
        assert_eq!(Yaml::from(vec!["x", "y"]), Yaml::Seq(vec![s("x"), s("y")]));
        assert_eq!(Yaml::from(None::<&str>), Yaml::Null);
    }
}
