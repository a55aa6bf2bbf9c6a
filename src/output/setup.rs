//! Output of `init` and `new`.

use std::path::Path;
use std::process::ExitCode;

use backout::Result;
use backout::commands;
use backout::names::Spec;
use backout::repo::Repo;
use backout::workspace::Workspace;

use crate::cli::{InitArgs, NewArgs};

use super::{Output, cleaned};

pub fn init(out: &Output, dir: &Path, args: &InitArgs) -> Result<ExitCode> {
    let repo = Repo::discover(dir)?;
    let done = commands::init::run(&repo, args.team.as_deref(), args.force)?;
    cleaned(out, &done.cleaned)?;
    out.note(&format!(
        "created {} and {}/\nnext: `backout new <release>` for your next release, or `backout baseline` to fork the last plan\n",
        done.config, done.plans_dir
    ))?;
    Ok(ExitCode::SUCCESS)
}

pub fn new(out: &Output, dir: &Path, args: &NewArgs) -> Result<ExitCode> {
    let spec = Spec::from_arg(&args.spec)?;
    let workspace = Workspace::open(dir)?;
    let created = commands::new::run(&workspace, &spec, args.force)?;
    cleaned(out, &created.cleaned)?;
    for file in &created.files {
        out.note(&format!("created {file}\n"))?;
    }
    if let Some(previous) = &created.previous {
        out.note(&format!(
            "hint: {previous} already has a plan; `backout baseline {} --from {} --force` starts from it instead\n",
            created.id, previous
        ))?;
    }
    out.note(&format!(
        "next: list what {} deploys in its manifest.toml, answer each section, then `backout check {}`\n",
        created.id, created.id
    ))?;
    Ok(ExitCode::SUCCESS)
}
