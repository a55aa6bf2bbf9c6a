//! `<!-- backout-ignore RULE: reason -->`: silencing one finding where the plan is right
//! and the rule cannot know it (a tool's version next to an item, a sibling team named on
//! purpose). A comment on a line of its own applies to the block after it: a paragraph, a
//! heading, a table, a code block or one list item (one procedure step). A comment at the
//! end of a line of text applies to that line and the next. `invalid-plan` is never
//! silenced: a plan that cannot be read cannot be trusted. Suppressed findings are kept,
//! with their reason, so reports can count and show them; they fail nothing.
//!
//! A comment that names no rule, an unknown rule or `invalid-plan`, gives no reason, or
//! silences nothing is itself reported (`unused-ignore`), so a typo never hides quietly.

use std::ops::{Range, RangeInclusive};

use pulldown_cmark::{Event, Tag};

use crate::diag::{Finding, Rule, SourceFile, Suppressed};
use crate::fields::did_you_mean;
use crate::markdown;

/// The word that starts a directive inside an HTML comment.
const KEYWORD: &str = "backout-ignore";

/// One `backout-ignore` comment.
#[derive(Debug)]
struct Directive {
    /// The comment, `<!--` to `-->`.
    span: Range<usize>,
    rules: Vec<Rule>,
    reason: String,
    /// What is wrong with it, if anything: it then silences nothing.
    problem: Option<(String, String)>,
    /// Whether it stands on a line of its own (then it applies to the next block).
    own_line: bool,
    /// The 1-based lines it applies to, once known.
    lines: Option<RangeInclusive<usize>>,
    used: bool,
}

/// Parses the inside of a comment; `None` when it is not a directive at all.
fn parse(span: Range<usize>, comment: &str, own_line: bool) -> Option<Directive> {
    let inner = comment
        .strip_prefix("<!--")?
        .strip_suffix("-->")
        .unwrap_or_default()
        .trim();
    let rest = inner.strip_prefix(KEYWORD)?;
    if !(rest.is_empty() || rest.starts_with(|c: char| c.is_whitespace() || c == ':')) {
        return None;
    }
    let mut directive = Directive {
        span,
        rules: Vec::new(),
        reason: String::new(),
        problem: None,
        own_line,
        lines: None,
        used: false,
    };
    let (names, reason) = rest.split_once(':').unwrap_or((rest, ""));
    directive.reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    let codes: Vec<&str> = Rule::ALL.iter().map(|rule| rule.code()).collect();
    for name in names
        .split([',', ' ', '\t', '\n', '\r'])
        .filter(|n| !n.is_empty())
    {
        match Rule::from_code(name) {
            Some(Rule::InvalidPlan) => {
                directive.problem = Some((
                    "`invalid-plan` cannot be ignored".into(),
                    "fix the plan: a plan that cannot be read cannot be trusted during an incident"
                        .into(),
                ));
            }
            Some(Rule::BidiControl) => {
                directive.problem = Some((
                    "`bidi-control` cannot be ignored".into(),
                    "delete the bidirectional control: a line that shows in another order than it runs cannot be trusted during an incident"
                        .into(),
                ));
            }
            Some(rule) => directive.rules.push(rule),
            None => {
                let hint = match did_you_mean(name, &codes) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!(
                        "name one of the rules (`{}`)",
                        Rule::ALL
                            .iter()
                            .filter(|r| is_ignorable(**r))
                            .map(|r| r.code())
                            .collect::<Vec<_>>()
                            .join("`, `")
                    ),
                };
                directive.problem = Some((format!("`{name}` is not a rule"), hint));
            }
        }
    }
    if directive.problem.is_none() && directive.rules.is_empty() {
        directive.problem = Some((
            "the comment names no rule".into(),
            "write `<!-- backout-ignore RULE: why the plan is right here -->`".into(),
        ));
    }
    if directive.problem.is_none() && directive.reason.is_empty() {
        directive.problem = Some((
            "the comment gives no reason".into(),
            "say why the plan is right here, after a colon: `<!-- backout-ignore stale-version: kubectl's version, not the item's -->`".into(),
        ));
    }
    Some(directive)
}

/// Whether findings of `rule` may be silenced.
fn is_ignorable(rule: Rule) -> bool {
    !matches!(
        rule,
        Rule::InvalidPlan | Rule::UnusedIgnore | Rule::BidiControl
    )
}

/// Every `<!-- ... -->` in `text`, with its offset.
fn comments(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at + text.get(at..)?.find("<!--")?;
        let end = text[start..]
            .find("-->")
            .map_or(text.len(), |i| start + i + 3);
        at = end;
        Some((start, &text[start..end]))
    })
}

/// The directives of a body, each with the lines it applies to.
fn directives(file: &SourceFile<'_>, body_start: usize) -> Vec<Directive> {
    let text = file.text();
    let Some(body) = text.get(body_start..) else {
        return Vec::new();
    };
    let mut found: Vec<Directive> = Vec::new();
    // Own-line directives waiting for the block they apply to.
    let mut waiting: Vec<usize> = Vec::new();
    for (event, range) in markdown::parser(body).into_offset_iter() {
        let range = range.start + body_start..range.end + body_start;
        match event {
            Event::Start(Tag::HtmlBlock) => {
                for (offset, comment) in comments(&text[range.clone()]) {
                    let start = range.start + offset;
                    if let Some(d) = parse(start..start + comment.len(), comment, true) {
                        waiting.push(found.len());
                        found.push(d);
                    }
                }
            }
            Event::InlineHtml(comment) if comment.starts_with("<!--") => {
                if let Some(mut d) = parse(range.clone(), &comment, false) {
                    let first = file.line_number(range.start);
                    let last = file.line_number(range.end.saturating_sub(1).max(range.start));
                    d.lines = Some(first..=last + 1);
                    found.push(d);
                }
            }
            Event::Start(
                Tag::Paragraph
                | Tag::Heading { .. }
                | Tag::CodeBlock(_)
                | Tag::Item
                | Tag::Table(_)
                | Tag::BlockQuote(_)
                | Tag::FootnoteDefinition(_),
            ) if !waiting.is_empty() => {
                let first = file.line_number(range.start);
                let last = file.line_number(range.end.saturating_sub(1).max(range.start));
                for index in waiting.drain(..) {
                    if let Some(d) = found.get_mut(index) {
                        d.lines = Some(first..=last);
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// For each finding, the directive that silences it, if any: of the valid directives naming
/// its rule whose lines hold it, the one whose lines start last (the nearest above it). One
/// sweep per rule over directives and findings sorted by line, so thousands of each stay
/// cheap.
fn silencers(path: &str, directives: &[Directive], findings: &[Finding]) -> Vec<Option<usize>> {
    use std::collections::{BinaryHeap, HashMap};

    let mut silencers = vec![None; findings.len()];
    // Per rule: the directives' (first line, last line, index), and the findings' (line, index).
    let mut scopes: HashMap<Rule, Vec<(usize, usize, usize)>> = HashMap::new();
    for (index, directive) in directives.iter().enumerate() {
        let (None, Some(lines)) = (&directive.problem, &directive.lines) else {
            continue;
        };
        for rule in &directive.rules {
            scopes
                .entry(*rule)
                .or_default()
                .push((*lines.start(), *lines.end(), index));
        }
    }
    let mut lines: HashMap<Rule, Vec<(usize, usize)>> = HashMap::new();
    for (index, finding) in findings.iter().enumerate() {
        if finding.file == path && is_ignorable(finding.rule) && scopes.contains_key(&finding.rule)
        {
            lines
                .entry(finding.rule)
                .or_default()
                .push((finding.line, index));
        }
    }
    for (rule, mut at) in lines {
        let Some(mut rule_scopes) = scopes.remove(&rule) else {
            continue;
        };
        rule_scopes.sort_unstable();
        at.sort_unstable();
        let mut next = 0;
        // The scopes begun so far, the latest begun on top. One that has ended is dropped
        // when it comes to the top: lines only grow, so it never applies again.
        let mut open: BinaryHeap<(usize, usize, usize)> = BinaryHeap::new();
        for (line, finding) in at {
            while let Some(&(first, last, directive)) = rule_scopes.get(next) {
                if first > line {
                    break;
                }
                open.push((first, last, directive));
                next += 1;
            }
            while open.peek().is_some_and(|(_, last, _)| *last < line) {
                open.pop();
            }
            if let Some((_, _, directive)) = open.peek() {
                silencers[finding] = Some(*directive);
            }
        }
    }
    silencers
}

/// Takes the findings of the plan `file` that a directive silences out of `findings`, and
/// adds an `unused-ignore` finding for each directive that is wrong or silences nothing.
pub fn apply(
    file: &SourceFile<'_>,
    body_start: usize,
    findings: &mut Vec<Finding>,
) -> Vec<Suppressed> {
    // Most plans have no directive: one substring search, no second parse.
    if !file.text().contains(KEYWORD) {
        return Vec::new();
    }
    let mut directives = directives(file, body_start);
    if directives.is_empty() {
        return Vec::new();
    }
    // While the plan or its manifest cannot be read, the rules that need them did not run:
    // a comment silencing nothing then proves nothing.
    let rules_ran = !findings.iter().any(|f| f.rule == Rule::InvalidPlan);
    let silencers = silencers(file.path(), &directives, findings);
    let mut suppressed = Vec::new();
    let mut kept = Vec::with_capacity(findings.len());
    for (finding, silencer) in findings.drain(..).zip(silencers) {
        match silencer.and_then(|index| directives.get_mut(index)) {
            Some(directive) => {
                directive.used = true;
                suppressed.push(Suppressed {
                    reason: directive.reason.clone(),
                    finding,
                });
            }
            None => kept.push(finding),
        }
    }
    for directive in &directives {
        let (message, help) = match &directive.problem {
            Some(problem) => problem.clone(),
            None if directive.used || !rules_ran => continue,
            None => {
                let rules = directive
                    .rules
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(" or ");
                let place = if directive.own_line {
                    "the block below it"
                } else {
                    "its line or the next"
                };
                (
                    format!(
                        "this backout-ignore comment silences nothing: no {rules} finding in {place}"
                    ),
                    "remove the comment, or move it onto the line above the finding".into(),
                )
            }
        };
        kept.push(
            file.finding(Rule::UnusedIgnore, directive.span.clone(), message)
                .with_help(help),
        );
    }
    *findings = kept;
    suppressed.sort_by_key(|s| (s.finding.line, s.finding.column, s.finding.rule));
    suppressed
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = "## Procedure
<!-- backout-ignore stale-version: kubectl's and Java's versions, not the items' -->
1. Install kubectl 1.28 and Java 17.0.2
   on the bastion: `apt install kubectl`
2. Roll back to 2.2.9: `helm rollback payments-api 41`

Check TLS 1.2 <!-- backout-ignore stale-version, foreign-release: the protocol -->
and 1.3 on the load balancer.
And 9.9 here.
";

    /// A finding of `rule` on each 1-based line.
    fn findings(file: &SourceFile<'_>, at: &[(Rule, usize)]) -> Vec<Finding> {
        at.iter()
            .map(|(rule, line)| {
                let start = file
                    .text()
                    .split_inclusive('\n')
                    .take(line - 1)
                    .map(str::len)
                    .sum::<usize>();
                file.finding(*rule, start..start + 1, "m")
            })
            .collect()
    }

    fn lines(findings: &[Finding]) -> Vec<(Rule, usize)> {
        findings.iter().map(|f| (f.rule, f.line)).collect()
    }

    #[test]
    fn silences_the_next_block_or_the_line_and_the_next() {
        let file = SourceFile::new("p.md", PLAN);
        let mut all = findings(
            &file,
            &[
                (Rule::StaleVersion, 3),
                (Rule::StaleVersion, 4),
                (Rule::StaleVersion, 5),
                (Rule::ForeignItem, 3),
                (Rule::StaleVersion, 7),
                (Rule::StaleVersion, 8),
                (Rule::StaleVersion, 9),
            ],
        );
        let suppressed = apply(&file, 0, &mut all);
        assert_eq!(
            suppressed
                .iter()
                .map(|s| (s.finding.line, s.reason.as_str()))
                .collect::<Vec<_>>(),
            [
                (3, "kubectl's and Java's versions, not the items'"),
                (4, "kubectl's and Java's versions, not the items'"),
                (7, "the protocol"),
                (8, "the protocol"),
            ]
        );
        // Step 2 is another block, line 9 past the line after the comment; the rule named
        // is not foreign-item.
        assert_eq!(
            lines(&all),
            [
                (Rule::StaleVersion, 5),
                (Rule::ForeignItem, 3),
                (Rule::StaleVersion, 9),
            ]
        );
    }

    #[test]
    fn invalid_plan_is_never_silenced_and_bad_comments_are_reported() {
        let text = "<!-- backout-ignore invalid-plan: it is fine -->
Para one.

<!-- backout-ignore stale-versoin: typo -->
Para two.

<!-- backout-ignore stale-version -->
Para three.

<!-- backout-ignore placeholder: nothing here to silence -->
Para four.

<!-- a plain comment, backout-ignore aside -->
";
        let file = SourceFile::new("p.md", text);
        let mut all = findings(
            &file,
            &[
                (Rule::InvalidPlan, 2),
                (Rule::StaleVersion, 5),
                (Rule::StaleVersion, 8),
            ],
        );
        let suppressed = apply(&file, 0, &mut all);
        assert!(suppressed.is_empty());
        let reported: Vec<(usize, &str, Option<&str>)> = all
            .iter()
            .filter(|f| f.rule == Rule::UnusedIgnore)
            .map(|f| (f.line, f.message.as_str(), f.help.as_deref()))
            .collect();
        // The invalid-plan finding means the other rules may not have run: a comment that
        // silences nothing is then not reported, a wrong one still is.
        assert_eq!(reported.len(), 3, "{reported:?}");
        assert_eq!(reported[0].1, "`invalid-plan` cannot be ignored");
        assert_eq!(reported[1].1, "`stale-versoin` is not a rule");
        assert_eq!(reported[1].2, Some("did you mean `stale-version`?"));
        assert_eq!(reported[2].1, "the comment gives no reason");
        assert_eq!(
            all.iter().filter(|f| f.rule != Rule::UnusedIgnore).count(),
            3
        );
        let mut valid = findings(&file, &[(Rule::StaleVersion, 5)]);
        apply(&file, 0, &mut valid);
        let idle: Vec<&str> = valid
            .iter()
            .filter(|f| f.rule == Rule::UnusedIgnore)
            .map(|f| f.message.as_str())
            .collect();
        assert!(
            idle.contains(
                &"this backout-ignore comment silences nothing: no `placeholder` finding in the block below it"
            ),
            "{idle:?}"
        );
    }

    #[test]
    fn the_nearest_comment_above_a_finding_silences_it() {
        let text = "1. `api` 9.9.1 <!-- backout-ignore stale-version: pinned one -->\n   `api` 9.9.2 <!-- backout-ignore stale-version: pinned two -->\n   `api` 9.9.3 <!-- backout-ignore stale-version: pinned three -->\n";
        let file = SourceFile::new("p.md", text);
        let mut all = findings(
            &file,
            &[
                (Rule::StaleVersion, 1),
                (Rule::StaleVersion, 2),
                (Rule::StaleVersion, 3),
            ],
        );
        let suppressed = apply(&file, 0, &mut all);
        let reasons: Vec<&str> = suppressed.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(reasons, ["pinned one", "pinned two", "pinned three"]);
        assert!(all.is_empty(), "{all:?}");
    }

    #[test]
    fn a_list_item_is_one_block_and_other_files_are_untouched() {
        let text = "1. first
<!-- backout-ignore step-without-how: said in the runbook above -->
2. second
3. third
";
        let file = SourceFile::new("p.md", text);
        let mut all = findings(
            &file,
            &[
                (Rule::StepWithoutHow, 1),
                (Rule::StepWithoutHow, 3),
                (Rule::StepWithoutHow, 4),
            ],
        );
        all.push(crate::diag::unreadable_finding(
            "m.toml",
            Rule::StepWithoutHow,
            "m",
        ));
        let suppressed = apply(&file, 0, &mut all);
        assert_eq!(suppressed.len(), 1);
        assert_eq!(suppressed[0].finding.line, 3);
        assert_eq!(all.len(), 3);
    }
}
