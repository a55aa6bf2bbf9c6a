//! SARIF 2.1.0, for GitHub code scanning and other static-analysis dashboards.
//!
//! Beyond the schema, it carries what GitHub's upload checks ask for: every rule with a
//! `name`, `fullDescription` and `help` (its docs/rules.md entry), every result with an
//! `endLine` and `partialFingerprints` (one per finding subject, never two alike), and at
//! most 25,000 results per run (the rest counted in a notification).

use std::collections::BTreeMap;

use serde::Serialize;

use super::fingerprint::{self, fingerprints};
use super::{Finding, Rule, Severity};

/// The most results GitHub code scanning accepts in one run.
pub const MAX_RESULTS: usize = 25_000;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = crate::links::PROJECT_URL;

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<RuleDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    partial_fingerprints: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

/// A repository-relative path as a URI reference: RFC 3986 path characters stay, the rest
/// (spaces, `%`, `#`, `?`, non-ASCII) is percent-encoded byte by byte.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte);
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Renders findings as a SARIF 2.1.0 log with one run; `rules` are the rules the run knows.
/// Past `MAX_RESULTS`, errors are kept before warnings and the rest are counted in a note.
pub fn render_sarif(findings: &[Finding], rules: &[Rule]) -> String {
    let descriptors = rules.iter().map(|rule| descriptor(*rule)).collect();
    let prints = fingerprints(findings);
    let mut kept: Vec<usize> = (0..findings.len()).collect();
    // Errors first, each group in its own order, when not everything fits.
    if kept.len() > MAX_RESULTS {
        kept.sort_by_key(|&i| findings[i].severity != Severity::Error);
        kept.truncate(MAX_RESULTS);
        kept.sort_unstable();
    }
    let results = kept
        .iter()
        .map(|&i| result(&findings[i], &prints[i], rules))
        .collect();
    let left_out = findings.len() - kept.len();
    let invocations = if left_out > 0 {
        vec![Invocation {
            execution_successful: true,
            tool_execution_notifications: vec![Notification {
                level: "warning",
                message: Text {
                    text: format!(
                        "{left_out} of {} results are left out: GitHub code scanning accepts at most {MAX_RESULTS} per run (errors were kept first). Run `backout check` for all of them.",
                        findings.len()
                    ),
                },
            }],
        }]
    } else {
        Vec::new()
    };
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "backout",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: descriptors,
                },
            },
            invocations,
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut text = super::escape::json(serde_json::to_string_pretty(&log).unwrap_or_default());
    text.push('\n');
    text
}

/// A finding's message as a SARIF plain-text message string, which is not quite plain: a
/// viewer replaces `{0}` with an argument (§3.11.5) and renders `[text](uri)` as a link
/// (§3.11.6). Messages quote plan text, so literal braces are doubled, as the specification
/// asks, and a `]` that would end the text of a link is escaped with a backslash: nothing a
/// plan says becomes a placeholder or a link.
fn plain_text(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 8);
    let mut backslashes = 0;
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' => out.push_str("{{"),
            '}' => out.push_str("}}"),
            // Escaped unless the backslashes before it already escape it.
            ']' if chars.peek() == Some(&'(') && backslashes % 2 == 0 => out.push_str("\\]"),
            _ => out.push(c),
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
    }
    out
}

fn descriptor(rule: Rule) -> RuleDescriptor {
    let docs = rule.docs();
    RuleDescriptor {
        id: rule.code(),
        name: rule.name(),
        short_description: Text {
            text: rule.summary().to_string(),
        },
        full_description: Text {
            text: docs
                .text
                .split("\n\n")
                .next()
                .unwrap_or_default()
                .to_string(),
        },
        help: Help {
            text: docs.text,
            markdown: docs.markdown,
        },
        help_uri: crate::links::docs(&rule.doc_anchor()),
        default_configuration: Configuration {
            level: level(rule.severity()),
        },
    }
}

fn result(finding: &Finding, fingerprint: &str, rules: &[Rule]) -> SarifResult {
    SarifResult {
        rule_id: finding.rule.code(),
        rule_index: rules.iter().position(|r| *r == finding.rule).unwrap_or(0),
        level: level(finding.severity),
        message: Text {
            text: plain_text(&match &finding.help {
                Some(help) => format!("{} (help: {help})", finding.message),
                None => finding.message.clone(),
            }),
        },
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: uri(&finding.file),
                    uri_base_id: "%SRCROOT%",
                },
                region: Region {
                    start_line: finding.line,
                    start_column: finding.column,
                    end_line: finding.line,
                    end_column: finding.end_column,
                },
            },
        }],
        partial_fingerprints: BTreeMap::from([(fingerprint::KEY, fingerprint.to_string())]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::SourceFile;

    #[test]
    fn caps_results_keeping_errors_and_says_so() {
        let text = "TODO ledger\n".repeat(MAX_RESULTS + 10);
        let file = SourceFile::new("plans/p/v1/plan.md", &text);
        let mut findings = vec![file.finding(Rule::ForeignRelease, 0..4, "w")];
        findings.extend((0..MAX_RESULTS + 10).map(|line| {
            let at = line * 12;
            file.finding(Rule::Placeholder, at..at + 4, "placeholder `TODO` left")
        }));
        let log: serde_json::Value =
            serde_json::from_str(&render_sarif(&findings, Rule::ALL)).unwrap_or_default();
        let run = &log["runs"][0];
        let results = run["results"].as_array().map_or(0, Vec::len);
        assert_eq!(results, MAX_RESULTS);
        assert!(
            run["results"]
                .as_array()
                .into_iter()
                .flatten()
                .all(|r| r["level"] == "error")
        );
        let note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap_or_default();
        assert!(
            note.starts_with("11 of 25011 results are left out"),
            "{note}"
        );
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("plans/p/v1.5/plan.md"), "plans/p/v1.5/plan.md");
        assert_eq!(
            uri("my plans/ü/v#1%/plan.md"),
            "my%20plans/%C3%BC/v%231%25/plan.md"
        );
    }
}
