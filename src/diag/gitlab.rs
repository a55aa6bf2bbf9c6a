//! GitLab Code Quality reports (`artifacts: reports: codequality:`): a JSON array of issues,
//! each with `description`, `check_name`, `fingerprint`, `severity` and `location` (`path`,
//! `lines.begin`), as GitLab's merge-request widget and pipeline tab read them.

use serde::Serialize;

use super::fingerprint::fingerprints;
use super::{Finding, Severity};

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'static str,
    description: String,
    categories: [&'static str; 1],
    fingerprint: &'a str,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// GitLab's scale is info, minor, major, critical, blocker: an error fails the pipeline
/// (major), a warning does not (minor).
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
    }
}

/// Renders findings as a GitLab Code Quality report (pretty JSON, ending in a newline).
pub fn render_gitlab(findings: &[Finding]) -> String {
    let prints = fingerprints(findings);
    let issues: Vec<Issue<'_>> = findings
        .iter()
        .zip(&prints)
        .map(|(finding, fingerprint)| Issue {
            kind: "issue",
            check_name: finding.rule.code(),
            description: match &finding.help {
                Some(help) => format!("{} (help: {help})", finding.message),
                None => finding.message.clone(),
            },
            categories: ["Bug Risk"],
            fingerprint,
            severity: severity(finding.severity),
            location: Location {
                path: &finding.file,
                lines: Lines {
                    begin: finding.line,
                    end: finding.line,
                },
            },
        })
        .collect();
    // Like every JSON document: the hazards serde_json leaves raw as `\uXXXX`.
    let mut text =
        super::escape::json(serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".into()));
    text.push('\n');
    text
}
