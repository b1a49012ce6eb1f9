//! The text of one element in a small XML document, by its path.
//!
//! The fixture and the fingerprint need single values from libvirt XML (a
//! pool's target path, a secret's description, the host CPU model) and
//! nothing else; a streaming read with quick-xml answers that without
//! building a tree. Full documents (capabilities, domain XML) have their
//! own typed parsers.

use quick_xml::events::Event;
use quick_xml::Reader;

/// The trimmed text of the first element at `path` (element names from the
/// root, e.g. `["pool", "target", "path"]`). `Ok(None)` when absent;
/// `Err` when the XML is not well-formed.
pub fn text_at(xml: &str, path: &[&str]) -> Result<Option<String>, quick_xml::Error> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut capture: Option<String> = None;
    loop {
        match reader.read_event()? {
            Event::Start(e) => {
                stack.push(AsRef::<str>::as_ref(&e.name()).to_string());
                if matches_path(&stack, path) {
                    capture = Some(String::new());
                }
            }
            Event::Empty(e) => {
                stack.push(AsRef::<str>::as_ref(&e.name()).to_string());
                if matches_path(&stack, path) {
                    return Ok(Some(String::new()));
                }
                stack.pop();
            }
            Event::Text(t) => {
                if let Some(c) = capture.as_mut() {
                    let raw: &str = t.as_ref();
                    match quick_xml::escape::unescape(raw) {
                        Ok(text) => c.push_str(&text),
                        Err(_) => c.push_str(raw),
                    }
                }
            }
            Event::CData(t) => {
                if let Some(c) = capture.as_mut() {
                    c.push_str(t.as_ref());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(c) = capture.as_mut() {
                    if let Ok(Some(ch)) = r.resolve_char_ref() {
                        c.push(ch);
                    } else {
                        let name: &str = r.as_ref();
                        if let Ok(text) = quick_xml::escape::unescape(&format!("&{name};")) {
                            c.push_str(&text);
                        }
                    }
                }
            }
            Event::End(_) => {
                if matches_path(&stack, path) {
                    if let Some(c) = capture.take() {
                        return Ok(Some(c.trim().to_string()));
                    }
                }
                stack.pop();
            }
            Event::Eof => return Ok(None),
            _ => {}
        }
    }
}

fn matches_path(stack: &[String], path: &[&str]) -> bool {
    stack.len() == path.len() && stack.iter().zip(path).all(|(a, b)| a == b)
}

/// Whether `xml` is a well-formed XML document (one root element, every
/// tag closed), with the error and its byte position when not.
pub fn check_well_formed(xml: &str) -> Result<(), String> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        match reader.read_event() {
            Err(e) => {
                return Err(format!(
                    "not well-formed at byte {}: {e}",
                    reader.error_position()
                ))
            }
            Ok(Event::Start(_)) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
            }
            Ok(Event::Empty(_)) => {
                if depth == 0 {
                    roots += 1;
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Text(t)) if depth == 0 => {
                if !AsRef::<str>::as_ref(&t).trim().is_empty() {
                    return Err("text outside the root element".into());
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
        }
    }
    match (depth, roots) {
        (0, 1) => Ok(()),
        (0, 0) => Err("no root element".into()),
        (0, n) => Err(format!("{n} root elements (a document has one)")),
        (d, _) => Err(format!("{d} element(s) not closed at the end")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_text_by_path() {
        let xml = "<pool type='dir'><name>p</name><target><path> /var/x &amp; y </path></target><source><path>no</path></source></pool>";
        assert_eq!(
            text_at(xml, &["pool", "target", "path"]).expect("xml"),
            Some("/var/x & y".into())
        );
        assert_eq!(
            text_at(xml, &["pool", "name"]).expect("xml"),
            Some("p".into())
        );
        assert_eq!(text_at(xml, &["pool", "uuid"]).expect("xml"), None);
        assert_eq!(
            text_at("<a><b/></a>", &["a", "b"]).expect("xml"),
            Some(String::new())
        );
        assert!(text_at("<a><b></a>", &["a", "c"]).is_err());
    }

    #[test]
    fn well_formedness() {
        assert!(
            check_well_formed("<?xml version='1.0'?>\n<capabilities><host/></capabilities>\n")
                .is_ok()
        );
        assert!(check_well_formed("<a><b></a>").is_err());
        assert!(check_well_formed("<a></a><b/>")
            .expect_err("two roots")
            .contains("2 root"));
        assert!(check_well_formed("<a><b>")
            .expect_err("unclosed")
            .contains("not closed"));
        assert!(check_well_formed("")
            .expect_err("empty")
            .contains("no root"));
        assert!(check_well_formed("x<a/>").is_err());
    }
}
