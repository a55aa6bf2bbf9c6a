//! Generates a large repository of plans for benchmarks:
//! `cargo run --release --example generate -- DIR [--teams N] [--releases N] [--items N]`.
//!
//! Every release gets a manifest of `items` unique ids and a plan that passes `check`:
//! a step per item with its command and versions, and the other sections answered.
//! The default (100 teams x 100 releases x 10 items) is 10,000 plans and 100,000 ids.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

struct Options {
    dir: PathBuf,
    teams: usize,
    releases: usize,
    items: usize,
}

fn parse() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        dir: PathBuf::new(),
        teams: 100,
        releases: 100,
        items: 10,
    };
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--teams" => options.teams = number("--teams")?,
            "--releases" => options.releases = number("--releases")?,
            "--items" => options.items = number("--items")?,
            dir if options.dir.as_os_str().is_empty() => options.dir = PathBuf::from(dir),
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    if options.dir.as_os_str().is_empty() {
        return Err("usage: generate DIR [--teams N] [--releases N] [--items N]".into());
    }
    Ok(options)
}

fn item_id(team: usize, release: usize, item: usize) -> String {
    format!("t{team}-r{release}-svc{item}")
}

fn manifest(team: usize, release: usize, items: usize) -> String {
    let mut text = format!("team = \"team{team}\"\nrelease = \"v1.{release}\"\n");
    for item in 0..items {
        let _ = write!(
            text,
            "\n[[items]]\nid = \"{}\"\nkind = \"service\"\nversion = \"2.{release}.{item}\"\nprevious = \"2.{}.{item}\"\n",
            item_id(team, release, item),
            release.saturating_sub(1)
        );
    }
    text
}

fn plan(team: usize, release: usize, items: usize) -> String {
    let mut steps = String::new();
    for item in 0..items {
        let id = item_id(team, release, item);
        let previous = format!("2.{}.{item}", release.saturating_sub(1));
        let _ = write!(
            steps,
            "{}. Roll back `{id}` from 2.{release}.{item} to {previous} and watch its error rate on the dashboard:\n   ```sh\n   kubectl -n team{team} rollout undo deployment/{id} --to-revision={previous}\n   kubectl -n team{team} rollout status deployment/{id} --timeout=5m\n   ```\n",
            item + 1
        );
    }
    format!(
        "+++
team = \"team{team}\"
release = \"v1.{release}\"
status = \"draft\"
window = \"72h\"
duration = \"45m\"
+++

# Backout plan: team{team} v1.{release}

## Criteria
Roll back when the error rate stays above 2% for 10 minutes after deployment, or when the
checkout conversion drops by more than a fifth. The deployment is a success when both stay
normal for 24 hours.

## Decision
The incident commander on call decides, after a call with the service owner.

## Responsibilities
The release engineer on call performs the rollback within 15 minutes of the decision.

## Procedure
{steps}
## Verification
Run the smoke tests (`make smoke ENV=prod`) and compare the dashboards with the hour before.

## Communication
Post in #releases and #support before and after; the status page if customers notice.

## Contingencies
If the rollback fails, fail over to the standby region ([runbook](https://wiki.example.com/failover)).

## Testing
Rehearsed on staging before the release.
"
    )
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn run(options: &Options) -> Result<(), String> {
    let plans = options.dir.join("plans");
    for team in 0..options.teams {
        for release in 0..options.releases {
            let dir = plans
                .join(format!("team{team}"))
                .join(format!("v1.{release}"));
            fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            write(
                &dir.join("manifest.toml"),
                &manifest(team, release, options.items),
            )?;
            write(&dir.join("plan.md"), &plan(team, release, options.items))?;
        }
    }
    if git2::Repository::open(&options.dir).is_err() {
        git2::Repository::init(&options.dir).map_err(|e| format!("git init: {e}"))?;
    }
    write(&options.dir.join("backout.toml"), "plans_dir = \"plans\"\n")?;
    Ok(())
}

fn main() -> ExitCode {
    match parse().and_then(|options| run(&options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}
