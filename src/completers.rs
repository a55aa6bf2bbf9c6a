//! The shell's value completers for clap_complete's dynamic engine: plan specs and git
//! revisions, from the repository of the current directory.

use std::ffi::OsStr;

use clap_complete::engine::CompletionCandidate;

use backout::complete::{self, Candidate};

fn candidates(found: Vec<Candidate>) -> Vec<CompletionCandidate> {
    found
        .into_iter()
        .map(|c| CompletionCandidate::new(c.value).help(Some(c.help.into())))
        .collect()
}

fn here() -> std::path::PathBuf {
    std::env::current_dir().unwrap_or_default()
}

/// RELEASE and TEAM/RELEASE values.
pub fn plan_spec(current: &OsStr) -> Vec<CompletionCandidate> {
    candidates(complete::plan_specs(&here(), &current.to_string_lossy()))
}

/// HEAD, branches, remote branches and tags.
pub fn revision(current: &OsStr) -> Vec<CompletionCandidate> {
    candidates(complete::revisions(&here(), &current.to_string_lossy()))
}
