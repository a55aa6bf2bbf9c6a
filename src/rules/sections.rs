//! Rules about the plan's sections as a whole.

use crate::check::shown_title;
use crate::diag::{Finding, Rule, SourceFile};
use crate::markdown::{Body, Section};
use crate::sections::{Kind, Language, normalize};

/// `duplicate-section`: a required section written twice (the template's `## Decision` kept
/// and a `## Who decides?` added, two procedures pasted from two plans). `check` reads both,
/// but the published page and exports show two answers to one question, which may disagree,
/// and whoever follows the plan must pick one. One finding per later section, naming the
/// first.
///
/// Criteria is the one question with two halves (when to roll back; when the deployment is
/// a success), so two Criteria sections under different titles (`Rollback criteria`,
/// `Success criteria`) are one answer; the same title twice is still a copy.
pub fn duplicates(file: &SourceFile<'_>, body: &Body, language: Language) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut first: Vec<(Kind, &Section)> = Vec::new();
    for section in &body.sections {
        let Some(kind) = section.kind else {
            continue;
        };
        let earlier = first.iter().find(|(k, earlier)| {
            *k == kind
                && (kind != Kind::Criteria
                    || normalize(&earlier.title) == normalize(&section.title))
        });
        match earlier {
            None => first.push((kind, section)),
            Some((_, earlier)) => {
                let shown = shown_title(&section.title);
                let earlier_shown = shown_title(&earlier.title);
                let line = file.line_number(earlier.heading.start);
                findings.push(
                    file.finding(
                        Rule::DuplicateSection,
                        section.heading.clone(),
                        format!(
                            "`## {shown}` is a second {} section; the first is `## {earlier_shown}` at line {line}",
                            kind.title(language)
                        ),
                    )
                    .with_help(format!(
                        "merge it into `## {earlier_shown}`, so the plan gives one answer to the question (the published page and exports show both), or retitle it if it answers something else"
                    )),
                );
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::parse_body;

    fn rules(text: &str) -> Vec<(usize, String)> {
        let file = SourceFile::new("plan.md", text);
        duplicates(&file, &parse_body(text, 0), Language::En)
            .into_iter()
            .map(|f| (f.line, f.message))
            .collect()
    }

    #[test]
    fn a_second_section_of_a_kind_is_reported_once_at_its_heading() {
        let text = "## Decision\nThe incident commander.\n\n## Who decides?\nThe CTO.\n\n## Entscheidung\nDie Leitung.\n";
        let found = rules(text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, 4);
        assert!(
            found[0]
                .1
                .contains("second Decision section; the first is `## Decision` at line 1")
        );
        assert_eq!(found[1].0, 7);
    }

    #[test]
    fn criteria_may_be_split_under_two_titles_but_not_copied() {
        assert!(rules("## Rollback criteria\nErrors.\n\n## Success criteria\nSales.\n").is_empty());
        assert_eq!(
            rules("## Rollback criteria\nErrors.\n\n## 2. Rollback criteria:\nSales.\n").len(),
            1
        );
        assert!(rules("## Procedure\n1. `x`\n\n## Notes\n\n## Testing\nYes.\n").is_empty());
    }
}
