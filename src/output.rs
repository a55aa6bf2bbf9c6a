//! Runs a command and renders its result: the only place that prints.

use std::error::Error as _;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use anstyle::{AnsiColor, Effects, Style};

use backout::commands;
use backout::diag::{self, Finding, HumanStyle, Rule, Tally};
use backout::names::Spec;
use backout::repo::Repo;
use backout::workspace::Workspace;
use backout::{Error, Result};

use crate::cli::{CheckArgs, CheckFormat, InitArgs, ListArgs, ListFormat, NewArgs, PublishArgs};

/// Standard output, coloured or not as the user and the terminal want.
pub struct Output {
    quiet: bool,
}

impl Output {
    pub fn new(quiet: bool) -> Self {
        Output { quiet }
    }

    /// Prints text; a closed pipe (`backout list | head`) is not an error.
    pub fn print(&self, text: &str) -> Result<()> {
        self.write_bytes(text.as_bytes())
    }

    pub fn write_bytes(&self, bytes: &[u8]) -> Result<()> {
        let mut stdout = anstream::stdout().lock();
        match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
            Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
                Err(Error::io("write", "standard output", error))
            }
            _ => Ok(()),
        }
    }

    /// Prints a hint or summary line, unless quiet.
    pub fn note(&self, text: &str) -> Result<()> {
        if self.quiet {
            return Ok(());
        }
        self.print(text)
    }
}

/// Prints an error and its causes to standard error.
pub fn error(error: &Error) {
    let style = AnsiColor::Red.on_default().effects(Effects::BOLD);
    let mut stderr = anstream::stderr().lock();
    let _ = writeln!(stderr, "{style}error{style:#}: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = writeln!(stderr, "  caused by: {cause}");
        source = cause.source();
    }
}

fn bold(text: &str) -> String {
    let style = Style::new().effects(Effects::BOLD);
    format!("{style}{text}{style:#}")
}

pub fn init(out: &Output, dir: &Path, args: &InitArgs) -> Result<ExitCode> {
    let repo = Repo::discover(dir)?;
    let done = commands::init::run(&repo, args.team.as_deref(), args.force)?;
    out.note(&format!(
        "created {} and {}/\nnext: `backout new <release>` for your next release, or `backout baseline` to fork the last plan\n",
        done.config, done.plans_dir
    ))?;
    Ok(ExitCode::SUCCESS)
}

pub fn new(out: &Output, dir: &Path, args: &NewArgs) -> Result<ExitCode> {
    let spec = Spec::parse(&args.spec)
        .map_err(|problem| Error::msg(format!("`{}` is not a plan name: {problem}", args.spec)))?;
    let workspace = Workspace::open(dir)?;
    let created = commands::new::run(&workspace, &spec, args.force)?;
    for file in &created.files {
        out.note(&format!("created {file}\n"))?;
    }
    if let Some(previous) = &created.previous {
        out.note(&format!(
            "hint: {previous} already has a plan; `backout baseline {} --from {} --force` starts from it instead\n",
            created.id, previous
        ))?;
    }
    out.note(&format!(
        "next: list what {} deploys in its manifest.toml, answer each section, then `backout check {}`\n",
        created.id, created.id
    ))?;
    Ok(ExitCode::SUCCESS)
}

pub fn check(out: &Output, dir: &Path, args: &CheckArgs) -> Result<ExitCode> {
    let workspace = Workspace::open(dir)?;
    let report = commands::check::run(&workspace, &args.targets)?;
    let findings = report.findings();
    let tally = Tally::of(&findings);
    let checked = report.plans.len();
    match args.format {
        CheckFormat::Human => {
            let shown: Vec<Finding> = if out.quiet {
                findings.iter().filter(|f| f.is_error()).cloned().collect()
            } else {
                findings.clone()
            };
            out.print(&diag::render_human(&shown, &HumanStyle::colored()))?;
            out.note(&summary(checked, tally, &workspace))?;
        }
        CheckFormat::Json => out.print(&diag::render_json(&findings, checked))?,
        CheckFormat::Github => out.print(&diag::render_github(&findings))?,
        CheckFormat::Sarif => out.print(&diag::render_sarif(&findings, Rule::ALL))?,
    }
    let failed = tally.errors > 0 || (args.deny_warnings && tally.warnings > 0);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn summary(checked: usize, tally: Tally, workspace: &Workspace) -> String {
    if checked == 0 && tally.errors == 0 {
        return format!(
            "no plans found under {}/; create one with `backout new <release>`\n",
            workspace.config.plans_dir
        );
    }
    let plans = plural(checked, "plan");
    if tally.errors == 0 && tally.warnings == 0 {
        return format!("{} {plans}: no problems found\n", bold("checked"));
    }
    let style = if tally.errors > 0 {
        AnsiColor::Red.on_default().effects(Effects::BOLD)
    } else {
        AnsiColor::Yellow.on_default().effects(Effects::BOLD)
    };
    format!(
        "{style}checked{style:#} {plans}: {}, {}\n",
        plural(tally.errors, "error"),
        plural(tally.warnings, "warning")
    )
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

pub fn list(out: &Output, dir: &Path, args: &ListArgs) -> Result<ExitCode> {
    let workspace = Workspace::open(dir)?;
    let rows = commands::list::run(&workspace)?;
    match args.format {
        ListFormat::Json => {
            let json = serde_json::json!({ "version": 1, "plans": rows });
            out.print(&format!(
                "{}\n",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            ))?;
        }
        ListFormat::Human => {
            if rows.is_empty() {
                out.note(&format!(
                    "no plans under {}/; create one with `backout new <release>`\n",
                    workspace.config.plans_dir
                ))?;
                return Ok(ExitCode::SUCCESS);
            }
            let table: Vec<[String; 7]> = rows
                .iter()
                .map(|row| {
                    [
                        row.team.clone(),
                        row.release.clone(),
                        row.status.clone(),
                        row.baseline.clone().unwrap_or_else(|| "-".into()),
                        row.items.map_or("-".into(), |n| n.to_string()),
                        row.errors.to_string(),
                        row.warnings.to_string(),
                    ]
                })
                .collect();
            let header = [
                "TEAM", "RELEASE", "STATUS", "BASELINE", "ITEMS", "ERRORS", "WARNINGS",
            ];
            out.print(&render_table(&header, &table))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Left-aligned columns separated by two spaces; the header in bold.
fn render_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        text.trim_end().to_string() + "\n"
    };
    let mut out = bold(line(header.to_vec()).trim_end()) + "\n";
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// Prints why a command refused, as an error line on standard error.
fn refusal(text: &str) {
    let style = AnsiColor::Red.on_default().effects(Effects::BOLD);
    let mut stderr = anstream::stderr().lock();
    let _ = writeln!(stderr, "{style}error{style:#}: {text}");
}

/// The publish time: `SOURCE_DATE_EPOCH` when set (reproducible output), else the clock.
fn publish_time() -> Result<i64> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => value.trim().parse::<i64>().map_err(|_| {
            Error::msg(format!(
                "SOURCE_DATE_EPOCH is \"{value}\", not whole seconds since 1970; unset it or set it to a number such as 1764086400"
            ))
        }),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::msg(
            "SOURCE_DATE_EPOCH is not valid UTF-8; unset it or set it to whole seconds since 1970",
        )),
        Err(std::env::VarError::NotPresent) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .map_err(|_| Error::msg("the system clock is before 1970; set the clock or SOURCE_DATE_EPOCH")),
    }
}

pub fn publish(out: &Output, dir: &Path, args: &PublishArgs) -> Result<ExitCode> {
    use commands::publish::{Options, Outcome};
    let workspace = Workspace::open(dir)?;
    let options = Options {
        spec: &args.spec,
        out: args.out.as_deref(),
        dry_run: args.dry_run,
        now: publish_time()?,
    };
    match commands::publish::run(&workspace, &options)? {
        Outcome::Refused { id, findings } => {
            let tally = Tally::of(&findings);
            let shown: Vec<Finding> = if out.quiet {
                findings.iter().filter(|f| f.is_error()).cloned().collect()
            } else {
                findings
            };
            out.print(&diag::render_human(&shown, &HumanStyle::colored()))?;
            refusal(&format!(
                "refusing to publish {id}: check found {}; fix {} and run `backout publish {}` again",
                plural(tally.errors, "error"),
                if tally.errors == 1 { "it" } else { "them" },
                args.spec
            ));
            Ok(ExitCode::from(1))
        }
        Outcome::Uncommitted { id, files, commit } => {
            let (verb, pronoun) = if files.len() == 1 {
                ("has", "it")
            } else {
                ("have", "them")
            };
            refusal(&format!(
                "refusing to publish {id}: {} {verb} changes that are not committed, so HEAD ({}) is not the commit the plan would be published from; commit {pronoun} and run `backout publish {}` again",
                backout::check::join_and(&files),
                commit.get(..12).unwrap_or(&commit),
                args.spec
            ));
            Ok(ExitCode::from(1))
        }
        Outcome::Published(done) => {
            if !out.quiet && !done.warnings.is_empty() {
                out.print(&diag::render_human(&done.warnings, &HumanStyle::colored()))?;
            }
            let stamp = format!(
                "status = \"published\", [published] at = {}, commit = \"{}\"",
                done.at, done.commit
            );
            if done.dry_run {
                let mut text = format!(
                    "{} nothing was written\nwould publish {}: set {stamp} in {}\n",
                    bold("dry run:"),
                    done.id,
                    done.plan_file
                );
                for file in &done.files {
                    text.push_str(&format!("would write {file}\n"));
                }
                out.print(&text)?;
            } else {
                let mut text = format!(
                    "{} {}: set {stamp} in {}\n",
                    bold("published"),
                    done.id,
                    done.plan_file
                );
                for file in &done.files {
                    text.push_str(&format!("wrote {file}\n"));
                }
                text.push_str(&format!(
                    "next: commit {}, open {} to check the page, then host {}/ (see docs/publish.md)\n",
                    done.plan_file, done.page, done.out_dir
                ));
                out.note(&text)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
