//! `backout new`: a plan from the template, and a manifest when there is none.

use crate::error::Result;
use crate::manifest;
use crate::names::{PlanId, Spec};
use crate::plan;
use crate::store::{self, FileWrite, Overwrite};
use crate::workspace::{MANIFEST_FILE, PLAN_FILE, Workspace};

/// What `new` wrote, and the earlier plan it could have started from.
#[derive(Debug)]
pub struct Created {
    pub id: PlanId,
    pub files: Vec<String>,
    /// The previous release with a plan: `backout baseline --from` it instead.
    pub previous: Option<PlanId>,
}

pub fn run(workspace: &Workspace, spec: &Spec, force: bool) -> Result<Created> {
    let catalog = workspace.catalog()?;
    let id = workspace.resolve(spec, &catalog)?;
    let mut files = vec![FileWrite {
        display: workspace.display_path(&id, PLAN_FILE),
        path: workspace.path(&id, PLAN_FILE),
        contents: plan::template_in(&id, workspace.config.language),
    }];
    let manifest_path = workspace.path(&id, MANIFEST_FILE);
    if !manifest_path.exists() {
        files.push(FileWrite {
            display: workspace.display_path(&id, MANIFEST_FILE),
            path: manifest_path,
            contents: format!(
                "{}\n{}",
                crate::schema::Which::Manifest.directive(),
                manifest::template(&id)
            ),
        });
    }
    let overwrite = if force {
        Overwrite::Allow
    } else {
        Overwrite::Refuse
    };
    store::write_all(&files, overwrite)?;
    let previous = catalog
        .previous(&id)
        .map(|release| PlanId::new(id.team.clone(), release));
    Ok(Created {
        files: files.into_iter().map(|f| f.display).collect(),
        id,
        previous,
    })
}
