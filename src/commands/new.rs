//! `backout new`: a plan from the template, and a manifest when there is none.

use crate::error::Result;
use crate::manifest;
use crate::names::PlanId;
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
    /// Temporary files of an interrupted backout that were removed.
    pub cleaned: Vec<String>,
}

/// `spec` is RELEASE, TEAM/RELEASE, or the release's directory (`.` in it), as for `baseline`.
/// `language` (else that of the team's previous plan, else backout.toml's) is the
/// template's.
pub fn run(
    workspace: &Workspace,
    spec: &str,
    force: bool,
    language: Option<crate::sections::Language>,
) -> Result<Created> {
    let catalog = workspace.catalog()?;
    let id = workspace.resolve_arg(spec, &catalog)?;
    let previous = catalog
        .previous(&id)
        .map(|release| PlanId::new(id.team.clone(), release));
    let language = language.unwrap_or_else(|| team_language(workspace, previous.as_ref()));
    let plan_path = workspace.path(&id, PLAN_FILE);
    let plan_display = workspace.display_path(&id, PLAN_FILE);
    // Held until the files are written: what exists is decided under the lock.
    let _lock = store::Lock::acquire(workspace.root(), &plan_path, &plan_display)?;
    if force {
        super::baseline::refuse_published(workspace, &id, &plan_display)?;
    }
    let mut files = vec![FileWrite {
        display: plan_display,
        path: plan_path,
        contents: plan::template_in(&id, language),
    }];
    let manifest_path = workspace.path(&id, MANIFEST_FILE);
    if std::fs::symlink_metadata(&manifest_path).is_err() {
        files.push(FileWrite {
            display: workspace.display_path(&id, MANIFEST_FILE),
            path: manifest_path,
            contents: manifest_file(&id, language),
        });
    }
    let overwrite = if force {
        Overwrite::Allow
    } else {
        Overwrite::Refuse
    };
    let written = store::write_all(workspace.root(), &files, overwrite)?;
    Ok(Created {
        files: files.into_iter().map(|f| f.display).collect(),
        id,
        previous,
        cleaned: written.cleaned,
    })
}

/// The language the team's previous plan is titled in (a German team in an English
/// repository), else backout.toml's.
fn team_language(workspace: &Workspace, previous: Option<&PlanId>) -> crate::sections::Language {
    let fallback = workspace.config.language;
    previous
        .and_then(|id| {
            let text = super::read_release_file(workspace, id, PLAN_FILE).ok()?;
            let plan = plan::Plan::parse_with(&text, id, &workspace.config.sections);
            Some(plan.body.language(fallback))
        })
        .unwrap_or(fallback)
}

/// A new release's manifest.toml: the `#:schema` line editors read, then the template.
/// `import` writes the same beside an adopted plan.
pub fn manifest_file(id: &PlanId, language: crate::sections::Language) -> String {
    format!(
        "{}\n{}",
        crate::schema::Which::Manifest.directive(),
        manifest::template_in(id, language)
    )
}
