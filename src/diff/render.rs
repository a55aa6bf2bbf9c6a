//! Renderers of a [`PlanDiff`]: human (coloured by a [`DiffStyle`]), Markdown for a
//! pull-request comment (diffs in ```diff fences), and JSON.

use std::fmt::Write;

use anstyle::{AnsiColor, Effects, Style};
use serde::Serialize;

use super::{FieldChange, Hunk, LineKind, ManifestDelta, PlanDiff, SectionDiff, SectionStatus};
use crate::diag::escape::{self, code, inline, markdown_text};

/// Colours for human output; `plain()` has none.
#[derive(Debug, Clone, Copy)]
pub struct DiffStyle {
    pub header: Style,
    pub hunk: Style,
    pub added: Style,
    pub removed: Style,
    pub changed: Style,
    pub unchanged: Style,
}

impl DiffStyle {
    pub fn plain() -> Self {
        DiffStyle {
            header: Style::new(),
            hunk: Style::new(),
            added: Style::new(),
            removed: Style::new(),
            changed: Style::new(),
            unchanged: Style::new(),
        }
    }

    pub fn colored() -> Self {
        DiffStyle {
            header: Style::new().effects(Effects::BOLD),
            hunk: AnsiColor::Cyan.on_default(),
            added: AnsiColor::Green.on_default(),
            removed: AnsiColor::Red.on_default(),
            changed: AnsiColor::Yellow.on_default(),
            unchanged: Style::new().effects(Effects::DIMMED),
        }
    }

    fn status(&self, status: SectionStatus) -> Style {
        match status {
            SectionStatus::Unchanged => self.unchanged,
            SectionStatus::Changed => self.changed,
            SectionStatus::Added => self.added,
            SectionStatus::Removed => self.removed,
        }
    }

    fn line(&self, kind: LineKind) -> Style {
        match kind {
            LineKind::Context => Style::new(),
            LineKind::Removed => self.removed,
            LineKind::Added => self.added,
        }
    }
}

/// Git-like text: the two labels, front-matter changes, each section with its status and
/// hunks, then the manifest delta.
pub fn render_human(diff: &PlanDiff, style: &DiffStyle) -> String {
    let mut out = String::new();
    let header = style.header;
    // Titles, values and lines come from plans: hazards are shown as escapes.
    let _ = writeln!(out, "{header}--- {}{header:#}", inline(&diff.old));
    let _ = writeln!(out, "{header}+++ {}{header:#}", inline(&diff.new));
    out.push('\n');
    if !diff.front_matter_unreadable.is_empty() {
        let _ = writeln!(
            out,
            "{header}front matter{header:#}: not compared: it cannot be read in {} (no `+++` block, or not valid TOML; `backout check` says why)",
            inline(&diff.front_matter_unreadable.join(" and "))
        );
    } else if diff.front_matter.is_empty() {
        let _ = writeln!(out, "{header}front matter{header:#}: unchanged");
    } else {
        let _ = writeln!(out, "{header}front matter{header:#}:");
        for change in &diff.front_matter {
            let _ = writeln!(out, "  {}", describe_field(change, "->"));
        }
    }
    let (above, below) = diff.outside_parts();
    for part in above {
        human_section(&mut out, part, "before the first section", header, style);
    }
    for section in &diff.sections {
        human_section(
            &mut out,
            section,
            &format!("## {}", section.title),
            header,
            style,
        );
    }
    for part in below {
        human_section(&mut out, part, &part.title, header, style);
    }
    out.push('\n');
    match &diff.manifest {
        None => {
            let _ = writeln!(
                out,
                "{header}manifest{header:#}: not compared (a manifest.toml is missing or unreadable)"
            );
        }
        Some(delta) if delta.is_empty() => {
            let _ = writeln!(out, "{header}manifest{header:#}: unchanged");
        }
        Some(delta) => human_manifest(&mut out, delta, style),
    }
    out
}

/// A section (or a part outside the sections) as `NAME: status`, then its hunks.
fn human_section(
    out: &mut String,
    section: &SectionDiff,
    name: &str,
    header: Style,
    style: &DiffStyle,
) {
    out.push('\n');
    let status = style.status(section.status);
    let _ = writeln!(
        out,
        "{header}{}{header:#}: {status}{}{status:#}",
        inline(name),
        section.status.as_str()
    );
    for hunk in &section.hunks {
        human_hunk(out, hunk, style);
    }
}

fn human_hunk(out: &mut String, hunk: &Hunk, style: &DiffStyle) {
    let _ = writeln!(out, "{}{}{:#}", style.hunk, hunk.header(), style.hunk);
    for line in &hunk.lines {
        let color = style.line(line.kind);
        let _ = writeln!(
            out,
            "{color}{}{}{color:#}",
            line.kind.sign(),
            escape::line(&line.text)
        );
    }
}

fn human_manifest(out: &mut String, delta: &ManifestDelta, style: &DiffStyle) {
    let header = style.header;
    let _ = writeln!(
        out,
        "{header}manifest{header:#}: {} added, {} removed, {} changed",
        delta.added.len(),
        delta.removed.len(),
        delta.changed.len()
    );
    let (added, removed, changed) = (style.added, style.removed, style.changed);
    for item in &delta.added {
        let _ = writeln!(
            out,
            "  {added}+ {}{added:#} ({})",
            inline(&item.id),
            inline(&item.describe())
        );
    }
    for item in &delta.removed {
        let _ = writeln!(
            out,
            "  {removed}- {}{removed:#} ({})",
            inline(&item.id),
            inline(&item.describe())
        );
    }
    for item in &delta.changed {
        let fields: Vec<String> = item
            .fields
            .iter()
            .map(|f| describe_field(f, "->"))
            .collect();
        let _ = writeln!(
            out,
            "  {changed}~ {}{changed:#}: {}",
            inline(&item.id),
            fields.join("; ")
        );
    }
}

/// `key: old -> new`, with `(none)` for a missing side; hazards escaped.
fn describe_field(change: &FieldChange, arrow: &str) -> String {
    format!(
        "{}: {} {arrow} {}",
        inline(&change.key),
        inline(change.old.as_deref().unwrap_or("(none)")),
        inline(change.new.as_deref().unwrap_or("(none)"))
    )
}

/// Markdown for a pull-request comment: a table of sections, each changed, added or removed
/// section's hunks in a ```diff fence, the front-matter changes and the manifest delta.
pub fn render_markdown(diff: &PlanDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Backout plan diff: {} → {}\n",
        code(&diff.old),
        code(&diff.new)
    );
    if !diff.front_matter_unreadable.is_empty() {
        let sides: Vec<String> = diff
            .front_matter_unreadable
            .iter()
            .map(|l| code(l))
            .collect();
        let _ = writeln!(
            out,
            "Front matter not compared: it cannot be read in {} (no `+++` block, or not valid TOML).\n",
            sides.join(" and ")
        );
    }
    if !diff.front_matter.is_empty() {
        out.push_str("| Front matter | Before | After |\n| --- | --- | --- |\n");
        for change in &diff.front_matter {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                cell(&code(&change.key)),
                cell(&change.old.as_deref().map_or("(none)".into(), code)),
                cell(&change.new.as_deref().map_or("(none)".into(), code)),
            );
        }
        out.push('\n');
    }
    let (above, below) = diff.outside_parts();
    if !diff.sections.is_empty() || !diff.outside.is_empty() {
        out.push_str("| Section | Change |\n| --- | --- |\n");
        for section in above.clone().chain(&diff.sections).chain(below.clone()) {
            // A title is plan text: it may not mention, link or format.
            let _ = writeln!(
                out,
                "| {} | {} |",
                markdown_text(&section.title),
                section.status.as_str()
            );
        }
        out.push('\n');
    }
    for section in above
        .chain(&diff.sections)
        .chain(below)
        .filter(|s| !s.hunks.is_empty())
    {
        markdown_section(&mut out, section);
    }
    out.push_str("#### Manifest delta\n\n");
    match &diff.manifest {
        None => out.push_str("Not compared: a manifest.toml is missing or unreadable.\n"),
        Some(delta) if delta.is_empty() => out.push_str("Unchanged.\n"),
        Some(delta) => {
            for item in &delta.added {
                let _ = writeln!(
                    out,
                    "- added {} ({})",
                    code(&item.id),
                    markdown_text(&item.describe())
                );
            }
            for item in &delta.removed {
                let _ = writeln!(
                    out,
                    "- removed {} ({})",
                    code(&item.id),
                    markdown_text(&item.describe())
                );
            }
            for item in &delta.changed {
                let fields: Vec<String> = item
                    .fields
                    .iter()
                    .map(|f| {
                        format!(
                            "{} {} → {}",
                            markdown_text(&f.key),
                            f.old.as_deref().map_or("(none)".into(), code),
                            f.new.as_deref().map_or("(none)".into(), code)
                        )
                    })
                    .collect();
                let _ = writeln!(out, "- changed {}: {}", code(&item.id), fields.join("; "));
            }
        }
    }
    out
}

fn markdown_section(out: &mut String, section: &SectionDiff) {
    let _ = writeln!(
        out,
        "#### {} ({})\n",
        markdown_text(&section.title),
        section.status.as_str()
    );
    let mut body = String::new();
    for hunk in &section.hunks {
        let _ = writeln!(body, "{}", hunk.header());
        for line in &hunk.lines {
            let _ = writeln!(body, "{}{}", line.kind.sign(), escape::line(&line.text));
        }
    }
    // A fence longer than any run of backticks inside, so plan code blocks cannot close it.
    let fence = "`".repeat(escape::longest_run(&body, '`').max(2) + 1);
    let _ = write!(out, "{fence}diff\n{body}{fence}\n\n");
}

/// A code span in a table cell: pipes escaped (GitHub splits cells on them even in code).
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The diff as JSON: `{"version": 1, "old", "new", "front_matter", "sections", "manifest"}`.
pub fn render_json(diff: &PlanDiff) -> String {
    #[derive(Serialize)]
    struct Json<'a> {
        version: u32,
        #[serde(flatten)]
        diff: &'a PlanDiff,
    }
    let json = Json { version: 1, diff };
    let mut text = escape::json(serde_json::to_string_pretty(&json).unwrap_or_default());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{DiffLine, ItemSummary};

    fn sample() -> PlanDiff {
        PlanDiff {
            old: "p/v1".into(),
            new: "p/v2".into(),
            front_matter: vec![FieldChange {
                key: "release".into(),
                old: Some("\"v1\"".into()),
                new: Some("\"v2\"".into()),
            }],
            front_matter_unreadable: vec![],
            outside: vec![],
            sections: vec![
                SectionDiff {
                    title: "Criteria".into(),
                    status: SectionStatus::Unchanged,
                    old_line: Some(5),
                    new_line: Some(5),
                    hunks: vec![],
                },
                SectionDiff {
                    title: "Procedure".into(),
                    status: SectionStatus::Changed,
                    old_line: Some(8),
                    new_line: Some(8),
                    hunks: vec![Hunk {
                        old_start: 9,
                        old_lines: 1,
                        new_start: 9,
                        new_lines: 1,
                        lines: vec![
                            DiffLine {
                                kind: LineKind::Removed,
                                text: "1. `a`".into(),
                            },
                            DiffLine {
                                kind: LineKind::Added,
                                text: "1. ```b```".into(),
                            },
                        ],
                    }],
                },
            ],
            manifest: Some(ManifestDelta {
                added: vec![ItemSummary {
                    id: "b".into(),
                    kind: "service".into(),
                    version: Some("2".into()),
                    previous: None,
                    reversible: true,
                }],
                removed: vec![],
                changed: vec![],
            }),
        }
    }

    #[test]
    fn human_is_git_like() {
        assert_eq!(
            render_human(&sample(), &DiffStyle::plain()),
            "--- p/v1\n+++ p/v2\n\nfront matter:\n  release: \"v1\" -> \"v2\"\n\n\
             ## Criteria: unchanged\n\n## Procedure: changed\n@@ -9,1 +9,1 @@\n-1. `a`\n+1. ```b```\n\n\
             manifest: 1 added, 0 removed, 0 changed\n  + b (service 2)\n"
        );
    }

    #[test]
    fn markdown_fences_outgrow_the_backticks_inside() {
        let text = render_markdown(&sample());
        assert!(text.contains("#### Procedure (changed)\n\n````diff\n@@ -9,1 +9,1 @@\n"));
        assert!(text.contains("| Criteria | unchanged |"));
        assert!(text.contains("- added `b` (service 2)"));
    }
}
