//! `backout init`: a commented backout.toml and the plans directory.

use std::fs;

use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::names::name_problem;
use crate::repo::Repo;
use crate::store::{self, FileWrite, Overwrite};

/// What `init` wrote, and where.
#[derive(Debug)]
pub struct Initialized {
    pub config: String,
    /// Whether an existing backout.toml was replaced (`--force`).
    pub replaced: bool,
    /// The `default_team` written, if any.
    pub default_team: Option<String>,
    pub plans_dir: String,
    /// Temporary files of an interrupted backout that were removed.
    pub cleaned: Vec<String>,
    /// Whether the plans directory was created (false: it existed).
    pub created_plans: bool,
    /// The work tree root, where both are.
    pub root: std::path::PathBuf,
}

/// Writes backout.toml at the work tree root of `repo` and creates `plans/`.
pub fn run(repo: &Repo, team: Option<&str>, force: bool) -> Result<Initialized> {
    if let Some(team) = team
        && let Some(problem) = name_problem(team)
    {
        return Err(Error::msg(format!("team name `{team}` {problem}")));
    }
    // The first line tells taplo (Even Better TOML) where the schema is.
    let text = format!(
        "{}\n{}",
        crate::schema::Which::Config.directive(),
        config::template(team)
    );
    // The template must stay valid: parse what we are about to write.
    let parsed = Config::parse(config::FILE_NAME, &text)?;
    let file = FileWrite {
        display: config::FILE_NAME.into(),
        path: repo.root().join(config::FILE_NAME),
        contents: text,
    };
    let _lock = store::Lock::acquire(repo.root(), &file.path, config::FILE_NAME)?;
    let overwrite = if force {
        Overwrite::Allow
    } else {
        Overwrite::Refuse
    };
    // Everything that can refuse is checked before anything is written.
    store::check_overwrite(std::slice::from_ref(&file), overwrite)?;
    let replaced = file.path.exists();
    let plans = repo.root().join(&parsed.plans_dir);
    store::inside::check(repo.root(), &plans).map_err(|escape| {
        Error::msg(format!(
            "refusing to create {}/: it {}; {}",
            parsed.plans_dir,
            escape.describe(),
            escape.help()
        ))
    })?;
    if plans.exists() && !plans.is_dir() {
        return Err(Error::msg(format!(
            "cannot create {}/: a file of that name is in the way; move it, or choose another `plans_dir`",
            parsed.plans_dir
        )));
    }
    let created_plans = !plans.is_dir();
    // backout.toml first: a write it refuses (a directory in the way) leaves no plans/ behind.
    let written = store::write_all(repo.root(), &[file], overwrite)?;
    fs::create_dir_all(&plans).map_err(|e| Error::io("create directory", &plans, e))?;

    Ok(Initialized {
        config: config::FILE_NAME.into(),
        replaced,
        default_team: parsed.default_team,
        plans_dir: parsed.plans_dir,
        cleaned: written.cleaned,
        created_plans,
        root: repo.root().to_path_buf(),
    })
}
