//! The plain-text formats: the whole plan as text for any ticket (`--format text`), and
//! the text fields of a ServiceNow change request (`--format servicenow`). Both are views
//! of the export model; every piece of plan text in them has been through `plain`.

use schemars::JsonSchema;
use serde::Serialize;

use super::plain::{clean, underlined};
use super::words::{self, Words};
use super::{Drill, Export, Section};
use crate::duration::Duration;
use crate::sections::{Kind, Language};

/// The longest `short_description` ServiceNow keeps (the task table's field length).
pub const SHORT_DESCRIPTION_MAX: usize = 160;

/// The text fields of a ServiceNow change request (table `change_request`), ready for
/// the Table API or the `attributes` of the DevOps change action's `change-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(
    title = "backout export --format servicenow",
    description = "Text fields of a ServiceNow change request, from a backout plan.",
    deny_unknown_fields
)]
pub struct ChangeRequest {
    /// The release and what it deploys, at most 160 characters.
    pub short_description: String,
    /// The plan's facts, the manifest, Responsibilities, Communication and every section
    /// that is not a required one.
    pub description: String,
    /// Criteria, Decision, Procedure (numbered steps with their commands) and
    /// Contingencies, after the rollback window and duration.
    pub backout_plan: String,
    /// Verification and Testing, then the evidence: `[tested]` and the drill records.
    pub test_plan: String,
    /// The irreversible items and what the plan does about each; the window against the
    /// duration.
    pub risk_impact_analysis: String,
}

/// The whole plan as plain text. `titles` are the sections' titles as shown.
pub fn text(export: &Export, titles: &[String], language: Language) -> String {
    let words = words::words(language);
    let mut out = underlined(&title(export, words), '=');
    out.push('\n');
    preamble(&mut out, export, words, language);
    for (section, title) in export.sections.iter().zip(titles) {
        out.push_str(&block(title, &section_text(section, words)));
    }
    for kind in missing(export) {
        out.push_str(&block(kind.title(language), words.missing));
    }
    out.trim_end().to_string() + "\n"
}

/// What comes before the sections, in the text and in a change's description: the facts,
/// the manifest, and the plan's introduction when it has one.
fn preamble(out: &mut String, export: &Export, words: &Words, language: Language) {
    out.push_str(&facts(export, language).join("\n"));
    out.push_str("\n\n");
    out.push_str(&block(words.manifest, &manifest(export, words)));
    if let Some(introduction) = &export.introduction
        && !introduction.text.is_empty()
    {
        out.push_str(&introduction.text);
        out.push_str("\n\n");
    }
}

/// The change request's fields.
pub fn change_request(export: &Export, titles: &[String], language: Language) -> ChangeRequest {
    let words = words::words(language);
    let sections = |kinds: &[Kind]| -> String {
        let mut out = String::new();
        for kind in kinds {
            let mut found = false;
            for (section, title) in export.sections.iter().zip(titles) {
                if section.kind == Some(*kind) {
                    out.push_str(&block(title, &section_text(section, words)));
                    found = true;
                }
            }
            if !found {
                out.push_str(&block(kind.title(language), words.missing));
            }
        }
        out
    };

    let mut description = format!("{}\n\n", title(export, words));
    preamble(&mut description, export, words, language);
    description.push_str(&sections(&[Kind::Responsibilities, Kind::Communication]));
    for (section, title) in export.sections.iter().zip(titles) {
        if section.kind.is_none() {
            description.push_str(&block(title, &section_text(section, words)));
        }
    }

    let mut backout_plan = timing(export, words);
    backout_plan.push_str("\n\n");
    backout_plan.push_str(&sections(&[
        Kind::Criteria,
        Kind::Decision,
        Kind::Procedure,
        Kind::Contingencies,
    ]));

    let mut test_plan = sections(&[Kind::Verification, Kind::Testing]);
    test_plan.push_str(&block(words.evidence, &evidence(export, language)));

    ChangeRequest {
        short_description: short_description(export, words),
        description: finish(description),
        backout_plan: finish(backout_plan),
        test_plan: finish(test_plan),
        risk_impact_analysis: finish(risk(export, titles, language)),
    }
}

fn finish(text: String) -> String {
    text.trim_end().to_string()
}

/// A titled block of text and a blank line.
fn block(title: &str, text: &str) -> String {
    let text = text.trim_end();
    if text.is_empty() {
        return format!("{}\n", underlined(title, '-'));
    }
    format!("{}{text}\n\n", underlined(title, '-'))
}

pub(super) fn title(export: &Export, words: &Words) -> String {
    export
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| format!("{}: {} {}", words.plan, export.team, export.release))
}

/// A section's text; a required section with none is "not answered", a section of the
/// plan's own is shown as the empty section it is.
fn section_text(section: &Section, words: &Words) -> String {
    if section.text.trim().is_empty() && section.kind.is_some() {
        words.not_answered.to_string()
    } else {
        section.text.clone()
    }
}

/// The required sections the plan lacks.
pub(super) fn missing(export: &Export) -> Vec<Kind> {
    Kind::ALL
        .into_iter()
        .filter(|kind| !export.sections.iter().any(|s| s.kind == Some(*kind)))
        .collect()
}

/// `Release payments/v1.5: payments-api 2.4.0, ledger-migrations (+2 more)`, at most
/// [`SHORT_DESCRIPTION_MAX`] characters.
fn short_description(export: &Export, words: &Words) -> String {
    let head = format!("{} {}/{}", words.release, export.team, export.release);
    let items: Vec<String> = export
        .manifest
        .iter()
        .flat_map(|m| &m.items)
        .map(|item| match &item.version {
            Some(version) => format!("{} {}", item.id, clean(version)),
            None => item.id.clone(),
        })
        .collect();
    let mut text = head.clone();
    for (i, item) in items.iter().enumerate() {
        let separator = if i == 0 { ": " } else { ", " };
        let left = items.len() - i - 1;
        let more = if left > 0 {
            format!(" (+{left} {})", words.more)
        } else {
            String::new()
        };
        let candidate = format!("{text}{separator}{item}");
        if candidate.chars().count() + more.chars().count() > SHORT_DESCRIPTION_MAX {
            let rest = format!(" (+{} {})", items.len() - i, words.more);
            if text.chars().count() + rest.chars().count() <= SHORT_DESCRIPTION_MAX {
                text.push_str(&rest);
            }
            break;
        }
        text = candidate;
    }
    if text.chars().count() > SHORT_DESCRIPTION_MAX {
        text = text
            .chars()
            .take(SHORT_DESCRIPTION_MAX - 1)
            .collect::<String>()
            + "…";
    }
    text
}

/// One line per fact: who, status, timing, tests, drills, baseline, check, file.
pub(super) fn facts(export: &Export, language: Language) -> Vec<String> {
    let words = words::words(language);
    let front = &export.front_matter;
    let status = front.status.map_or("-", |s| s.as_str());
    let mut lines = vec![
        format!(
            "{}: {} · {}: {} · {}: {status}",
            words.team, export.team, words.release, export.release, words.status
        ),
        timing(export, words),
    ];
    if let Some(tested) = &front.tested {
        let on = tested.on.clone().unwrap_or_else(|| "-".into());
        let result = tested.result.map_or("-", |r| match r {
            super::TestResult::Pass => "pass",
            super::TestResult::Fail => "fail",
        });
        lines.push(format!("{}: {on}, {result}", words.tested));
    }
    lines.extend(drill_lines(export, language));
    if let Some(from) = front.baseline.as_ref().and_then(|b| b.from.as_ref()) {
        lines.push(format!("{}: {} {from}", words.baseline, words.forked_from));
    }
    lines.push(format!("{}: {}", words.check, check(export, language)));
    lines.push(format!("{}: {}", words.plan_file, export.file));
    lines
}

/// `Rollback window: 72h after deployment · Expected rollback duration: 45m`.
fn timing(export: &Export, words: &Words) -> String {
    let front = &export.front_matter;
    let window = front
        .window
        .as_ref()
        .map_or(words.not_stated.to_string(), |w| {
            format!("{w} {}", words.after_deployment)
        });
    let duration = front
        .duration
        .clone()
        .unwrap_or_else(|| words.not_stated.to_string());
    format!(
        "{}: {window} · {}: {duration}",
        words.window, words.duration
    )
}

/// The latest drill, and the latest passing one when that is an earlier one.
fn drill_lines(export: &Export, language: Language) -> Vec<String> {
    let words = words::words(language);
    let drills = &export.drills;
    let mut lines = Vec::new();
    match &drills.latest {
        None => lines.push(format!("{}: {}", words.latest_drill, words.none)),
        Some(latest) => {
            lines.push(drill_line(latest, export, words, false));
            if let Some(passing) = &drills.latest_passing
                && passing.file != latest.file
            {
                lines.push(drill_line(passing, export, words, true));
            }
        }
    }
    lines
}

/// `Latest drill: 2026-11-27 by Alex Doe on staging: pass, took 38m (planned 45m), 5 of 5
/// steps done`.
fn drill_line(drill: &Drill, export: &Export, words: &Words, passing: bool) -> String {
    let label = match drill.kind {
        crate::drill::Kind::Incident => words.latest_incident,
        crate::drill::Kind::Drill if passing => words.latest_passing,
        crate::drill::Kind::Drill => words.latest_drill,
    };
    let day = drill.finished.get(..10).unwrap_or(&drill.finished);
    let mut line = format!("{label}: {day} {} {}", words.by, drill.by);
    if let Some(env) = &drill.env {
        line.push_str(&format!(" {} {env}", words.on));
    }
    line.push_str(&format!(
        ": {}, {} {}",
        drill.result.as_str(),
        words.took,
        drill.took
    ));
    if let Some(duration) = &export.front_matter.duration {
        line.push_str(&format!(" ({} {duration})", words.planned));
    }
    let done = drill
        .steps
        .iter()
        .filter(|s| s.outcome == crate::drill::Outcome::Done)
        .count();
    line.push_str(&format!(
        ", {done} {} {} {}",
        words.of,
        drill.steps.len(),
        words.steps_done
    ));
    if !drill.procedure_unchanged {
        line.push_str(&format!("; {}", words.procedure_changed));
    }
    line
}

/// `no errors, 1 warning (untested)`.
fn check(export: &Export, language: Language) -> String {
    let part = |errors: bool| {
        let mut rules: Vec<&str> = Vec::new();
        for finding in &export.check.findings {
            let is_error = finding.severity == crate::diag::Severity::Error;
            if is_error == errors && !rules.contains(&finding.rule.as_str()) {
                rules.push(&finding.rule);
            }
        }
        let n = if errors {
            export.check.errors
        } else {
            export.check.warnings
        };
        let counted = words::count(language, n, errors);
        if rules.is_empty() {
            counted
        } else {
            format!("{counted} ({})", rules.join(", "))
        }
    };
    format!("{}, {}", part(true), part(false))
}

/// One line per manifest item.
fn manifest(export: &Export, words: &Words) -> String {
    let Some(manifest) = &export.manifest else {
        return words.no_manifest.to_string();
    };
    let mut out = String::new();
    for item in &manifest.items {
        out.push_str(&format!("- {} ({})", item.id, item.kind.as_str()));
        if let Some(version) = &item.version {
            out.push_str(&format!(" {}", clean(version)));
        }
        if let Some(previous) = &item.previous {
            out.push_str(&format!(", {} {}", words.rollback_to, clean(previous)));
        }
        if !item.reversible {
            out.push_str(&format!(", {}", words.irreversible));
        }
        out.push('\n');
    }
    out
}

/// `[tested]` and the drills.
fn evidence(export: &Export, language: Language) -> String {
    let words = words::words(language);
    let mut lines = Vec::new();
    if let Some(tested) = &export.front_matter.tested {
        let on = tested.on.clone().unwrap_or_else(|| "-".into());
        let result = tested.result.map_or("-", |r| match r {
            super::TestResult::Pass => "pass",
            super::TestResult::Fail => "fail",
        });
        lines.push(format!("{}: {on}, {result}", words.tested));
    }
    lines.extend(drill_lines(export, language));
    lines.join("\n")
}

/// The irreversible items, and the window against the duration.
fn risk(export: &Export, titles: &[String], language: Language) -> String {
    let words = words::words(language);
    let mut irreversible = String::new();
    for item in export.manifest.iter().flat_map(|m| &m.items) {
        if item.reversible {
            continue;
        }
        // The sections that name it, as shown; the Procedure's steps are named below.
        let mut places: Vec<String> = Vec::new();
        for (section, title) in export.sections.iter().zip(titles) {
            let names = item.sections.contains(&section.title);
            if names && section.kind != Some(Kind::Procedure) && !places.contains(title) {
                places.push(title.clone());
            }
        }
        match item.steps.as_slice() {
            [] => {}
            [one] => places.push(format!("{} {one}", words.step)),
            many => {
                let numbers: Vec<String> = many.iter().map(usize::to_string).collect();
                places.push(format!("{} {}", words.steps, numbers.join(", ")));
            }
        }
        let places = (!places.is_empty()).then(|| words::join(language, &places));
        irreversible.push_str(&format!(
            "- {} ({}): {}\n",
            item.id,
            item.kind.as_str(),
            words::coverage(language, places.as_deref())
        ));
    }
    if irreversible.is_empty() {
        irreversible = words.no_irreversible.to_string();
    }
    let mut out = block(words.irreversible_changes, &irreversible);
    out.push_str(&block(words.window_and_duration, &window(export, language)));
    out
}

/// Time to spare, in days only when the window is written in days (`72h` leaves
/// `71h15m`, not `2d23h15m`).
fn spare(seconds: u64, days: bool) -> String {
    if days || seconds < 86_400 {
        return Duration::from_seconds(seconds).to_string();
    }
    let hours = seconds / 3_600;
    let rest = Duration::from_seconds(seconds % 3_600);
    if rest.seconds() == 0 {
        format!("{hours}h")
    } else {
        format!("{hours}h{rest}")
    }
}

/// The rollback's expected duration against its window, and a slow drill.
fn window(export: &Export, language: Language) -> String {
    let words = words::words(language);
    let front = &export.front_matter;
    let mut lines = vec![timing(export, words)];
    if let (Some(window), Some(duration), Some(w), Some(d)) = (
        &front.window,
        &front.duration,
        front.window_seconds,
        front.duration_seconds,
    ) {
        let spare = (d <= w).then(|| spare(w - d, window.contains('d')));
        lines.push(words::fit(language, window, duration, spare.as_deref()));
    }
    if let (Some(passing), Some(duration), Some(d)) = (
        &export.drills.latest_passing,
        &front.duration,
        front.duration_seconds,
    ) && passing.took_seconds > d
    {
        lines.push(words::slow(language, &passing.took, duration));
    }
    lines.join("\n")
}
