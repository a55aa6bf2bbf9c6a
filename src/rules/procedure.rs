//! Rules about the procedure's steps.

use crate::markdown::Step;

/// The text inside an inline code span: `` `id` `` or ``` `` id `` ``` gives `id`.
fn code_content(code: &str) -> &str {
    code.trim_matches('`').trim()
}

/// Whether a step says how beyond naming items: it holds a code block, a link, or inline
/// code that is more than an item id. ``Migration `0042_add_ledger_index`.`` names the
/// migration in code; that is not a command.
pub fn says_how_beyond_ids(step: &Step, text: &str, is_item: impl Fn(&str) -> bool) -> bool {
    step.has_block_or_link
        || step.code_spans.iter().any(|span| {
            text.get(span.clone())
                .is_some_and(|code| !is_item(code_content(code)))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::parse_body;

    fn steps(text: &str) -> Vec<bool> {
        let body = parse_body(text, 0);
        body.steps
            .iter()
            .map(|step| says_how_beyond_ids(step, text, |id| id == "0042_add_ledger_index"))
            .collect()
    }

    #[test]
    fn an_item_id_in_code_is_not_a_command() {
        let text = "## Procedure\n1. Migration `0042_add_ledger_index`.\n2. Migration `` 0042_add_ledger_index ``.\n3. Run `migrate down 0042_add_ledger_index`.\n4. Leave `0042_add_ledger_index` ([runbook](https://wiki.example.com/m)).\n5. Restore:\n   ```sh\n   pg_restore -d ledger snapshot.dump\n   ```\n";
        assert_eq!(steps(text), [false, false, true, true, true]);
    }
}
