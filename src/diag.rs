//! Findings: what is wrong in a plan, where, and how bad. Rule codes live here, and the
//! renderers that turn findings into human, JSON, GitHub and SARIF output.
//!
//! A leaf module: it knows nothing of plans, only of files, spans and rules.

pub mod escape;
mod fingerprint;
mod github;
mod gitlab;
mod human;
mod json;
mod rule_docs;
mod sarif;
mod summary;

pub use fingerprint::fingerprints;
pub use github::{
    SHOWN_PER_STEP, escape_data, escape_property, overflow_notice, overflow_notice_for,
    render_github,
};
pub use gitlab::render_gitlab;
pub use human::{HumanStyle, render_human};
pub use json::{JsonReport, Note, render_check_json, render_json, render_json_with_notes};
pub use rule_docs::RuleDocs;
pub use sarif::render_sarif;
pub use summary::{code_span, markdown_cell, render_summary};

use std::fmt;
use std::ops::Range;

use serde::Serialize;

/// How bad a finding is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

macro_rules! rules {
    ($($variant:ident = $code:literal, $severity:ident, $summary:literal;)*) => {
        /// Every rule a finding can come from, with a stable kebab-case code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $($variant,)*
        }

        impl Rule {
            /// All rules, in documentation order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The stable code users see, filter on and look up in the docs.
            pub fn code(self) -> &'static str {
                match self {
                    $(Rule::$variant => $code,)*
                }
            }

            /// The severity findings of this rule have.
            pub fn severity(self) -> Severity {
                match self {
                    $(Rule::$variant => Severity::$severity,)*
                }
            }

            /// One line saying what the rule looks for.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Rule::$variant => $summary,)*
                }
            }
        }
    };
}

rules! {
    InvalidPlan = "invalid-plan", Error,
        "The plan or its manifest cannot be read: front matter or manifest missing, not TOML, wrong types, unknown keys, or names that do not match the directory.";
    MissingSection = "missing-section", Error,
        "A section every backout plan needs is missing.";
    UnansweredSection = "unanswered-section", Error,
        "A required section holds nothing but whitespace and HTML comments.";
    Placeholder = "placeholder", Error,
        "The plan still holds a TODO, TBD or FIXME placeholder.";
    ForeignItem = "foreign-item", Error,
        "The plan refers to an item of another release that this release's manifest does not list.";
    UncoveredItem = "uncovered-item", Error,
        "An item of this release's manifest is not named by any procedure step.";
    StaleVersion = "stale-version", Warning,
        "A version next to an item reference is neither that item's version nor its previous version.";
    ForeignRelease = "foreign-release", Warning,
        "The plan names a release of its team other than itself and its previous release.";
    ForeignTeam = "foreign-team", Warning,
        "A plan forked from a sibling team's still names that team, in text, code, channels or links.";
    StepWithoutHow = "step-without-how", Warning,
        "A procedure step says what to do but not how: no command, code or link.";
    WindowTooShort = "window-too-short", Error,
        "The rollback takes longer than the window in which a rollback is still possible.";
    Untested = "untested", Warning,
        "An approved or published plan has no passing test recorded: no `[tested] result = \"pass\"` and no passing drill that counts.";
    DrillStale = "drill-stale", Warning,
        "The Procedure changed since the last passing drill.";
    DrillSlow = "drill-slow", Warning,
        "The last passing drill took longer than the plan's `duration`.";
    IrreversibleItem = "irreversible-item", Error,
        "An irreversible item is not covered by Contingencies or by a step that says how.";
    EmptyManifest = "empty-manifest", Error,
        "The release's manifest lists no items.";
    UnusedIgnore = "unused-ignore", Warning,
        "A backout-ignore comment names no rule, an unknown rule or invalid-plan, gives no reason, or silences nothing.";
    PublishedChanged = "published-changed", Error,
        "A pull request changes or deletes a plan that was already published.";
    StatusSkipped = "status-skipped", Warning,
        "A pull request takes a plan from draft straight to published.";
    ManifestDrift = "manifest-drift", Warning,
        "The release's git changes hold an item, found by the [[derive]] rules, that its manifest lacks.";
    BidiControl = "bidi-control", Error,
        "The plan or its manifest holds a bidirectional control character (Trojan Source): a line shows in another order than the one that is copied and run.";
    ConflictMarker = "conflict-marker", Error,
        "The plan holds an unresolved merge conflict: both sides of a merge, between `<<<<<<<` and `>>>>>>>` lines.";
    DuplicateSection = "duplicate-section", Warning,
        "A required section is written twice: the plan gives two answers to one question.";

}

impl Rule {
    /// The rule with this code, if any.
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|rule| rule.code() == code)
    }

    /// Where the rule is documented, relative to the repository's docs/.
    pub fn doc_anchor(self) -> String {
        format!("rules.md#{}", self.code())
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One thing wrong in a plan, located in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    /// Repository-relative path with `/` separators.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in Unicode scalar values.
    pub column: usize,
    /// 1-based column just after the span on its first line (at least `column + 1`).
    pub end_column: usize,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The source line (or a window of it, when long), for human output.
    #[serde(skip)]
    pub snippet: Snippet,
}

/// The text of a finding's line, cut to a window when the line is long.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    pub text: String,
    /// Column of the first character of `text` in the real line (1 when not cut).
    pub first_column: usize,
    /// Whether the line goes on after `text`.
    pub cut_end: bool,
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl Finding {
    /// Adds a sentence saying how to fix the finding.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this finding fails a check.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A finding a `<!-- backout-ignore RULE: reason -->` comment silenced: reported as such,
/// counted, never failing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    #[serde(flatten)]
    pub finding: Finding,
    /// Why the plan is right here, as the comment says.
    pub reason: String,
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub errors: usize,
    pub warnings: usize,
}

impl Tally {
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Tally {
        let mut tally = Tally::default();
        for finding in findings {
            match finding.severity {
                Severity::Error => tally.errors += 1,
                Severity::Warning => tally.warnings += 1,
            }
        }
        tally
    }
}

/// The longest piece of a line kept in a snippet.
const SNIPPET_WIDTH: usize = 160;

/// A file's text with an index of line starts, to turn byte spans into lines and columns.
pub struct SourceFile<'a> {
    path: &'a str,
    text: &'a str,
    /// Made when a span is first turned into a line: most files have no finding.
    line_starts: std::cell::OnceCell<Vec<usize>>,
    /// The last column computed: (line start, byte, characters before it on the line).
    column_cache: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> SourceFile<'a> {
    pub fn new(path: &'a str, text: &'a str) -> Self {
        SourceFile {
            path,
            text,
            line_starts: std::cell::OnceCell::new(),
            column_cache: std::cell::Cell::new((0, 0, 0)),
        }
    }

    pub fn path(&self) -> &'a str {
        self.path
    }

    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Where each line starts.
    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i + 1))
                .collect()
        })
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts().binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    /// 1-based line number of a byte offset.
    pub fn line_number(&self, offset: usize) -> usize {
        self.line_index(offset) + 1
    }

    /// The byte range of a 0-based line, without its line break.
    fn line_range(&self, line: usize) -> Range<usize> {
        let start = self
            .line_starts()
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let end = self
            .line_starts()
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        let end = end.max(start);
        let end = if self.text[start..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        start..end
    }

    /// A finding of `rule` at byte `span` of this file.
    pub fn finding(&self, rule: Rule, span: Range<usize>, message: impl Into<String>) -> Finding {
        let start = floor_char_boundary(self.text, span.start.min(self.text.len()));
        let line = self.line_index(start);
        let range = self.line_range(line);
        let start = start.clamp(range.start, range.end);
        let end = floor_char_boundary(self.text, span.end.clamp(start, range.end));
        let column = self.column_of(range.start, start);
        let width = self.text[start..end].chars().count().max(1);
        Finding {
            rule,
            severity: rule.severity(),
            file: self.path.to_string(),
            line: line + 1,
            column,
            end_column: column + width,
            message: message.into(),
            help: None,
            snippet: snippet(self.text, range, start, column),
        }
    }

    /// The 1-based column (in characters) of byte `at` on the line starting at `line_start`.
    /// Counting resumes from the previous answer when it is on the same line and before
    /// `at`, so many findings on one long line cost a pass over the line, not one each.
    fn column_of(&self, line_start: usize, at: usize) -> usize {
        let (cached_line, cached_at, cached_chars) = self.column_cache.get();
        let (from, chars) = if cached_line == line_start && cached_at <= at {
            (cached_at, cached_chars)
        } else {
            (line_start, 0)
        };
        let chars = chars + self.text[from..at].chars().count();
        self.column_cache.set((line_start, at, chars));
        chars + 1
    }

    /// A finding about the whole file, placed on its first line.
    pub fn file_finding(&self, rule: Rule, message: impl Into<String>) -> Finding {
        self.finding(rule, 0..0, message)
    }
}

/// A finding about a file whose text could not be read: line 1, column 1, no snippet.
pub fn unreadable_finding(path: &str, rule: Rule, message: impl Into<String>) -> Finding {
    Finding {
        rule,
        severity: rule.severity(),
        file: path.to_string(),
        line: 1,
        column: 1,
        end_column: 2,
        message: message.into(),
        help: None,
        snippet: Snippet::default(),
    }
}

/// The finding's line, or on a long line a window around the finding: found by walking at
/// most the window's width from the finding, so the cost does not grow with the line.
fn snippet(text: &str, line: Range<usize>, at: usize, column: usize) -> Snippet {
    if line.len() <= SNIPPET_WIDTH {
        return Snippet {
            text: text[line].to_string(),
            first_column: 1,
            cut_end: false,
        };
    }
    let before = &text[line.start..at];

    let (back_bytes, back_chars) = before
        .char_indices()
        .rev()
        .take(SNIPPET_WIDTH / 4)
        .fold((before.len(), 0), |(_, n), (i, _)| (i, n + 1));
    let window_start = line.start + back_bytes;
    let window_end = text[window_start..line.end]
        .char_indices()
        .nth(SNIPPET_WIDTH)
        .map_or(line.end, |(i, _)| window_start + i);

    Snippet {
        text: text[window_start..window_end].to_string(),
        first_column: column - back_chars,
        cut_end: window_end < line.end,
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Orders findings by file, then position, then rule, for stable output.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.file.as_str(), a.line, a.column, a.rule).cmp(&(
            b.file.as_str(),
            b.line,
            b.column,
            b.rule,
        ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_code_is_kebab_case_and_unique() {
        let mut codes: Vec<_> = Rule::ALL.iter().map(|r| r.code()).collect();
        for code in &codes {
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{code}"
            );
            assert_eq!(Rule::from_code(code).map(Rule::code), Some(*code));
        }
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), Rule::ALL.len());
    }

    #[test]
    fn locates_spans_in_characters() {
        let file = SourceFile::new("p.md", "first\nünï `id` x\r\nlast");
        let at = file.text().find("id").unwrap_or_default();
        let finding = file.finding(Rule::ForeignItem, at..at + 2, "m");
        assert_eq!(
            (finding.line, finding.column, finding.end_column),
            (2, 6, 8)
        );
        assert_eq!(finding.snippet.text, "ünï `id` x");
    }

    #[test]
    fn clamps_spans_to_the_first_line_and_the_text() {
        let file = SourceFile::new("p.md", "ab\ncd");
        let finding = file.finding(Rule::Placeholder, 1..100, "m");
        assert_eq!(
            (finding.line, finding.column, finding.end_column),
            (1, 2, 3)
        );
        let finding = file.finding(Rule::Placeholder, 100..200, "m");
        assert_eq!(finding.line, 2);
    }

    #[test]
    fn cuts_long_lines_around_the_span() {
        let line = "x".repeat(1000) + "HERE" + &"y".repeat(1000);
        let file = SourceFile::new("p.md", &line);
        let finding = file.finding(Rule::Placeholder, 1000..1004, "m");
        assert!(finding.snippet.text.contains("HERE"));
        assert!(finding.snippet.first_column > 1 && finding.snippet.cut_end);
        assert!(finding.snippet.text.chars().count() <= SNIPPET_WIDTH);
    }
}
