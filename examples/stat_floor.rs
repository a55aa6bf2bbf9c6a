//! What a run that trusts nothing it did not look at must pay at least: list every team's
//! directory and `lstat` each release's `plan.md` and `manifest.toml`, in this process, on
//! one thread and on all of them. The floor under a warm one-plan run (`bench/scale.sh` runs
//! it beside one); `find -printf` costs more than this for work of its own. With `--drills`,
//! each release's `drills/` too: what `publish` looks at for its index (30,000 `lstat`s in
//! the 10,000-plan repository).
//!
//! With `--at`, each file is stamped relative to its team's open directory (`statx` on a
//! directory descriptor, as backout does on Linux with glibc) instead of by its whole path.
//!
//! `cargo run --release --example stat_floor -- PLANS_DIR [--threads] [--drills] [--at]`

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use backout::store::stamp::Dir;
use rayon::prelude::*;

/// Each team's directory, and the names of its release directories.
fn teams(plans: &Path) -> std::io::Result<Vec<(PathBuf, Vec<String>)>> {
    let mut teams = Vec::new();
    for team in fs::read_dir(plans)? {
        let team = team?.path();
        if !team.is_dir() {
            continue;
        }
        let mut releases = Vec::new();
        for release in fs::read_dir(&team)? {
            releases.push(release?.file_name().to_string_lossy().into_owned());
        }
        teams.push((team, releases));
    }
    Ok(teams)
}

/// How many of `files` are in the release directory `release` of `team`.
fn stat(team: &Path, open: Option<&Dir>, release: &str, files: &[&str]) -> usize {
    files
        .iter()
        .filter(|file| match open {
            Some(dir) => std::ffi::CString::new(format!("{release}/{file}"))
                .is_ok_and(|relative| dir.stamp(&relative).is_ok()),
            None => fs::symlink_metadata(team.join(release).join(file)).is_ok(),
        })
        .count()
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(plans) = args.next().map(PathBuf::from) else {
        eprintln!("usage: stat_floor PLANS_DIR [--threads] [--drills] [--at]");
        return ExitCode::from(2);
    };
    let flags: Vec<String> = args.collect();
    let parallel = flags.iter().any(|flag| flag == "--threads");
    let at = flags.iter().any(|flag| flag == "--at");
    let files: &[&str] = match flags.iter().any(|flag| flag == "--drills") {
        true => &["plan.md", "manifest.toml", "drills"],
        false => &["plan.md", "manifest.toml"],
    };
    let teams = match teams(&plans) {
        Ok(teams) => teams,
        Err(error) => {
            eprintln!("cannot list {}: {error}", plans.display());
            return ExitCode::from(2);
        }
    };
    let in_team = |(team, releases): &(PathBuf, Vec<String>)| -> usize {
        let open = if at { Dir::open(team) } else { None };
        let one = |release: &String| stat(team, open.as_ref(), release, files);
        match parallel {
            true => releases.par_iter().map(one).sum(),
            false => releases.iter().map(one).sum(),
        }
    };
    let found: usize = match parallel {
        true => teams.par_iter().map(in_team).sum(),
        false => teams.iter().map(in_team).sum(),
    };
    let releases: usize = teams.iter().map(|(_, releases)| releases.len()).sum();
    println!("{releases} releases, {found} files");
    ExitCode::SUCCESS
}
