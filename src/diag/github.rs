//! GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=RULE::MESSAGE`.

use super::Finding;
use super::escape::inline;

/// Renders one workflow command per finding.
pub fn render_github(findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        out.push_str(&command(finding));
        out.push('\n');
    }
    out
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
