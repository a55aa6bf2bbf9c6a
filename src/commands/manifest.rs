//! `backout manifest`: a release's items derived from the files it changed in git, printed
//! or merged into its manifest.toml. Also the `manifest-drift` check that `check`, `review`
//! and `baseline` run with the same derivation.

use std::collections::HashMap;

use serde::Serialize;

use crate::commands::check::PlanReport;
use crate::config::{self, Config, DeriveRule, TagFormat};
use crate::corpus::Corpus;
use crate::derive::{self, Derivation, Merged, ReleaseTags, Side, Trees};
use crate::diag::{self, Finding, Note, Rule, Severity, SourceFile};
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::names::PlanId;
use crate::plan::{Plan, Status};
use crate::repo::{Repo, TagRef, TreeFiles};
use crate::rules::drift;
use crate::store::{self, FileWrite, Overwrite};
use crate::workspace::{Catalog, MANIFEST_FILE, PLAN_FILE, Workspace};

/// What the user asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// SPEC; default the newest release of the default team.
    pub spec: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub write: bool,
}

/// How an end of the range was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bound {
    /// `--from` or `--to`.
    Named,
    /// The team's greatest release tag below the release.
    PreviousTag,
    /// The release's own tag.
    ReleaseTag,
    /// HEAD (or the head of a review), since the release has no tag yet.
    Head,
}

/// One end of the range: the revision as named, and its commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    pub rev: String,
    pub commit: String,
    pub how: Bound,
    #[serde(skip)]
    pub oid: git2::Oid,
}

impl Endpoint {
    /// `v1.4 (1a2b3c4d5e)`.
    pub fn label(&self) -> String {
        format!(
            "{} ({})",
            self.rev,
            &self.commit[..self.commit.len().min(10)]
        )
    }
}

/// What `manifest` derived, and what `--write` did.
#[derive(Debug)]
pub struct Derived {
    pub id: PlanId,
    /// Whether the release was inferred (no SPEC given).
    pub inferred: bool,
    /// Repository-relative path of the release's manifest.toml.
    pub path: String,
    pub from: Endpoint,
    pub to: Endpoint,
    /// How many files differ between the two ends.
    pub changed: usize,
    pub derivation: Derivation,
    /// With `--write`: the merge, and whether the manifest was created.
    pub write: Option<(Merged, bool)>,
}

pub fn run(workspace: &Workspace, options: &Options<'_>) -> Result<Derived> {
    let config = &workspace.config;
    if config.derive.is_empty() {
        return Err(Error::msg(format!(
            "{} has no [[derive]] rules, so backout cannot tell which changed files are items; add one per kind of change, such as `[[derive]]` with `path = \"services/{{id}}/\"` and `kind = \"service\"` (see `backout manifest --help`)",
            config::FILE_NAME
        )));
    }
    let catalog = workspace.teams()?;
    let (id, inferred) = match options.spec {
        Some(spec) => (workspace.resolve_arg(spec, &catalog)?, false),
        None => (newest_release(workspace)?, true),
    };
    if !config.derive.iter().any(|rule| rule.applies_to(&id.team)) {
        return Err(Error::msg(format!(
            "every [[derive]] rule in {} has a `team` other than {}; add a rule for {}'s files (with `team = \"{}\"` or without `team`)",
            config::FILE_NAME,
            id.team,
            id.team,
            id.team
        )));
    }
    let repo = workspace.repo()?;
    let head = head_of(&repo);
    let ranges = Ranges::new(
        &repo,
        config,
        default_team(config, &catalog).as_deref(),
        head,
    )?;
    let (from, to) = ranges
        .resolve(&id, options.from, options.to)
        .map_err(|unresolved| match unresolved {
            Unresolved::Named(why) => Error::msg(why),
            Unresolved::Default(why) => Error::msg(format!(
                "{why}; pass --from REV (and --to REV) to name the range"
            )),
        })?;
    let mut files = tree_files(&repo)?;
    let rules = (config.derive.as_slice(), id.team.as_str());
    let (derivation, changed) =
        derive_range(&repo, &mut files, (rules, &config.plans_dir), &from, &to)?;
    let path = workspace.display_path(&id, MANIFEST_FILE);
    let write = if options.write {
        Some(write(workspace, &id, &path, &derivation)?)
    } else {
        None
    };
    Ok(Derived {
        id,
        inferred,
        path,
        from,
        to,
        changed,
        derivation,
        write,
    })
}

/// The newest release (version order) of the default team.
fn newest_release(workspace: &Workspace) -> Result<PlanId> {
    let catalog = workspace.catalog()?;
    let team = workspace.default_team(&catalog)?;
    catalog
        .releases(&team)
        .last()
        .map(|release| PlanId::new(team.clone(), release.name.clone()))
        .ok_or_else(|| {
            Error::msg(format!(
                "{team} has no release directory under {}/ yet; name the release: `backout manifest <release>`",
                workspace.config.plans_dir
            ))
        })
}

/// Merges the derivation into the release's manifest.toml (created from the template of
/// `new` when missing) and writes it atomically when anything changed.
fn write(
    workspace: &Workspace,
    id: &PlanId,
    path: &str,
    derivation: &Derivation,
) -> Result<(Merged, bool)> {
    let read = |file: &str| {
        store::read_text(workspace.root(), &workspace.path(id, file)).map_err(|problem| {
            Error::msg(format!(
                "{} {}; {}",
                workspace.display_path(id, file),
                problem.message,
                problem.help
            ))
        })
    };
    // Read, merged and written under the manifest's lock: two `--write`s cannot lose one.
    let _lock = store::Lock::acquire(workspace.root(), &workspace.path(id, MANIFEST_FILE), path)?;
    if let Some(plan) = read(PLAN_FILE)?
        && Plan::parse_front_matter(&plan, id).status() == Status::Published
    {
        return Err(Error::msg(format!(
            "{} is published, so {path} is final and --write leaves it alone; run without --write to compare it with git",
            workspace.display_path(id, PLAN_FILE)
        )));
    }
    let (text, created) = match read(MANIFEST_FILE)? {
        Some(text) => (text, false),
        None => (
            super::new::manifest_file(id, workspace.config.language),
            true,
        ),
    };
    let merged = derive::merge(&text, &derivation.items).map_err(|why| {
        Error::msg(format!(
            "{path} {why}; fix it, then run `backout manifest {id} --write` again"
        ))
    })?;
    if merged.changed() || created {
        let file = FileWrite {
            display: path.to_string(),
            path: workspace.path(id, MANIFEST_FILE),
            contents: merged.text.clone(),
        };
        store::write_all(workspace.root(), &[file], Overwrite::Allow)?;
    }
    Ok((merged, created))
}

/// The team that `{release}` tags belong to: `default_team`, else the only team.
fn default_team(config: &Config, catalog: &Catalog) -> Option<String> {
    config.default_team.clone().or_else(|| {
        let mut teams = catalog.teams.keys();
        match (teams.next(), teams.next()) {
            (Some(only), None) => Some(only.clone()),
            _ => None,
        }
    })
}

/// HEAD's commit, labelled `HEAD`, when there is one.
fn head_of(repo: &Repo) -> Option<(git2::Oid, String)> {
    let commit = repo.head_commit()?;
    git2::Oid::from_str(&commit)
        .ok()
        .map(|oid| (oid, "HEAD".to_string()))
}

fn tree_files(repo: &Repo) -> Result<TreeFiles<'_>> {
    TreeFiles::new(repo.git()).map_err(|e| Error::git("cannot read the object database", e))
}

/// Where releases' changes start and end in one repository: its release tags, and the
/// commit that stands for a release that has no tag yet.
pub struct Ranges<'r> {
    repo: &'r Repo,
    tags: HashMap<String, TagRef>,
    releases: ReleaseTags,
    head: Option<(git2::Oid, String)>,
    glob: String,
    format: TagFormat,
    default_team: Option<String>,
}

impl<'r> Ranges<'r> {
    /// Lists the release tags (per `[tags] glob` and `format`) once.
    pub fn new(
        repo: &'r Repo,
        config: &Config,
        default_team: Option<&str>,
        head: Option<(git2::Oid, String)>,
    ) -> Result<Ranges<'r>> {
        let matcher = config.tags.matcher()?;
        let tags: HashMap<String, TagRef> = repo
            .tags()?
            .into_iter()
            .filter(|tag| matcher.is_match(&tag.name))
            .map(|tag| (tag.name.clone(), tag))
            .collect();
        let releases = ReleaseTags::new(
            tags.keys().map(String::as_str),
            config.tags.format,
            default_team,
        );
        Ok(Ranges {
            repo,
            tags,
            releases,
            head,
            glob: config.tags.glob.clone(),
            format: config.tags.format,
            default_team: default_team.map(str::to_string),
        })
    }

    /// The two ends of a release's range; the error says why they are not known.
    pub fn resolve(
        &self,
        id: &PlanId,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<(Endpoint, Endpoint), Unresolved> {
        let from = match from {
            Some(rev) => self.named(rev).map_err(Unresolved::Named)?,
            None => match self.releases.previous(id) {
                Some(tag) => self
                    .tag(tag, Bound::PreviousTag)
                    .map_err(Unresolved::Default)?,
                None => return Err(Unresolved::Default(self.no_previous(id))),
            },
        };
        let to = match to {
            Some(rev) => self.named(rev).map_err(Unresolved::Named)?,
            None => match self.releases.of(id) {
                Some(tag) => self
                    .tag(tag, Bound::ReleaseTag)
                    .map_err(Unresolved::Default)?,
                None => match &self.head {
                    Some((oid, label)) => Endpoint {
                        rev: label.clone(),
                        commit: oid.to_string(),
                        how: Bound::Head,
                        oid: *oid,
                    },
                    None => {
                        return Err(Unresolved::Default(format!(
                            "{id} has no release tag and the repository has no commit yet"
                        )));
                    }
                },
            },
        };
        Ok((from, to))
    }

    fn named(&self, rev: &str) -> Result<Endpoint, String> {
        let oid = self.repo.resolve_commit(rev).map_err(|e| e.to_string())?;
        Ok(Endpoint {
            rev: rev.to_string(),
            commit: oid.to_string(),
            how: Bound::Named,
            oid,
        })
    }

    fn tag(&self, name: &str, how: Bound) -> Result<Endpoint, String> {
        let tag = self
            .tags
            .get(name)
            .ok_or_else(|| format!("tag `{name}` went away while backout ran"))?;
        let oid = self.repo.tag_commit(tag).map_err(|e| e.to_string())?;
        Ok(Endpoint {
            rev: name.to_string(),
            commit: oid.to_string(),
            how,
            oid,
        })
    }

    /// Why a release has no previous release tag, and what would give it one.
    fn no_previous(&self, id: &PlanId) -> String {
        let mut why = if self.releases.has_team(&id.team) {
            format!(
                "no release tag of {} is older than {} (tags matching [tags] glob \"{}\"), so its changes have no start",
                id.team, id.release, self.glob
            )
        } else {
            format!(
                "no git tag matching [tags] glob \"{}\" names a release of {}, so {}'s changes have no start",
                self.glob, id.team, id.release
            )
        };
        if self.format == TagFormat::Release && self.default_team.as_deref() != Some(&id.team) {
            match &self.default_team {
                Some(team) => why.push_str(&format!(
                    " (with [tags] format \"{{release}}\", tags name releases of the default team, {team})"
                )),
                None => why.push_str(
                    " (with [tags] format \"{release}\", tags name releases of the default team, and there is none: set default_team)",
                ),
            }
        }
        if self.repo.is_shallow() {
            why.push_str(
                "; this is a shallow clone, so fetch the tags first: `git fetch --tags --unshallow`",
            );
        }
        why
    }
}

/// Why a range could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// A revision named with --from or --to does not exist.
    Named(String),
    /// The default ends: no previous release tag, or no commit.
    Default(String),
}

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unresolved::Named(why) | Unresolved::Default(why) => f.write_str(why),
        }
    }
}

/// The two trees of a range, read through the object database.
struct GitTrees<'f, 'r> {
    files: &'f mut TreeFiles<'r>,
    from: git2::Oid,
    to: git2::Oid,
}

impl Trees for GitTrees<'_, '_> {
    fn read(&mut self, side: Side, path: &str) -> Result<Option<Vec<u8>>, String> {
        let tree = self.tree(side);
        match self.files.read_path(tree, path) {
            Ok(Some(bytes)) if bytes.len() as u64 > store::MAX_FILE_BYTES => {
                Err("it is larger than 8 MB".into())
            }
            Ok(bytes) => Ok(bytes),
            Err(error) => Err(format!("{}; {}", error.what(), crate::repo::FSCK_HINT)),
        }
    }

    fn exists(&mut self, side: Side, path: &str) -> Result<bool, String> {
        let tree = self.tree(side);
        self.files
            .exists(tree, path)
            .map_err(|e| format!("{}; {}", e.what(), crate::repo::FSCK_HINT))
    }
}

impl GitTrees<'_, '_> {
    fn tree(&self, side: Side) -> git2::Oid {
        match side {
            Side::From => self.from,
            Side::To => self.to,
        }
    }
}

/// The items the rules find between two commits, and how many files differ. The plans
/// directory is left out: plans and manifests describe a release, they are not what it
/// deploys (and a release's own plan is usually committed in its range).
fn derive_range(
    repo: &Repo,
    files: &mut TreeFiles<'_>,
    ((rules, team), plans_dir): ((&[DeriveRule], &str), &str),
    from: &Endpoint,
    to: &Endpoint,
) -> Result<(Derivation, usize)> {
    let plans = format!("{plans_dir}/");
    let mut changes = repo.changed_paths(from.oid, to.oid)?;
    changes.retain(|change| {
        let path = change.new_path.as_deref().or(change.old_path.as_deref());
        !path.is_some_and(|p| p.starts_with(&plans))
    });
    let mut trees = GitTrees {
        files,
        from: repo.commit_tree(from.oid)?,
        to: repo.commit_tree(to.oid)?,
    };
    let paths = changes
        .iter()
        .filter_map(|change| change.new_path.as_deref().or(change.old_path.as_deref()));
    let derivation = derive::derive(rules, team, paths, &mut trees);
    Ok((derivation, changes.len()))
}

/// The `manifest-drift` check over one repository state.
pub struct Drift<'r> {
    repo: &'r Repo,
    ranges: Ranges<'r>,
    files: TreeFiles<'r>,
    rules: &'r [DeriveRule],
    plans_dir: String,
    severity: Severity,
}

/// A manifest as `Drift` needs it: display path, text, parsed.
pub type ManifestView<'a> = (&'a str, &'a str, &'a Manifest);

impl<'r> Drift<'r> {
    /// Prepares the check; the error says why it does not run at all.
    pub fn open(
        repo: &'r Repo,
        config: &'r Config,
        catalog: &Catalog,
        head: Option<(git2::Oid, String)>,
    ) -> Result<Drift<'r>, String> {
        if config.derive.is_empty() {
            return Err(format!(
                "not run: {} has no [[derive]] rules to find the items of a release's changes",
                config::FILE_NAME
            ));
        }
        let Some(severity) = config.drift else {
            return Err("not run: [check] drift = \"off\"".into());
        };
        let team = default_team(config, catalog);
        let ranges = Ranges::new(repo, config, team.as_deref(), head)
            .map_err(|e| format!("not run: {e}"))?;
        let files = TreeFiles::new(repo.git()).map_err(|e| format!("not run: {}", e.message()))?;
        Ok(Drift {
            repo,
            ranges,
            files,
            rules: &config.derive,
            plans_dir: config.plans_dir.clone(),
            severity,
        })
    }

    /// Whether the release has a tag of its own: then its range ends there, and no later
    /// commit changes what the rules find for it.
    pub fn has_release_tag(&self, id: &PlanId) -> bool {
        self.ranges.releases.of(id).is_some()
    }

    /// The findings for one plan; the error says why the check did not run for it.
    pub fn check(
        &mut self,
        id: &PlanId,
        status: Option<Status>,
        manifest: Option<ManifestView<'_>>,
    ) -> Result<Vec<Finding>, String> {
        if status == Some(Status::Published) {
            return Err("not run: the plan is published, so its manifest is final".into());
        }
        if !self.rules.iter().any(|rule| rule.applies_to(&id.team)) {
            return Err(format!(
                "not run: no [[derive]] rule applies to {} (each has another `team`)",
                id.team
            ));
        }
        let Some((path, text, manifest)) = manifest.filter(|(_, _, m)| m.is_valid()) else {
            return Err("not run: the manifest is missing or has problems".into());
        };
        let (from, to) = self
            .ranges
            .resolve(id, None, None)
            .map_err(|why| format!("not run: {why}"))?;
        let rules = (self.rules, id.team.as_str());
        let (derivation, _) = derive_range(
            self.repo,
            &mut self.files,
            (rules, &self.plans_dir),
            &from,
            &to,
        )
        .map_err(|e| format!("not run: {e}"))?;
        let file = SourceFile::new(path, text);
        let found = drift::Found {
            derivation: &derivation,
            from: &from.rev,
            to: &to.rev,
            severity: self.severity,
        };
        Ok(drift::check(id, &file, manifest, &found))
    }
}

/// The `manifest-drift` findings of one release of the work tree; none where the check
/// does not run.
pub fn drift_of(workspace: &Workspace, corpus: &Corpus, id: &PlanId) -> Vec<Finding> {
    if workspace.config.derive.is_empty() {
        return Vec::new();
    }
    let Ok(repo) = workspace.repo() else {
        return Vec::new();
    };
    let head = head_of(&repo);
    match Drift::open(&repo, &workspace.config, corpus.catalog(), head) {
        Ok(mut drift) => drift
            .check(id, None, corpus.manifest_source(id))
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// Runs `manifest-drift` over `check`'s reports, adding its findings to each plan; returns
/// the notes on where (or why) it did not run.
pub fn check_drift(
    workspace: &Workspace,
    corpus: &Corpus,
    reports: &mut [PlanReport],
) -> Vec<Note> {
    let note = |plan: Option<&PlanId>, message: String| Note {
        rule: Rule::ManifestDrift,
        plan: plan.map(PlanId::to_string),
        message,
    };
    let repo = match workspace.repo() {
        Ok(repo) => repo,
        Err(error) => return vec![note(None, format!("not run: {error}"))],
    };
    let config = &workspace.config;
    let mut drift = match Drift::open(&repo, config, corpus.catalog(), head_of(&repo)) {
        Ok(drift) => drift,
        Err(why) => return vec![note(None, why)],
    };
    let mut notes = Vec::new();
    for report in reports.iter_mut() {
        match drift.check(
            &report.id,
            report.status,
            corpus.manifest_source(&report.id),
        ) {
            Ok(findings) if findings.is_empty() => {}
            Ok(findings) => {
                report.findings.extend(findings);
                diag::sort(&mut report.findings);
            }
            Err(why) => notes.push(note(Some(&report.id), why)),
        }
    }
    notes
}
