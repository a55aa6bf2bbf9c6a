//! The export model: the plan as `--format json` prints it (and the other formats read
//! it), its JSON Schema, and how the front matter, drill records and findings become it.

use schemars::JsonSchema;
use serde::Serialize;

use super::ChangeRequest;
use super::plain;
use crate::diag::{Finding, Severity};
use crate::drill;
use crate::plan::{Plan, Status};
use crate::sections::Kind;

/// A backout plan as one JSON document: `backout export SPEC --format json`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(
    title = "backout export",
    description = "A backout plan as `backout export SPEC --format json` prints it.",
    deny_unknown_fields
)]
pub struct Export {
    /// The version of this document's shape: 1. It changes when a field changes meaning or
    /// disappears; fields may be added within a version.
    pub version: u32,
    /// The team, from the plan's directory.
    pub team: String,
    /// The release, from the plan's directory.
    pub release: String,
    /// The plan file, repository-relative with `/` separators.
    pub file: String,
    pub front_matter: FrontMatter,
    /// The level-1 heading that opens the body, as plain text.
    pub title: Option<String>,
    /// What stands between the title and the first section.
    pub introduction: Option<Content>,
    /// Every level-2 section in document order (and any level-1 heading after the first
    /// section, with what follows it).
    pub sections: Vec<Section>,
    /// The procedure steps, numbered as `check` and `drill` number them.
    pub steps: Vec<Step>,
    /// The release's manifest; null when it is missing or cannot be read.
    pub manifest: Option<ExportManifest>,
    pub drills: Drills,
    pub check: Check,
}

/// The front matter, as far as it could be read; a value that is missing or wrong is null.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FrontMatter {
    pub team: Option<String>,
    pub release: Option<String>,
    pub status: Option<Status>,
    /// Ids of other releases the plan refers to on purpose.
    pub refers: Vec<String>,
    /// How long after deployment a rollback is still possible, like `72h` or `1h30m`.
    pub window: Option<String>,
    pub window_seconds: Option<u64>,
    /// The expected time to complete the rollback.
    pub duration: Option<String>,
    pub duration_seconds: Option<u64>,
    pub baseline: Option<Baseline>,
    pub tested: Option<Tested>,
    pub published: Option<Published>,
}

/// `[baseline]`: the plan this one was forked from.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Baseline {
    /// `TEAM/RELEASE`.
    pub from: Option<String>,
    pub commit: Option<String>,
}

/// `[tested]`: evidence written into the front matter.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Tested {
    /// A TOML date or date-time, as written.
    pub on: Option<String>,
    pub result: Option<TestResult>,
}

/// How a test went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TestResult {
    Pass,
    Fail,
}

/// `[published]`: when and from which commit the plan was published.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Published {
    /// RFC 3339.
    pub at: Option<String>,
    pub commit: Option<String>,
}

/// A piece of the body: as written, and as plain text.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Content {
    /// The Markdown as written in the plan (untrusted: escape it wherever it is shown).
    pub markdown: String,
    /// Plain text: raw HTML reduced to its text, links as `text (url)` for http, https
    /// and mailto only, control characters removed.
    pub text: String,
}

/// A section of the body.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Section {
    /// The heading as written, as plain text.
    pub title: String,
    /// The required section the title names, by its canonical name; null for any other
    /// section.
    pub kind: Option<Kind>,
    /// The heading level: 2, or 1 for a level-1 heading after the first section.
    pub level: u8,
    /// The heading's line in the plan file.
    pub line: usize,
    /// Whether the section holds more than whitespace and HTML comments.
    pub answered: bool,
    /// The content (after the heading) as written (untrusted: escape it wherever it is
    /// shown).
    pub markdown: String,
    /// The content as plain text (see `introduction.text`).
    pub text: String,
}

/// A procedure step.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Step {
    /// 1-based, across the whole procedure.
    pub number: usize,
    /// Its line in the plan file.
    pub line: usize,
    /// The `###` subsection of the procedure it is under.
    pub subsection: Option<String>,
    /// Its first line as plain text (inline code keeps its backticks).
    pub title: String,
    /// The step as plain text, without its list marker.
    pub text: String,
    /// The step as written in the plan, list marker included, dedented.
    pub markdown: String,
    /// Its code blocks, and inline code of more than one word: what to copy and run.
    pub commands: Vec<String>,
    /// Its links with an http, https, mailto or relative address.
    pub links: Vec<Link>,
    /// Whether it says how: inline code, a code block or a link.
    pub says_how: bool,
    /// The ids of the manifest items it refers to.
    pub items: Vec<String>,
}

/// A link in a step.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Link {
    pub text: String,
    pub url: String,
}

/// The release's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
#[schemars(rename = "Manifest")]
pub struct ExportManifest {
    /// The manifest file, repository-relative.
    pub file: String,
    pub items: Vec<Item>,
}

/// One thing the release deploys, and where the plan refers to it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub kind: crate::manifest::Kind,
    /// The version this release deploys.
    pub version: Option<String>,
    /// The version a rollback returns to.
    pub previous: Option<String>,
    /// False for a change the rollback cannot undo.
    pub reversible: bool,
    /// The numbers of the steps that refer to it.
    pub steps: Vec<usize>,
    /// The titles of the sections that refer to it, in document order.
    pub sections: Vec<String>,
}

/// The release's drill records that count.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Drills {
    /// The latest drill or real backout, whatever its result.
    pub latest: Option<Drill>,
    /// The latest that passed: what `check` and the published page count.
    pub latest_passing: Option<Drill>,
}

/// A drill record.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Drill {
    /// The record, repository-relative.
    pub file: String,
    pub kind: drill::Kind,
    pub by: String,
    pub env: Option<String>,
    /// RFC 3339, UTC.
    pub started: String,
    pub finished: String,
    pub result: drill::Verdict,
    /// The measured time (interruptions left out), like `38m`.
    pub took: String,
    pub took_seconds: u64,
    /// HEAD when the drill started.
    pub commit: Option<String>,
    /// Whether the Procedure is still the one the drill followed.
    pub procedure_unchanged: bool,
    pub steps: Vec<DrillStep>,
}

/// One step of a drill, as it went.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DrillStep {
    pub number: usize,
    /// The step's title when it was walked.
    pub text: String,
    pub outcome: drill::Outcome,
    /// RFC 3339, UTC.
    pub at: String,
    pub note: Option<String>,
}

/// What `check` found in the plan (there are errors only with `--allow-errors`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Check {
    pub errors: usize,
    pub warnings: usize,
    pub findings: Vec<CheckFinding>,
}

/// A finding, as `backout check --format json` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CheckFinding {
    /// The rule's code, such as `untested`.
    pub rule: String,
    pub severity: Severity,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The JSON Schema (draft-07) of the document `--format json` prints.
pub fn schema() -> serde_json::Value {
    schema_of::<Export>()
}

/// The JSON Schema (draft-07) of the object `--format servicenow` prints.
pub fn servicenow_schema() -> serde_json::Value {
    schema_of::<ChangeRequest>()
}

/// Every field is always printed (null when it has no value), so the schema requires
/// every property, and allows no other.
fn schema_of<T: JsonSchema>() -> serde_json::Value {
    fn require_all(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(object) => {
                let keys: Option<Vec<serde_json::Value>> = object
                    .get("properties")
                    .and_then(|p| p.as_object())
                    .map(|p| p.keys().cloned().map(serde_json::Value::String).collect());
                if let Some(keys) = keys {
                    object.insert("required".into(), serde_json::Value::Array(keys));
                }
                object.values_mut().for_each(require_all);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(require_all),
            _ => {}
        }
    }
    let schema = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<T>();
    let mut value = serde_json::to_value(schema).unwrap_or_default();
    require_all(&mut value);
    value
}

/// A duration as the front matter writes it (`72h` stays `72h`), when that reads back as
/// the same duration; otherwise as backout writes durations.
fn written(text: &str, at: &crate::fields::At<crate::duration::Duration>) -> String {
    let literal = text.get(at.span.clone()).unwrap_or_default();
    let inner = literal
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .trim();
    match crate::duration::Duration::parse(inner) {
        Some(parsed) if parsed == at.value => plain::clean(inner),
        _ => at.value.to_string(),
    }
}

pub(super) fn front_matter(plan: &Plan, text: &str) -> FrontMatter {
    let front = &plan.front;
    let value = |at: &Option<crate::fields::At<String>>| at.as_ref().map(|a| a.value.clone());
    FrontMatter {
        team: value(&front.team),
        release: value(&front.release),
        status: front.status.as_ref().map(|s| s.value),
        refers: front.refers.iter().map(|r| r.value.clone()).collect(),
        window: front.window.as_ref().map(|w| written(text, w)),
        window_seconds: front.window.as_ref().map(|w| w.value.seconds()),
        duration: front.duration.as_ref().map(|d| written(text, d)),
        duration_seconds: front.duration.as_ref().map(|d| d.value.seconds()),
        baseline: front.baseline.as_ref().map(|b| Baseline {
            from: value(&b.from),
            commit: value(&b.commit),
        }),
        tested: front.tested.as_ref().map(|t| Tested {
            on: t.on.as_ref().map(|on| on.value.to_string()),
            result: t.passed.as_ref().map(|p| {
                if p.value {
                    TestResult::Pass
                } else {
                    TestResult::Fail
                }
            }),
        }),
        published: front.published.as_ref().map(|p| Published {
            at: p.at.as_ref().map(|at| at.value.to_string()),
            commit: value(&p.commit),
        }),
    }
}

pub(super) fn export_drill(found: drill::Found<'_>, procedure: &str) -> Drill {
    let summary = drill::Summary::of(found);
    let record = found.record;
    let moment = |s: i64| {
        crate::clock::utc(s)
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    Drill {
        file: summary.file,
        kind: summary.kind,
        by: plain::clean(&summary.by),
        env: summary.env.as_deref().map(plain::clean),
        started: summary.started,
        finished: summary.finished,
        result: summary.result,
        took: summary.took,
        took_seconds: summary.took_seconds,
        commit: record.commit.clone(),
        procedure_unchanged: record.procedure == procedure,
        steps: record
            .steps
            .iter()
            .map(|step| DrillStep {
                number: step.number,
                text: plain::clean(&step.text),
                outcome: step.outcome,
                at: moment(step.at),
                note: step.note.as_deref().map(plain::clean),
            })
            .collect(),
    }
}

pub(super) fn check(findings: &[Finding]) -> Check {
    let tally = crate::diag::Tally::of(findings);
    Check {
        errors: tally.errors,
        warnings: tally.warnings,
        findings: findings
            .iter()
            .map(|f| CheckFinding {
                rule: f.rule.code().to_string(),
                severity: f.severity,
                file: f.file.clone(),
                line: f.line,
                column: f.column,
                message: f.message.clone(),
            })
            .collect(),
    }
}
