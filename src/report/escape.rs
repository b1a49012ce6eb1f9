//! Making any text a script printed safe for XML, reversibly.
//!
//! XML 1.0 cannot hold most C0 control characters (a dash `echo "\1"` prints
//! 0x01), NUL, U+FFFE or U+FFFF, not even as character references. The Perl
//! kit's writer died on them and left a truncated report. We never drop or
//! refuse such text; instead a string that holds one is written in the
//! *tck escape*: `\` becomes `\\` and each character XML cannot hold becomes
//! `\u{HEX}` (lower-case hex, no leading zeros), and the element carrying it
//! is marked `escaped="true"`. Text without such characters is written as is
//! (no marker, backslashes untouched), so ordinary reports stay readable.
//!
//! Invalid UTF-8 never reaches this module: the process runner and the TAP
//! parser decode output lossily (U+FFFD, which XML can hold), and the archive
//! keeps the raw bytes for whoever needs them.

use std::borrow::Cow;

/// Is `c` a character XML 1.0 documents may contain (the `Char` production)?
pub fn is_xml_char(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

/// Does `s` hold a character XML 1.0 cannot represent?
///
/// Works on bytes: the only multi-byte sequences to look for are U+FFFE and
/// U+FFFF (`EF BF BE`, `EF BF BF`), everything else is a C0 control byte.
pub fn needs_escape(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x20 {
            if c != b'\t' && c != b'\n' && c != b'\r' {
                return true;
            }
        } else if c == 0xEF
            && i + 2 < b.len()
            && b[i + 1] == 0xBF
            && (b[i + 2] == 0xBE || b[i + 2] == 0xBF)
        {
            return true;
        }
        i += 1;
    }
    false
}

/// The tck escape of `s` (see the module documentation). Call it only when
/// the element is marked escaped, i.e. when [`needs_escape`] was true for at
/// least one of its strings: it doubles backslashes unconditionally.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if is_xml_char(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    out
}

/// Reverses [`escape`]. Fails on a backslash not followed by `\` or a
/// well-formed `u{HEX}` naming a Unicode scalar value.
pub fn unescape(s: &str) -> Result<String, String> {
    if !s.contains('\\') {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('\\') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(r) = after.strip_prefix('\\') {
            out.push('\\');
            rest = r;
        } else if let Some(r) = after.strip_prefix("u{") {
            let end = r
                .find('}')
                .ok_or_else(|| format!("unterminated \\u{{…}} escape in {s:?}"))?;
            let hex = &r[..end];
            let c = u32::from_str_radix(hex, 16)
                .ok()
                .filter(|_| !hex.is_empty() && hex.len() <= 6)
                .and_then(char::from_u32)
                .ok_or_else(|| format!("invalid escape \\u{{{hex}}} in {s:?}"))?;
            out.push(c);
            rest = &r[end + 1..];
        } else {
            return Err(format!(
                "stray backslash in escaped text {s:?} (expected \\\\ or \\u{{HEX}})"
            ));
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// A one-way, human-readable form for outputs that are never read back
/// (JUnit, HTML, text): characters XML cannot hold are shown as `\u{HEX}`,
/// everything else is unchanged.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !needs_escape(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_xml_char(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

/// Writes `s` as XML character data (element content): `&`, `<`, `>` as
/// entities and CR as a character reference, so that no parser's line-end
/// normalisation changes it. `s` must hold only XML characters.
pub fn push_xml_text(out: &mut Vec<u8>, s: &str) {
    push_xml(out, s, false)
}

/// Writes `s` as the value of a double-quoted attribute: as
/// [`push_xml_text`], plus `"`, and TAB/LF as character references so that
/// attribute-value normalisation keeps them.
pub fn push_xml_attr(out: &mut Vec<u8>, s: &str) {
    push_xml(out, s, true)
}

fn push_xml(out: &mut Vec<u8>, s: &str, attr: bool) {
    let b = s.as_bytes();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let rep: &[u8] = match c {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'\r' => b"&#13;",
            b'"' if attr => b"&quot;",
            b'\t' if attr => b"&#9;",
            b'\n' if attr => b"&#10;",
            _ => continue,
        };
        out.extend_from_slice(&b[start..i]);
        out.extend_from_slice(rep);
        start = i + 1;
    }
    out.extend_from_slice(&b[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_every_character_xml_cannot_hold() {
        for c in (0u32..0x20).filter_map(char::from_u32) {
            let bad = !matches!(c, '\t' | '\n' | '\r');
            assert_eq!(needs_escape(&format!("a{c}b")), bad, "{:x}", c as u32);
        }
        assert!(needs_escape("x\u{FFFE}"));
        assert!(needs_escape("\u{FFFF}"));
        assert!(!needs_escape("\u{FFFD} é ✓ 𝄞 \u{7f}"));
    }

    #[test]
    fn escape_round_trips_and_is_visible() {
        for s in [
            "plain",
            "back\\slash \\u{1} already",
            "nul\0 soh\u{1} esc\u{1b} \u{FFFE}\u{FFFF}",
            "\\",
            "",
        ] {
            let e = escape(s);
            assert!(!needs_escape(&e), "{e:?}");
            assert_eq!(unescape(&e).unwrap(), s);
        }
        assert_eq!(escape("a\u{1}\\"), "a\\u{1}\\\\");
        assert_eq!(visible("a\u{1}b\\"), "a\\u{1}b\\");
    }

    #[test]
    fn unescape_rejects_malformed_text() {
        for bad in ["\\x", "\\u{", "\\u{}", "\\u{d800}", "\\u{1234567}", "end\\"] {
            assert!(unescape(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn xml_escaping_protects_markup_and_line_ends() {
        let mut v = Vec::new();
        push_xml_text(&mut v, "a<b>&c\r\n\t\"");
        assert_eq!(String::from_utf8(v).unwrap(), "a&lt;b&gt;&amp;c&#13;\n\t\"");
        let mut v = Vec::new();
        push_xml_attr(&mut v, "a\"b\tc\nd");
        assert_eq!(String::from_utf8(v).unwrap(), "a&quot;b&#9;c&#10;d");
    }
}
