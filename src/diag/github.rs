//! GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=RULE::MESSAGE`.

use super::escape::inline;
use super::{Finding, Tally};

/// GitHub shows at most this many error annotations, and as many warnings, per step.
pub const SHOWN_PER_STEP: usize = 10;

/// Renders one workflow command per finding.
pub fn render_github(findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        out.push_str(&command(finding));
        out.push('\n');
    }
    out
}

/// A `::notice` saying how many annotations GitHub will not display, when there are more
/// than it shows per step; `summary` says whether the job summary lists them all.
pub fn overflow_notice(findings: &[Finding], summary: bool) -> Option<String> {
    overflow_notice_for(Tally::of(findings), summary)
}

/// Like `overflow_notice`, for annotations counted by severity.
pub fn overflow_notice_for(tally: Tally, summary: bool) -> Option<String> {
    let errors = tally.errors.saturating_sub(SHOWN_PER_STEP);
    let warnings = tally.warnings.saturating_sub(SHOWN_PER_STEP);
    if errors == 0 && warnings == 0 {
        return None;
    }
    let hidden = match (errors, warnings) {
        (0, w) => count(w, "warning"),
        (e, 0) => count(e, "error"),
        (e, w) => format!("{} and {}", count(e, "error"), count(w, "warning")),
    };
    let verb = if errors + warnings == 1 { "is" } else { "are" };
    let rest = if summary {
        "the job summary lists them all"
    } else {
        "the step's log lists them all, after this notice"
    };
    Some(format!(
        "::notice title=backout::{}\n",
        escape_data(&format!(
            "GitHub shows {SHOWN_PER_STEP} error and {SHOWN_PER_STEP} warning annotations per step, so {hidden} {verb} not annotated; {rest}."
        ))
    ))
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The workflow command for one finding.
pub fn command(finding: &Finding) -> String {
    // Hazards in quoted values are escaped visibly; the one line break is ours.
    let mut message = inline(&finding.message).into_owned();
    if let Some(help) = &finding.help {
        message.push_str("\nhelp: ");
        message.push_str(&inline(help));
    }
    format!(
        "::{} file={},line={},endLine={},col={},endColumn={},title={}::{}",
        finding.severity,
        escape_property(&inline(&finding.file)),
        finding.line,
        finding.line,
        finding.column,
        finding.end_column,
        escape_property(finding.rule.code()),
        escape_data(&message)
    )
}

/// Escapes a workflow command's message, as the GitHub Actions toolkit does.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value, as the GitHub Actions toolkit does.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Rule, SourceFile};

    /// A line break in a message is a quoted value's: shown as `\n`, it cannot start a
    /// workflow command of its own.
    #[test]
    fn counts_what_github_will_not_show() {
        let text = "TODO\n".repeat(13);
        let file = SourceFile::new("p.md", &text);
        let mut findings: Vec<Finding> = (0..13)
            .map(|i| file.finding(Rule::Placeholder, i * 5..i * 5 + 4, "m"))
            .collect();
        assert_eq!(
            overflow_notice(&findings, true).as_deref(),
            Some(
                "::notice title=backout::GitHub shows 10 error and 10 warning annotations per step, so 3 errors are not annotated; the job summary lists them all.\n"
            )
        );
        findings.truncate(10);
        assert_eq!(overflow_notice(&findings, false), None);
        findings.extend((0..11).map(|_| file.finding(Rule::ForeignRelease, 0..4, "w")));
        assert!(overflow_notice(&findings, false).is_some_and(|n| {
            n.contains(
                ", so 1 warning is not annotated; the step's log lists them all, after this notice",
            )
        }));
    }

    #[test]
    fn escapes_messages_and_properties() {
        let file = SourceFile::new("plans/a,b/v1:x/plan.md", "TODO 100%\n");
        let finding = file.finding(Rule::Placeholder, 0..4, "50% done\nnext");
        assert_eq!(
            command(&finding),
            "::error file=plans/a%2Cb/v1%3Ax/plan.md,line=1,endLine=1,col=1,endColumn=5,\
             title=placeholder::50%25 done\\nnext"
        );
    }
}
