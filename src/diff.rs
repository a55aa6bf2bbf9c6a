//! Section-aware comparison of two versions of a plan: front-matter fields, each level-2
//! section (matched by title, ignoring case, not by position) as unchanged / changed (with
//! unified hunks numbered by file line) / added / removed, and the delta between the two
//! manifests. Texts and models in, a [`PlanDiff`] out; the renderers turn it into human,
//! Markdown (for a pull-request comment) and JSON output.
//!
//! `backout diff` compares a plan with its baseline source; `backout review` can compare the
//! same plan at two git revisions: both only need the two texts and manifests.

mod render;

pub use render::{DiffStyle, render_human, render_json, render_markdown};

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::time::Duration;

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

use crate::diag::SourceFile;
use crate::manifest::{Item, Manifest};
use crate::markdown;
use crate::plan::split_front_matter;

/// One side of a comparison: a name for people, the plan's text, its manifest if readable.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// How the side is named in output: `payments/v1.4`, `payments/v1.5@HEAD~1`.
    pub label: &'a str,
    pub text: &'a str,
    /// `None` when the manifest is missing or unreadable: the delta is then unavailable.
    pub manifest: Option<&'a Manifest>,
}

/// What changed from the old plan to the new one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanDiff {
    /// The old side's label.
    pub old: String,
    /// The new side's label.
    pub new: String,
    /// Front-matter keys (dotted: `baseline.from`) whose value differs.
    pub front_matter: Vec<FieldChange>,
    /// The labels of the sides whose front matter could not be read (no `+++` block, or
    /// not TOML): then the front matter is not compared, and `front_matter` is empty.
    pub front_matter_unreadable: Vec<String>,
    /// The parts outside the level-2 sections that differ: the text above the first section
    /// (the title, an introduction) and what stands under a level-1 heading after it.
    pub outside: Vec<SectionDiff>,
    /// Every section of either side: the new plan's in its order, then removed ones.
    pub sections: Vec<SectionDiff>,
    /// `None` when either manifest is unavailable.
    pub manifest: Option<ManifestDelta>,
}

/// A value that differs; `None` on a side where it is absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub key: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// How a section changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SectionStatus {
    Unchanged,
    Changed,
    Added,
    Removed,
}

impl SectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SectionStatus::Unchanged => "unchanged",
            SectionStatus::Changed => "changed",
            SectionStatus::Added => "added",
            SectionStatus::Removed => "removed",
        }
    }
}

/// One section of either plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionDiff {
    /// The title as the new plan writes it (the old one's for a removed section).
    pub title: String,
    pub status: SectionStatus,
    /// 1-based line of the heading in the old plan, when the section is there.
    pub old_line: Option<usize>,
    /// 1-based line of the heading in the new plan, when the section is there.
    pub new_line: Option<usize>,
    /// Unified hunks with file line numbers; empty when unchanged. An added or removed
    /// section is one hunk holding its heading and content.
    pub hunks: Vec<Hunk>,
}

/// A unified-diff hunk: `@@ -old_start,old_lines +new_start,new_lines @@`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hunk {
    pub old_start: usize,
    pub old_lines: usize,
    pub new_start: usize,
    pub new_lines: usize,
    pub lines: Vec<DiffLine>,
}

impl Hunk {
    /// The `@@ -a,b +c,d @@` header.
    pub fn header(&self) -> String {
        format!(
            "@@ -{},{} +{},{} @@",
            self.old_start, self.old_lines, self.new_start, self.new_lines
        )
    }
}

/// Whether a line of a hunk is kept, removed or added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    Context,
    Removed,
    Added,
}

impl LineKind {
    /// The unified-diff prefix: ` `, `-` or `+`.
    pub fn sign(self) -> char {
        match self {
            LineKind::Context => ' ',
            LineKind::Removed => '-',
            LineKind::Added => '+',
        }
    }
}

/// One line of a hunk, without its line break.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub kind: LineKind,
    pub text: String,
}

/// What changed between the two manifests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ManifestDelta {
    /// Items only the new manifest lists, in its order.
    pub added: Vec<ItemSummary>,
    /// Items only the old manifest lists, in its order.
    pub removed: Vec<ItemSummary>,
    /// Items both list whose kind, version, previous version or reversibility differ.
    pub changed: Vec<ItemChange>,
}

impl ManifestDelta {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// A manifest item as the delta shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemSummary {
    pub id: String,
    pub kind: String,
    pub version: Option<String>,
    pub previous: Option<String>,
    pub reversible: bool,
}

impl ItemSummary {
    fn of(item: &Item) -> Self {
        ItemSummary {
            id: item.id.to_string(),
            kind: item.kind.to_string(),
            version: item.version.as_deref().map(str::to_string),
            previous: item.previous.as_deref().map(str::to_string),
            reversible: item.reversible,
        }
    }

    /// `service 2.4.0`, `migration, irreversible`.
    pub fn describe(&self) -> String {
        let mut text = self.kind.clone();
        if let Some(version) = &self.version {
            text.push(' ');
            text.push_str(version);
        }
        if !self.reversible {
            text.push_str(", irreversible");
        }
        text
    }
}

/// An item both manifests list, and which of its fields differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemChange {
    pub id: String,
    pub fields: Vec<FieldChange>,
}

impl PlanDiff {
    /// Compares `old` with `new`.
    pub fn new(old: &Side<'_>, new: &Side<'_>) -> PlanDiff {
        PlanDiff {
            old: old.label.to_string(),
            new: new.label.to_string(),
            front_matter: front_matter_changes(old.text, new.text),
            front_matter_unreadable: [old, new]
                .iter()
                .filter(|side| front_fields(side.text).is_none())
                .map(|side| side.label.to_string())
                .collect(),
            outside: outside_diffs(old.text, new.text),
            sections: section_diffs(old.text, new.text),
            manifest: match (old.manifest, new.manifest) {
                (Some(old), Some(new)) => Some(manifest_delta(old, new)),
                _ => None,
            },
        }
    }

    /// Whether nothing differs (an unavailable manifest delta counts as no difference).
    pub fn is_unchanged(&self) -> bool {
        self.front_matter.is_empty()
            && self.front_matter_unreadable.is_empty()
            && self.outside.is_empty()
            && self
                .sections
                .iter()
                .all(|s| s.status == SectionStatus::Unchanged)
            && self.manifest.as_ref().is_none_or(ManifestDelta::is_empty)
    }

    /// The parts outside the sections that come before them (the introduction) and after
    /// them (level-1 headings), in that order.
    pub fn outside_parts(
        &self,
    ) -> (
        impl Iterator<Item = &SectionDiff> + Clone,
        impl Iterator<Item = &SectionDiff> + Clone,
    ) {
        let above = |part: &&SectionDiff| part.title == INTRODUCTION;
        (
            self.outside.iter().filter(above),
            self.outside.iter().filter(move |part| !above(part)),
        )
    }

    /// The sections with this status.
    pub fn sections_with(&self, status: SectionStatus) -> impl Iterator<Item = &SectionDiff> {
        self.sections.iter().filter(move |s| s.status == status)
    }
}

/// A level-2 section's text, ready to compare.
struct SectionText<'a> {
    title: String,
    /// Line of the heading.
    heading_line: usize,
    /// Line where `content` starts.
    content_line: usize,
    /// The heading line(s).
    heading: &'a str,
    /// From the line after the heading to the last non-blank line, newline-terminated.
    content: String,
}

fn sections(text: &str) -> Vec<SectionText<'_>> {
    let body_start = split_front_matter(text).map_or(0, |(_, start)| start);
    let body = markdown::parse_body(text, body_start);
    let file = SourceFile::new("", text);
    body.sections
        .iter()
        .map(|section| {
            let heading_end = line_end(text, section.heading.end.saturating_sub(1));
            let end = section.content.end;
            let start = heading_end.min(end);
            let content = text.get(start..end).unwrap_or_default();
            SectionText {
                title: section.title.clone(),
                heading_line: file.line_number(section.heading.start),
                content_line: file.line_number(start),
                heading: text
                    .get(section.heading.start..heading_end)
                    .unwrap_or_default(),
                content: comparable(content),
            }
        })
        .collect()
}

/// The offset just after the line break of the line holding `offset`.
fn line_end(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[offset..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(text.len(), |i| offset + i + 1)
}

/// Section content without trailing blank lines, every line ending in a line break, so a
/// section that moved to the end of the file (or away from it) compares equal; CRLF line
/// ends read as LF, so a file saved with other line ends has not changed.
fn comparable(content: &str) -> String {
    let trimmed = content.trim_end();
    if trimmed.is_empty() {
        return String::new();
    }
    let mut text = trimmed.replace("\r\n", "\n");
    text.push('\n');
    text
}

/// How output names the text above the first section.
pub const INTRODUCTION: &str = "(before the first section)";

/// The parts of a plan outside its level-2 sections, each like a section: the text above
/// the first section (its title, an introduction), titled `INTRODUCTION` and without a
/// heading line; and each level-1 heading after it, with the text under it up to the next
/// section, titled `# ` and its heading. They are on the published page like the sections.
fn outside_sections(text: &str) -> Vec<SectionText<'_>> {
    let body_start = split_front_matter(text).map_or(0, |(_, start)| start);
    let body = markdown::parse_body(text, body_start);
    let file = SourceFile::new("", text);
    let first = body
        .sections
        .first()
        .map_or(text.len(), |section| section.heading.start);
    let mut parts = Vec::new();
    let start = body_start.min(first);
    let introduction = text.get(start..first).unwrap_or_default();
    // Blank lines at its top do not count, as they do not at its end.
    let blank = introduction.len()
        - introduction
            .trim_start_matches(['\n', '\r', ' ', '\t'])
            .len();
    let leading = introduction[..blank].rfind('\n').map_or(0, |i| i + 1);
    let content = comparable(&introduction[leading..]);
    if !content.is_empty() {
        let line = file.line_number(start + leading);
        parts.push(SectionText {
            title: INTRODUCTION.to_string(),
            heading_line: line,
            content_line: line,
            heading: "",
            content,
        });
    }
    for (index, heading) in body.headings.iter().enumerate() {
        if heading.level != 1 || heading.span.start < first {
            continue;
        }
        let end = body.headings[index + 1..]
            .iter()
            .find(|next| next.level <= 2)
            .map_or(text.len(), |next| next.span.start);
        let heading_end = line_end(text, heading.span.end.saturating_sub(1));
        let content_start = heading_end.min(end);
        parts.push(SectionText {
            title: format!("# {}", heading.title),
            heading_line: file.line_number(heading.span.start),
            content_line: file.line_number(content_start),
            heading: text
                .get(heading.span.start..heading_end)
                .unwrap_or_default(),
            content: comparable(text.get(content_start..end).unwrap_or_default()),
        });
    }
    parts
}

/// The parts outside the sections (`outside_sections`) that differ between `old` and
/// `new`, matched by title as sections are.
pub fn outside_diffs(old: &str, new: &str) -> Vec<SectionDiff> {
    let mut diffs = matched_diffs(&outside_sections(old), &outside_sections(new));
    diffs.retain(|diff| diff.status != SectionStatus::Unchanged);
    diffs
}

/// Diffs every section of `old` and `new`, matching sections by title, ignoring case; a
/// title used twice matches its first use with the first, its second with the second.
pub fn section_diffs(old: &str, new: &str) -> Vec<SectionDiff> {
    matched_diffs(&sections(old), &sections(new))
}

/// Diffs two lists of sections, matched by title as `section_diffs` says.
fn matched_diffs(
    old_sections: &[SectionText<'_>],
    new_sections: &[SectionText<'_>],
) -> Vec<SectionDiff> {
    let mut by_title: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, section) in old_sections.iter().enumerate().rev() {
        by_title
            .entry(section.title.to_lowercase())
            .or_default()
            .push(index);
    }
    let mut matched = HashSet::new();
    let mut diffs = Vec::new();
    for section in new_sections {
        let old_index = by_title
            .get_mut(&section.title.to_lowercase())
            .and_then(Vec::pop);
        match old_index.and_then(|i| old_sections.get(i).map(|s| (i, s))) {
            Some((index, before)) => {
                matched.insert(index);
                diffs.push(compare(before, section));
            }
            None => diffs.push(whole(section, LineKind::Added)),
        }
    }
    for (index, section) in old_sections.iter().enumerate() {
        if !matched.contains(&index) {
            diffs.push(whole(section, LineKind::Removed));
        }
    }
    diffs
}

fn compare(old: &SectionText<'_>, new: &SectionText<'_>) -> SectionDiff {
    let hunks = if old.heading.trim_end() != new.heading.trim_end() {
        // Matched by title ignoring case, but the heading line itself changed: show it.
        hunks(
            &format!("{}\n{}", old.heading.trim_end(), old.content),
            &format!("{}\n{}", new.heading.trim_end(), new.content),
            old.heading_line,
            new.heading_line,
        )
    } else if old.content == new.content {
        Vec::new()
    } else {
        hunks(
            &old.content,
            &new.content,
            old.content_line,
            new.content_line,
        )
    };
    SectionDiff {
        title: new.title.clone(),
        status: if hunks.is_empty() {
            SectionStatus::Unchanged
        } else {
            SectionStatus::Changed
        },
        old_line: Some(old.heading_line),
        new_line: Some(new.heading_line),
        hunks,
    }
}

/// An added or removed section: one hunk with its heading and content.
fn whole(section: &SectionText<'_>, kind: LineKind) -> SectionDiff {
    let lines: Vec<DiffLine> = section
        .heading
        .lines()
        .chain(section.content.lines())
        .map(|line| DiffLine {
            kind,
            text: line.trim_end_matches('\r').to_string(),
        })
        .collect();
    let count = lines.len();
    let (old_start, old_lines, new_start, new_lines, status, old_line, new_line) = match kind {
        LineKind::Removed => (
            section.heading_line,
            count,
            0,
            0,
            SectionStatus::Removed,
            Some(section.heading_line),
            None,
        ),
        _ => (
            0,
            0,
            section.heading_line,
            count,
            SectionStatus::Added,
            None,
            Some(section.heading_line),
        ),
    };
    SectionDiff {
        title: section.title.clone(),
        status,
        old_line,
        new_line,
        hunks: vec![Hunk {
            old_start,
            old_lines,
            new_start,
            new_lines,
            lines,
        }],
    }
}

/// Unified hunks (3 lines of context) of two texts whose first lines are file lines
/// `old_first` and `new_first`.
fn hunks(old: &str, new: &str, old_first: usize, new_first: usize) -> Vec<Hunk> {
    // Plans are short; the deadline only guards against pathological input.
    let diff = TextDiff::configure()
        .timeout(Duration::from_secs(2))
        .diff_lines(old, new);
    diff.grouped_ops(3)
        .iter()
        .filter_map(|group| {
            let first = group.first()?;
            let last = group.last()?;
            let old_range = first.old_range().start..last.old_range().end;
            let new_range = first.new_range().start..last.new_range().end;
            let lines = group
                .iter()
                .flat_map(|op| diff.iter_changes(op))
                .map(|change| DiffLine {
                    kind: match change.tag() {
                        ChangeTag::Equal => LineKind::Context,
                        ChangeTag::Delete => LineKind::Removed,
                        ChangeTag::Insert => LineKind::Added,
                    },
                    text: change
                        .value()
                        .trim_end_matches('\n')
                        .trim_end_matches('\r')
                        .to_string(),
                })
                .collect();
            Some(Hunk {
                old_start: hunk_start(old_first, &old_range),
                old_lines: old_range.len(),
                new_start: hunk_start(new_first, &new_range),
                new_lines: new_range.len(),
                lines,
            })
        })
        .collect()
}

/// The unified-diff start of a range: its first line, or the line before an empty range.
fn hunk_start(first_line: usize, range: &Range<usize>) -> usize {
    let start = first_line + range.start;
    if range.is_empty() {
        start.saturating_sub(1)
    } else {
        start
    }
}

/// The front-matter keys (dotted for tables) whose values differ, the new plan's keys in
/// its order, then keys only the old plan has. Empty when either side's front matter is
/// missing or not TOML: there is nothing to compare field by field.
pub fn front_matter_changes(old: &str, new: &str) -> Vec<FieldChange> {
    let (Some(old), Some(new)) = (front_fields(old), front_fields(new)) else {
        return Vec::new();
    };
    let old_map: HashMap<&str, &str> = old.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let new_keys: HashSet<&str> = new.iter().map(|(k, _)| k.as_str()).collect();
    let mut changes = Vec::new();
    for (key, value) in &new {
        let before = old_map.get(key.as_str()).copied();
        if before != Some(value.as_str()) {
            changes.push(FieldChange {
                key: key.clone(),
                old: before.map(str::to_string),
                new: Some(value.clone()),
            });
        }
    }
    for (key, value) in &old {
        if !new_keys.contains(key.as_str()) {
            changes.push(FieldChange {
                key: key.clone(),
                old: Some(value.clone()),
                new: None,
            });
        }
    }
    changes
}

/// The front matter as (dotted key, TOML value) pairs in file order.
fn front_fields(text: &str) -> Option<Vec<(String, String)>> {
    let (span, _) = split_front_matter(text)?;
    let doc: toml_edit::DocumentMut = text.get(span)?.parse().ok()?;
    let mut fields = Vec::new();
    flatten("", doc.as_table(), &mut fields);
    Some(fields)
}

fn flatten(prefix: &str, table: &dyn toml_edit::TableLike, out: &mut Vec<(String, String)>) {
    for (key, item) in table.iter() {
        let key = format!("{prefix}{key}");
        if let Some(inner) = item.as_table_like() {
            flatten(&format!("{key}."), inner, out);
        } else if let Some(value) = item.as_value() {
            let mut value = value.clone();
            value.decor_mut().clear();
            out.push((key, value.to_string()));
        } else if let Some(array) = item.as_array_of_tables() {
            out.push((key, format!("{} tables", array.len())));
        }
    }
}

/// Items added, removed and changed from `old` to `new`.
pub fn manifest_delta(old: &Manifest, new: &Manifest) -> ManifestDelta {
    let mut delta = ManifestDelta::default();
    for item in &new.items {
        match old.item(&item.id) {
            None => delta.added.push(ItemSummary::of(item)),
            Some(before) => {
                let fields = item_changes(before, item);
                if !fields.is_empty() {
                    delta.changed.push(ItemChange {
                        id: item.id.to_string(),
                        fields,
                    });
                }
            }
        }
    }
    for item in &old.items {
        if new.item(&item.id).is_none() {
            delta.removed.push(ItemSummary::of(item));
        }
    }
    delta
}

/// A version as the change summaries keep it.
fn owned(version: &Option<compact_str::CompactString>) -> Option<String> {
    version.as_deref().map(str::to_string)
}

fn item_changes(old: &Item, new: &Item) -> Vec<FieldChange> {
    let pairs = [
        (
            "kind",
            Some(old.kind.to_string()),
            Some(new.kind.to_string()),
        ),
        ("version", owned(&old.version), owned(&new.version)),
        ("previous", owned(&old.previous), owned(&new.previous)),
        (
            "reversible",
            Some(old.reversible.to_string()),
            Some(new.reversible.to_string()),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .map(|(key, old, new)| FieldChange {
            key: key.to_string(),
            old,
            new,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::PlanId;

    const OLD: &str = "+++
team = \"payments\"
release = \"v1.4\"
status = \"published\"
[tested]
result = \"pass\"
+++

# Plan

## Criteria
Errors above 2%.

## Procedure
1. Roll back `old-api`: `deploy old-api 1.0`
2. Check `make smoke`

## Testing
Tried.
";

    const NEW: &str = "+++
team = \"payments\"
release = \"v1.5\"
status = \"draft\"
+++

# Plan

## procedure
1. Roll back `new-api`: `deploy new-api 2.0`
2. Check `make smoke`

## Criteria
Errors above 2%.

## Rollout
Canary first.
";

    fn statuses(diffs: &[SectionDiff]) -> Vec<(&str, SectionStatus)> {
        diffs.iter().map(|d| (d.title.as_str(), d.status)).collect()
    }

    #[test]
    fn matches_sections_by_title_not_position() {
        let diffs = section_diffs(OLD, NEW);
        assert_eq!(
            statuses(&diffs),
            [
                ("procedure", SectionStatus::Changed),
                ("Criteria", SectionStatus::Unchanged),
                ("Rollout", SectionStatus::Added),
                ("Testing", SectionStatus::Removed),
            ]
        );
        assert_eq!(diffs[1].old_line, Some(11));
        assert_eq!(diffs[1].new_line, Some(13));
    }

    #[test]
    fn hunks_carry_file_line_numbers() {
        let diffs = section_diffs(OLD, NEW);
        let hunk = &diffs[0].hunks[0];
        // The heading matched ignoring case, but its case changed: it is part of the hunk.
        assert_eq!(hunk.header(), "@@ -14,3 +9,3 @@");
        let lines: Vec<String> = hunk
            .lines
            .iter()
            .map(|l| format!("{}{}", l.kind.sign(), l.text))
            .collect();
        assert_eq!(
            lines,
            [
                "-## Procedure",
                "-1. Roll back `old-api`: `deploy old-api 1.0`",
                "+## procedure",
                "+1. Roll back `new-api`: `deploy new-api 2.0`",
                " 2. Check `make smoke`",
            ]
        );
        assert_eq!(diffs[2].hunks[0].header(), "@@ -0,0 +16,2 @@");
        assert_eq!(diffs[3].hunks[0].header(), "@@ -18,2 +0,0 @@");
        assert_eq!(diffs[3].hunks[0].lines[0].text, "## Testing");
    }

    #[test]
    fn trailing_blank_lines_do_not_count() {
        let a = "## A\nx\n\n\n## B\ny";
        let b = "## B\ny\n\n## A\nx\n";
        let diffs = section_diffs(a, b);
        assert!(
            diffs.iter().all(|d| d.status == SectionStatus::Unchanged),
            "{diffs:?}"
        );
    }

    #[test]
    fn duplicate_titles_pair_in_order() {
        let a = "## Notes\none\n## Notes\ntwo\n";
        let b = "## Notes\none\n## Notes\nthree\n";
        let diffs = section_diffs(a, b);
        assert_eq!(
            statuses(&diffs),
            [
                ("Notes", SectionStatus::Unchanged),
                ("Notes", SectionStatus::Changed)
            ]
        );
    }

    #[test]
    fn front_matter_changes_are_dotted_keys() {
        let changes = front_matter_changes(OLD, NEW);
        let shown: Vec<(&str, Option<&str>, Option<&str>)> = changes
            .iter()
            .map(|c| (c.key.as_str(), c.old.as_deref(), c.new.as_deref()))
            .collect();
        assert_eq!(
            shown,
            [
                ("release", Some("\"v1.4\""), Some("\"v1.5\"")),
                ("status", Some("\"published\""), Some("\"draft\"")),
                ("tested.result", Some("\"pass\""), None),
            ]
        );
    }

    #[test]
    fn manifest_delta_lists_added_removed_and_changed() {
        let id = PlanId::new("p", "v1");
        let old = Manifest::parse(
            "team = \"p\"\nrelease = \"v1\"\n[[items]]\nid = \"a\"\nkind = \"service\"\nversion = \"1\"\n[[items]]\nid = \"gone\"\nkind = \"flag\"\n",
            &id,
        );
        let new = Manifest::parse(
            "team = \"p\"\nrelease = \"v1\"\n[[items]]\nid = \"a\"\nkind = \"service\"\nversion = \"2\"\n[[items]]\nid = \"db\"\nkind = \"migration\"\nreversible = false\n",
            &id,
        );
        let delta = manifest_delta(&old, &new);
        assert_eq!(delta.added.len(), 1);
        assert_eq!(delta.added[0].describe(), "migration, irreversible");
        assert_eq!(delta.removed[0].id, "gone");
        assert_eq!(
            delta.changed,
            [ItemChange {
                id: "a".into(),
                fields: vec![FieldChange {
                    key: "version".into(),
                    old: Some("1".into()),
                    new: Some("2".into())
                }]
            }]
        );
    }

    #[test]
    fn front_matter_that_cannot_be_read_is_not_called_unchanged() {
        let broken = OLD.replacen("team = ", "team = = ", 1);
        let side = |label, text| Side {
            label,
            text,
            manifest: None,
        };
        let diff = PlanDiff::new(&side("p/v1.4", &broken), &side("p/v1.5", OLD));
        assert_eq!(diff.front_matter_unreadable, ["p/v1.4"]);
        assert!(diff.front_matter.is_empty() && !diff.is_unchanged());
    }

    #[test]
    fn identical_plans_are_unchanged() {
        let side = Side {
            label: "a",
            text: OLD,
            manifest: None,
        };
        assert!(PlanDiff::new(&side, &side).is_unchanged());
    }
}
