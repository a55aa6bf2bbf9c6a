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

/// `published-changed` and `status-skipped` for a plan that differs between base and head.
/// `base` is `None` for a new plan, `head` is `None` for a deleted one.
pub fn rules(base: Option<&Version<'_>>, head: Option<&Version<'_>>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let base_status = base.map(|b| b.plan.status());
    if base_status == Some(Status::Published) {
        let published = base
            .and_then(|b| b.plan.front.published.as_ref())
            .and_then(|p| p.commit.as_ref())
            .map(|c| format!(" (from commit {})", short(&c.value)))
            .unwrap_or_default();
        let finding = match (base, head) {
            (_, Some(head)) => {
                let file = SourceFile::new(head.path, head.text);
                let span = head
                    .plan
                    .front
                    .status
                    .as_ref()
                    .map_or(0..0, |s| s.span.clone());
                file.finding(
                    Rule::PublishedChanged,
                    span,
                    format!("this plan was published{published} and must not change"),
                )
            }
            (Some(base), None) => unreadable_finding(
                base.path,
                Rule::PublishedChanged,
                format!("this plan was published{published} and must not be deleted"),
            ),
            (None, None) => return findings,
        };
        findings.push(finding.with_help(
            "revert the change; to change what production support follows, fork a new plan with `backout baseline` and publish it",
        ));
    }
    if let Some(head) = head {
        let skipped = head.plan.status() == Status::Published
            && matches!(base_status, None | Some(Status::Draft));
        if skipped {
            let file = SourceFile::new(head.path, head.text);
            let span = head
                .plan
                .front
                .status
                .as_ref()
                .map_or(0..0, |s| s.span.clone());
            let message = if base_status.is_some() {
                "the plan went from draft to published in one change, without being approved"
            } else {
                "a new plan went straight to published, without being approved"
            };
            findings.push(file.finding(Rule::StatusSkipped, span, message).with_help(
                "set `status = \"approved\"` in one pull request, and publish in a later one",
            ));
        }
    }
    findings
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
        rules(base.as_ref(), head.as_ref())
            .iter()
            .map(|f| f.rule.code())
            .collect()
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
