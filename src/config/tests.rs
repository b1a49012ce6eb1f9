use super::*;
use std::io::Write as _;

fn file_source(path: &str) -> ConfigSource {
    ConfigSource::File {
        path: PathBuf::from(path),
        via: FileVia::Flag,
    }
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(text, file_source("/etc/tck/test.toml"))
}

fn parse_err(text: &str) -> String {
    match parse(text) {
        Ok(c) => panic!("expected an error for {text:?}, got {c:?}"),
        Err(e) => e.to_string(),
    }
}

/// A config file in a temporary directory, with `scratch_dir` set inside it.
fn write_config(dir: &tempfile::TempDir, body: &str) -> PathBuf {
    let path = dir.path().join("tck.toml");
    let scratch = dir.path().join("scratch");
    let mut f = std::fs::File::create(&path).expect("temp dir is writable");
    writeln!(f, "scratch_dir = {:?}", scratch.display().to_string()).expect("write");
    f.write_all(body.as_bytes()).expect("write");
    path
}

fn load_file(path: &Path) -> Result<Config, ConfigError> {
    let opts = LoadOptions {
        file: Some(path.to_path_buf()),
        uri: None,
    };
    Config::load_from(&opts, None, Path::new("/nonexistent/tck.toml"))
}

#[test]
fn defaults_are_the_documented_ones() {
    let c = Config::defaults().expect("defaults");
    assert_eq!(c.uri, "test:///default");
    assert_eq!(c.prefix, "tck-");
    assert!(!c.autoclean);
    assert!(!c.disruptive);
    assert_eq!(c.jobs, None);
    assert_eq!(c.timeout, 300);
    assert_eq!(c.source, ConfigSource::BuiltIn);
    assert!(c.block_devices.is_empty() && c.other_uri.is_none() && c.kernel.is_none());
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        assert_eq!(c.scratch_dir, PathBuf::from("/var/cache/tck"));
    } else {
        assert!(
            c.scratch_dir.ends_with("tck"),
            "{}",
            c.scratch_dir.display()
        );
    }
}

#[test]
fn shipped_default_toml_parses_to_the_built_in_defaults() {
    let text = include_str!("../../conf/default.toml");
    let c = Config::from_toml(text, file_source("conf/default.toml")).expect("conf/default.toml");
    let d = Config::defaults().expect("defaults");
    assert_eq!(
        c.digest(),
        d.digest(),
        "conf/default.toml must not change any default"
    );
}

#[test]
fn shipped_default_toml_documents_every_key() {
    let text = include_str!("../../conf/default.toml");
    // Every key of the effective configuration appears, commented out or
    // not, as `key =` or as a `[[key]]` table, in conf/default.toml.
    let json = serde_json::to_value(Config::defaults().expect("defaults")).expect("json");
    let keys: Vec<String> = json.as_object().expect("object").keys().cloned().collect();
    assert!(keys.len() >= 18, "{keys:?}");
    for key in keys {
        let assigned = text.lines().any(|l| {
            let l = l.trim_start_matches(['#', ' ']);
            l.strip_prefix(key.as_str())
                .is_some_and(|r| r.trim_start().starts_with('='))
                || l.starts_with(&format!("[[{key}]]"))
                || l.starts_with(&format!("[{key}]"))
                || l.starts_with(&format!("[{key}."))
        });
        assert!(assigned, "conf/default.toml does not document `{key}`");
    }
}

#[test]
fn values_are_read() {
    let c = parse(
        r#"
uri = "qemu:///system"
other_uri = "qemu+ssh://other/system"
prefix = "tk_"
autoclean = true
disruptive = true
jobs = 3
timeout = 60
scratch_dir = "/srv/tck"
network_devices = ["eth9"]
usb_devices = [{ vendor = "0x046d", product = "c52b" }, { bus = 1, device = 4 }]
pci_devices = [{ bus = 0x03, slot = 0, function = 1 }]
block_devices = [{ path = "/dev/sdz", size = "8G" }]
nfs_exports = [{ server = "nfs.example", path = "/export/tck" }]
iscsi_targets = [{ host = "san", iqn = "iqn.2024-01.example:disk1" }]
free_space_dir = "/srv/big"
"#,
    )
    .expect("valid");
    assert_eq!(c.uri, "qemu:///system");
    assert_eq!(c.other_uri.as_deref(), Some("qemu+ssh://other/system"));
    assert_eq!(c.prefix, "tk_");
    assert!(c.autoclean && c.disruptive);
    assert_eq!((c.jobs, c.timeout), (Some(3), 60));
    assert_eq!(c.scratch_dir, PathBuf::from("/srv/tck"));
    assert_eq!(
        c.usb_devices,
        vec![
            UsbDevice::Id {
                vendor: 0x046d,
                product: 0xc52b
            },
            UsbDevice::Address { bus: 1, device: 4 }
        ]
    );
    assert_eq!(c.pci_devices[0].address(), "0000:03:00.1");
    assert_eq!(c.pci_devices[0].nodedev_name(), "pci_0000_03_00_1");
    assert_eq!(c.block_devices[0].size, 8 << 30);
    assert_eq!(c.iscsi_targets[0].port, 3260);
    assert_eq!(c.nfs_exports[0].server, "nfs.example");
    assert_eq!(c.free_space_dir, Some(PathBuf::from("/srv/big")));
}

#[test]
fn unknown_key_names_the_key_file_and_line() {
    let e = parse_err("uri = \"test:///default\"\n\nautoclen = true\n");
    assert!(e.starts_with("/etc/tck/test.toml:3: "), "{e}");
    assert!(e.contains("autoclen"), "{e}");
    assert!(e.contains("unknown field"), "{e}");
}

#[test]
fn unknown_key_in_a_resource_table_is_refused() {
    let e = parse_err("[[block_devices]]\npath = \"/dev/sdz\"\nsize = 1024\nwipe = true\n");
    assert!(e.contains(":4: "), "{e}");
    assert!(e.contains("wipe"), "{e}");
}

#[test]
fn wrong_type_names_the_key_and_line() {
    let e = parse_err("prefix = \"tck-\"\njobs = \"two\"\n");
    assert!(e.starts_with("/etc/tck/test.toml:2: key `jobs`: "), "{e}");
    assert!(e.contains("invalid type"), "{e}");
    let e = parse_err("autoclean = \"yes\"\n");
    assert!(e.contains("key `autoclean`"), "{e}");
    let e = parse_err("usb_devices = [{ vendor = 70000, product = 1 }]\n");
    assert!(e.contains("does not fit in 16 bits"), "{e}");
}

#[test]
fn malformed_toml_is_located() {
    let e = parse_err("uri = \"test:///default\"\nprefix = \n");
    assert!(e.starts_with("/etc/tck/test.toml:2: "), "{e}");
}

#[test]
fn dangerous_prefixes_are_refused() {
    for (prefix, why) in [
        ("", "empty"),
        ("   ", "empty"),
        ("*", "contains '*'"),
        ("tck*", "contains '*'"),
        ("t", "shorter than 2"),
        ("-", "shorter than 2"),
        ("tck", "must end with"),
        ("-tck-", "must start with"),
        ("averylongprefix-", "longer than 8"),
        ("tck -", "contains ' '"),
    ] {
        let e = parse_err(&format!("prefix = {prefix:?}\n"));
        assert!(e.contains("key `prefix`"), "{prefix:?}: {e}");
        assert!(e.contains(why), "{prefix:?}: expected {why:?} in {e}");
    }
    for ok in ["tck-", "ab_", "x1.", "tck-dev-"] {
        assert_eq!(parse(&format!("prefix = {ok:?}\n")).expect(ok).prefix, ok);
    }
}

#[test]
fn bad_values_are_refused_with_their_key() {
    for (text, key, what) in [
        ("jobs = 0\n", "jobs", "at least 1"),
        ("timeout = 0\n", "timeout", "at least 1"),
        ("uri = \"\"\n", "uri", "empty"),
        ("other_uri = \" \"\n", "other_uri", "empty"),
        (
            "scratch_dir = \"relative/dir\"\n",
            "scratch_dir",
            "not an absolute path",
        ),
        ("kernel = \"vmlinuz\"\n", "kernel", "not an absolute path"),
        (
            "usb_devices = [{ vendor = 1, device = 2 }]\n",
            "usb_devices[0]",
            "either `vendor` and `product`",
        ),
        (
            "pci_devices = [{ bus = 1, slot = 40, function = 0 }]\n",
            "pci_devices[0]",
            "over 0x1f",
        ),
        (
            "pci_devices = [{ bus = 1, slot = 0, function = 9 }]\n",
            "pci_devices[0]",
            "over 7",
        ),
        (
            "block_devices = [{ path = \"/dev/sdz\", size = 0 }]\n",
            "block_devices[0]",
            "exact size",
        ),
        (
            "block_devices = [{ path = \"/dev/sdz\", size = \"lots\" }]\n",
            "block_devices",
            "not a size",
        ),
        (
            "network_devices = [\"a/b\"]\n",
            "network_devices[0]",
            "not a network interface name",
        ),
        (
            "nfs_exports = [{ server = \"s\", path = \"export\" }]\n",
            "nfs_exports[0]",
            "absolute export path",
        ),
        (
            "iscsi_targets = [{ host = \"san\", iqn = \"disk1\" }]\n",
            "iscsi_targets[0]",
            "not an iSCSI name",
        ),
    ] {
        let e = parse_err(text);
        assert!(e.contains(&format!("key `{key}")), "{text:?}: {e}");
        assert!(e.contains(what), "{text:?}: expected {what:?} in {e}");
        assert!(e.starts_with("/etc/tck/test.toml:1: "), "{text:?}: {e}");
    }
}

#[test]
fn sizes_parse_with_binary_suffixes() {
    assert_eq!(raw::parse_size("512"), Some(512));
    assert_eq!(raw::parse_size("4K"), Some(4096));
    assert_eq!(raw::parse_size("8G"), Some(8 << 30));
    assert_eq!(raw::parse_size("2 MiB"), Some(2 << 20));
    assert_eq!(raw::parse_size("1TB"), Some(1 << 40));
    assert_eq!(raw::parse_size("1X"), None);
    assert_eq!(raw::parse_size(""), None);
    assert_eq!(raw::parse_size("99999999999999999999G"), None);
}

#[test]
fn search_order_flag_env_system_builtin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let flag = write_config(&dir, "uri = \"flag:///\"\n");
    let env_dir = tempfile::tempdir().expect("tempdir");
    let env = write_config(&env_dir, "uri = \"env:///\"\n");
    let sys_dir = tempfile::tempdir().expect("tempdir");
    let system = write_config(&sys_dir, "uri = \"system:///\"\n");

    let with_flag = LoadOptions {
        file: Some(flag.clone()),
        uri: None,
    };
    let none = LoadOptions::default();
    let c = Config::load_from(&with_flag, Some(env.clone()), &system).expect("flag");
    assert_eq!(c.uri, "flag:///");
    assert_eq!(c.file(), Some(flag.as_path()));
    let c = Config::load_from(&none, Some(env.clone()), &system).expect("env");
    assert_eq!(c.uri, "env:///");
    let c = Config::load_from(&none, None, &system).expect("system");
    assert_eq!(c.uri, "system:///");
    let c = Config::load_from(&none, None, Path::new("/nonexistent/x.toml")).expect("builtin");
    assert_eq!(c.uri, DEFAULT_URI);
    assert_eq!(c.source, ConfigSource::BuiltIn);

    let over = LoadOptions {
        file: Some(flag),
        uri: Some("qemu:///system".into()),
    };
    assert_eq!(
        Config::load_from(&over, None, &system).expect("--uri").uri,
        "qemu:///system"
    );
}

#[test]
fn a_named_file_that_is_missing_is_an_error_naming_how_it_was_named() {
    let none = LoadOptions::default();
    let e = Config::load_from(&none, Some("/nonexistent/env.toml".into()), Path::new("/x"))
        .expect_err("missing env file");
    let e = e.to_string();
    assert!(
        e.contains("/nonexistent/env.toml") && e.contains("TCK_CONFIG"),
        "{e}"
    );
    let flag = LoadOptions {
        file: Some("/nonexistent/flag.toml".into()),
        uri: None,
    };
    let e = Config::load_from(&flag, None, Path::new("/x")).expect_err("missing flag file");
    let e = e.to_string();
    assert!(
        e.contains("/nonexistent/flag.toml") && e.contains("--config"),
        "{e}"
    );
}

#[test]
fn missing_kernel_names_the_key_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(
        &dir,
        "uri = \"test:///default\"\nkernel = \"/nonexistent/vmlinuz\"\n",
    );
    let e = load_file(&path).expect_err("missing kernel").to_string();
    assert!(
        e.starts_with(&format!("{}:3: key `kernel`: ", path.display())),
        "{e}"
    );
    assert!(e.contains("/nonexistent/vmlinuz"), "{e}");
    // An existing file is accepted.
    let kernel = dir.path().join("vmlinuz");
    std::fs::write(&kernel, b"kernel").expect("write");
    let path = write_config(
        &dir,
        &format!("kernel = {:?}\n", kernel.display().to_string()),
    );
    assert_eq!(
        load_file(&path).expect("kernel exists").kernel,
        Some(kernel)
    );
}

#[test]
fn unwritable_scratch_dir_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"").expect("write");
    let scratch = file.join("scratch");
    let path = dir.path().join("c.toml");
    std::fs::write(
        &path,
        format!("scratch_dir = {:?}\n", scratch.display().to_string()),
    )
    .expect("write");
    let e = load_file(&path).expect_err("unwritable").to_string();
    assert!(e.contains("key `scratch_dir`"), "{e}");
    assert!(e.contains(&scratch.display().to_string()), "{e}");
    assert!(e.contains(":1: "), "{e}");

    // A read-only directory (for root too: /proc refuses new files).
    let path = dir.path().join("d.toml");
    std::fs::write(&path, "scratch_dir = \"/proc/tck-scratch\"\n").expect("write");
    let e = load_file(&path).expect_err("unwritable").to_string();
    assert!(
        e.contains("/proc/tck-scratch") && e.contains("scratch_dir"),
        "{e}"
    );

    // A missing but creatable one is created.
    let fresh = dir.path().join("a/b/c");
    let path = dir.path().join("e.toml");
    std::fs::write(
        &path,
        format!("scratch_dir = {:?}\n", fresh.display().to_string()),
    )
    .expect("write");
    load_file(&path).expect("creatable scratch dir");
    assert!(fresh.is_dir());
}

#[test]
fn resources_that_do_not_exist_are_errors_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = dir.path().join("not-a-disk");
    std::fs::write(&plain, b"x").expect("write");
    for (body, key, what) in [
        (
            "pci_devices = [{ domain = 0xfff0, bus = 0xfe, slot = 0x1f, function = 7 }]\n"
                .to_string(),
            "pci_devices[0]",
            "no PCI device fff0:fe:1f.7",
        ),
        (
            "usb_devices = [{ vendor = 0xfffe, product = 0xfffd }]\n".to_string(),
            "usb_devices[0]",
            "no USB device with id fffe:fffd",
        ),
        (
            "network_devices = [\"tcknonexist0\"]\n".to_string(),
            "network_devices[0]",
            "no network interface \"tcknonexist0\"",
        ),
        (
            "block_devices = [{ path = \"/dev/tck-no-such-disk\", size = 1024 }]\n".to_string(),
            "block_devices[0]",
            "/dev/tck-no-such-disk cannot be used",
        ),
        (
            format!(
                "block_devices = [{{ path = {:?}, size = 1 }}]\n",
                plain.display().to_string()
            ),
            "block_devices[0]",
            "is not a block device",
        ),
        (
            "free_space_dir = \"/nonexistent/space\"\n".to_string(),
            "free_space_dir",
            "not an existing directory",
        ),
    ] {
        let path = write_config(&dir, &body);
        let e = load_file(&path).expect_err(&body).to_string();
        assert!(
            e.starts_with(&format!("{}:2: key `{key}`: ", path.display())),
            "{body}: {e}"
        );
        assert!(e.contains(what), "{body}: expected {what:?} in {e}");
    }
}

#[test]
fn the_nic_carrying_the_default_route_is_refused() {
    let routes = std::fs::read_to_string("/proc/net/route").unwrap_or_default();
    let Some(nic) = routes.lines().skip(1).find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.get(1) == Some(&"00000000")).then(|| f[0].to_string())
    }) else {
        eprintln!("note: this host has no IPv4 default route; nothing to check");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(&dir, &format!("network_devices = [{nic:?}]\n"));
    let e = load_file(&path).expect_err("default route NIC").to_string();
    assert!(e.contains("carries the default route"), "{e}");
    assert!(e.contains("network_devices[0]"), "{e}");
}

/// A loop device over a sparse file: the size check must see the real size.
#[test]
fn block_device_size_must_match() {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 || !Path::new("/dev/loop-control").exists() {
        eprintln!("note: not root or no loop devices: block device size check not exercised");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let backing = dir.path().join("disk.img");
    let f = std::fs::File::create(&backing).expect("create");
    f.set_len(4 << 20).expect("set_len");
    let out = std::process::Command::new("losetup")
        .args(["--find", "--show"])
        .arg(&backing)
        .output()
        .expect("losetup runs");
    assert!(
        out.status.success(),
        "losetup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let loopdev = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let result = std::panic::catch_unwind(|| {
        let wrong = write_config(
            &dir,
            &format!("block_devices = [{{ path = {loopdev:?}, size = \"8M\" }}]\n"),
        );
        let e = load_file(&wrong).expect_err("size mismatch").to_string();
        assert!(
            e.contains("is 4194304 bytes, not the configured 8388608"),
            "{e}"
        );
        let right = write_config(
            &dir,
            &format!("block_devices = [{{ path = {loopdev:?}, size = \"4M\" }}]\n"),
        );
        let c = load_file(&right).expect("matching size");
        assert_eq!(c.block_devices[0].size, 4 << 20);
    });
    let _ = std::process::Command::new("losetup")
        .args(["-d", &loopdev])
        .status();
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
}

#[test]
fn digest_is_stable_and_follows_values() {
    let a = parse("uri = \"test:///default\"\nscratch_dir = \"/srv/x\"\n").expect("a");
    let b = parse("scratch_dir = \"/srv/x\"\n").expect("b");
    assert_eq!(a.digest(), b.digest(), "same effective config, same digest");
    assert_eq!(a.digest().len(), 64);
    let c = parse("scratch_dir = \"/srv/x\"\njobs = 2\n").expect("c");
    assert_ne!(a.digest(), c.digest());
}

#[test]
fn script_scratch_dirs_live_under_run_and_carry_the_namespace() {
    let c = parse("scratch_dir = \"/srv/x\"\n").expect("c");
    assert_eq!(
        c.script_scratch_dir("tck-abcde-"),
        PathBuf::from("/srv/x/run/tck-abcde-scratch")
    );
}

#[test]
fn filter_sets_profiles_and_retries_are_read() {
    let c = parse(
        "retries = 2\nflaky_fails = true\nhistory_keep = 5\nhistory_days = 0\n\
         history_dir = \"/tmp/h\"\n\
         [filters]\nquick = \"!tag(slow)\"\nsmoke = \"@quick & priority(<=1)\"\n\
         [profile.ci]\njunit = \"out/{uri}.xml\"\n\
         [profile.nightly]\njobs = 4\ntimeout = 600\nretries = 3\nflaky_fails = false\n\
         filter = \"@smoke | tag(slow)\"\norder = \"slow-first\"\nrepeat = 2\n\
         verbosity = \"verbose\"\ntimer = true\nkeep_going = true\n\
         xml = \"a.xml\"\njson = \"a.json\"\nhtml = \"a.html\"\narchive = \"arch-{time}\"\n",
    )
    .expect("valid");
    assert_eq!((c.retries, c.flaky_fails), (2, true));
    assert_eq!((c.history_keep, c.history_days), (5, 0));
    assert_eq!(c.history_dir, Some(PathBuf::from("/tmp/h")));
    assert_eq!(
        c.filters["smoke"], "@quick & priority(<=1)",
        "replaces the built-in"
    );
    assert_eq!(c.filters["quick"], "!tag(slow)");
    // The file's [profile.ci] replaces the built-in one as a whole.
    assert_eq!(
        c.profiles["ci"],
        Profile {
            junit: Some("out/{uri}.xml".into()),
            ..Profile::default()
        }
    );
    assert!(c.profiles.contains_key("dev"), "built-in dev kept");
    let n = c.profile("nightly").expect("defined");
    assert_eq!(
        (n.jobs, n.timeout, n.retries, n.repeat),
        (Some(4), Some(600), Some(3), Some(2))
    );
    assert_eq!(n.order, Some(crate::select::Order::SlowFirst));
    assert_eq!(
        n.verbosity,
        Some(crate::report::console::Verbosity::Verbose)
    );
    assert_eq!(
        (n.timer, n.keep_going, n.flaky_fails),
        (Some(true), Some(true), Some(false))
    );
    assert_eq!(n.archive.as_deref(), Some("arch-{time}"));
    let base = c.base_profile();
    assert_eq!((base.retries, base.flaky_fails), (Some(2), Some(true)));

    let d = Config::defaults().expect("defaults");
    assert_eq!((d.retries, d.flaky_fails, d.history_keep), (0, false, 100));
    assert_eq!(d.filters["smoke"], "priority(0)");
    assert!(d.profile("ci").is_ok() && d.profile("dev").is_ok());
}

#[test]
fn bad_filter_sets_and_profiles_name_the_key_and_line() {
    for (text, needle) in [
        (
            "\n[filters]\nsmoke = \"tag(a) &\"\n",
            "test.toml:3: key `filters.smoke`: in filter set @smoke, column 9: expected a predicate",
        ),
        (
            "[filters]\na = \"@b\"\nb = \"@a\"\n",
            "key `filters.a`: in filter set @b (reached through @a → @b), column 1: filter set @a refers to itself: @a → @b → @a",
        ),
        ("[filters]\n\"a b\" = \"all()\"\n", "key `filters.a b`: a filter set name"),
        (
            "[profile.x]\nfilter = \"@nope\"\n",
            "test.toml:2: key `profile.x.filter`: column 1: unknown filter set @nope",
        ),
        (
            "[profile.x]\norder = \"fastest\"\n",
            "test.toml:2: key `profile.x.order`: \"fastest\" is not an order; use one of path, slow-first, failed-first, recent",
        ),
        ("[profile.x]\nverbosity = \"loud\"\n", "key `profile.x.verbosity`: \"loud\": use"),
        ("[profile.x]\njobs = 0\n", "key `profile.x.jobs`: must be at least 1"),
        ("[profile.x]\nrepeat = 0\n", "key `profile.x.repeat`: must be at least 1"),
        ("[profile.x]\nretries = 101\n", "key `profile.x.retries`: at most 100"),
        ("retries = 1000\n", "test.toml:1: key `retries`: at most 100"),
        ("[profile.x]\nxml = \"{host}.xml\"\n", "key `profile.x.xml`: \"{host}.xml\": unknown placeholder {host}"),
        ("[profile.x]\njunit = \" \"\n", "key `profile.x.junit`: the path is empty"),
        ("[profile.x]\nuri = \"qemu:///system\"\n", "test.toml:2"),
        ("history_dir = \"rel\"\n", "key `history_dir`: rel is not an absolute path"),
    ] {
        let e = parse_err(text);
        assert!(e.contains(needle), "{text:?}:\n{e}");
    }
    // An unknown key in a profile is named.
    let e = parse_err("[profile.x]\nuri = \"qemu:///system\"\n");
    assert!(e.contains("uri"), "{e}");
}

#[test]
fn an_unknown_profile_names_the_file_and_the_profiles_there_are() {
    let c = parse("[profile.nightly]\njobs = 1\n").expect("valid");
    let e = c.profile("nighty").unwrap_err().to_string();
    assert!(
        e.contains("no profile `nighty` in /etc/tck/test.toml"),
        "{e}"
    );
    assert!(e.contains("which has: ci, dev, nightly"), "{e}");
    assert!(e.contains("[profile.nighty]"), "{e}");
    let e = Config::defaults()
        .unwrap()
        .profile("x")
        .unwrap_err()
        .to_string();
    assert!(e.contains("built-in defaults"), "{e}");
}

#[test]
fn a_scratch_dir_guests_cannot_enter_is_warned_about_for_system_uris() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let closed = dir.path().join("closed");
    let scratch = closed.join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o700)).unwrap();
    let config = |uri: &str, dir: &std::path::Path| {
        Config::from_toml(
            &format!(
                "uri = {uri:?}\nscratch_dir = {:?}\n",
                dir.display().to_string()
            ),
            ConfigSource::BuiltIn,
        )
        .unwrap()
    };
    let w = crate::config::scratch_reachability_warning(&config("qemu:///system", &scratch))
        .expect("warned");
    assert!(w.contains(&closed.display().to_string()), "{w}");
    assert!(w.contains("chmod o+x"), "{w}");
    // The test driver runs no guests; a session daemon's guests are the user's.
    assert!(
        crate::config::scratch_reachability_warning(&config("test:///default", &scratch)).is_none()
    );
    assert!(
        crate::config::scratch_reachability_warning(&config("qemu:///session", &scratch)).is_none()
    );
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(
        crate::config::scratch_reachability_warning(&config("qemu:///system", &scratch)).is_none()
    );
}
