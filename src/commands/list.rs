//! `backout list`: one row per plan with its status, baseline, items and findings.

use serde::Serialize;

use crate::commands::check;
use crate::diag::Finding;
use crate::drill;
use crate::error::Result;
use crate::workspace::Workspace;

/// One plan's row.
#[derive(Debug, Serialize)]
pub struct Row {
    pub team: String,
    pub release: String,
    /// `draft`, `approved`, `published`, or `invalid` when the status could not be read.
    pub status: String,
    pub baseline: Option<String>,
    pub items: Option<usize>,
    pub errors: usize,
    pub warnings: usize,
    /// The latest passing drill record (or real backout), as `check` counts it.
    pub drill: Option<drill::Summary>,
    /// The latest drill record of any result.
    pub last_drill: Option<drill::Summary>,
}

/// What `list` shows: a row per plan, and the directories that are not plans.
#[derive(Debug)]
pub struct Listing {
    pub rows: Vec<Row>,
    /// Directories `check` cannot use (bad names, symlinks out of the repository), reported
    /// as `check` reports them rather than left out silently.
    pub problems: Vec<Finding>,
}

pub fn run(workspace: &Workspace) -> Result<Listing> {
    let report = check::run(workspace, &[])?;
    let rows = report
        .plans
        .into_iter()
        .map(|plan| {
            let tally = plan.tally();
            Row {
                status: plan.status.map_or("invalid".to_string(), |s| s.to_string()),
                team: plan.id.team,
                release: plan.id.release,
                baseline: plan.baseline,
                items: plan.items,
                errors: tally.errors,
                warnings: tally.warnings,
                drill: plan.drills.passing,
                last_drill: plan.drills.last,
            }
        })
        .collect();
    Ok(Listing {
        rows,
        problems: report.problems,
    })
}
