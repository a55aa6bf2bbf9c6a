//! The commands: each takes a workspace and its options and returns a value for the
//! binary to render. None of them prints or exits.

pub mod baseline;
pub mod check;
pub mod diff;
pub mod drill;
pub mod export;
pub mod import;
pub mod init;
pub mod list;
pub mod manifest;
pub mod new;
pub mod pinned;
pub mod publish;
pub mod review;
pub mod tags;

use crate::error::{Error, Result};
use crate::names::PlanId;
use crate::store;
use crate::workspace::{Catalog, PLAN_FILE, Workspace};

/// The plan a one-plan command names (RELEASE, TEAM/RELEASE, or its directory or plan.md),
/// with the catalog it was found in; an error saying how to create it when it has no plan.
pub(crate) fn existing_plan(workspace: &Workspace, spec: &str) -> Result<(Catalog, PlanId)> {
    existing_plan_in(workspace, spec, workspace.catalog()?)
}

/// `existing_plan`, in a catalog the command made.
pub(crate) fn existing_plan_in(
    workspace: &Workspace,
    spec: &str,
    catalog: Catalog,
) -> Result<(Catalog, PlanId)> {
    let id = workspace.resolve_arg(spec, &catalog)?;
    if !catalog.release(&id).is_some_and(|r| r.has_plan()) {
        return Err(Error::msg(format!(
            "there is no plan at {}; create it with `backout new {id}`",
            workspace.display_path(&id, PLAN_FILE)
        )));
    }
    Ok((catalog, id))
}

/// Reads a file of a release that the command cannot do without.
pub(crate) fn read_release_file(workspace: &Workspace, id: &PlanId, file: &str) -> Result<String> {
    let display = workspace.display_path(id, file);
    match store::read_text(workspace.root(), &workspace.path(id, file)) {
        Ok(Some(text)) => Ok(text),
        Ok(None) => Err(store::ReadProblem::missing().finding(&display).into()),
        Err(problem) => Err(problem.finding(&display).into()),
    }
}
