//! Machine-readable findings: one JSON object per run.

use serde::Serialize;

use super::{Finding, Tally};

/// The JSON document `--format json` prints.
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    /// Bumped when a field changes meaning or disappears.
    pub version: u32,
    pub plans_checked: usize,
    pub errors: usize,
    pub warnings: usize,
    pub findings: &'a [Finding],
}

/// Renders findings as a pretty-printed JSON document ending in a newline.
pub fn render_json(findings: &[Finding], plans_checked: usize) -> String {
    let tally = Tally::of(findings);
    let report = JsonReport {
        version: 1,
        plans_checked,
        errors: tally.errors,
        warnings: tally.warnings,
        findings,
    };
    let mut text = super::escape::json(serde_json::to_string_pretty(&report).unwrap_or_default());
    text.push('\n');
    text
}
