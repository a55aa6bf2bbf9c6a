//! `backout drill`: the checklist on a terminal (dialoguer prompts, a clock against the
//! plan's `duration`), or one answer per line of standard input, then the summary.

use std::borrow::Cow;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use anstyle::{AnsiColor, Effects, Style};
use dialoguer::console::Term;
use dialoguer::theme::SimpleTheme;
use dialoguer::{Input, Select};

use backout::clock;
use backout::commands::drill::{Finished, Options, Session};
use backout::drill::{self, Kind, Outcome, Step, Verdict};
use backout::duration::Duration;
use backout::workspace::Workspace;
use backout::{Error, Result};

use crate::cli::DrillArgs;

use super::{Output, bold, plural};

/// How walking the steps ended.
enum Walked {
    /// Every step has an outcome.
    Complete,
    /// The drill was saved to go on later; exit with this code.
    Paused(ExitCode),
}

pub fn drill(out: &Output, dir: &Path, args: &DrillArgs) -> Result<ExitCode> {
    let workspace = Workspace::open(dir)?;
    let options = Options {
        spec: &args.spec,
        by: args.by.as_deref(),
        env: args.env.as_deref(),
        incident: args.incident,
        restart: args.restart,
    };
    let mut session = backout::commands::drill::open(&workspace, &options, clock::now()?)?;
    let interactive = io::stdin().is_terminal() && io::stderr().is_terminal();
    let walked = if interactive {
        on_terminal(&mut session)?
    } else {
        from_lines(out, &mut session)?
    };
    match walked {
        Walked::Paused(code) => Ok(code),
        Walked::Complete => {
            let finished = session.finish(clock::now()?)?;
            out.print(&summary(&finished))?;
            out.note(&format!(
                "wrote {}; commit it to keep the record (`backout check` and the published page use the latest passing drill)\n",
                finished.file
            ))?;
            Ok(match finished.record.result {
                Some(Verdict::Pass) => ExitCode::SUCCESS,
                _ => ExitCode::from(1),
            })
        }
    }
}

/// Plan text (step titles, commands) with what could drive the terminal made visible.
fn safe(text: &str) -> Cow<'_, str> {
    // Lines of plan text: every hazard but the tab escaped (diag::escape::line), the line
    // breaks between them kept.
    if !text
        .split('\n')
        .any(|l| matches!(backout::diag::escape::line(l), Cow::Owned(_)))
    {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.split('\n')
            .map(backout::diag::escape::line)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// `drill` or `real backout`, for sentences.
fn noun(kind: Kind) -> &'static str {
    match kind {
        Kind::Drill => "drill",
        Kind::Incident => "real backout",
    }
}

/// `12m of 45m`, or `50m, 5m over the planned 45m`.
fn clock_text(elapsed: Duration, planned: Option<Duration>) -> String {
    match planned {
        Some(planned) if elapsed > planned => format!(
            "{elapsed}, {} over the planned {planned}",
            Duration::from_seconds(elapsed.seconds() - planned.seconds())
        ),
        Some(planned) => format!("{elapsed} of {planned}"),
        None => format!("{elapsed} (the plan sets no duration)"),
    }
}

/// The first lines: what is walked, by whom, where; or which drill goes on.
fn header(session: &Session) -> String {
    let record = session.drill.record();
    let total = session.drill.total();
    let planned = session
        .planned
        .map_or_else(|| "no duration set".to_string(), |p| format!("planned {p}"));
    if session.resumed {
        let started = moment(record.started);
        return format!(
            "going on with the {} of {} started {started} by {}: {} of {total} steps answered\n",
            noun(record.kind),
            session.id,
            safe(&record.by),
            session.drill.answered()
        );
    }
    let env = record
        .env
        .as_ref()
        .map(|env| format!(" on {}", safe(env)))
        .unwrap_or_default();
    format!(
        "{} of {}: {}, {planned}, by {}{env}\n",
        match record.kind {
            Kind::Drill => "drill",
            Kind::Incident => "real backout (incident)",
        },
        session.id,
        plural(total, "step"),
        safe(&record.by)
    )
}

/// The summary line on standard output.
fn summary(finished: &Finished) -> String {
    let record = &finished.record;
    let total = record.steps.len();
    let count = |o: Outcome| record.steps.iter().filter(|s| s.outcome == o).count();
    let mut not_done = Vec::new();
    for outcome in [Outcome::Failed, Outcome::Skipped] {
        let n = count(outcome);
        if n > 0 {
            not_done.push(format!("{n} {outcome}"));
        }
    }
    let not_done = if not_done.is_empty() {
        String::new()
    } else {
        format!(" ({})", not_done.join(", "))
    };
    let took = record.measured().unwrap_or(Duration::from_seconds(0));
    let time = match finished.planned {
        Some(planned) if took > planned => format!(
            "in {took}, {} over the planned {planned}",
            Duration::from_seconds(took.seconds() - planned.seconds())
        ),
        Some(planned) => format!("in {took} (planned {planned})"),
        None => format!("in {took}"),
    };
    let result = match record.result {
        Some(Verdict::Pass) => AnsiColor::Green.on_default().effects(Effects::BOLD),
        _ => AnsiColor::Red.on_default().effects(Effects::BOLD),
    };
    format!(
        "{} of {}: {result}{}{result:#}, {} of {total} steps done{not_done} {time}\n",
        noun(record.kind),
        finished.id,
        record.result.unwrap_or(Verdict::Fail),
        count(Outcome::Done),
    )
}

// ---------------------------------------------------------------------------------------
// Standard input: one line per step.

fn from_lines(out: &Output, session: &mut Session) -> Result<Walked> {
    out.note(&header(session))?;
    let stdin = io::stdin();
    let mut lines = stdin.lock().lines();
    let mut line_number = 0;
    let total = session.drill.total();
    while let Some(step) = session.drill.current() {
        let (number, title) = (step.number, step.title.clone());
        let answer = loop {
            let Some(line) = lines.next() else {
                session.interrupt(clock::now()?)?;
                return Err(Error::msg(format!(
                    "standard input ended before step {number} of {total}; the drill is saved in {}: run `backout drill {}` again with a line for each remaining step to go on",
                    session.state_file, session.id
                )));
            };
            line_number += 1;
            let line = match line {
                // A file of answers saved by a Windows editor may start with a byte order mark.
                Ok(line) if line_number == 1 => line.trim_start_matches('\u{feff}').to_string(),
                Ok(line) => line,
                Err(error) => {
                    session.interrupt(clock::now()?)?;
                    return Err(Error::msg(format!(
                        "standard input line {line_number} cannot be read ({error}); answer each step with a line of UTF-8 text. The drill is saved in {}: run `backout drill {}` again to go on",
                        session.state_file, session.id
                    )));
                }
            };
            match drill::parse_answer(&line) {
                Ok(Some(answer)) => break answer,
                Ok(None) => continue,
                Err(problem) => {
                    session.interrupt(clock::now()?)?;
                    return Err(Error::msg(format!(
                        "standard input line {line_number}: {problem}; answer each step with `done`, `failed` or `skipped`, optionally followed by a note. The drill is saved in {}: run `backout drill {}` again to go on",
                        session.state_file, session.id
                    )));
                }
            }
        };
        let (outcome, note) = answer;
        let shown_note = note
            .as_ref()
            .map(|n| format!(" ({})", safe(n)))
            .unwrap_or_default();
        session.drill.mark(outcome, note, clock::now()?);
        session.save()?;
        out.print(&format!(
            "step {number}/{total} {outcome}: {}{shown_note}\n",
            safe(&title)
        ))?;
    }
    // Lines after the last answer are not read: waiting for them could hang a pipe that
    // stays open.
    Ok(Walked::Complete)
}

// ---------------------------------------------------------------------------------------
// The terminal: one step at a time.

/// Set by Ctrl-C: the drill pauses instead of dying with the cursor hidden.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Prints to standard error (the terminal the prompts are on), colour as the user wants.
fn show(text: &str) {
    let mut stderr = anstream::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}

/// While the drill asks, Ctrl-C is a key the next prompt reads, not a signal.
///
/// Between two key reads the terminal is back in line mode; a Ctrl-C typed there would be a
/// SIGINT that may land on any thread and leave the prompt waiting for one more key. With
/// the terminal's signal keys off, Ctrl-C waits in the input like any key, and the prompt that
/// reads it pauses the drill. The terminal's own settings come back when the guard drops.
struct CtrlCAsKey {
    #[cfg(unix)]
    original: libc::termios,
}

impl CtrlCAsKey {
    #[cfg(unix)]
    fn install() -> Option<Self> {
        let fd = libc::STDIN_FILENO;
        let mut termios = std::mem::MaybeUninit::<libc::termios>::uninit();
        // SAFETY: tcgetattr fills the termios it is given, or fails and leaves it unread.
        if unsafe { libc::tcgetattr(fd, termios.as_mut_ptr()) } != 0 {
            return None;
        }
        // SAFETY: tcgetattr returned 0, so it wrote the whole struct.
        let original = unsafe { termios.assume_init() };
        let mut quiet = original;
        quiet.c_lflag &= !libc::ISIG;
        // SAFETY: a termios copied from the one the terminal gave back.
        if unsafe { libc::tcsetattr(fd, libc::TCSADRAIN, &quiet) } != 0 {
            return None;
        }
        Some(Self { original })
    }

    #[cfg(not(unix))]
    fn install() -> Option<Self> {
        None
    }
}

impl Drop for CtrlCAsKey {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: the settings read from this terminal when the guard was made.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSADRAIN, &self.original);
        }
    }
}

fn on_terminal(session: &mut Session) -> Result<Walked> {
    // If a handler cannot be installed, Ctrl-C still ends the process; the state saved
    // after the last step is what a later run goes on with.
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
    let _keys = CtrlCAsKey::install();
    let term = Term::stderr();
    show(&format!(
        "{}\nAnswer each step when it is finished; choose \"pause\" (or press Ctrl-C) to go on later.\n",
        bold(header(session).trim_end())
    ));
    let theme = SimpleTheme;
    while let Some(step) = session.drill.current().cloned() {
        if INTERRUPTED.load(Ordering::SeqCst) {
            return pause(session, &term, true);
        }
        let now = clock::now()?;
        show(&step_text(session, &step, now));
        let prompt = format!("Step {} of {}", step.number, session.drill.total());
        let choice = Select::with_theme(&theme)
            .with_prompt(prompt)
            .items(["done", "failed", "skipped", "pause (go on later)"])
            .default(0)
            .interact_on_opt(&term);
        let outcome = match choice {
            Ok(Some(0)) => Outcome::Done,
            Ok(Some(1)) => Outcome::Failed,
            Ok(Some(2)) => Outcome::Skipped,
            Ok(_) => return pause(session, &term, false),
            Err(error) => return prompt_failed(session, &term, error),
        };
        let question = match outcome {
            Outcome::Done => "Note (Enter for none)",
            Outcome::Failed => "What went wrong? (Enter for none)",
            Outcome::Skipped => "Why was it skipped? (Enter for none)",
        };
        let note = match Input::<String>::with_theme(&theme)
            .with_prompt(question)
            .allow_empty(true)
            .interact_text_on(&term)
        {
            Ok(note) => note,
            Err(error) => return prompt_failed(session, &term, error),
        };
        let now = clock::now()?;
        session.drill.mark(outcome, Some(note), now);
        session.save()?;
        let style = match outcome {
            Outcome::Done => AnsiColor::Green.on_default(),
            _ => AnsiColor::Red.on_default(),
        };
        show(&format!(
            "{style}step {} {outcome}{style:#} at {} ({})\n",
            step.number,
            time_of_day(now),
            clock_text(session.drill.elapsed(now), session.planned)
        ));
    }
    Ok(Walked::Complete)
}

/// `2026-11-27 10:15 UTC`.
fn moment(seconds: i64) -> String {
    match clock::utc(seconds) {
        Some(datetime) => match (datetime.date, datetime.time) {
            (Some(date), Some(time)) => {
                format!("{date} {:02}:{:02} UTC", time.hour, time.minute)
            }
            _ => datetime.to_string(),
        },
        None => String::new(),
    }
}

/// `10:27 UTC`.
fn time_of_day(seconds: i64) -> String {
    clock::utc(seconds)
        .and_then(|d| d.time)
        .map_or_else(String::new, |t| {
            format!("{:02}:{:02} UTC", t.hour, t.minute)
        })
}

/// A step as the terminal shows it: heading with the clock, the text as written, then its
/// commands on lines of their own (to copy) and its links.
fn step_text(session: &Session, step: &Step, now: i64) -> String {
    let muted = Style::new().dimmed();
    let section = step
        .subsection
        .as_ref()
        .map(|s| format!(" · {}", safe(s)))
        .unwrap_or_default();
    let mut text = format!(
        "\n{}{section}   {muted}{}{muted:#}\n",
        bold(&format!(
            "Step {} of {}",
            step.number,
            session.drill.total()
        )),
        clock_text(session.drill.elapsed(now), session.planned)
    );
    for line in safe(&step.source).lines() {
        text.push_str(&format!("  {line}\n"));
    }
    if !step.commands.is_empty() {
        text.push_str(&format!("{muted}Commands:{muted:#}\n"));
        for command in &step.commands {
            for line in safe(command).lines() {
                text.push_str(&format!("    {line}\n"));
            }
        }
    }
    if !step.links.is_empty() {
        text.push_str(&format!("{muted}Links:{muted:#}\n"));
        for link in &step.links {
            if link.text == link.url {
                text.push_str(&format!("    {}\n", safe(&link.url)));
            } else {
                text.push_str(&format!("    {}: {}\n", safe(&link.text), safe(&link.url)));
            }
        }
    }
    text
}

/// Saves the drill to go on later; Ctrl-C exits 130, as shells expect.
fn pause(session: &mut Session, term: &Term, interrupted: bool) -> Result<Walked> {
    let _ = term.show_cursor();
    session.interrupt(clock::now()?)?;
    show(&format!(
        "\npaused after {} of {} steps: the {} is saved in {}; run `backout drill {}` to go on\n",
        session.drill.answered(),
        session.drill.total(),
        noun(session.drill.record().kind),
        session.state_file,
        session.id
    ));
    Ok(Walked::Paused(if interrupted {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    }))
}

/// A prompt that could not read the terminal: Ctrl-C pauses; anything else saves the drill
/// and stops.
fn prompt_failed(session: &mut Session, term: &Term, error: dialoguer::Error) -> Result<Walked> {
    let dialoguer::Error::IO(error) = error;
    if error.kind() == io::ErrorKind::Interrupted || INTERRUPTED.load(Ordering::SeqCst) {
        return pause(session, term, true);
    }
    let _ = term.show_cursor();
    session.interrupt(clock::now()?)?;
    Err(Error::msg(format!(
        "cannot read the answer from the terminal ({error}); the drill is saved in {}: run `backout drill {}` again to go on",
        session.state_file, session.id
    )))
}

// ---------------------------------------------------------------------------------------
// Drill records in `review`: evidence, not plan changes.

/// One line about a drill record a change touched: `drill by Alex Doe on staging: pass, 5 of
/// 5 steps done in 38m`.
pub fn evidence_line(evidence: &backout::commands::review::DrillEvidence) -> String {
    use backout::repo::Change;
    let change = match evidence.change {
        Change::Added => "added",
        Change::Deleted => "deleted",
        Change::Modified => "modified",
        Change::Renamed => "renamed",
    };
    let what = match &evidence.summary {
        Some(summary) => {
            let env = summary
                .env
                .as_ref()
                .map(|env| format!(" on {}", safe(env)))
                .unwrap_or_default();
            format!(
                "{} of {} by {}{env}, {}: {}, {} of {} steps done in {}",
                noun(summary.kind),
                evidence.id,
                safe(&summary.by),
                summary.finished.get(..10).unwrap_or_default(),
                summary.result,
                summary.done,
                summary.steps,
                summary.took
            )
        }
        None if evidence.change == Change::Deleted => {
            format!("a drill record of {} was removed", evidence.id)
        }
        None => format!("a drill record of {} that does not read", evidence.id),
    };
    format!("{} ({change}): {what}", safe(&evidence.path))
}
