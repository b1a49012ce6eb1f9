//! The XML tokenizer under the report reader: one pass over a document held
//! in memory, handing out names, attribute values and text as slices of it.
//!
//! Why not quick-xml, which the rest of tck uses for XML: reading a report
//! must take at most twice as long as parsing the TAP it came from (issue 5,
//! `benches/report-io.sh`). On a 100,000-point report quick-xml's event loop
//! alone took as long as the whole TAP parse, and its attribute iterator as
//! long again, because each tag is scanned several times (for its end, for
//! UTF-8, for each attribute). This tokenizer looks at each byte once and
//! does only what a report needs, leaving the rest to the structural reader
//! in `read.rs`.
//!
//! It checks well-formedness as far as reading a report depends on it, and
//! at least as far as quick-xml did for us (a differential test over
//! 190,000 damaged reports found nothing quick-xml refused that this
//! accepts): tags and attributes are complete, attribute names are names,
//! separated by space and not repeated in a tag, values are quoted and hold
//! no `<`, every end tag closes the element that is open, references are
//! known entities or characters XML allows, and comments, CDATA sections,
//! processing instructions and the document type declaration are closed.
//! Text has its line ends normalised (XML 1.0 §2.11) and references
//! resolved; attribute values are normalised too (§3.3.3). Element names
//! are not checked character by character (the reader compares every name
//! with the ones the schema allows), and the DTD is skipped rather than
//! applied (tck reports have none).

use crate::report::escape::is_xml_char;
use std::borrow::Cow;

/// One token of the document. Comments, processing instructions (and the
/// XML declaration) and the document type declaration are skipped.
#[derive(Debug, PartialEq)]
pub(super) enum Event<'a> {
    /// A start tag; its attributes are in [`Lexer::attrs`].
    Start(&'a str),
    /// An empty-element tag (`<name/>`); its attributes are in [`Lexer::attrs`].
    Empty(&'a str),
    End(&'a str),
    /// Character data or a CDATA section, line ends normalised and (outside
    /// CDATA) references resolved. Text between two tags may come as more
    /// than one event (around a comment, a CDATA section).
    Text(Cow<'a, str>),
    Eof,
}

/// Not well-formed, at this byte offset.
#[derive(Debug)]
pub(super) struct Error {
    pub offset: usize,
    pub message: String,
}

fn err<T>(offset: usize, message: impl Into<String>) -> Result<T, Error> {
    Err(Error {
        offset,
        message: message.into(),
    })
}

/// Start tags with more attributes than this check for repeated names with
/// a hash set rather than pairwise, so hostile input cannot make it
/// quadratic.
const FEW_ATTRIBUTES: usize = 16;

pub(super) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    /// Names of the open elements, innermost last.
    open: Vec<&'a str>,
    /// Attributes of the last start or empty-element tag: name and value
    /// as written (see [`Self::attrs`]).
    attrs: Vec<(&'a str, &'a str)>,
    /// The values of `attrs` that had references to resolve or whitespace
    /// to normalise, by index, resolved (rare; kept apart so that `attrs`
    /// stays small, which showed in profiles). In increasing index order,
    /// as they are pushed while the tag is read: [`Self::attrs`] walks this
    /// alongside `attrs` rather than searching it.
    resolved: Vec<(usize, String)>,
}

#[cfg(test)]
thread_local! {
    /// Work done on attributes, counted in tests so that they can check it
    /// grows linearly with the number of attributes (wall time would be
    /// flaky).
    static STEPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts one step of attribute work (tests only; nothing otherwise).
#[inline(always)]
fn step() {
    #[cfg(test)]
    STEPS.with(|s| s.set(s.get() + 1));
}

pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Can `b` start an XML name? (Any byte of a non-ASCII character may: the
/// document is valid UTF-8, and names are compared, not classified, beyond
/// ASCII.)
fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':' || b >= 0x80
}

/// Can `b` be part of an XML name?
fn is_name_byte(b: u8) -> bool {
    is_name_start(b) || b.is_ascii_digit() || b == b'-' || b == b'.'
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Lexer {
            src,
            // A byte order mark is not content.
            pos: if src.starts_with('\u{feff}') { 3 } else { 0 },
            open: Vec::new(),
            attrs: Vec::with_capacity(8),
            resolved: Vec::new(),
        }
    }

    /// The attributes of the last start or empty-element tag, in document
    /// order: name and value, references resolved and whitespace normalised.
    pub fn attrs(&self) -> impl Iterator<Item = (&'a str, &str)> + '_ {
        // `resolved` is in index order: one look at its next entry per
        // attribute, so a tag costs time linear in its attributes however
        // many of them hold references.
        let mut resolved = self.resolved.iter().peekable();
        self.attrs.iter().enumerate().map(move |(i, &(key, raw))| {
            step();
            match resolved.next_if(|(j, _)| *j == i) {
                Some((_, v)) => (key, v.as_str()),
                None => (key, raw),
            }
        })
    }

    /// Byte offset of the next token.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Skips whitespace up to the next tag, i.e. a text event that would
    /// be only whitespace (indentation between elements). Whitespace before
    /// other text is left alone.
    pub fn skip_blank(&mut self) {
        let b = self.src.as_bytes();
        let mut i = self.pos;
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if i == b.len() || b[i] == b'<' {
            self.pos = i;
        }
    }

    pub fn next(&mut self) -> Result<Event<'a>, Error> {
        let b = self.src.as_bytes();
        loop {
            let p = self.pos;
            let Some(&c) = b.get(p) else {
                // Elements still open are the structural reader's to report
                // (it knows what it was reading: "truncated report?").
                return Ok(Event::Eof);
            };
            if c != b'<' {
                return self.text(p);
            }
            match b.get(p + 1) {
                Some(b'/') => return self.end_tag(p),
                Some(b'?') => {
                    if !b.get(p + 2).is_some_and(|&t| is_name_start(t)) {
                        return err(p, "processing instruction without a target name");
                    }
                    self.pos = self.skip_past(p, p + 2, "?>", "processing instruction")?;
                }
                Some(b'!') => {
                    let rest = &self.src[p..];
                    if rest.starts_with("<!--") {
                        self.pos = self.skip_past(p, p + 4, "-->", "comment")?;
                    } else if rest.starts_with("<![CDATA[") {
                        let start = p + 9;
                        let end = self.skip_past(p, start, "]]>", "CDATA section")?;
                        self.pos = end;
                        return Ok(Event::Text(normalize_eols(&self.src[start..end - 3])));
                    } else if rest.starts_with("<!DOCTYPE") {
                        self.skip_doctype(p)?;
                    } else {
                        return err(p, "`<!` starts neither a comment, CDATA nor DOCTYPE");
                    }
                }
                _ => return self.start_tag(p),
            }
        }
    }

    /// The offset just past the first `end` at or after `from`, for a
    /// construct `what` that started at `start`.
    fn skip_past(&self, start: usize, from: usize, end: &str, what: &str) -> Result<usize, Error> {
        match self.src.get(from..).and_then(|r| r.find(end)) {
            Some(i) => Ok(from + i + end.len()),
            None => err(start, format!("unclosed {what}: no `{end}` before the end")),
        }
    }

    /// Skips `<!DOCTYPE …>`, internal subset (`[…]`) and quoted strings
    /// included.
    fn skip_doctype(&mut self, start: usize) -> Result<(), Error> {
        let b = self.src.as_bytes();
        let mut depth = 0usize;
        let mut quote = None;
        for (i, &c) in b.iter().enumerate().skip(start + 9) {
            match (quote, c) {
                (Some(q), _) if c == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(c),
                (None, b'[') => depth += 1,
                (None, b']') => depth = depth.saturating_sub(1),
                (None, b'>') if depth == 0 => {
                    self.pos = i + 1;
                    return Ok(());
                }
                _ => {}
            }
        }
        err(start, "unclosed DOCTYPE: no `>` before the end")
    }

    /// Character data from `start` up to the next `<` (or the end).
    fn text(&mut self, start: usize) -> Result<Event<'a>, Error> {
        let b = self.src.as_bytes();
        let mut i = start;
        let mut special = false;
        while i < b.len() && b[i] != b'<' {
            special |= b[i] == b'&' || b[i] == b'\r';
            i += 1;
        }
        self.pos = i;
        let raw = &self.src[start..i];
        if !special {
            return Ok(Event::Text(Cow::Borrowed(raw)));
        }
        resolve(raw, start, false).map(|t| Event::Text(Cow::Owned(t)))
    }

    fn end_tag(&mut self, start: usize) -> Result<Event<'a>, Error> {
        let b = self.src.as_bytes();
        let name_start = start + 2;
        let mut i = name_start;
        while i < b.len() && !is_space(b[i]) && b[i] != b'>' {
            i += 1;
        }
        let name = &self.src[name_start..i];
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if b.get(i) != Some(&b'>') {
            return err(start, format!("unclosed end tag </{name}"));
        }
        match self.open.pop() {
            Some(open) if open == name => {}
            Some(open) => {
                return err(
                    start,
                    format!("expected end tag </{open}>, but found </{name}>"),
                )
            }
            None => return err(start, format!("end tag </{name}> closes no open element")),
        }
        self.pos = i + 1;
        Ok(Event::End(name))
    }

    fn start_tag(&mut self, start: usize) -> Result<Event<'a>, Error> {
        let src = self.src;
        let b = src.as_bytes();
        let n = b.len();
        let name_start = start + 1;
        let mut i = name_start;
        while i < n && !is_space(b[i]) && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let name = &src[name_start..i];
        if name.is_empty() {
            return err(start, "`<` not followed by an element name");
        }
        self.attrs.clear();
        self.resolved.clear();
        let mut seen: Option<std::collections::HashSet<&'a str>> = None;
        loop {
            let space_before = i;
            while i < n && is_space(b[i]) {
                i += 1;
            }
            match b.get(i) {
                None => return err(start, format!("unclosed tag <{name}")),
                Some(b'>') => {
                    self.pos = i + 1;
                    self.open.push(name);
                    return Ok(Event::Start(name));
                }
                Some(b'/') => {
                    if b.get(i + 1) != Some(&b'>') {
                        return err(i, format!("`/` in tag <{name}> not followed by `>`"));
                    }
                    self.pos = i + 2;
                    return Ok(Event::Empty(name));
                }
                Some(_) if i == space_before => {
                    return err(
                        i,
                        format!("attributes of <{name}> must be separated by space"),
                    );
                }
                Some(_) => {}
            }
            // name = "value"
            let key_start = i;
            if !is_name_start(b[i]) {
                return err(i, format!("expected an attribute name in <{name}>"));
            }
            while i < n && is_name_byte(b[i]) {
                i += 1;
            }
            let key = &src[key_start..i];
            while i < n && is_space(b[i]) {
                i += 1;
            }
            if b.get(i) != Some(&b'=') {
                return err(i, format!("attribute {key} of <{name}> lacks `=\"value\"`"));
            }
            i += 1;
            while i < n && is_space(b[i]) {
                i += 1;
            }
            let quote = match b.get(i) {
                Some(&q @ (b'"' | b'\'')) => q,
                _ => return err(i, format!("attribute {key} of <{name}>: value not quoted")),
            };
            let value_start = i + 1;
            i = value_start;
            // One pass finds the closing quote and notes whether the value
            // needs resolving or normalising (rare: the writer escapes
            // tabs and line ends as references).
            let mut special = false;
            loop {
                i = value_stop(b, i, quote);
                match b.get(i) {
                    None => {
                        return err(
                            start,
                            format!("unclosed value of attribute {key} of <{name}>"),
                        )
                    }
                    Some(&c) if c == quote => break,
                    Some(b'<') => {
                        return err(
                            i,
                            format!("`<` in the value of attribute {key} of <{name}>"),
                        )
                    }
                    Some(_) => {
                        special = true;
                        i += 1;
                    }
                }
            }
            let raw = &src[value_start..i];
            i += 1;
            if special {
                let value = resolve(raw, value_start, true)?;
                self.resolved.push((self.attrs.len(), value));
            }
            let repeated = if self.attrs.len() < FEW_ATTRIBUTES {
                self.attrs.iter().any(|(k, _)| {
                    step();
                    same(k, key)
                })
            } else {
                let set = seen.get_or_insert_with(|| self.attrs.iter().map(|(k, _)| *k).collect());
                step();
                !set.insert(key)
            };
            if repeated {
                return err(key_start, format!("attribute {key} repeated in <{name}>"));
            }
            self.attrs.push((key, raw));
        }
    }
}

/// The index of the first byte at or after `i` that ends an attribute value
/// quoted with `quote` or needs a closer look: the quote, `<`, `&` or a
/// control character (tab, line end); `b.len()` if none does. Tests eight
/// bytes at a time: values are most of a report's bytes.
fn value_stop(b: &[u8], mut i: usize, quote: u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bit set in each byte of `x` below `n` (n <= 0x80); exact for the
    // lowest such byte, which is all that is used.
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * n as u64) & !x & HIGH;
    let zero = |x: u64| below(x, 1);
    let (q, lt, amp) = (ONES * quote as u64, ONES * b'<' as u64, ONES * b'&' as u64);
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let hit = zero(w ^ q) | zero(w ^ lt) | zero(w ^ amp) | below(w, 0x20);
        if hit != 0 {
            return i + (hit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i] != quote && b[i] != b'<' && b[i] != b'&' && b[i] >= 0x20 {
        i += 1;
    }
    i
}

/// `a == b` for short strings such as attribute names, compared inline
/// (`==` calls `memcmp`, which showed in profiles).
#[inline]
pub(super) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// XML 1.0 line-end normalisation: `\r\n` and a lone `\r` become `\n`.
fn normalize_eols(s: &str) -> Cow<'_, str> {
    if !s.contains('\r') {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.replace("\r\n", "\n").replace('\r', "\n"))
}

/// Resolves references in `raw` (text or, if `attribute`, an attribute
/// value, whose tabs and line ends also become spaces), which starts at
/// byte `offset` of the document; line ends are normalised first.
fn resolve(raw: &str, offset: usize, attribute: bool) -> Result<String, Error> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    let mut at = offset;
    while let Some(i) = rest.find(['&', '\r', '\n', '\t']) {
        out.push_str(&rest[..i]);
        let c = rest.as_bytes()[i];
        let mut next = i + 1;
        match c {
            b'&' => {
                // Only the bytes a reference can hold, so that a stray `&`
                // is reported as such, not with all text up to some `;`.
                let len = rest.as_bytes()[next..]
                    .iter()
                    .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'#')
                    .count();
                if rest.as_bytes().get(next + len) != Some(&b';') {
                    return err(
                        at + i,
                        format!("`&` not followed by a reference: {AMP_HINT}"),
                    );
                }
                let name = &rest[next..next + len];
                out.push(reference(name).ok_or_else(|| Error {
                    offset: at + i,
                    message: format!("unknown or invalid reference &{};: {AMP_HINT}", clip(name)),
                })?);
                next += len + 1;
            }
            b'\r' => {
                if rest.as_bytes().get(next) == Some(&b'\n') {
                    next += 1;
                }
                out.push(if attribute { ' ' } else { '\n' });
            }
            _ => out.push(if attribute { ' ' } else { c as char }),
        }
        rest = &rest[next..];
        at += next;
    }
    out.push_str(rest);
    Ok(out)
}

const AMP_HINT: &str = "write a literal & as &amp;";

/// `name` of a reference for a message: long ones (leading zeros of a
/// character reference, hostile input) cut short. ASCII only, as
/// [`resolve`] reads it.
fn clip(name: &str) -> Cow<'_, str> {
    const MAX: usize = 16;
    if name.len() <= MAX {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(format!("{}…", &name[..MAX]))
    }
}

/// The character a reference (`name` between `&` and `;`) stands for: one
/// of the five predefined entities or a character reference to a character
/// XML allows.
fn reference(name: &str) -> Option<char> {
    let code = match name {
        "lt" => return Some('<'),
        "gt" => return Some('>'),
        "amp" => return Some('&'),
        "apos" => return Some('\''),
        "quot" => return Some('"'),
        _ => {
            let num = name.strip_prefix('#')?;
            let (digits, radix) = match num.strip_prefix('x') {
                Some(hex) => (hex, 16),
                None => (num, 10),
            };
            if digits.is_empty() || !digits.bytes().all(|d| d.is_ascii_hexdigit()) {
                return None;
            }
            u32::from_str_radix(digits, radix).ok()?
        }
    };
    char::from_u32(code).filter(|&c| is_xml_char(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every event of `src`, or the first error as (offset, message).
    fn events(src: &str) -> Result<Vec<String>, (usize, String)> {
        let mut lx = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let ev = lx.next().map_err(|e| (e.offset, e.message))?;
            let attrs = || {
                lx.attrs()
                    .map(|(k, v)| format!(" {k}={v:?}"))
                    .collect::<String>()
            };
            out.push(match ev {
                Event::Start(n) => format!("<{n}{}>", attrs()),
                Event::Empty(n) => format!("<{n}{}/>", attrs()),
                Event::End(n) => format!("</{n}>"),
                Event::Text(t) => format!("{t:?}"),
                Event::Eof => return Ok(out),
            });
        }
    }

    #[test]
    fn tokens_of_a_small_document() {
        let doc = "\u{feff}<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ELEMENT r ANY>]>\n<r a=\"1\" b = 'x&lt;y'><!-- c -->t&amp;u<e/></r >\n";
        assert_eq!(
            events(doc).unwrap(),
            [
                r#""\n""#,
                r#""\n""#,
                r#"<r a="1" b="x<y">"#,
                r#""t&u""#,
                "<e/>",
                "</r>",
                r#""\n""#,
            ]
        );
    }

    #[test]
    fn references_and_line_ends_are_resolved_as_xml_says() {
        assert_eq!(
            events("<a v=\"1&#9;2\t3\r\n4&#x41;\">x\r\ny\rz&#13;<![CDATA[<&]]></a>").unwrap(),
            ["<a v=\"1\\t2 3 4A\">", r#""x\ny\nz\r""#, r#""<&""#, "</a>"]
        );
    }

    #[test]
    fn malformed_input_is_an_error_at_its_offset() {
        for (doc, offset, words) in [
            ("<a></b>", 3, "expected end tag </a>"),
            ("</a>", 0, "closes no open element"),
            ("<a x=\"1\" x=\"2\"/>", 9, "repeated"),
            ("<a x=1/>", 5, "not quoted"),
            ("<a x/>", 4, "lacks"),
            ("<a \"x=\"1\"/>", 3, "expected an attribute name"),
            ("<a =\"1\"/>", 3, "expected an attribute name"),
            (
                "<a x:y-z.1=\"1\" \u{e9}=\"2\" 1=\"3\"/>",
                22,
                "expected an attribute name",
            ),
            ("<?>?>", 0, "without a target"),
            ("<a x=\"1\"y=\"2\"/>", 8, "separated"),
            ("<a x=\"<\"/>", 6, "`<` in the value"),
            ("<a x=\"1/>", 0, "unclosed value"),
            ("<a", 0, "unclosed tag"),
            (
                "<a>&bogus;</a>",
                3,
                "unknown or invalid reference &bogus;: write a literal & as &amp;",
            ),
            ("<a>&#0;</a>", 3, "&#0;"),
            ("<a>&#1;</a>", 3, "&#1;"),
            ("<a>&#xd800;</a>", 3, "&#xd800;"),
            ("<a>&amp</a>", 3, "`&` not followed by a reference"),
            (
                "<a>x & y;</a>",
                5,
                "`&` not followed by a reference: write a",
            ),
            ("<a v=\"&T xx;\"/>", 6, "`&` not followed by a reference"),
            ("<a>&amp&lt;</a>", 3, "`&` not followed by a reference"),
            ("<a>&;</a>", 3, "unknown or invalid reference &;"),
            (
                "<a>&#x000000000000000041zz;</a>",
                3,
                "reference &#x00000000000000…;: write",
            ),
            ("<a><!-- x</a>", 3, "unclosed comment"),
            ("<a><![CDATA[x</a>", 3, "unclosed CDATA"),
            ("<?xml", 0, "unclosed processing instruction"),
            ("<!DOCTYPE a [", 0, "unclosed DOCTYPE"),
            ("<!ENTITY x>", 0, "neither"),
            ("< a/>", 0, "element name"),
            ("<a / >", 3, "not followed by `>`"),
        ] {
            match events(doc) {
                Err((o, m)) => {
                    assert!(m.contains(words), "{doc:?}: {m}");
                    assert_eq!(o, offset, "{doc:?}: {m}");
                }
                Ok(ev) => panic!("{doc:?} was accepted: {ev:?}"),
            }
        }
    }

    #[test]
    fn a_repeat_among_many_attributes_is_found() {
        let mut doc = String::from("<a");
        for i in 0..50_000 {
            doc.push_str(&format!(" k{i}=\"v\""));
        }
        assert_eq!(events(&format!("{doc}/>")).unwrap().len(), 1);
        let e = events(&format!("{doc} k49999=\"w\"/>")).unwrap_err();
        assert!(e.1.contains("k49999 repeated"), "{}", e.1);
    }

    /// Steps of attribute work (see [`step`]) to read a tag with `n`
    /// attributes whose values are all `value`, and look at each of them.
    fn attribute_steps(n: usize, value: &str, resolved: &str) -> u64 {
        let mut doc = String::from("<a");
        for i in 0..n {
            doc.push_str(&format!(" k{i}=\"{value}\""));
        }
        doc.push_str("/>");
        STEPS.with(|s| s.set(0));
        let mut lx = Lexer::new(&doc);
        assert_eq!(lx.next().unwrap(), Event::Empty("a"));
        let mut seen = 0;
        for (i, (k, v)) in lx.attrs().enumerate() {
            assert_eq!((k, v), (format!("k{i}").as_str(), resolved));
            seen += 1;
        }
        assert_eq!(seen, n);
        STEPS.with(|s| s.get())
    }

    #[test]
    fn attribute_work_is_linear_in_the_number_of_attributes() {
        // Repeats checked pairwise, then by hash; values with references
        // resolved apart from the rest. Four times the attributes must be
        // about four times the work (quadratic would be sixteen).
        for (value, resolved) in [("v", "v"), ("&amp;", "&"), ("a&#9;b", "a\tb")] {
            let n = 2_000;
            let (small, large) = (
                attribute_steps(n, value, resolved),
                attribute_steps(4 * n, value, resolved),
            );
            assert!(small >= n as u64, "{value}: {small} steps counted");
            assert!(
                large <= 4 * small + 1_000,
                "{value}: {n} attributes took {small} steps, {} took {large}",
                4 * n
            );
        }
    }
}
