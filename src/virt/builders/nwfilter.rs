//! Network filter XML.
//!
//! A filter has a chain, a priority, references to other filters and rules;
//! a rule has an action, a direction, a priority and one protocol element
//! (`tcp`, `udp`, `ip`, `mac`, `arp`, `icmp`, `all`…) whose attributes are
//! the match (`srcipaddr`, `dstportstart`, `protocolid`…). Attribute values
//! may be filter variables such as `$IP`.

use crate::virt::xmltree::Element;

/// One `<rule>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    action: String,
    direction: String,
    priority: Option<i32>,
    statematch: Option<bool>,
    protocols: Vec<(String, Vec<(String, String)>)>,
}

impl Rule {
    /// `action`: `accept`, `drop`, `reject`, `return`, `continue`;
    /// `direction`: `in`, `out`, `inout`.
    pub fn new(action: &str, direction: &str) -> Rule {
        Rule {
            action: action.to_string(),
            direction: direction.to_string(),
            priority: None,
            statematch: None,
            protocols: Vec::new(),
        }
    }
    /// -1000 … 1000; lower runs first.
    pub fn priority(mut self, p: i32) -> Rule {
        self.priority = Some(p);
        self
    }
    pub fn statematch(mut self, on: bool) -> Rule {
        self.statematch = Some(on);
        self
    }
    /// A protocol element with match attributes, e.g.
    /// `.protocol("tcp", &[("dstportstart", "22")])`.
    pub fn protocol(mut self, name: &str, attrs: &[(&str, &str)]) -> Rule {
        self.protocols.push((
            name.to_string(),
            attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ));
        self
    }

    fn element(&self) -> Element {
        let mut e = Element::new("rule")
            .attr("action", &self.action)
            .attr("direction", &self.direction)
            .attr_opt("priority", self.priority)
            .attr_opt(
                "statematch",
                self.statematch.map(|s| if s { "true" } else { "false" }),
            );
        for (name, attrs) in &self.protocols {
            let mut p = Element::new(name.as_str());
            for (k, v) in attrs {
                p.set_attr(k, v);
            }
            e.push(p);
        }
        e
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    FilterRef(String, Vec<(String, String)>),
    Rule(Rule),
}

/// Builds `<filter>` XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NwFilterBuilder {
    name: String,
    uuid: Option<String>,
    chain: Option<String>,
    priority: Option<i32>,
    entries: Vec<Entry>,
}

impl NwFilterBuilder {
    pub fn new(name: &str) -> NwFilterBuilder {
        NwFilterBuilder {
            name: name.to_string(),
            uuid: None,
            chain: None,
            priority: None,
            entries: Vec::new(),
        }
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn uuid(mut self, uuid: &str) -> Self {
        self.uuid = Some(uuid.to_string());
        self
    }
    /// `root`, `mac`, `vlan`, `arp`, `rarp`, `ipv4`, `ipv6`, or a prefixed
    /// custom chain such as `ipv4-tck`.
    pub fn chain(mut self, chain: &str) -> Self {
        self.chain = Some(chain.to_string());
        self
    }
    pub fn priority(mut self, p: i32) -> Self {
        self.priority = Some(p);
        self
    }
    /// Includes another filter, with parameters.
    pub fn filterref(mut self, filter: &str, params: &[(&str, &str)]) -> Self {
        self.entries.push(Entry::FilterRef(
            filter.to_string(),
            params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ));
        self
    }
    pub fn rule(mut self, rule: Rule) -> Self {
        self.entries.push(Entry::Rule(rule));
        self
    }

    pub fn to_element(&self) -> Element {
        let mut e = Element::new("filter")
            .attr("name", &self.name)
            .attr_opt("chain", self.chain.as_deref())
            .attr_opt("priority", self.priority)
            .child_opt(self.uuid.as_ref().map(|u| Element::with_text("uuid", u)));
        for entry in &self.entries {
            e.push(match entry {
                Entry::FilterRef(name, params) => {
                    Element::new("filterref").attr("filter", name).children(
                        params.iter().map(|(k, v)| {
                            Element::new("parameter").attr("name", k).attr("value", v)
                        }),
                    )
                }
                Entry::Rule(r) => r.element(),
            });
        }
        e
    }

    pub fn as_xml(&self) -> String {
        self.to_element().to_xml()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_renders_chain_priority_refs_and_rules() {
        let e = NwFilterBuilder::new("tck-f-web")
            .uuid("5b6a2f7e-2c9d-4b1e-9a8f-0e1d2c3b4a59")
            .chain("ipv4")
            .priority(-700)
            .filterref("clean-traffic", &[("IP", "10.0.0.1")])
            .rule(
                Rule::new("accept", "in")
                    .priority(100)
                    .statematch(false)
                    .protocol(
                        "tcp",
                        &[
                            ("dstportstart", "80"),
                            ("dstportend", "81"),
                            ("srcipaddr", "$IP"),
                        ],
                    ),
            )
            .rule(Rule::new("drop", "inout").protocol("all", &[]))
            .to_element();
        assert_eq!(e.get_attr("chain"), Some("ipv4"));
        assert_eq!(e.get_attr("priority"), Some("-700"));
        assert_eq!(
            e.find_attr("filterref/parameter", "value"),
            Some("10.0.0.1")
        );
        let rules = e.find_all("rule");
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].find_attr("tcp", "srcipaddr"), Some("$IP"));
        assert_eq!(rules[0].get_attr("statematch"), Some("false"));
        assert!(rules[1].find("all").is_some());
    }

    // The test driver has no nwfilter support (libvirt's nwfilter driver
    // is daemon-only), so defining runs against qemu:///system in
    // tests/builders_live.rs.
}
