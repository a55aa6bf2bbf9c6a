//! Directories under the plans directory that `check` cannot use (a team or release name
//! that is not a name) and that the change brought: `check` fails on them after the merge,
//! so review reports them as well, under the directory, as `check` does.

use std::collections::BTreeMap;

use crate::diag::{Finding, Rule, unreadable_finding};
use crate::error::Result;
use crate::names::{PlanId, name_problem};
use crate::repo::{Change, FileChange};
use crate::workspace::{MANIFEST_FILE, PLAN_FILE};

use super::ReviewedPlan;
use super::snapshot::Snapshot;

/// One unusable directory at head, and what `check` says of it.
struct Bad {
    id: PlanId,
    has_plan: bool,
    finding: Finding,
}

/// The unusable directories the change added files to, that were not already unusable at
/// base (a plan is not blamed for what was red before it).
pub(super) fn bad_directories(
    old: &mut Snapshot<'_>,
    new: &mut Snapshot<'_>,
    changes: &[FileChange],
) -> Result<Vec<ReviewedPlan>> {
    let plans_dir = new.config.plans_dir.clone();
    let mut bad: BTreeMap<String, Bad> = BTreeMap::new();
    for path in changes.iter().filter_map(|c| c.new_path.as_deref()) {
        let Some(rest) = path
            .strip_prefix(plans_dir.as_str())
            .and_then(|r| r.strip_prefix('/'))
        else {
            continue;
        };
        let parts: Vec<&str> = rest.split('/').collect();
        // A file directly in a directory (`plans/README.md`) names no directory.
        let Some((&team, below)) = parts.split_first().filter(|(_, below)| !below.is_empty())
        else {
            continue;
        };
        if team.starts_with('.') {
            continue;
        }
        let (dir, name, id) = if name_problem(team).is_some() {
            (format!("{plans_dir}/{team}"), team, PlanId::new(team, ""))
        } else {
            let release = below[0];
            if below.len() < 2 || release.starts_with('.') || name_problem(release).is_none() {
                continue;
            }
            (
                format!("{plans_dir}/{team}/{release}"),
                release,
                PlanId::new(team, release),
            )
        };
        if bad.contains_key(&dir) {
            continue;
        }
        let is_release = !id.release.is_empty();
        let (has_plan, usable) = files_at(new, &dir)?;
        // As in the work tree: a release-level directory without a plan or manifest is not a
        // release (a folder of notes), so not a problem.
        if is_release && !usable {
            continue;
        }
        let at_base = files_at(old, &dir)?;
        if (is_release && at_base.1) || (!is_release && exists(old, &dir)?) {
            continue;
        }
        let message = if not_utf8(new, &dir)? {
            // As `check` says it of the directory in the work tree.
            let parent = dir.rsplit_once('/').map_or("", |(parent, _)| parent);
            format!(
                "the name of a directory in {parent}/ is not valid UTF-8; rename it to letters, digits, `.`, `_` and `-`"
            )
        } else {
            let problem = name_problem(name).unwrap_or_default();
            format!(
                "directory name `{name}` {problem}; rename it to letters, digits, `.`, `_` and `-`"
            )
        };
        let finding = unreadable_finding(&dir, Rule::InvalidPlan, message);
        bad.insert(
            dir,
            Bad {
                id,
                has_plan,
                finding,
            },
        );
    }
    Ok(bad
        .into_iter()
        .map(|(dir, bad)| ReviewedPlan {
            id: bad.id,
            change: Some(Change::Added),
            has_plan: bad.has_plan,
            path: dir,
            renamed_from: None,
            moved_to: None,
            manifest_changed: false,
            caused_by_change: false,
            diff: None,
            fork: None,
            findings: vec![bad.finding],
        })
        .collect())
}

/// Whether a directory of the snapshot holds a plan, and whether it holds a plan or a
/// manifest.
fn files_at(snapshot: &mut Snapshot<'_>, dir: &str) -> Result<(bool, bool)> {
    let Some(tree) = dir_tree(snapshot, dir)? else {
        return Ok((false, false));
    };
    let git = |e: crate::repo::ObjectError| e.while_("cannot list the plans at a revision");
    let plan = snapshot
        .files
        .file_in(tree, PLAN_FILE)
        .map_err(git)?
        .is_some();
    let manifest = snapshot
        .files
        .file_in(tree, MANIFEST_FILE)
        .map_err(git)?
        .is_some();
    Ok((plan, plan || manifest))
}

fn exists(snapshot: &mut Snapshot<'_>, dir: &str) -> Result<bool> {
    Ok(dir_tree(snapshot, dir)?.is_some())
}

/// The tree of `dir` in the snapshot. Its names come from the paths of changes, where a name
/// that is not UTF-8 is shown with U+FFFD: such a part is found by how it is shown.
fn dir_tree(snapshot: &mut Snapshot<'_>, dir: &str) -> Result<Option<git2::Oid>> {
    let git = |e: crate::repo::ObjectError| e.while_("cannot list the plans at a revision");
    let mut current = snapshot.tree;
    for part in dir.split('/').filter(|p| !p.is_empty()) {
        current = match snapshot.files.tree_at(current, part).map_err(git)? {
            Some(tree) => tree,
            None => match snapshot.files.entry_not_utf8(current, part).map_err(git)? {
                Some((tree, true)) => tree,
                _ => return Ok(None),
            },
        };
    }
    Ok(Some(current))
}

/// Whether the last name of `dir` is one that is not UTF-8 in the snapshot.
fn not_utf8(snapshot: &mut Snapshot<'_>, dir: &str) -> Result<bool> {
    let Some((parent, name)) = dir.rsplit_once('/') else {
        return Ok(false);
    };
    let Some(tree) = dir_tree(snapshot, parent)? else {
        return Ok(false);
    };
    Ok(snapshot.is_not_utf8(tree, name))
}
