//! `backout list`: one row per plan with its status, baseline, items and findings.

use serde::Serialize;

use crate::commands::check;
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

pub fn run(workspace: &Workspace) -> Result<Vec<Row>> {
    let report = check::run(workspace, &[])?;
    Ok(report
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
        .collect())
}
