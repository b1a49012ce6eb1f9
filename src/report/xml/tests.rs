use super::*;
use crate::report::model::*;
use crate::report::sample::sample_report;
use std::path::PathBuf;
use std::process::Command;

fn schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("share/schema/tck-report-1.rng")
}

/// Validates `path` with xmllint against the schema; panics with its output.
pub(crate) fn assert_valid(path: &std::path::Path) {
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--relaxng")
        .arg(schema_path())
        .arg(path)
        .output()
        .expect("xmllint is installed (Debian package libxml2-utils)");
    assert!(
        out.status.success(),
        "{} does not validate:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sample_report_validates_and_round_trips_byte_identically() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.xml");
    let b = dir.path().join("b.xml");
    let report = sample_report();
    write(&report, &a).unwrap();
    assert_valid(&a);
    let back = read(&a).unwrap();
    assert_eq!(back, report, "read-back differs from the model written");
    write(&back, &b).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn control_characters_are_escaped_visibly_not_dropped() {
    let xml = to_string(&sample_report());
    assert!(!xml.contains('\u{1}') && !xml.contains('\0'));
    assert!(
        xml.contains(r#"<stderr escaped="true">libvirt: error \u{1}"#),
        "{xml}"
    );
    assert!(xml.contains(r"NUL \u{0} and \u{ffff}"));
    // A backslash in text that needs no escaping is left alone…
    assert!(
        xml.contains(r"<title>Creates a transient guest (C:\tmp)</title>"),
        "{xml}"
    );
    assert!(
        xml.contains(
            r#"description="echo \\1 printed \u{1} and NUL \u{0} and \u{ffff}" escaped="true"/>"#
        ),
        "{xml}"
    );
    // …and CR survives as a character reference.
    assert!(xml.contains("second line&#13;\n"));
}

#[test]
fn yaml_is_structured_xml_not_text() {
    let xml = to_string(&sample_report());
    assert!(xml.contains(r#"<entry key="code">"#));
    assert!(xml.contains("<int>-55</int>"));
    assert!(xml.contains("<float>-.inf</float>"));
    assert!(
        xml.contains(
            r#"<entry key="  odd key: with &quot;quotes&quot; &amp; &lt;angles&gt;&#10;">"#
        ),
        "{xml}"
    );
    assert!(!xml.contains("<![CDATA["));
}

fn write_text(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn bad_inputs_give_errors_naming_the_file_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let good = to_string(&sample_report());

    let truncated = write_text(dir.path(), "truncated.xml", &good[..good.len() / 2]);
    let e = read(&truncated).unwrap_err().to_string();
    assert!(e.contains("truncated.xml"), "{e}");
    assert!(e.contains("truncated"), "{e}");

    let v2 = write_text(
        dir.path(),
        "v2.xml",
        &good.replace("version=\"1\"", "version=\"2\""),
    );
    let e = read(&v2).unwrap_err().to_string();
    assert!(
        e.contains("v2.xml:2:") && e.contains("schema version 2"),
        "{e}"
    );

    let perl = write_text(
        dir.path(),
        "perl.xml",
        "<results>\n<test name=\"t\"/></results>",
    );
    let e = read(&perl).unwrap_err().to_string();
    assert!(
        e.contains("perl.xml:1:1") && e.contains("<results>") && e.contains("tck import"),
        "{e}"
    );

    let broken = write_text(
        dir.path(),
        "broken.xml",
        &good.replacen("<title>", "<title><oops>", 1),
    );
    let e = read(&broken).unwrap_err().to_string();
    assert!(e.contains("broken.xml:"), "{e}");
    assert!(e.contains("<oops>") || e.contains("oops"), "{e}");

    let bad_escape = write_text(
        dir.path(),
        "esc.xml",
        &good.replacen("<title>Creates", "<title escaped=\"true\">\\q Creates", 1),
    );
    let e = read(&bad_escape).unwrap_err().to_string();
    assert!(e.contains("esc.xml:") && e.contains("backslash"), "{e}");

    let empty = write_text(dir.path(), "empty.xml", "");
    let e = read(&empty).unwrap_err().to_string();
    assert!(e.contains("empty.xml") && e.contains("empty"), "{e}");

    let e = read(&dir.path().join("missing.xml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("missing.xml") && e.contains("cannot read"),
        "{e}"
    );

    let not_xml = write_text(dir.path(), "junk.xml", "\u{1}\u{2} garbage <<<");
    assert!(read(&not_xml).unwrap_err().to_string().contains("junk.xml"));
}

#[test]
fn hostile_nesting_is_refused_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let good = to_string(&sample_report());
    let deep = format!(
        "{}<str>x</str>{}",
        "<seq>".repeat(100_000),
        "</seq>".repeat(100_000)
    );
    let text = good.replacen("<int>-55</int>", &deep, 1);
    let p = write_text(dir.path(), "deep.xml", &text);
    let e = read(&p).unwrap_err().to_string();
    assert!(e.contains("nesting deeper"), "{e}");
}

#[test]
fn empty_report_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.xml");
    let r = Report {
        schema_version: SCHEMA_VERSION,
        ..Report::default()
    };
    write(&r, &p).unwrap();
    assert_valid(&p);
    assert_eq!(read(&p).unwrap(), r);
}

/// Reads `bytes` as the report file `r.xml`.
fn parse(bytes: &[u8]) -> Result<Report, crate::report::error::ReportError> {
    super::read::from_bytes(std::path::Path::new("r.xml"), bytes)
}

/// `r.xml:LINE:COLUMN:` of byte `at` of `text` (the column in characters).
fn location(text: &[u8], at: usize) -> String {
    let before = &text[..at];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    format!("r.xml:{line}:{column}:")
}

#[test]
fn every_truncation_of_a_report_is_refused_with_a_location() {
    let good = to_string(&sample_report());
    // Up to the last byte of `</tck-report>`: any shorter file is incomplete.
    for end in 0..good.trim_end().len() {
        let cut = &good.as_bytes()[..end];
        let e = match parse(cut) {
            Ok(_) => panic!("a report cut after {end} bytes was accepted"),
            Err(e) => e.to_string(),
        };
        let lines = cut.iter().filter(|&&b| b == b'\n').count() + 1;
        let line: usize = e
            .strip_prefix("r.xml:")
            .and_then(|r| r.split(':').next())
            .and_then(|l| l.parse().ok())
            .unwrap_or_else(|| panic!("no line in {e:?}"));
        assert!((1..=lines).contains(&line), "cut at {end}: {e}");
    }
}

#[test]
fn damaged_reports_never_panic() {
    let good = to_string(&sample_report()).into_bytes();
    // Valid UTF-8 of every length, so that damaged reports reach the lexer
    // with multi-byte characters in names, values, text and references (a
    // byte such as 0xff is refused as UTF-8 before the lexer sees it).
    let wide = ["\u{e9}", "\u{20ac}", "\u{1f600}"];
    let mut lexed = 0;
    for at in (0..good.len()).step_by(3) {
        let mut damaged = Vec::new();
        for b in [b'<', b'&', b'"', b'/', 0xff] {
            let mut bad = good.clone();
            bad[at] = b;
            damaged.push(bad);
        }
        for c in wide {
            // In place of the byte at `at` (the sample is ASCII), and
            // before it.
            for replaced in [1, 0] {
                let mut bad = good.clone();
                bad.splice(at..at + replaced, c.bytes());
                damaged.push(bad);
            }
        }
        for bad in damaged {
            lexed += usize::from(std::str::from_utf8(&bad).is_ok());
            // Read or refused, either is fine; a panic fails the test.
            let _ = parse(&bad);
        }
    }
    // The sample is ASCII, so every multi-byte damage is valid UTF-8.
    assert!(good.is_ascii());
    assert!(lexed >= good.len() / 3 * (4 + 2 * wide.len()), "{lexed}");
}

#[test]
fn errors_give_the_line_and_column_of_the_problem() {
    let good = to_string(&sample_report());
    for (from, to, problem, words) in [
        (
            "</title>",
            "</reason>",
            "</reason>",
            "expected end tag </title>",
        ),
        ("number=\"2\"", "number=2", "2 outcome", "not quoted"),
        (
            "step 1\"",
            "step 1\" description=\"x\"",
            "description=\"x\"",
            "repeated",
        ),
        ("(C:\\tmp)", "(C:&bogus;)", "&bogus;", "&bogus;"),
        (
            "<title>",
            "<title><oops>",
            "<oops>",
            "unexpected element <oops>",
        ),
        ("<title>", "<title>\u{e9}\u{ff}", "\u{ff}", "invalid UTF-8"),
    ] {
        let mut bad = good.replacen(from, to, 1).into_bytes();
        let mut at = String::from_utf8_lossy(&bad).find(problem).unwrap();
        if problem == "\u{ff}" {
            // Make it one byte that cannot start a UTF-8 sequence.
            bad.splice(at..at + 2, [0xff]);
            at = bad.iter().position(|&b| b == 0xff).unwrap();
        }
        let e = parse(&bad).unwrap_err().to_string();
        let want = location(&bad, at);
        assert!(e.starts_with(&want), "{from} -> {to}: want {want} in {e}");
        assert!(e.contains(words), "{from} -> {to}: {e}");
    }
}

#[test]
fn xml_that_means_the_same_reads_the_same() {
    let good = to_string(&sample_report());
    let model = parse(good.as_bytes()).unwrap();
    for (what, text) in [
        ("a byte order mark", format!("\u{feff}{good}")),
        ("CRLF line ends", good.replace('\n', "\r\n")),
        (
            "comments, processing instructions, a DOCTYPE",
            good.replacen(
                "<tck-report",
                "<!DOCTYPE tck-report [ <!ENTITY x \"]>\"> ]>\n<!-- c -->\n<tck-report",
                1,
            )
            .replacen("<environment>", "<environment><!-- <x> --><?pi a?>", 1),
        ),
        (
            "other quotes and spacing in tags",
            good.replacen("version=\"1\"", "version = '1'", 1)
                .replacen("<counts total=", "<counts\n  total =", 1)
                .replacen("</script>", "</script \n>", 1)
                .replacen(
                    "<exit kind=\"code\" code=\"0\"/>",
                    "<exit kind=\"code\" code=\"0\" />",
                    1,
                ),
        ),
        (
            "CDATA and references",
            good.replacen(
                "<title>Creates a transient guest (C:\\tmp)</title>",
                "<title><![CDATA[Creates a <transient>]]>&#x20;guest (C:\\tmp)</title>",
                1,
            )
            .replacen(
                "description=\"step 1\"",
                "description=\"step&#32;&#x31;\"",
                1,
            ),
        ),
    ] {
        let mut expected = model.clone();
        if what == "CDATA and references" {
            expected.scripts[0].title = "Creates a <transient> guest (C:\\tmp)".into();
        }
        match parse(text.as_bytes()) {
            Ok(r) => assert!(r == expected, "{what}: read differently"),
            Err(e) => panic!("{what}: {e}"),
        }
    }
}

#[test]
#[ignore = "prints the sample report for a human to look at"]
fn print_sample() {
    print!("{}", to_string(&sample_report()));
}
