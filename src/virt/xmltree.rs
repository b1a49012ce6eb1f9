//! A small element tree over quick-xml, the one XML representation of the
//! libvirt layer.
//!
//! libvirt's documents (capabilities, domain/network/pool/volume/secret/
//! nwfilter XML) are small, so a tree is simpler to read and to build than
//! streaming events: the capabilities parsers navigate it with slash paths
//! (`host/cpu/arch`), the builders assemble one and serialise it through
//! quick-xml's writer (escaping and indentation come from quick-xml, never
//! from string formatting), and tests read back what libvirt stored.
//!
//! Whitespace-only text between elements is dropped; text content keeps its
//! inner whitespace. Comments, processing instructions and the DOCTYPE are
//! skipped. Namespaced names are kept as written (`qemu:commandline`).

use quick_xml::events::{BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

/// An XML document that could not be parsed, with the byte offset of the
/// problem in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    pub message: String,
    pub offset: u64,
}

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid XML at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for XmlError {}

/// A child of an element: another element or a run of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// One XML element: name, attributes in document order, children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

impl Element {
    pub fn new(name: impl Into<String>) -> Self {
        Element {
            name: name.into(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    // ----- building (chainable) -----

    /// Sets an attribute (replacing one of the same name).
    pub fn attr(mut self, key: &str, value: impl ToString) -> Self {
        self.set_attr(key, value);
        self
    }

    /// Sets an attribute only when there is a value.
    pub fn attr_opt<V: ToString>(mut self, key: &str, value: Option<V>) -> Self {
        if let Some(v) = value {
            self.set_attr(key, v);
        }
        self
    }

    /// Appends a child element.
    pub fn child(mut self, e: Element) -> Self {
        self.children.push(Node::Element(e));
        self
    }

    /// Appends a child element when there is one.
    pub fn child_opt(mut self, e: Option<Element>) -> Self {
        if let Some(e) = e {
            self.children.push(Node::Element(e));
        }
        self
    }

    /// Appends child elements.
    pub fn children(mut self, es: impl IntoIterator<Item = Element>) -> Self {
        self.children.extend(es.into_iter().map(Node::Element));
        self
    }

    /// Appends text content.
    pub fn text(mut self, t: impl ToString) -> Self {
        self.children.push(Node::Text(t.to_string()));
        self
    }

    /// `<name>text</name>`.
    pub fn with_text(name: &str, t: impl ToString) -> Self {
        Element::new(name).text(t)
    }

    pub fn set_attr(&mut self, key: &str, value: impl ToString) {
        let value = value.to_string();
        match self.attrs.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((key.to_string(), value)),
        }
    }

    pub fn push(&mut self, e: Element) {
        self.children.push(Node::Element(e));
    }

    /// Whether the element has neither attributes nor children: builders
    /// leave such wrappers out instead of emitting `<source/>` noise.
    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty() && self.children.is_empty()
    }

    // ----- reading -----

    pub fn get_attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Child elements in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// Child elements with this name.
    pub fn elements_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.name == name)
    }

    /// The first child element with this name.
    pub fn first(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// The element's own text (not its descendants'), trimmed.
    pub fn text_content(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                s.push_str(t);
            }
        }
        s.trim().to_string()
    }

    /// The first descendant along a slash-separated path of element names,
    /// e.g. `"os/type"`; `""` is the element itself.
    pub fn find(&self, path: &str) -> Option<&Element> {
        let mut cur = self;
        for step in path.split('/').filter(|s| !s.is_empty()) {
            cur = cur.first(step)?;
        }
        Some(cur)
    }

    /// Every descendant along a slash-separated path (all matches at each step).
    pub fn find_all(&self, path: &str) -> Vec<&Element> {
        let mut cur = vec![self];
        for step in path.split('/').filter(|s| !s.is_empty()) {
            let mut next = Vec::new();
            for e in cur {
                next.extend(e.elements().filter(|c| c.name == step));
            }
            cur = next;
        }
        cur
    }

    /// Text of the element at `path`, when present.
    pub fn find_text(&self, path: &str) -> Option<String> {
        self.find(path).map(Element::text_content)
    }

    /// Attribute `key` of the element at `path`.
    pub fn find_attr(&self, path: &str, key: &str) -> Option<&str> {
        self.find(path).and_then(|e| e.get_attr(key))
    }

    // ----- parsing -----

    /// Parses a document and returns its root element.
    pub fn parse(xml: &str) -> Result<Element, XmlError> {
        let mut reader = Reader::from_str(xml);
        let err = |reader: &Reader<&[u8]>, message: String| XmlError {
            message,
            offset: reader.buffer_position(),
        };
        let mut stack: Vec<Element> = Vec::new();
        let mut text = String::new();
        let mut root: Option<Element> = None;

        loop {
            let ev = reader
                .read_event()
                .map_err(|e| err(&reader, e.to_string()))?;
            match ev {
                Event::Start(s) => {
                    flush_text(&mut stack, &mut text);
                    stack.push(start_element(&s).map_err(|m| err(&reader, m))?);
                }
                Event::Empty(s) => {
                    flush_text(&mut stack, &mut text);
                    let e = start_element(&s).map_err(|m| err(&reader, m))?;
                    attach(&mut stack, &mut root, e).map_err(|m| err(&reader, m))?;
                }
                Event::End(_) => {
                    flush_text(&mut stack, &mut text);
                    // quick-xml checks that end names match their start.
                    let e = stack
                        .pop()
                        .ok_or_else(|| err(&reader, "unexpected end tag".into()))?;
                    attach(&mut stack, &mut root, e).map_err(|m| err(&reader, m))?;
                }
                Event::Text(t) => text.push_str(&t.xml10_content()),
                Event::CData(c) => text.push_str(&c.xml10_content()),
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => {
                            let name = r.xml10_content();
                            quick_xml::escape::resolve_predefined_entity(&name)
                                .ok_or_else(|| err(&reader, format!("unknown entity &{name};")))?
                                .to_string()
                        }
                        Err(e) => return Err(err(&reader, e.to_string())),
                    };
                    text.push_str(&resolved);
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
                Event::Eof => break,
            }
        }
        if let Some(open) = stack.last() {
            return Err(err(
                &reader,
                format!("element <{}> is not closed", open.name),
            ));
        }
        root.ok_or_else(|| err(&reader, "no root element".into()))
    }

    // ----- writing -----

    /// Serialises the element as an indented document (2 spaces), without
    /// an XML declaration, as libvirt prints its own XML.
    pub fn to_xml(&self) -> String {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        // Writing into a Vec cannot fail (io::Write for Vec is infallible).
        let _ = write_element(&mut w, self);
        let mut s = String::from_utf8_lossy(&w.into_inner()).into_owned();
        s.push('\n');
        s
    }
}

impl std::fmt::Display for Element {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_xml())
    }
}

impl std::str::FromStr for Element {
    type Err = XmlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Element::parse(s)
    }
}

fn start_element(s: &BytesStart<'_>) -> Result<Element, String> {
    let name = AsRef::<str>::as_ref(&s.name()).to_string();
    let mut e = Element::new(name);
    for a in s.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let key = AsRef::<str>::as_ref(&a.key).to_string();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?
            .into_owned();
        e.attrs.push((key, value));
    }
    Ok(e)
}

fn flush_text(stack: &mut [Element], text: &mut String) {
    if !text.trim().is_empty() {
        if let Some(top) = stack.last_mut() {
            top.children.push(Node::Text(std::mem::take(text)));
        }
    }
    text.clear();
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, e: Element) -> Result<(), String> {
    match stack.last_mut() {
        Some(parent) => {
            parent.children.push(Node::Element(e));
            Ok(())
        }
        None if root.is_none() => {
            *root = Some(e);
            Ok(())
        }
        None => Err(format!("second root element <{}>", e.name)),
    }
}

fn write_element(w: &mut Writer<Vec<u8>>, e: &Element) -> std::io::Result<()> {
    let mut start = BytesStart::new(e.name.as_str());
    for (k, v) in &e.attrs {
        start.push_attribute((k.as_str(), v.as_str()));
    }
    if e.children.is_empty() {
        return w.write_event(Event::Empty(start));
    }
    w.write_event(Event::Start(start))?;
    for c in &e.children {
        match c {
            Node::Element(child) => write_element(w, child)?,
            Node::Text(t) => w.write_event(Event::Text(BytesText::new(t)))?,
        }
    }
    w.write_event(Event::End(quick_xml::events::BytesEnd::new(
        e.name.as_str(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_attributes_text_and_entities() {
        let doc = Element::parse(
            "<?xml version='1.0'?>\n<!-- c --><a x='1' y=\"a &amp; b\">\n  <b>t &lt; u &#65;</b>\n  <c/><b>2</b>\n</a>",
        )
        .unwrap();
        assert_eq!(doc.name, "a");
        assert_eq!(doc.get_attr("y"), Some("a & b"));
        assert_eq!(doc.find_text("b").as_deref(), Some("t < u A"));
        assert_eq!(doc.find_all("b").len(), 2);
        assert!(doc.find("c").is_some());
        assert!(doc.find("c/d").is_none());
        assert_eq!(doc.elements().count(), 3);
    }

    #[test]
    fn rejects_malformed_documents_with_position() {
        for bad in [
            "<a><b></a>",
            "<a>",
            "",
            "<a/><b/>",
            "<a x='&bogus;'/>",
            "<a>&nope;</a>",
        ] {
            let e = Element::parse(bad).expect_err(bad);
            assert!(!e.message.is_empty(), "{bad}: {e}");
        }
    }

    #[test]
    fn writes_escaped_indented_xml_that_reparses() {
        let e = Element::new("domain")
            .attr("type", "kvm")
            .child(Element::with_text("name", "a<b&\"c\""))
            .child(Element::new("devices").child(Element::new("disk").attr("file", "/x'y")));
        let xml = e.to_xml();
        assert!(
            xml.contains("<name>a&lt;b&amp;&quot;c&quot;</name>"),
            "{xml}"
        );
        assert!(xml.contains("\n  <devices>\n    <disk"), "{xml}");
        assert_eq!(Element::parse(&xml).unwrap(), e);
    }

    #[test]
    fn attr_replaces_and_attr_opt_skips_none() {
        let e = Element::new("x")
            .attr("a", 1)
            .attr("a", 2)
            .attr_opt::<&str>("b", None);
        assert_eq!(e.attrs, vec![("a".to_string(), "2".to_string())]);
        assert!(!e.is_empty());
        assert!(Element::new("y").is_empty());
    }
}
