//! Runs a command and renders its result: the only place that prints.

use std::error::Error as _;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use anstyle::{AnsiColor, Effects, Style};

use backout::baseline::{self, Place};
use backout::commands;
use backout::commands::baseline::{Forked, Source};
use backout::commands::diff::Basis;
use backout::diag::{self, Finding, HumanStyle, Rule, Tally};
use backout::diff::DiffStyle;
use backout::names::Spec;
use backout::repo::{Change, Repo};
use backout::workspace::Workspace;
use backout::{Error, Result};

use backout::tags::{At, TagStatus};

use crate::cli::{
    BaselineArgs, CheckArgs, CheckFormat, DiffArgs, DiffFormat, InitArgs, ListArgs, ListFormat,
    NewArgs, PublishArgs, ReviewArgs, ReviewFormat, TagsArgs, TagsAt, TagsFormat,
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

pub fn baseline(out: &Output, dir: &Path, args: &BaselineArgs) -> Result<ExitCode> {
    let workspace = Workspace::open(dir)?;
    let options = commands::baseline::Options {
        target: args.spec.as_deref(),
        from: args.from.as_deref(),
        force: args.force,
        dry_run: args.dry_run,
    };
    let forked = commands::baseline::run(&workspace, &options)?;
    let style = HumanStyle::colored();
    if !out.quiet {
        out.print(&baseline_header(&forked))?;
    }
    out.print(&baseline_changes(&forked, &style))?;
    if !out.quiet {
        out.print(&baseline_summary(&forked))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The ranking (when a sibling was chosen), what was forked, and where it was written.
fn baseline_header(forked: &Forked) -> String {
    let mut text = String::new();
    let target = &forked.target;
    if let Source::Sibling { ranking, .. } = &forked.source {
        text.push_str(&format!(
            "{} has no plan before {}; sibling teams ranked by how alike their latest manifest is to {target}'s\n(score = {:.2} × shared ids + {:.2} × kinds):\n",
            target.team,
            target.release,
            baseline::ID_WEIGHT,
            baseline::KIND_WEIGHT
        ));
        let width = ranking.iter().map(|c| c.team.len()).max().unwrap_or(0);
        for (i, candidate) in ranking.iter().enumerate() {
            let manifest = match &candidate.manifest {
                Some(id) => format!("manifest {id}: {}", candidate.similarity.why()),
                None => "no readable manifest".to_string(),
            };
            let chosen = if i == 0 { "  <- chosen" } else { "" };
            text.push_str(&format!(
                "  {}. {:<width$}  {:.2}  {manifest}{chosen}\n",
                i + 1,
                candidate.team,
                candidate.similarity.score,
            ));
        }
    }
    let why = match &forked.source {
        Source::Named(_) => "named with --from".to_string(),
        Source::Previous(_) => format!("the previous release of {} with a plan", target.team),
        Source::Sibling { plan, .. } => format!("the latest plan of {}", plan.team),
        Source::Template => String::new(),
    };
    match forked.source.plan() {
        Some(from) => text.push_str(&format!("forked {from} ({why}) into {target}\n")),
        None => text.push_str(&format!(
            "no plan to fork in this repository: {target} starts from the template of `backout new`\n"
        )),
    }
    if forked.written {
        text.push_str(&format!("wrote {}\n", forked.path));
    } else {
        text.push_str(&format!(
            "dry run: would write {} (nothing written)\n",
            forked.path
        ));
    }
    if let Some(from) = forked.source.plan() {
        match &forked.commit {
            Some(commit) => text.push_str(&format!(
                "[baseline] from = \"{from}\", commit = \"{commit}\"\n"
            )),
            None => text.push_str(&format!(
                "[baseline] from = \"{from}\"\nnote: the repository has no commits yet, so [baseline] records no commit\n"
            )),
        }
    }
    if !forked.refers.is_empty() {
        text.push_str(&format!(
            "note: `refers` kept from the source ({}): remove the ids {target} no longer refers to on purpose\n",
            forked.refers.join(", ")
        ));
    }
    text
}

/// What must change, grouped by section, each finding on one line with its line number.
fn baseline_changes(forked: &Forked, style: &HumanStyle) -> String {
    if forked.changes.is_empty() {
        return String::new();
    }
    let mut text = format!("\nwhat must change in {}:\n", forked.path);
    for group in &forked.changes {
        let place = match &group.place {
            Place::FrontMatter => format!("front matter (line {})", group.line),
            Place::Top => format!("before the first section (line {})", group.line),
            Place::Section(title) => format!("## {title} (line {})", group.line),
            Place::File(file) => file.clone(),
        };
        text.push_str(&format!("\n{}\n", bold(&place)));
        let mut lines: Vec<(usize, usize, String)> = group
            .findings
            .iter()
            .map(|finding| {
                let level = if finding.is_error() {
                    style.error
                } else {
                    style.warning
                };
                let text = format!(
                    "{level}{}[{}]{level:#} {}",
                    finding.severity, finding.rule, finding.message
                );
                (finding.line, finding.column, text)
            })
            .chain(group.mentions.iter().map(|mention| {
                let text = format!("{}note{:#} {}", style.help, style.help, mention.message);
                (mention.line, mention.column, text)
            }))
            .collect();
        lines.sort_by_key(|(line, column, _)| (*line, *column));
        for (line, column, message) in lines {
            text.push_str(&format!("  line {line}:{column}: {message}\n"));
        }
        if let Some(source) = &group.unchanged_since {
            text.push_str(&format!(
                "  unchanged since {source}: confirm it still holds\n"
            ));
        }
    }
    text
}

fn baseline_summary(forked: &Forked) -> String {
    let tally = Tally::of(&forked.findings);
    let unchanged = forked
        .changes
        .iter()
        .filter(|g| g.unchanged_since.is_some())
        .count();
    let mut text = format!(
        "\n{}, {}",
        plural(tally.errors, "error"),
        plural(tally.warnings, "warning")
    );
    if let (Some(from), true) = (forked.source.plan(), unchanged > 0) {
        text.push_str(&format!(
            "; {} unchanged since {from}",
            plural(unchanged, "section")
        ));
    }
    text.push('\n');
    let target = &forked.target;
    if forked.written {
        text.push_str(&format!(
            "next: edit {}, then `backout check {target}`; `backout diff {target}` shows what you changed\n",
            forked.path
        ));
    } else {
        text.push_str(&format!(
            "next: run it again without --dry-run to write {}\n",
            forked.path
        ));
    }
    text
}

pub fn diff(out: &Output, dir: &Path, args: &DiffArgs) -> Result<ExitCode> {
    let workspace = Workspace::open(dir)?;
    let compared = commands::diff::run(&workspace, args.spec.as_deref(), args.against.as_deref())?;
    match args.format {
        DiffFormat::Human => {
            let basis = match compared.basis {
                Basis::Against => "named with --against",
                Basis::Baseline => "its baseline source",
                Basis::Previous => "its previous release",
            };
            out.note(&format!(
                "comparing {} with {} ({basis})\n",
                compared.plan, compared.against
            ))?;
            out.print(&backout::diff::render_human(
                &compared.diff,
                &DiffStyle::colored(),
            ))?;
        }
        DiffFormat::Markdown => out.print(&backout::diff::render_markdown(&compared.diff))?,
        DiffFormat::Json => out.print(&backout::diff::render_json(&compared.diff))?,
    }
    Ok(ExitCode::SUCCESS)
}

pub fn review(out: &Output, dir: &Path, args: &ReviewArgs) -> Result<ExitCode> {
    let workspace = Workspace::open(dir)?;
    let review = commands::review::run(&workspace, &args.base, &args.head)?;
    let tally = review.tally();
    match args.format {
        ReviewFormat::Human => out.print(&review_human(&review, out.quiet))?,
        ReviewFormat::Markdown => out.print(&review_markdown(&review))?,
        ReviewFormat::Github => {
            let findings: Vec<Finding> = review.findings().cloned().collect();
            out.print(&diag::render_github(&findings))?;
        }
        ReviewFormat::Json => {
            let plans: Vec<serde_json::Value> = review
                .plans
                .iter()
                .map(|plan| {
                    let tally = Tally::of(&plan.findings);
                    serde_json::json!({
                        "team": plan.id.team,
                        "release": plan.id.release,
                        "change": plan.change,
                        "path": plan.path,
                        "renamed_from": plan.renamed_from,
                        "manifest_changed": plan.manifest_changed,
                        "errors": tally.errors,
                        "warnings": tally.warnings,
                        "findings": plan.findings,
                        "diff": plan.diff,
                    })
                })
                .collect();
            let json = serde_json::json!({
                "version": 1,
                "base": review.base,
                "head": review.head,
                "errors": tally.errors,
                "warnings": tally.warnings,
                "plans": plans,
            });
            out.print(&format!(
                "{}\n",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            ))?;
        }
    }
    Ok(if tally.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn change_word(plan: &commands::review::ReviewedPlan) -> String {
    let mut word = match plan.change {
        Change::Added => "added".to_string(),
        Change::Deleted => "deleted".to_string(),
        Change::Modified => "modified".to_string(),
        Change::Renamed => format!(
            "renamed from {}",
            plan.renamed_from.as_deref().unwrap_or("?")
        ),
    };
    if plan.manifest_changed {
        word.push_str(", manifest changed");
    }
    word
}

fn review_human(review: &commands::review::Review, quiet: bool) -> String {
    let mut text = String::new();
    if review.plans.is_empty() {
        if !quiet {
            text.push_str(&format!(
                "no plan or manifest changed between {} and {}\n",
                review.base, review.head
            ));
        }
        return text;
    }
    if !quiet {
        text.push_str(&format!(
            "{} {} → {}: {}\n\n",
            bold("review"),
            review.base,
            review.head,
            plural(review.plans.len(), "plan")
        ));
    }
    for plan in &review.plans {
        text.push_str(&format!("{} ({})\n", bold(&plan.path), change_word(plan)));
        if !quiet {
            if let Some(diff) = &plan.diff {
                text.push_str(&backout::diff::render_human(diff, &DiffStyle::colored()));
            }
        }
        text.push('\n');
        text.push_str(&diag::render_human(&plan.findings, &HumanStyle::colored()));
    }
    let tally = review.tally();
    if !quiet {
        text.push_str(&format!(
            "reviewed {}: {}, {}\n",
            plural(review.plans.len(), "plan"),
            plural(tally.errors, "error"),
            plural(tally.warnings, "warning")
        ));
    }
    text
}

fn review_markdown(review: &commands::review::Review) -> String {
    let tally = review.tally();
    let mut text = String::from("## backout review\n\n");
    if review.plans.is_empty() {
        text.push_str(&format!(
            "No plan or manifest changed between `{}` and `{}`.\n",
            review.base, review.head
        ));
        return text;
    }
    let verdict = if tally.errors > 0 {
        "❌"
    } else if tally.warnings > 0 {
        "⚠️"
    } else {
        "✅"
    };
    text.push_str(&format!(
        "{verdict} `{}` → `{}`: {} changed, {}, {}.\n\n",
        review.base,
        review.head,
        plural(review.plans.len(), "plan"),
        plural(tally.errors, "error"),
        plural(tally.warnings, "warning")
    ));
    text.push_str("| Plan | Change | Errors | Warnings |\n| --- | --- | --- | --- |\n");
    for plan in &review.plans {
        let plan_tally = Tally::of(&plan.findings);
        text.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            plan.id,
            change_word(plan).replace('|', "\\|"),
            plan_tally.errors,
            plan_tally.warnings
        ));
    }
    for plan in &review.plans {
        text.push_str(&format!(
            "\n### `{}` ({})\n\n",
            plan.id,
            change_word(plan).replace('|', "\\|")
        ));
        if plan.findings.is_empty() {
            text.push_str("No findings.\n");
        }
        for finding in &plan.findings {
            let icon = if finding.is_error() { "❌" } else { "⚠️" };
            let help = finding
                .help
                .as_deref()
                .map(|h| format!(" — {}", markdown_inline(h)))
                .unwrap_or_default();
            text.push_str(&format!(
                "- {icon} **{}** `{}:{}`: {}{help}\n",
                finding.rule,
                finding.file,
                finding.line,
                markdown_inline(&finding.message)
            ));
        }
        if let Some(diff) = &plan.diff {
            text.push_str("\n<details><summary>Section diff</summary>\n\n");
            text.push_str(&backout::diff::render_markdown(diff));
            text.push_str("\n</details>\n");
        }
    }
    text
}

/// Text for one line of Markdown: no line breaks, no raw HTML.
fn markdown_inline(text: &str) -> String {
    text.replace('\n', " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
