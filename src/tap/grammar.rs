//! The grammar of one TAP line, once its subtest indentation is removed.
//!
//! The stream parser (`parser.rs`) splits the stream into lines, tracks
//! indentation and YAML blocks, and hands each line's content here. This
//! module only answers "what is this line?", with nom for the fixed parts
//! (status, numbers, plan, version, pragma, bail-out) and a small scanner for
//! the part nom is poor at: finding the directive delimiter under the TAP 14
//! escaping rules (`\#` is a literal `#`, `\\` a literal backslash).
//!
//! Choices where TAP 14 leaves room (see also `verdict.rs`):
//! - A `#` starts a directive only when it is unescaped and preceded by
//!   whitespace, so `page.html#skip` stays part of a description.
//! - `#skip`/`#TODO` with no space after the `#` is accepted as a directive,
//!   with a warning (TAP 14: "may accept, should warn").
//! - The first unescaped, whitespace-surrounded `#` is the delimiter; if the
//!   word after it is not SKIP/TODO the whole text stays the description
//!   (`ok 7 - hello # description # todo` is not a TODO), as TAP 14 says.
//! - A number must be followed by whitespace or the end of the line:
//!   `ok 3rd test` has no number and the description `3rd test`.
//! - Version and `Bail out!` are matched case-insensitively; `ok`/`not ok`
//!   and `# Subtest` are case-sensitive.

use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_while1};
use nom::character::complete::{digit1, one_of, space0, space1};
use nom::combinator::{eof, rest, value};
use nom::sequence::{preceded, terminated};
use nom::{IResult, Parser as _};

use crate::tap::model::{Directive, Plan, PointLine};

/// What one line is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Line<'a> {
    Version(u32),
    Plan(Plan),
    /// A test point, and a warning about how it was written, if any.
    Point(PointLine, Option<&'static str>),
    BailOut(String),
    Pragma {
        enable: bool,
        key: &'a str,
    },
    SubtestHeader(Option<String>),
    Comment(&'a str),
    Blank,
    Unknown,
}

type Res<'a, T> = IResult<&'a str, T, ()>;

/// Classifies the content of a line (indentation already removed).
pub(crate) fn classify(content: &str) -> Line<'_> {
    let first = match content.as_bytes().first() {
        None => return Line::Blank,
        Some(b) => *b,
    };
    match first {
        b'o' | b'n' => point(content).unwrap_or(Line::Unknown),
        b'#' => comment(content),
        b'0'..=b'9' => plan(content).unwrap_or(Line::Unknown),
        b'T' | b't' => version(content).unwrap_or(Line::Unknown),
        b'B' | b'b' => bail_out(content).unwrap_or(Line::Unknown),
        b'p' => pragma(content).unwrap_or(Line::Unknown),
        b' ' | b'\t' if content.trim().is_empty() => Line::Blank,
        b' ' | b'\t' if content.trim_start().starts_with('#') => comment(content.trim_start()),
        _ => Line::Unknown,
    }
}

fn number(i: &str) -> Res<'_, u64> {
    let (rest, digits) = digit1(i)?;
    digits
        .parse()
        .map(|n| (rest, n))
        .map_err(|_| nom::Err::Error(()))
}

fn status(i: &str) -> Res<'_, bool> {
    alt((value(false, tag("not ok")), value(true, tag("ok")))).parse(i)
}

fn point(content: &str) -> Option<Line<'_>> {
    let (after, ok) = status(content).ok()?;
    // `ok` must end the line or be followed by whitespace (`okay` is not TAP).
    if !starts_blank(after) {
        return None;
    }
    // The whitespace after the number stays in `rest`, so that `rest` is
    // empty or starts with whitespace (a `#` right after the number is then
    // "preceded by whitespace").
    let (rest, number) = match preceded(space1::<&str, ()>, number).parse(after) {
        Ok((rest, n)) if starts_blank(rest) => (rest, Some(n)),
        _ => (after, None),
    };
    let (description, directive, reason, warning) = split_directive(rest);
    Some(Line::Point(
        PointLine {
            ok,
            number,
            description,
            directive,
            reason,
        },
        warning,
    ))
}

fn starts_blank(s: &str) -> bool {
    s.is_empty() || s.starts_with([' ', '\t'])
}

/// Splits what follows the status and number into description, directive
/// and reason, all unescaped. `rest` is empty or starts with whitespace.
fn split_directive(
    rest: &str,
) -> (
    String,
    Option<Directive>,
    Option<String>,
    Option<&'static str>,
) {
    let bytes = rest.as_bytes();
    let mut i = 0;
    let mut prev_ws = true;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if matches!(bytes.get(i + 1), Some(b'\\' | b'#')) => {
                // An escaped backslash may be followed by a delimiter (TAP 14's
                // examples read `hello \\# todo` as a TODO); `\#` is literal.
                prev_ws = bytes[i + 1] == b'\\';
                i += 2;
                continue;
            }
            b'#' if prev_ws => {
                let after = &rest[i + 1..];
                let spaced = after.starts_with([' ', '\t']);
                if let Some((directive, reason)) = directive(after) {
                    let warning = (!spaced).then_some(
                        "directive written without a space after '#' (TAP 14 producers must write '# SKIP' / '# TODO')",
                    );
                    return (
                        description(&rest[..i]),
                        Some(directive),
                        Some(reason),
                        warning,
                    );
                }
                if spaced || after.is_empty() {
                    // The delimiter, but not a directive we know: everything
                    // stays in the description.
                    return (description(rest), None, None, None);
                }
            }
            _ => {}
        }
        prev_ws = matches!(bytes[i], b' ' | b'\t');
        i += 1;
    }
    (description(rest), None, None, None)
}

/// `\s*(SKIP|TODO)\S*(\s+reason)?` after the `#`; the reason is unescaped.
fn directive(after_hash: &str) -> Option<(Directive, String)> {
    let word = after_hash.trim_start_matches([' ', '\t']);
    let kind = if starts_with_ignore_case(word, "skip") {
        Directive::Skip
    } else if starts_with_ignore_case(word, "todo") {
        Directive::Todo
    } else {
        return None;
    };
    // The rest of the word (`Skipped:`) is not part of the reason.
    let reason = word.trim_start_matches(|c: char| !c.is_whitespace());
    Some((kind, unescape(reason.trim())))
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// The description: trimmed, a leading `- ` separator removed, unescaped.
fn description(raw: &str) -> String {
    let d = raw.trim();
    let d = match d.strip_prefix('-') {
        Some(after) if after.is_empty() || after.starts_with([' ', '\t']) => after.trim_start(),
        _ => d,
    };
    unescape(d)
}

/// TAP 14 escapes: `\\` is `\`, `\#` is `#`; any other backslash is literal.
pub(crate) fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&next @ ('\\' | '#')) = chars.peek() {
                out.push(next);
                chars.next();
                continue;
            }
        }
        out.push(c);
    }
    out
}

fn plan_range(i: &str) -> Res<'_, (u64, u64)> {
    (number, preceded(tag(".."), number)).parse(i)
}

/// `M..N`, optionally followed by `# comment`. On `1..0` the comment, with
/// a leading `SKIP\S*` removed, is the skip reason.
fn plan(content: &str) -> Option<Line<'_>> {
    let (rest, (start, end)) = plan_range(content).ok()?;
    let rest = rest.trim();
    let comment = match rest.strip_prefix('#') {
        Some(c) => Some(c.trim()),
        None if rest.is_empty() => None,
        None => return None,
    };
    let skip_reason = match comment {
        Some(c) if end == 0 => {
            let reason = if starts_with_ignore_case(c, "skip") {
                c.trim_start_matches(|ch: char| !ch.is_whitespace()).trim()
            } else {
                c
            };
            Some(unescape(reason))
        }
        _ => None,
    };
    Some(Line::Plan(Plan {
        start,
        end,
        skip_reason,
    }))
}

fn version_number(i: &str) -> Res<'_, &str> {
    terminated(
        preceded(
            (tag_no_case("TAP"), space1, tag_no_case("version"), space1),
            digit1,
        ),
        (space0, eof),
    )
    .parse(i)
}

fn version(content: &str) -> Option<Line<'_>> {
    let (_, v) = version_number(content).ok()?;
    v.parse().ok().map(Line::Version)
}

fn bail_out(content: &str) -> Option<Line<'_>> {
    let (rest, _) = tag_no_case::<_, _, ()>("Bail out!").parse(content).ok()?;
    Some(Line::BailOut(unescape(rest.trim())))
}

fn pragma_parts(i: &str) -> Res<'_, (char, &str)> {
    terminated(
        preceded(
            tag("pragma "),
            (
                one_of("+-"),
                take_while1(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
            ),
        ),
        (space0, eof),
    )
    .parse(i)
}

fn pragma(content: &str) -> Option<Line<'_>> {
    let (_, (sign, key)) = pragma_parts(content).ok()?;
    Some(Line::Pragma {
        enable: sign == '+',
        key,
    })
}

/// A comment, or a `# Subtest[: name]` header.
fn comment(content: &str) -> Line<'_> {
    let text = content[1..].trim();
    let header: Res<'_, Option<&str>> = preceded(
        tag("Subtest"),
        alt((
            value(None, (space0, eof)),
            preceded(tag(":"), rest).map(|name: &str| Some(name.trim())),
        )),
    )
    .parse(text);
    match header {
        Ok((_, name)) => Line::SubtestHeader(name.filter(|n| !n.is_empty()).map(unescape)),
        Err(_) => Line::Comment(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(line: &str) -> (PointLine, Option<&'static str>) {
        match classify(line) {
            Line::Point(p, w) => (p, w),
            other => panic!("{line:?} is not a point: {other:?}"),
        }
    }

    fn p(
        ok: bool,
        number: Option<u64>,
        desc: &str,
        dir: Option<Directive>,
        reason: Option<&str>,
    ) -> PointLine {
        PointLine {
            ok,
            number,
            description: desc.to_string(),
            directive: dir,
            reason: reason.map(str::to_string),
        }
    }

    #[test]
    fn points_with_and_without_numbers_and_separator() {
        assert_eq!(
            pt("ok 1 - this is fine").0,
            p(true, Some(1), "this is fine", None, None)
        );
        assert_eq!(
            pt("ok 1 this is fine").0,
            p(true, Some(1), "this is fine", None, None)
        );
        assert_eq!(pt("not ok 2").0, p(false, Some(2), "", None, None));
        assert_eq!(pt("ok").0, p(true, None, "", None, None));
        assert_eq!(pt("not ok - x").0, p(false, None, "x", None, None));
        assert_eq!(pt("ok 3rd test").0, p(true, None, "3rd test", None, None));
        assert_eq!(pt("ok 7 -foo").0, p(true, Some(7), "-foo", None, None));
        assert_eq!(pt("ok 7 - - foo").0, p(true, Some(7), "- foo", None, None));
        assert_eq!(pt("ok 1 -").0, p(true, Some(1), "", None, None));
        assert_eq!(pt("ok\t4\tdesc  ").0, p(true, Some(4), "desc", None, None));
        assert_eq!(pt("ok 0").0, p(true, Some(0), "", None, None));
    }

    #[test]
    fn not_points() {
        assert_eq!(classify("okay"), Line::Unknown);
        assert_eq!(classify("Ok 1"), Line::Unknown);
        assert_eq!(classify("not  ok 1"), Line::Unknown);
        assert_eq!(classify("ok#skip"), Line::Unknown);
        assert_eq!(classify("nothing"), Line::Unknown);
        // A number too large for u64 stays in the description.
        assert_eq!(
            pt("ok 99999999999999999999999 big").0,
            p(true, None, "99999999999999999999999 big", None, None)
        );
    }

    #[test]
    fn directives_case_insensitive_with_suffixes() {
        use Directive::*;
        assert_eq!(
            pt("ok 23 # skip no disk").0,
            p(true, Some(23), "", Some(Skip), Some("no disk"))
        );
        assert_eq!(
            pt("ok 1 - x # SkIp").0,
            p(true, Some(1), "x", Some(Skip), Some(""))
        );
        assert_eq!(
            pt("ok 1 - do it later # Skipped").0,
            p(true, Some(1), "do it later", Some(Skip), Some(""))
        );
        assert_eq!(
            pt("ok 2 - works on windows # Skipped: only run on windows").0,
            p(
                true,
                Some(2),
                "works on windows",
                Some(Skip),
                Some("only run on windows")
            )
        );
        assert_eq!(
            pt("not ok 13 # TODO bend space and time").0,
            p(false, Some(13), "", Some(Todo), Some("bend space and time"))
        );
        assert_eq!(
            pt("not ok 3 - a #  todo   later  ").0,
            p(false, Some(3), "a", Some(Todo), Some("later"))
        );
        assert_eq!(
            pt("ok 2 - # SKIP no /sys directory").0,
            p(true, Some(2), "", Some(Skip), Some("no /sys directory"))
        );
        assert_eq!(pt("ok # skip").0, p(true, None, "", Some(Skip), Some("")));
    }

    #[test]
    fn directive_delimiter_rules() {
        use Directive::*;
        // Must not be a skip: escaped.
        assert_eq!(
            pt(r"ok 2 - must not be skipped test \# SKIP").0,
            p(true, Some(2), "must not be skipped test # SKIP", None, None)
        );
        // URL fragment: '#' not preceded by whitespace.
        assert_eq!(
            pt("ok 2 not skipped: https://example.com/page.html#skip is a url").0,
            p(
                true,
                Some(2),
                "not skipped: https://example.com/page.html#skip is a url",
                None,
                None
            )
        );
        assert_eq!(
            pt("ok 3 - may skip, but should warn# skip").0.directive,
            None
        );
        // '#skip' with no space after: accepted, with a warning.
        let (point, warning) = pt("ok 4 - may skip, but should warn #skip");
        assert_eq!(
            point,
            p(
                true,
                Some(4),
                "may skip, but should warn",
                Some(Skip),
                Some("")
            )
        );
        assert!(warning.is_some());
        let (point, warning) = pt("ok 3 - #SkIp case insensitive, so this is skipped");
        assert_eq!(
            point,
            p(
                true,
                Some(3),
                "",
                Some(Skip),
                Some("case insensitive, so this is skipped")
            )
        );
        assert!(warning.is_some());
        assert_eq!(pt("ok 1 - x # SKIP y").1, None);
        // The first whitespace-surrounded '#' decides.
        assert_eq!(
            pt("ok 7 - hello # description # todo").0,
            p(true, Some(7), "hello # description # todo", None, None)
        );
        // '#123' is not a delimiter; the later '# TODO' is.
        assert_eq!(
            pt("ok 8 - issue #123 # TODO later").0,
            p(true, Some(8), "issue #123", Some(Todo), Some("later"))
        );
        assert_eq!(
            pt("ok 9 - trailing #").0,
            p(true, Some(9), "trailing #", None, None)
        );
    }

    #[test]
    fn escaping_examples_from_tap14() {
        use Directive::*;
        assert_eq!(
            pt("ok 1 - hello # todo").0,
            p(true, Some(1), "hello", Some(Todo), Some(""))
        );
        assert_eq!(
            pt(r"ok 2 - hello \# todo").0,
            p(true, Some(2), "hello # todo", None, None)
        );
        assert_eq!(
            pt(r"ok 3 - hello # todo hash \# character").0,
            p(true, Some(3), "hello", Some(Todo), Some("hash # character"))
        );
        assert_eq!(
            pt("ok 4 - hello # todo hash # character").0,
            p(true, Some(4), "hello", Some(Todo), Some("hash # character"))
        );
        assert_eq!(
            pt(r"ok 5 - hello \\# todo hash \# character").0,
            p(
                true,
                Some(5),
                r"hello \",
                Some(Todo),
                Some("hash # character")
            )
        );
        assert_eq!(
            pt(r"ok 6 - hello \\# todo hash # character").0,
            p(
                true,
                Some(6),
                r"hello \",
                Some(Todo),
                Some("hash # character")
            )
        );
        assert_eq!(
            pt(r"ok 1 - x \\# SKIP").0,
            p(true, Some(1), r"x \", Some(Skip), Some(""))
        );
        assert_eq!(
            pt(r"ok 5 - hello \\ # todo hash \# character").0,
            p(
                true,
                Some(5),
                r"hello \",
                Some(Todo),
                Some("hash # character")
            )
        );
        assert_eq!(
            pt(r"ok 8 - hello \\\\\\\# todo").0,
            p(true, Some(8), r"hello \\\# todo", None, None)
        );
        assert_eq!(pt(r"ok 9 - a\b\\c").0.description, r"a\b\c");
        assert_eq!(unescape(r"x\"), r"x\");
    }

    #[test]
    fn plans() {
        let plan = |s, e, r: Option<&str>| {
            Line::Plan(Plan {
                start: s,
                end: e,
                skip_reason: r.map(str::to_string),
            })
        };
        assert_eq!(classify("1..5"), plan(1, 5, None));
        assert_eq!(classify("1..5  "), plan(1, 5, None));
        assert_eq!(classify("1..5 # whatever"), plan(1, 5, None));
        assert_eq!(classify("1..0"), plan(1, 0, None));
        assert_eq!(
            classify("1..0 # SKIP no hypervisor"),
            plan(1, 0, Some("no hypervisor"))
        );
        assert_eq!(
            classify("1..0 # Skipped: no \\# disk"),
            plan(1, 0, Some("no # disk"))
        );
        assert_eq!(
            classify("1..0 # WWW::Mechanize not installed"),
            plan(1, 0, Some("WWW::Mechanize not installed"))
        );
        assert_eq!(classify("1..0 #"), plan(1, 0, Some("")));
        assert_eq!(classify("5..8"), plan(5, 8, None));
        assert_eq!(classify("1..5 todo 3 4"), Line::Unknown);
        assert_eq!(classify("1..x"), Line::Unknown);
        assert_eq!(classify("1..99999999999999999999999"), Line::Unknown);
    }

    #[test]
    fn versions_bailouts_pragmas() {
        assert_eq!(classify("TAP version 14"), Line::Version(14));
        assert_eq!(classify("TAP version 13 "), Line::Version(13));
        assert_eq!(classify("tap VERSION 12"), Line::Version(12));
        assert_eq!(classify("TAP version"), Line::Unknown);
        assert_eq!(classify("TAP version 14 extra"), Line::Unknown);
        assert_eq!(
            classify("Bail out! MySQL is not running."),
            Line::BailOut("MySQL is not running.".into())
        );
        assert_eq!(classify("BAIL OUT!"), Line::BailOut(String::new()));
        assert_eq!(
            classify(r"bail out! \# and \\ are not supported"),
            Line::BailOut(r"# and \ are not supported".into())
        );
        assert_eq!(classify("Bail out"), Line::Unknown);
        assert_eq!(
            classify("pragma +strict"),
            Line::Pragma {
                enable: true,
                key: "strict"
            }
        );
        assert_eq!(
            classify("pragma -bail"),
            Line::Pragma {
                enable: false,
                key: "bail"
            }
        );
        assert_eq!(
            classify("pragma +my_key-2"),
            Line::Pragma {
                enable: true,
                key: "my_key-2"
            }
        );
        assert_eq!(classify("pragma +strict # comment"), Line::Unknown);
        assert_eq!(classify("pragma strict"), Line::Unknown);
    }

    #[test]
    fn comments_and_subtest_headers() {
        assert_eq!(classify("# hello there "), Line::Comment("hello there"));
        assert_eq!(classify("#"), Line::Comment(""));
        assert_eq!(classify("  # indented"), Line::Comment("indented"));
        assert_eq!(
            classify("# Subtest: foo.tap"),
            Line::SubtestHeader(Some("foo.tap".into()))
        );
        assert_eq!(
            classify("# Subtest: a \\# b"),
            Line::SubtestHeader(Some("a # b".into()))
        );
        assert_eq!(classify("# Subtest"), Line::SubtestHeader(None));
        assert_eq!(classify("# Subtest:"), Line::SubtestHeader(None));
        assert_eq!(
            classify("# Subtests are fun"),
            Line::Comment("Subtests are fun")
        );
        assert_eq!(classify(""), Line::Blank);
        assert_eq!(classify(" \t "), Line::Blank);
        assert_eq!(classify("garbage"), Line::Unknown);
    }
}
