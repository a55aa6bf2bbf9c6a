//! `backout export`: read a plan, its manifest and drill records, check it as `backout
//! check SPEC` does, and render it for another system, unless the check found errors.

use crate::commands::check;
use crate::diag::Finding;
use crate::error::Result;
use crate::export::{self, Format, Source};
use crate::names::PlanId;
use crate::plan::Plan;
use crate::vocab::Focus;
use crate::workspace::{MANIFEST_FILE, PLAN_FILE, Workspace};

/// What the user asked for.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// RELEASE, TEAM/RELEASE, or the plan's directory or plan.md.
    pub spec: &'a str,
    pub format: Format,
    /// Export even when `check` finds errors.
    pub allow_errors: bool,
}

/// How the export ended.
#[derive(Debug)]
pub enum Outcome {
    /// `check` found errors and `--allow-errors` was not given; nothing was rendered.
    Refused {
        id: PlanId,
        findings: Vec<Finding>,
    },
    Exported(Exported),
}

/// The rendered plan and what `check` found in it.
#[derive(Debug)]
pub struct Exported {
    pub id: PlanId,
    /// The document, ending in a line break.
    pub document: String,
    pub findings: Vec<Finding>,
}

pub fn run(workspace: &Workspace, options: &Options<'_>) -> Result<Outcome> {
    let (catalog, id) = super::existing_plan(workspace, options.spec)?;
    let plan_file = workspace.display_path(&id, PLAN_FILE);
    let text = super::read_release_file(workspace, &id, PLAN_FILE)?;
    let focus = Focus::of_small(&[text.as_str()]);
    let mut corpus = check::load_corpus(workspace, catalog, focus)?;
    // The same findings `backout check SPEC` reports: drift included, a published plan
    // against its commit.
    let mut checked = check::check_plans(workspace, &mut corpus, vec![id.clone()])?;
    let findings = checked.plans.pop().map(|r| r.findings).unwrap_or_default();
    if !options.allow_errors && findings.iter().any(Finding::is_error) {
        return Ok(Outcome::Refused { id, findings });
    }

    let plan = Plan::parse_with(&text, &id, corpus.sections());
    let manifest_file = workspace.display_path(&id, MANIFEST_FILE);
    let source = Source {
        id: &id,
        file: &plan_file,
        text: &text,
        plan: &plan,
        manifest: corpus.manifest(&id).map(|m| (manifest_file.as_str(), m)),
        drills: corpus.drills(&id).files,
        findings: &findings,
        language: workspace.config.language,
    };
    let document = export::render(&source, options.format);
    Ok(Outcome::Exported(Exported {
        id,
        document,
        findings,
    }))
}
