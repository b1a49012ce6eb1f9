//! TEMPORARY STUB (harness branch): a line-based stand-in for the real
//! incremental parser that the `tap` branch provides. Replaced on merge.

use super::model::{Directive, Event, Plan, PointLine};

#[derive(Default)]
pub struct Parser {
    line: Vec<u8>,
    lineno: u64,
}

impl Parser {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn feed(&mut self, bytes: &[u8], out: &mut impl FnMut(Event)) {
        for &b in bytes {
            if b == b'\n' {
                let l = std::mem::take(&mut self.line);
                self.line_done(&l, out);
            } else if self.line.len() < 1 << 16 {
                self.line.push(b);
            }
        }
    }

    pub fn finish(&mut self, out: &mut impl FnMut(Event)) {
        if !self.line.is_empty() {
            let l = std::mem::take(&mut self.line);
            self.line_done(&l, out);
        }
    }

    fn line_done(&mut self, l: &[u8], out: &mut impl FnMut(Event)) {
        self.lineno += 1;
        let s = String::from_utf8_lossy(l);
        let s = s.trim_end_matches('\r');
        if let Some(v) = s.strip_prefix("TAP version ") {
            out(Event::Version {
                depth: 0,
                version: v.trim().parse().unwrap_or(0),
            });
        } else if let Some(r) = s.strip_prefix("1..") {
            let (n, reason) = match r.split_once('#') {
                Some((n, why)) => (
                    n.trim(),
                    Some(why.trim().trim_start_matches("SKIP").trim().to_string()),
                ),
                None => (r.trim(), None),
            };
            let end: u64 = n.parse().unwrap_or(0);
            out(Event::Plan {
                depth: 0,
                plan: Plan {
                    start: 1,
                    end,
                    skip_reason: if end == 0 { reason } else { None },
                },
            });
        } else if s.starts_with("ok") || s.starts_with("not ok") {
            let ok = s.starts_with("ok");
            let rest = if ok { &s[2..] } else { &s[6..] };
            let rest = rest.trim_start();
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            let number = digits.parse().ok();
            let rest = rest[digits.len()..].trim_start();
            let rest = rest.strip_prefix("- ").unwrap_or(rest);
            let (desc, directive, reason) = match rest.split_once('#') {
                Some((d, dir)) => {
                    let dir = dir.trim();
                    let up = dir.to_ascii_uppercase();
                    if up.starts_with("SKIP") {
                        (
                            d.trim(),
                            Some(Directive::Skip),
                            Some(dir[4..].trim().to_string()),
                        )
                    } else if up.starts_with("TODO") {
                        (
                            d.trim(),
                            Some(Directive::Todo),
                            Some(dir[4..].trim().to_string()),
                        )
                    } else {
                        (rest, None, None)
                    }
                }
                None => (rest.trim(), None, None),
            };
            out(Event::Point {
                depth: 0,
                point: PointLine {
                    ok,
                    number,
                    description: desc.to_string(),
                    directive,
                    reason,
                },
            });
        } else if let Some(r) = s.strip_prefix("Bail out!") {
            out(Event::BailOut {
                depth: 0,
                reason: r.trim().to_string(),
            });
        } else if let Some(c) = s.strip_prefix('#') {
            out(Event::Comment {
                depth: 0,
                text: c.trim().to_string(),
            });
        } else {
            out(Event::Unknown {
                depth: 0,
                text: s.to_string(),
            });
        }
    }
}
