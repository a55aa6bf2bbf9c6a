//! Output of the commands that read git history: `tags` and `review`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anstyle::{AnsiColor, Effects};

use backout::Result;
use backout::commands;
use backout::diag::escape::{code, inline, markdown_message, markdown_text};
use backout::diag::{self, Finding, HumanStyle, Tally};
use backout::diff::DiffStyle;
use backout::repo::Change;
use backout::tags::{At, TagStatus};
use backout::workspace::Workspace;

use crate::cli::{ReviewArgs, ReviewFormat, TagsArgs, TagsAt, TagsFormat};

use super::budget::{self, Block, Part};
use super::{Output, bold, plural, render_table};

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
        inline(&report.glob),
        report.ignored
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
                diag::escape::json(serde_json::to_string_pretty(&json).unwrap_or_default())
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
                    .map(|p| format!("file={},", diag::escape_property(&inline(p))))
                    .unwrap_or_default();
                text.push_str(&format!(
                    "::{level} {file}title={}::{}\n",
                    diag::escape_property(&inline(&format!(
                        "{} plan for tag {}",
                        row.status, row.tag
                    ))),
                    diag::escape_data(&inline(&row.message))
                ));
            }
            if no_tags {
                text.push_str(&format!(
                    "::warning title=no release tags::{}\n",
                    diag::escape_data(&no_tags_hint)
                ));
            }
            let mut tally = Tally::default();
            for row in report.rows.iter().filter(|r| r.status != TagStatus::Ok) {
                if row.status.is_error() {
                    tally.errors += 1;
                } else {
                    tally.warnings += 1;
                }
            }
            super::ci::github_with(out, tally, || tags_summary(&report), &text)?;
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

/// The job summary of `tags`: the counts, then every tag that is not ok.
fn tags_summary(report: &commands::tags::TagsReport) -> String {
    let count = |status: TagStatus| report.rows.iter().filter(|r| r.status == status).count();
    let mut text = format!(
        "### backout tags: {} release tags, {} ok, {} missing, {} invalid, {} draft\n\n",
        report.rows.len(),
        count(TagStatus::Ok),
        count(TagStatus::Missing),
        count(TagStatus::Invalid),
        count(TagStatus::Draft),
    );
    let bad: Vec<_> = report
        .rows
        .iter()
        .filter(|r| r.status != TagStatus::Ok)
        .collect();
    if bad.is_empty() {
        text.push_str("Every release tag has a plan.\n");
        return text;
    }
    text.push_str("| tag | status | plan | why |\n|---|---|---|---|\n");
    for row in bad {
        text.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            diag::code_span(&row.tag),
            row.status,
            row.path.as_deref().map(diag::code_span).unwrap_or_default(),
            diag::markdown_cell(&row.message)
        ));
    }
    text
}

pub fn review(out: &Output, dir: &Path, args: &ReviewArgs) -> Result<ExitCode> {
    let workspace = Workspace::open(dir)?;
    let review = commands::review::run(&workspace, &args.base, &args.head)?;
    let tally = review.tally();
    match args.format {
        ReviewFormat::Human => out.print(&review_human(&review, out.quiet))?,
        ReviewFormat::Markdown => out.print(&budget::fit(
            review_markdown(&review),
            usize::try_from(args.max_bytes).unwrap_or(usize::MAX),
        ))?,
        ReviewFormat::Github => {
            // GitHub shows 10 errors and 10 warnings per step: the changed files' first.
            let changed = changed_files(&review);
            let (mut findings, others): (Vec<Finding>, Vec<Finding>) = review
                .findings()
                .cloned()
                .partition(|f| changed.contains(&f.file));
            findings.extend(others);
            super::ci::github(
                out,
                "backout review",
                &findings,
                &diag::render_github(&findings),
                review.plans.len(),
            )?;
        }
        ReviewFormat::Gitlab => {
            let findings: Vec<Finding> = review.findings().cloned().collect();
            out.print(&diag::render_gitlab(&findings))?;
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
                        "has_plan": plan.has_plan,
                        "path": plan.path,
                        "renamed_from": plan.renamed_from,
                        "moved_to": plan.moved_to,
                        "manifest_changed": plan.manifest_changed,
                        "errors": tally.errors,
                        "warnings": tally.warnings,
                        "findings": plan.findings,
                        "diff": plan.diff,
                    })
                })
                .collect();
            let drills: Vec<serde_json::Value> = review
                .drills
                .iter()
                .map(|drill| {
                    serde_json::json!({
                        "team": drill.id.team,
                        "release": drill.id.release,
                        "path": drill.path,
                        "change": drill.change,
                        "record": drill.summary,
                        "findings": drill.findings,
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
                "drills": drills,
            });
            out.print(&format!(
                "{}\n",
                diag::escape::json(serde_json::to_string_pretty(&json).unwrap_or_default())
            ))?;
        }
    }
    Ok(if tally.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `, 1 drill record` when the change touched drill records.
fn drill_count(review: &commands::review::Review) -> String {
    if review.drills.is_empty() {
        String::new()
    } else {
        format!(", {}", plural(review.drills.len(), "drill record"))
    }
}

fn change_word(plan: &commands::review::ReviewedPlan) -> String {
    let mut word = match plan.change {
        Some(Change::Added) => "added".to_string(),
        Some(Change::Deleted) => match &plan.moved_to {
            Some(to) => format!("deleted: git sees it renamed to {to}"),
            None => "deleted".to_string(),
        },
        Some(Change::Modified) => "modified".to_string(),
        Some(Change::Renamed) => format!(
            "renamed from {}",
            plan.renamed_from.as_deref().unwrap_or("?")
        ),
        None if plan.has_plan => "manifest changed".to_string(),
        None => return "manifest changed; the release has no plan yet".to_string(),
    };
    if plan.manifest_changed && plan.change.is_some() {
        word.push_str(", manifest changed");
    }
    word
}

fn review_human(review: &commands::review::Review, quiet: bool) -> String {
    let mut text = String::new();
    if review.plans.is_empty() && review.drills.is_empty() {
        if !quiet {
            text.push_str(&format!(
                "no plan or manifest changed between {} and {}\n",
                inline(&review.base),
                inline(&review.head)
            ));
        }
        return text;
    }
    if !quiet {
        text.push_str(&format!(
            "{} {} → {}: {}{}\n\n",
            bold("review"),
            inline(&review.base),
            inline(&review.head),
            plural(review.plans.len(), "plan"),
            drill_count(review)
        ));
    }
    for plan in &review.plans {
        text.push_str(&format!(
            "{} ({})\n",
            bold(&inline(&plan.path)),
            inline(&change_word(plan))
        ));
        if !quiet {
            if let Some(diff) = &plan.diff {
                text.push_str(&backout::diff::render_human(diff, &DiffStyle::colored()));
            }
        }
        text.push('\n');
        text.push_str(&diag::render_human(&plan.findings, &HumanStyle::colored()));
    }
    if !review.drills.is_empty() {
        text.push_str(&format!(
            "{}
",
            bold("drill records (evidence, not plan changes)")
        ));
        for drill in &review.drills {
            text.push_str(&format!(
                "  {}
",
                inline(&super::drill::evidence_line(drill))
            ));
        }
        text.push('\n');
        for drill in &review.drills {
            text.push_str(&diag::render_human(&drill.findings, &HumanStyle::colored()));
        }
    }
    let tally = review.tally();
    if !quiet {
        text.push_str(&format!(
            "reviewed {}{}: {}, {}\n",
            plural(review.plans.len(), "plan"),
            drill_count(review),
            plural(tally.errors, "error"),
            plural(tally.warnings, "warning")
        ));
    }
    text
}

/// The first line of the Markdown review: CI finds and updates its own comment by it.
pub const REVIEW_MARKER: &str = "<!-- backout:review -->";

/// The review as a pull-request comment, in blocks that `budget::fit` can leave out.
fn review_markdown(review: &commands::review::Review) -> Vec<Block> {
    let tally = review.tally();
    let mut summary = format!("{REVIEW_MARKER}\n## backout review\n\n");
    if review.plans.is_empty() && review.drills.is_empty() {
        summary.push_str(&format!(
            "No plan or manifest changed between {} and {}.\n",
            code(&review.base),
            code(&review.head)
        ));
        return vec![Block::new(Part::Summary, summary)];
    }
    let verdict = if tally.errors > 0 {
        "❌"
    } else if tally.warnings > 0 {
        "⚠️"
    } else {
        "✅"
    };
    summary.push_str(&format!(
        "{verdict} {} → {}: {} changed{}, {}, {}.\n\n",
        code(&review.base),
        code(&review.head),
        plural(review.plans.len(), "plan"),
        drill_count(review),
        plural(tally.errors, "error"),
        plural(tally.warnings, "warning")
    ));
    if !review.plans.is_empty() {
        summary.push_str("| Plan | Change | Errors | Warnings |\n| --- | --- | --- | --- |\n");
    }
    for plan in &review.plans {
        let plan_tally = Tally::of(&plan.findings);
        summary.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            code(&plan.id.to_string()).replace('|', "\\|"),
            markdown_text(&change_word(plan)),
            plan_tally.errors,
            plan_tally.warnings
        ));
    }
    let mut blocks = vec![Block::new(Part::Summary, summary)];
    for plan in &review.plans {
        blocks.push(Block::new(
            Part::Summary,
            format!(
                "\n### {} ({})\n\n",
                code(&plan.id.to_string()),
                markdown_text(&change_word(plan))
            ),
        ));
        let mut findings = String::new();
        if plan.findings.is_empty() {
            findings.push_str("No findings.\n");
        }
        for finding in &plan.findings {
            let icon = if finding.is_error() { "❌" } else { "⚠️" };
            // Paths are code (backticks in them cannot close it); messages keep their own
            // code spans and nothing else in them can mention, link or format.
            let help = finding
                .help
                .as_deref()
                .map(|h| format!(" — {}", markdown_message(h)))
                .unwrap_or_default();
            findings.push_str(&format!(
                "- {icon} **{}** {}: {}{help}\n",
                finding.rule,
                code(&format!("{}:{}", finding.file, finding.line)),
                markdown_message(&finding.message)
            ));
        }
        blocks.push(Block::new(Part::Findings, findings));
        if let Some(diff) = &plan.diff {
            let mut text = String::from("\n<details><summary>Section diff</summary>\n\n");
            text.push_str(&backout::diff::render_markdown(diff));
            text.push_str("\n</details>\n");
            blocks.push(Block::new(Part::Diff, text));
        }
    }
    if !review.drills.is_empty() {
        let mut text = String::from("\n### Drill records (evidence, not plan changes)\n\n");
        for drill in &review.drills {
            text.push_str(&format!(
                "- {}\n",
                markdown_message(&super::drill::evidence_line(drill))
            ));
            for finding in &drill.findings {
                text.push_str(&format!(
                    "  - ❌ **{}** {}: {}\n",
                    finding.rule,
                    code(&format!("{}:{}", finding.file, finding.line)),
                    markdown_message(&finding.message)
                ));
            }
        }
        blocks.push(Block::new(Part::Findings, text));
    }
    blocks
}

/// The files the change touched: changed plans, changed manifests, drill records.
fn changed_files(review: &commands::review::Review) -> std::collections::HashSet<String> {
    let mut files = std::collections::HashSet::new();
    for plan in &review.plans {
        if plan.change.is_some() {
            files.insert(plan.path.clone());
            files.extend(plan.renamed_from.clone());
        }
        if plan.manifest_changed {
            let dir = plan.path.rsplit_once('/').map_or("", |(dir, _)| dir);
            files.insert(format!("{dir}/manifest.toml"));
        }
    }
    files.extend(review.drills.iter().map(|d| d.path.clone()));
    files
}
