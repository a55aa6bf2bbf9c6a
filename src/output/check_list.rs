//! Output of `check` and `list`.

use std::path::Path;
use std::process::ExitCode;

use anstyle::{AnsiColor, Effects};

use backout::Result;
use backout::commands;
use backout::diag::{self, Finding, HumanStyle, Rule, Tally};
use backout::workspace::Workspace;

use crate::cli::{CheckArgs, CheckFormat, ListArgs, ListFormat};

use super::{Output, bold, plural, render_table};

pub fn check(out: &Output, dir: &Path, args: &CheckArgs) -> Result<ExitCode> {
    let workspace = Workspace::open(dir)?;
    let mut report = commands::check::run(&workspace, &args.targets)?;
    let findings = report.take_findings();
    let suppressed = report.suppressed();
    let tally = Tally::of(&findings);
    let checked = report.plans.len();
    match args.format {
        CheckFormat::Human => {
            // Quiet shows what fails the check: errors, and warnings under --deny-warnings.
            let fails = |f: &&Finding| f.is_error() || args.deny_warnings;
            let failing: Vec<Finding>;
            let shown: &[Finding] = if out.quiet {
                failing = findings.iter().filter(fails).cloned().collect();
                &failing
            } else {
                &findings
            };
            // Printed a block at a time: a hostile plan can hold a million findings, whose
            // text need not be held all at once.
            let style = HumanStyle::colored();
            for block in shown.chunks(1024) {
                out.print(&diag::render_human(block, &style))?;
            }
            for dir in &report.skipped {
                out.note(&format!(
                    "note: {}/ holds no {} or {}, so it is not a release; skipped\n",
                    backout::diag::escape::inline(dir),
                    backout::workspace::PLAN_FILE,
                    backout::workspace::MANIFEST_FILE
                ))?;
            }
            if out.verbose {
                out.print(&notes(&report.notes))?;
            }
            out.note(&summary(checked, tally, suppressed.len(), &workspace))?;
        }
        CheckFormat::Json => out.print(&diag::render_check_json(
            &findings,
            &suppressed,
            checked,
            &report.notes,
            &report
                .unpinned
                .plans
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
        ))?,
        CheckFormat::Github => super::ci::github(out, "backout check", &findings, checked)?,
        CheckFormat::Sarif => out.print(&diag::render_sarif(&findings, Rule::ALL))?,
        CheckFormat::Gitlab => out.print(&diag::render_gitlab(&findings))?,
    }
    if let Some(note) = report.unpinned.note() {
        super::ci::unpinned_note(out, &note, args.format == CheckFormat::Github)?;
    }
    let failed = tally.errors > 0 || (args.deny_warnings && tally.warnings > 0);
    backout::teardown::discard((report, findings, suppressed));
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `-v`: the rules that did not run, and why.
fn notes(notes: &[diag::Note]) -> String {
    let style = HumanStyle::colored().help;
    notes
        .iter()
        .map(|note| {
            let plan = note
                .plan
                .as_ref()
                .map(|p| format!("{p}: "))
                .unwrap_or_default();
            format!(
                "{style}note{style:#}[{}]: {plan}{}\n",
                note.rule,
                backout::diag::escape::inline(&note.message)
            )
        })
        .collect()
}

/// The plan spec a first `backout new` needs: a bare release only names a plan when there
/// is a default team.
fn first_plan(workspace: &Workspace) -> &'static str {
    match workspace.config.default_team {
        Some(_) => "<release>",
        None => "<team>/<release>",
    }
}

fn summary(checked: usize, tally: Tally, suppressed: usize, workspace: &Workspace) -> String {
    if checked == 0 && tally.errors == 0 {
        return format!(
            "no plans found under {}/; create one with `backout new {}`\n",
            workspace.config.plans_dir,
            first_plan(workspace)
        );
    }
    let plans = plural(checked, "plan");
    let suppressed = match suppressed {
        0 => String::new(),
        n => format!(" ({n} suppressed by backout-ignore comments)"),
    };
    if tally.errors == 0 && tally.warnings == 0 {
        return format!(
            "{} {plans}: no problems found{suppressed}\n",
            bold("checked")
        );
    }
    let style = if tally.errors > 0 {
        AnsiColor::Red.on_default().effects(Effects::BOLD)
    } else {
        AnsiColor::Yellow.on_default().effects(Effects::BOLD)
    };
    format!(
        "{style}checked{style:#} {plans}: {}, {}{suppressed}\n",
        plural(tally.errors, "error"),
        plural(tally.warnings, "warning")
    )
}

pub fn list(out: &Output, dir: &Path, args: &ListArgs) -> Result<ExitCode> {
    let workspace = Workspace::open(dir)?;
    let commands::list::Listing { rows, problems } = commands::list::run(&workspace)?;
    match args.format {
        ListFormat::Json => {
            let json = serde_json::json!({ "version": 1, "plans": rows, "problems": problems });
            out.print(&format!(
                "{}\n",
                diag::escape::json(serde_json::to_string_pretty(&json).unwrap_or_default())
            ))?;
        }
        ListFormat::Human => {
            unusable(&problems);
            if rows.is_empty() {
                if problems.is_empty() {
                    out.note(&format!(
                        "no plans under {}/; create one with `backout new {}`\n",
                        workspace.config.plans_dir,
                        first_plan(&workspace)
                    ))?;
                }
                return Ok(list_exit(&rows, &problems));
            }
            let table: Vec<[String; 8]> = rows
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
                        drill_cell(row),
                    ]
                })
                .collect();
            let header = [
                "TEAM", "RELEASE", "STATUS", "BASELINE", "ITEMS", "ERRORS", "WARNINGS", "DRILLED",
            ];
            out.print(&render_table(&header, &table))?;
        }
    }
    Ok(list_exit(&rows, &problems))
}

/// Like every command, `list` exits 1 when it found errors: in any plan, or a directory
/// under the plans directory that is not a usable plan.
fn list_exit(rows: &[commands::list::Row], problems: &[Finding]) -> ExitCode {
    if rows.iter().any(|row| row.errors > 0) || problems.iter().any(Finding::is_error) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The directories `list` has no row for, as `check` reports them, on standard error (the
/// table on standard output stays a table), even with `--quiet`: they fail the command.
fn unusable(problems: &[Finding]) {
    if problems.is_empty() {
        return;
    }
    let mut text = diag::render_human(problems, &HumanStyle::colored());
    text.push_str(&match problems.len() {
        1 => "not listed: 1 directory that backout cannot use as a plan (see above)\n".to_string(),
        n => format!("not listed: {n} directories that backout cannot use as plans (see above)\n"),
    });
    let mut stderr = anstream::stderr().lock();
    let _ = std::io::Write::write_all(&mut stderr, text.as_bytes());
}

/// The day of the latest passing drill (`used 2026-11-27` for a real backout), and a
/// later failed one: `2026-11-27, failed 2026-12-01`.
fn drill_cell(row: &commands::list::Row) -> String {
    let day = |summary: &backout::drill::Summary| {
        summary.finished.get(..10).unwrap_or_default().to_string()
    };
    let passing = row.drill.as_ref().map(|drill| match drill.kind {
        backout::drill::Kind::Drill => day(drill),
        backout::drill::Kind::Incident => format!("used {}", day(drill)),
    });
    let failed = row
        .last_drill
        .as_ref()
        .filter(|last| row.drill.as_ref() != Some(*last))
        .map(|last| format!("failed {}", day(last)));
    match (passing, failed) {
        (Some(passing), Some(failed)) => format!("{passing}, {failed}"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => "-".into(),
    }
}
