//! The Markdown a CI job shows on its summary page (GitHub's `$GITHUB_STEP_SUMMARY`): the
//! counts per file and every finding, as far as the page allows.
//!
//! Findings quote plan text, which comes from pull requests: they are shown inside a code
//! fence longer than any run of backticks in them, where nothing can format, link or mention.

use std::collections::BTreeMap;

use super::{Finding, Severity, Tally};

/// GitHub accepts up to 1 MiB of summary per step; stay well below, the page must load.
pub const MAX_SUMMARY_BYTES: usize = 512 * 1024;

/// A summary headed `title` (such as "backout check"), listing `findings`.
pub fn render_summary(title: &str, findings: &[Finding], plans: usize) -> String {
    let tally = Tally::of(findings);
    let mut out = format!(
        "### {title}: {}, {} in {}\n\n",
        count(tally.errors, "error"),
        count(tally.warnings, "warning"),
        count(plans, "plan"),
    );
    if findings.is_empty() {
        out.push_str("No problems found.\n");
        return out;
    }
    let mut files: BTreeMap<&str, (usize, usize, Vec<&str>)> = BTreeMap::new();
    for finding in findings {
        let entry = files.entry(&finding.file).or_default();
        match finding.severity {
            Severity::Error => entry.0 += 1,
            Severity::Warning => entry.1 += 1,
        }
        if !entry.2.contains(&finding.rule.code()) {
            entry.2.push(finding.rule.code());
        }
    }
    out.push_str("| file | errors | warnings | rules |\n|---|---:|---:|---|\n");
    for (file, (errors, warnings, rules)) in &files {
        out.push_str(&format!(
            "| {} | {errors} | {warnings} | {} |\n",
            code_span(file),
            rules.join(", ")
        ));
    }

    let lines: Vec<String> = findings.iter().map(line).collect();
    let fence = "`".repeat(3.max(longest_backtick_run(&lines) + 1));
    out.push_str(&format!(
        "\n<details><summary>Every finding</summary>\n\n{fence}text\n"
    ));
    let budget = MAX_SUMMARY_BYTES.saturating_sub(out.len() + 256);
    let mut used = 0;
    let mut shown = 0;
    for line in &lines {
        if used + line.len() + 1 > budget {
            break;
        }
        out.push_str(line);
        out.push('\n');
        used += line.len() + 1;
        shown += 1;
    }
    out.push_str(&fence);
    out.push('\n');
    if shown < lines.len() {
        out.push_str(&format!(
            "\n{} more are left out to keep this page small; run the command locally or use `--format json` for all of them.\n",
            lines.len() - shown
        ));
    }
    out.push_str("\n</details>\n");
    out
}

/// One finding as a line: `file:line:col: severity[rule]: message`, control characters
/// shown as escapes so a finding stays one line.
fn line(finding: &Finding) -> String {
    let text = format!(
        "{}:{}:{}: {}[{}]: {}",
        finding.file,
        finding.line,
        finding.column,
        finding.severity,
        finding.rule.code(),
        finding.message
    );
    super::escape::inline(&text).into_owned()
}

/// `text` (a message) as one table cell of inert Markdown: as
/// [`markdown_message`](super::escape::markdown_message) makes it (its code spans and quoted
/// values code, a word GitHub would turn into a mention, an issue link or an autolink a code
/// span too, the rest escaped), with every pipe escaped so it cannot end the cell (GitHub
/// reads `\|` as a pipe inside code spans of a table as well).
pub fn markdown_cell(text: &str) -> String {
    let inert = super::escape::markdown_message(text);
    let mut out = String::with_capacity(inert.len() + 8);
    let mut escaped = false;
    for c in inert.chars() {
        if c == '|' && !escaped {
            out.push('\\');
        }
        escaped = c == '\\' && !escaped;
        out.push(c);
    }
    out
}

/// `text` as a Markdown code span that shows it literally.
pub fn code_span(text: &str) -> String {
    let text = super::escape::inline(text).replace('|', " ");
    let ticks = "`".repeat(longest_backtick_run(&[&text]) + 1);
    // A space on each side (which Markdown strips) only where a backtick would touch the fence.
    let pad = if text.is_empty() || text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

fn longest_backtick_run<S: AsRef<str>>(texts: &[S]) -> usize {
    texts
        .iter()
        .flat_map(|t| t.as_ref().split(|c| c != '`').map(str::len))
        .max()
        .unwrap_or(0)
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Rule, SourceFile};

    #[test]
    fn plan_text_cannot_leave_the_fence() {
        let text = "```\n@team see [x](https://e.example) ````` \u{1b}[2J\n";
        let file = SourceFile::new("plans/p/v1/plan.md", text);
        let finding = file.finding(Rule::Placeholder, 0..3, "placeholder `TODO` ````` left");
        let summary = render_summary("backout check", &[finding], 1);
        assert!(summary.starts_with("### backout check: 1 error, 0 warnings in 1 plan\n"));
        assert!(summary.contains("\n``````text\n"), "{summary}");
        assert!(
            summary.contains("| `plans/p/v1/plan.md` | 1 | 0 | placeholder |"),
            "{summary}"
        );
        assert!(!summary.contains('\u{1b}'));
    }

    #[test]
    fn cells_cannot_format_or_mention() {
        assert_eq!(
            markdown_cell("tag v1.5 | @ops *now* <b>[x](y)\n#1 https://x.example"),
            "tag v1.5 \\| `@ops` \\*now\\* `<b>[x](y)\\n#1` `https://x.example`"
        );
        assert_eq!(
            markdown_cell("release name `v#1|2` is not `TEAM/RELEASE`"),
            "release name `v#1\\|2` is not `TEAM/RELEASE`"
        );
    }

    #[test]
    fn stays_under_the_budget() {
        let text = "TODO ".repeat(40_000);
        let file = SourceFile::new("plans/p/v1/plan.md", &text);
        let findings: Vec<Finding> = (0..40_000)
            .map(|i| {
                file.finding(
                    Rule::Placeholder,
                    i * 5..i * 5 + 4,
                    "placeholder `TODO` left in the plan",
                )
            })
            .collect();
        let summary = render_summary("backout check", &findings, 1);
        assert!(summary.len() <= MAX_SUMMARY_BYTES, "{}", summary.len());
        assert!(summary.contains("more are left out"));
    }
}
