//! The incremental TAP parser: bytes in, [`Event`]s out, one line at a time.
//!
//! It is fed whatever a pipe delivers (a line may arrive in pieces, a chunk
//! may hold thousands of lines) and keeps only what the current line needs:
//!
//! - Lines end at `\n`, `\r\n` or a bare `\r` (TAP 14 asks harnesses to
//!   normalise all three). Invalid UTF-8 is replaced with U+FFFD; it is
//!   never an error by itself.
//! - A line that is complete inside one chunk is parsed in place; only a
//!   line split across chunks is copied, into one buffer that is reused and
//!   shrunk back once a long line has gone. A line keeps at most
//!   [`MAX_LINE`] bytes: the rest is dropped with a warning (an error if the
//!   line was a TAP line, whose directive may have been cut off), so a
//!   stream without newlines cannot exhaust memory.
//! - Subtest depth is the indentation divided by 4. A YAML block is
//!   recognised only right after a test point (comments and blank lines may
//!   come between, as TAP 14 allows), indented 2 spaces more than that point;
//!   its lines keep their blank lines and relative indentation, and at most
//!   [`MAX_YAML`] bytes of it are kept. A block that ends without `...`
//!   (a less-indented line, or the end of the stream) is an error event.
//! - Lines nested deeper than [`MAX_DEPTH`] subtest levels are errors and
//!   otherwise ignored: every consumer of the document tree (drop,
//!   serialisation, reports) walks it recursively, and this bound keeps that
//!   safe on a 2 MiB thread stack.
//!
//! The parser knows the syntax of a line (`grammar.rs`) and the shape of
//! YAML blocks; what the lines mean together (plans, subtests, verdicts) is
//! the judge's business (`verdict.rs`).

use std::borrow::Cow;

use crate::tap::grammar::{classify, Line};
use crate::tap::model::Event;
use crate::yaml::Yaml;

/// Bytes of one line that are kept; the rest of a longer line is dropped.
pub const MAX_LINE: usize = 16 << 20;
/// Bytes of one YAML block that are kept; a larger block is dropped.
pub const MAX_YAML: usize = 16 << 20;
/// Deepest subtest nesting accepted.
pub const MAX_DEPTH: usize = 1024;

/// A line buffer larger than this is freed once its line is done.
const KEEP_CAPACITY: usize = 64 << 10;

/// An incremental TAP parser. Feed it bytes with [`Parser::feed`], then call
/// [`Parser::finish`] at the end of the stream.
#[derive(Debug, Default)]
pub struct Parser {
    /// The start of a line whose end has not arrived yet.
    partial: Vec<u8>,
    /// Bytes of the current line dropped beyond [`MAX_LINE`].
    dropped: u64,
    /// The previous chunk ended with `\r`: a `\n` starting the next chunk
    /// belongs to the same line end.
    skip_lf: bool,
    /// Number of the last line completed.
    line: u64,
    yaml: Option<YamlBlock>,
    /// Depth of the test point a YAML block may still follow.
    yaml_may_follow: Option<usize>,
    finished: bool,
}

#[derive(Debug)]
struct YamlBlock {
    depth: usize,
    indent: usize,
    start: u64,
    text: String,
    too_large: bool,
}

impl Parser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses the complete lines in `bytes` (and any line they complete),
    /// passing each event to `sink`. An incomplete last line waits for the
    /// next call or for [`Parser::finish`].
    pub fn feed(&mut self, bytes: &[u8], sink: &mut impl FnMut(Event)) {
        if self.finished {
            return;
        }
        let mut rest = bytes;
        if self.skip_lf && !rest.is_empty() {
            self.skip_lf = false;
            if rest[0] == b'\n' {
                rest = &rest[1..];
            }
        }
        while let Some(end) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            let line = &rest[..end];
            let mut next = end + 1;
            if rest[end] == b'\r' {
                match rest.get(next) {
                    Some(b'\n') => next += 1,
                    None => self.skip_lf = true,
                    Some(_) => {}
                }
            }
            if self.partial.is_empty() && self.dropped == 0 {
                self.complete_line(line, sink);
            } else {
                self.append(line);
                let buf = std::mem::take(&mut self.partial);
                self.complete_line(&buf, sink);
                self.recycle(buf);
            }
            rest = &rest[next..];
        }
        self.append(rest);
    }

    /// Ends the stream: parses a last line that had no line end, and
    /// reports a YAML block left open. Further calls do nothing.
    pub fn finish(&mut self, sink: &mut impl FnMut(Event)) {
        if self.finished {
            return;
        }
        if !self.partial.is_empty() || self.dropped > 0 {
            let buf = std::mem::take(&mut self.partial);
            self.complete_line(&buf, sink);
        }
        if let Some(block) = self.yaml.take() {
            sink(Event::Error {
                line: block.start,
                depth: block.depth,
                message: format!(
                    "unterminated YAML block: it starts on line {} and the stream ended before its closing '...'",
                    block.start
                ),
            });
            Self::emit_yaml(block, sink);
        }
        self.finished = true;
        self.partial = Vec::new();
    }

    /// Number of lines completed so far.
    pub fn lines(&self) -> u64 {
        self.line
    }

    fn append(&mut self, bytes: &[u8]) {
        let room = MAX_LINE.saturating_sub(self.partial.len());
        let keep = bytes.len().min(room);
        self.partial.extend_from_slice(&bytes[..keep]);
        self.dropped += (bytes.len() - keep) as u64;
    }

    fn recycle(&mut self, mut buf: Vec<u8>) {
        if buf.capacity() <= KEEP_CAPACITY {
            buf.clear();
            self.partial = buf;
        }
    }

    fn complete_line(&mut self, raw: &[u8], sink: &mut impl FnMut(Event)) {
        self.line += 1;
        let keep = raw.len().min(MAX_LINE);
        let dropped = self.dropped + (raw.len() - keep) as u64;
        self.dropped = 0;
        let text = String::from_utf8_lossy(&raw[..keep]);
        self.line_text(&text, dropped, sink);
    }

    fn line_text(&mut self, text: &str, dropped: u64, sink: &mut impl FnMut(Event)) {
        let line = self.line;
        let indent = text.len() - text.trim_start_matches(' ').len();
        let content = &text[indent..];

        if let Some(block) = &mut self.yaml {
            if content.trim_end() == "..." && indent == block.indent {
                if let Some(block) = self.yaml.take() {
                    Self::emit_yaml(block, sink);
                }
                return;
            }
            if content.trim().is_empty() || indent >= block.indent {
                let body = if content.trim().is_empty() {
                    ""
                } else {
                    &text[block.indent..]
                };
                if block.text.len() + body.len() + 1 > MAX_YAML {
                    block.too_large = true;
                    block.text = String::new();
                } else if !block.too_large {
                    block.text.push_str(body);
                    block.text.push('\n');
                }
                return;
            }
            // A line indented less than the block ends it without `...`.
            if let Some(block) = self.yaml.take() {
                sink(Event::Error {
                    line: block.start,
                    depth: block.depth,
                    message: format!(
                        "unterminated YAML block: it starts on line {} and line {line} ends it without '...'",
                        block.start
                    ),
                });
                Self::emit_yaml(block, sink);
            }
        }

        if content.trim().is_empty() {
            return;
        }
        let depth = indent / 4;
        if indent % 4 != 0 {
            // TAP 14: other indentation is not TAP, except comments (any
            // indentation) and the YAML block after a test point.
            if indent % 4 == 2 && content.trim_end() == "---" && self.yaml_may_follow == Some(depth)
            {
                self.yaml = Some(YamlBlock {
                    depth,
                    indent,
                    start: line,
                    text: String::new(),
                    too_large: false,
                });
                self.yaml_may_follow = None;
            } else if let Some(comment) = content.strip_prefix('#') {
                sink(Event::Comment {
                    line,
                    depth,
                    text: comment.trim().to_string(),
                });
            } else {
                self.yaml_may_follow = None;
                sink(Event::Unknown {
                    line,
                    depth,
                    text: text.to_string(),
                });
            }
            return;
        }
        if depth > MAX_DEPTH {
            self.yaml_may_follow = None;
            sink(Event::Error {
                line,
                depth: MAX_DEPTH,
                message: format!(
                    "line {line} is nested {depth} subtest levels deep; tck reads at most {MAX_DEPTH}, so it was ignored"
                ),
            });
            return;
        }

        let parsed = classify(content);
        let is_tap = !matches!(
            parsed,
            Line::Comment(_) | Line::SubtestHeader(_) | Line::Unknown
        );
        if dropped > 0 {
            let what = format!(
                "line {line} is longer than {} MiB; its last {dropped} bytes were dropped",
                MAX_LINE >> 20
            );
            if is_tap {
                sink(Event::Error {
                    line,
                    depth,
                    message: format!("{what}, so it may have been misread"),
                });
            } else {
                sink(Event::Warning {
                    line,
                    depth,
                    message: what,
                });
            }
        }
        match parsed {
            Line::Point(point, warning) => {
                if let Some(message) = warning {
                    sink(Event::Warning {
                        line,
                        depth,
                        message: message.to_string(),
                    });
                }
                self.yaml_may_follow = Some(depth);
                sink(Event::Point { line, depth, point });
                return;
            }
            Line::Comment(text) => {
                sink(Event::Comment {
                    line,
                    depth,
                    text: text.to_string(),
                });
                return;
            }
            Line::SubtestHeader(name) => {
                sink(Event::SubtestHeader { line, depth, name });
                return;
            }
            Line::Blank => return,
            _ => {}
        }
        self.yaml_may_follow = None;
        sink(match parsed {
            Line::Version(version) => Event::Version {
                line,
                depth,
                version,
            },
            Line::Plan(plan) => Event::Plan { line, depth, plan },
            Line::BailOut(reason) => Event::BailOut {
                line,
                depth,
                reason,
            },
            Line::Pragma { enable, key } => Event::Pragma {
                line,
                depth,
                enable,
                key: key.to_string(),
            },
            _ => Event::Unknown {
                line,
                depth,
                text: text.to_string(),
            },
        });
    }

    fn emit_yaml(block: YamlBlock, sink: &mut impl FnMut(Event)) {
        let (line, depth) = (block.start, block.depth);
        if block.too_large {
            sink(Event::Error {
                line,
                depth,
                message: format!(
                    "the YAML block starting on line {line} is larger than {} MiB; it was dropped",
                    MAX_YAML >> 20
                ),
            });
            return;
        }
        let yaml = match Yaml::parse(&block.text) {
            Ok(yaml) => yaml,
            Err(e) => {
                sink(Event::Warning {
                    line,
                    depth,
                    message: format!(
                        "the YAML block starting on line {line} is not valid YAML ({}); kept as text",
                        // The YAML parser counts lines from the block's first line, 1-based.
                        e
                    ),
                });
                Yaml::Str(block.text)
            }
        };
        sink(Event::Yaml { line, depth, yaml });
    }
}

/// Parses a complete stream held in memory.
pub fn parse_all(bytes: &[u8]) -> Vec<Event> {
    let mut events = Vec::new();
    let mut parser = Parser::new();
    parser.feed(bytes, &mut |e| events.push(e));
    parser.finish(&mut |e| events.push(e));
    events
}

/// Lossy text of a line for messages: at most `max` characters.
pub(crate) fn excerpt(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tap::model::{Directive, Plan, PointLine};

    fn point(ok: bool, number: Option<u64>, description: &str) -> PointLine {
        PointLine {
            ok,
            number,
            description: description.to_string(),
            directive: None,
            reason: None,
        }
    }

    /// Feeds `input` in pieces of `chunk` bytes.
    fn chunked(input: &[u8], chunk: usize) -> Vec<Event> {
        let mut events = Vec::new();
        let mut parser = Parser::new();
        for piece in input.chunks(chunk.max(1)) {
            parser.feed(piece, &mut |e| events.push(e));
        }
        parser.finish(&mut |e| events.push(e));
        events
    }

    #[test]
    fn every_element_becomes_one_event_with_its_line() {
        let input = "TAP version 14\n1..3\n# a comment\nok 1 - first\nnot ok 2 second # TODO later\n\npragma +strict\nok 3 # skip no disk\nBail out! stop \\# now\nsomething else\n";
        let events = parse_all(input.as_bytes());
        assert_eq!(
            events,
            vec![
                Event::Version {
                    line: 1,
                    depth: 0,
                    version: 14
                },
                Event::Plan {
                    line: 2,
                    depth: 0,
                    plan: Plan {
                        start: 1,
                        end: 3,
                        skip_reason: None
                    }
                },
                Event::Comment {
                    line: 3,
                    depth: 0,
                    text: "a comment".into()
                },
                Event::Point {
                    line: 4,
                    depth: 0,
                    point: point(true, Some(1), "first")
                },
                Event::Point {
                    line: 5,
                    depth: 0,
                    point: PointLine {
                        directive: Some(Directive::Todo),
                        reason: Some("later".into()),
                        ..point(false, Some(2), "second")
                    }
                },
                Event::Pragma {
                    line: 7,
                    depth: 0,
                    enable: true,
                    key: "strict".into()
                },
                Event::Point {
                    line: 8,
                    depth: 0,
                    point: PointLine {
                        directive: Some(Directive::Skip),
                        reason: Some("no disk".into()),
                        ..point(true, Some(3), "")
                    }
                },
                Event::BailOut {
                    line: 9,
                    depth: 0,
                    reason: "stop # now".into()
                },
                Event::Unknown {
                    line: 10,
                    depth: 0,
                    text: "something else".into()
                },
            ]
        );
    }

    #[test]
    fn line_ends_lf_crlf_and_bare_cr_in_any_chunking() {
        let input = b"1..3\r\nok 1\rok 2\n\r\nok 3\r";
        let expected: Vec<(u64, Option<u64>)> =
            vec![(1, None), (2, Some(1)), (3, Some(2)), (5, Some(3))];
        for chunk in [1, 2, 3, 5, 100] {
            let got: Vec<(u64, Option<u64>)> = chunked(input, chunk)
                .iter()
                .map(|e| match e {
                    Event::Point { line, point, .. } => (*line, point.number),
                    other => (other.line(), None),
                })
                .collect();
            assert_eq!(got, expected, "chunk size {chunk}");
        }
    }

    #[test]
    fn last_line_without_newline_is_parsed_at_finish() {
        let mut events = Vec::new();
        let mut parser = Parser::new();
        parser.feed(b"1..1\nok 1 - la", &mut |e| events.push(e));
        assert_eq!(events.len(), 1);
        parser.feed(b"st", &mut |e| events.push(e));
        parser.finish(&mut |e| events.push(e));
        parser.finish(&mut |e| events.push(e));
        assert_eq!(
            events[1],
            Event::Point {
                line: 2,
                depth: 0,
                point: point(true, Some(1), "last")
            }
        );
        assert_eq!(events.len(), 2);
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let events = parse_all(b"ok 1 - caf\xe9 \xff\xfe\n\xc3\x28garbage\n");
        assert_eq!(
            events[0],
            Event::Point {
                line: 1,
                depth: 0,
                point: point(true, Some(1), "caf\u{fffd} \u{fffd}\u{fffd}")
            }
        );
        assert_eq!(
            events[1],
            Event::Unknown {
                line: 2,
                depth: 0,
                text: "\u{fffd}(garbage".into()
            }
        );
    }

    #[test]
    fn yaml_block_after_a_point_keeps_blank_lines_and_structure() {
        let input = "not ok 1 - resolve\n# between\n  ---\n  message: |\n    first\n\n    third\n  found:\n    - 1\n    - two\n  ...\nok 2\n";
        let events = parse_all(input.as_bytes());
        assert_eq!(
            events[1],
            Event::Comment {
                line: 2,
                depth: 0,
                text: "between".into()
            }
        );
        assert_eq!(
            events[2],
            Event::Yaml {
                line: 3,
                depth: 0,
                yaml: Yaml::map([
                    ("message", Yaml::Str("first\n\nthird\n".into())),
                    (
                        "found",
                        Yaml::Seq(vec![Yaml::Int(1), Yaml::Str("two".into())])
                    ),
                ]),
            }
        );
        assert_eq!(events[3].line(), 12);
    }

    #[test]
    fn yaml_block_in_a_subtest_is_indented_4k_plus_2() {
        let input = "    not ok 1 - inner\n      ---\n      got: 1\n      ...\n    1..1\n";
        let events = parse_all(input.as_bytes());
        assert_eq!(
            events[1],
            Event::Yaml {
                line: 2,
                depth: 1,
                yaml: Yaml::map([("got", Yaml::Int(1))])
            }
        );
        assert_eq!(
            events[2],
            Event::Plan {
                line: 5,
                depth: 1,
                plan: Plan {
                    start: 1,
                    end: 1,
                    skip_reason: None
                }
            }
        );
    }

    #[test]
    fn yaml_markers_without_a_point_are_not_yaml() {
        let events = parse_all(b"1..1\n  ---\n  a: 1\n  ...\n");
        assert!(
            events[1..]
                .iter()
                .all(|e| matches!(e, Event::Unknown { .. })),
            "{events:?}"
        );
        // A YAML block at the wrong indentation for its point is not one either.
        let events = parse_all(b"ok 1\n      ---\n      ...\n");
        assert!(matches!(events[1], Event::Unknown { .. }));
    }

    #[test]
    fn unterminated_yaml_at_end_of_stream_is_an_error() {
        let events = parse_all(b"not ok 1\n  ---\n  got: 1\n");
        assert!(
            matches!(&events[1], Event::Error { line: 2, message, .. } if message.contains("unterminated YAML block"))
        );
        assert_eq!(
            events[2],
            Event::Yaml {
                line: 2,
                depth: 0,
                yaml: Yaml::map([("got", Yaml::Int(1))])
            }
        );
    }

    #[test]
    fn yaml_block_ended_by_a_less_indented_line_is_an_error_and_the_line_counts() {
        let events = parse_all(b"not ok 1\n  ---\n  got: 1\nok 2\n");
        assert!(
            matches!(&events[1], Event::Error { message, .. } if message.contains("line 4 ends it"))
        );
        assert!(matches!(events[2], Event::Yaml { .. }));
        assert_eq!(
            events[3],
            Event::Point {
                line: 4,
                depth: 0,
                point: point(true, Some(2), "")
            }
        );
    }

    #[test]
    fn invalid_yaml_is_a_warning_and_kept_as_text() {
        let events = parse_all(b"not ok 1\n  ---\n  a: [1\n  ...\n");
        assert!(
            matches!(&events[1], Event::Warning { message, .. } if message.contains("not valid YAML"))
        );
        assert_eq!(
            events[2],
            Event::Yaml {
                line: 2,
                depth: 0,
                yaml: Yaml::Str("a: [1\n".into())
            }
        );
    }

    #[test]
    fn subtest_depth_comes_from_indentation() {
        let events = parse_all(
            b"# Subtest: s\n    ok 1\n        ok 1\n      # odd comment\n  ok 9\n   garbage\n",
        );
        let depths: Vec<(usize, &str)> = events
            .iter()
            .map(|e| {
                let kind = match e {
                    Event::SubtestHeader { .. } => "header",
                    Event::Point { .. } => "point",
                    Event::Comment { .. } => "comment",
                    Event::Unknown { .. } => "unknown",
                    _ => "other",
                };
                (e.depth(), kind)
            })
            .collect();
        assert_eq!(
            depths,
            vec![
                (0, "header"),
                (1, "point"),
                (2, "point"),
                (1, "comment"),
                (0, "unknown"),
                (0, "unknown")
            ]
        );
    }

    #[test]
    fn lines_deeper_than_max_depth_are_errors() {
        let line = format!("{}ok 1\n", " ".repeat(4 * (MAX_DEPTH + 1)));
        let events = parse_all(line.as_bytes());
        assert!(
            matches!(&events[..], [Event::Error { message, .. }] if message.contains("1025 subtest levels"))
        );
        let line = format!("{}ok 1\n", " ".repeat(4 * MAX_DEPTH));
        assert!(matches!(
            &parse_all(line.as_bytes())[..],
            [Event::Point {
                depth: MAX_DEPTH,
                ..
            }]
        ));
    }

    #[test]
    fn an_overlong_line_is_cut_and_its_buffer_released() {
        let mut parser = Parser::new();
        let mut events = Vec::new();
        let mut long = b"ok 1 - ".to_vec();
        long.resize(MAX_LINE + 1000, b'x');
        // In pieces, as from a pipe.
        for piece in long.chunks(1 << 20) {
            parser.feed(piece, &mut |e| events.push(e));
        }
        parser.feed(b" # SKIP lost\nok 2\n", &mut |e| events.push(e));
        assert!(parser.partial.capacity() <= KEEP_CAPACITY);
        parser.finish(&mut |e| events.push(e));
        assert!(
            matches!(&events[0], Event::Error { line: 1, message, .. } if message.contains("last 1012 bytes were dropped"))
        );
        match &events[1] {
            Event::Point { point, .. } => {
                assert_eq!(point.description.len(), MAX_LINE - 7);
                assert_eq!(point.directive, None);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            events[2],
            Event::Point {
                line: 2,
                depth: 0,
                point: point(true, Some(2), "")
            }
        );

        // A non-TAP overlong line in one chunk is only a warning.
        let mut garbage = vec![b'z'; MAX_LINE + 1];
        garbage.push(b'\n');
        let events = parse_all(&garbage);
        assert!(
            matches!(&events[0], Event::Warning { message, .. } if message.contains("last 1 bytes"))
        );
        assert!(matches!(&events[1], Event::Unknown { text, .. } if text.len() == MAX_LINE));
    }

    #[test]
    fn a_ten_megabyte_line_is_read_whole() {
        let mut long = b"ok 1 - ".to_vec();
        long.resize(10 << 20, b'y');
        long.extend_from_slice(b" # TODO at the end\n");
        let events = chunked(&long, 65536);
        match &events[..] {
            [Event::Point { point, .. }] => {
                assert_eq!(point.description.len(), (10 << 20) - 7);
                assert_eq!(point.directive, Some(Directive::Todo));
                assert_eq!(point.reason.as_deref(), Some("at the end"));
            }
            other => panic!("{:?}", other.len()),
        }
    }

    #[test]
    fn empty_input_gives_no_events() {
        assert!(parse_all(b"").is_empty());
        assert!(parse_all(b"\n\n  \n").is_empty());
    }

    #[test]
    fn excerpt_cuts_on_characters() {
        assert_eq!(excerpt("héllo", 2), "hé…");
        assert_eq!(excerpt("hi", 2), "hi");
    }
}
