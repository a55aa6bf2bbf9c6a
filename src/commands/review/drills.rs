//! Drill records a change adds, edits or removes: evidence that a plan was tried, shown
//! beside the plans, not as plan changes.

use crate::diag::{Finding, Rule, SourceFile};
use crate::drill;
use crate::names::{PlanId, is_valid_name};
use crate::repo::Change;

use super::snapshot::Snapshot;

/// A drill record that changed between the two revisions.
#[derive(Debug)]
pub struct DrillEvidence {
    pub id: PlanId,
    pub path: String,
    pub change: Change,
    /// What the head version records, when it reads.
    pub summary: Option<drill::Summary>,
    /// Why the head version does not read (`invalid-plan`).
    pub findings: Vec<Finding>,
}

pub(super) use crate::drill::is_record_name;

/// The release whose drill record `path` is.
fn drill_file(plans_dir: &str, path: &str) -> Option<PlanId> {
    let rest = path.strip_prefix(plans_dir)?.strip_prefix('/')?;
    let mut parts = rest.split('/');
    let (team, release, dir, name) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let valid = parts.next().is_none()
        && dir == drill::DIR
        && is_record_name(name)
        && is_valid_name(team)
        && is_valid_name(release);
    valid.then(|| PlanId::new(team, release))
}

/// A drill record the change touched, as evidence: what its head version records.
pub(super) fn drill_evidence(
    new: &mut Snapshot<'_>,
    change: &crate::repo::FileChange,
) -> Option<DrillEvidence> {
    let plans_dir = new.config.plans_dir.clone();
    let (id, path) = match (&change.new_path, &change.old_path) {
        (Some(path), _) if change.change != Change::Deleted => {
            (drill_file(&plans_dir, path)?, path.clone())
        }
        (_, Some(path)) => (drill_file(&plans_dir, path)?, path.clone()),
        _ => return None,
    };
    let mut evidence = DrillEvidence {
        id,
        path: path.clone(),
        change: change.change,
        summary: None,
        findings: Vec::new(),
    };
    if change.change == Change::Deleted {
        return Some(evidence);
    }
    let record = new.record(path);
    match &record.content {
        drill::Content::Read {
            parsed: Ok(found), ..
        } => {
            evidence.summary = Some(drill::Summary::of(drill::Found {
                path: &record.path,
                record: found,
            }));
        }
        drill::Content::Read {
            text,
            parsed: Err(problems),
        } => {
            let file = SourceFile::new(&record.path, text);
            for problem in problems {
                let finding = file.finding(
                    Rule::InvalidPlan,
                    problem.span.clone(),
                    format!("drill record: {}", problem.message),
                );
                evidence.findings.push(match &problem.help {
                    Some(help) => finding.with_help(help.clone()),
                    None => finding,
                });
            }
        }
        drill::Content::Unreadable(finding) => evidence.findings.push(finding.clone()),
    }
    Some(evidence)
}
