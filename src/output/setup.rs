//! Output of `init` and `new`.

use std::path::Path;
use std::process::ExitCode;

use backout::Result;
use backout::commands;
use backout::repo::Repo;
use backout::workspace::Workspace;

use crate::cli::{InitArgs, NewArgs};

use super::{Output, cleaned};

pub fn init(out: &Output, dir: &Path, args: &InitArgs) -> Result<ExitCode> {
    let repo = Repo::discover(dir)?;
    let done = commands::init::run(&repo, args.team.as_deref(), args.force)?;
    cleaned(out, &done.cleaned)?;
    let verb = if done.replaced { "replaced" } else { "wrote" };
    let team = match &done.default_team {
        Some(team) => format!(" (default_team = \"{team}\")"),
        None => String::new(),
    };
    let mut text = format!("{verb} {}{team}\n", done.config);
    if done.created_plans {
        text.push_str(&format!("created {}/\n", done.plans_dir));
    } else {
        text.push_str(&format!("kept {}/, which already exists\n", done.plans_dir));
    }
    // Started in a subdirectory, the files are not where the user is.
    let same = |a: &Path, b: &Path| {
        std::fs::canonicalize(a)
            .ok()
            .zip(std::fs::canonicalize(b).ok())
            .is_some_and(|(a, b)| a == b)
    };
    if !same(dir, &done.root) {
        let root = done.root.to_string_lossy();
        let root = match root.trim_end_matches(std::path::MAIN_SEPARATOR) {
            "" => root.as_ref(),
            trimmed => trimmed,
        };
        text.push_str(&format!("both at the work tree root, {root}\n"));
    }
    // A bare release names a plan only where there is a default team.
    let spec = match done.default_team {
        Some(_) => "<release>",
        None => "<team>/<release>",
    };
    text.push_str(&format!("next: `backout new {spec}` for your next release, or `backout baseline` to fork the last plan\n"));
    out.note(&text)?;
    Ok(ExitCode::SUCCESS)
}

pub fn new(out: &Output, dir: &Path, args: &NewArgs) -> Result<ExitCode> {
    let workspace = Workspace::open(dir)?;
    let language = args
        .language
        .as_deref()
        .and_then(backout::sections::Language::from_code);
    let created = commands::new::run(&workspace, &args.spec, args.force, language)?;
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
