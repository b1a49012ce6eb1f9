//! `tck parse` end to end: the built binary on fixture streams, including
//! every kind of bad input. Each run has a deadline, so a hang fails the
//! test instead of stalling the suite.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const DEADLINE: Duration = Duration::from_secs(60);

struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.stdout)
            )
        })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Runs `tck parse ARGS`, feeding `stdin` (if any) from a thread.
fn tck_parse(args: &[&str], stdin: Option<Vec<u8>>) -> Run {
    let mut child = common::tck()
        .arg("parse")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tck starts");
    let feeder = stdin.map(|data| {
        let mut pipe = child.stdin.take().expect("piped stdin");
        std::thread::spawn(move || {
            // tck may stop reading early; a broken pipe is not our concern.
            let _ = pipe.write_all(&data);
        })
    });
    let mut stdout_pipe = child.stdout.take().expect("piped stdout");
    let mut stderr_pipe = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut stdout_pipe, &mut v).map(|_| v)
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr_pipe, &mut s).map(|_| s)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("tck parse {args:?} did not finish within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    if let Some(f) = feeder {
        f.join().expect("feeder");
    }
    let run = Run {
        code: status
            .code()
            .unwrap_or_else(|| panic!("tck parse was killed: {status}")),
        stdout: out.join().expect("stdout reader").expect("stdout"),
        stderr: err.join().expect("stderr reader").expect("stderr"),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "tck panicked: {}",
        run.stderr
    );
    run
}

fn fixture(name: &str) -> String {
    common::fixture(&format!("tap/{name}"))
}

fn temp_file(dir: &tempfile::TempDir, name: &str, data: &[u8]) -> String {
    let path: PathBuf = dir.path().join(name);
    std::fs::write(&path, data).expect("write fixture");
    path.to_string_lossy().into_owned()
}

fn point(number: u64, ok: bool, description: &str) -> Value {
    json!({"number": number, "ok": ok, "description": description, "directive": null,
           "reason": null, "yaml": null, "subtest": null})
}

#[test]
fn a_passing_stream_exits_0_with_exact_json() {
    let run = tck_parse(&["--format", "json", &fixture("pass.tap")], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.json(),
        json!({
            "ok": true, "count": 4, "passed": 2, "failed": 0, "todo": 1, "todo_passed": 0, "skipped": 1,
            "plan": {"start": 1, "end": 4, "skip_reason": null},
            "bailout": null,
            "errors": [],
            "tests": [
                point(1, true, "connects"),
                {"number": 2, "ok": true, "description": "lists domains", "directive": "skip",
                 "reason": "unsupported by driver", "yaml": null, "subtest": null},
                {"number": 3, "ok": false, "description": "undefines a running domain", "directive": "todo",
                 "reason": "bug 42", "yaml": null, "subtest": null},
                point(4, true, "hash # in a name"),
            ]
        })
    );
}

#[test]
fn a_failing_stream_exits_1_with_errors_missing_numbers_and_yaml() {
    let run = tck_parse(&["--format", "json", &fixture("fail.tap")], None);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.json(),
        json!({
            "ok": false, "count": 4, "passed": 3, "failed": 1, "todo": 0, "todo_passed": 0, "skipped": 0,
            "plan": {"start": 1, "end": 5, "skip_reason": null},
            "bailout": null,
            "errors": [
                {"line": 12, "message": "test number 4 appears more than once"},
                {"line": 2, "message": "planned 5 test points but 4 ran; missing: 3, 5"},
            ],
            "tests": [
                point(1, true, "first"),
                {"number": 2, "ok": false, "description": "second", "directive": null, "reason": null,
                 "yaml": {"got": 3, "expected": [4, "five"]}, "subtest": null},
                point(4, true, "fourth"),
                point(4, true, "fourth again"),
            ]
        })
    );
}

#[test]
fn the_text_format_summarises_for_people() {
    let run = tck_parse(&[&fixture("fail.tap")], None);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.text(),
        "FAIL\nplan:    1..5\npoints:  4 (3 passed, 1 failed, 0 todo, 0 todo passed, 0 skipped)\nmissing: 3, 5\n\n\
         failed test points:\n  not ok 2 - second\n      got: 3\n      expected:\n        - 4\n        - five\n\n\
         errors:\n  line 12: test number 4 appears more than once\n  line 2: planned 5 test points but 4 ran; missing: 3, 5\n"
    );
    let run = tck_parse(&[&fixture("pass.tap")], None);
    assert_eq!(run.code, 0);
    assert!(run.text().starts_with(
        "PASS\nplan:    1..4\npoints:  4 (2 passed, 0 failed, 1 todo, 0 todo passed, 1 skipped)\n"
    ));
}

#[test]
fn bail_out_fails_with_its_reason() {
    let run = tck_parse(&["--format", "json", &fixture("bailout.tap")], None);
    assert_eq!(run.code, 1);
    let v = run.json();
    assert_eq!(v["bailout"], "libvirtd is not running");
    assert_eq!(v["count"], 1);
    assert_eq!(v["errors"], json!([]));
    assert!(tck_parse(&[&fixture("bailout.tap")], None)
        .text()
        .contains("bail out: libvirtd is not running\n"));
    let run = tck_parse(
        &["--format", "json", "-"],
        Some(b"1..2\nBail out!\n".to_vec()),
    );
    assert_eq!(run.json()["bailout"], "");
}

#[test]
fn a_skip_all_stream_passes_with_its_reason() {
    let run = tck_parse(&["--format", "json", &fixture("skip-all.tap")], None);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.json()["plan"],
        json!({"start": 1, "end": 0, "skip_reason": "no QEMU on this host"})
    );
    assert!(tck_parse(&[&fixture("skip-all.tap")], None)
        .text()
        .starts_with("SKIP\nplan:    1..0, skipped: no QEMU on this host\n"));
}

#[test]
fn subtests_are_nested_objects() {
    let run = tck_parse(&["--format", "json", &fixture("subtests.tap")], None);
    assert_eq!(run.code, 1);
    let v = run.json();
    assert_eq!(
        (v["passed"].clone(), v["failed"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(
        v["tests"][0]["subtest"],
        json!({
            "name": "lifecycle", "ok": false, "count": 2, "passed": 1, "failed": 1, "todo": 0,
            "todo_passed": 0, "skipped": 0, "plan": {"start": 1, "end": 2, "skip_reason": null},
            "bailout": null, "errors": [],
            "tests": [
                point(1, true, "define"),
                {"number": 2, "ok": false, "description": "start", "directive": null, "reason": null,
                 "yaml": {"message": "domain is not running"}, "subtest": null},
            ]
        })
    );
    assert_eq!(v["tests"][1]["subtest"]["name"], "cleanup");
    assert_eq!(v["tests"][1]["subtest"]["ok"], true);
    // The text summary shows the failure inside the subtest.
    assert!(tck_parse(&[&fixture("subtests.tap")], None)
        .text()
        .contains(
        "  not ok 1 - lifecycle\n    not ok 2 - start\n        message: domain is not running\n"
    ));
}

#[test]
fn reads_standard_input_with_or_without_dash() {
    let tap = b"1..2\nok 1\nok 2\n".to_vec();
    let a = tck_parse(&["--format", "json", "-"], Some(tap.clone()));
    let b = tck_parse(&["--format", "json"], Some(tap));
    assert_eq!(a.code, 0);
    assert_eq!(a.json(), b.json());
    assert_eq!(a.json()["count"], 2);
}

#[test]
fn empty_input_fails_with_a_clear_message() {
    let run = tck_parse(&["--format", "json", "-"], Some(Vec::new()));
    assert_eq!(run.code, 1);
    assert_eq!(
        run.json(),
        json!({"ok": false, "count": 0, "passed": 0, "failed": 0, "todo": 0, "todo_passed": 0, "skipped": 0,
               "plan": null, "bailout": null, "tests": [],
               "errors": [{"line": 0, "message": "no plan and no test points: this is not a TAP document"}]})
    );
}

#[test]
fn a_missing_file_exits_2_naming_it() {
    let run = tck_parse(&["/nonexistent/dir/stream.tap"], None);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, b"");
    assert_eq!(
        run.stderr,
        "tck parse: cannot read '/nonexistent/dir/stream.tap': No such file or directory (os error 2)\n"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let run = tck_parse(&[&dir.path().to_string_lossy()], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("Is a directory"), "{}", run.stderr);
}

#[test]
fn binary_garbage_is_judged_not_tap() {
    // Deterministic pseudo-random bytes, NULs and line ends included.
    let mut x: u32 = 2463534242;
    let garbage: Vec<u8> = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = temp_file(&dir, "garbage.bin", &garbage);
    let run = tck_parse(&["--format", "json", &path], None);
    assert_eq!(run.code, 1);
    let v = run.json();
    assert_eq!(v["count"], 0);
    assert_eq!(
        v["errors"],
        json!([{"line": 0, "message": "no plan and no test points: this is not a TAP document"}])
    );
    let text = tck_parse(&[&path], None);
    assert_eq!(text.code, 1);
    assert!(
        text.text().contains("lines were not TAP and ignored"),
        "{}",
        text.text()
    );
}

#[test]
fn a_single_ten_megabyte_line_is_read_whole() {
    let mut tap = b"1..2\nok 1 - ".to_vec();
    tap.extend_from_slice(&vec![b'x'; 10 << 20]);
    tap.extend_from_slice(b" # SKIP at the very end\nok 2 - after\n");
    let run = tck_parse(&["--format", "json", "-"], Some(tap));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = run.json();
    assert_eq!(
        v["tests"][0]["description"].as_str().map(str::len),
        Some(10 << 20)
    );
    assert_eq!(v["tests"][0]["directive"], "skip");
    assert_eq!(v["tests"][0]["reason"], "at the very end");
    assert_eq!(v["tests"][1]["description"], "after");

    // Ten megabytes of non-TAP without a line end: ignored, and the stream judged.
    let mut noise = vec![b'~'; 10 << 20];
    noise.extend_from_slice(b"\n1..1\nok 1\n");
    let run = tck_parse(&["-"], Some(noise));
    assert_eq!(run.code, 0, "{}", run.text());
}

#[test]
fn invalid_utf8_is_replaced() {
    let run = tck_parse(&["--format", "json", &fixture("invalid-utf8.tap")], None);
    assert_eq!(run.code, 0);
    let v = run.json();
    assert_eq!(v["tests"][0]["description"], "caf\u{fffd} au lait");
    assert_eq!(v["tests"][1]["description"], "\u{fffd}\u{fffd}");
}

#[test]
fn an_unterminated_yaml_block_is_an_error() {
    let run = tck_parse(
        &["--format", "json", &fixture("unterminated-yaml.tap")],
        None,
    );
    assert_eq!(run.code, 1);
    let v = run.json();
    assert_eq!(
        v["errors"],
        json!([{"line": 4, "message": "unterminated YAML block: it starts on line 4 and the stream ended before its closing '...'"}])
    );
    assert_eq!(
        v["tests"][0]["yaml"],
        json!({"message": "the producer died", "got": null})
    );
}

/// A stream with subtests nested `depth` levels, each named and closed.
fn nested(depth: usize) -> Vec<u8> {
    let mut tap = String::from("TAP version 14\n1..1\n");
    for d in 1..=depth {
        tap.push_str(&format!("{}# Subtest: level {d}\n", "    ".repeat(d - 1)));
    }
    let pad = "    ".repeat(depth);
    tap.push_str(&format!("{pad}1..1\n{pad}ok 1 - leaf\n"));
    for d in (1..=depth).rev() {
        let pad = "    ".repeat(d - 1);
        tap.push_str(&format!("{pad}ok 1 - level {d}\n"));
        if d > 1 {
            tap.push_str(&format!("{pad}1..1\n"));
        }
    }
    tap.into_bytes()
}

#[test]
fn subtests_nested_a_thousand_deep() {
    let run = tck_parse(&["--format", "json", "-"], Some(nested(1000)));
    assert_eq!(run.code, 0, "{}", run.stderr);
    // serde_json's reader stops at 128 levels; count the nesting by hand.
    let text = String::from_utf8(run.stdout).expect("UTF-8 JSON");
    assert_eq!(text.matches("\"subtest\":{\"name\":\"level ").count(), 1000);
    assert!(text.contains("\"description\":\"leaf\""));
    let run = tck_parse(&["-"], Some(nested(1000)));
    assert_eq!(run.code, 0);
    assert!(run.text().starts_with("PASS\n"));
    // Deeper than the parser accepts: errors, not a crash.
    let run = tck_parse(&["-"], Some(nested(1100)));
    assert_eq!(run.code, 1);
    assert!(
        run.text()
            .contains("subtest levels deep; tck reads at most 1024"),
        "{}",
        run.text()
    );
}

#[test]
fn a_big_stream_is_judged_from_a_pipe() {
    let mut tap = String::from("TAP version 14\n");
    for n in 1..=100_000 {
        tap.push_str(&format!("ok {n} - point {n}\n"));
        if n % 1000 == 0 {
            tap.push_str(&format!(
                "not ok {n}000000 - extra\n  ---\n  n: {n}\n  ...\n"
            ));
        }
    }
    tap.push_str("1..100000\n");
    let run = tck_parse(&["--format", "json", "-"], Some(tap.into_bytes()));
    assert_eq!(run.code, 1);
    let v = run.json();
    assert_eq!(v["count"], 100_100);
    assert_eq!(v["failed"], 100);
    assert_eq!(v["tests"].as_array().map(Vec::len), Some(100_100));
    assert_eq!(v["tests"][1000]["yaml"], json!({"n": 1000}));
    assert_eq!(
        v["errors"][0]["message"]
            .as_str()
            .map(|m| m
                .starts_with("test numbers outside the plan 1..100000: 1000000000, 2000000000, ")),
        Some(true)
    );
}
