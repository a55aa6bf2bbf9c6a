//! The user's repository as backout sees it: the work tree root, backout.toml, and the
//! catalog of `<plans_dir>/<team>/<release>/` directories.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::sync::OnceLock;

use hashbrown::HashTable;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;

use crate::config::{self, Config};
use crate::diag::{Finding, Rule, unreadable_finding};
use crate::error::{Error, Result};
use crate::names::{PlanId, Spec, name_problem};
use crate::repo::Repo;
use crate::store;
use crate::store::stamp::{Dir, FileStamp};
use crate::version;

/// The file names inside a release directory.
pub const PLAN_FILE: &str = "plan.md";
pub const MANIFEST_FILE: &str = "manifest.toml";

/// An opened repository with its configuration.
pub struct Workspace {
    root: PathBuf,
    /// Where the command was started (after `-C`), for resolving path arguments.
    pub cwd: PathBuf,
    pub config: Config,
    /// Whether backout.toml exists.
    pub has_config: bool,
}

impl Workspace {
    /// Finds the work tree above `dir` and reads its backout.toml.
    pub fn open(dir: &Path) -> Result<Workspace> {
        let repo = Repo::discover(dir)?;
        let path = repo.root().join(config::FILE_NAME);
        let (config, has_config) = match store::read_text(repo.root(), &path) {
            Ok(Some(text)) => (Config::parse(config::FILE_NAME, &text)?, true),
            Ok(None) => (Config::default(), false),
            Err(problem) => {
                let help = if problem.is_too_big() {
                    "backout.toml holds a few settings, never megabytes: check that the right file is committed under that name"
                } else {
                    problem.help.as_str()
                };
                return Err(Error::msg(format!(
                    "{}:{}: {}; {help}",
                    config::FILE_NAME,
                    problem.line,
                    problem.message,
                )));
            }
        };
        Ok(Workspace {
            root: repo.root().to_path_buf(),
            // Real, so that paths given relative to it compare by name with the root.
            cwd: fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()),
            config,
            has_config,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Opens the repository again, for commands that read git history.
    pub fn repo(&self) -> Result<Repo> {
        Repo::discover(&self.root)
    }

    pub fn plans_dir(&self) -> PathBuf {
        self.root().join(&self.config.plans_dir)
    }

    /// Repository-relative path of a file of a release, with `/` separators.
    pub fn display_path(&self, id: &PlanId, file: &str) -> String {
        display_path(&self.config.plans_dir, id, file)
    }

    /// Absolute path of a file of a release.
    pub fn path(&self, id: &PlanId, file: &str) -> PathBuf {
        release_file(self.plans_dir(), id, file)
    }

    /// Lists every team and release directory under the plans directory, with what `lstat`
    /// says of each manifest. A release's plan.md is looked at when something asks about it
    /// (see `PlanFile`): for commands about one plan or a few.
    pub fn catalog(&self) -> Result<Catalog> {
        Catalog::scan(self, Look::Manifests)
    }

    /// Like `catalog`, and looks at every release's plan.md in the same parallel pass: for
    /// commands that ask about every release's plan (shell completion).
    pub fn catalog_with_plans(&self) -> Result<Catalog> {
        Catalog::scan(self, Look::Plans)
    }

    /// Like `catalog`, and looks at every release's plan.md and `drills/` in the same
    /// parallel pass: for commands that read every plan and its drill records (`publish`'s
    /// index, a `check` of every plan). Most releases have no `drills/`, and this saves
    /// looking one release at a time.
    pub fn catalog_with_drills(&self) -> Result<Catalog> {
        Catalog::scan(self, Look::Everything)
    }

    /// Lists only the team directories (release lists stay empty): enough for the default
    /// team, without a `stat` per release.
    pub fn teams(&self) -> Result<Catalog> {
        Catalog::scan(self, Look::Teams)
    }

    /// The team a bare RELEASE belongs to.
    pub fn default_team(&self, catalog: &Catalog) -> Result<String> {
        if let Some(team) = &self.config.default_team {
            return Ok(team.clone());
        }
        let teams: Vec<&String> = catalog.teams.keys().collect();
        match teams.as_slice() {
            [only] => Ok((*only).clone()),
            [] => Err(Error::msg(format!(
                "no team directory under {}/ and no `default_team` in {}; name the plan TEAM/RELEASE, or set default_team",
                self.config.plans_dir,
                config::FILE_NAME
            ))),
            many => Err(Error::msg(format!(
                "there are several teams ({}) and no `default_team` in {}; name the plan TEAM/RELEASE, or set default_team",
                many.iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                config::FILE_NAME
            ))),
        }
    }

    /// Resolves a spec to a plan id, using the default team for a bare RELEASE.
    pub fn resolve(&self, spec: &Spec, catalog: &Catalog) -> Result<PlanId> {
        let team = match &spec.team {
            Some(team) => team.clone(),
            None => self.default_team(catalog)?,
        };
        Ok(PlanId::new(team, spec.release.clone()))
    }

    /// Parses and resolves a spec typed on the command line.
    pub fn resolve_text(&self, text: &str, catalog: &Catalog) -> Result<PlanId> {
        let spec = Spec::from_arg(text)?;
        self.resolve(&spec, catalog)
    }

    /// Where a path argument is: relative to the current directory, or else (as every
    /// output prints paths) to the work tree root; `None` when it is in neither, or
    /// outside the work tree.
    fn locate(&self, path: &Path) -> Option<PathBuf> {
        let root = fs::canonicalize(&self.root).ok()?;
        [self.cwd.join(path), self.root.join(path)]
            .into_iter()
            .find(|candidate| {
                fs::canonicalize(candidate).is_ok_and(|found| found.starts_with(&root))
            })
    }

    /// Maps a path argument (the plans directory, a team directory, a plan directory, its
    /// plan.md or manifest.toml), relative to the current directory or to the work tree
    /// root, to what it names.
    pub fn target_for_path(&self, path: &Path) -> Result<PathTarget> {
        let found = self.locate(path).ok_or_else(|| {
            let problem = if self.cwd.join(path).exists() {
                format!("is outside the work tree, so not under {}/", self.config.plans_dir)
            } else {
                "does not exist (neither here nor at the work tree root)".to_string()
            };
            Error::msg(format!(
                "{} {problem}; name a plan directory or plan.md that exists, or a plan as RELEASE or TEAM/RELEASE",
                path.display()
            ))
        })?;
        let absolute = fs::canonicalize(&found).map_err(|e| Error::io("find", &found, e))?;
        let plans = fs::canonicalize(self.plans_dir())
            .map_err(|e| Error::io("find", self.plans_dir(), e))?;
        // The work tree root (or any directory holding the plans directory) holds every plan.
        if plans.starts_with(&absolute) {
            return Ok(PathTarget::All);
        }
        let relative = absolute.strip_prefix(&plans).map_err(|_| {
            Error::msg(format!(
                "{} is not under {}/; name a plan directory, its plan.md, or TEAM/RELEASE",
                path.display(),
                self.config.plans_dir
            ))
        })?;
        let parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        crate::names::check_path_parts(path, &parts)?;
        match parts.as_slice() {
            [] => Ok(PathTarget::All),
            [team] => Ok(PathTarget::Team(team.clone())),
            [team, release] => Ok(PathTarget::Plan(PlanId::new(team, release))),
            [team, release, file] if file == PLAN_FILE || file == MANIFEST_FILE => {
                Ok(PathTarget::Plan(PlanId::new(team, release)))
            }
            _ => Err(Error::msg(format!(
                "{} is not a plan: expected {}/<team>/<release>/plan.md",
                path.display(),
                self.config.plans_dir
            ))),
        }
    }

    /// Maps a path argument to the one plan it names.
    pub fn plan_for_path(&self, path: &Path) -> Result<PlanId> {
        match self.target_for_path(path)? {
            PathTarget::Plan(id) => Ok(id),
            PathTarget::Team(team) => Err(Error::msg(format!(
                "{} is the directory of team {team}, not a plan; name one of its plans, such as {}/{team}/<release>",
                path.display(),
                self.config.plans_dir
            ))),
            PathTarget::All => Err(Error::msg(format!(
                "{} holds every plan, not one; name a plan as RELEASE, TEAM/RELEASE or {}/<team>/<release>",
                path.display(),
                self.config.plans_dir
            ))),
        }
    }

    /// Whether a plan argument is a path rather than a spec: it does not name a release
    /// of the catalog, and it is a path that exists (here or from the work tree root) or
    /// looks like nothing but one (`./x`, `/x`, `a/b/c`, `plan.md`).
    pub fn is_path_arg(&self, text: &str, catalog: &Catalog) -> bool {
        if is_spec_like(text, catalog) {
            return false;
        }
        let looks_like_path = text.starts_with("./")
            || text.starts_with('/')
            || text.matches('/').count() > 1
            || text.ends_with(".md")
            || text.ends_with(".toml");
        looks_like_path
            || (Path::new(text).components().count() > 0 && self.locate(Path::new(text)).is_some())
    }

    /// Resolves a plan argument that names one plan: RELEASE, TEAM/RELEASE, or a path (as
    /// `plan_for_path` takes it), so `backout diff .` works in a plan's directory.
    pub fn resolve_arg(&self, text: &str, catalog: &Catalog) -> Result<PlanId> {
        if self.is_path_arg(text, catalog) {
            return self.plan_for_path(Path::new(text));
        }
        // A team's name is not a release of the default team.
        if !text.contains('/') && catalog.teams.contains_key(text) {
            let plans: Vec<&str> = catalog
                .releases(text)
                .iter()
                .rev()
                .filter(|r| r.has_plan())
                .take(3)
                .map(|r| r.name.as_str())
                .collect();
            let example = plans.first().copied().unwrap_or("<release>");
            let known = if plans.is_empty() {
                String::new()
            } else {
                format!(" (its newest: {})", plans.join(", "))
            };
            return Err(Error::msg(format!(
                "`{text}` is a team, not a plan; name one of its plans as {text}/RELEASE, such as {text}/{example}{known}"
            )));
        }
        self.resolve_text(text, catalog)
    }
}

impl Workspace {
    /// Resolves a plan argument that is relative to another plan (`--from`, `--against`):
    /// a path (as `plan_for_path` takes it), TEAM/RELEASE, or a bare RELEASE of `team`.
    pub fn resolve_arg_of_team(&self, text: &str, catalog: &Catalog, team: &str) -> Result<PlanId> {
        if self.is_path_arg(text, catalog) {
            return self.plan_for_path(Path::new(text));
        }
        let spec = Spec::from_arg(text)?;
        Ok(PlanId::new(
            spec.team.unwrap_or_else(|| team.to_string()),
            spec.release,
        ))
    }
}

/// What a path argument names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathTarget {
    /// The plans directory, or a directory holding it: every plan.
    All,
    /// A team's directory: its plans.
    Team(String),
    Plan(PlanId),
}

/// Whether `text` names a release of the catalog as a spec (so `v1.5` is a spec even when
/// a directory of that name sits in the current directory).
pub fn is_spec_like(text: &str, catalog: &Catalog) -> bool {
    match text.split_once('/') {
        Some((team, release)) => catalog.release(&PlanId::new(team, release)).is_some(),
        None => catalog.teams.values().flatten().any(|r| r.name == text),
    }
}

/// What a listing looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Look {
    /// The team directories only.
    Teams,
    /// The release directories and their manifests (plan.md files when asked about).
    Manifests,
    /// The release directories, their manifests and plan.md files.
    Plans,
    /// The release directories, their manifests, plan.md files and `drills/`.
    Everything,
}

/// One release directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub name: String,
    pub plan: PlanFile,
    pub has_manifest: bool,
    /// What `lstat` said of its manifest (and `drills/`) when listed (nothing for a catalog
    /// read from git).
    pub stamps: Stamps,
}

impl Release {
    /// A release whose files are known without `lstat` (a catalog read from git, tests).
    pub fn known(name: impl Into<String>, has_plan: bool, has_manifest: bool) -> Release {
        Release {
            name: name.into(),
            plan: PlanFile::known(has_plan),
            has_manifest,
            stamps: Stamps::default(),
        }
    }

    /// Whether the release has a plan.md.
    pub fn has_plan(&self) -> bool {
        self.plan.seen() != Seen::Absent
    }
}

/// A release's plan.md as `lstat` saw it: when the catalog was listed, or the first time
/// something asks. A command about one plan asks of a few releases, so the catalog it lists
/// looks only at the manifests (every one of which the vocabulary reads) and leaves the
/// other plans' files alone: half the `lstat`s of a listing.
#[derive(Debug, Clone, Default)]
pub struct PlanFile {
    seen: OnceLock<Seen>,
    /// The file to look at when asked; `None` when `seen` was set when listed.
    path: Option<PathBuf>,
}

/// What was seen of a plan.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    Absent,
    /// There, with what `lstat` said (nothing for a catalog read from git).
    Present(Option<FileStamp>),
}

impl PlanFile {
    /// A plan.md as `lstat` saw it when the catalog was listed.
    fn listed(stamp: Option<FileStamp>) -> PlanFile {
        PlanFile::set(Seen::of(stamp))
    }

    /// A plan.md known to be there or not, without a stamp.
    fn known(present: bool) -> PlanFile {
        PlanFile::set(match present {
            true => Seen::Present(None),
            false => Seen::Absent,
        })
    }

    /// A plan.md looked at only when asked about.
    fn later(path: PathBuf) -> PlanFile {
        PlanFile {
            seen: OnceLock::new(),
            path: Some(path),
        }
    }

    fn set(seen: Seen) -> PlanFile {
        PlanFile {
            seen: OnceLock::from(seen),
            path: None,
        }
    }

    /// What is seen of the file, looking now when it was not looked at yet.
    pub fn seen(&self) -> Seen {
        *self
            .seen
            .get_or_init(|| Seen::of(self.path.as_deref().and_then(stamp)))
    }

    /// What `lstat` said of the file (looking now when it was not looked at yet).
    pub fn stamp(&self) -> Option<FileStamp> {
        self.seen().stamp()
    }

    /// What `lstat` said of the file, if something asked or the listing looked; `None` when
    /// nobody did (`Some(None)`: looked, and there is no stamp).
    pub fn stamp_if_seen(&self) -> Option<Option<FileStamp>> {
        self.seen.get().map(|seen| seen.stamp())
    }
}

impl Seen {
    /// What an `lstat` of the file said: there with its stamp, or not there.
    fn of(stamp: Option<FileStamp>) -> Seen {
        stamp.map_or(Seen::Absent, |stamp| Seen::Present(Some(stamp)))
    }

    fn stamp(self) -> Option<FileStamp> {
        match self {
            Seen::Present(stamp) => stamp,
            Seen::Absent => None,
        }
    }
}

impl PartialEq for PlanFile {
    fn eq(&self, other: &PlanFile) -> bool {
        self.seen() == other.seen()
    }
}

impl Eq for PlanFile {}

/// What `lstat` said of a release's manifest.toml when the catalog was made: enough to
/// tell whether a cached reading of it still holds, and to read it without looking its path
/// up again. (A plan.md's is its `PlanFile`'s.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stamps {
    pub manifest: Option<FileStamp>,
    /// Whether something is at its `drills/`, when the catalog looked (`catalog_with_drills`).
    pub drills: Option<bool>,
}

/// Every team and release directory, releases in version order, oldest first.
#[derive(Debug, Default)]
pub struct Catalog {
    pub teams: BTreeMap<String, Vec<Release>>,
    /// Directories backout cannot use (bad names, symlinks out of the repository).
    pub problems: Vec<Finding>,
    /// Directories under a team that hold neither a plan nor a manifest (an `archive/`, a
    /// folder of notes): not releases, so not release names either. Repository-relative,
    /// sorted.
    pub skipped: Vec<String>,
    /// When the listing started: a file changed less than a moment before is not trusted
    /// to be the one a cache read (see `FileStamp::is_settled`).
    pub listed_at: Option<SystemTime>,
    /// Each team's releases by name, made when a release is first looked up (see
    /// `position`).
    names: OnceLock<Names>,
}

/// Each team's releases by name: their positions in the team's list, in a table by the
/// hash of the name.
#[derive(Debug, Default)]
struct Names {
    teams: HashMap<String, HashTable<u32>>,
    hasher: foldhash::fast::RandomState,
}

impl Catalog {
    fn scan(workspace: &Workspace, look: Look) -> Result<Catalog> {
        let with_releases = look != Look::Teams;
        let (every_plan, with_drills) = (look >= Look::Plans, look == Look::Everything);
        let root = workspace.root();
        let plans = workspace.plans_dir();
        let mut catalog = Catalog {
            listed_at: Some(SystemTime::now()),
            ..Catalog::default()
        };
        let plans_display = &workspace.config.plans_dir;
        // A plans directory reached through a symlink out of the work tree is not read.
        if let Err(escape) = store::inside::check(root, &plans) {
            catalog.problems.push(
                unreadable_finding(
                    plans_display,
                    Rule::InvalidPlan,
                    format!("the plans directory {plans_display}/ {}", escape.describe()),
                )
                .with_help(escape.help()),
            );
            return Ok(catalog);
        }
        let Some(teams) = list_dir(root, &plans, plans_display, &mut catalog.problems, None)?
        else {
            return Ok(catalog);
        };
        for (team, _) in &teams {
            catalog.teams.entry(team.clone()).or_default();
        }
        if !with_releases {
            return Ok(catalog);
        }
        // One parallel pass: each team's directory is listed, its releases looked at (in
        // parallel too, for a repository of one big team) and put in version order. What
        // each team's pass found is taken in the teams' order (the first error in that order
        // is the error).
        type TeamPass = (
            String,
            Result<Option<Vec<Release>>>,
            Vec<Finding>,
            Vec<String>,
        );
        let passes: Vec<TeamPass> = teams
            .into_par_iter()
            .map(|(team, team_path)| {
                let display = format!("{plans_display}/{team}");
                let (mut problems, mut skipped) = (Vec::new(), Vec::new());
                let listed = list_dir(
                    root,
                    &team_path,
                    &display,
                    &mut problems,
                    Some(&mut skipped),
                );
                let releases = listed.map(|listed| {
                    listed.map(|dirs| {
                        let open = Dir::open(&team_path);
                        let looked: Vec<Release> = dirs
                            .into_par_iter()
                            .map(|(name, path)| {
                                look_at(open.as_ref(), name, path, every_plan, with_drills)
                            })
                            .collect();
                        let mut releases = Vec::with_capacity(looked.len());
                        for release in looked {
                            // Only a directory holding a plan or a manifest is a release (a
                            // directory without a manifest had its plan.md looked at).
                            if !release.has_manifest && !release.has_plan() {
                                skipped.push(format!("{display}/{}", release.name));
                            } else {
                                releases.push(release);
                            }
                        }
                        version::sort_by_name(&mut releases, |release| &release.name);
                        releases
                    })
                });
                (team, releases, problems, skipped)
            })
            .collect();
        for (team, releases, problems, skipped) in passes {
            catalog.problems.extend(problems);
            catalog.skipped.extend(skipped);
            if let Some(releases) = releases? {
                catalog.teams.insert(team, releases);
            }
        }
        catalog.skipped.sort();
        Ok(catalog)
    }

    /// The releases of a team, oldest first.
    pub fn releases(&self, team: &str) -> &[Release] {
        self.teams.get(team).map_or(&[], Vec::as_slice)
    }

    pub fn release(&self, id: &PlanId) -> Option<&Release> {
        self.releases(&id.team).get(self.position(id)?)
    }

    /// Where a release is in its team's list. Looked up by name in a table made on the
    /// first call (`check` asks for each of 10,000 plans, a version comparison costs a
    /// parse of both names); a name the table does not hold, or holds for another place
    /// (the teams changed after it was made), is searched for in version order.
    pub fn position(&self, id: &PlanId) -> Option<usize> {
        let releases = self.releases(&id.team);
        let names = self.names.get_or_init(|| self.index_names());
        let hash = names.hasher.hash_one(id.release.as_str());
        let indexed = names
            .teams
            .get(&id.team)
            .and_then(|table| table.find(hash, |&at| at_name(releases, at) == Some(&id.release)));
        if let Some(&at) = indexed {
            return Some(at as usize);
        }
        let at = releases.partition_point(|r| version::compare(&r.name, &id.release).is_lt());
        releases
            .get(at)
            .is_some_and(|r| r.name == id.release)
            .then_some(at)
    }

    fn index_names(&self) -> Names {
        let hasher = foldhash::fast::RandomState::default();
        let teams = self
            .teams
            .iter()
            .map(|(team, releases)| {
                let mut table = HashTable::with_capacity(releases.len());
                for (at, release) in releases.iter().enumerate() {
                    let hash = hasher.hash_one(release.name.as_str());
                    table.insert_unique(hash, at as u32, |&at| {
                        hasher.hash_one(at_name(releases, at).unwrap_or_default())
                    });
                }
                (team.clone(), table)
            })
            .collect();
        Names { teams, hasher }
    }

    /// Every release directory as a plan id, teams in name order, releases oldest first.
    pub fn all(&self) -> impl Iterator<Item = (PlanId, &Release)> {
        self.teams.iter().flat_map(|(team, releases)| {
            releases
                .iter()
                .map(move |release| (PlanId::new(team.clone(), release.name.clone()), release))
        })
    }

    /// Looks at every plan.md nobody looked at yet, of one team or of all, in parallel: for
    /// a command that turns out to be about many plans (`check plans`, `check TEAM`) after
    /// a catalog listed for a few (`Workspace::catalog`).
    pub fn look_at_plans(&self, team: Option<&str>) {
        let look = |releases: &Vec<Release>| {
            releases.par_iter().for_each(|release| {
                release.plan.seen();
            });
        };
        match team {
            Some(team) => {
                if let Some(releases) = self.teams.get(team) {
                    look(releases);
                }
            }
            None => self
                .teams
                .par_iter()
                .for_each(|(_, releases)| look(releases)),
        }
    }

    /// What `lstat` said of a release's plan.md (looking now when nobody asked yet).
    pub fn plan_stamp(&self, id: &PlanId) -> Option<FileStamp> {
        self.release(id).and_then(|release| release.plan.stamp())
    }

    /// What `lstat` said of a release's manifest when listed.
    pub fn stamps(&self, id: &PlanId) -> Stamps {
        self.release(id)
            .map(|release| release.stamps)
            .unwrap_or_default()
    }

    /// The greatest release of the same team below `id` that has a plan.
    /// Releases are kept in version order, so this is a binary search (then a walk back
    /// over releases without a plan): `check` asks it for every plan.
    pub fn previous(&self, id: &PlanId) -> Option<&str> {
        let releases = self.releases(&id.team);
        let below = match self.position(id) {
            Some(at) => at,
            None => releases.partition_point(|r| version::compare(&r.name, &id.release).is_lt()),
        };
        releases[..below]
            .iter()
            .rev()
            .find(|r| r.has_plan())
            .map(|r| r.name.as_str())
    }
}

/// `path`, which ends in the file name `old`, ending in `new` instead: on its bytes where
/// it can (`set_file_name` parses the path's components, for each of 10,000 releases).
fn with_file_name(path: PathBuf, old: &str, new: &str) -> PathBuf {
    #[cfg(unix)]
    {
        use std::ffi::OsString;
        use std::os::unix::ffi::OsStringExt;
        let mut bytes = path.into_os_string().into_vec();
        let cut = bytes.len().checked_sub(old.len());
        if bytes.ends_with(old.as_bytes()) && cut.is_some_and(|at| at > 0 && bytes[at - 1] == b'/')
        {
            bytes.truncate(bytes.len() - old.len());
            bytes.extend_from_slice(new.as_bytes());
            return PathBuf::from(OsString::from_vec(bytes));
        }
        let mut path = PathBuf::from(OsString::from_vec(bytes));
        path.set_file_name(new);
        path
    }
    #[cfg(not(unix))]
    {
        let _ = old;
        let mut path = path;
        path.set_file_name(new);
        path
    }
}

/// The name of the release at `at` in `releases`.
fn at_name(releases: &[Release], at: u32) -> Option<&str> {
    releases.get(at as usize).map(|r| r.name.as_str())
}

/// Repository-relative path of a file of a release below `plans_dir` (as configured), with
/// `/` separators, pushed onto one buffer of the right size.
pub fn display_path(plans_dir: &str, id: &PlanId, file: &str) -> String {
    let parts = [plans_dir, &id.team, &id.release, file];
    let mut path = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (n, part) in parts.into_iter().enumerate() {
        if n > 0 {
            path.push('/');
        }
        path.push_str(part);
    }
    path
}

/// `plans_dir/<team>/<release>/<file>`, pushed onto one buffer: `check` builds three such
/// paths for each of 10,000 releases.
pub fn release_file(plans_dir: PathBuf, id: &PlanId, file: &str) -> PathBuf {
    let mut path = plans_dir;
    path.reserve(id.team.len() + id.release.len() + file.len() + 3);
    path.push(&id.team);
    path.push(&id.release);
    path.push(file);
    path
}

fn is_file(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// A release directory at `path`, as `lstat` says: its manifest, and its plan.md and
/// `drills/` when asked for (`every_plan`, `with_drills`), else its plan.md only when it has
/// no manifest (only a plan makes such a directory a release). `team` is the team's
/// directory held open, when it could be: the files are then stamped by their path in it.
fn look_at(
    team: Option<&Dir>,
    name: String,
    path: PathBuf,
    every_plan: bool,
    with_drills: bool,
) -> Release {
    let mut under = Under::new(team, &name);
    // One buffer for all the files' paths.
    let mut file = path;
    file.reserve(PLAN_FILE.len().max(MANIFEST_FILE.len()) + 1);
    file.push(MANIFEST_FILE);
    let manifest = under.stamp(MANIFEST_FILE, &file).ok();
    let file = with_file_name(file, MANIFEST_FILE, PLAN_FILE);
    let (plan, file) = match every_plan || manifest.is_none() {
        true => (
            PlanFile::listed(under.stamp(PLAN_FILE, &file).ok()),
            Some(file),
        ),
        false => (PlanFile::later(file), None),
    };
    let drills = match (with_drills, file) {
        (true, Some(file)) => {
            let dir = with_file_name(file, PLAN_FILE, crate::drill::DIR);
            // Anything but "not found" is looked into when the records are read.
            Some(
                !under
                    .stamp(crate::drill::DIR, &dir)
                    .is_err_and(|error| error.kind() == std::io::ErrorKind::NotFound),
            )
        }
        _ => None,
    };
    Release {
        name,
        plan,
        has_manifest: manifest.is_some(),
        stamps: Stamps { manifest, drills },
    }
}

/// The files of one release directory, stamped through its team's open directory when there
/// is one, else by their whole paths.
struct Under<'d> {
    team: Option<&'d Dir>,
    /// `<release>/`, then a file's name and a NUL while one is stamped.
    relative: Vec<u8>,
}

impl<'d> Under<'d> {
    fn new(team: Option<&'d Dir>, release: &str) -> Under<'d> {
        let mut relative = Vec::with_capacity(release.len() + 16);
        relative.extend_from_slice(release.as_bytes());
        relative.push(b'/');
        Under { team, relative }
    }

    /// What `lstat` says of the release's `file`, whose whole path is `path`.
    fn stamp(&mut self, file: &str, path: &Path) -> std::io::Result<FileStamp> {
        if let Some(team) = self.team {
            let base = self.relative.len();
            self.relative.extend_from_slice(file.as_bytes());
            self.relative.push(0);
            let stamped = std::ffi::CStr::from_bytes_with_nul(&self.relative)
                .ok()
                .map(|relative| team.stamp(relative));
            self.relative.truncate(base);
            match stamped {
                Some(Err(error)) if error.kind() == std::io::ErrorKind::Unsupported => {}
                Some(stamped) => return stamped,
                None => {}
            }
        }
        fs::symlink_metadata(path).map(|metadata| FileStamp::of(&metadata))
    }
}

/// The stamp of what is at `path` (not following a symlink), when something is.
fn stamp(path: &Path) -> Option<FileStamp> {
    fs::symlink_metadata(path)
        .ok()
        .map(|metadata| FileStamp::of(&metadata))
}

/// Lists the usable subdirectories of `dir`; `None` when `dir` does not exist. With
/// `skipped` (a team's directory), a subdirectory whose name is not a release name and that
/// holds neither a plan nor a manifest is not a release at all: listed there, not a problem.
fn list_dir(
    root: &Path,
    dir: &Path,
    display: &str,
    problems: &mut Vec<Finding>,
    mut skipped: Option<&mut Vec<String>>,
) -> Result<Option<Vec<(String, PathBuf)>>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(Error::io("list", dir, error)),
    };
    let mut out = Vec::new();
    let mut real_dirs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("list", dir, e))?;
        let name = match entry.file_name().into_string() {
            Ok(name) => name,
            Err(name) => {
                problems.push(unreadable_finding(
                &format!("{display}/{}", name.to_string_lossy()),
                Rule::InvalidPlan,
                format!("the name of a directory in {display}/ is not valid UTF-8; rename it to letters, digits, `.`, `_` and `-`"),
            ));
                continue;
            }
        };
        if name.starts_with('.') {
            continue;
        }
        // Room for the file names the catalog stats in it (see `Catalog::scan`).
        let mut path = PathBuf::with_capacity(dir.as_os_str().len() + name.len() + 16);
        path.push(dir);
        path.push(&name);
        let file_type = entry.file_type().map_err(|e| Error::io("list", &path, e))?;
        let real_dir = file_type.is_dir();
        let is_dir = if file_type.is_symlink() {
            if let Err(escape) = store::inside::check(root, &path) {
                let what = match escape {
                    store::inside::Escape::Dangling { .. } => "a symlink that points at nothing",
                    _ => "a symlink to a directory outside the repository",
                };
                problems.push(unreadable_finding(
                    &format!("{display}/{name}"),
                    Rule::InvalidPlan,
                    format!("{display}/{name} is {what}, which backout does not follow; replace it with a real directory"),
                ));
                continue;
            }
            path.is_dir()
        } else {
            file_type.is_dir()
        };
        if !is_dir {
            continue;
        }
        if let Some(problem) = name_problem(&name) {
            if let Some(skipped) = skipped.as_deref_mut()
                && !is_file(&path.join(PLAN_FILE))
                && !is_file(&path.join(MANIFEST_FILE))
            {
                skipped.push(format!("{display}/{name}"));
                continue;
            }
            problems.push(unreadable_finding(
                &format!("{display}/{name}"),
                Rule::InvalidPlan,
                format!("directory name `{name}` {problem}; rename it to letters, digits, `.`, `_` and `-`"),
            ));
            continue;
        }
        if real_dir {
            real_dirs.push(out.len());
        }
        out.push((name, path));
    }
    // `dir` itself was proven inside before it was listed; its real subdirectories are too.
    store::inside::mark_real_dirs(root, dir, real_dirs.iter().map(|&at| out[at].0.as_str()));
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(name: &str, has_plan: bool) -> Release {
        Release::known(name, has_plan, true)
    }

    #[test]
    fn a_file_name_is_swapped_for_another() {
        let swap = |path: &str| with_file_name(PathBuf::from(path), PLAN_FILE, MANIFEST_FILE);
        assert_eq!(
            swap("/r/plans/t/v1/plan.md"),
            PathBuf::from("/r/plans/t/v1/manifest.toml")
        );
        assert_eq!(swap("plan.md"), PathBuf::from("manifest.toml"));
        assert_eq!(
            swap("/r/t/v1/myplan.md"),
            PathBuf::from("/r/t/v1/manifest.toml")
        );
    }

    #[test]
    fn releases_are_found_by_name_also_after_the_teams_change() {
        let mut catalog = Catalog::default();
        let names = ["v1.9", "v1.10", "v1.10.1", "v2.0-rc1", "v2.0"];
        let releases = names.iter().map(|n| release(n, *n != "v1.10.1")).collect();
        catalog.teams.insert("payments".into(), releases);
        let id = |release: &str| PlanId::new("payments", release);
        for (at, name) in names.iter().enumerate() {
            assert_eq!(catalog.position(&id(name)), Some(at), "{name}");
        }
        assert_eq!(catalog.release(&id("v1.11")), None);
        assert_eq!(catalog.release(&PlanId::new("ledger", "v1.9")), None);
        assert_eq!(catalog.previous(&id("v2.0-rc1")), Some("v1.10"));
        assert_eq!(catalog.previous(&id("v1.9")), None);
        assert_eq!(
            catalog.previous(&id("v1.11")),
            Some("v1.10"),
            "not a release"
        );
        // The table was made; a release added after it is still found, in version order.
        if let Some(releases) = catalog.teams.get_mut("payments") {
            releases.insert(0, release("v1.8", true));
        }
        assert_eq!(catalog.position(&id("v1.8")), Some(0));
        assert_eq!(catalog.position(&id("v2.0")), Some(5));
        assert_eq!(catalog.previous(&id("v1.9")), Some("v1.8"));
    }
}
