//! SARIF 2.1.0, for GitHub code scanning and other static-analysis dashboards.

use serde::Serialize;

use super::{Finding, Rule, Severity};

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
    column_kind: &'static str,
    results: Vec<SarifResult>,
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
    short_description: Text,
    help_uri: String,
    default_configuration: Configuration,
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
pub fn render_sarif(findings: &[Finding], rules: &[Rule]) -> String {
    let descriptors = rules
        .iter()
        .map(|rule| RuleDescriptor {
            id: rule.code(),
            short_description: Text {
                text: rule.summary().to_string(),
            },
            help_uri: crate::links::docs(&rule.doc_anchor()),
            default_configuration: Configuration {
                level: level(rule.severity()),
            },
        })
        .collect();
    let results = findings
        .iter()
        .map(|finding| SarifResult {
            rule_id: finding.rule.code(),
            rule_index: rules.iter().position(|r| *r == finding.rule).unwrap_or(0),
            level: level(finding.severity),
            message: Text {
                text: match &finding.help {
                    Some(help) => format!("{} (help: {help})", finding.message),
                    None => finding.message.clone(),
                },
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
                        end_column: finding.end_column,
                    },
                },
            }],
        })
        .collect();
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
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut text = super::escape::json(serde_json::to_string_pretty(&log).unwrap_or_default());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("plans/p/v1.5/plan.md"), "plans/p/v1.5/plan.md");
        assert_eq!(
            uri("my plans/ü/v#1%/plan.md"),
            "my%20plans/%C3%BC/v%231%25/plan.md"
        );
    }
}
