//! The review rules for plan changes in pull requests: what may not change between the base
//! and the head version of a plan, beyond what `check` says of the head version.

use std::collections::HashMap;

use crate::diag::{Finding, Rule, SourceFile, unreadable_finding};
use crate::plan::{Plan, Status};

/// One version of a plan: where it is and what it says.
pub struct Version<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub plan: &'a Plan,
}

/// What changed for one plan between the base and the head revision.
pub struct PlanChange<'a> {
    /// The plan's own base version; `None` when it is new here.
    pub base: Option<Version<'a>>,
    /// The head version; `None` when it was deleted.
    pub head: Option<Version<'a>>,
    /// The status of the text the head version came from: the base version's, or that of
    /// the plan git sees it renamed from.
    pub source_status: Option<Status>,
    /// Where the plan went, when git sees it renamed into another release.
    pub moved_to: Option<&'a str>,
    /// Whether plan.md itself changed (content or path).
    pub plan_changed: bool,
    /// The manifest's path, when manifest.toml changed.
    pub manifest_changed: Option<&'a str>,
}

/// `published-changed` and `status-skipped` for one changed plan.
pub fn rules(change: &PlanChange<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(finding) = published_changed(change) {
        findings.push(finding.with_help(
            "revert the change; to change what production support follows, fork a new plan with `backout baseline` and publish it",
        ));
    }
    if let Some(finding) = status_skipped(change) {
        findings.push(finding.with_help(
            "set `status = \"approved\"` in one pull request, and publish in a later one",
        ));
    }
    findings
}

fn status_span(version: &Version<'_>) -> std::ops::Range<usize> {
    version
        .plan
        .front
        .status
        .as_ref()
        .map_or(0..0, |s| s.span.clone())
}

fn published_changed(change: &PlanChange<'_>) -> Option<Finding> {
    let base = change.base.as_ref()?;
    if base.plan.status() != Status::Published {
        return None;
    }
    let published = base
        .plan
        .front
        .published
        .as_ref()
        .and_then(|p| p.commit.as_ref())
        .map(|c| format!(" (from commit {})", short(&c.value)))
        .unwrap_or_default();
    // Line ends alone (a Windows editor, a .gitattributes rule) change no word of the page.
    let same_words = change
        .head
        .as_ref()
        .is_some_and(|head| head.path == base.path && same_but_line_ends(base.text, head.text));
    if change.plan_changed && !same_words {
        return Some(match (&change.head, change.moved_to) {
            (Some(head), _) => SourceFile::new(head.path, head.text).finding(
                Rule::PublishedChanged,
                status_span(head),
                format!("this plan was published{published} and must not change"),
            ),
            (None, Some(to)) => unreadable_finding(
                base.path,
                Rule::PublishedChanged,
                format!(
                    "this plan was published{published} and must not move (git sees it renamed to {to})"
                ),
            ),
            (None, None) => unreadable_finding(
                base.path,
                Rule::PublishedChanged,
                format!("this plan was published{published} and must not be deleted"),
            ),
        });
    }
    let manifest = change.manifest_changed?;
    Some(unreadable_finding(
        manifest,
        Rule::PublishedChanged,
        format!(
            "the manifest of a plan published{published} must not change: its page lists the items it had"
        ),
    ))
}

/// Whether two texts differ in their line ends (CRLF or LF), and in nothing else.
fn same_but_line_ends(a: &str, b: &str) -> bool {
    a != b && a.replace("\r\n", "\n") == b.replace("\r\n", "\n")
}

fn status_skipped(change: &PlanChange<'_>) -> Option<Finding> {
    let head = change.head.as_ref()?;
    if !change.plan_changed || head.plan.status() != Status::Published {
        return None;
    }
    let message = match change.source_status {
        None => "a new plan went straight to published, without being approved",
        Some(Status::Draft) => {
            "the plan went from draft to published in one change, without being approved"
        }
        Some(_) => return None,
    };
    Some(SourceFile::new(head.path, head.text).finding(
        Rule::StatusSkipped,
        status_span(head),
        message,
    ))
}

/// The findings of `head` that `base` did not have. Findings are compared by rule, file
/// name and subject, never by line: a plan that did not change keeps its lines, but one
/// that did would otherwise make every finding below an edit look new. Where a subject
/// has more findings at head than at base, the extra ones are new.
pub fn new_findings(base: &[Finding], head: Vec<Finding>) -> Vec<Finding> {
    let mut before: HashMap<Subject, usize> = HashMap::new();
    for finding in base {
        *before.entry(Subject::of(finding)).or_default() += 1;
    }
    head.into_iter()
        .filter(|finding| match before.get_mut(&Subject::of(finding)) {
            Some(count) if *count > 0 => {
                *count -= 1;
                false
            }
            _ => true,
        })
        .collect()
}

/// What a finding is about, independent of where it is: the rule, the file's name
/// (`plan.md` or `manifest.toml`), the first `quoted` name of its message (the item,
/// section or word it is about: `smoke`, `## Decision`) and the text it points at. The
/// rest of the message is left out, since it can change without the problem changing
/// (the releases an item belongs to, an item's version).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Subject {
    rule: Rule,
    file: String,
    quoted: String,
    text: String,
}

impl Subject {
    fn of(finding: &Finding) -> Subject {
        let file = finding
            .file
            .rsplit('/')
            .next()
            .unwrap_or(&finding.file)
            .to_string();
        let quoted = finding
            .message
            .split('`')
            .nth(1)
            .map(str::to_string)
            .unwrap_or_default();
        let snippet = &finding.snippet;
        let skip = finding.column.saturating_sub(snippet.first_column.max(1));
        let width = finding.end_column.saturating_sub(finding.column);
        let text: String = snippet.text.chars().skip(skip).take(width).collect();
        // With neither a quoted name nor a span, the message is all there is.
        let text = if quoted.is_empty() && text.trim().is_empty() {
            finding.message.clone()
        } else {
            text
        };
        Subject {
            rule: finding.rule,
            file,
            quoted,
            text,
        }
    }
}

fn short(commit: &str) -> &str {
    commit.get(..10).unwrap_or(commit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::PlanId;

    fn text(status: &str) -> String {
        format!(
            "+++\nteam = \"t\"\nrelease = \"v1\"\nstatus = \"{status}\"\nwindow = \"1h\"\nduration = \"1m\"\n+++\n"
        )
    }

    fn codes(base: Option<&str>, head: Option<&str>) -> Vec<&'static str> {
        let id = PlanId::new("t", "v1");
        let base_text = base.map(text);
        let head_text = head.map(text);
        let base_plan = base_text.as_deref().map(|t| Plan::parse(t, &id));
        let head_plan = head_text.as_deref().map(|t| Plan::parse(t, &id));
        let version = |text: &Option<String>, plan: &Option<Plan>| match (text, plan) {
            (Some(text), Some(plan)) => Some((text.clone(), plan.clone())),
            _ => None,
        };
        let base = version(&base_text, &base_plan);
        let head = version(&head_text, &head_plan);
        let base = base.as_ref().map(|(text, plan)| Version {
            path: "p",
            text,
            plan,
        });
        let head = head.as_ref().map(|(text, plan)| Version {
            path: "p",
            text,
            plan,
        });
        let change = PlanChange {
            source_status: base.as_ref().map(|b| b.plan.status()),
            base,
            head,
            moved_to: None,
            plan_changed: true,
            manifest_changed: None,
        };
        rules(&change).iter().map(|f| f.rule.code()).collect()
    }

    #[test]
    fn published_plans_are_final() {
        assert_eq!(
            codes(Some("published"), Some("published")),
            ["published-changed"]
        );
        assert_eq!(codes(Some("published"), None), ["published-changed"]);
        assert!(codes(Some("approved"), Some("published")).is_empty());
    }

    #[test]
    fn new_findings_are_compared_by_subject_not_line() {
        let base_text = "1. Restart `api`.\n2. Restart `db`.\n";
        let head_text =
            "0. Page the DBA.\n1. Restart `api`.\n2. Restart `db`.\n3. Check `db` again.\n";
        let findings = |path: &str, text: &str, ids: &[&str]| -> Vec<Finding> {
            let file = SourceFile::new(path, text);
            let mut out = Vec::new();
            for name in ids {
                let quoted = format!("`{name}`");
                for (at, _) in text.match_indices(&quoted) {
                    out.push(file.finding(
                        Rule::ForeignItem,
                        at + 1..at + quoted.len() - 1,
                        format!("`{name}` belongs to x/v{}", text.len()),
                    ));
                }
            }
            out.sort_by_key(|f| f.line);
            out
        };
        let base = findings("p/t/v1/plan.md", base_text, &["api", "db"]);
        let head = findings("p/t/v2/plan.md", head_text, &["api", "db"]);
        let new: Vec<(usize, String)> = new_findings(&base, head)
            .into_iter()
            .map(|f| {
                (
                    f.line,
                    f.message.split('`').nth(1).unwrap_or("").to_string(),
                )
            })
            .collect();
        // Moved lines and changed owners are the same problems; the second `db` is new.
        assert_eq!(new, [(4, "db".to_string())]);
    }

    #[test]
    fn publishing_needs_approval_first() {
        assert_eq!(codes(Some("draft"), Some("published")), ["status-skipped"]);
        assert_eq!(codes(None, Some("published")), ["status-skipped"]);
        assert!(codes(Some("draft"), Some("approved")).is_empty());
    }
}
