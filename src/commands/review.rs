//! `backout review`: the plans and manifests that changed between two revisions, each plan's
//! section diff, the check findings of its head version, and the review rules.

use std::collections::BTreeMap;

use crate::config::{self, Config};
use crate::corpus::{Corpus, ManifestSource};
use crate::diag::{Finding, Tally};
use crate::diff::{PlanDiff, Side};
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::names::{PlanId, is_valid_name};
use crate::plan::Plan;
use crate::repo::{Change, Repo, TreeFiles};
use crate::review::{self, Version};
use crate::store::{self, ReadProblem};
use crate::workspace::{Catalog, MANIFEST_FILE, PLAN_FILE, Release, Workspace};

/// One plan whose plan.md or manifest.toml changed.
#[derive(Debug)]
pub struct ReviewedPlan {
    pub id: PlanId,
    /// How plan.md changed (`Modified` when only the manifest did).
    pub change: Change,
    /// The plan's path at head (at base when deleted).
    pub path: String,
    /// The path at base, when it was renamed.
    pub renamed_from: Option<String>,
    /// Whether manifest.toml changed.
    pub manifest_changed: bool,
    /// The section diff from the base version to the head version.
    pub diff: Option<PlanDiff>,
    /// Check findings of the head version, then the review rules.
    pub findings: Vec<Finding>,
}

/// What `review` found.
#[derive(Debug)]
pub struct Review {
    /// `origin/main (1a2b3c4d5e)`.
    pub base: String,
    pub head: String,
    pub plans: Vec<ReviewedPlan>,
}

impl Review {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.plans.iter().flat_map(|plan| plan.findings.iter())
    }

    pub fn tally(&self) -> Tally {
        Tally::of(self.findings())
    }
}

/// A repository state at one commit: its backout.toml and files, read from git.
struct Snapshot<'r> {
    files: TreeFiles<'r>,
    tree: git2::Oid,
    config: Config,
}

impl<'r> Snapshot<'r> {
    fn open(repo: &'r Repo, commit: git2::Oid, label: &str) -> Result<Snapshot<'r>> {
        let files = TreeFiles::new(repo.git())
            .map_err(|e| Error::git("cannot read the object database", e))?;
        let tree = repo.commit_tree(commit)?;
        let mut snapshot = Snapshot {
            files,
            tree,
            config: Config::default(),
        };
        if let Some(text) = snapshot.read(config::FILE_NAME).map_err(|p| {
            Error::msg(format!(
                "{} at {label} {}; {}",
                config::FILE_NAME,
                p.message,
                p.help
            ))
        })? {
            snapshot.config = Config::parse(&format!("{} at {label}", config::FILE_NAME), &text)?;
        }
        Ok(snapshot)
    }

    fn read(&mut self, path: &str) -> Result<Option<String>, ReadProblem> {
        match self.files.read_path(self.tree, path) {
            Ok(Some(bytes)) if bytes.len() as u64 > store::MAX_FILE_BYTES => Err(ReadProblem {
                line: 1,
                message: "is larger than 8 MB".into(),
                help: "keep plans short enough to follow during an incident".into(),
            }),
            Ok(Some(bytes)) => store::decode(bytes).map(Some),
            Ok(None) => Ok(None),
            Err(error) => Err(ReadProblem {
                line: 1,
                message: format!("cannot be read from git: {}", error.message()),
                help: "check the repository with `git fsck`".into(),
            }),
        }
    }

    fn list(&mut self, path: &str) -> Result<Vec<(String, bool)>> {
        self.files
            .list(self.tree, path)
            .map_err(|e| Error::git(format!("cannot list {path}"), e))
    }

    /// Every team and release directory of the snapshot.
    fn catalog(&mut self) -> Result<Catalog> {
        let plans_dir = self.config.plans_dir.clone();
        let mut catalog = Catalog::default();
        for (team, is_dir) in self.list(&plans_dir)? {
            if !is_dir || !is_valid_name(&team) {
                continue;
            }
            let mut releases = Vec::new();
            for (release, is_dir) in self.list(&format!("{plans_dir}/{team}"))? {
                if !is_dir || !is_valid_name(&release) {
                    continue;
                }
                let files = self.list(&format!("{plans_dir}/{team}/{release}"))?;
                let has = |name: &str| files.iter().any(|(file, dir)| file == name && !dir);
                releases.push(Release {
                    has_plan: has(PLAN_FILE),
                    has_manifest: has(MANIFEST_FILE),
                    name: release,
                });
            }
            releases.sort_by(|a, b| crate::version::compare(&a.name, &b.name));
            catalog.teams.insert(team, releases);
        }
        Ok(catalog)
    }

    /// The corpus (all manifests) of the snapshot.
    fn corpus(&mut self) -> Result<Corpus> {
        let catalog = self.catalog()?;
        let mut sources: Vec<ManifestSource> = Vec::new();
        let ids: Vec<PlanId> = catalog
            .all()
            .filter(|(_, release)| release.has_manifest)
            .map(|(id, _)| id)
            .collect();
        for id in ids {
            let path = self.path(&id, MANIFEST_FILE);
            let text = self
                .read(&path)
                .and_then(|t| t.ok_or_else(ReadProblem::missing));
            sources.push((id, path, text));
        }
        Ok(Corpus::build(catalog, sources, &self.config.shared))
    }

    fn path(&self, id: &PlanId, file: &str) -> String {
        format!(
            "{}/{}/{}/{file}",
            self.config.plans_dir, id.team, id.release
        )
    }
}

/// Which plan a repository path belongs to, and which of its files it is.
fn plan_file(plans_dir: &str, path: &str) -> Option<(PlanId, bool)> {
    let rest = path.strip_prefix(plans_dir)?.strip_prefix('/')?;
    let mut parts = rest.split('/');
    let (team, release, file) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !is_valid_name(team) || !is_valid_name(release) {
        return None;
    }
    match file {
        PLAN_FILE => Some((PlanId::new(team, release), true)),
        MANIFEST_FILE => Some((PlanId::new(team, release), false)),
        _ => None,
    }
}

/// How a plan's files changed.
#[derive(Default)]
struct Touched {
    plan: Option<(Change, Option<String>, Option<String>)>,
    manifest: bool,
}

fn label(revision: &str, commit: git2::Oid) -> String {
    let sha = commit.to_string();
    format!("{revision} ({})", &sha[..10])
}

pub fn run(workspace: &Workspace, base: &str, head: &str) -> Result<Review> {
    let repo = workspace.repo()?;
    let base_commit = repo.resolve_commit(base)?;
    let head_commit = repo.resolve_commit(head)?;
    let (base_label, head_label) = (label(base, base_commit), label(head, head_commit));
    let mut old = Snapshot::open(&repo, base_commit, base)?;
    let mut new = Snapshot::open(&repo, head_commit, head)?;
    let plans_dir = new.config.plans_dir.clone();
    let mut touched: BTreeMap<PlanId, Touched> = BTreeMap::new();
    let mut dirs = vec![plans_dir.clone()];
    if old.config.plans_dir != plans_dir {
        dirs.push(old.config.plans_dir.clone());
    }
    for dir in &dirs {
        for change in repo.changed_files(base_commit, head_commit, dir)? {
            let old_file = change
                .old_path
                .as_deref()
                .and_then(|p| plan_file(&old.config.plans_dir, p));
            let new_file = change
                .new_path
                .as_deref()
                .and_then(|p| plan_file(&new.config.plans_dir, p));
            // A rename is recorded under the plan it became; a plan moved away counts as deleted.
            match (old_file, new_file) {
                (_, Some((id, true))) => {
                    touched.entry(id).or_default().plan = Some((
                        change.change,
                        change.old_path.clone(),
                        change.new_path.clone(),
                    ));
                }
                (Some((id, true)), None) => {
                    touched.entry(id).or_default().plan =
                        Some((Change::Deleted, change.old_path.clone(), None));
                }
                (_, Some((id, false))) | (Some((id, false)), None) => {
                    touched.entry(id).or_default().manifest = true
                }
                _ => {}
            }
        }
    }
    let corpus = new.corpus()?;
    let mut plans = Vec::new();
    for (id, touched) in touched {
        plans.push(review_plan(
            &mut old,
            &mut new,
            &corpus,
            id,
            touched,
            &base_label,
            &head_label,
        )?);
    }
    Ok(Review {
        base: base_label,
        head: head_label,
        plans,
    })
}

#[allow(clippy::too_many_arguments)]
fn review_plan(
    old: &mut Snapshot<'_>,
    new: &mut Snapshot<'_>,
    corpus: &Corpus,
    id: PlanId,
    touched: Touched,
    base_label: &str,
    head_label: &str,
) -> Result<ReviewedPlan> {
    let head_path = new.path(&id, PLAN_FILE);
    let (change, old_path, new_path) = touched.plan.unwrap_or((
        Change::Modified,
        Some(old.path(&id, PLAN_FILE)),
        Some(head_path.clone()),
    ));
    let read = |snapshot: &mut Snapshot<'_>, path: &Option<String>| -> Result<Option<String>> {
        match path {
            Some(path) => snapshot
                .read(path)
                .map_err(|p| Error::msg(format!("{path} {}; {}", p.message, p.help))),
            None => Ok(None),
        }
    };
    let base_text = read(old, &old_path)?;
    let head_text = read(new, &new_path)?;
    let base_manifest = old
        .read(&old.path(&id, MANIFEST_FILE))
        .ok()
        .flatten()
        .map(|text| Manifest::parse(&text, &id));
    let head_manifest = corpus.manifest(&id);
    let base_plan = base_text
        .as_deref()
        .map(|t| Plan::parse_front_matter(t, &id));
    let head_plan = head_text
        .as_deref()
        .map(|t| Plan::parse_front_matter(t, &id));
    let mut findings = Vec::new();
    if let (Some(text), Some(path)) = (head_text.as_deref(), new_path.as_deref()) {
        findings = corpus
            .check(&id, path, text, &new.path(&id, MANIFEST_FILE))
            .findings;
    }
    let version = |path: &Option<String>, text: &Option<String>, plan: &Option<Plan>| {
        Some((path.clone()?, text.clone()?, plan.clone()?))
    };
    let base_version = version(&old_path, &base_text, &base_plan);
    let head_version = version(&new_path, &head_text, &head_plan);
    fn as_version(v: &(String, String, Plan)) -> Version<'_> {
        Version {
            path: &v.0,
            text: &v.1,
            plan: &v.2,
        }
    }

    let plan_changed = base_text != head_text || change == Change::Renamed;
    if plan_changed {
        findings.extend(review::rules(
            base_version.as_ref().map(as_version).as_ref(),
            head_version.as_ref().map(as_version).as_ref(),
        ));
    }
    let old_label = format!("{id}@{base_label}");
    let new_label = format!("{id}@{head_label}");
    let diff = Some(PlanDiff::new(
        &Side {
            label: &old_label,
            text: base_text.as_deref().unwrap_or(""),
            manifest: base_manifest.as_ref(),
        },
        &Side {
            label: &new_label,
            text: head_text.as_deref().unwrap_or(""),
            manifest: head_manifest,
        },
    ));
    Ok(ReviewedPlan {
        path: new_path.clone().or(old_path.clone()).unwrap_or(head_path),
        renamed_from: (change == Change::Renamed).then_some(old_path).flatten(),
        manifest_changed: touched.manifest,
        change,
        diff,
        findings,
        id,
    })
}
