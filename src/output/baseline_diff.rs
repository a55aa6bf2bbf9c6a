//! Output of `baseline` and `diff`.

use std::path::Path;
use std::process::ExitCode;

use backout::Result;
use backout::baseline::{self, ChangeGroup, Place};
use backout::commands;
use backout::commands::baseline::{Forked, Source};
use backout::commands::diff::Basis;
use backout::diag::escape::inline;
use backout::diag::{HumanStyle, Tally};
use backout::diff::DiffStyle;
use backout::workspace::Workspace;

use crate::cli::{BaselineArgs, DiffArgs, DiffFormat};

use super::{Output, bold, cleaned, display_width, pad, plural};

pub fn baseline(out: &Output, dir: &Path, args: &BaselineArgs) -> Result<ExitCode> {
    let workspace = Workspace::open(dir)?;
    let options = commands::baseline::Options {
        target: args.spec.as_deref(),
        from: args.from.as_deref(),
        force: args.force,
        dry_run: args.dry_run,
    };
    let forked = commands::baseline::run(&workspace, &options)?;
    cleaned(out, &forked.cleaned)?;
    let style = HumanStyle::colored();
    if !out.quiet {
        out.print(&baseline_header(&forked))?;
    }
    let changes = baseline_changes(&forked, &style);
    // Quiet output is only the list: no blank line to separate it from a header.
    let changes = if out.quiet {
        changes.trim_start_matches('\n')
    } else {
        &changes
    };
    out.print(changes)?;
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
        let width = ranking
            .iter()
            .map(|c| display_width(&c.team))
            .max()
            .unwrap_or(0);
        for (i, candidate) in ranking.iter().enumerate() {
            let manifest = match &candidate.manifest {
                Some(id) => format!("manifest {id}: {}", candidate.similarity.why()),
                None => "no readable manifest".to_string(),
            };
            let chosen = if i == 0 { "  <- chosen" } else { "" };
            text.push_str(&format!(
                "  {}. {}  {:.2}  {manifest}{chosen}\n",
                i + 1,
                pad(&candidate.team, width),
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
            inline(&forked.refers.join(", "))
        ));
    }
    text
}

/// What must change, grouped by section, each finding on one line with its line number.
fn baseline_changes(forked: &Forked, style: &HumanStyle) -> String {
    changes_text(&forked.path, &forked.changes, style)
}

/// What must change in the plan at `path`, place by place (also shown by `review` for a
/// plan forked in the pull request).
pub(super) fn changes_text(path: &str, changes: &[ChangeGroup], style: &HumanStyle) -> String {
    if changes.is_empty() {
        return String::new();
    }
    let mut text = format!("\nwhat must change in {path}:\n");
    for group in changes {
        let place = match &group.place {
            Place::FrontMatter => format!("front matter (line {})", group.line),
            Place::Top => format!("before the first section (line {})", group.line),
            Place::Section(title) => format!("## {} (line {})", inline(title), group.line),
            Place::File(file) => inline(file).into_owned(),
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
                    finding.severity,
                    finding.rule,
                    inline(&finding.message)
                );
                (finding.line, finding.column, text)
            })
            .chain(group.mentions.iter().map(|mention| {
                let text = format!(
                    "{}note{:#} {}",
                    style.help,
                    style.help,
                    inline(&mention.message)
                );
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
    if forked.written && forked.source.plan().is_some() {
        text.push_str(&format!(
            "next: edit {}, then `backout check {target}`; `backout diff {target}` shows what you changed\n",
            forked.path
        ));
    } else if forked.written {
        text.push_str(&format!(
            "next: edit {}, then `backout check {target}`\n",
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
