//! `backout check`: find the plans, read them in parallel, check each against the corpus.

use std::path::Path;

use rayon::prelude::*;

use crate::corpus::{Corpus, ManifestSource};
use crate::diag::{Finding, Note, Suppressed, Tally};
use crate::drill;
use crate::error::{Error, Result};
use crate::names::PlanId;
use crate::plan::Status;
use crate::store;
use crate::workspace::{Catalog, MANIFEST_FILE, PLAN_FILE, PathTarget, Workspace, is_spec_like};

/// What checking one plan found.
#[derive(Debug)]
pub struct PlanReport {
    pub id: PlanId,
    pub status: Option<Status>,
    /// `[baseline] from`.
    pub baseline: Option<String>,
    /// Number of manifest items, when the manifest could be read.
    pub items: Option<usize>,
    pub findings: Vec<Finding>,
    /// Findings silenced by `backout-ignore` comments: counted, never failing.
    pub suppressed: Vec<Suppressed>,
    /// The latest passing drill record, and the latest of any result.
    pub drills: Drills,
}

/// A plan's latest drills, as `list` shows them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Drills {
    pub passing: Option<drill::Summary>,
    pub last: Option<drill::Summary>,
}

impl Drills {
    fn of(files: &[drill::RecordFile]) -> Drills {
        Drills {
            passing: drill::latest(files, true).map(drill::Summary::of),
            last: drill::latest(files, false).map(drill::Summary::of),
        }
    }
}

impl PlanReport {
    pub fn tally(&self) -> Tally {
        Tally::of(&self.findings)
    }
}

/// What `check` found in every plan it looked at.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub plans: Vec<PlanReport>,
    /// Problems with directories that are not plans at all (bad names, escaping symlinks).
    pub problems: Vec<Finding>,
    /// Directories under a team that are not releases (no plan, no manifest).
    pub skipped: Vec<String>,
    /// Rules that did not run (for a plan, or at all), and why.
    pub notes: Vec<Note>,
}

impl CheckReport {
    /// Every finding, plan by plan, then the directory problems.
    pub fn findings(&self) -> Vec<Finding> {
        self.plans
            .iter()
            .flat_map(|plan| plan.findings.iter().cloned())
            .chain(self.problems.iter().cloned())
            .collect()
    }

    /// Every finding a `backout-ignore` comment silenced, plan by plan.
    pub fn suppressed(&self) -> Vec<Suppressed> {
        self.plans
            .iter()
            .flat_map(|plan| plan.suppressed.iter().cloned())
            .collect()
    }
}

/// Reads every manifest of the catalog (in parallel) and builds the corpus.
pub fn load_corpus(workspace: &Workspace, catalog: Catalog) -> Result<Corpus> {
    let sources: Vec<ManifestSource> = catalog
        .all()
        .filter(|(_, release)| release.has_manifest)
        .map(|(id, _)| id)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|id| {
            let path = workspace.display_path(&id, MANIFEST_FILE);
            let text = store::read_text(workspace.root(), &workspace.path(&id, MANIFEST_FILE))
                .and_then(|text| text.ok_or_else(store::ReadProblem::missing));
            (id, path, text)
        })
        .collect();
    let drills = crate::commands::drill::all_records(workspace, &catalog);
    let mut corpus = Corpus::build(catalog, sources, &workspace.config.shared)
        .with_sections(workspace.config.sections.clone());
    corpus.set_drills(drills, crate::commands::drill::max_age(workspace)?);
    Ok(corpus)
}

/// Resolves `check`'s arguments (specs or paths) to plans; none means every plan.
pub fn select(
    workspace: &Workspace,
    catalog: &Catalog,
    targets: &[String],
) -> Result<Option<Vec<PlanId>>> {
    if targets.is_empty() {
        return Ok(None);
    }
    let mut plans = Vec::new();
    for target in targets {
        // A team's name (that is not also a release name) checks all its plans.
        let is_team = !target.contains('/')
            && catalog.teams.contains_key(target.as_str())
            && !is_spec_like(target, catalog);
        let named = if is_team {
            PathTarget::Team(target.clone())
        } else if workspace.is_path_arg(target, catalog) {
            workspace.target_for_path(Path::new(target))?
        } else {
            PathTarget::Plan(workspace.resolve_text(target, catalog)?)
        };
        let id = match named {
            PathTarget::All => return Ok(None),
            PathTarget::Team(team) => {
                let team_plans: Vec<PlanId> = catalog
                    .releases(&team)
                    .iter()
                    .filter(|r| r.has_plan)
                    .map(|r| PlanId::new(team.clone(), r.name.clone()))
                    .collect();
                if team_plans.is_empty() {
                    return Err(Error::msg(format!(
                        "team {team} has no plans yet; create one with `backout new {team}/<release>`"
                    )));
                }
                for id in team_plans {
                    if !plans.contains(&id) {
                        plans.push(id);
                    }
                }
                continue;
            }
            PathTarget::Plan(id) => id,
        };
        if !catalog.release(&id).is_some_and(|r| r.has_plan) {
            return Err(Error::msg(format!(
                "there is no plan at {}; create it with `backout new {id}`",
                workspace.display_path(&id, PLAN_FILE)
            )));
        }
        if !plans.contains(&id) {
            plans.push(id);
        }
    }
    Ok(Some(plans))
}

/// Checks the selected plans, or all of them.
pub fn run(workspace: &Workspace, targets: &[String]) -> Result<CheckReport> {
    let catalog = workspace.catalog()?;
    let selection = select(workspace, &catalog, targets)?;
    let (problems, skipped) = if selection.is_none() {
        (catalog.problems.clone(), catalog.skipped.clone())
    } else {
        (Vec::new(), Vec::new())
    };
    let plans: Vec<PlanId> = match selection {
        Some(plans) => plans,
        None => catalog
            .all()
            .filter(|(_, release)| release.has_plan)
            .map(|(id, _)| id)
            .collect(),
    };
    let corpus = load_corpus(workspace, catalog)?;
    let mut reports: Vec<PlanReport> = plans
        .into_par_iter()
        .map(|id| check_one(workspace, &corpus, id))
        .collect();
    let notes = super::manifest::check_drift(workspace, &corpus, &mut reports);
    Ok(CheckReport {
        plans: reports,
        problems,
        skipped,
        notes,
    })
}

/// Reads and checks one plan of the work tree.
pub fn check_one(workspace: &Workspace, corpus: &Corpus, id: PlanId) -> PlanReport {
    let path = workspace.display_path(&id, PLAN_FILE);
    let manifest_path = workspace.display_path(&id, MANIFEST_FILE);
    let items = corpus.manifest(&id).map(|m| m.items.len());
    let drills = Drills::of(corpus.drills(&id).files);
    match store::read_text(workspace.root(), &workspace.path(&id, PLAN_FILE)) {
        Ok(Some(text)) => {
            let checked = corpus.check(&id, &path, &text, &manifest_path);
            PlanReport {
                status: checked.plan.front.status.as_ref().map(|s| s.value),
                baseline: checked
                    .plan
                    .front
                    .baseline
                    .as_ref()
                    .and_then(|b| b.from.as_ref())
                    .map(|f| f.value.clone()),
                items,
                findings: checked.findings,
                suppressed: checked.suppressed,
                drills,
                id,
            }
        }
        Ok(None) => unreadable(id, &path, items, store::ReadProblem::missing()),
        Err(problem) => unreadable(id, &path, items, problem),
    }
}

fn unreadable(
    id: PlanId,
    path: &str,
    items: Option<usize>,
    problem: store::ReadProblem,
) -> PlanReport {
    let finding = problem.finding(path);
    PlanReport {
        id,
        status: None,
        baseline: None,
        items,
        findings: vec![finding],
        suppressed: Vec::new(),
        drills: Drills::default(),
    }
}
