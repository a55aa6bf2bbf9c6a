//! What a run that trusts nothing it did not look at must pay at least: list every team's
//! directory and `lstat` each release's `plan.md` and `manifest.toml`, in this process, on
//! one thread and on all of them. The floor under a warm one-plan run (`bench/scale.sh` runs
//! it beside one); `find -printf` costs more than this for work of its own. With `--drills`,
//! each release's `drills/` too: what `publish` looks at for its index (30,000 `lstat`s in
//! the 10,000-plan repository).
//!
//! `cargo run --release --example stat_floor -- PLANS_DIR [--threads] [--drills]`

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;

fn releases(plans: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut releases = Vec::new();
    for team in fs::read_dir(plans)? {
        let team = team?.path();
        if !team.is_dir() {
            continue;
        }
        for release in fs::read_dir(&team)? {
            releases.push(release?.path());
        }
    }
    Ok(releases)
}

fn stat(release: &Path, files: &[&str]) -> usize {
    files
        .iter()
        .filter(|file| fs::symlink_metadata(release.join(file)).is_ok())
        .count()
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(plans) = args.next().map(PathBuf::from) else {
        eprintln!("usage: stat_floor PLANS_DIR [--threads] [--drills]");
        return ExitCode::from(2);
    };
    let flags: Vec<String> = args.collect();
    let parallel = flags.iter().any(|flag| flag == "--threads");
    let files: &[&str] = match flags.iter().any(|flag| flag == "--drills") {
        true => &["plan.md", "manifest.toml", "drills"],
        false => &["plan.md", "manifest.toml"],
    };
    let releases = match releases(&plans) {
        Ok(releases) => releases,
        Err(error) => {
            eprintln!("cannot list {}: {error}", plans.display());
            return ExitCode::from(2);
        }
    };
    let found: usize = if parallel {
        releases
            .par_iter()
            .map(|release| stat(release, files))
            .sum()
    } else {
        releases.iter().map(|release| stat(release, files)).sum()
    };
    println!("{} releases, {found} files", releases.len());
    ExitCode::SUCCESS
}
