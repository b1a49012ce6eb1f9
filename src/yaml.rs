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
