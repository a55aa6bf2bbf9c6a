//! `backout import`: reads a plan written elsewhere, converts it, and writes plan.md (and
//! manifest.toml when it is missing).

use std::path::Path;

use crate::error::{Error, Result};
use crate::import::{self, Imported};
use crate::names::PlanId;
use crate::plan::{Plan, Status};
use crate::store::{self, FileWrite, Overwrite};
use crate::workspace::{MANIFEST_FILE, PLAN_FILE, Workspace};

/// What the command line asked for.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// The file to import, relative to the directory backout runs in.
    pub file: &'a Path,
    pub spec: &'a str,
    pub force: bool,
    pub dry_run: bool,
}

/// What import did.
#[derive(Debug)]
pub struct Done {
    pub id: PlanId,
    /// The file as named on the command line.
    pub source: String,
    /// Repository-relative path of the plan.
    pub path: String,
    /// The manifest written (or to be written) next to it, when there was none.
    pub manifest: Option<String>,
    pub imported: Imported,
    /// Whether files were written (false on a dry run).
    pub written: bool,
}

pub fn run(workspace: &Workspace, options: &Options<'_>) -> Result<Done> {
    let catalog = workspace.catalog()?;
    let id = workspace.resolve_arg(options.spec, &catalog)?;
    let source = options.file.display().to_string();
    let text = store::read_source(&workspace.cwd.join(options.file))
        .map_err(|problem| Error::msg(format!("{source} {}; {}", problem.message, problem.help)))?;

    let path = workspace.display_path(&id, PLAN_FILE);
    let plan_path = workspace.path(&id, PLAN_FILE);
    // What the write would refuse is refused first, dry runs included: a path that leaves
    // the work tree, a symlink or FIFO, an existing plan without --force.
    let target = FileWrite {
        display: path.clone(),
        path: plan_path.clone(),
        contents: String::new(),
    };
    let overwrite = if options.force {
        Overwrite::Allow
    } else {
        Overwrite::Refuse
    };
    store::check_writable(workspace.root(), std::slice::from_ref(&target), overwrite)?;
    if let Ok(Some(existing)) = store::read_text(workspace.root(), &plan_path)
        && Plan::parse_front_matter(&existing, &id).status() == Status::Published
    {
        return Err(Error::msg(format!(
            "{path} is published, and a published plan is final: --force will not replace it; import into a new release instead"
        )));
    }

    let file_name = options.file.file_name().map_or_else(
        || source.clone(),
        |name| name.to_string_lossy().into_owned(),
    );
    let imported = import::import(&text, &id, &workspace.config.sections, &file_name);
    let mut files = vec![FileWrite {
        display: path.clone(),
        path: plan_path,
        contents: imported.text.clone(),
    }];
    let manifest_path = workspace.path(&id, MANIFEST_FILE);
    let manifest = std::fs::symlink_metadata(&manifest_path).is_err().then(|| {
        let display = workspace.display_path(&id, MANIFEST_FILE);
        files.push(FileWrite {
            display: display.clone(),
            path: manifest_path,
            contents: super::new::manifest_file(&id, workspace.config.language),
        });
        display
    });
    if !options.dry_run {
        let _lock = store::Lock::acquire(workspace.root(), &files[0].path, &files[0].display)?;
        store::write_all(workspace.root(), &files, overwrite)?;
    }
    Ok(Done {
        id,
        source,
        path,
        manifest,
        imported,
        written: !options.dry_run,
    })
}
