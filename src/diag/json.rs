//! Machine-readable findings: one JSON object per run.

use serde::Serialize;

use super::{Finding, Rule, Suppressed, Tally};

/// Why a rule did not run (for a plan, or at all): said once, not as a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub rule: Rule,
    /// `TEAM/RELEASE`, when the note is about one plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    pub message: String,
}

/// The JSON document `--format json` prints.
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    /// Bumped when a field changes meaning or disappears.
    pub version: u32,
    pub plans_checked: usize,
    pub errors: usize,
    pub warnings: usize,
    pub findings: &'a [Finding],
    /// Findings silenced by `backout-ignore` comments, each with its `reason`; not in
    /// `findings`, `errors` or `warnings`.
    pub suppressed: &'a [Suppressed],
    /// Rules that did not run, and why.
    pub notes: &'a [Note],
    /// Published plans (`TEAM/RELEASE`) checked without their commit (a shallow clone),
    /// so without the rules that compare a plan with the manifests.
    pub unpinned: &'a [String],
}

/// Renders findings as a pretty-printed JSON document ending in a newline.
pub fn render_json(findings: &[Finding], plans_checked: usize) -> String {
    render_json_with_notes(findings, plans_checked, &[])
}

/// Like `render_json`, with the notes on rules that did not run.
pub fn render_json_with_notes(
    findings: &[Finding],
    plans_checked: usize,
    notes: &[Note],
) -> String {
    render_check_json(findings, &[], plans_checked, notes, &[])
}

/// The whole report of `check`: findings, the suppressed ones, and the notes.
pub fn render_check_json(
    findings: &[Finding],
    suppressed: &[Suppressed],
    plans_checked: usize,
    notes: &[Note],
    unpinned: &[String],
) -> String {
    let tally = Tally::of(findings);
    let report = JsonReport {
        version: 1,
        plans_checked,
        errors: tally.errors,
        warnings: tally.warnings,
        findings,
        suppressed,
        notes,
        unpinned,
    };
    let mut text = super::escape::json(serde_json::to_string_pretty(&report).unwrap_or_default());
    text.push('\n');
    text
}
