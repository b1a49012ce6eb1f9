//! `exec`'s run loop with scripts made for the test, on the test driver.

use super::*;
use crate::config::ConfigSource;
use crate::script::{Meta, Require};
use crate::tap::producer::Captured;

fn domain_xml(name: &str) -> String {
    format!("<domain type='test'><name>{name}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>")
}

fn leaky(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(1);
    let conn = cx.connect()?;
    let name = cx.name("dom");
    t.ok_result(
        conn.define_domain_xml(&domain_xml(&name)),
        "defined a domain and left it",
    )?;
    Ok(())
}

fn must_not_run(_t: &mut Tap, _cx: &Context) -> Outcome {
    panic!("requirements were not checked")
}

fn panics(t: &mut Tap, _cx: &Context) -> Outcome {
    t.plan(2);
    t.pass("first");
    panic!("boom")
}

static LEAKY: ScriptDef = ScriptDef {
    id: "test/001-leaky",
    title: "leaks a domain",
    meta: Meta::DEFAULT,
    run: leaky,
};

static QEMU_ONLY: ScriptDef = ScriptDef {
    id: "test/002-qemu-only",
    title: "needs QEMU",
    meta: Meta {
        requires: &[Require::Driver(&["QEMU"])],
        ..Meta::DEFAULT
    },
    run: must_not_run,
};

static PANICS: ScriptDef = ScriptDef {
    id: "test/003-panics",
    title: "panics",
    meta: Meta::DEFAULT,
    run: panics,
};

/// Run `def` as exec would, on test:///default with prefix `fxe-`; give the
/// TAP text, the exit code and the connection (still open) for checks.
fn exec(
    def: &ScriptDef,
    standalone: bool,
    before: impl FnOnce(&Context),
) -> (String, i32, Connection, Context) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config::from_toml(
        &format!(
            "prefix = \"fxe-\"\nscratch_dir = {:?}\n",
            dir.path().display().to_string()
        ),
        ConfigSource::BuiltIn,
    )
    .expect("config");
    let conn = Connection::open("test:///default").expect("test driver");
    let fixture = VirtFixture::with_connection(&config, conn.clone()).expect("fixture");
    let cx = Context::new(def.id, config).with_connection(conn.clone());
    before(&cx);
    let buf = Captured::default();
    let mut tap = Tap::new(buf.clone());
    let code = run(def, &mut tap, &cx, &fixture, standalone);
    let text = buf.text();
    fixture.close().expect("close");
    (text, code, conn, cx)
}

#[test]
fn standalone_cleans_before_and_reports_leaks_after() {
    let (tap, code, conn, cx) = exec(&LEAKY, true, |cx| {
        let conn = cx.connect().expect("conn");
        conn.define_domain_xml(&domain_xml(&cx.name("old")))
            .expect("leftover");
    });
    assert_eq!(code, 0, "{tap}");
    let old = cx.name("old");
    let dom = cx.name("dom");
    assert!(
        tap.contains(&format!(
            "# removed leftover domain {old} before the script\n"
        )),
        "{tap}"
    );
    assert!(
        tap.contains("ok 1 - defined a domain and left it\n"),
        "{tap}"
    );
    assert!(
        tap.contains(&format!("# leaked: domain {dom} (removed)\n")),
        "{tap}"
    );
    // The notes come after the plan and do not change the verdict.
    assert!(
        tap.find("1..1").expect("plan") < tap.find("# leaked").expect("note"),
        "{tap}"
    );
    assert!(conn.lookup_domain_by_name(&dom).is_err(), "leak removed");
    assert!(
        conn.lookup_domain_by_name(&old).is_err(),
        "leftover removed"
    );
    cx.close().expect("close");
    conn.close().expect("close");
}

#[test]
fn under_the_harness_exec_does_not_clean() {
    let (tap, code, conn, cx) = exec(&LEAKY, false, |_| {});
    assert_eq!(code, 0, "{tap}");
    assert!(!tap.contains("leaked"), "{tap}");
    let dom = conn
        .lookup_domain_by_name(&cx.name("dom"))
        .expect("left for the harness");
    dom.undefine().expect("cleanup");
    drop(dom);
    cx.close().expect("close");
    conn.close().expect("close");
}

#[test]
fn unmet_requirements_skip_the_whole_script() {
    let (tap, code, conn, cx) = exec(&QEMU_ONLY, true, |_| {});
    assert_eq!(code, 0, "{tap}");
    assert_eq!(
        tap,
        "TAP version 13\n1..0 # SKIP unsupported by driver TEST: the script is for QEMU\n"
    );
    cx.close().expect("close");
    conn.close().expect("close");
}

#[test]
fn a_panicking_script_fails_with_the_panic_message() {
    let (tap, code, conn, cx) = exec(&PANICS, true, |_| {});
    assert_ne!(code, 0, "{tap}");
    assert!(tap.contains("ok 1 - first\n"), "{tap}");
    assert!(tap.contains("not ok 2 - script stopped early\n"), "{tap}");
    assert!(tap.contains("the script panicked: boom"), "{tap}");
    cx.close().expect("close");
    conn.close().expect("close");
}

#[test]
fn namespaces_from_the_harness_are_checked() {
    assert_eq!(check_namespace("tck-abcde-", "tck-"), Ok(()));
    assert!(check_namespace("tck-", "tck-").is_err());
    assert!(check_namespace("other-abcde-", "tck-").is_err());
    assert!(check_namespace("tck-ab*de-", "tck-").is_err());
    assert!(check_namespace("tck-abcde", "tck-").is_err());
}
