//! The drill record as TOML: written by `backout drill`, read back by everything else with
//! every mistake located (unknown keys are errors, as in plans).

use serde::Serialize;
use toml::value::Datetime;

use super::{Kind, Outcome, Verdict};
use crate::clock;
use crate::duration::Duration;
use crate::fields::{self, At, Problem, Table};
use crate::plan::is_commit_id;

/// One step as it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    pub number: usize,
    /// The step's title when it was walked.
    pub text: String,
    pub outcome: Outcome,
    /// When it was marked, in seconds since the epoch.
    pub at: i64,
    pub note: Option<String>,
}

/// A drill record: a finished one (`drills/<time>.toml`), or the state of one in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub kind: Kind,
    pub by: String,
    pub env: Option<String>,
    /// Seconds since the epoch.
    pub started: i64,
    /// Set when the drill is finished.
    pub finished: Option<i64>,
    pub result: Option<Verdict>,
    /// Seconds the drill stood interrupted: not part of its measured time.
    pub paused: u64,
    /// When it was interrupted (in-progress state only).
    pub interrupted: Option<i64>,
    /// When it last went on after an interruption (in-progress state only).
    pub resumed: Option<i64>,
    /// HEAD when the drill started.
    pub commit: Option<String>,
    /// The hash of the Procedure it followed.
    pub procedure: String,
    pub steps: Vec<StepRecord>,
}

/// Which kind of file is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// A record in the drills directory: `finished` and `result` required.
    Finished,
    /// The state of a drill in progress.
    InProgress,
}

impl Record {
    /// How long the drill took: finished minus started, minus the time it stood interrupted.
    pub fn measured(&self) -> Option<Duration> {
        let finished = self.finished?;
        let seconds = finished.saturating_sub(self.started).max(0) as u64;
        Some(Duration::from_seconds(seconds.saturating_sub(self.paused)))
    }

    /// When the drill ended (or, in progress, began): what "latest" orders by.
    pub fn at(&self) -> i64 {
        self.finished.unwrap_or(self.started)
    }

    pub fn passed(&self) -> bool {
        self.result == Some(Verdict::Pass)
    }

    /// The file name of the finished record: the start time, `2026-11-27T10-15-00Z.toml`.
    pub fn file_name(&self) -> Option<String> {
        let started = clock::utc(self.started)?.to_string();
        Some(format!("{}.toml", started.replace(':', "-")))
    }

    /// The record as TOML, after a comment line saying what it is.
    pub fn to_toml(&self, comment: &str) -> Result<String, String> {
        let time = |seconds: i64| {
            clock::utc(seconds).ok_or_else(|| {
                format!("the time {seconds} (seconds since 1970) is not between 1970 and 9999")
            })
        };
        let mut steps = Vec::with_capacity(self.steps.len());
        for step in &self.steps {
            steps.push(StepToml {
                number: step.number,
                text: &step.text,
                outcome: step.outcome.as_str(),
                at: time(step.at)?,
                note: step.note.as_deref(),
            });
        }
        let toml = RecordToml {
            kind: self.kind.as_str(),
            by: &self.by,
            env: self.env.as_deref(),
            started: time(self.started)?,
            finished: self.finished.map(time).transpose()?,
            result: self.result.map(Verdict::as_str),
            paused: (self.paused > 0).then(|| Duration::from_seconds(self.paused).to_string()),
            interrupted: self.interrupted.map(time).transpose()?,
            resumed: self.resumed.map(time).transpose()?,
            commit: self.commit.as_deref(),
            procedure: &self.procedure,
            steps,
        };
        let body = toml::to_string(&toml).map_err(|e| e.to_string())?;
        let comment: String = comment.lines().map(|line| format!("# {line}\n")).collect();
        Ok(format!("{comment}{body}"))
    }

    /// Reads a record; every mistake is a located problem, and a record with any is refused.
    pub fn parse(text: &str, stage: Stage) -> Result<Record, Vec<Problem>> {
        let doc = fields::parse(text).map_err(|problem| vec![problem])?;
        let mut problems = Vec::new();
        let mut root = Table::root(&doc);
        let record = read_record(&mut root, stage, &mut problems);
        root.finish(&mut problems);
        match record {
            Some(record) if problems.is_empty() => Ok(record),
            _ => Err(problems),
        }
    }
}

#[derive(Serialize)]
struct RecordToml<'a> {
    kind: &'a str,
    by: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    env: Option<&'a str>,
    started: Datetime,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished: Option<Datetime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    paused: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interrupted: Option<Datetime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resumed: Option<Datetime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a str>,
    procedure: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    steps: Vec<StepToml<'a>>,
}

#[derive(Serialize)]
struct StepToml<'a> {
    number: usize,
    text: &'a str,
    outcome: &'a str,
    at: Datetime,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

/// Why a name (`by`, `env`) cannot be recorded, if it cannot.
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() {
        Some("is empty")
    } else if name.chars().count() > 200 {
        Some("is longer than 200 characters")
    } else if name
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
    {
        Some("holds a control character")
    } else {
        None
    }
}

fn read_record(
    root: &mut Table<'_, '_>,
    stage: Stage,
    problems: &mut Vec<Problem>,
) -> Option<Record> {
    let kind = root
        .required_string("kind", "\"drill\"", problems)
        .and_then(|kind| {
            let parsed = Kind::parse(kind.value);
            if parsed.is_none() {
                problems.push(
                    Problem::new(kind.span, format!("`kind` cannot be \"{}\"", kind.value))
                        .help("use \"drill\" (a rehearsal) or \"incident\" (a real backout)"),
                );
            }
            parsed
        });
    let by = read_name(root, "by", true, problems);
    let env = read_name(root, "env", false, problems);
    let started = read_moment(root, "started", true, problems);
    let finished = match stage {
        Stage::Finished => read_moment(root, "finished", true, problems),
        Stage::InProgress => None,
    };
    let result = match stage {
        Stage::Finished => read_verdict(root, problems),
        Stage::InProgress => None,
    };
    let (interrupted, resumed) = match stage {
        Stage::InProgress => (
            read_moment(root, "interrupted", false, problems),
            read_moment(root, "resumed", false, problems),
        ),
        Stage::Finished => (None, None),
    };
    let paused = root.string("paused", problems).and_then(|paused| {
        let parsed = Duration::parse(paused.value);
        if parsed.is_none() {
            problems.push(
                Problem::new(
                    paused.span.clone(),
                    format!("`paused` \"{}\" is not a duration", paused.value),
                )
                .help("write it like \"10m\" or \"1h30m\""),
            );
        }
        parsed.map(|value| At {
            value,
            span: paused.span,
        })
    });
    let commit = root.string("commit", problems).and_then(|commit| {
        if is_commit_id(commit.value) {
            Some(commit.value.to_string())
        } else {
            problems.push(
                Problem::new(
                    commit.span,
                    format!("`commit` is \"{}\", not a full commit id", commit.value),
                )
                .help("write the 40 (or 64) hex digits of the commit the drill ran at"),
            );
            None
        }
    });
    let procedure = root
        .required_string("procedure", "\"sha256:<64 hex digits>\"", problems)
        .and_then(|hash| {
            let valid = hash.value.strip_prefix("sha256:").is_some_and(|hex| {
                hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            });
            if !valid {
                problems.push(
                    Problem::new(
                        hash.span,
                        format!("`procedure` is \"{}\", not a procedure hash", hash.value),
                    )
                    .help("keep the value `backout drill` wrote: \"sha256:\" and 64 lower-case hex digits"),
                );
            }
            valid.then(|| hash.value.to_string())
        });
    let steps = read_steps(root, stage, problems);

    let (kind, by, started, procedure) = (kind?, by?, started?, procedure?);
    let record = Record {
        kind,
        by: by.value,
        env: env.map(|env| env.value),
        started: started.value,
        finished: finished.as_ref().map(|f| f.value),
        result: result.as_ref().map(|r| r.value),
        paused: paused.as_ref().map_or(0, |p| p.value.seconds()),
        interrupted: interrupted.map(|i| i.value),
        resumed: resumed.map(|r| r.value),
        commit,
        procedure,
        steps: steps?,
    };
    if stage == Stage::Finished {
        consistent(&record, finished?, result?, paused, root, problems);
    }
    Some(record)
}

/// The checks across keys of a finished record.
fn consistent(
    record: &Record,
    finished: At<i64>,
    result: At<Verdict>,
    paused: Option<At<Duration>>,
    root: &Table<'_, '_>,
    problems: &mut Vec<Problem>,
) {
    if finished.value < record.started {
        problems.push(
            Problem::new(finished.span.clone(), "`finished` is before `started`")
                .help("keep the times `backout drill` wrote"),
        );
    }
    if let Some(paused) = paused {
        let took = finished.value.saturating_sub(record.started).max(0) as u64;
        if paused.value.seconds() > took {
            problems.push(
                Problem::new(
                    paused.span,
                    format!(
                        "`paused` ({}) is longer than the drill ({})",
                        paused.value,
                        Duration::from_seconds(took)
                    ),
                )
                .help("keep the value `backout drill` wrote"),
            );
        }
    }
    if record.steps.is_empty() {
        let start = root.span().start;
        problems.push(
            Problem::new(start..start, "the record has no [[steps]]").help(
                "record one [[steps]] table per step of the procedure, as `backout drill` does",
            ),
        );
        return;
    }
    let expected = Verdict::of(&record.steps);
    if result.value != expected {
        let message = match record.steps.iter().find(|s| s.outcome != Outcome::Done) {
            Some(step) => format!(
                "`result` is \"pass\" but step {} was {}",
                step.number, step.outcome
            ),
            None => "`result` is \"fail\" but every step was done".to_string(),
        };
        problems.push(Problem::new(result.span, message).help(format!(
            "a drill passes when every step is done: set `result = \"{expected}\"`"
        )));
    }
}

fn read_name(
    table: &mut Table<'_, '_>,
    key: &'static str,
    required: bool,
    problems: &mut Vec<Problem>,
) -> Option<At<String>> {
    let value = if required {
        table.required_string(key, "\"Alex Doe\"", problems)?
    } else {
        table.string(key, problems)?
    };
    match name_problem(value.value) {
        Some(problem) => {
            problems.push(
                Problem::new(value.span, format!("`{key}` {problem}"))
                    .help("write a name of up to 200 characters on one line"),
            );
            None
        }
        None => Some(value.owned()),
    }
}

/// A full datetime with an offset, as seconds since the epoch.
fn read_moment(
    table: &mut Table<'_, '_>,
    key: &'static str,
    required: bool,
    problems: &mut Vec<Problem>,
) -> Option<At<i64>> {
    let before = problems.len();
    let Some(value) = table.datetime(key, problems) else {
        if required && problems.len() == before {
            problems.push(table.missing(key, "2026-11-27T10:15:00Z"));
        }
        return None;
    };
    match clock::epoch(&value.value) {
        Some(seconds) => Some(At {
            value: seconds,
            span: value.span,
        }),
        None => {
            problems.push(
                Problem::new(
                    value.span,
                    format!(
                        "`{key}` is {}, not a date and time with a UTC offset",
                        value.value
                    ),
                )
                .help(format!("write it like `{key} = 2026-11-27T10:15:00Z`")),
            );
            None
        }
    }
}

fn read_verdict(table: &mut Table<'_, '_>, problems: &mut Vec<Problem>) -> Option<At<Verdict>> {
    let result = table.required_string("result", "\"pass\"", problems)?;
    match Verdict::parse(result.value) {
        Some(value) => Some(At {
            value,
            span: result.span,
        }),
        None => {
            problems.push(
                Problem::new(
                    result.span,
                    format!("`result` cannot be \"{}\"", result.value),
                )
                .help("use \"pass\" or \"fail\""),
            );
            None
        }
    }
}

fn read_steps(
    root: &mut Table<'_, '_>,
    stage: Stage,
    problems: &mut Vec<Problem>,
) -> Option<Vec<StepRecord>> {
    let before = problems.len();
    let Some(tables) = root.tables("steps", problems) else {
        if stage == Stage::Finished && problems.len() == before {
            let start = root.span().start;
            problems.push(
                Problem::new(start..start, "the record has no [[steps]]").help(
                    "record one [[steps]] table per step of the procedure, as `backout drill` does",
                ),
            );
            return None;
        }
        return (problems.len() == before).then(Vec::new);
    };
    let mut steps = Vec::with_capacity(tables.len());
    let mut complete = true;
    for (index, mut table) in tables.into_iter().enumerate() {
        match read_step(&mut table, index + 1, problems) {
            Some(step) => steps.push(step),
            None => complete = false,
        }
        table.finish(problems);
    }
    complete.then_some(steps)
}

fn read_step(
    table: &mut Table<'_, '_>,
    expected: usize,
    problems: &mut Vec<Problem>,
) -> Option<StepRecord> {
    let before = problems.len();
    let number = table.integer("number", problems);
    let number = match number {
        Some(number) if number.value == expected as i64 => Some(expected),
        Some(number) => {
            problems.push(
                Problem::new(
                    number.span,
                    format!("step number {} where {expected} was expected", number.value),
                )
                .help(
                    "keep the [[steps]] in the order `backout drill` wrote them, numbered from 1",
                ),
            );
            None
        }
        None => {
            if problems.len() == before {
                problems.push(table.missing("number", &expected.to_string()));
            }
            None
        }
    };
    let text = table.string("text", problems).map(|t| t.value.to_string());
    let outcome = table
        .required_string("outcome", "\"done\"", problems)
        .and_then(|outcome| {
            let parsed = Outcome::ALL
                .into_iter()
                .find(|o| o.as_str() == outcome.value);
            if parsed.is_none() {
                problems.push(
                    Problem::new(
                        outcome.span,
                        format!("`outcome` cannot be \"{}\"", outcome.value),
                    )
                    .help("use \"done\", \"failed\" or \"skipped\""),
                );
            }
            parsed
        });
    let at = read_moment(table, "at", true, problems);
    let note = table.string("note", problems).map(|n| n.value.to_string());
    Some(StepRecord {
        number: number?,
        text: text.unwrap_or_default(),
        outcome: outcome?,
        at: at?.value,
        note,
    })
}
