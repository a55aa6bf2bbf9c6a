//! Rules about the procedure's steps.

use pulldown_cmark::{Event, Tag};

use crate::diag::{Finding, Rule, SourceFile};
use crate::markdown::{self, Body, Step};
use crate::sections::Kind;

/// What the Procedure holds, as far as item coverage goes.
pub enum Steps {
    /// Steps: each item is covered by one, or reported.
    Listed,
    /// No `## Procedure`, or one with nothing in it: `missing-section` or
    /// `unanswered-section` already says what to do.
    Absent,
    /// A Procedure without a single step: this one finding replaces one per item.
    None(Finding),
}

/// Whether the Procedure has steps, and if it has none, the one finding that says so (and,
/// when it holds a table, that rows of a table are not steps).
pub fn steps(file: &SourceFile<'_>, body: &Body, items: usize) -> Steps {
    let Some(section) = body.section(Kind::Procedure) else {
        return Steps::Absent;
    };
    if !body.steps.is_empty() || items == 0 {
        return Steps::Listed;
    }
    if !section.answered {
        return Steps::Absent;
    }
    let content = file.text().get(section.content.clone()).unwrap_or_default();
    let table = markdown::parser(content).any(|event| matches!(event, Event::Start(Tag::Table(_))));
    let uncovered = if items == 1 {
        "the manifest's one item is not covered".to_string()
    } else {
        format!("none of the {items} manifest items is covered")
    };
    let why = if table {
        " (rows of a table are not steps)"
    } else {
        ""
    };
    Steps::None(
        file.finding(
            Rule::UncoveredItem,
            section.heading.clone(),
            format!("`## {}` has no steps{why}, so {uncovered}", section.title),
        )
        .with_help(
            "write the procedure as a numbered list, one step per manifest item naming it, with its command: 1. Roll back `payments-api`: `kubectl rollout undo deployment/payments-api`",
        ),
    )
}

/// The text inside an inline code span: `` `id` `` or ``` `` id `` ``` gives `id`.
fn code_content(code: &str) -> &str {
    code.trim_matches('`').trim()
}

/// Whether a step says how beyond naming items: it holds a code block, a link, or inline
/// code that is more than an item id. ``Migration `0042_add_ledger_index`.`` names the
/// migration in code; that is not a command.
pub fn says_how_beyond_ids(
    body: &Body,
    step: &Step,
    text: &str,
    is_item: impl Fn(&str) -> bool,
) -> bool {
    step.has_block_or_link
        || body.code_spans_of(step).iter().any(|span| {
            text.get(span.clone())
                .is_some_and(|code| !is_item(code_content(code)))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::parse_body;

    fn how(text: &str) -> Vec<bool> {
        let body = parse_body(text, 0);
        body.steps
            .iter()
            .map(|step| says_how_beyond_ids(&body, step, text, |id| id == "0042_add_ledger_index"))
            .collect()
    }

    fn no_steps(text: &str, items: usize) -> Option<String> {
        let body = parse_body(text, 0);
        match steps(&SourceFile::new("p.md", text), &body, items) {
            Steps::None(finding) => Some(finding.message),
            Steps::Listed => Some("listed".into()),
            Steps::Absent => None,
        }
    }

    #[test]
    fn a_procedure_without_steps_is_one_finding() {
        let table = "## Procedure\n| # | step |\n|---|---|\n| 1 | `helm rollback payments-api` |\n";
        assert_eq!(
            no_steps(table, 40).as_deref(),
            Some(
                "`## Procedure` has no steps (rows of a table are not steps), so none of the 40 manifest items is covered"
            )
        );
        assert_eq!(
            no_steps(
                "## Procedure\nRoll everything back with `make rollback`.\n",
                1
            )
            .as_deref(),
            Some("`## Procedure` has no steps, so the manifest's one item is not covered")
        );
        assert_eq!(no_steps("## Procedure\n<!-- steps? -->\n", 3), None);
        assert_eq!(no_steps("## Criteria\nx\n", 3), None);
        assert_eq!(
            no_steps("## Procedure\n1. `x`\n", 3).as_deref(),
            Some("listed")
        );
    }

    #[test]
    fn an_item_id_in_code_is_not_a_command() {
        let text = "## Procedure\n1. Migration `0042_add_ledger_index`.\n2. Migration `` 0042_add_ledger_index ``.\n3. Run `migrate down 0042_add_ledger_index`.\n4. Leave `0042_add_ledger_index` ([runbook](https://wiki.example.com/m)).\n5. Restore:\n   ```sh\n   pg_restore -d ledger snapshot.dump\n   ```\n";
        assert_eq!(how(text), [false, false, true, true, true]);
    }
}
