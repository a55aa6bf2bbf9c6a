//! Rules about the names of the team's releases in a plan.

use std::ops::Range;

use crate::diag::{Finding, Rule, SourceFile};
use crate::names::PlanId;

/// `foreign-release` in the title: a level-1 heading naming a release of the team other than
/// the plan's own, the previous release included (a v1.5 plan titled `payments v1.4`).
pub fn title_names_another(
    file: &SourceFile<'_>,
    id: &PlanId,
    span: Range<usize>,
    name: &str,
) -> Finding {
    file.finding(
        Rule::ForeignRelease,
        span,
        format!(
            "the title names release {name} of {}, but this plan is for {}",
            id.team, id.release
        ),
    )
    .with_help(format!(
        "write {} in the title; steps may name the release a rollback returns to, the title names this plan's own",
        id.release
    ))
}
