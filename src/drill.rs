//! Drills: walking a plan's procedure step by step, as a rehearsal or in a real incident,
//! and the record that stays behind. Pure: the procedure as steps with their commands and
//! links, the state machine the binary drives, the record's TOML (written, and read back
//! with every mistake located; unknown keys are errors), and which record is the latest
//! passing drill. `commands::drill` reads and writes the files; the terminal is the binary's.

use std::fmt;

use serde::Serialize;

use crate::clock;
use crate::diag::Finding;
use crate::duration::Duration;
use crate::fields::Problem;

mod procedure;
mod record;

pub use procedure::{Link, Procedure, Step, procedure_hash, procedure_heading};
pub use record::{Record, Stage, StepRecord, name_problem};

/// Where a release's drill records live, next to its plan.
pub const DIR: &str = "drills";

/// Whether a file named `name` in a drills directory is a record (not the state of a drill
/// in progress, `.drill-in-progress.toml`).
pub fn is_record_name(name: &str) -> bool {
    name.ends_with(".toml") && !name.starts_with('.')
}

/// The state of a drill that has not finished yet, in the drills directory.
pub const IN_PROGRESS: &str = ".drill-in-progress.toml";

/// Whether the drill was a rehearsal or a real backout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "DrillKind")]
pub enum Kind {
    Drill,
    Incident,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Drill => "drill",
            Kind::Incident => "incident",
        }
    }

    fn parse(text: &str) -> Option<Kind> {
        match text {
            "drill" => Some(Kind::Drill),
            "incident" => Some(Kind::Incident),
            _ => None,
        }
    }
}

/// What happened to one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Done,
    Failed,
    Skipped,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Done, Outcome::Failed, Outcome::Skipped];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
        }
    }

    /// `done`, `failed` or `skipped`, or in German `erledigt`, `fehlgeschlagen` or
    /// `übersprungen` (also `uebersprungen`), in any case.
    pub fn parse(text: &str) -> Option<Outcome> {
        let text = text.to_lowercase();
        Outcome::ALL.into_iter().find(|outcome| {
            let german: &[&str] = match outcome {
                Outcome::Done => &["erledigt"],
                Outcome::Failed => &["fehlgeschlagen"],
                Outcome::Skipped => &["übersprungen", "uebersprungen"],
            };
            outcome.as_str() == text || german.contains(&text.as_str())
        })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a drill ended: `pass` when every step was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
        }
    }

    fn parse(text: &str) -> Option<Verdict> {
        match text {
            "pass" => Some(Verdict::Pass),
            "fail" => Some(Verdict::Fail),
            _ => None,
        }
    }

    fn of(steps: &[StepRecord]) -> Verdict {
        if steps.iter().all(|step| step.outcome == Outcome::Done) {
            Verdict::Pass
        } else {
            Verdict::Fail
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of a drill answered on standard input: `done`, `failed` or `skipped` (any
/// case, a `:` after it allowed), optionally followed by a note. `Ok(None)` for a blank line
/// or a `#` comment; the error completes "standard input line N: ...".
pub fn parse_answer(line: &str) -> Result<Option<(Outcome, Option<String>)>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let end = line
        .find(|c: char| c.is_whitespace() || c == ':')
        .unwrap_or(line.len());
    let word = &line[..end];
    let Some(outcome) = Outcome::parse(word) else {
        let shown: String = word.chars().take(40).collect();
        return Err(format!("{shown:?} is not done, failed or skipped"));
    };
    let note = line[end..]
        .trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, ':' | '-' | '\u{2013}' | '\u{2014}')
        })
        .trim();
    Ok(Some((
        outcome,
        (!note.is_empty()).then(|| note.to_string()),
    )))
}

// ---------------------------------------------------------------------------------------
// The drill in progress: the state machine the binary drives.

/// What is known when a drill starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    pub kind: Kind,
    pub by: String,
    pub env: Option<String>,
    /// HEAD, when there is a commit.
    pub commit: Option<String>,
}

/// Why a drill in progress cannot go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumeProblem {
    /// The Procedure changed since the drill started.
    ProcedureChanged,
    /// The state holds a moment after now (seconds since the epoch): the clock is behind
    /// the one the drill ran on, or the state was edited. Going on would record steps
    /// before the drill's start.
    SavedLater(i64),
}

/// A drill being walked: the procedure, and the record so far.
#[derive(Debug, Clone)]
pub struct Drill {
    procedure: Procedure,
    record: Record,
}

impl Drill {
    /// Starts a drill of `procedure` at `now`.
    pub fn start(procedure: Procedure, start: Start, now: i64) -> Drill {
        let record = Record {
            kind: start.kind,
            by: start.by,
            env: start.env,
            started: now,
            finished: None,
            result: None,
            paused: 0,
            interrupted: None,
            resumed: None,
            commit: start.commit,
            procedure: procedure.hash.clone(),
            steps: Vec::new(),
        };
        Drill { procedure, record }
    }

    /// Goes on with a drill from its saved state at `now`. The time since it was
    /// interrupted is not counted; when that was not recorded (the process was killed),
    /// the time since its last answer, or since it last went on, whichever is later.
    pub fn resume(
        procedure: Procedure,
        mut state: Record,
        now: i64,
    ) -> Result<Drill, ResumeProblem> {
        if state.procedure != procedure.hash || state.steps.len() > procedure.steps.len() {
            return Err(ResumeProblem::ProcedureChanged);
        }
        let saved = [Some(state.started), state.interrupted, state.resumed]
            .into_iter()
            .chain(state.steps.iter().map(|s| Some(s.at)))
            .flatten()
            .max()
            .unwrap_or(state.started);
        if saved > now {
            return Err(ResumeProblem::SavedLater(saved));
        }
        let last = state.interrupted.unwrap_or_else(|| {
            let answered = state.steps.last().map(|s| s.at);
            [Some(state.started), answered, state.resumed]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(state.started)
        });
        state.paused = state
            .paused
            .saturating_add(now.saturating_sub(last).max(0) as u64);
        state.interrupted = None;
        state.resumed = Some(now);
        Ok(Drill {
            procedure,
            record: state,
        })
    }

    pub fn procedure(&self) -> &Procedure {
        &self.procedure
    }

    pub fn record(&self) -> &Record {
        &self.record
    }

    /// The step to do next; `None` when every step has an outcome.
    pub fn current(&self) -> Option<&Step> {
        self.procedure.steps.get(self.record.steps.len())
    }

    /// How many steps have an outcome.
    pub fn answered(&self) -> usize {
        self.record.steps.len()
    }

    pub fn total(&self) -> usize {
        self.procedure.steps.len()
    }

    /// Records the outcome of the current step; nothing when every step has one.
    pub fn mark(&mut self, outcome: Outcome, note: Option<String>, now: i64) {
        let Some(step) = self.current() else {
            return;
        };
        let record = StepRecord {
            number: step.number,
            text: step.title.clone(),
            outcome,
            at: now,
            note: note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()),
        };
        self.record.steps.push(record);
    }

    /// The drill's time so far: since it started, without the time it stood interrupted.
    pub fn elapsed(&self, now: i64) -> Duration {
        let seconds = now.saturating_sub(self.record.started).max(0) as u64;
        Duration::from_seconds(seconds.saturating_sub(self.record.paused))
    }

    /// Marks the drill interrupted at `now`, to be resumed later.
    pub fn interrupt(&mut self, now: i64) {
        self.record.interrupted = Some(now);
    }

    /// The state to save while the drill is in progress.
    pub fn state(&self) -> &Record {
        &self.record
    }

    /// Whether every step has an outcome.
    pub fn is_complete(&self) -> bool {
        self.current().is_none()
    }

    /// Ends the drill at `now`: the finished record.
    pub fn finish(mut self, now: i64) -> Record {
        self.record.finished = Some(now.max(self.record.started));
        self.record.interrupted = None;
        self.record.resumed = None;
        self.record.result = Some(Verdict::of(&self.record.steps));
        self.record
    }
}

// ---------------------------------------------------------------------------------------
// Records as found, and which one counts.

/// A file in a release's drills directory.
#[derive(Debug, Clone)]
pub struct RecordFile {
    /// Repository-relative, `/` separators.
    pub path: String,
    pub content: Content,
}

/// What a record file holds.
#[derive(Debug, Clone)]
pub enum Content {
    Read {
        text: String,
        parsed: Result<Record, Vec<Problem>>,
    },
    /// It could not be read; the finding says why.
    Unreadable(Finding),
}

impl RecordFile {
    /// A record file read as `text`.
    pub fn read(path: String, text: String) -> RecordFile {
        let parsed = Record::parse(&text, Stage::Finished);
        RecordFile {
            path,
            content: Content::Read { text, parsed },
        }
    }

    /// A file of the drills directory `dir` whose name is not UTF-8 (`shown` with U+FFFD
    /// for the bytes that are not): reported, never read, so that it counts as no drill in
    /// the work tree and in git alike (where a lookup by the shown name finds nothing).
    pub fn misnamed(dir: &str, shown: &str) -> RecordFile {
        let path = format!("{dir}/{shown}");
        let message = format!(
            "the name of a file in {dir}/ is not valid UTF-8; rename it to the time the drill started, as `backout drill` names its records (2026-11-27T10-15-00Z.toml)"
        );
        RecordFile {
            content: Content::Unreadable(crate::diag::unreadable_finding(
                &path,
                crate::diag::Rule::InvalidPlan,
                message,
            )),
            path,
        }
    }

    pub fn record(&self) -> Option<&Record> {
        match &self.content {
            Content::Read {
                parsed: Ok(record), ..
            } => Some(record),
            _ => None,
        }
    }
}

/// A record and where it is.
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    pub path: &'a str,
    pub record: &'a Record,
}

/// The latest valid record, by when it finished; with `passing`, the latest that passed.
pub fn latest(files: &[RecordFile], passing: bool) -> Option<Found<'_>> {
    files
        .iter()
        .filter_map(|file| {
            let record = file.record()?;
            (!passing || record.passed()).then_some(Found {
                path: &file.path,
                record,
            })
        })
        // Drills that end in the same second are in the order of their names: `<time>.toml`,
        // then `<time>-2.toml`, `<time>-3.toml`, ..., `<time>-10.toml`.
        .max_by_key(|found| (found.record.at(), found.path.len(), found.path))
}

/// `[check] drill_max_age` and the time to measure ages from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxAge {
    pub age: Duration,
    pub now: i64,
}

/// A plan's drill records, as `check` weighs them.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    pub files: &'a [RecordFile],
    pub max_age: Option<MaxAge>,
}

/// Where a plan stands with its drills.
#[derive(Debug, Clone, Copy)]
pub enum Standing<'a> {
    /// No passing drill.
    Untried,
    /// The latest passing drill, which counts.
    Counts(Found<'a>),
    /// The latest passing drill is older than `drill_max_age`: it no longer counts.
    Expired(Found<'a>),
}

impl<'a> Evidence<'a> {
    pub fn none() -> Evidence<'static> {
        Evidence {
            files: &[],
            max_age: None,
        }
    }

    pub fn standing(&self) -> Standing<'a> {
        let Some(found) = latest(self.files, true) else {
            return Standing::Untried;
        };
        match self.max_age {
            Some(max) if max.now.saturating_sub(found.record.at()) > max.age.seconds() as i64 => {
                Standing::Expired(found)
            }
            _ => Standing::Counts(found),
        }
    }
}

/// A record as `list`, `review` and JSON show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub file: String,
    pub kind: Kind,
    pub by: String,
    pub env: Option<String>,
    /// RFC 3339.
    pub started: String,
    pub finished: String,
    pub result: Verdict,
    /// The measured time, like `38m` (interruptions left out).
    pub took: String,
    pub took_seconds: u64,
    pub steps: usize,
    pub done: usize,
}

impl Summary {
    pub fn of(found: Found<'_>) -> Summary {
        let record = found.record;
        let moment = |s: i64| clock::utc(s).map(|d| d.to_string()).unwrap_or_default();
        let took = record.measured().unwrap_or(Duration::from_seconds(0));
        Summary {
            file: found.path.to_string(),
            kind: record.kind,
            by: record.by.clone(),
            env: record.env.clone(),
            started: moment(record.started),
            finished: moment(record.at()),
            result: record.result.unwrap_or(Verdict::Fail),
            took: took.to_string(),
            took_seconds: took.seconds(),
            steps: record.steps.len(),
            done: record
                .steps
                .iter()
                .filter(|s| s.outcome == Outcome::Done)
                .count(),
        }
    }
}

#[cfg(test)]
mod tests;
