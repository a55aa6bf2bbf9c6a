//! What the shell completes (clap_complete's dynamic engine asks through `COMPLETE=`): plan
//! specs from the plans directory and git revisions from the repository. Completion never
//! fails loudly: outside a repository, or with a broken backout.toml, there is nothing to
//! offer.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::repo::Repo;
use crate::workspace::Workspace;

/// One completion: the value and a short help shown beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub value: String,
    pub help: &'static str,
}

/// The directory the typed command line would run in: each `-C DIR` before the command
/// taken relative to the one before, as `backout` itself does (an empty DIR changes
/// nothing). `words` are the words after the program's name.
pub fn start_dir(current: &Path, words: &[OsString]) -> PathBuf {
    let mut dir = current.to_path_buf();
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let Some(text) = word.to_str() else {
            break;
        };
        let value = match text {
            "-C" => words.next().cloned(),
            "--color" => {
                words.next();
                continue;
            }
            // `-CDIR` and `-C=DIR`, as clap reads them.
            _ if text.starts_with("-C") => {
                let value = &text[2..];
                Some(OsString::from(value.strip_prefix('=').unwrap_or(value)))
            }
            _ if text.starts_with('-') => continue,
            // The command: what follows is its own.
            _ => break,
        };
        if let Some(next) = value.filter(|next| !next.is_empty()) {
            dir = dir.join(next);
        }
    }
    dir
}

/// Plan specs starting with `prefix`: `TEAM/RELEASE` for every release directory, and the
/// bare `RELEASE` for the default team's, newest release first.
pub fn plan_specs(dir: &Path, prefix: &str) -> Vec<Candidate> {
    let Ok(workspace) = Workspace::open(dir) else {
        return Vec::new();
    };
    let Ok(catalog) = workspace.catalog_with_plans() else {
        return Vec::new();
    };
    let default_team = workspace.default_team(&catalog).ok();
    let mut bare = Vec::new();
    let mut full = Vec::new();
    for (team, releases) in &catalog.teams {
        for release in releases.iter().rev() {
            let help = match (release.has_plan(), release.has_manifest) {
                (true, _) => "plan",
                (false, true) => "manifest, no plan yet",
                (false, false) => "release directory",
            };
            if default_team.as_deref() == Some(team.as_str()) {
                bare.push(Candidate {
                    value: release.name.clone(),
                    help,
                });
            }
            full.push(Candidate {
                value: format!("{team}/{}", release.name),
                help,
            });
        }
    }
    bare.into_iter()
        .chain(full)
        .filter(|c| c.value.starts_with(prefix))
        .collect()
}

/// Git revisions starting with `prefix`: HEAD, local and remote branches, and tags.
pub fn revisions(dir: &Path, prefix: &str) -> Vec<Candidate> {
    let Ok(repo) = Repo::discover(dir) else {
        return Vec::new();
    };
    let mut out = vec![Candidate {
        value: "HEAD".into(),
        help: "the checked-out commit",
    }];
    if let Ok(references) = repo.git().references() {
        for reference in references.flatten() {
            let (Ok(name), Ok(short)) = (reference.name(), reference.shorthand()) else {
                continue;
            };
            let help = if name.starts_with("refs/heads/") {
                "branch"
            } else if name.starts_with("refs/remotes/") {
                if short.ends_with("/HEAD") {
                    continue;
                }
                "remote branch"
            } else if name.starts_with("refs/tags/") {
                "tag"
            } else {
                continue;
            };
            out.push(Candidate {
                value: short.to_string(),
                help,
            });
        }
    }
    out.retain(|c| c.value.starts_with(prefix));
    out
}
