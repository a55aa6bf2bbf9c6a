//! Compiler-style diagnostics: rule, message, `file:line:col`, the source line and a caret.

use std::fmt::Write;

use anstyle::{AnsiColor, Effects, Style};

use super::escape::{self, inline};
use super::{Finding, Severity};

/// Colours for human output; `plain()` has none.
#[derive(Debug, Clone, Copy)]
pub struct HumanStyle {
    pub error: Style,
    pub warning: Style,
    pub message: Style,
    pub gutter: Style,
    pub help: Style,
}

impl HumanStyle {
    pub fn plain() -> Self {
        HumanStyle {
            error: Style::new(),
            warning: Style::new(),
            message: Style::new(),
            gutter: Style::new(),
            help: Style::new(),
        }
    }

    pub fn colored() -> Self {
        HumanStyle {
            error: AnsiColor::Red.on_default().effects(Effects::BOLD),
            warning: AnsiColor::Yellow.on_default().effects(Effects::BOLD),
            message: Style::new().effects(Effects::BOLD),
            gutter: AnsiColor::Blue.on_default().effects(Effects::BOLD),
            help: AnsiColor::Cyan.on_default().effects(Effects::BOLD),
        }
    }

    fn severity(&self, severity: Severity) -> Style {
        match severity {
            Severity::Error => self.error,
            Severity::Warning => self.warning,
        }
    }
}

/// Renders findings one after another, each followed by a blank line.
pub fn render_human(findings: &[Finding], style: &HumanStyle) -> String {
    let mut out = String::new();
    for finding in findings {
        render_one(&mut out, finding, style);
        out.push('\n');
    }
    out
}

fn render_one(out: &mut String, finding: &Finding, style: &HumanStyle) {
    let level = style.severity(finding.severity);
    let gutter = style.gutter;
    let number = finding.line.to_string();
    let pad = " ".repeat(number.len());
    // Messages quote plan values and paths name directories: both come from pull requests.
    let _ = writeln!(
        out,
        "{level}{}[{}]{level:#}{}: {}{:#}",
        finding.severity,
        finding.rule,
        style.message,
        inline(&finding.message),
        style.message,
    );
    let _ = writeln!(
        out,
        "{pad}{gutter}-->{gutter:#} {}:{}:{}",
        inline(&finding.file),
        finding.line,
        finding.column
    );
    let snippet = &finding.snippet;
    if !snippet.text.is_empty() {
        let (text, caret_at, caret_len) = layout(finding);
        let _ = writeln!(out, "{pad} {gutter}|{gutter:#}");
        let _ = writeln!(out, "{gutter}{number} |{gutter:#} {text}");
        let _ = writeln!(
            out,
            "{pad} {gutter}|{gutter:#} {}{level}{}{level:#}",
            " ".repeat(caret_at),
            "^".repeat(caret_len)
        );
    }
    if let Some(help) = &finding.help {
        let _ = writeln!(
            out,
            "{pad} {gutter}={gutter:#} {}help{:#}: {}",
            style.help,
            style.help,
            inline(help)
        );
    }
}

/// The displayed line (tabs expanded, cut marks added) and the caret's offset and width.
fn layout(finding: &Finding) -> (String, usize, usize) {
    let snippet = &finding.snippet;
    let mut text = String::new();
    let mut caret_at = 0;
    let mut caret_len = 0;
    if snippet.first_column > 1 {
        text.push('…');
    }
    let start = finding.column.saturating_sub(snippet.first_column);
    let end = finding.end_column.saturating_sub(snippet.first_column);
    for (i, c) in snippet.text.chars().enumerate() {
        // Controls and bidirectional characters are shown as escapes (`\u{202E}`), so
        // the line reads as its bytes do. Carets line up under what the terminal shows:
        // tabs as 4, escapes as long as they are, CJK and emoji as 2.
        let shown = (c != '\t' && escape::is_hazard(c)).then(|| escape::escape_char(c));
        let width = match (c, &shown) {
            ('\t', _) => 4,
            (_, Some(shown)) => shown.len(),
            (c, None) => unicode_width::UnicodeWidthChar::width(c).unwrap_or(0),
        };

        if i < start {
            caret_at += width;
        } else if i < end {
            caret_len += width;
        }
        match shown {
            _ if c == '\t' => text.push_str("    "),
            Some(shown) => text.push_str(&shown),
            None => text.push(c),
        }
    }
    if snippet.cut_end {
        text.push('…');
    }
    if snippet.first_column > 1 {
        caret_at += 1;
    }
    (text.trim_end().to_string(), caret_at, caret_len.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Rule, SourceFile};

    #[test]
    fn carets_line_up_under_wide_characters() {
        let file = SourceFile::new("p.md", "日本語 🎉 é TODO\n");
        let at = file.text().find("TODO").unwrap_or_default();
        let finding = file.finding(Rule::Placeholder, at..at + 4, "m");
        let text = render_human(&[finding], &HumanStyle::plain());
        let lines: Vec<&str> = text.lines().collect();
        let source = lines[3].split_once("| ").map_or("", |(_, s)| s);
        let caret = lines[4].split_once("| ").map_or("", |(_, s)| s);
        let offset = caret.find('^').unwrap_or_default();
        // "日本語 🎉 é " is 6 + 1 + 2 + 1 + 1 + 1 = 12 columns wide.
        assert_eq!(offset, 12, "{source}\n{caret}");
    }

    #[test]
    fn renders_a_compiler_style_diagnostic() {
        let file = SourceFile::new("plans/a/v1/plan.md", "x\n1. Restart\t`old-api` now\n");
        let at = file.text().find("old-api").unwrap_or_default();
        let finding = file
            .finding(Rule::ForeignItem, at..at + 7, "`old-api` belongs to a/v0")
            .with_help("remove it");
        let text = render_human(&[finding], &HumanStyle::plain());
        assert_eq!(
            text,
            "error[foreign-item]: `old-api` belongs to a/v0\n \
             --> plans/a/v1/plan.md:2:13\n  \
             |\n\
             2 | 1. Restart    `old-api` now\n  \
             |                ^^^^^^^\n  \
             = help: remove it\n\n"
        );
    }
}
