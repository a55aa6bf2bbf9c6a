//! What a run that trusts nothing it did not look at must pay at least: list every team's
//! directory and `lstat` each release's `plan.md` and `manifest.toml`, in this process, on
//! one thread and on all of them. The floor under a warm one-plan run (`bench/scale.sh` runs
//! it beside one); `find -printf` costs more than this for work of its own.
//!
//! `cargo run --release --example stat_floor -- PLANS_DIR [--threads]`

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

fn stat(release: &Path) -> usize {
    ["plan.md", "manifest.toml"]
        .iter()
        .filter(|file| fs::symlink_metadata(release.join(file)).is_ok())
        .count()
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(plans) = args.next().map(PathBuf::from) else {
        eprintln!("usage: stat_floor PLANS_DIR [--threads]");
        return ExitCode::from(2);
    };
    let parallel = args.next().as_deref() == Some("--threads");
    let releases = match releases(&plans) {
        Ok(releases) => releases,
        Err(error) => {
            eprintln!("cannot list {}: {error}", plans.display());
            return ExitCode::from(2);
        }
    };
    let found: usize = if parallel {
        releases.par_iter().map(|release| stat(release)).sum()
    } else {
        releases.iter().map(|release| stat(release)).sum()
    };
    println!("{} releases, {found} files", releases.len());
    ExitCode::SUCCESS
}
