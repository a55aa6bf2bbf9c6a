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
    let report = commands::check::run(&workspace, &args.targets)?;
    let findings = report.findings();
    let tally = Tally::of(&findings);
    let checked = report.plans.len();
    match args.format {
        CheckFormat::Human => {
            // Quiet shows what fails the check: errors, and warnings under --deny-warnings.
            let fails = |f: &&Finding| f.is_error() || args.deny_warnings;
            let shown: Vec<Finding> = if out.quiet {
                findings.iter().filter(fails).cloned().collect()
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

pub fn list(out: &Output, dir: &Path, args: &ListArgs) -> Result<ExitCode> {
    let workspace = Workspace::open(dir)?;
    let rows = commands::list::run(&workspace)?;
    match args.format {
        ListFormat::Json => {
            let json = serde_json::json!({ "version": 1, "plans": rows });
            out.print(&format!(
                "{}\n",
                diag::escape::json(serde_json::to_string_pretty(&json).unwrap_or_default())
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
    // Like every command, `list` exits 1 when it found errors (in any plan).
    Ok(if rows.iter().any(|row| row.errors > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
