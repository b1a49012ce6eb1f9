//! Writing a [`Report`] as tck XML, version 1 (`share/schema/tck-report-1.rng`).
//!
//! The writer is deterministic (same model, same bytes), which is what makes
//! write → read → write byte-identical, and streams: each script is rendered
//! into a reusable buffer and flushed, so memory does not grow with the run.

use super::super::escape::{escape, needs_escape, push_xml_attr, push_xml_text};
use super::super::model::*;
use crate::tap::model::Plan;
use crate::yaml::Yaml;
use std::io::{self, Write};

/// Writes `report` as tck XML to `out`.
pub fn write_report(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut x = Xw {
        buf: Vec::with_capacity(1 << 16),
    };
    x.buf
        .extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.buf.extend_from_slice(b"<tck-report version=\"");
    x.num(SCHEMA_VERSION);
    x.buf.extend_from_slice(b"\" incomplete=\"");
    x.buf
        .extend_from_slice(bool_str(report.incomplete).as_bytes());
    x.buf.extend_from_slice(b"\">\n");
    x.environment(&report.environment);
    for script in &report.scripts {
        x.script(script);
        if x.buf.len() >= 1 << 16 {
            out.write_all(&x.buf)?;
            x.buf.clear();
        }
    }
    for nr in &report.not_run {
        x.text_elem(1, "not-run", &[("id", &nr.id)], &nr.reason);
    }
    x.buf.extend_from_slice(b"</tck-report>\n");
    out.write_all(&x.buf)?;
    out.flush()
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// Durations are `xsd:double`; Rust's shortest round-trip formatting of a
/// finite value is one. Non-finite or negative values (never measured) are
/// written as 0.
fn duration_str(d: f64) -> String {
    if d.is_finite() && d >= 0.0 {
        format!("{d}")
    } else {
        "0".to_string()
    }
}

struct Xw {
    buf: Vec<u8>,
}

impl Xw {
    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.buf.extend_from_slice(b"  ");
        }
    }

    fn num(&mut self, n: impl std::fmt::Display) {
        // Writing into a Vec cannot fail.
        let _ = write!(self.buf, "{n}");
    }

    /// `<name k="v"…` with free-text attributes (escaped when `esc`).
    fn open(&mut self, depth: usize, name: &str, attrs: &[(&str, &str)], esc: bool) {
        self.indent(depth);
        self.buf.push(b'<');
        self.buf.extend_from_slice(name.as_bytes());
        for (k, v) in attrs {
            self.attr(k, v, esc);
        }
        if esc {
            self.buf.extend_from_slice(b" escaped=\"true\"");
        }
    }

    fn attr(&mut self, k: &str, v: &str, esc: bool) {
        self.buf.push(b' ');
        self.buf.extend_from_slice(k.as_bytes());
        self.buf.extend_from_slice(b"=\"");
        if esc {
            push_xml_attr(&mut self.buf, &escape(v));
        } else {
            push_xml_attr(&mut self.buf, v);
        }
        self.buf.push(b'"');
    }

    /// A token attribute (a fixed word), never escaped: no formatting
    /// machinery on the per-point path.
    fn attr_tok(&mut self, k: &str, v: &str) {
        self.buf.push(b' ');
        self.buf.extend_from_slice(k.as_bytes());
        self.buf.extend_from_slice(b"=\"");
        self.buf.extend_from_slice(v.as_bytes());
        self.buf.push(b'"');
    }

    /// An unsigned number attribute, formatted by hand (the per-point path).
    fn attr_u64(&mut self, k: &str, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.buf.push(b' ');
        self.buf.extend_from_slice(k.as_bytes());
        self.buf.extend_from_slice(b"=\"");
        self.buf.extend_from_slice(&digits[i..]);
        self.buf.push(b'"');
    }

    /// A plain (token or number) attribute, never escaped.
    fn attr_raw(&mut self, k: &str, v: impl std::fmt::Display) {
        self.buf.push(b' ');
        self.buf.extend_from_slice(k.as_bytes());
        self.buf.extend_from_slice(b"=\"");
        self.num(v);
        self.buf.push(b'"');
    }

    fn end(&mut self, depth: usize, name: &str) {
        self.indent(depth);
        self.buf.extend_from_slice(b"</");
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.extend_from_slice(b">\n");
    }

    /// `<name attrs>text</name>` on one line (`<name attrs/>` when empty).
    fn text_elem(&mut self, depth: usize, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.text_elem_with(depth, name, attrs, text, |_| {});
    }

    /// As [`text_elem`](Self::text_elem), with extra token attributes written by `extra`.
    fn text_elem_with(
        &mut self,
        depth: usize,
        name: &str,
        attrs: &[(&str, &str)],
        text: &str,
        extra: impl FnOnce(&mut Self),
    ) {
        let esc = needs_escape(text) || attrs.iter().any(|(_, v)| needs_escape(v));
        self.open(depth, name, attrs, esc);
        extra(self);
        if text.is_empty() {
            self.buf.extend_from_slice(b"/>\n");
            return;
        }
        self.buf.push(b'>');
        if esc {
            push_xml_text(&mut self.buf, &escape(text));
        } else {
            push_xml_text(&mut self.buf, text);
        }
        self.buf.extend_from_slice(b"</");
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.extend_from_slice(b">\n");
    }

    fn environment(&mut self, e: &Environment) {
        self.buf.extend_from_slice(b"  <environment>\n");
        for (name, value) in [
            ("tck-version", &e.tck_version),
            ("tck-commit", &e.tck_commit),
            ("uri", &e.uri),
            ("driver", &e.driver),
            ("hypervisor-version", &e.hypervisor_version),
            ("libvirt-library-version", &e.libvirt_library_version),
            ("libvirt-daemon-version", &e.libvirt_daemon_version),
            ("hostname", &e.hostname),
            ("os-id", &e.os_id),
            ("os-version", &e.os_version),
            ("kernel", &e.kernel),
            ("arch", &e.arch),
            ("cpu-model", &e.cpu_model),
            ("capabilities-digest", &e.capabilities_digest),
            ("domain-capabilities-digest", &e.domain_capabilities_digest),
            ("config-digest", &e.config_digest),
            ("guest-boot", &e.guest_boot),
            ("start", &e.start),
            ("end", &e.end),
        ] {
            self.text_elem(2, name, &[], value);
        }
        if e.command_line.is_empty() {
            self.buf.extend_from_slice(b"    <command-line/>\n");
        } else {
            self.buf.extend_from_slice(b"    <command-line>\n");
            for arg in &e.command_line {
                self.text_elem(3, "arg", &[], arg);
            }
            self.buf.extend_from_slice(b"    </command-line>\n");
        }
        self.indent(2);
        self.buf.extend_from_slice(b"<jobs>");
        self.num(e.jobs);
        self.buf.extend_from_slice(b"</jobs>\n");
        self.indent(2);
        self.buf.extend_from_slice(b"<seed>");
        self.num(e.seed);
        self.buf.extend_from_slice(b"</seed>\n");
        if !e.partition.is_empty() {
            self.text_elem(2, "partition", &[], &e.partition);
        }
        self.buf.extend_from_slice(b"  </environment>\n");
    }

    fn script(&mut self, s: &ScriptResult) {
        let attrs = [("id", s.id.as_str()), ("area", s.area.as_str())];
        let esc = attrs.iter().any(|(_, v)| needs_escape(v));
        self.open(1, "script", &attrs, esc);
        self.attr_raw("status", s.status.as_str());
        self.attr_raw("duration", duration_str(s.duration));
        self.buf.extend_from_slice(b">\n");
        self.text_elem(2, "title", &[], &s.title);
        for r in &s.requirements {
            self.text_elem(2, "requirement", &[], r);
        }
        self.reason(2, &s.reason, s.skip_kind);
        self.exit(&s.exit);
        if let Some(plan) = &s.plan {
            self.plan(2, plan);
        }
        self.counts(2, &s.counts);
        for leak in &s.leaked {
            self.text_elem(
                2,
                "leak",
                &[("kind", leak.kind.as_str()), ("name", leak.name.as_str())],
                "",
            );
        }
        if !s.stderr_tail.is_empty() {
            self.text_elem(2, "stderr", &[], &s.stderr_tail);
        }
        for e in &s.parse_errors {
            self.text_elem_with(2, "parse-error", &[], &e.message, |x| {
                x.attr_raw("line", e.line)
            });
        }
        if let Some(m) = &s.mask {
            self.mask(2, m);
        }
        for t in &s.tests {
            self.test(2, t);
        }
        for a in &s.attempts {
            self.indent(2);
            self.buf.extend_from_slice(b"<attempt");
            self.attr_raw("status", a.status.as_str());
            self.attr_raw("duration", duration_str(a.duration));
            self.buf.extend_from_slice(b">\n");
            self.reason(3, &a.reason, None);
            self.counts(3, &a.counts);
            if !a.stderr_tail.is_empty() {
                self.text_elem(3, "stderr", &[], &a.stderr_tail);
            }
            for t in &a.tests {
                self.test(3, t);
            }
            self.end(2, "attempt");
        }
        self.end(1, "script");
    }

    fn reason(&mut self, depth: usize, reason: &str, kind: Option<SkipKind>) {
        if reason.is_empty() && kind.is_none() {
            return;
        }
        self.text_elem_with(depth, "reason", &[], reason, |x| {
            if let Some(k) = kind {
                x.attr_raw("skip-kind", k.as_str());
            }
        });
    }

    fn exit(&mut self, exit: &Exit) {
        match exit {
            Exit::Code { code } => {
                self.buf.extend_from_slice(b"    <exit kind=\"code\"");
                self.attr_raw("code", code);
                self.buf.extend_from_slice(b"/>\n");
            }
            Exit::Signal { signal, name } => {
                let esc = needs_escape(name);
                self.open(2, "exit", &[], esc);
                self.attr_raw("kind", "signal");
                self.attr_raw("signal", signal);
                self.attr("name", name, esc);
                self.buf.extend_from_slice(b"/>\n");
            }
            Exit::NotStarted => self
                .buf
                .extend_from_slice(b"    <exit kind=\"not-started\"/>\n"),
            Exit::Unknown => self
                .buf
                .extend_from_slice(b"    <exit kind=\"unknown\"/>\n"),
        }
    }

    fn plan(&mut self, depth: usize, plan: &Plan) {
        self.indent(depth);
        self.buf.extend_from_slice(b"<plan");
        self.attr_raw("start", plan.start);
        self.attr_raw("end", plan.end);
        match &plan.skip_reason {
            None => self.buf.extend_from_slice(b"/>\n"),
            Some(r) => {
                self.buf.extend_from_slice(b">\n");
                self.text_elem(depth + 1, "skip-reason", &[], r);
                self.end(depth, "plan");
            }
        }
    }

    fn counts(&mut self, depth: usize, c: &Counts) {
        self.indent(depth);
        self.buf.extend_from_slice(b"<counts");
        self.attr_raw("total", c.total);
        self.attr_raw("pass", c.pass);
        self.attr_raw("fail", c.fail);
        self.attr_raw("skip", c.skip);
        self.attr_raw("todo", c.todo);
        self.attr_raw("todo-passed", c.todo_passed);
        self.buf.extend_from_slice(b"/>\n");
    }

    fn mask(&mut self, depth: usize, m: &Mask) {
        self.text_elem_with(
            depth,
            "mask",
            &[("entry", m.entry.as_str())],
            &m.reason,
            |x| x.attr_raw("flaky", bool_str(m.flaky)),
        );
    }

    /// A test point is one element; its texts are attributes (one parser
    /// event per passing point keeps large reports fast to read), its
    /// diagnostics, subtest and mask are children.
    fn test(&mut self, depth: usize, t: &TestResult) {
        let identity = (t.identity != t.description).then_some(t.identity.as_str());
        let esc = needs_escape(&t.description)
            || t.reason.as_deref().is_some_and(needs_escape)
            || identity.is_some_and(needs_escape);
        self.indent(depth);
        self.buf.extend_from_slice(b"<test");
        self.attr_u64("number", t.number);
        self.attr_tok("outcome", t.outcome.as_str());
        if let Some(d) = t.directive {
            self.attr_tok("directive", d.as_str());
        }
        self.attr("description", &t.description, esc);
        if let Some(r) = &t.reason {
            self.attr("reason", r, esc);
        }
        if let Some(i) = identity {
            self.attr("identity", i, esc);
        }
        if esc {
            self.buf.extend_from_slice(b" escaped=\"true\"");
        }
        if t.yaml.is_none() && t.subtest.is_none() && t.mask.is_none() {
            self.buf.extend_from_slice(b"/>\n");
            return;
        }
        self.buf.extend_from_slice(b">\n");
        if let Some(y) = &t.yaml {
            self.indent(depth + 1);
            self.buf.extend_from_slice(b"<diagnostics>\n");
            self.yaml(depth + 2, y);
            self.end(depth + 1, "diagnostics");
        }
        if let Some(sub) = &t.subtest {
            match &sub.name {
                Some(n) => {
                    let esc = needs_escape(n);
                    self.open(depth + 1, "subtest", &[("name", n.as_str())], esc);
                }
                None => self.open(depth + 1, "subtest", &[], false),
            }
            self.buf.extend_from_slice(b">\n");
            if let Some(p) = &sub.plan {
                self.plan(depth + 2, p);
            }
            for st in &sub.tests {
                self.test(depth + 2, st);
            }
            self.end(depth + 1, "subtest");
        }
        if let Some(m) = &t.mask {
            self.mask(depth + 1, m);
        }
        self.end(depth, "test");
    }

    fn yaml(&mut self, depth: usize, y: &Yaml) {
        match y {
            Yaml::Null => {
                self.indent(depth);
                self.buf.extend_from_slice(b"<null/>\n");
            }
            Yaml::Bool(b) => {
                self.indent(depth);
                self.buf.extend_from_slice(b"<bool>");
                self.buf.extend_from_slice(bool_str(*b).as_bytes());
                self.buf.extend_from_slice(b"</bool>\n");
            }
            Yaml::Int(i) => {
                self.indent(depth);
                self.buf.extend_from_slice(b"<int>");
                self.num(i);
                self.buf.extend_from_slice(b"</int>\n");
            }
            Yaml::Float(f) => self.text_elem(depth, "float", &[], f),
            Yaml::Str(s) => self.text_elem(depth, "str", &[], s),
            Yaml::Seq(items) => {
                if items.is_empty() {
                    self.indent(depth);
                    self.buf.extend_from_slice(b"<seq/>\n");
                    return;
                }
                self.indent(depth);
                self.buf.extend_from_slice(b"<seq>\n");
                for item in items {
                    self.yaml(depth + 1, item);
                }
                self.end(depth, "seq");
            }
            Yaml::Map(entries) => {
                if entries.is_empty() {
                    self.indent(depth);
                    self.buf.extend_from_slice(b"<map/>\n");
                    return;
                }
                self.indent(depth);
                self.buf.extend_from_slice(b"<map>\n");
                for (k, v) in entries {
                    let esc = needs_escape(k);
                    self.open(depth + 1, "entry", &[("key", k.as_str())], esc);
                    if matches!(v, Yaml::Seq(_) | Yaml::Map(_)) {
                        self.buf.extend_from_slice(b">\n");
                        self.yaml(depth + 2, v);
                        self.end(depth + 1, "entry");
                    } else {
                        // Scalars on the entry's line: `<entry key="k"><int>1</int></entry>`.
                        self.buf.push(b'>');
                        self.yaml(0, v);
                        self.buf.pop();
                        self.buf.extend_from_slice(b"</entry>\n");
                    }
                }
                self.end(depth, "map");
            }
        }
    }
}
