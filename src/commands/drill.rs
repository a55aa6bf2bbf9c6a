//! `backout drill`: the files around a drill. Reads the plan, finds git's user.name and
//! HEAD, keeps the state of a drill in progress in `drills/.drill-in-progress.toml` (saved
//! after every step, so an interrupted drill goes on where it stopped), and writes the
//! finished record `drills/<UTC start time>.toml`. Also reads every plan's records for
//! `check`, `list`, `review` and `publish`.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::clock;
use crate::diag::{Rule, unreadable_finding};
use crate::drill::{self, Drill, Kind, MaxAge, Procedure, Record, RecordFile, Stage, Start};
use crate::duration::Duration;
use crate::error::{Error, Result};
use crate::names::PlanId;
use crate::plan::Plan;
use crate::store::{self, FileWrite, Overwrite};
use crate::workspace::{Catalog, PLAN_FILE, Workspace};

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// RELEASE or TEAM/RELEASE.
    pub spec: &'a str,
    /// `--by`; default git's user.name.
    pub by: Option<&'a str>,
    pub env: Option<&'a str>,
    /// `--incident`: a real backout, not a rehearsal.
    pub incident: bool,
    /// `--restart`: discard a drill in progress and start again.
    pub restart: bool,
}

/// A drill being walked, and where its state is saved.
#[derive(Debug)]
pub struct Session {
    pub id: PlanId,
    pub drill: Drill,
    /// The plan's `duration`, when it has one.
    pub planned: Option<Duration>,
    /// Whether this goes on with a drill that was interrupted.
    pub resumed: bool,
    /// The in-progress state, repository-relative.
    pub state_file: String,
    state_path: PathBuf,
    dir: PathBuf,
    dir_display: String,
    /// The work tree root, which every write must stay inside.
    root: PathBuf,
}

/// A finished drill, written.
#[derive(Debug)]
pub struct Finished {
    pub id: PlanId,
    pub record: Record,
    pub planned: Option<Duration>,
    /// The record file, repository-relative.
    pub file: String,
}

/// Opens the drill of `options.spec`: goes on with the one in progress, or starts one at
/// `now` and saves its state.
pub fn open(workspace: &Workspace, options: &Options<'_>, now: i64) -> Result<Session> {
    if clock::utc(now).is_none() {
        return Err(Error::msg(format!(
            "the time ({now} seconds since 1970) is not between 1970 and 9999; check the system clock or SOURCE_DATE_EPOCH"
        )));
    }
    for (flag, value) in [("--by", options.by), ("--env", options.env)] {
        if let Some(problem) = value.and_then(drill::name_problem) {
            return Err(Error::msg(format!(
                "{flag} {problem}; give a name of up to 200 characters on one line"
            )));
        }
    }
    let (_, id) = super::existing_plan(workspace, options.spec)?;
    let plan_file = workspace.display_path(&id, PLAN_FILE);
    let text = super::read_release_file(workspace, &id, PLAN_FILE)?;
    let plan = Plan::parse_with(&text, &id, &workspace.config.sections);
    let procedure = Procedure::of(&text, &plan);
    if procedure.steps.is_empty() {
        return Err(Error::msg(format!(
            "{plan_file} has no procedure steps to walk; list them under `## Procedure` as a numbered list, each with its command or link"
        )));
    }
    let planned = plan.front.duration.as_ref().map(|d| d.value);
    let dir = workspace.path(&id, drill::DIR);
    let dir_display = workspace.display_path(&id, drill::DIR);
    let state_path = dir.join(drill::IN_PROGRESS);
    let state_file = format!("{dir_display}/{}", drill::IN_PROGRESS);
    let state = if options.restart {
        None
    } else {
        read_state(workspace, &id, &state_path, &state_file)?
    };
    let (drill, resumed) = match state {
        Some(state) => (resume(&id, options, procedure, state, now)?, true),
        None => (
            Drill::start(procedure, start(workspace, options)?, now),
            false,
        ),
    };
    let session = Session {
        drill,
        id,
        planned,
        resumed,
        state_file,
        state_path,
        dir,
        dir_display,
        root: workspace.root().to_path_buf(),
    };
    session.save()?;
    Ok(session)
}

/// Who, where and what, for a drill that starts now.
fn start(workspace: &Workspace, options: &Options<'_>) -> Result<Start> {
    let repo = workspace.repo()?;
    let by = match options.by {
        Some(by) => by.trim().to_string(),
        None => repo
            .user_name()
            .filter(|name| drill::name_problem(name).is_none())
            .ok_or_else(|| {
                Error::msg(
                    "git has no user.name to record as the person running the drill; pass --by NAME, or set it with `git config user.name \"Your Name\"`",
                )
            })?,
    };
    Ok(Start {
        kind: if options.incident {
            Kind::Incident
        } else {
            Kind::Drill
        },
        by,
        env: options.env.map(|env| env.trim().to_string()),
        commit: repo.head_commit(),
    })
}

/// The saved state of a drill in progress, if there is one.
fn read_state(
    workspace: &Workspace,
    id: &PlanId,
    path: &Path,
    display: &str,
) -> Result<Option<Record>> {
    let restart =
        format!("or pass --restart to discard it and start again: `backout drill {id} --restart`");
    let text = match store::read_text(workspace.root(), path) {
        Ok(Some(text)) => text,
        Ok(None) => return Ok(None),
        Err(problem) => {
            // A path that leaves the repository, or is no regular file, is fixed on disk:
            // `--restart` would meet the same path.
            let on_disk = !matches!(
                store::inside::check_file(workspace.root(), path),
                Ok(Some(ref metadata)) if metadata.is_file()
            );
            if on_disk {
                return Err(Error::msg(format!(
                    "{display} {}; {}",
                    problem.message, problem.help
                )));
            }
            return Err(Error::msg(format!(
                "{display} {}; {}, {restart}",
                problem.message, problem.help
            )));
        }
    };
    Record::parse(&text, Stage::InProgress)
        .map(Some)
        .map_err(|problems| {
            let file = crate::diag::SourceFile::new(display, &text);
            let first = problems.first();
            let line = first.map_or(1, |p| file.line_number(p.span.start));
            let message = first.map_or_else(String::new, |p| p.message.clone());
            Error::msg(format!(
                "{display}:{line}: the state of the drill in progress cannot be read: {message}; fix it, {restart}"
            ))
        })
}

/// Goes on with the drill in `state`, if the flags agree with it and the procedure did not
/// change.
fn resume(
    id: &PlanId,
    options: &Options<'_>,
    procedure: Procedure,
    state: Record,
    now: i64,
) -> Result<Drill> {
    let started = clock::utc(state.started)
        .map(|d| d.to_string())
        .unwrap_or_default();
    let restart = format!("`backout drill {id} --restart`");
    let differs = |flag: &str, given: Option<&str>, saved: Option<&str>| match given {
        Some(given) if Some(given.trim()) != saved => Err(Error::msg(format!(
            "a drill of {id} is in progress (started {started}) with {flag} {}; run it again without {flag} to go on with it, or start over with {restart}",
            saved.unwrap_or("unset")
        ))),
        _ => Ok(()),
    };
    differs("--by", options.by, Some(&state.by))?;
    differs("--env", options.env, state.env.as_deref())?;
    if options.incident && state.kind != Kind::Incident {
        return Err(Error::msg(format!(
            "a rehearsal of {id} is in progress (started {started}); finish it first (without --incident), or discard it and record the real backout with `backout drill {id} --incident --restart`"
        )));
    }
    Drill::resume(procedure, state, now).map_err(|problem| match problem {
        drill::ResumeProblem::ProcedureChanged => Error::msg(format!(
            "the procedure of {id} changed since the drill in progress started ({started}), so it cannot go on; start over with {restart}"
        )),
        drill::ResumeProblem::SavedLater(saved) => {
            let moment = |at: i64| clock::utc(at).map(|d| d.to_string()).unwrap_or_default();
            Error::msg(format!(
                "the drill in progress of {id} was last saved at {}, later than now ({}): this machine's clock is behind the one the drill ran on, or the saved state was edited; run it again when the clock has passed that time, or start over with {restart}",
                moment(saved),
                moment(now)
            ))
        }
    })
}

impl Session {
    /// Saves the state of the drill (atomically).
    pub fn save(&self) -> Result<()> {
        let comment = format!(
            "The state of a {} of {} in progress: `backout drill {}` goes on with it.\nbackout removes this file when the drill is finished; do not commit it.",
            match self.drill.record().kind {
                Kind::Drill => "drill",
                Kind::Incident => "real backout",
            },
            self.id,
            self.id
        );
        let contents = self
            .drill
            .state()
            .to_toml(&comment)
            .map_err(|e| Error::msg(format!("cannot write {}: {e}", self.state_file)))?;
        store::write_all(
            &self.root,
            &[FileWrite {
                display: self.state_file.clone(),
                path: self.state_path.clone(),
                contents,
            }],
            Overwrite::Allow,
        )
        .map(|_| ())
    }

    /// Marks the drill interrupted at `now` and saves it, to be resumed later.
    pub fn interrupt(&mut self, now: i64) -> Result<()> {
        self.drill.interrupt(now);
        self.save()
    }

    /// Ends the drill at `now`: writes its record (never over another) and removes the
    /// in-progress state.
    pub fn finish(self, now: i64) -> Result<Finished> {
        let Session {
            id,
            drill,
            planned,
            state_path,
            dir,
            dir_display,
            state_file,
            root,
            ..
        } = self;
        let record = drill.finish(now);
        let name = record.file_name().ok_or_else(|| {
            Error::msg(format!(
                "the drill's start time cannot be written as a file name; remove {state_file} and start again"
            ))
        })?;
        let stem = name.trim_end_matches(".toml");
        // Two drills that start in the same second (a fixed clock) get -2, -3, ...
        let (path, file) = (1..)
            .map(|n| {
                let name = if n == 1 {
                    name.clone()
                } else {
                    format!("{stem}-{n}.toml")
                };
                (dir.join(&name), format!("{dir_display}/{name}"))
            })
            .find(|(path, _)| !path.exists())
            .ok_or_else(|| Error::msg(format!("no free file name in {dir_display}")))?;
        let comment = match record.kind {
            Kind::Drill => {
                format!(
                    "A drill of {id}, recorded by `backout drill` (see {}).",
                    crate::docs_url!("drill.md")
                )
            }
            Kind::Incident => format!(
                "A real backout of {id} in an incident, recorded by `backout drill --incident` (see {}).",
                crate::docs_url!("drill.md")
            ),
        };
        let contents = record
            .to_toml(&comment)
            .map_err(|e| Error::msg(format!("cannot write {file}: {e}")))?;
        store::write_all(
            &root,
            &[FileWrite {
                display: file.clone(),
                path,
                contents,
            }],
            Overwrite::Refuse,
        )?;
        store::remove(&state_path)?;
        Ok(Finished {
            id,
            record,
            planned,
            file,
        })
    }
}

/// The drill records of one release (not the state of a drill in progress), by file name.
pub fn records(workspace: &Workspace, id: &PlanId) -> Vec<RecordFile> {
    let dir = workspace.path(id, drill::DIR);
    let display = workspace.display_path(id, drill::DIR);
    records_in(workspace.root(), &dir, &display)
}

/// Whether the drills directory `dir` is not there, known cheaply: most releases have none,
/// and below a release directory a listing proved real, one `lstat` says so.
pub(crate) fn surely_absent(root: &Path, dir: &Path) -> bool {
    let parent_proven = dir
        .parent()
        .is_some_and(|parent| store::inside::is_proven_dir(root, parent));
    parent_proven
        && fs::symlink_metadata(dir)
            .is_err_and(|error| error.kind() == std::io::ErrorKind::NotFound)
}

pub(crate) fn records_in(root: &Path, dir: &Path, display: &str) -> Vec<RecordFile> {
    let unreadable = |path: String, message: String| RecordFile {
        content: drill::Content::Unreadable(unreadable_finding(&path, Rule::InvalidPlan, message)),
        path,
    };
    if surely_absent(root, dir) {
        return Vec::new();
    }
    // Proven inside before it is listed: a directory outside is not even looked into.
    let Ok(found) = store::inside::check_file(root, dir) else {
        return vec![unreadable(
            display.to_string(),
            format!(
                "{display} is a symlink to a directory outside the repository, which backout does not follow; replace it with a real directory"
            ),
        )];
    };
    if found.is_none() {
        return Vec::new();
    }
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(error) if error.kind() == std::io::ErrorKind::NotADirectory => {
            return vec![unreadable(
                display.to_string(),
                format!("{display} is a file; drill records go into a directory of that name"),
            )];
        }
        Err(error) => {
            return vec![unreadable(
                display.to_string(),
                format!(
                    "{display} cannot be listed: {error}; give the user running backout read access"
                ),
            )];
        }
    };
    // A name that is not UTF-8 is as `String::from_utf8_lossy` shows it (as git's are).
    let mut names: Vec<Result<String, String>> = entries
        .filter_map(|entry| entry.ok())
        .map(|entry| {
            let name = entry.file_name();
            name.to_str()
                .map(str::to_string)
                .ok_or_else(|| name.to_string_lossy().into_owned())
        })
        .filter(|name| drill::is_record_name(name.as_ref().unwrap_or_else(|shown| shown)))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let name = match name {
                Ok(name) => name,
                Err(shown) => return RecordFile::misnamed(display, &shown),
            };
            let path = format!("{display}/{name}");
            match store::read_text(root, &dir.join(&name)) {
                Ok(Some(text)) => RecordFile::read(path, text),
                Ok(None) => unreadable(path.clone(), format!("{path} is missing")),
                Err(problem) => RecordFile {
                    content: drill::Content::Unreadable(problem.finding(&path)),
                    path,
                },
            }
        })
        .collect()
}

/// The drill records of every release with a plan, read in parallel.
pub fn all_records(workspace: &Workspace, catalog: &Catalog) -> HashMap<PlanId, Vec<RecordFile>> {
    let ids: Vec<PlanId> = catalog
        .all()
        .filter(|(_, release)| release.has_plan())
        .map(|(id, _)| id)
        .collect();
    ids.into_par_iter()
        .map(|id| {
            let records = records(workspace, &id);
            (id, records)
        })
        .filter(|(_, records)| !records.is_empty())
        .collect()
}

/// `[check] drill_max_age` with the time to measure from; the clock is read only when it
/// is set.
pub fn max_age(workspace: &Workspace) -> Result<Option<MaxAge>> {
    match workspace.config.drill_max_age {
        Some(age) => Ok(Some(MaxAge {
            age,
            now: clock::now()?,
        })),
        None => Ok(None),
    }
}
