//! Safety, proven on the real QEMU/KVM driver: a whole run of the built-in
//! suite with `--force`, then `tck clean`, leaves every object the kit does
//! not own exactly as it was, and leaves nothing under the prefix.
//!
//! The foreign objects have the names DESIGN.md §5 singles out because they
//! resemble the prefix: domains `tck` (running), `tckserver` (defined),
//! `TCK-x` (defined) and `prod-vm` (running), a network `tcknet` (active),
//! a dir pool `tckpool` (active, in a temporary directory) holding a volume
//! with known bytes — named `tck-precious.raw`, since a prefixed name inside
//! a foreign pool is not the kit's either —, an nwfilter `tck_other` and a
//! secret whose usage id is `tcksecret`. These exact names are the one
//! exception to the rule that tests only create `tck-` objects; if any of
//! them already exists on the daemon the test fails at once, touching
//! nothing, and a guard removes what it created however it ends.
//!
//! Which prefix the run uses: under `CI=true` the daemon is CI's own, so
//! the run uses the real default, `tck-` (the prefix the foreign names
//! imitate). On a shared development daemon `--force` with `tck-` would
//! remove other people's in-flight `tck-…` objects, so the run uses a
//! private prefix (`tck-XYZ-`, see `common::unique_prefix`); the foreign
//! objects are outside both.
//!
//! A second test checks the other half of the fixture's promise: a script
//! killed mid-way leaves an object in its namespace, and the run reports it
//! as leaked by that script and removes it.

mod common;

use common::{config_file, qemu_system, tck, text, unique_prefix};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tck::virt::builders::{
    NetworkBuilder, NwFilterBuilder, Rule, SecretBuilder, SecretUsage, Size, StoragePoolBuilder,
    StorageVolBuilder,
};
use tck::virt::caps::Capabilities;
use tck::virt::connection::Connection;
use tck::virt::generic::{choose_guest, GuestPrefs};
use tck::virt::host::net::link_exists;
use virt::sys::{VIR_DOMAIN_XML_INACTIVE, VIR_SECRET_USAGE_TYPE_CEPH};

/// The two tests share the daemon and one of them may run with `--force`
/// on `tck-`: never at the same time.
static SERIAL: Mutex<()> = Mutex::new(());

const RUNNING_DOMAINS: [&str; 2] = ["tck", "prod-vm"];
const DEFINED_DOMAINS: [&str; 2] = ["tckserver", "TCK-x"];
const NETWORK: &str = "tcknet";
const BRIDGE: &str = "tcknet0";
const POOL: &str = "tckpool";
const VOLUME: &str = "tck-precious.raw";
const NWFILTER: &str = "tck_other";
const SECRET_USAGE: &str = "tcksecret";
const VOLUME_BYTES: &[u8] = b"precious bytes that no cleanup may touch\n";
const SECRET_VALUE: &[u8] = b"not the kit's secret";

/// What a foreign object was created as, so the guard removes exactly it.
#[derive(Debug, Clone)]
enum Created {
    Domain(String),
    Network(String),
    Pool(String),
    NwFilter(String),
    Secret(String),
}

/// Removes the foreign objects this test created, whatever happens.
struct Guard {
    conn: Connection,
    created: Vec<Created>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        for c in self.created.iter().rev() {
            match c {
                Created::Domain(n) => {
                    if let Ok(d) = self.conn.lookup_domain_by_name(n) {
                        let _ = d.destroy();
                        let _ = d.undefine();
                    }
                }
                Created::Network(n) => {
                    if let Ok(x) = self.conn.lookup_network_by_name(n) {
                        let _ = x.destroy();
                        let _ = x.undefine();
                    }
                }
                Created::Pool(n) => {
                    if let Ok(p) = self.conn.lookup_storage_pool_by_name(n) {
                        for v in p.list_all_volumes(0).unwrap_or_default() {
                            let _ = v.delete(0);
                        }
                        let _ = p.destroy();
                        let _ = p.undefine();
                    }
                }
                Created::NwFilter(n) => {
                    if let Ok(f) = self.conn.lookup_nwfilter_by_name(n) {
                        let _ = f.undefine();
                    }
                }
                Created::Secret(uuid) => {
                    if let Ok(s) = self.conn.lookup_secret_by_uuid_string(uuid) {
                        let _ = s.undefine();
                    }
                }
            }
        }
    }
}

fn generic_domain(conn: &Connection, name: &str) -> String {
    let caps = Capabilities::parse(&conn.capabilities().expect("capabilities")).expect("parse");
    choose_guest(&caps, &GuestPrefs::default())
        .expect("a guest")
        .domain(name)
        .as_xml()
}

/// Fails, touching nothing, if any of the foreign names is taken.
fn assert_names_free(conn: &Connection) {
    let mut taken = Vec::new();
    for n in RUNNING_DOMAINS.iter().chain(DEFINED_DOMAINS.iter()) {
        if conn.lookup_domain_by_name(n).is_ok() {
            taken.push(format!("domain {n}"));
        }
    }
    if conn.lookup_network_by_name(NETWORK).is_ok() {
        taken.push(format!("network {NETWORK}"));
    }
    if conn.lookup_storage_pool_by_name(POOL).is_ok() {
        taken.push(format!("pool {POOL}"));
    }
    if conn.lookup_nwfilter_by_name(NWFILTER).is_ok() {
        taken.push(format!("nwfilter {NWFILTER}"));
    }
    if conn
        .lookup_secret_by_usage(VIR_SECRET_USAGE_TYPE_CEPH as i32, SECRET_USAGE)
        .is_ok()
    {
        taken.push(format!("secret with ceph usage {SECRET_USAGE}"));
    }
    if link_exists(BRIDGE) {
        taken.push(format!("host interface {BRIDGE}"));
    }
    assert!(
        taken.is_empty(),
        "the safety test needs these names free on qemu:///system, but they exist \
         (someone else's objects; the test touched nothing): {}",
        taken.join(", ")
    );
}

/// Creates the foreign objects; returns the volume's path.
fn create_foreign(conn: &Connection, guard: &mut Guard, pool_dir: &Path) -> PathBuf {
    for n in RUNNING_DOMAINS.iter().chain(DEFINED_DOMAINS.iter()) {
        let d = conn
            .define_domain_xml(&generic_domain(conn, n))
            .unwrap_or_else(|e| panic!("define foreign domain {n}: {e}"));
        guard.created.push(Created::Domain(n.to_string()));
        if RUNNING_DOMAINS.contains(n) {
            d.create()
                .unwrap_or_else(|e| panic!("start foreign domain {n}: {e}"));
        }
    }
    let net = conn
        .define_network_xml(&NetworkBuilder::new(NETWORK).bridge(BRIDGE).as_xml())
        .expect("define network tcknet");
    guard.created.push(Created::Network(NETWORK.into()));
    net.create().expect("start network tcknet");

    let pool = conn
        .define_storage_pool_xml(
            &StoragePoolBuilder::dir(POOL, &pool_dir.display().to_string()).as_xml(),
            0,
        )
        .expect("define pool tckpool");
    guard.created.push(Created::Pool(POOL.into()));
    pool.create(0).expect("start pool tckpool");
    let vol = virt::storage_vol::StorageVol::create_xml(
        &pool,
        &StorageVolBuilder::new(VOLUME)
            .capacity(Size::kib(64))
            .format("raw")
            .as_xml(),
        0,
    )
    .expect("create the foreign volume");
    let vol_path = PathBuf::from(vol.path().expect("volume path"));
    std::fs::write(&vol_path, VOLUME_BYTES).expect("write the foreign volume");

    conn.define_nwfilter_xml(
        &NwFilterBuilder::new(NWFILTER)
            .chain("root")
            .rule(Rule::new("accept", "in").priority(500).protocol("all", &[]))
            .as_xml(),
    )
    .expect("define nwfilter tck_other");
    guard.created.push(Created::NwFilter(NWFILTER.into()));

    let secret = conn
        .define_secret_xml(
            &SecretBuilder::new()
                .ephemeral(false)
                .private(false)
                .description("a secret tck does not own")
                .usage(SecretUsage::Ceph(SECRET_USAGE.into()))
                .as_xml(),
            0,
        )
        .expect("define the foreign secret");
    guard
        .created
        .push(Created::Secret(secret.uuid_string().expect("secret uuid")));
    secret
        .set_value(SECRET_VALUE, 0)
        .expect("set the foreign secret's value");
    vol_path
}

/// Everything about the foreign objects that must not change.
fn foreign_state(conn: &Connection, vol_path: &Path) -> Vec<String> {
    let mut s = Vec::new();
    for n in RUNNING_DOMAINS.iter().chain(DEFINED_DOMAINS.iter()) {
        match conn.lookup_domain_by_name(n) {
            Ok(d) => s.push(format!(
                "domain {n}: active={:?} persistent={:?} autostart={:?}\nlive: {}\nconfig: {}",
                d.is_active(),
                d.is_persistent(),
                d.autostart(),
                d.xml_desc(0).unwrap_or_default(),
                d.xml_desc(VIR_DOMAIN_XML_INACTIVE).unwrap_or_default()
            )),
            Err(e) => s.push(format!("domain {n}: missing ({e})")),
        }
    }
    match conn.lookup_network_by_name(NETWORK) {
        Ok(x) => s.push(format!(
            "network {NETWORK}: active={:?} {}",
            x.is_active(),
            x.xml_desc(0).unwrap_or_default()
        )),
        Err(e) => s.push(format!("network {NETWORK}: missing ({e})")),
    }
    s.push(format!("bridge {BRIDGE} present={}", link_exists(BRIDGE)));
    match conn.lookup_storage_pool_by_name(POOL) {
        Ok(p) => {
            let mut vols = p.list_volumes().unwrap_or_default();
            vols.sort();
            s.push(format!(
                "pool {POOL}: active={:?} volumes={vols:?} {}",
                p.is_active(),
                p.xml_desc(VIR_DOMAIN_XML_INACTIVE).unwrap_or_default()
            ));
        }
        Err(e) => s.push(format!("pool {POOL}: missing ({e})")),
    }
    s.push(format!("volume bytes: {:?}", std::fs::read(vol_path).ok()));
    match conn.lookup_nwfilter_by_name(NWFILTER) {
        Ok(f) => s.push(format!(
            "nwfilter {NWFILTER}: {}",
            f.xml_desc(0).unwrap_or_default()
        )),
        Err(e) => s.push(format!("nwfilter {NWFILTER}: missing ({e})")),
    }
    match conn.lookup_secret_by_usage(VIR_SECRET_USAGE_TYPE_CEPH as i32, SECRET_USAGE) {
        Ok(x) => s.push(format!(
            "secret {SECRET_USAGE}: value={:?} {}",
            x.value(0).ok(),
            x.xml_desc(0).unwrap_or_default()
        )),
        Err(e) => s.push(format!("secret {SECRET_USAGE}: missing ({e})")),
    }
    s
}

/// Every libvirt object whose name (or secret usage id / description)
/// starts with `prefix`, listed straight from libvirt.
fn prefixed_objects(conn: &Connection, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let owned = |n: &str| n.starts_with(prefix);
    for d in conn.list_all_domains(0).unwrap_or_default() {
        let n = d.name().unwrap_or_default();
        if owned(&n) {
            out.push(format!("domain {n}"));
        }
    }
    for x in conn.list_all_networks(0).unwrap_or_default() {
        let n = x.name().unwrap_or_default();
        if owned(&n) {
            out.push(format!("network {n}"));
        }
    }
    for p in conn.list_all_storage_pools(0).unwrap_or_default() {
        let n = p.name().unwrap_or_default();
        if owned(&n) {
            out.push(format!("pool {n}"));
        }
    }
    for f in conn.list_all_nw_filters(0).unwrap_or_default() {
        let n = f.name().unwrap_or_default();
        if owned(&n) {
            out.push(format!("nwfilter {n}"));
        }
    }
    for x in conn.list_all_secrets(0).unwrap_or_default() {
        let usage = tck::virt::shim::secret_usage_id(&x).unwrap_or_default();
        let xml = x.xml_desc(0).unwrap_or_default();
        if owned(&usage) || xml.contains(&format!("<description>{prefix}")) {
            out.push(format!(
                "secret {usage} {}",
                x.uuid_string().unwrap_or_default()
            ));
        }
    }
    out
}

#[test]
fn a_forced_run_and_clean_leave_foreign_objects_untouched() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(conn) = qemu_system() else { return };
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let prefix = if ci {
        "tck-".to_string()
    } else {
        unique_prefix()
    };
    eprintln!("note: the run uses the prefix {prefix:?}");
    assert_names_free(&conn);

    let dir = tempfile::tempdir().expect("tempdir");
    let pool_dir = dir.path().join("foreign-pool");
    std::fs::create_dir_all(&pool_dir).expect("mkdir");
    let mut guard = Guard {
        conn: conn.clone(),
        created: Vec::new(),
    };
    let vol_path = create_foreign(&conn, &mut guard, &pool_dir);
    let before = foreign_state(&conn, &vol_path);

    // A leftover of an "earlier run" under the prefix, for --force to remove.
    let leftover = format!("{prefix}old-leftover");
    conn.define_domain_xml(&generic_domain(&conn, &leftover))
        .expect("define a leftover under the prefix");
    guard.created.push(Created::Domain(leftover.clone()));

    let cfg = config_file(dir.path(), "qemu:///system", &prefix);
    let json = dir.path().join("report.json");
    let out = tck()
        .args(["run", "--force", "-q", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&json)
        .output()
        .expect("run tck run --force");
    let (stdout, stderr) = text(&out);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "the whole suite ran (status 0 or 1)\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let said = format!("{stdout}{stderr}");
    assert!(
        said.contains("--force: removed") && said.contains(&format!("domain {leftover}")),
        "--force removed the leftover and said so:\n{said}"
    );
    assert!(conn.lookup_domain_by_name(&leftover).is_err());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON report"))
            .expect("JSON");
    let ran: Vec<&str> = report["scripts"]
        .as_array()
        .expect("scripts")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    for s in tck::registry::SCRIPTS {
        assert!(ran.contains(&s.id), "{} ran: {ran:?}", s.id);
    }

    let out = tck()
        .args(["clean", "--config"])
        .arg(&cfg)
        .output()
        .expect("run tck clean");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");

    let after = foreign_state(&conn, &vol_path);
    for (b, a) in before.iter().zip(after.iter()) {
        assert_eq!(a, b, "a foreign object changed");
    }
    assert_eq!(after.len(), before.len());
    assert_eq!(
        prefixed_objects(&conn, &prefix),
        Vec::<String>::new(),
        "objects under {prefix:?} remain after the run and `tck clean`"
    );
    let run_dir = dir.path().join("scratch/run");
    let files: Vec<_> = std::fs::read_dir(&run_dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(files.is_empty(), "scratch files remain: {files:?}");
    drop(guard);
    for n in RUNNING_DOMAINS.iter().chain(DEFINED_DOMAINS.iter()) {
        assert!(
            conn.lookup_domain_by_name(n).is_err(),
            "the guard removed {n}"
        );
    }
}

#[test]
fn a_script_killed_mid_way_has_its_objects_reported_as_leaked_and_removed() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(conn) = qemu_system() else { return };
    let prefix = unique_prefix();
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config_file(dir.path(), "qemu:///system", &prefix);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/killed");
    let json = dir.path().join("report.json");
    let out = tck()
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&json)
        .arg(&script)
        .output()
        .expect("run tck");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");

    let id = "010-leaves-domain.sh";
    let ns = tck::harness::namespace::script_prefix(&prefix, id);
    let name = format!("{ns}left");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("report")).expect("JSON");
    let scripts = report["scripts"].as_array().expect("scripts");
    let s = scripts
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {report}"));
    assert_eq!(s["status"], "crash", "killed by SIGKILL: {s}");
    let leaked: Vec<String> = s["leaked"]
        .as_array()
        .expect("leaked list")
        .iter()
        .map(|l| {
            format!(
                "{} {}",
                l["kind"].as_str().unwrap_or(""),
                l["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(
        leaked.contains(&format!("domain {name}")),
        "the report says {id} leaked domain {name}: {leaked:?}"
    );
    assert!(
        conn.lookup_domain_by_name(&name).is_err(),
        "the leaked domain {name} was removed"
    );
    assert!(
        stdout.contains(&name),
        "the console names the leak:\n{stdout}"
    );
}

#[test]
fn objects_of_a_run_killed_mid_script_are_listed_by_script_then_removed_with_force() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(conn) = qemu_system() else { return };
    let prefix = unique_prefix();
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config_file(dir.path(), "qemu:///system", &prefix);
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/interrupted");
    let id = "010-defines-then-waits.sh";
    let ns = tck::harness::namespace::script_prefix(&prefix, id);
    let name = format!("{ns}left");
    let pid_file = dir
        .path()
        .join("scratch/run")
        .join(format!("{ns}scratch"))
        .join("pid");

    // A run killed (SIGKILL, no chance to clean) while its script waits.
    let mut run = tck()
        .args(["run", "-q", "--config"])
        .arg(&cfg)
        .arg(&scripts)
        .env("TCK_TEST_HANG", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start tck run");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !pid_file.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let script_pid: i32 = std::fs::read_to_string(&pid_file)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .expect("the script started and wrote its pid");
    run.kill().expect("kill tck");
    let _ = run.wait();
    // SAFETY: plain kill(2) of the script's process group (the harness
    // starts each script in its own group, led by the script).
    unsafe { libc::kill(-script_pid, libc::SIGKILL) };
    assert!(
        conn.lookup_domain_by_name(&name).is_ok(),
        "the killed run left {name}"
    );

    // The next run refuses to start and names the script that left it.
    let out = tck()
        .args(["run", "--config"])
        .arg(&cfg)
        .arg(&scripts)
        .output()
        .expect("run tck");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!("  domain {name} (leaked by {id})")),
        "{stderr}"
    );
    assert!(
        conn.lookup_domain_by_name(&name).is_ok(),
        "not removed without --force"
    );

    // With --force it removes it, says whose it was, and the script runs.
    let out = tck()
        .args(["run", "--force", "--config"])
        .arg(&cfg)
        .arg(&scripts)
        .output()
        .expect("run tck --force");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        format!("{stdout}{stderr}").contains(&format!("domain {name} (leaked by {id})")),
        "{stdout}\n{stderr}"
    );
    assert!(conn.lookup_domain_by_name(&name).is_err(), "{name} removed");
}
