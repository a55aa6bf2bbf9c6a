//! `foreign-team`: after a fork from a sibling team's plan, that team's name left anywhere
//! in the plan: in prose, but also in code (`payments-ic`), channels (`#payments-releases`)
//! and links (`https://wiki.example.com/payments/restore`), where the on-call engineer would
//! page, post to or follow the other team.

use std::ops::Range;

use pulldown_cmark::{Event, Tag};

use crate::diag::{Finding, Rule, SourceFile};
use crate::markdown;
use crate::names::{PlanId, Spec};
use crate::plan::Plan;
use crate::vocab::Vocabulary;

/// The team `[baseline] from` names, when it is not the plan's own.
fn source_team<'p>(plan: &'p Plan, id: &PlanId) -> Option<(&'p str, &'p str)> {
    let from = plan.front.baseline.as_ref()?.from.as_ref()?;
    Spec::parse(&from.value).ok()?;
    let (team, _) = from.value.split_once('/')?;
    (team != id.team).then_some((team, from.value.as_str()))
}

/// The parts of the body a reader sees or follows: everything but HTML comments.
fn visible_ranges(text: &str, body_start: usize) -> Vec<Range<usize>> {
    let Some(body) = text.get(body_start..) else {
        return Vec::new();
    };
    let mut comments: Vec<Range<usize>> = Vec::new();
    for (event, range) in markdown::parser(body).into_offset_iter() {
        let is_comment = match event {
            Event::Start(Tag::HtmlBlock) | Event::InlineHtml(_) => {
                body[range.clone()].trim_start().starts_with("<!--")
            }
            _ => false,
        };
        if is_comment {
            comments.push(range.start + body_start..range.end + body_start);
        }
    }
    let mut visible = Vec::new();
    let mut at = body_start;
    for comment in comments {
        if comment.start > at {
            visible.push(at..comment.start);
        }
        at = at.max(comment.end);
    }
    if at < text.len() {
        visible.push(at..text.len());
    }
    visible
}

/// Where `name` stands as a token in the ranges, ignoring ASCII case: not touching a letter
/// or digit, so `payments-ic`, `#payments-releases` and `/payments/` hold it, `repayments`
/// does not.
fn tokens(text: &str, ranges: &[Range<usize>], name: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let name = name.as_bytes();
    let mut found = Vec::new();
    let Some(&first) = name.first() else {
        return found;
    };
    for range in ranges {
        let end = range.end.min(bytes.len());
        let mut i = range.start;
        while i + name.len() <= end {
            let hit = bytes[i].eq_ignore_ascii_case(&first)
                && bytes[i..i + name.len()].eq_ignore_ascii_case(name)
                && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
                && bytes
                    .get(i + name.len())
                    .is_none_or(|b| !b.is_ascii_alphanumeric());
            if hit {
                found.push(i..i + name.len());
                i += name.len();
            } else {
                i += 1;
            }
        }
    }
    found
}

/// Whether `span` overlaps one of `spans`, which are sorted and do not overlap each other.
fn overlaps_any(span: &Range<usize>, spans: &[Range<usize>]) -> bool {
    let first_ending_after = spans.partition_point(|other| other.end <= span.start);
    spans
        .get(first_ending_after)
        .is_some_and(|other| other.start < span.end)
}

/// Every place the plan still names the sibling team it was forked from. Item ids (the
/// vocabulary's) are left to the item rules, and the plan's own team name is not the
/// sibling's even when it holds it (`payments-ic` forked from `payments`).
pub fn foreign_team(
    file: &SourceFile<'_>,
    id: &PlanId,
    plan: &Plan,
    vocabulary: &Vocabulary,
) -> Vec<Finding> {
    let Some((team, from)) = source_team(plan, id) else {
        return Vec::new();
    };
    let text = file.text();
    let ranges = visible_ranges(text, plan.body_start);
    let ids = vocabulary.find(text, &ranges);
    let own = tokens(text, &ranges, &id.team);
    let ids: Vec<Range<usize>> = ids.into_iter().map(|o| o.span).collect();
    tokens(text, &ranges, team)
        .into_iter()
        .filter(|span| !overlaps_any(span, &ids) && !overlaps_any(span, &own))
        .map(|span| {
            file.finding(
                Rule::ForeignTeam,
                span,
                format!(
                    "names {team}, the team this plan was forked from ({from}), not {}",
                    id.team
                ),
            )
            .with_help(format!(
                "rewrite it for {}: its people, channels, commands and runbooks; if {team} is meant, say why in a `<!-- backout-ignore foreign-team: REASON -->` comment on the line above",
                id.team
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_name_in_code_channels_and_links_but_not_in_comments_or_words() {
        let text = "+++\n+++\n# Payments plan\n<!-- payments, hidden -->\nPost in #payments-releases; page `payments-ic`.\nSee [restore](https://wiki.example.com/payments/restore). Not repayments or paymentsx.\n";
        let ranges = visible_ranges(text, 8);
        let found: Vec<&str> = tokens(text, &ranges, "payments")
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(found, ["Payments", "payments", "payments", "payments"]);
    }
}
