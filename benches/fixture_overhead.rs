//! Fixture overhead per script: `before_script` + `after_script` on an
//! empty namespace, the cost the clean-environment fixture adds to every
//! script when there is nothing to clean.
//!
//! Run: `cargo bench --bench fixture_overhead [-- URI [ROUNDS]]`
//! (default URI qemu:///system, falling back to test:///default when it is
//! unreachable; default 200 rounds). Prints mean, median and p95 in ms.

use std::time::Instant;
use tck::config::Config;
use tck::harness::fixture::Fixture;
use tck::virt::fixture::VirtFixture;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let uri = args
        .first()
        .cloned()
        .unwrap_or_else(|| "qemu:///system".into());
    let rounds: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(200);
    let dir = std::env::temp_dir().join(format!("tck-bench-{}", std::process::id()));
    let text = format!(
        "uri = {uri:?}\nscratch_dir = {:?}\n",
        dir.display().to_string()
    );
    let config = match Config::from_toml(&text, tck::config::ConfigSource::BuiltIn) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("config: {e}");
            std::process::exit(2);
        }
    };
    let fixture = match VirtFixture::open(&config) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let id = "bench/000-fixture-overhead";
    let mut ms = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        fixture.before_script(id).expect("before");
        let leaks = fixture.after_script(id).expect("after");
        assert!(leaks.is_empty());
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    let mean = ms.iter().sum::<f64>() / ms.len() as f64;
    println!(
        "{uri}: fixture overhead per script (before + after, nothing to clean), {rounds} rounds: mean {mean:.2} ms, median {:.2} ms, p95 {:.2} ms",
        ms[ms.len() / 2],
        ms[ms.len() * 95 / 100]
    );
    let _ = fixture.close();
    let _ = std::fs::remove_dir_all(&dir);
}
