//! What a plan's drill records say: `untested` (no passing `[tested]` and no passing drill
//! that counts), `drill-stale` (the Procedure changed since the last passing drill),
//! `drill-slow` (it took longer than `duration`), and `invalid-plan` for a record that
//! cannot be read.

use crate::clock;
use crate::diag::{Finding, Rule, SourceFile};
use crate::drill::{self, Content, Evidence, Found, Kind, Standing};
use crate::plan::{Plan, Status};

/// The drill findings of one plan.
pub fn check(
    file: &SourceFile<'_>,
    plan: &Plan,
    evidence: &Evidence<'_>,
    findings: &mut Vec<Finding>,
) {
    invalid_records(evidence, findings);
    let standing = evidence.standing();
    untested(file, plan, &standing, findings);
    if let Standing::Counts(found) = standing {
        stale(file, plan, found, findings);
        slow(file, plan, found, findings);
    }
}

fn invalid_records(evidence: &Evidence<'_>, findings: &mut Vec<Finding>) {
    for record in evidence.files {
        match &record.content {
            Content::Read {
                text,
                parsed: Err(problems),
            } => {
                let source = SourceFile::new(&record.path, text);
                for problem in problems {
                    let finding = source.finding(
                        Rule::InvalidPlan,
                        problem.span.clone(),
                        format!("drill record: {}", problem.message),
                    );
                    findings.push(match &problem.help {
                        Some(help) => finding.with_help(help.clone()),
                        None => finding,
                    });
                }
            }
            Content::Unreadable(finding) => findings.push(finding.clone()),
            Content::Read { parsed: Ok(_), .. } => {}
        }
    }
}

/// `2026-11-27 by Alex Doe on staging`.
fn describe(found: Found<'_>) -> String {
    let record = found.record;
    let day = clock::utc(record.at())
        .and_then(|d| d.date)
        .map_or_else(String::new, |d| d.to_string());
    let env = record
        .env
        .as_ref()
        .map(|env| format!(" on {env}"))
        .unwrap_or_default();
    format!("{day} by {}{env}, {}", record.by, found.path)
}

fn what(found: Found<'_>) -> &'static str {
    match found.record.kind {
        Kind::Drill => "the last passing drill",
        Kind::Incident => "the last time it was used for real",
    }
}

fn untested(
    file: &SourceFile<'_>,
    plan: &Plan,
    standing: &Standing<'_>,
    findings: &mut Vec<Finding>,
) {
    let status = plan.status();
    if !matches!(status, Status::Approved | Status::Published) {
        return;
    }
    let tested = plan
        .front
        .tested
        .as_ref()
        .and_then(|tested| tested.passed.as_ref())
        .is_some_and(|passed| passed.value);
    if tested || matches!(standing, Standing::Counts(_)) {
        return;
    }
    let message = match standing {
        Standing::Expired(found) => format!(
            "the plan is {status} but its last passing drill ({}) is older than `drill_max_age`",
            describe(*found)
        ),
        _ => format!("the plan is {status} but has no passing test"),
    };
    let span = plan.front.status.as_ref().map_or(0..0, |s| s.span.clone());
    findings.push(
        file.finding(Rule::Untested, span, message).with_help(
            "rehearse it (on staging, say) and record the drill with `backout drill`, or record it in the front matter, above any `[baseline]` table, as three lines: `[tested]`, `on = 2026-11-20` (the day you tried it) and `result = \"pass\"`",
        ),
    );
}

fn stale(file: &SourceFile<'_>, plan: &Plan, found: Found<'_>, findings: &mut Vec<Finding>) {
    if drill::procedure_hash(file.text(), &plan.body) == found.record.procedure {
        return;
    }
    let at = drill::procedure_heading(&plan.body).unwrap_or(plan.body_start..plan.body_start);
    findings.push(
        file.finding(
            Rule::DrillStale,
            at,
            format!(
                "the procedure changed since {} ({})",
                what(found),
                describe(found)
            ),
        )
        .with_help("rehearse the procedure as it is now with `backout drill`"),
    );
}

fn slow(file: &SourceFile<'_>, plan: &Plan, found: Found<'_>, findings: &mut Vec<Finding>) {
    let (Some(duration), Some(took)) = (&plan.front.duration, found.record.measured()) else {
        return;
    };
    if took <= duration.value {
        return;
    }
    let verb = match found.record.kind {
        Kind::Drill => "the last passing drill took",
        Kind::Incident => "the last real backout took",
    };
    findings.push(
        file.finding(
            Rule::DrillSlow,
            duration.span.clone(),
            format!(
                "{verb} {took}, longer than the {} `duration` says ({})",
                duration.value,
                describe(found)
            ),
        )
        .with_help(
            "make the procedure faster, or set `duration` to what it really takes (and check that it still fits the `window`)",
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::{MaxAge, RecordFile};
    use crate::duration::Duration;
    use crate::names::PlanId;

    const PLAN: &str = "+++\nteam = \"t\"\nrelease = \"v1\"\nstatus = \"published\"\nwindow = \"4h\"\nduration = \"30m\"\n+++\n\n## Procedure\n1. Roll back: `deploy api 1.0`\n";

    /// A record of a drill that followed `plan`, finished 2025-11-25T16:40:00Z, 40 minutes long
    /// with 5 of them paused.
    fn record(plan: &str, kind: &str, result: &str) -> RecordFile {
        let parsed = Plan::parse(plan, &PlanId::new("t", "v1"));
        let hash = drill::procedure_hash(plan, &parsed.body);
        let outcome = if result == "pass" { "done" } else { "failed" };
        RecordFile::read(
            "drills/a.toml".into(),
            format!(
                "kind = \"{kind}\"\nby = \"Ana\"\nstarted = 2025-11-25T16:00:00Z\nfinished = 2025-11-25T16:40:00Z\nresult = \"{result}\"\npaused = \"5m\"\nprocedure = \"{hash}\"\n[[steps]]\nnumber = 1\noutcome = \"{outcome}\"\nat = 2025-11-25T16:40:00Z\n"
            ),
        )
    }

    fn codes(
        plan: &str,
        files: &[RecordFile],
        max_age: Option<MaxAge>,
    ) -> Vec<(&'static str, String)> {
        let parsed = Plan::parse(plan, &PlanId::new("t", "v1"));
        let file = SourceFile::new("plan.md", plan);
        let mut findings = Vec::new();
        check(&file, &parsed, &Evidence { files, max_age }, &mut findings);
        findings
            .into_iter()
            .map(|f| (f.rule.code(), f.message))
            .collect()
    }

    #[test]
    fn a_passing_drill_is_a_test_and_is_weighed() {
        assert_eq!(codes(PLAN, &[], None)[0].0, "untested");
        let slow = codes(PLAN, &[record(PLAN, "drill", "pass")], None);
        assert_eq!(
            slow,
            [(
                "drill-slow",
                "the last passing drill took 35m, longer than the 30m `duration` says (2025-11-25 by Ana, drills/a.toml)".to_string()
            )]
        );
        let fast = PLAN.replace("30m", "35m");
        assert!(codes(&fast, &[record(&fast, "incident", "pass")], None).is_empty());
        let changed = fast.replace("1.0", "0.9");
        assert_eq!(
            codes(&changed, &[record(&fast, "incident", "pass")], None),
            [(
                "drill-stale",
                "the procedure changed since the last time it was used for real (2025-11-25 by Ana, drills/a.toml)".to_string()
            )]
        );
        assert_eq!(
            codes(&fast, &[record(&fast, "drill", "fail")], None)[0].0,
            "untested"
        );
    }

    #[test]
    fn an_expired_drill_counts_for_nothing() {
        let finished = 1_764_088_800; // 2025-11-25T16:40:00Z
        let max_age = |now| {
            Some(MaxAge {
                age: Duration::from_seconds(86_400),
                now,
            })
        };
        let files = [record(PLAN, "drill", "pass")];
        assert_eq!(
            codes(PLAN, &files, max_age(finished + 86_400))[0].0,
            "drill-slow"
        );
        assert_eq!(
            codes(PLAN, &files, max_age(finished + 86_401)),
            [(
                "untested",
                "the plan is published but its last passing drill (2025-11-25 by Ana, drills/a.toml) is older than `drill_max_age`".to_string()
            )]
        );
    }

    #[test]
    fn a_record_that_does_not_read_is_invalid() {
        let broken = RecordFile::read("drills/b.toml".into(), "kind = \"drill\"\nby = 3\n".into());
        let found = codes(&PLAN.replace("published", "draft"), &[broken], None);
        let messages: Vec<&str> = found.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(
            messages,
            [
                "drill record: `by` must be a string, not the integer 3",
                "drill record: `started` is missing",
                "drill record: `finished` is missing",
                "drill record: `result` is missing",
                "drill record: `procedure` is missing",
                "drill record: the record has no [[steps]]",
            ]
        );
        assert!(found.iter().all(|(code, _)| *code == "invalid-plan"));
    }
}
