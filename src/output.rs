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

use backout::tags::{At, TagStatus};

use crate::cli::{
    CheckArgs, CheckFormat, InitArgs, ListArgs, ListFormat, NewArgs, TagsArgs, TagsAt, TagsFormat,
};

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

pub fn tags(out: &Output, dir: &Path, args: &TagsArgs) -> Result<ExitCode> {
    let workspace = Workspace::open(dir)?;
    let at = match args.at {
        TagsAt::Tag => At::Tag,
        TagsAt::Head => At::Head,
    };
    let report = commands::tags::run(&workspace, at)?;
    let count = |status: TagStatus| report.rows.iter().filter(|r| r.status == status).count();
    let failed = report.rows.iter().any(|r| r.status.is_error());
    let no_tags = report.rows.is_empty() && report.exempt == 0;
    let no_tags_hint = format!(
        "no git tag matches `{}` ({} other tags); if this is a CI checkout, fetch the tags: `git fetch --tags` (GitHub Actions: `actions/checkout` with `fetch-depth: 0`)",
        report.glob, report.ignored
    );
    match args.format {
        TagsFormat::Json => {
            let json = serde_json::json!({
                "version": 1,
                "tags": report.rows,
                "ok": count(TagStatus::Ok),
                "draft": count(TagStatus::Draft),
                "missing": count(TagStatus::Missing),
                "invalid": count(TagStatus::Invalid),
                "exempt": report.exempt,
            });
            out.print(&format!(
                "{}\n",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            ))?;
        }
        TagsFormat::Github => {
            let mut text = String::new();
            for row in report.rows.iter().filter(|r| r.status != TagStatus::Ok) {
                let level = if row.status.is_error() {
                    "error"
                } else {
                    "warning"
                };
                let file = row
                    .path
                    .as_deref()
                    .filter(|_| row.status != TagStatus::Missing)
                    .map(|p| format!("file={},", diag::escape_property(p)))
                    .unwrap_or_default();
                text.push_str(&format!(
                    "::{level} {file}title={}::{}\n",
                    diag::escape_property(&format!("{} plan for tag {}", row.status, row.tag)),
                    diag::escape_data(&row.message)
                ));
            }
            if no_tags {
                text.push_str(&format!(
                    "::warning title=no release tags::{}\n",
                    diag::escape_data(&no_tags_hint)
                ));
            }
            out.print(&text)?;
        }
        TagsFormat::Human => {
            let table: Vec<[String; 4]> = report
                .rows
                .iter()
                .map(|row| {
                    [
                        row.tag.clone(),
                        row.path.clone().unwrap_or_else(|| "-".into()),
                        row.status.to_string(),
                        row.message.clone(),
                    ]
                })
                .collect();
            if !table.is_empty() {
                out.print(&render_table(&["TAG", "PLAN", "STATUS", "NOTE"], &table))?;
            }
            let exempt = match (report.exempt, &workspace.config.tags.since) {
                (0, _) | (_, None) => String::new(),
                (n, Some(since)) => format!(", {} older than {since} exempt", plural(n, "tag")),
            };
            out.note(&format!(
                "{}: {} ok, {} draft, {} missing, {} invalid{exempt}\n",
                plural(report.rows.len(), "release tag"),
                count(TagStatus::Ok),
                count(TagStatus::Draft),
                count(TagStatus::Missing),
                count(TagStatus::Invalid),
            ))?;
        }
    }
    if no_tags && args.format != TagsFormat::Github {
        let style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);
        let _ = writeln!(
            anstream::stderr(),
            "{style}warning{style:#}: {no_tags_hint}"
        );
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
