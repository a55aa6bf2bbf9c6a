//! The shell's value completers for clap_complete's dynamic engine: plan specs and git
//! revisions, from the repository the command line would run in (`-C` included).

use std::ffi::OsStr;

use clap_complete::engine::CompletionCandidate;

use backout::complete::{self, Candidate};

fn candidates(found: Vec<Candidate>) -> Vec<CompletionCandidate> {
    found
        .into_iter()
        .map(|c| CompletionCandidate::new(c.value).help(Some(c.help.into())))
        .collect()
}

/// The directory the command line being completed would run in: the current one, or where
/// its `-C` options lead. The shell calls `backout -- backout WORDS...`.
fn here() -> std::path::PathBuf {
    let current = std::env::current_dir().unwrap_or_default();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let words = args
        .iter()
        .position(|arg| arg == "--")
        .and_then(|i| args.get(i + 2..))
        .unwrap_or_default();
    complete::start_dir(&current, words)
}

/// RELEASE and TEAM/RELEASE values.
pub fn plan_spec(current: &OsStr) -> Vec<CompletionCandidate> {
    candidates(complete::plan_specs(&here(), &current.to_string_lossy()))
}

/// HEAD, branches, remote branches and tags.
pub fn revision(current: &OsStr) -> Vec<CompletionCandidate> {
    candidates(complete::revisions(&here(), &current.to_string_lossy()))
}
