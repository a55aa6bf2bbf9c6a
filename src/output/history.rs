//! Output of the commands that read git history: `tags` and `review`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anstyle::{AnsiColor, Effects};

use backout::Result;
use backout::baseline::Place;
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
    let failed = report.rows.iter().any(|r| report.fails(r));
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
                let level = if report.fails(row) {
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
            let (mut findings, others): (Vec<Finding>, Vec<Finding>) = review_findings(&review)
                .into_iter()
                .partition(|f| changed.contains(&f.file));
            findings.extend(others);
            super::ci::github(out, "backout review", &findings, review.plans.len())?;
        }
        ReviewFormat::Gitlab => out.print(&diag::render_gitlab(&review_findings(&review)))?,
        ReviewFormat::Json => out.print(&review_json(&review))?,
    }
    for note in &review.notes {
        if args.format == ReviewFormat::Github {
            out.print(&format!(
                "::warning title={}::{}\n",
                diag::escape_property(note.title),
                diag::escape_data(&inline(&note.text))
            ))?;
        } else {
            let style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);
            let _ = writeln!(
                anstream::stderr(),
                "{style}warning{style:#}: {}",
                inline(&note.text)
            );
        }
    }
    if let Some(note) = review.unpinned.note() {
        super::ci::unpinned_note(out, &note, args.format == ReviewFormat::Github)?;
    }
    Ok(if tally.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// What a plan listed as caused by the change is called in every format.
const CAUSED: &str = "not changed; findings caused by this change";

/// Every finding, for annotations; a finding in a plan the change did not touch says so,
/// since GitHub and GitLab show it away from the pull request's diff.
fn review_findings(review: &commands::review::Review) -> Vec<Finding> {
    review
        .plans
        .iter()
        .flat_map(|plan| {
            plan.findings.iter().map(|finding| {
                let mut finding = finding.clone();
                if plan.caused_by_change {
                    finding.message = format!(
                        "{} (caused by this change: {} itself did not change)",
                        finding.message, plan.id
                    );
                }
                finding
            })
        })
        .chain(
            review
                .drills
                .iter()
                .flat_map(|d| d.findings.iter().cloned()),
        )
        .collect()
}

fn review_json(review: &commands::review::Review) -> String {
    let tally = review.tally();
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
                "caused_by_change": plan.caused_by_change,
                "errors": tally.errors,
                "warnings": tally.warnings,
                "findings": plan.findings,
                "diff": plan.diff,
                "fork": plan.fork.as_ref().map(fork_json),
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
        "changed": review.changed(),
        "caused": review.caused(),
        "unpinned": review.unpinned.plans.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        "notes": review.notes.iter().map(|note| &note.text).collect::<Vec<_>>(),
        "plans": plans,
        "drills": drills,
    });
    format!(
        "{}\n",
        diag::escape::json(serde_json::to_string_pretty(&json).unwrap_or_default())
    )
}

/// A forked plan's source and what must still change, place by place.
fn fork_json(fork: &commands::review::ForkReview) -> serde_json::Value {
    let changes: Vec<serde_json::Value> = fork
        .changes
        .iter()
        .map(|group| {
            let (place, title) = match &group.place {
                Place::FrontMatter => ("front matter", None),
                Place::Top => ("top", None),
                Place::Section(title) => ("section", Some(title.as_str())),
                Place::File(file) => ("file", Some(file.as_str())),
            };
            let mentions: Vec<serde_json::Value> = group
                .mentions
                .iter()
                .map(|m| serde_json::json!({"line": m.line, "column": m.column, "message": m.message}))
                .collect();
            serde_json::json!({
                "place": place,
                "title": title,
                "line": group.line,
                "findings": group.findings,
                "mentions": mentions,
                "unchanged_since": group.unchanged_since,
            })
        })
        .collect();
    serde_json::json!({
        "from": fork.from.to_string(),
        "source": fork.source,
        "changes": changes,
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
    if plan.caused_by_change {
        return CAUSED.to_string();
    }
    let mut word = match plan.change {
        Some(Change::Added) => match &plan.fork {
            Some(fork) => format!("added, forked from {}", fork.from),
            None => "added".to_string(),
        },
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

/// `2 plans changed`, and `, 1 more plan with findings caused by this change`.
fn review_counts(review: &commands::review::Review) -> String {
    let mut text = format!("{} changed", plural(review.changed(), "plan"));
    if review.caused() > 0 {
        let plans = if review.caused() == 1 {
            "plan"
        } else {
            "plans"
        };
        text.push_str(&format!(
            ", {} more {plans} with findings caused by this change",
            review.caused()
        ));
    }
    text
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
            review_counts(review),
            drill_count(review)
        ));
    }
    let style = HumanStyle::colored();
    for plan in &review.plans {
        text.push_str(&format!(
            "{} ({})\n",
            bold(&inline(&plan.path)),
            inline(&change_word(plan))
        ));
        if !quiet {
            if let Some(fork) = &plan.fork {
                text.push_str(&format!(
                    "forked from {}: the diff shows what changed since\n",
                    inline(&fork.source)
                ));
            }
            if let Some(diff) = &plan.diff {
                text.push_str(&backout::diff::render_human(diff, &DiffStyle::colored()));
            }
            if let Some(fork) = &plan.fork {
                text.push_str(&super::baseline_diff::changes_text(
                    &plan.path,
                    &fork.changes,
                    &style,
                ));
            }
        }
        text.push('\n');
        text.push_str(&diag::render_human(&plan.findings, &style));
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
    for note in &review.notes {
        summary.push_str(&format!("> ⚠️ {}\n\n", markdown_message(&note.text)));
    }
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
        "{verdict} {} → {}: {}{}, {}, {}.\n\n",
        code(&review.base),
        code(&review.head),
        review_counts(review),
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
        if let Some(fork) = &plan.fork {
            findings.push_str(&fork_markdown(&plan.path, fork));
        }
        blocks.push(Block::findings(findings, plan.findings.len()));
        if let Some(diff) = &plan.diff {
            // The diff's own heading names both sides; a summary stays plain text.
            let summary = match &plan.fork {
                Some(_) => "Section diff against the plan it was forked from",
                None => "Section diff",
            };
            let mut text = format!("\n<details><summary>{summary}</summary>\n\n");
            text.push_str(&backout::diff::render_markdown(diff));
            text.push_str("\n</details>\n");
            blocks.push(Block::new(Part::Diff, text));
        }
    }
    if !review.drills.is_empty() {
        let mut text = String::from("\n### Drill records (evidence, not plan changes)\n\n");
        let mut findings = 0;
        for drill in &review.drills {
            findings += drill.findings.len();
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
        // Left out, it says how many records and how many findings among them: the lines
        // that list the records are not findings.
        let note = format!(
            "\n### Drill records (evidence, not plan changes)\n\n_{} left out ({}); `backout review` lists them._\n",
            plural(review.drills.len(), "drill record"),
            plural(findings, "finding")
        );
        blocks.push(Block::other(text, note, "the drill records"));
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

/// What must still change in a forked plan, as a nested list.
fn fork_markdown(path: &str, fork: &commands::review::ForkReview) -> String {
    let mut text = format!(
        "\n**Forked from {}.** What must still change in {}:\n\n",
        code(&fork.from.to_string()),
        code(path)
    );
    if fork.changes.is_empty() {
        text.push_str("Nothing: every section was rewritten for this release.\n");
        return text;
    }
    for group in &fork.changes {
        let place = match &group.place {
            Place::FrontMatter => format!("front matter (line {})", group.line),
            Place::Top => format!("before the first section (line {})", group.line),
            Place::Section(title) => {
                format!("section **{}** (line {})", markdown_text(title), group.line)
            }
            Place::File(file) => code(file),
        };
        text.push_str(&format!("- {place}\n"));
        let mut lines: Vec<(usize, usize, String)> = group
            .findings
            .iter()
            .map(|finding| {
                let icon = if finding.is_error() { "❌" } else { "⚠️" };
                let line = format!(
                    "{icon} **{}** {}",
                    finding.rule,
                    markdown_message(&finding.message)
                );
                (finding.line, finding.column, line)
            })
            .chain(group.mentions.iter().map(|mention| {
                let line = format!("ℹ️ {}", markdown_message(&mention.message));
                (mention.line, mention.column, line)
            }))
            .collect();
        lines.sort_by_key(|(line, column, _)| (*line, *column));
        for (line, column, message) in lines {
            text.push_str(&format!("  - line {line}:{column}: {message}\n"));
        }
        if let Some(source) = &group.unchanged_since {
            text.push_str(&format!(
                "  - unchanged since {}: confirm it still holds\n",
                code(source)
            ));
        }
    }
    text
}
