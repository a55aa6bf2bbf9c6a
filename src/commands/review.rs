//! `backout review`: the plans and manifests that changed between two revisions, each plan's
//! section diff, the check findings of its head version, and the review rules. Review
//! judges the whole repository: a manifest can break plans the change did not touch, so
//! every other plan the change could affect is checked at both revisions, and its new
//! findings are reported as caused by this change.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::baseline::ChangeGroup;
use crate::commands::manifest::Drift;
use crate::commands::pinned::{self, PinnedPlan, Unpinned};
use crate::corpus::Corpus;
use crate::diag::{Finding, Tally};
use crate::diff::{PlanDiff, Side};
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::names::{PlanId, is_valid_name};
use crate::plan::Plan;
use crate::repo::{Change, Repo};
use crate::review::{self, Version};
use crate::vocab::Focus;
use crate::workspace::{MANIFEST_FILE, PLAN_FILE, Workspace};

mod caused;
mod dirs;
mod drifted;
mod drills;
mod fork;
mod snapshot;

pub use drills::DrillEvidence;

use caused::{Impact, caused};
use fork::Fork;
use snapshot::Snapshot;

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

impl ReviewedPlan {
    /// A plan none of whose files the change touched, listed for the `findings` the change
    /// gave it.
    pub(crate) fn caused(id: PlanId, path: String, findings: Vec<Finding>) -> ReviewedPlan {
        ReviewedPlan {
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
        }
    }
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
    /// Drill records the change adds, edits or removes: evidence, not plan changes.
    pub drills: Vec<DrillEvidence>,
    /// Published plans at head whose commit this clone lacks.
    pub unpinned: Unpinned,
    /// What the reader should know about how the review was made (a base backout.toml
    /// that could not be used, a base version of a plan that could not be read).
    pub notes: Vec<Note>,
}

/// Something the reader of a review should know about how it was made.
#[derive(Debug, Clone)]
pub struct Note {
    /// A few words: the title of a GitHub annotation.
    pub title: &'static str,
    /// One sentence.
    pub text: String,
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

    /// How many plans the change touched.
    pub fn changed(&self) -> usize {
        self.plans.iter().filter(|p| !p.caused_by_change).count()
    }

    /// How many plans it did not touch but gave new findings.
    pub fn caused(&self) -> usize {
        self.plans.iter().filter(|p| p.caused_by_change).count()
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

/// A file below a `plan.md` that is a directory (`plans/T/R/plan.md/notes.md`) as a change
/// of that plan.md, which `check` reports as a directory: the change is the plan's. `None`
/// for any other file.
fn under_plan_md(
    old_dir: &str,
    new_dir: &str,
    change: &crate::repo::FileChange,
) -> Option<crate::repo::FileChange> {
    let lift = |plans_dir: &str, path: &str| {
        let rest = path.strip_prefix(plans_dir)?.strip_prefix('/')?;
        let mut parts = rest.splitn(4, '/');
        let (team, release, file) = (parts.next()?, parts.next()?, parts.next()?);
        (file == PLAN_FILE && parts.next().is_some())
            .then(|| format!("{plans_dir}/{team}/{release}/{PLAN_FILE}"))
    };
    let old_path = change.old_path.as_deref().and_then(|p| lift(old_dir, p));
    let new_path = change.new_path.as_deref().and_then(|p| lift(new_dir, p));
    if old_path.is_none() && new_path.is_none() {
        return None;
    }
    let old_path = old_path.or_else(|| change.old_path.clone());
    let new_path = new_path.or_else(|| change.new_path.clone());
    // The plan moved into a directory of its own name: at the same path, a plan modified.
    let kind = if change.change == Change::Renamed && old_path == new_path {
        Change::Modified
    } else {
        change.change
    };
    Some(crate::repo::FileChange {
        change: kind,
        old_path,
        new_path,
    })
}

/// How a plan's files changed.
#[derive(Default)]
pub(super) struct Touched {
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
                let entry = touched.entry(old).or_default();
                entry.plan = Some(match entry.plan.take() {
                    // Added under another plans directory (`plans_dir` moved in this change):
                    // the same plan, moved.
                    Some(added) if added.change == Change::Added && gone.moved_to.is_none() => {
                        // At the same path: the file changed type (see below).
                        let merged = if change.old_path == added.head_path {
                            Change::Modified
                        } else {
                            Change::Renamed
                        };
                        file(merged, &change.old_path, &added.head_path, true)
                    }
                    _ => gone,
                });
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
                let entry = touched.entry(new).or_default();
                entry.plan = Some(match entry.plan.take() {
                    // Deleted from another plans directory (`plans_dir` moved in this
                    // change): the same plan, moved.
                    Some(gone)
                        if kind == Change::Added
                            && gone.change == Change::Deleted
                            && gone.moved_to.is_none() =>
                    {
                        // At the same path, the file changed type (a symlink or a directory
                        // replaced by a file, or the other way round): the plan was modified.
                        let merged = if gone.base_path == change.new_path {
                            Change::Modified
                        } else {
                            Change::Renamed
                        };
                        file(merged, &gone.base_path, &change.new_path, true)
                    }
                    _ => file(kind, &base, &change.new_path, false),
                });
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
    let mut new = Snapshot::open(&repo, head_commit, head)?;
    // A change that repairs a broken backout.toml must be reviewable: its base is read with
    // the head's.
    let (mut old, base_config) = Snapshot::open_or(&repo, base_commit, base, &new.config)?;
    // Manifest ids the work tree's cache holds by blob id: read, never written.
    let cache = crate::cache::Cache::open_to_read(workspace).map(std::sync::Arc::new);
    new.cache = cache.clone();
    old.cache = cache;
    let listings = std::rc::Rc::new(std::cell::RefCell::new(
        crate::cache::trees::Listings::open(workspace),
    ));
    new.listings = listings.clone();
    old.listings = listings.clone();
    let mut notes: Vec<Note> = base_config
        .map(|error| Note {
            title: "backout.toml at the base",
            text: format!(
                "the base's backout.toml cannot be used ({error}), so both revisions are read with the reviewed head's backout.toml"
            ),
        })
        .into_iter()
        .collect();
    let plans_dir = new.config.plans_dir.clone();
    let mut touched: BTreeMap<PlanId, Touched> = BTreeMap::new();
    let mut drills = Vec::new();
    let mut head_changes = Vec::new();
    let mut dirs = vec![plans_dir.clone()];
    if old.config.plans_dir != plans_dir {
        dirs.push(old.config.plans_dir.clone());
    }
    for dir in &dirs {
        for change in repo.changed_files(base_commit, head_commit, dir)? {
            let plan_change = under_plan_md(&old.config.plans_dir, &new.config.plans_dir, &change);
            let change = plan_change.as_ref().unwrap_or(&change);
            let old_file = change
                .old_path
                .as_deref()
                .and_then(|p| plan_file(&old.config.plans_dir, p));
            let new_file = change
                .new_path
                .as_deref()
                .and_then(|p| plan_file(&new.config.plans_dir, p));
            record(&mut touched, change, old_file, new_file);
            if dir == &plans_dir {
                drills.extend(drills::drill_evidence(&mut new, change));
                head_changes.push(change.clone());
            }
        }
    }
    let listing = new.listing()?;
    let focus = focus_on(&mut new, &touched);
    let mut corpus = new.corpus(&listing, focus)?;
    let drilled = drills.iter().map(|d| d.id.clone()).collect();
    let impact = Impact::of(&mut old, &mut new, &corpus, &touched, drilled)?;

    let touched_ids: HashSet<PlanId> = touched.keys().cloned().collect();
    let mut sides = Vec::with_capacity(touched.len());
    for (id, touched) in touched {
        sides.push(Sides::read(&mut old, &mut new, id, touched)?);
    }
    notes.extend(sides.iter().filter_map(|s| {
        s.base_unreadable.clone().map(|text| Note {
            title: "base version unreadable",
            text,
        })
    }));
    // Published plans at head are checked against the commits they were published from.
    let published: Vec<PinnedPlan> = sides.iter().filter_map(|s| s.pinned(&new)).collect();
    // Each manifest's blob at head, which only the check of published plans asks for.
    let current: HashMap<PlanId, git2::Oid> = match published.is_empty() {
        true => HashMap::new(),
        false => listing.manifests().collect(),
    };
    let (checked, unpinned) = pinned::check(&repo, &new.config, &mut corpus, &current, published)?;
    let mut pinned_findings: HashMap<PlanId, Vec<Finding>> = checked
        .into_iter()
        .map(|(plan, checked)| (plan.id, checked.findings))
        .collect();
    // `manifest-drift` at head: the release's range ends at the reviewed head, not HEAD.
    let head_config = new.config.clone();
    let head_end = Some((head_commit, head.to_string()));
    let mut drift = Drift::open(&repo, &head_config, corpus.catalog(), head_end).ok();
    let mut plans = Vec::new();
    for sides in sides {
        let findings = pinned_findings.remove(&sides.id);
        plans.push(review_plan(
            &repo,
            &mut old,
            &mut new,
            (&corpus, drift.as_mut()),
            sides,
            findings,
            &labels,
        )?);
    }
    plans.extend(dirs::bad_directories(&mut old, &mut new, &head_changes)?);
    plans.extend(caused(&mut old, &mut new, &corpus, &listing, &impact)?);
    let ends = (
        drifted::End {
            snapshot: &mut old,
            commit: base_commit,
            label: base,
        },
        drifted::End {
            snapshot: &mut new,
            commit: head_commit,
            label: head,
        },
    );
    let drifted = drifted::drifted(&repo, ends, (&corpus, &listing), &touched_ids)?;
    add_caused(&mut plans, drifted, &new);
    listings.take().save();
    crate::teardown::discard((corpus, listing, old, new));
    Ok(Review {
        base: labels.base,
        head: labels.head,
        plans,
        drills,
        unpinned,
        notes,
    })
}

/// The focus of the touched plans' texts at head, when there are few (as `check`'s): the
/// head's vocabulary is then built of only the ids they can name. A plan the change reaches
/// otherwise (through a manifest) is checked against the whole vocabulary, built when first
/// needed, so what is found is the same.
fn focus_on(new: &mut Snapshot<'_>, touched: &BTreeMap<PlanId, Touched>) -> Option<Focus> {
    if touched.len() > crate::commands::check::FOCUS_MAX {
        return None;
    }
    let texts: Vec<String> = touched
        .keys()
        .filter_map(|id| new.read(&new.path(id, PLAN_FILE)).ok().flatten())
        .collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    Focus::of_small(&texts)
}

/// Adds findings the change caused in untouched plans to those plans' entries, or lists
/// the plans as caused by the change; the caused plans stay in plan order.
fn add_caused(
    plans: &mut Vec<ReviewedPlan>,
    found: BTreeMap<PlanId, Vec<Finding>>,
    new: &Snapshot<'_>,
) {
    if found.is_empty() {
        return;
    }
    for (id, findings) in found {
        match plans.iter_mut().find(|p| p.caused_by_change && p.id == id) {
            Some(plan) => {
                plan.findings.extend(findings);
                crate::diag::sort(&mut plan.findings);
            }
            None => {
                let path = new.path(&id, PLAN_FILE);
                plans.push(ReviewedPlan::caused(id, path, findings));
            }
        }
    }
    let first_caused = plans
        .iter()
        .position(|p| p.caused_by_change)
        .unwrap_or(plans.len());
    plans[first_caused..].sort_by(|a, b| a.id.cmp(&b.id));
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
    /// Why the head version could not be read (a plan committed as a symlink, not UTF-8,
    /// too big): an `invalid-plan` finding of this plan, as `check` reports it, not a review
    /// that cannot run.
    head_unreadable: Option<Finding>,
    /// Why the base version could not be read: a note, not a review that cannot run (the
    /// change under review may be the one that repairs it).
    base_unreadable: Option<String>,
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
        let (base_text, base_unreadable) = match &plan.base_path {
            Some(path) => match old.read(path) {
                Ok(text) => (text, None),
                Err(problem) => (
                    None,
                    Some(format!(
                        "the base version of `{path}` cannot be read (it {}), so the change is not shown as a diff; its head version is checked as it is",
                        problem.message
                    )),
                ),
            },
            None => (None, None),
        };
        let (head_text, head_unreadable) = match &plan.head_path {
            Some(path) => match new.read(path) {
                Ok(text) => (text, None),
                Err(problem) => (None, Some(problem.finding(path))),
            },
            None => (None, None),
        };
        if touched.manifest && old.config.plans_dir != new.config.plans_dir {
            // Moved with the plans directory, as it was: not a change of the manifest.
            let base = read(old, &Some(old.path(&id, MANIFEST_FILE)))?;
            let head = read(new, &Some(new.path(&id, MANIFEST_FILE)))?;
            touched.manifest = base.is_none() || base != head;
        }
        Ok(Sides {
            id,
            touched,
            plan,
            base_text,
            head_text,
            head_unreadable,
            base_unreadable,
        })
    }

    /// The head version, when it is a published plan to check against its commit.
    fn pinned(&self, new: &Snapshot<'_>) -> Option<PinnedPlan> {
        let (text, path) = (self.head_text.as_ref()?, self.plan.head_path.as_ref()?);
        // The front matter is enough: the body is parsed when it is checked.
        let plan = Plan::parse_front_matter(text, &self.id);
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
    (corpus, drift): (&Corpus, Option<&mut Drift<'_>>),
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
        head_unreadable,
        base_unreadable: _,
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
    let head_plan = head_text
        .as_deref()
        .map(|t| Plan::parse_with(t, &id, corpus.sections()));
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
        let status = Some(parsed.status());
        if let Some(Ok(found)) = drift.map(|d| d.check(&id, status, corpus.manifest_source(&id))) {
            findings.extend(found);
            crate::diag::sort(&mut findings);
        }
    }
    // An unreadable head plan is there all the same: the entry is that plan's.
    let head_there = head_text.is_some() || head_unreadable.is_some();
    findings.extend(head_unreadable);
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
        // A plan that only moved with the plans directory (`plans_dir` changed) is the same
        // plan: its own base, the same text.
        plan_changed: change.is_some()
            && (base_text != head_text || (plan.change == Change::Renamed && !plan.own_base)),
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
    let has_plan = base_text.is_some() || head_there;
    let path = if has_plan {
        plan.head_path
            .clone()
            .filter(|_| head_there)
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

fn read(snapshot: &mut Snapshot<'_>, path: &Option<String>) -> Result<Option<String>> {
    match path {
        Some(path) => snapshot
            .read(path)
            .map_err(|p| Error::msg(format!("{path} {}; {}", p.message, p.help))),
        None => Ok(None),
    }
}
