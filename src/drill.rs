//! Drills: walking a plan's procedure step by step, as a rehearsal or in a real incident,
//! and the record that stays behind. Pure: the procedure as steps with their commands and
//! links, the state machine the binary drives, the record's TOML (written, and read back
//! with every mistake located; unknown keys are errors), and which record is the latest
//! passing drill. `commands::drill` reads and writes the files; the terminal is the binary's.

use std::fmt;
use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd};
use serde::Serialize;
use sha2::{Digest, Sha256};
use toml::value::Datetime;

use crate::clock;
use crate::diag::Finding;
use crate::duration::Duration;
use crate::fields::{self, At, Problem, Table};
use crate::markdown::{self, Body, Section};
use crate::plan::{Plan, is_commit_id};

/// Where a release's drill records live, next to its plan.
pub const DIR: &str = "drills";

/// The state of a drill that has not finished yet, in the drills directory.
pub const IN_PROGRESS: &str = ".drill-in-progress.toml";

/// Whether the drill was a rehearsal or a real backout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

    /// `done`, `failed` or `skipped`, in any case.
    pub fn parse(text: &str) -> Option<Outcome> {
        Outcome::ALL
            .into_iter()
            .find(|outcome| outcome.as_str().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a drill ended: `pass` when every step was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

// ---------------------------------------------------------------------------------------
// The procedure: steps to walk, and the hash that says whether it changed.

/// The sections whose lists are the procedure: the plan model decides which they are, for
/// the steps and for the hash alike.
fn procedure_sections(body: &Body) -> impl Iterator<Item = &Section> {
    body.sections
        .iter()
        .filter(|section| section.is("procedure"))
}

/// The heading of the (first) Procedure section, where drill findings point.
pub fn procedure_heading(body: &Body) -> Option<Range<usize>> {
    procedure_sections(body)
        .next()
        .map(|section| section.heading.clone())
}

/// `sha256:<hex>` of the Procedure's text as written: its content without the heading, line
/// ends and trailing spaces normalised, blank lines at either end dropped. Anything else,
/// down to a changed word or command, changes it.
pub fn procedure_hash(text: &str, body: &Body) -> String {
    let mut hasher = Sha256::new();
    for (i, section) in procedure_sections(body).enumerate() {
        if i > 0 {
            hasher.update(b"\n");
        }
        let content = text.get(section.content.clone()).unwrap_or_default();
        hasher.update(normalize(content).as_bytes());
    }
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(7 + digest.len() * 2);
    hex.push_str("sha256:");
    for byte in digest.iter() {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

fn normalize(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let start = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(start, |i| i + 1);
    lines[start..end].join("\n")
}

/// A link in a step: its text and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub text: String,
    pub url: String,
}

/// One step of the procedure, ready to be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 1-based, across the whole procedure.
    pub number: usize,
    /// The `###` subsection it is under.
    pub subsection: Option<String>,
    /// The step as written in the plan (list marker included), dedented.
    pub source: String,
    /// Its first line as plain text (inline code keeps its backticks).
    pub title: String,
    /// Its code blocks, and inline code of more than one word: what to copy and run.
    pub commands: Vec<String>,
    pub links: Vec<Link>,
}

/// The procedure of a plan as a drill walks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procedure {
    pub steps: Vec<Step>,
    /// See [`procedure_hash`].
    pub hash: String,
}

impl Procedure {
    /// The procedure of `plan`, parsed from `text`.
    pub fn of(text: &str, plan: &Plan) -> Procedure {
        let body = &plan.body;
        let mut steps: Vec<Step> = body
            .steps
            .iter()
            .map(|step| Step {
                number: step.number,
                subsection: step.subsection.clone(),
                source: step_source(text, &step.span),
                title: String::new(),
                commands: Vec::new(),
                links: Vec::new(),
            })
            .collect();
        StepWalk::default().run(text, plan.body_start, body, &mut steps);
        for step in &mut steps {
            if step.title.is_empty() {
                step.title = step
                    .commands
                    .first()
                    .and_then(|c| c.lines().next())
                    .map_or_else(|| format!("Step {}", step.number), str::to_string);
            }
        }
        Procedure {
            steps,
            hash: procedure_hash(text, body),
        }
    }
}

/// The step's text, its continuation lines dedented by the column its list marker is at.
fn step_source(text: &str, span: &Range<usize>) -> String {
    let raw = text.get(span.clone()).unwrap_or_default();
    let line_start = text
        .get(..span.start)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |i| i + 1);
    let indent = span.start.saturating_sub(line_start);
    let mut lines: Vec<&str> = Vec::new();
    for (i, line) in raw.lines().enumerate() {
        let line = line.trim_end();
        if i == 0 {
            lines.push(line);
        } else {
            let spaces = line.len() - line.trim_start_matches(' ').len();
            lines.push(&line[spaces.min(indent)..]);
        }
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// One pass over the body's events, giving each step its title, commands and links.
#[derive(Default)]
struct StepWalk {
    /// The code block being read: step index and text.
    code: Option<(usize, String)>,
    /// The link being read: step index, target, text.
    link: Option<(usize, String, String)>,
    /// Steps whose title is complete.
    titled: Vec<bool>,
}

impl StepWalk {
    fn run(mut self, text: &str, start: usize, body: &Body, steps: &mut [Step]) {
        let Some(source) = text.get(start..) else {
            return;
        };
        self.titled = vec![false; steps.len()];
        for (event, range) in markdown::parser(source).into_offset_iter() {
            let at = range.start + start;
            let Some(index) = step_at(body, at) else {
                continue;
            };
            // The list a step is an item of starts where its first item does.
            let encloses = matches!(event, Event::Start(Tag::List(_)))
                && body
                    .steps
                    .get(index)
                    .is_some_and(|step| step.span.start == at);
            if !encloses {
                self.event(event, index, steps);
            }
        }
    }

    fn event(&mut self, event: Event<'_>, index: usize, steps: &mut [Step]) {
        let Some(step) = steps.get_mut(index) else {
            return;
        };
        match event {
            Event::Start(Tag::CodeBlock(_)) => {
                self.end_title(index);
                self.code = Some((index, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((i, block)) = self.code.take() {
                    if let Some(step) = steps.get_mut(i) {
                        push_command(step, block.trim_end());
                    }
                }
            }
            Event::Text(text) if self.code.is_some() => {
                if let Some((_, block)) = &mut self.code {
                    block.push_str(&text);
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                self.link = Some((index, dest_url.to_string(), String::new()));
            }
            Event::End(TagEnd::Link) => {
                if let Some((i, url, text)) = self.link.take() {
                    if let (Some(step), false) = (steps.get_mut(i), url.trim().is_empty()) {
                        let text = text.trim();
                        step.links.push(Link {
                            text: if text.is_empty() {
                                url.clone()
                            } else {
                                text.to_string()
                            },
                            url,
                        });
                    }
                }
            }
            Event::Text(text) => {
                self.title(index, step, &text);
                if let Some((_, _, link_text)) = &mut self.link {
                    link_text.push_str(&text);
                }
            }
            Event::Code(code) => {
                self.title(index, step, &format!("`{code}`"));
                match &mut self.link {
                    Some((_, _, link_text)) => link_text.push_str(&code),
                    None if code.trim().contains(char::is_whitespace) => {
                        push_command(step, code.trim());
                    }
                    None => {}
                }
            }
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(TagEnd::Paragraph)
            | Event::Start(Tag::List(_) | Tag::Table(_) | Tag::BlockQuote(_)) => {
                self.end_title(index);
            }
            _ => {}
        }
    }

    fn title(&self, index: usize, step: &mut Step, text: &str) {
        if !self.titled.get(index).copied().unwrap_or(true) {
            step.title.push_str(text);
        }
    }

    fn end_title(&mut self, index: usize) {
        if let Some(done) = self.titled.get_mut(index) {
            *done = true;
        }
    }
}

fn push_command(step: &mut Step, command: &str) {
    if !command.trim().is_empty() && !step.commands.iter().any(|c| c == command) {
        step.commands.push(command.to_string());
    }
}

/// The index of the step holding byte `offset`.
fn step_at(body: &Body, offset: usize) -> Option<usize> {
    let index = body
        .steps
        .partition_point(|step| step.span.start <= offset)
        .checked_sub(1)?;
    let step = body.steps.get(index)?;
    (offset < step.span.end).then_some(index)
}

// ---------------------------------------------------------------------------------------
// The record.

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

/// The latest valid record, by when it finished (then by file name); with `passing`, the
/// latest that passed.
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
        .max_by(|a, b| (a.record.at(), a.path).cmp(&(b.record.at(), b.path)))
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
