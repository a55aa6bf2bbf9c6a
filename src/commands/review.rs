//! `backout review`: the plans and manifests that changed between two revisions, each plan's
//! section diff, the check findings of its head version, and the review rules. Review
//! judges the whole repository: a manifest can break plans the change did not touch, so
//! every other plan the change could affect is checked at both revisions, and its new
//! findings are reported as caused by this change.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;

use crate::baseline::{self, ChangeGroup};
use crate::commands::pinned::{self, PinnedPlan, Unpinned};
use crate::config::{self, Config};
use crate::corpus::{Corpus, ManifestSource};
use crate::diag::{Finding, Tally};
use crate::diff::{PlanDiff, Side};
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::names::{PlanId, Spec, is_valid_name};
use crate::plan::Plan;
use crate::repo::{Change, Repo, TreeFiles};
use crate::review::{self, Version};
use crate::store::{self, ReadProblem};
use crate::vocab::Vocabulary;
use crate::workspace::{Catalog, MANIFEST_FILE, PLAN_FILE, Release, Workspace};

/// One plan whose plan.md or manifest.toml changed, or whose findings the change changed.
#[derive(Debug)]
pub struct ReviewedPlan {
    pub id: PlanId,
    /// How plan.md changed; `None` when only manifest.toml did, or nothing did.
    pub change: Option<Change>,
    /// Whether the release has a plan on either side (a release can have only a manifest).
    pub has_plan: bool,
    /// The plan's path at head (at base when deleted).
    pub path: String,
    /// The path at base, when git sees the plan as renamed.
    pub renamed_from: Option<String>,
    /// Where a deleted plan went, when git sees it renamed into another release.
    pub moved_to: Option<String>,
    /// Whether manifest.toml changed.
    pub manifest_changed: bool,
    /// Whether none of the release's files changed: the plan is listed because the change
    /// gave it findings it did not have (another release's manifest, say), and `findings`
    /// holds only those.
    pub caused_by_change: bool,
    /// The section diff from the base version to the head version; for a new plan forked
    /// with `backout baseline`, from the plan it was forked from.
    pub diff: Option<PlanDiff>,
    /// For a new plan forked with `backout baseline`: what must still change.
    pub fork: Option<ForkReview>,
    /// Check findings of the head version, then the review rules.
    pub findings: Vec<Finding>,
}

/// A new plan compared with the plan it was forked from.
#[derive(Debug)]
pub struct ForkReview {
    /// `[baseline] from`.
    pub from: PlanId,
    /// Where its text was read: the plan at `[baseline] commit` when this clone has that
    /// commit, else at head.
    pub source: String,
    /// What must change, place by place, as `backout baseline` prints it.
    pub changes: Vec<ChangeGroup>,
}

/// What `review` found.
#[derive(Debug)]
pub struct Review {
    /// `origin/main (1a2b3c4d5e)`.
    pub base: String,
    pub head: String,
    /// The changed plans, then the plans with findings caused by the change.
    pub plans: Vec<ReviewedPlan>,
    /// Published plans at head whose commit this clone lacks.
    pub unpinned: Unpinned,
}

impl Review {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.plans.iter().flat_map(|plan| plan.findings.iter())
    }

    pub fn tally(&self) -> Tally {
        Tally::of(self.findings())
    }

    /// How many plans the change touched.
    pub fn changed(&self) -> usize {
        self.plans.iter().filter(|p| !p.caused_by_change).count()
    }

    /// How many plans it did not touch but gave new findings.
    pub fn caused(&self) -> usize {
        self.plans.iter().filter(|p| p.caused_by_change).count()
    }
}

/// A repository state at one commit: its backout.toml and files, read from git.
struct Snapshot<'r> {
    files: TreeFiles<'r>,
    tree: git2::Oid,
    config: Config,
    /// The blob of backout.toml, to tell whether it changed.
    config_blob: Option<git2::Oid>,
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
            config_blob: None,
        };
        snapshot.config_blob = snapshot
            .files
            .find(tree, config::FILE_NAME)
            .map_err(|e| Error::git(format!("cannot read {} at {label}", config::FILE_NAME), e))?;
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
        match self.files.find(self.tree, path) {
            Ok(Some(blob)) => self.read_blob(blob).map(Some),
            Ok(None) => Ok(None),
            Err(error) => Err(git_problem(&error)),
        }
    }

    fn read_blob(&self, blob: git2::Oid) -> Result<String, ReadProblem> {
        match self.files.read(blob) {
            Ok(bytes) if bytes.len() as u64 > store::MAX_FILE_BYTES => Err(ReadProblem {
                line: 1,
                message: "is larger than 8 MB".into(),
                help: "keep plans short enough to follow during an incident".into(),
            }),
            Ok(bytes) => store::decode(bytes),
            Err(error) => Err(git_problem(&error)),
        }
    }

    /// Every team and release directory of the snapshot, with the blobs of their files.
    fn listing(&mut self) -> Result<Listing> {
        let git = |e| Error::git("cannot list the plans at a revision", e);
        let mut listing = Listing::default();
        let Some(plans) = self
            .files
            .tree_at(self.tree, &self.config.plans_dir)
            .map_err(git)?
        else {
            return Ok(listing);
        };
        for (team, team_tree, is_dir) in self.files.entries(plans).map_err(git)? {
            if !is_dir || !is_valid_name(&team) {
                continue;
            }
            let releases = self.releases(team_tree)?;
            listing.teams.insert(team, releases);
        }
        Ok(listing)
    }

    /// The release directories of a team's directory, in version order.
    fn releases(&mut self, team_tree: git2::Oid) -> Result<Vec<ListedRelease>> {
        let git = |e| Error::git("cannot list the plans at a revision", e);
        let mut releases = Vec::new();
        for (name, tree, is_dir) in self.files.entries(team_tree).map_err(git)? {
            if !is_dir || !is_valid_name(&name) {
                continue;
            }
            let mut release = ListedRelease {
                name,
                plan: None,
                manifest: None,
            };
            for (file, blob, is_dir) in self.files.entries(tree).map_err(git)? {
                match file.as_str() {
                    PLAN_FILE if !is_dir => release.plan = Some(blob),
                    MANIFEST_FILE if !is_dir => release.manifest = Some(blob),
                    _ => {}
                }
            }
            releases.push(release);
        }
        releases.sort_by(|a, b| crate::version::compare(&a.name, &b.name));
        Ok(releases)
    }

    /// The releases of one team, in version order (none when it has no directory).
    fn team(&mut self, team: &str) -> Result<Vec<ListedRelease>> {
        let dir = format!("{}/{team}", self.config.plans_dir);
        match self
            .files
            .tree_at(self.tree, &dir)
            .map_err(|e| Error::git("cannot list the plans at a revision", e))?
        {
            Some(tree) => self.releases(tree),
            None => Ok(Vec::new()),
        }
    }

    /// The corpus (all manifests) of the snapshot.
    fn corpus(&self, listing: &Listing) -> Corpus {
        let sources: Vec<ManifestSource> = listing
            .manifests()
            .map(|(id, blob)| {
                let path = self.path(&id, MANIFEST_FILE);
                let text = self.read_blob(blob);
                (id, path, text)
            })
            .collect();
        Corpus::build(listing.catalog(), sources, &self.config.shared)
    }

    fn path(&self, id: &PlanId, file: &str) -> String {
        format!(
            "{}/{}/{}/{file}",
            self.config.plans_dir, id.team, id.release
        )
    }
}

fn git_problem(error: &git2::Error) -> ReadProblem {
    ReadProblem {
        line: 1,
        message: format!("cannot be read from git: {}", error.message()),
        help: "check the repository with `git fsck`".into(),
    }
}

/// The release directories of a snapshot and the blobs of their files.
#[derive(Default)]
struct Listing {
    teams: BTreeMap<String, Vec<ListedRelease>>,
}

struct ListedRelease {
    name: String,
    plan: Option<git2::Oid>,
    manifest: Option<git2::Oid>,
}

impl Listing {
    fn catalog(&self) -> Catalog {
        let mut catalog = Catalog::default();
        for (team, releases) in &self.teams {
            catalog.teams.insert(team.clone(), releases_of(releases));
        }
        catalog
    }

    fn all(&self) -> impl Iterator<Item = (PlanId, &ListedRelease)> {
        self.teams.iter().flat_map(|(team, releases)| {
            releases
                .iter()
                .map(move |release| (PlanId::new(team.clone(), release.name.clone()), release))
        })
    }

    fn manifests(&self) -> impl Iterator<Item = (PlanId, git2::Oid)> {
        self.all()
            .filter_map(|(id, release)| Some((id, release.manifest?)))
    }

    fn plans(&self) -> impl Iterator<Item = (PlanId, git2::Oid)> {
        self.all()
            .filter_map(|(id, release)| Some((id, release.plan?)))
    }

    fn release(&self, id: &PlanId) -> Option<&ListedRelease> {
        let releases = self.teams.get(&id.team)?;
        let at =
            releases.partition_point(|r| crate::version::compare(&r.name, &id.release).is_lt());
        releases.get(at).filter(|r| r.name == id.release)
    }
}

fn releases_of(listed: &[ListedRelease]) -> Vec<Release> {
    listed
        .iter()
        .map(|release| Release {
            name: release.name.clone(),
            has_plan: release.plan.is_some(),
            has_manifest: release.manifest.is_some(),
        })
        .collect()
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
    plan: Option<PlanFile>,
    manifest: bool,
}

/// How a plan.md changed, and where its two versions are.
struct PlanFile {
    change: Change,
    /// Where the base text is: the plan's own path, or, for a plan git sees as renamed from
    /// another release's, that release's plan.
    base_path: Option<String>,
    head_path: Option<String>,
    /// Whether `base_path` is the plan's own (so the base version is this plan's).
    own_base: bool,
    /// For a plan that git sees as renamed into another release: where it went.
    moved_to: Option<String>,
    /// Whether plan.md did not change at all (only the manifest did).
    manifest_only: bool,
}

/// Files one changed file under the plan(s) it belongs to. A plan that git sees renamed from
/// another release's directory is two changes: that release's plan went away (moved), and
/// this one is new, with the old text as the base of its diff.
fn record(
    touched: &mut BTreeMap<PlanId, Touched>,
    change: &crate::repo::FileChange,
    old_file: Option<(PlanId, bool)>,
    new_file: Option<(PlanId, bool)>,
) {
    for (id, is_plan) in [&old_file, &new_file].into_iter().flatten() {
        if !is_plan {
            touched.entry(id.clone()).or_default().manifest = true;
        }
    }
    let old_plan = old_file.filter(|(_, is_plan)| *is_plan).map(|(id, _)| id);
    let new_plan = new_file.filter(|(_, is_plan)| *is_plan).map(|(id, _)| id);
    let file =
        |change, base_path: &Option<String>, head_path: &Option<String>, own_base| PlanFile {
            change,
            base_path: base_path.clone(),
            head_path: head_path.clone(),
            own_base,
            moved_to: None,
            manifest_only: false,
        };
    match (old_plan, new_plan) {
        (Some(old), Some(new)) if old == new => {
            touched.entry(new).or_default().plan = Some(file(
                change.change,
                &change.old_path,
                &change.new_path,
                true,
            ));
        }
        (old, new) => {
            if let Some(old) = old {
                let mut gone = file(Change::Deleted, &change.old_path, &None, true);
                gone.moved_to = change.new_path.clone().filter(|_| new.is_some());
                touched.entry(old).or_default().plan = Some(gone);
            }
            if let Some(new) = new {
                let kind = if change.change == Change::Renamed {
                    Change::Renamed
                } else {
                    Change::Added
                };
                let base = if kind == Change::Renamed {
                    change.old_path.clone()
                } else {
                    None
                };
                touched.entry(new).or_default().plan =
                    Some(file(kind, &base, &change.new_path, false));
            }
        }
    }
}

fn label(revision: &str, commit: git2::Oid) -> String {
    let sha = commit.to_string();
    format!("{revision} ({})", &sha[..10])
}

pub fn run(workspace: &Workspace, base: &str, head: &str) -> Result<Review> {
    let repo = workspace.repo()?;
    let base_commit = repo.resolve_commit(base)?;
    let head_commit = repo.resolve_commit(head)?;
    let labels = Labels {
        base: label(base, base_commit),
        head: label(head, head_commit),
    };
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
            record(&mut touched, &change, old_file, new_file);
        }
    }
    let listing = new.listing()?;
    let mut corpus = new.corpus(&listing);
    let impact = Impact::of(&mut old, &mut new, &corpus, &touched)?;

    let mut sides = Vec::with_capacity(touched.len());
    for (id, touched) in touched {
        sides.push(Sides::read(&mut old, &mut new, id, touched)?);
    }
    // Published plans at head are checked against the commits they were published from.
    let published: Vec<PinnedPlan> = sides.iter().filter_map(|s| s.pinned(&new)).collect();
    let current: HashMap<PlanId, git2::Oid> = listing.manifests().collect();
    let (checked, unpinned) = pinned::check(&repo, &new.config, &mut corpus, &current, published)?;
    let mut pinned_findings: HashMap<PlanId, Vec<Finding>> = checked
        .into_iter()
        .map(|(plan, checked)| (plan.id, checked.findings))
        .collect();
    let mut plans = Vec::new();
    for sides in sides {
        let findings = pinned_findings.remove(&sides.id);
        plans.push(review_plan(
            &repo, &mut old, &mut new, &corpus, sides, findings, &labels,
        )?);
    }
    plans.extend(caused(&mut old, &mut new, &corpus, &listing, &impact)?);
    Ok(Review {
        base: labels.base,
        head: labels.head,
        plans,
        unpinned,
    })
}

/// How the two revisions are named in output.
struct Labels {
    base: String,
    head: String,
}

/// The two versions of one touched plan, as read.
struct Sides {
    id: PlanId,
    touched: Touched,
    plan: PlanFile,
    base_text: Option<String>,
    head_text: Option<String>,
}

impl Sides {
    fn read(
        old: &mut Snapshot<'_>,
        new: &mut Snapshot<'_>,
        id: PlanId,
        mut touched: Touched,
    ) -> Result<Sides> {
        // Only the manifest changed: both sides of the plan are where they always were.
        let plan = touched.plan.take().unwrap_or_else(|| PlanFile {
            change: Change::Modified,
            base_path: Some(old.path(&id, PLAN_FILE)),
            head_path: Some(new.path(&id, PLAN_FILE)),
            own_base: true,
            moved_to: None,
            manifest_only: true,
        });
        let base_text = read(old, &plan.base_path)?;
        let head_text = read(new, &plan.head_path)?;
        Ok(Sides {
            id,
            touched,
            plan,
            base_text,
            head_text,
        })
    }

    /// The head version, when it is a published plan to check against its commit.
    fn pinned(&self, new: &Snapshot<'_>) -> Option<PinnedPlan> {
        let (text, path) = (self.head_text.as_ref()?, self.plan.head_path.as_ref()?);
        let plan = Plan::parse(text, &self.id);
        let commit = pinned::commit_of(&plan)?.to_string();
        Some(PinnedPlan {
            id: self.id.clone(),
            path: path.clone(),
            manifest_path: new.path(&self.id, MANIFEST_FILE),
            text: text.clone(),
            plan,
            commit,
        })
    }
}

fn review_plan(
    repo: &Repo,
    old: &mut Snapshot<'_>,
    new: &mut Snapshot<'_>,
    corpus: &Corpus,
    sides: Sides,
    pinned_findings: Option<Vec<Finding>>,
    labels: &Labels,
) -> Result<ReviewedPlan> {
    let Sides {
        id,
        touched,
        plan,
        base_text,
        head_text,
    } = sides;
    let change = (!plan.manifest_only).then_some(plan.change);
    // The base side may be another release's plan (a rename across releases).
    let base_id = plan
        .base_path
        .as_deref()
        .and_then(|p| plan_file(&old.config.plans_dir, p))
        .map_or_else(|| id.clone(), |(base_id, _)| base_id);
    let base_plan = base_text
        .as_deref()
        .map(|t| Plan::parse_front_matter(t, &base_id));
    let head_plan = head_text.as_deref().map(|t| Plan::parse(t, &id));
    let mut findings = Vec::new();
    if let (Some(text), Some(path), Some(parsed)) =
        (head_text.as_deref(), plan.head_path.as_deref(), &head_plan)
    {
        findings = match pinned_findings {
            Some(findings) => findings,
            None => {
                corpus
                    .check_parsed(
                        &id,
                        path,
                        text,
                        parsed.clone(),
                        &new.path(&id, MANIFEST_FILE),
                    )
                    .findings
            }
        };
    }
    let check_findings = findings.clone();
    let version = |path: &Option<String>, text: &Option<String>, parsed: &Option<Plan>| {
        Some((path.clone()?, text.clone()?, parsed.clone()?))
    };
    let base_version = version(&plan.base_path, &base_text, &base_plan);
    let head_version = version(&plan.head_path, &head_text, &head_plan);
    fn as_version(v: &(String, String, Plan)) -> Version<'_> {
        Version {
            path: &v.0,
            text: &v.1,
            plan: &v.2,
        }
    }
    let manifest_path = if head_text.is_some() || plan.base_path.is_none() {
        new.path(&id, MANIFEST_FILE)
    } else {
        old.path(&id, MANIFEST_FILE)
    };
    findings.extend(review::rules(&review::PlanChange {
        base: base_version
            .as_ref()
            .filter(|_| plan.own_base)
            .map(as_version),
        head: head_version.as_ref().map(as_version),
        source_status: base_plan.as_ref().map(Plan::status),
        moved_to: plan.moved_to.as_deref(),
        plan_changed: change.is_some()
            && (base_text != head_text || plan.change == Change::Renamed),
        manifest_changed: touched.manifest.then_some(manifest_path.as_str()),
    }));
    let mut fork = None;
    let diff = match (&base_text, &head_text) {
        (Some(base_text), Some(head_text)) => {
            let base_manifest = old
                .read(&old.path(&base_id, MANIFEST_FILE))
                .ok()
                .flatten()
                .map(|text| Manifest::parse(&text, &base_id))
                .filter(Manifest::is_valid);
            let old_label = format!("{base_id}@{}", labels.base);
            let new_label = format!("{id}@{}", labels.head);
            Some(PlanDiff::new(
                &Side {
                    label: &old_label,
                    text: base_text,
                    manifest: base_manifest.as_ref(),
                },
                &Side {
                    label: &new_label,
                    text: head_text,
                    manifest: corpus.manifest(&id).filter(|m| m.is_valid()),
                },
            ))
        }
        // A new plan forked with `backout baseline` is compared with what it was forked
        // from; any other new or deleted plan is shown whole by the pull request.
        (None, Some(head_text)) => match (&head_plan, plan.head_path.as_deref()) {
            (Some(parsed), Some(path)) => {
                let forked = Fork {
                    id: &id,
                    path,
                    text: head_text,
                    plan: parsed,
                    findings: &check_findings,
                };
                forked
                    .review(repo, new, corpus, &labels.head)
                    .map(|(diff, review)| {
                        fork = Some(review);
                        diff
                    })
            }
            _ => None,
        },
        _ => None,
    };
    let has_plan = base_text.is_some() || head_text.is_some();
    let path = if has_plan {
        plan.head_path
            .clone()
            .filter(|_| head_text.is_some())
            .or(plan.base_path.clone())
            .unwrap_or_else(|| new.path(&id, PLAN_FILE))
    } else {
        manifest_path.clone()
    };
    Ok(ReviewedPlan {
        path,
        renamed_from: (plan.change == Change::Renamed)
            .then_some(plan.base_path)
            .flatten(),
        moved_to: plan.moved_to,
        manifest_changed: touched.manifest,
        caused_by_change: false,
        has_plan,
        change,
        diff,
        fork,
        findings,
        id,
    })
}

/// A new plan at head, to compare with the plan its `[baseline] from` names.
struct Fork<'a> {
    id: &'a PlanId,
    path: &'a str,
    text: &'a str,
    plan: &'a Plan,
    /// Its check findings.
    findings: &'a [Finding],
}

impl Fork<'_> {
    /// The diff against the source (as it was at `[baseline] commit` when this clone has
    /// that commit, else at head) and what must still change; `None` when the plan names
    /// no source, or the source cannot be found.
    fn review(
        &self,
        repo: &Repo,
        new: &mut Snapshot<'_>,
        corpus: &Corpus,
        head_label: &str,
    ) -> Option<(PlanDiff, ForkReview)> {
        let baseline = self.plan.front.baseline.as_ref()?;
        let spec = Spec::parse(&baseline.from.as_ref()?.value).ok()?;
        let from = PlanId::new(
            spec.team.unwrap_or_else(|| self.id.team.clone()),
            spec.release,
        );
        let plan_path = new.path(&from, PLAN_FILE);
        let manifest_path = new.path(&from, MANIFEST_FILE);
        let at_commit = baseline.commit.as_ref().and_then(|commit| {
            let tree = repo.tree_of_commit(&commit.value)?;
            let text = new.files.read_path(tree, &plan_path).ok()??;
            let text = store::decode(text).ok()?;
            let short = commit.value.get(..10).unwrap_or(&commit.value).to_string();
            Some((tree, text, short))
        });
        let (tree, source_text, at) = match at_commit {
            Some(found) => found,
            None => {
                let text = new.read(&plan_path).ok()??;
                (new.tree, text, head_label.to_string())
            }
        };
        let source_manifest = new
            .files
            .read_path(tree, &manifest_path)
            .ok()
            .flatten()
            .and_then(|bytes| store::decode(bytes).ok())
            .map(|text| Manifest::parse(&text, &from))
            .filter(Manifest::is_valid);
        let old_label = format!("{from}@{at}");
        let new_label = format!("{}@{head_label}", self.id);
        let diff = PlanDiff::new(
            &Side {
                label: &old_label,
                text: &source_text,
                manifest: source_manifest.as_ref(),
            },
            &Side {
                label: &new_label,
                text: self.text,
                manifest: corpus.manifest(self.id).filter(|m| m.is_valid()),
            },
        );
        let source = baseline::Forked {
            id: &from,
            text: &source_text,
        };
        let changes = baseline::changes(self.text, self.path, self.id, self.findings, Some(source));
        Some((
            diff,
            ForkReview {
                from,
                source: old_label,
                changes,
            },
        ))
    }
}

fn read(snapshot: &mut Snapshot<'_>, path: &Option<String>) -> Result<Option<String>> {
    match path {
        Some(path) => snapshot
            .read(path)
            .map_err(|p| Error::msg(format!("{path} {}; {}", p.message, p.help))),
        None => Ok(None),
    }
}

/// Which plans the change did not touch could still read differently: what changed in
/// the vocabulary, in the teams' release names, and in backout.toml.
struct Impact {
    /// backout.toml changed: every plan may read differently.
    everything: bool,
    /// Ids whose set of releases changed (added to or removed from a manifest).
    ids: Vocabulary,
    /// Release names that appeared or disappeared, by team.
    names: HashMap<String, Vec<String>>,
    /// Untouched plans whose previous release changed.
    previous: HashSet<PlanId>,
    /// The releases the change touched.
    touched: HashSet<PlanId>,
}

impl Impact {
    fn of(
        old: &mut Snapshot<'_>,
        new: &mut Snapshot<'_>,
        corpus: &Corpus,
        touched: &BTreeMap<PlanId, Touched>,
    ) -> Result<Impact> {
        let mut changed_ids: HashSet<String> = HashSet::new();
        let mut names: HashMap<String, Vec<String>> = HashMap::new();
        let mut teams_with_new_plans = HashSet::new();
        for (id, touched) in touched {
            if touched.manifest {
                let base_ids: HashSet<String> = old
                    .read(&old.path(id, MANIFEST_FILE))
                    .ok()
                    .flatten()
                    .map(|text| Manifest::parse(&text, id))
                    .map(|m| m.items.into_iter().map(|item| item.id).collect())
                    .unwrap_or_default();
                let head_ids: HashSet<String> = corpus
                    .manifest(id)
                    .map(|m| m.items.iter().map(|item| item.id.clone()).collect())
                    .unwrap_or_default();
                changed_ids.extend(base_ids.symmetric_difference(&head_ids).cloned());
            }
            let dir = |snapshot: &mut Snapshot<'_>| -> Result<(bool, bool)> {
                let path = format!("{}/{}/{}", snapshot.config.plans_dir, id.team, id.release);
                let git = |e| Error::git("cannot list the plans at a revision", e);
                let tree = snapshot.files.tree_at(snapshot.tree, &path).map_err(git)?;
                let has_plan = match tree {
                    Some(tree) => snapshot
                        .files
                        .file_in(tree, PLAN_FILE)
                        .map_err(git)?
                        .is_some(),
                    None => false,
                };
                Ok((tree.is_some(), has_plan))
            };
            let (base_dir, base_plan) = dir(old)?;
            let (head_dir, head_plan) = dir(new)?;
            if base_dir != head_dir {
                names
                    .entry(id.team.clone())
                    .or_default()
                    .push(id.release.clone());
            }
            if base_plan != head_plan {
                teams_with_new_plans.insert(id.team.clone());
            }
        }
        let mut previous = HashSet::new();
        for team in teams_with_new_plans {
            let catalog = |releases: Vec<ListedRelease>| {
                let mut catalog = Catalog::default();
                catalog.teams.insert(team.clone(), releases_of(&releases));
                catalog
            };
            let (before, after) = (catalog(old.team(&team)?), catalog(new.team(&team)?));
            for release in after.releases(&team) {
                let id = PlanId::new(team.clone(), release.name.clone());
                if release.has_plan && before.previous(&id) != after.previous(&id) {
                    previous.insert(id);
                }
            }
        }
        let mut ids = Vocabulary::builder();
        ids.add(PlanId::new("", ""), changed_ids.iter().map(String::as_str));
        Ok(Impact {
            everything: old.config_blob != new.config_blob,
            ids: ids.build(),
            names,
            previous,
            touched: touched.keys().cloned().collect(),
        })
    }

    /// Whether nothing outside the touched plans can read differently.
    fn is_none(&self) -> bool {
        !self.everything && self.ids.is_empty() && self.names.is_empty() && self.previous.is_empty()
    }

    /// Whether the untouched plan `id` with this text may have new findings. Errs towards
    /// yes: the text is searched whole, front matter and comments included.
    fn may_affect(&self, id: &PlanId, text: &str) -> bool {
        if self.touched.contains(id) {
            return false;
        }
        self.everything
            || self.previous.contains(id)
            || !self
                .ids
                .find(text, std::slice::from_ref(&(0..text.len())))
                .is_empty()
            || self
                .names
                .get(&id.team)
                .is_some_and(|names| names.iter().any(|name| text.contains(name.as_str())))
    }
}

/// The plans the change did not touch that have findings at head they did not have at base.
fn caused(
    old: &mut Snapshot<'_>,
    new: &mut Snapshot<'_>,
    corpus: &Corpus,
    listing: &Listing,
    impact: &Impact,
) -> Result<Vec<ReviewedPlan>> {
    if impact.is_none() {
        return Ok(Vec::new());
    }
    let mut suspects = Vec::new();
    for (id, blob) in listing.plans() {
        if impact.touched.contains(&id) {
            continue;
        }
        // An unreadable plan says so at both revisions: nothing new.
        let Ok(text) = new.read_blob(blob) else {
            continue;
        };
        if impact.may_affect(&id, &text) {
            suspects.push((id, text));
        }
    }
    if suspects.is_empty() {
        return Ok(Vec::new());
    }
    let base_listing = old.listing()?;
    let base_corpus = old.corpus(&base_listing);
    let (old_dir, new_dir) = (&old.config.plans_dir, &new.config.plans_dir);
    let at =
        |dir: &str, id: &PlanId, file: &str| format!("{dir}/{}/{}/{file}", id.team, id.release);
    let mut caused: Vec<ReviewedPlan> = suspects
        .into_par_iter()
        .filter_map(|(id, text)| {
            let plan = Plan::parse(&text, &id);
            // A published plan reads against its own commit, whatever changed since.
            if pinned::commit_of(&plan).is_some() {
                return None;
            }
            let path = at(new_dir, &id, PLAN_FILE);
            let base_path = at(old_dir, &id, PLAN_FILE);
            // A release at head whose directory base did not have is a touched one.
            base_listing.release(&id)?;
            let before = base_corpus.check_parsed(
                &id,
                &base_path,
                &text,
                plan.clone(),
                &at(old_dir, &id, MANIFEST_FILE),
            );
            let after =
                corpus.check_parsed(&id, &path, &text, plan, &at(new_dir, &id, MANIFEST_FILE));
            let findings = review::new_findings(&before.findings, after.findings);
            if findings.is_empty() {
                return None;
            }
            Some(ReviewedPlan {
                id,
                change: None,
                has_plan: true,
                path,
                renamed_from: None,
                moved_to: None,
                manifest_changed: false,
                caused_by_change: true,
                diff: None,
                fork: None,
                findings,
            })
        })
        .collect();
    caused.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(caused)
}
