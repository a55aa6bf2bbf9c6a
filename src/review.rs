//! The review rules for plan changes in pull requests: what may not change between the base
//! and the head version of a plan, beyond what `check` says of the head version.

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
    if change.plan_changed {
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
    fn publishing_needs_approval_first() {
        assert_eq!(codes(Some("draft"), Some("published")), ["status-skipped"]);
        assert_eq!(codes(None, Some("published")), ["status-skipped"]);
        assert!(codes(Some("draft"), Some("approved")).is_empty());
    }
}
