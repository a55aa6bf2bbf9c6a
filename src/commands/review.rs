//! `backout review`: the plans and manifests that changed between two revisions, each plan's
//! section diff, the check findings of its head version, and the review rules.

use std::collections::{BTreeMap, HashMap};

use crate::commands::manifest::Drift;
use crate::config::{self, Config};
use crate::corpus::{Corpus, ManifestSource};
use crate::diag::{Finding, Rule, SourceFile, Tally};
use crate::diff::{PlanDiff, Side};
use crate::drill::{self, RecordFile};
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::names::{PlanId, is_valid_name};
use crate::plan::Plan;
use crate::repo::{Change, FSCK_HINT, Repo, TreeFiles};
use crate::review::{self, Version};
use crate::store::{self, ReadProblem};
use crate::workspace::{Catalog, MANIFEST_FILE, PLAN_FILE, Release, Workspace};

/// One plan whose plan.md or manifest.toml changed.
#[derive(Debug)]
pub struct ReviewedPlan {
    pub id: PlanId,
    /// How plan.md changed; `None` when only manifest.toml did.
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
    /// Drill records the change adds, edits or removes: evidence, not plan changes.
    pub drills: Vec<DrillEvidence>,
}

/// A drill record that changed between the two revisions.
#[derive(Debug)]
pub struct DrillEvidence {
    pub id: PlanId,
    pub path: String,
    pub change: Change,
    /// What the head version records, when it reads.
    pub summary: Option<drill::Summary>,
    /// Why the head version does not read (`invalid-plan`).
    pub findings: Vec<Finding>,
}

impl Review {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.plans
            .iter()
            .flat_map(|plan| plan.findings.iter())
            .chain(self.drills.iter().flat_map(|d| d.findings.iter()))
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
            Ok(Some(bytes)) if bytes.len() as u64 > store::MAX_FILE_BYTES => {
                Err(ReadProblem::too_big(
                    bytes.len() as u64,
                    "keep plans short enough to follow during an incident",
                ))
            }
            Ok(Some(bytes)) => store::decode(bytes).map(Some),
            Ok(None) => Ok(None),
            Err(error) => Err(ReadProblem {
                line: 1,
                message: format!("cannot be read from git: {}", error.what()),
                help: FSCK_HINT.into(),
            }),
        }
    }

    fn list(&mut self, path: &str) -> Result<Vec<(String, bool)>> {
        self.files
            .list(self.tree, path)
            .map_err(|e| Error::msg(format!("cannot list {path}: {}; {FSCK_HINT}", e.what())))
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
                // As in the work tree: only a directory with a plan or manifest is a release.
                if !has(PLAN_FILE) && !has(MANIFEST_FILE) {
                    continue;
                }
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
        let drills = self.drills(&catalog)?;
        let max_age = match self.config.drill_max_age {
            Some(age) => Some(drill::MaxAge {
                age,
                now: crate::clock::now()?,
            }),
            None => None,
        };
        let mut corpus = Corpus::build(catalog, sources, &self.config.shared)
            .with_sections(self.config.sections.clone());
        corpus.set_drills(drills, max_age);
        Ok(corpus)
    }

    /// The drill records of every release with a plan.
    fn drills(&mut self, catalog: &Catalog) -> Result<HashMap<PlanId, Vec<RecordFile>>> {
        let mut drills = HashMap::new();
        let ids: Vec<PlanId> = catalog
            .all()
            .filter(|(_, release)| release.has_plan)
            .map(|(id, _)| id)
            .collect();
        for id in ids {
            let dir = self.path(&id, drill::DIR);
            let mut records = Vec::new();
            for (name, is_dir) in self.list(&dir)? {
                if is_dir || !is_record_name(&name) {
                    continue;
                }
                let path = format!("{dir}/{name}");
                records.push(self.record(path));
            }
            if !records.is_empty() {
                drills.insert(id, records);
            }
        }
        Ok(drills)
    }

    /// The drill record at `path`.
    fn record(&mut self, path: String) -> RecordFile {
        match self.read(&path) {
            Ok(Some(text)) => RecordFile::read(path, text),
            Ok(None) => RecordFile {
                content: drill::Content::Unreadable(ReadProblem::missing().finding(&path)),
                path,
            },
            Err(problem) => RecordFile {
                content: drill::Content::Unreadable(problem.finding(&path)),
                path,
            },
        }
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

/// Whether a file in a drills directory is a record (not the state of a drill in progress).
fn is_record_name(name: &str) -> bool {
    name.ends_with(".toml") && !name.starts_with('.')
}

/// The release whose drill record `path` is.
fn drill_file(plans_dir: &str, path: &str) -> Option<PlanId> {
    let rest = path.strip_prefix(plans_dir)?.strip_prefix('/')?;
    let mut parts = rest.split('/');
    let (team, release, dir, name) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let valid = parts.next().is_none()
        && dir == drill::DIR
        && is_record_name(name)
        && is_valid_name(team)
        && is_valid_name(release);
    valid.then(|| PlanId::new(team, release))
}

/// A drill record the change touched, as evidence: what its head version records.
fn drill_evidence(
    new: &mut Snapshot<'_>,
    change: &crate::repo::FileChange,
) -> Option<DrillEvidence> {
    let plans_dir = new.config.plans_dir.clone();
    let (id, path) = match (&change.new_path, &change.old_path) {
        (Some(path), _) if change.change != Change::Deleted => {
            (drill_file(&plans_dir, path)?, path.clone())
        }
        (_, Some(path)) => (drill_file(&plans_dir, path)?, path.clone()),
        _ => return None,
    };
    let mut evidence = DrillEvidence {
        id,
        path: path.clone(),
        change: change.change,
        summary: None,
        findings: Vec::new(),
    };
    if change.change == Change::Deleted {
        return Some(evidence);
    }
    let record = new.record(path);
    match &record.content {
        drill::Content::Read {
            parsed: Ok(found), ..
        } => {
            evidence.summary = Some(drill::Summary::of(drill::Found {
                path: &record.path,
                record: found,
            }));
        }
        drill::Content::Read {
            text,
            parsed: Err(problems),
        } => {
            let file = SourceFile::new(&record.path, text);
            for problem in problems {
                let finding = file.finding(
                    Rule::InvalidPlan,
                    problem.span.clone(),
                    format!("drill record: {}", problem.message),
                );
                evidence.findings.push(match &problem.help {
                    Some(help) => finding.with_help(help.clone()),
                    None => finding,
                });
            }
        }
        drill::Content::Unreadable(finding) => evidence.findings.push(finding.clone()),
    }
    Some(evidence)
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
    let (base_label, head_label) = (label(base, base_commit), label(head, head_commit));
    let mut old = Snapshot::open(&repo, base_commit, base)?;
    let mut new = Snapshot::open(&repo, head_commit, head)?;
    let plans_dir = new.config.plans_dir.clone();
    let mut touched: BTreeMap<PlanId, Touched> = BTreeMap::new();
    let mut drills = Vec::new();
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
            if dir == &plans_dir {
                drills.extend(drill_evidence(&mut new, &change));
            }
        }
    }
    let corpus = new.corpus()?;
    // `manifest-drift` at head: the release's range ends at the reviewed head, not HEAD.
    let head_config = new.config.clone();
    let head_end = Some((head_commit, head.to_string()));
    let mut drift = Drift::open(&repo, &head_config, corpus.catalog(), head_end).ok();
    let mut plans = Vec::new();
    for (id, touched) in touched {
        plans.push(review_plan(
            &mut old,
            &mut new,
            (&corpus, drift.as_mut()),
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
        drills,
    })
}

#[allow(clippy::too_many_arguments)]
fn review_plan(
    old: &mut Snapshot<'_>,
    new: &mut Snapshot<'_>,
    (corpus, drift): (&Corpus, Option<&mut Drift<'_>>),
    id: PlanId,
    touched: Touched,
    base_label: &str,
    head_label: &str,
) -> Result<ReviewedPlan> {
    let change = touched.plan.as_ref().map(|p| p.change);
    // Only the manifest changed: both sides of the plan are where they always were.
    let plan = touched.plan.unwrap_or_else(|| PlanFile {
        change: Change::Modified,
        base_path: Some(old.path(&id, PLAN_FILE)),
        head_path: Some(new.path(&id, PLAN_FILE)),
        own_base: true,
        moved_to: None,
    });
    let base_text = read(old, &plan.base_path)?;
    let head_text = read(new, &plan.head_path)?;
    // The base side may be another release's plan (a rename across releases).
    let base_id = plan
        .base_path
        .as_deref()
        .and_then(|p| plan_file(&old.config.plans_dir, p))
        .map_or_else(|| id.clone(), |(base_id, _)| base_id);
    let base_plan = base_text
        .as_deref()
        .map(|t| Plan::parse_front_matter(t, &base_id));
    let head_plan = head_text
        .as_deref()
        .map(|t| Plan::parse_front_matter(t, &id));
    let mut findings = Vec::new();
    if let (Some(text), Some(path)) = (head_text.as_deref(), plan.head_path.as_deref()) {
        findings = corpus
            .check(&id, path, text, &new.path(&id, MANIFEST_FILE))
            .findings;
        let status = head_plan.as_ref().map(Plan::status);
        if let Some(Ok(found)) = drift.map(|d| d.check(&id, status, corpus.manifest_source(&id))) {
            findings.extend(found);
            crate::diag::sort(&mut findings);
        }
    }
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
    // A diff needs both sides: a new or deleted plan is shown whole by the pull request.
    let diff = match (&base_text, &head_text) {
        (Some(base_text), Some(head_text)) => {
            let base_manifest = old
                .read(&old.path(&base_id, MANIFEST_FILE))
                .ok()
                .flatten()
                .map(|text| Manifest::parse(&text, &base_id))
                .filter(Manifest::is_valid);
            let old_label = format!("{base_id}@{base_label}");
            let new_label = format!("{id}@{head_label}");
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
        has_plan,
        change,
        diff,
        findings,
        id,
    })
}

fn read(snapshot: &mut Snapshot<'_>, path: &Option<String>) -> Result<Option<String>> {
    match path {
        Some(path) => snapshot
            .read(path)
            .map_err(|p| Error::msg(format!("{path} {}; {}", p.message, p.help))),
        None => Ok(None),
    }
}
