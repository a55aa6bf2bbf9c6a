//! `backout diff`: find the plan and what to compare it with (`--against`, its baseline
//! source, or its previous release), read both and their manifests, and diff them.
//! Read-only.

use crate::diag::{Rule, SourceFile};
use crate::diff::{PlanDiff, Side};
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::names::{PlanId, Spec};
use crate::plan::Plan;
use crate::store;
use crate::workspace::{Catalog, MANIFEST_FILE, PLAN_FILE, Workspace};

/// Why the plan is compared with the one it is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// `--against`.
    Against,
    /// `[baseline] from` in the plan's front matter.
    Baseline,
    /// The previous release of the plan's team that has a plan.
    Previous,
}

/// The comparison `diff` made.
#[derive(Debug)]
pub struct Compared {
    pub plan: PlanId,
    pub against: PlanId,
    pub basis: Basis,
    pub diff: PlanDiff,
}

/// Compares the plan `spec` (default: the newest plan of the default team) with
/// `against`, else its baseline source, else its previous release.
pub fn run(workspace: &Workspace, spec: Option<&str>, against: Option<&str>) -> Result<Compared> {
    let catalog = workspace.catalog()?;
    let plan = match spec {
        Some(text) => workspace.resolve_arg(text, &catalog)?,
        None => newest_plan(workspace, &catalog)?,
    };
    let plan_text = read_plan(workspace, &catalog, &plan)?;
    let (other, basis) = match against {
        Some(text) => (
            workspace.resolve_arg_of_team(text, &catalog, &plan.team)?,
            Basis::Against,
        ),
        None => default_against(workspace, &catalog, &plan, &plan_text)?,
    };
    let other_text = read_plan(workspace, &catalog, &other)?;
    let old_manifest = read_manifest(workspace, &other);
    let new_manifest = read_manifest(workspace, &plan);
    let (old_label, new_label) = (other.to_string(), plan.to_string());
    let diff = PlanDiff::new(
        &Side {
            label: &old_label,
            text: &other_text,
            manifest: old_manifest.as_ref(),
        },
        &Side {
            label: &new_label,
            text: &plan_text,
            manifest: new_manifest.as_ref(),
        },
    );
    Ok(Compared {
        plan,
        against: other,
        basis,
        diff,
    })
}

/// The newest release (version order) of the default team that has a plan.
fn newest_plan(workspace: &Workspace, catalog: &Catalog) -> Result<PlanId> {
    let team = workspace.default_team(catalog)?;
    catalog
        .releases(&team)
        .iter()
        .rev()
        .find(|release| release.has_plan())
        .map(|release| PlanId::new(team.clone(), release.name.clone()))
        .ok_or_else(|| {
            Error::msg(format!(
                "{team} has no plan to compare; create one with `backout baseline` or `backout new <release>`"
            ))
        })
}

/// `[baseline] from`, else the previous release.
fn default_against(
    workspace: &Workspace,
    catalog: &Catalog,
    plan: &PlanId,
    text: &str,
) -> Result<(PlanId, Basis)> {
    let path = workspace.display_path(plan, PLAN_FILE);
    let parsed = Plan::parse_front_matter(text, plan);
    if let Some(from) = parsed.front.baseline.as_ref().and_then(|b| b.from.as_ref()) {
        let located = |message: String| {
            let file = SourceFile::new(&path, text);
            Error::from(file.finding(Rule::InvalidPlan, from.span.clone(), message))
        };
        let spec = Spec::parse(&from.value).map_err(|problem| {
            located(format!(
                "[baseline] from = \"{}\" is not a plan name: {problem}; fix it, or pass --against",
                from.value
            ))
        })?;
        let id = PlanId::new(spec.team.unwrap_or_else(|| plan.team.clone()), spec.release);
        if !catalog.release(&id).is_some_and(|r| r.has_plan()) {
            return Err(located(format!(
                "[baseline] from = \"{}\" but {} does not exist any more; pass --against to compare with another plan",
                from.value,
                workspace.display_path(&id, PLAN_FILE)
            )));
        }
        return Ok((id, Basis::Baseline));
    }
    match catalog.previous(plan) {
        Some(previous) => Ok((PlanId::new(plan.team.clone(), previous), Basis::Previous)),
        None => Err(Error::msg(format!(
            "{path} has no [baseline] from and {} has no earlier plan, so there is nothing to compare it with; pass --against TEAM/RELEASE",
            plan.team
        ))),
    }
}

fn read_plan(workspace: &Workspace, catalog: &Catalog, id: &PlanId) -> Result<String> {
    let display = workspace.display_path(id, PLAN_FILE);
    match store::read_text(workspace.root(), &workspace.path(id, PLAN_FILE)) {
        Ok(Some(text)) => Ok(text),
        Ok(None) => {
            let known: Vec<&str> = catalog
                .releases(&id.team)
                .iter()
                .filter(|r| r.has_plan())
                .map(|r| r.name.as_str())
                .collect();
            let hint = if known.is_empty() {
                format!("{} has no plans", id.team)
            } else {
                format!("plans of {}: {}", id.team, known.join(", "))
            };
            Err(Error::msg(format!(
                "there is no plan at {display}; name a plan that exists ({hint})"
            )))
        }
        Err(problem) => Err(Error::msg(format!(
            "{display} {}; {}",
            problem.message, problem.help
        ))),
    }
}

/// The manifest of a release, if it can be read; a missing one only leaves the manifest
/// delta out.
fn read_manifest(workspace: &Workspace, id: &PlanId) -> Option<Manifest> {
    let text = store::read_text(workspace.root(), &workspace.path(id, MANIFEST_FILE))
        .ok()
        .flatten()?;
    // A manifest with problems is not compared: its items would show as a false delta.
    Some(Manifest::parse(&text, id)).filter(Manifest::is_valid)
}
