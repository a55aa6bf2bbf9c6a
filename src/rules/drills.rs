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
            "rehearse it (on staging, say) and record the drill with `backout drill`, or record `[tested] on = <date>`, `result = \"pass\"`",
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
