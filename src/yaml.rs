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
