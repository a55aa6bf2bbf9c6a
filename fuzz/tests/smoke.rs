//! The stable smoke run of the fuzz targets: every file in `corpus/<target>/`, then
//! mutations of them, through each target. Deterministic by default, so a failure
//! reproduces; a failing input is saved under `artifacts/<target>/`, where `cargo fuzz`
//! looks too.
//!
//! - `BACKOUT_FUZZ_ITERATIONS`: mutations per target (default 1000, or fewer when a target
//!   reaches 10 seconds: a debug build on a busy CI machine stays within a minute);
//! - `BACKOUT_FUZZ_SECONDS`: run each target this long instead, however many mutations;
//! - `BACKOUT_FUZZ_SEED`: another sequence of mutations (default 0).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use backout_fuzz::TARGETS;
use backout_fuzz::mutate::{Rng, mutate, seed_of};

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn seeds(name: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(name);
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

/// Runs one input; on a panic, saves it and fails with where it is.
fn run(name: &str, target: backout_fuzz::Target, input: &[u8]) {
    if std::panic::catch_unwind(|| target(input)).is_ok() {
        return;
    }
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    });
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("artifacts")
        .join(name);
    let _ = fs::create_dir_all(&dir);
    let path = dir.join(format!("crash-{hash:016x}"));
    let _ = fs::write(&path, input);
    panic!(
        "fuzz target `{name}` failed; the input is saved at {} (rerun it with `cargo +nightly fuzz run {name} --features libfuzzer {}`)",
        path.display(),
        path.display()
    );
}

fn smoke(name: &str) {
    let target = TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .unwrap_or_else(|| panic!("no target {name}"));
    let started = Instant::now();
    let seeds = seeds(name);
    assert!(!seeds.is_empty(), "corpus/{name}/ has no seeds");
    for seed in &seeds {
        run(name, target, seed);
    }
    let mut rng = Rng::new(seed_of(name, env_number("BACKOUT_FUZZ_SEED").unwrap_or(0)));
    let seconds = env_number("BACKOUT_FUZZ_SECONDS");
    let deadline = Instant::now() + Duration::from_secs(seconds.unwrap_or(10));
    let iterations = match seconds {
        Some(_) => u64::MAX,
        None => env_number("BACKOUT_FUZZ_ITERATIONS").unwrap_or(1000),
    };
    let mut done = 0u64;
    // Mutants that did not fail become seeds too, so mutations stack up.
    let mut pool = seeds.clone();
    loop {
        if done >= iterations || Instant::now() >= deadline {
            break;
        }
        let base = &pool[rng.below(pool.len())];
        let input = mutate(&mut rng, base, &seeds);
        run(name, target, &input);
        if pool.len() < 256 {
            pool.push(input);
        } else {
            let at = rng.below(pool.len());
            pool[at] = input;
        }
        done += 1;
    }
    eprintln!(
        "{name}: {} seeds, {done} mutations in {:.1} s",
        seeds.len(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn plan() {
    smoke("plan");
}

#[test]
fn manifest() {
    smoke("manifest");
}

#[test]
fn config() {
    smoke("config");
}

#[test]
fn check() {
    smoke("check");
}

#[test]
fn page() {
    smoke("page");
}

#[test]
fn diff() {
    smoke("diff");
}

#[test]
fn baseline() {
    smoke("baseline");
}

#[test]
fn escape() {
    smoke("escape");
}

#[test]
fn import() {
    smoke("import");
}

#[test]
fn export() {
    smoke("export");
}

#[test]
fn every_target_has_a_test_and_seeds() {
    let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "plan", "manifest", "config", "check", "page", "diff", "baseline", "escape", "import",
            "export"
        ]
    );
    for name in names {
        assert!(!seeds(name).is_empty(), "{name}");
    }
}
