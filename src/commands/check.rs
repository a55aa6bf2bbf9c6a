//! `backout check`: find the plans, read them in parallel, check each against the corpus.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::commands::pinned::{self, PinnedPlan, Unpinned};
use crate::corpus::{Checked, Corpus, Files, Listed};
use crate::diag::{Finding, Note, Suppressed, Tally};
use crate::drill;
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::names::{PlanId, PlanMap};
use crate::plan::{Plan, Status};
use crate::repo;
use crate::store;
use crate::store::stamp::FileStamp;
use crate::vocab::Focus;
use crate::workspace::{
    Catalog, MANIFEST_FILE, PLAN_FILE, PathTarget, Release, Workspace, is_spec_like,
};

/// What checking one plan found.
#[derive(Debug)]
pub struct PlanReport {
    pub id: PlanId,
    pub status: Option<Status>,
    /// `[baseline] from`.
    pub baseline: Option<String>,
    /// Number of manifest items, when the manifest could be read.
    pub items: Option<usize>,
    pub findings: Vec<Finding>,
    /// Findings silenced by `backout-ignore` comments: counted, never failing.
    pub suppressed: Vec<Suppressed>,
    /// The latest passing drill record, and the latest of any result.
    pub drills: Drills,
}

/// A plan's latest drills, as `list` shows them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Drills {
    pub passing: Option<drill::Summary>,
    pub last: Option<drill::Summary>,
}

impl Drills {
    fn of(files: &[drill::RecordFile]) -> Drills {
        Drills {
            passing: drill::latest(files, true).map(drill::Summary::of),
            last: drill::latest(files, false).map(drill::Summary::of),
        }
    }
}

impl PlanReport {
    pub fn tally(&self) -> Tally {
        Tally::of(&self.findings)
    }
}

/// What `check` found in every plan it looked at.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub plans: Vec<PlanReport>,
    /// Problems with directories that are not plans at all (bad names, escaping symlinks).
    pub problems: Vec<Finding>,
    /// Directories under a team that are not releases (no plan, no manifest).
    pub skipped: Vec<String>,
    /// Rules that did not run (for a plan, or at all), and why.
    pub notes: Vec<Note>,
    /// Published plans whose commit this clone lacks, checked without their content rules.
    pub unpinned: Unpinned,
}

impl CheckReport {
    /// Every finding, plan by plan, then the directory problems, moved out of the report
    /// (whose plans then hold none): a hostile plan can hold a million findings, which are
    /// not copied.
    pub fn take_findings(&mut self) -> Vec<Finding> {
        let count = self
            .plans
            .iter()
            .map(|plan| plan.findings.len())
            .sum::<usize>();
        let mut findings = Vec::with_capacity(count + self.problems.len());
        for plan in &mut self.plans {
            findings.append(&mut plan.findings);
        }
        findings.extend(self.problems.iter().cloned());
        findings
    }

    /// Every finding a `backout-ignore` comment silenced, plan by plan.
    pub fn suppressed(&self) -> Vec<Suppressed> {
        self.plans
            .iter()
            .flat_map(|plan| plan.suppressed.iter().cloned())
            .collect()
    }
}

/// Reads every manifest of the catalog (in parallel) and builds the corpus, its vocabulary
/// focused on `focus` when given (see `Corpus::from_listed`).
pub fn load_corpus(
    workspace: &Workspace,
    catalog: Catalog,
    focus: Option<Focus>,
) -> Result<Corpus> {
    let mut cache = crate::cache::Cache::open(workspace, &catalog);
    let corpus = load_corpus_with(workspace, catalog, cache.as_mut(), focus)?;
    if let Some(cache) = cache {
        cache.save(corpus.catalog());
    }
    Ok(corpus)
}

/// Builds the corpus of the work tree: each manifest's ids from `cache` where the file is
/// the one cached, else read (in parallel) and put into the cache. Manifests are read whole
/// again when a command needs them (see `Corpus`), and drill records when asked for.
pub fn load_corpus_with(
    workspace: &Workspace,
    catalog: Catalog,
    cache: Option<&mut crate::cache::Cache>,
    focus: Option<Focus>,
) -> Result<Corpus> {
    // Borrowed from the catalog, with their place in its order: a plan id is made only for
    // what the corpus keeps.
    let releases: Vec<(usize, &str, &Release)> = catalog
        .teams
        .iter()
        .flat_map(|(team, releases)| releases.iter().map(move |r| (team.as_str(), r)))
        .enumerate()
        .filter(|(_, (_, release))| release.has_manifest)
        .map(|(at, (team, release))| (at, team, release))
        .collect();
    // The git blob id of a manifest read is computed for the cache (review matches cached
    // ids by it); without a cache it is computed when asked for (`Corpus::blob_of`).
    let caching = cache.is_some();
    let cached = |id: &PlanId, stamp: &Option<FileStamp>| {
        let cache = cache.as_deref()?;
        cache.manifest(id, stamp.as_ref()?)
    };
    // Each manifest's ids, and the stamp of one read now (to be put in the cache).
    let listed: Vec<(Listed, Option<Box<FileStamp>>)> = releases
        .into_par_iter()
        .map(|(at, team, release)| {
            let id = PlanId::new(team, release.name.as_str());
            let stamp = release.stamps.manifest;
            if let Some(found) = cached(&id, &stamp) {
                let listed = Listed {
                    ids: Some(found.ids),
                    blob: found.blob,
                    entry: None,
                    at: Some(at),
                    id,
                };
                return (listed, None);
            }
            let text = store::read_listed(
                workspace.root(),
                &workspace.path(&id, MANIFEST_FILE),
                stamp.as_ref(),
            )
            .and_then(|text| text.ok_or_else(store::ReadProblem::missing));
            // Only the ids are kept: the manifest is read whole again when a plan's check
            // needs it (why one that cannot be read cannot, is said there too).
            let (ids, blob) = match &text {
                Ok(text) => (
                    Some(Manifest::ids(text, &id)),
                    (caching && stamp.is_some())
                        .then(|| repo::blob_id(text.as_bytes()).ok())
                        .flatten(),
                ),
                Err(_) => (None, None),
            };
            let listed = Listed {
                ids,
                blob,
                entry: None,
                at: Some(at),
                id,
            };
            (listed, stamp.map(Box::new))
        })
        .collect();
    if let Some(cache) = cache {
        for (manifest, stamp) in &listed {
            if let (Some(stamp), Some(ids)) = (stamp, &manifest.ids) {
                cache.put_manifest(&manifest.id, **stamp, ids.clone(), manifest.blob);
            }
        }
    }
    let listed = listed.into_iter().map(|(listed, _)| listed).collect();
    let files = WorkTree::of(workspace);
    let mut corpus = Corpus::from_listed(
        catalog,
        listed,
        &workspace.config.shared,
        Some(files),
        focus,
    )
    .with_sections(workspace.config.sections.clone());
    corpus.set_drill_max_age(crate::commands::drill::max_age(workspace)?);
    Ok(corpus)
}

/// The files of the work tree, for what a corpus reads when asked.
struct WorkTree {
    root: PathBuf,
    plans_dir: PathBuf,
    plans_display: String,
}

impl WorkTree {
    fn of(workspace: &Workspace) -> Box<WorkTree> {
        Box::new(WorkTree {
            root: workspace.root().to_path_buf(),
            plans_dir: workspace.plans_dir(),
            plans_display: workspace.config.plans_dir.clone(),
        })
    }

    fn path(&self, id: &PlanId, file: &str) -> PathBuf {
        crate::workspace::release_file(self.plans_dir.clone(), id, file)
    }
}

impl Files for WorkTree {
    fn manifest_path(&self, id: &PlanId) -> String {
        crate::workspace::display_path(&self.plans_display, id, MANIFEST_FILE)
    }

    fn manifest(
        &self,
        id: &PlanId,
        listed: Option<&FileStamp>,
    ) -> Result<Option<String>, store::ReadProblem> {
        store::read_listed(&self.root, &self.path(id, MANIFEST_FILE), listed)
    }

    fn drills(&self, id: &PlanId) -> Vec<drill::RecordFile> {
        let dir = self.path(id, drill::DIR);
        if crate::commands::drill::surely_absent(&self.root, &dir) {
            return Vec::new();
        }
        let display = crate::workspace::display_path(&self.plans_display, id, drill::DIR);
        crate::commands::drill::records_in(&self.root, &dir, &display)
    }
}

/// Resolves `check`'s arguments (specs or paths) to plans; none means every plan.
pub fn select(
    workspace: &Workspace,
    catalog: &Catalog,
    targets: &[String],
) -> Result<Option<Vec<PlanId>>> {
    Ok(select_with_teams(workspace, catalog, targets)?.map(|(plans, _)| plans))
}

/// Like `select`, with the teams named as a whole (by name or directory): their
/// directories that are not releases are reported too.
fn select_with_teams(
    workspace: &Workspace,
    catalog: &Catalog,
    targets: &[String],
) -> Result<Option<(Vec<PlanId>, Vec<String>)>> {
    if targets.is_empty() {
        return Ok(None);
    }
    let mut plans = Vec::new();
    let mut teams = Vec::new();
    for target in targets {
        // A team's name (that is not also a release name) checks all its plans.
        let is_team = !target.contains('/')
            && catalog.teams.contains_key(target.as_str())
            && !is_spec_like(target, catalog);
        let named = if is_team {
            PathTarget::Team(target.clone())
        } else if workspace.is_path_arg(target, catalog) {
            workspace.target_for_path(Path::new(target))?
        } else {
            PathTarget::Plan(workspace.resolve_text(target, catalog)?)
        };
        let id = match named {
            PathTarget::All => return Ok(None),
            PathTarget::Team(team) => {
                catalog.look_at_plans(Some(&team));
                let team_plans: Vec<PlanId> = catalog
                    .releases(&team)
                    .iter()
                    .filter(|r| r.has_plan())
                    .map(|r| PlanId::new(team.clone(), r.name.clone()))
                    .collect();
                if team_plans.is_empty() {
                    return Err(Error::msg(format!(
                        "team {team} has no plans yet; create one with `backout new {team}/<release>`"
                    )));
                }
                for id in team_plans {
                    if !plans.contains(&id) {
                        plans.push(id);
                    }
                }
                teams.push(team);
                continue;
            }
            PathTarget::Plan(id) => id,
        };
        if !catalog.release(&id).is_some_and(|r| r.has_plan()) {
            return Err(Error::msg(format!(
                "there is no plan at {}; create it with `backout new {id}`",
                workspace.display_path(&id, PLAN_FILE)
            )));
        }
        if !plans.contains(&id) {
            plans.push(id);
        }
    }
    Ok(Some((plans, teams)))
}

/// Checks the selected plans, or all of them.
pub fn run(workspace: &Workspace, targets: &[String]) -> Result<CheckReport> {
    // A check of every plan reads every plan's drill records.
    let catalog = match targets.is_empty() {
        true => workspace.catalog_with_drills()?,
        false => workspace.catalog()?,
    };
    let selection = select_with_teams(workspace, &catalog, targets)?;
    let (problems, skipped) = match &selection {
        None => (catalog.problems.clone(), catalog.skipped.clone()),
        Some((_, teams)) => {
            let prefixes: Vec<String> = teams
                .iter()
                .map(|team| format!("{}/{team}/", workspace.config.plans_dir))
                .collect();
            let in_teams = |path: &str| prefixes.iter().any(|p| path.starts_with(p.as_str()));
            (
                catalog
                    .problems
                    .iter()
                    .filter(|f| in_teams(&f.file))
                    .cloned()
                    .collect(),
                catalog
                    .skipped
                    .iter()
                    .filter(|dir| in_teams(&format!("{dir}/")))
                    .cloned()
                    .collect(),
            )
        }
    };
    let selection_given = selection.is_some();
    let plans: Vec<PlanId> = match selection {
        Some((plans, _)) => plans,
        None => {
            // Every plan, named by a path (`check plans`): looked at in parallel.
            catalog.look_at_plans(None);
            catalog
                .all()
                .filter(|(_, release)| release.has_plan())
                .map(|(id, _)| id)
                .collect()
        }
    };
    let focus = selection_given
        .then(|| focus_on(workspace, &catalog, &plans))
        .flatten();
    let mut corpus = load_corpus(workspace, catalog, focus)?;
    let checked = check_plans(workspace, &mut corpus, plans)?;
    crate::teardown::discard(corpus);
    Ok(CheckReport {
        plans: checked.plans,
        problems,
        skipped,
        notes: checked.notes,
        unpinned: checked.unpinned,
    })
}

/// A command about a few plans builds its vocabulary of only the ids their texts can hold;
/// about more, of every id (one pass over the manifests beats a filter per plan).
pub(crate) const FOCUS_MAX: usize = 16;

/// The focus of the texts of `plans` as they are now, when there are few of them. A text
/// that changes before it is checked, or cannot be read now, costs time, not correctness:
/// what the focus does not cover is checked against the whole vocabulary.
pub fn focus_on(workspace: &Workspace, catalog: &Catalog, plans: &[PlanId]) -> Option<Focus> {
    if plans.len() > FOCUS_MAX {
        return None;
    }
    let texts: Vec<String> = plans
        .iter()
        .filter_map(|id| {
            let listed = catalog.plan_stamp(id);
            store::read_listed(
                workspace.root(),
                &workspace.path(id, PLAN_FILE),
                listed.as_ref(),
            )
            .ok()
            .flatten()
        })
        .collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    Focus::of_small(&texts)
}

/// The plans checked, in the order asked, with the notes of rules that did not run.
pub struct Checks {
    pub plans: Vec<PlanReport>,
    pub notes: Vec<Note>,
    pub unpinned: Unpinned,
}

/// Checks plans of the work tree against the corpus, as `check` does: published plans
/// against the manifests of their commits, and `manifest-drift` where it runs.
pub fn check_plans(
    workspace: &Workspace,
    corpus: &mut Corpus,
    plans: Vec<PlanId>,
) -> Result<Checks> {
    let position: PlanMap<usize> = plans
        .iter()
        .enumerate()
        .map(|(i, id)| (id.clone(), i))
        .collect();
    let outcomes: Vec<Outcome> = plans
        .into_par_iter()
        .map(|id| check_one(workspace, corpus, id))
        .collect();
    let mut reports = Vec::with_capacity(outcomes.len());
    let mut published = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Checked(report) => reports.push(*report),
            Outcome::Pinned(plan) => published.push(*plan),
        }
    }
    let mut unpinned = Unpinned::default();
    if !published.is_empty() {
        let current = current_blobs(corpus)?;
        let repo = workspace.repo()?;
        let (checked, skipped) =
            pinned::check(&repo, &workspace.config, corpus, &current, published)?;
        unpinned = skipped;
        for (plan, checked) in checked {
            let items = corpus.manifest(&plan.id).map(|m| m.items.len());
            let drills = Drills::of(corpus.drills(&plan.id).files);
            reports.push(report(plan.id, checked, items, drills));
        }
        reports.sort_by_key(|r| position.get(&r.id).copied().unwrap_or(usize::MAX));
    }
    let notes = super::manifest::check_drift(workspace, corpus, &mut reports);
    Ok(Checks {
        plans: reports,
        notes,
        unpinned,
    })
}

/// The git blob id of each manifest of the corpus, to tell which ones a commit still holds.
pub fn current_blobs(corpus: &Corpus) -> Result<HashMap<PlanId, git2::Oid>> {
    let ids: Vec<PlanId> = corpus.catalog().all().map(|(id, _)| id).collect();
    Ok(ids
        .into_par_iter()
        .filter_map(|id| corpus.blob_of(&id).map(|blob| (id, blob)))
        .collect())
}

/// A plan checked, or a published plan to check against its commit.
pub enum Outcome {
    Checked(Box<PlanReport>),
    Pinned(Box<PinnedPlan>),
}

/// Reads and checks one plan of the work tree; a published plan is left for its commit.
pub fn check_one(workspace: &Workspace, corpus: &Corpus, id: PlanId) -> Outcome {
    let path = workspace.display_path(&id, PLAN_FILE);
    let manifest_path = workspace.display_path(&id, MANIFEST_FILE);
    let checked = |report: PlanReport| Outcome::Checked(Box::new(report));
    let listed = corpus.catalog().plan_stamp(&id);
    let read = store::read_listed(
        workspace.root(),
        &workspace.path(&id, PLAN_FILE),
        listed.as_ref(),
    );
    // Unread: the count of items of a plan that cannot be read, as before it was read.
    let items = || corpus.manifest(&id).map(|m| m.items.len());
    match read {
        Ok(Some(text)) => {
            // The front matter says whether the plan is published; only then is its body,
            // which is parsed when it is checked against its commit, not needed here.
            let mut plan = Plan::parse_front_matter(&text, &id);
            if let Some(commit) = pinned::commit_of(&plan) {
                return Outcome::Pinned(Box::new(PinnedPlan {
                    commit: commit.to_string(),
                    id,
                    path,
                    manifest_path,
                    text,
                    plan,
                }));
            }
            plan.parse_body_with(&text, corpus.sections());
            let drills = Drills::of(corpus.drills(&id).files);
            let result = corpus.check_parsed(&id, &path, &text, plan, &manifest_path);
            let items = result.items;
            checked(report(id, result, items, drills))
        }
        Ok(None) => {
            let items = items();
            checked(unreadable(id, &path, items, store::ReadProblem::missing()))
        }
        Err(problem) => {
            let items = items();
            checked(unreadable(id, &path, items, problem))
        }
    }
}

fn report(id: PlanId, checked: Checked, items: Option<usize>, drills: Drills) -> PlanReport {
    PlanReport {
        status: checked.plan.front.status.as_ref().map(|s| s.value),
        baseline: checked
            .plan
            .front
            .baseline
            .as_ref()
            .and_then(|b| b.from.as_ref())
            .map(|f| f.value.clone()),
        items,
        findings: checked.findings,
        suppressed: checked.suppressed,
        drills,
        id,
    }
}

fn unreadable(
    id: PlanId,
    path: &str,
    items: Option<usize>,
    problem: store::ReadProblem,
) -> PlanReport {
    let finding = problem.finding(path);
    PlanReport {
        id,
        status: None,
        baseline: None,
        items,
        findings: vec![finding],
        suppressed: Vec::new(),
        drills: Drills::default(),
    }
}
