//! Published plans are final: each is checked against the manifests as they were at its
//! `[published] commit`, read from git, so no later manifest of any team can turn it red.
//!
//! The commits' manifests join the corpus once: trees are walked once per object id (a
//! directory that did not change between two commits is the same tree), and a manifest is
//! read from git only when it differs from the corpus' own copy of that release's manifest.
//! Then each plan's ids are resolved at its commit: an id counts there when a manifest that
//! lists it is the one the commit holds.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::check::join_and;
use crate::config::{self, Config};
use crate::corpus::{Checked, Corpus, Pin, PinnedManifest};
use crate::diag::{Finding, Rule, SourceFile};
use crate::error::{Error, Result};
use crate::markdown::Body;
use crate::names::{PlanId, is_valid_name};
use crate::plan::{Plan, Status, is_commit_id};
use crate::repo::{FSCK_HINT, ObjectError, Repo, TreeFiles};
use crate::store::{self, ReadProblem};
use crate::tokens::ReleaseNames;
use crate::version;
use crate::workspace::{MANIFEST_FILE, PLAN_FILE};

/// A published plan, read and parsed, waiting to be checked against its commit.
pub struct PinnedPlan {
    pub id: PlanId,
    pub path: String,
    pub manifest_path: String,
    pub text: String,
    /// The plan; its body is parsed again when it is checked (the front matter is enough
    /// to know it is published).
    pub plan: Plan,
    /// `[published] commit`.
    pub commit: String,
}

/// The commit a plan's vocabulary is pinned to: `[published] commit` of a published plan.
/// A plan marked published by hand, without a commit, has nothing to pin to.
pub fn commit_of(plan: &Plan) -> Option<&str> {
    if plan.status() != Status::Published {
        return None;
    }
    let commit = &plan.front.published.as_ref()?.commit.as_ref()?.value;
    is_commit_id(commit).then_some(commit.as_str())
}

/// Published plans whose commit this clone lacks: their content rules were skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unpinned {
    pub plans: Vec<PlanId>,
    /// Whether the clone is shallow (the usual reason).
    pub shallow: bool,
}

impl Unpinned {
    /// One sentence saying what was skipped and how to fetch the history; `None` when
    /// every published plan was checked against its commit.
    pub fn note(&self) -> Option<String> {
        if self.plans.is_empty() {
            return None;
        }
        let mut names: Vec<String> = self.plans.iter().take(3).map(|p| p.to_string()).collect();
        if self.plans.len() > 3 {
            names.push(format!("{} more", self.plans.len() - 3));
        }
        let (count, verb) = match self.plans.len() {
            1 => ("1 published plan".to_string(), "was"),
            n => (format!("{n} published plans"), "were"),
        };
        let why = if self.shallow {
            "this is a shallow clone without the commits they were published from"
        } else {
            "the commits they were published from are not in this repository"
        };
        Some(format!(
            "{count} ({}) {verb} checked without the rules that compare a plan with the manifests (foreign-item, uncovered-item, irreversible-item, stale-version, foreign-release, and the manifest's own checks): {why}; fetch the full history (`git fetch --unshallow`; GitHub Actions: `actions/checkout` with `fetch-depth: 0`)",
            join_and(&names)
        ))
    }
}

/// Checks published plans against their commits; `current` gives the git blob id of each
/// of the corpus' own manifests (to tell which ones a commit still holds unchanged).
pub fn check(
    repo: &Repo,
    config: &Config,
    corpus: &mut Corpus,
    current: &HashMap<PlanId, git2::Oid>,
    mut plans: Vec<PinnedPlan>,
) -> Result<(Vec<(PinnedPlan, Checked)>, Unpinned)> {
    if plans.is_empty() {
        return Ok((Vec::new(), Unpinned::default()));
    }
    let mut files =
        TreeFiles::new(repo.git()).map_err(|e| Error::git("cannot read the object database", e))?;
    let mut commits: Vec<Commit> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for plan in &plans {
        if !index.contains_key(&plan.commit) {
            index.insert(plan.commit.clone(), commits.len());
            commits.push(Commit::open(repo, &mut files, config, &plan.commit));
        }
    }
    let known = History::walk(&mut files, &commits, corpus, current)?;
    let corpus = &*corpus;

    // Plans of one commit together, so a worker resolves each commit's trees once.
    plans.sort_by(|a, b| a.commit.cmp(&b.commit).then_with(|| a.id.cmp(&b.id)));
    let workers = rayon::current_num_threads().max(1) * 4;
    let chunk = plans.len().div_ceil(workers).max(1);
    let root = repo.root().to_path_buf();
    let context = Shared {
        commits: &commits,
        index: &index,
        known: &known,
        current,
        corpus,
    };
    let mut chunks: Vec<Vec<PinnedPlan>> = Vec::new();
    let mut rest = plans.into_iter().peekable();
    while rest.peek().is_some() {
        chunks.push(rest.by_ref().take(chunk).collect());
    }
    let checked: Vec<Result<Vec<(PinnedPlan, Checked)>>> = chunks
        .into_par_iter()
        .map(|chunk| context.check_chunk(&root, chunk))
        .collect();
    let mut out = Vec::new();
    let mut unpinned = Unpinned {
        plans: Vec::new(),
        shallow: repo.is_shallow(),
    };
    for chunk in checked {
        for (plan, checked) in chunk? {
            if index
                .get(&plan.commit)
                .and_then(|&i| commits.get(i))
                .is_none_or(|c| c.tree.is_none())
            {
                unpinned.plans.push(plan.id.clone());
            }
            out.push((plan, checked));
        }
    }
    unpinned.plans.sort();
    Ok((out, unpinned))
}

/// A commit plans were published from.
struct Commit {
    /// Its tree; `None` when this clone does not have the commit.
    tree: Option<git2::Oid>,
    /// `plans_dir` and `[check] shared` as its backout.toml said (the current ones when
    /// it had none that parses).
    plans_dir: String,
    shared: HashSet<String>,
}

impl Commit {
    fn open(repo: &Repo, files: &mut TreeFiles<'_>, current: &Config, id: &str) -> Commit {
        let tree = repo.tree_of_commit(id);
        // No backout.toml at the commit means the defaults; one that does not parse, the
        // current one.
        let config = match tree.map(|tree| files.read_path(tree, config::FILE_NAME)) {
            Some(Ok(None)) => Config::parse(config::FILE_NAME, "").ok(),
            Some(Ok(Some(bytes))) => String::from_utf8(bytes)
                .ok()
                .and_then(|text| Config::parse(config::FILE_NAME, &text).ok()),
            _ => None,
        }
        .unwrap_or_else(|| current.clone());
        Commit {
            tree,
            plans_dir: config.plans_dir,
            shared: config.shared.into_iter().collect(),
        }
    }

    fn path(&self, id: &PlanId, file: &str) -> String {
        crate::workspace::display_path(&self.plans_dir, id, file)
    }
}

/// Which manifest each (release, blob) of the commits is in the corpus, and the blob of
/// each historic vocabulary source.
struct History {
    manifests: HashMap<(PlanId, git2::Oid), PinnedManifest>,
    historic_blobs: HashMap<u32, git2::Oid>,
}

impl History {
    /// Finds every manifest of every commit, adding those the corpus does not hold.
    fn walk(
        files: &mut TreeFiles<'_>,
        commits: &[Commit],
        corpus: &mut Corpus,
        current: &HashMap<PlanId, git2::Oid>,
    ) -> Result<History> {
        let git = |e: ObjectError| e.while_("cannot read the history of the plans");
        let mut seen: HashSet<(String, git2::Oid)> = HashSet::new();
        let mut found: Vec<(PlanId, git2::Oid, String)> = Vec::new();
        for commit in commits {
            let Some(tree) = commit.tree else { continue };
            let dir = &commit.plans_dir;
            let Some(plans) = files.tree_at(tree, dir).map_err(git)? else {
                continue;
            };
            if !seen.insert((dir.clone(), plans)) {
                continue;
            }
            for (team, team_tree, is_dir) in files.entries(plans).map_err(git)? {
                if !is_dir || !is_valid_name(&team) || !seen.insert((team.clone(), team_tree)) {
                    continue;
                }
                for (release, release_tree, is_dir) in files.entries(team_tree).map_err(git)? {
                    let key = (format!("{team}/{release}"), release_tree);
                    if !is_dir || !is_valid_name(&release) || !seen.insert(key) {
                        continue;
                    }
                    if let Some(blob) = files.file_in(release_tree, MANIFEST_FILE).map_err(git)? {
                        let id = PlanId::new(team.clone(), release);
                        let path = commit.path(&id, MANIFEST_FILE);
                        found.push((id, blob, path));
                    }
                }
            }
        }
        let mut history = History {
            manifests: HashMap::new(),
            historic_blobs: HashMap::new(),
        };
        for (id, blob, path) in found {
            let key = (id.clone(), blob);
            if history.manifests.contains_key(&key) {
                continue;
            }
            let manifest = if current.get(&id) == Some(&blob) {
                PinnedManifest::Current(id)
            } else {
                let text = read_blob(files, blob);
                let (index, source) = corpus.add_historic(id, path, text);
                if let Some(source) = source {
                    history.historic_blobs.insert(source, blob);
                }
                PinnedManifest::Historic(index)
            };
            history.manifests.insert(key, manifest);
        }
        Ok(history)
    }
}

/// A file of a commit as text, with the limits plan files have.
fn read_blob(files: &TreeFiles<'_>, blob: git2::Oid) -> Result<String, ReadProblem> {
    match files.read(blob) {
        Ok(bytes) if bytes.len() as u64 > store::MAX_FILE_BYTES => Err(ReadProblem::too_big(
            bytes.len() as u64,
            "keep manifests small enough to read at a glance",
        )),
        Ok(bytes) => store::decode(bytes),
        Err(error) => Err(ReadProblem {
            line: 1,
            message: format!("cannot be read from git: {}", error.what()),
            help: FSCK_HINT.into(),
        }),
    }
}

/// What every worker reads.
struct Shared<'a> {
    commits: &'a [Commit],
    index: &'a HashMap<String, usize>,
    known: &'a History,
    current: &'a HashMap<PlanId, git2::Oid>,
    corpus: &'a Corpus,
}

/// A team's releases at one commit.
struct TeamAt {
    /// The team's directory there.
    tree: Option<git2::Oid>,
    /// Release names in version order.
    names: Vec<String>,
    release_names: Arc<ReleaseNames>,
}

impl Shared<'_> {
    fn check_chunk(
        &self,
        root: &Path,
        chunk: Vec<PinnedPlan>,
    ) -> Result<Vec<(PinnedPlan, Checked)>> {
        let repo = Repo::discover(root)?;
        let mut files = TreeFiles::new(repo.git())
            .map_err(|e| Error::git("cannot read the object database", e))?;
        let mut worker = Worker {
            files: &mut files,
            blobs: HashMap::new(),
            teams: HashMap::new(),
        };
        let mut out = Vec::with_capacity(chunk.len());
        for mut plan in chunk {
            plan.plan
                .parse_body_with(&plan.text, self.corpus.sections());
            let commit_index = self.index.get(&plan.commit).copied().unwrap_or(0);
            let mut checked = match self.commits.get(commit_index) {
                Some(commit) if commit.tree.is_some() => {
                    self.check_one(&mut worker, commit_index, commit, &mut plan)?
                }
                _ => {
                    let parsed = std::mem::take(&mut plan.plan);
                    self.corpus
                        .check_unpinned(&plan.id, &plan.path, &plan.text, parsed)
                }
            };
            // Thousands of plans may be published: keep what the reports need, not every
            // text and parse.
            checked.plan.body = Body::default();
            plan.text = String::new();
            out.push((plan, checked));
        }
        Ok(out)
    }

    fn check_one(
        &self,
        worker: &mut Worker<'_, '_>,
        at: usize,
        commit: &Commit,
        plan: &mut PinnedPlan,
    ) -> Result<Checked> {
        let mut live = Vec::new();
        for source in self.corpus.candidate_sources(&plan.text, &plan.plan) {
            let Some(release) = self.corpus.release_of(source) else {
                continue;
            };
            let blob = if self.corpus.source_of(release) == Some(source) {
                self.current.get(release)
            } else {
                self.known.historic_blobs.get(&source)
            };
            if blob.is_some() && worker.blob(at, commit, release)?.as_ref() == blob {
                live.push(source);
            }
        }
        live.sort_unstable();
        let manifest = match worker.blob(at, commit, &plan.id)? {
            Some(blob) => self
                .known
                .manifests
                .get(&(plan.id.clone(), blob))
                .cloned()
                .unwrap_or(PinnedManifest::Missing),
            None => PinnedManifest::Missing,
        };
        let (release_names, previous) = worker.team(at, commit, &plan.id)?;
        let missing = matches!(manifest, PinnedManifest::Missing)
            .then(|| missing_at_commit(plan, &commit.path(&plan.id, MANIFEST_FILE)));
        let pin = Pin {
            live: &live,
            manifest,
            release_names: &release_names,
            previous: previous.as_deref(),
            shared: &commit.shared,
            missing,
        };
        let parsed = std::mem::take(&mut plan.plan);
        Ok(self.corpus.check_pinned(
            &plan.id,
            &plan.path,
            &plan.text,
            parsed,
            &plan.manifest_path,
            &pin,
        ))
    }
}

/// One worker's view of the history, with what it already looked up.
struct Worker<'f, 'r> {
    files: &'f mut TreeFiles<'r>,
    /// The manifest blob of a release at a commit.
    blobs: HashMap<(usize, PlanId), Option<git2::Oid>>,
    teams: HashMap<(usize, String), TeamAt>,
}

impl Worker<'_, '_> {
    fn blob(&mut self, at: usize, commit: &Commit, id: &PlanId) -> Result<Option<git2::Oid>> {
        let key = (at, id.clone());
        if let Some(blob) = self.blobs.get(&key) {
            return Ok(*blob);
        }
        let blob = match commit.tree {
            Some(tree) => self
                .files
                .find(tree, &commit.path(id, MANIFEST_FILE))
                .map_err(|e: ObjectError| e.while_("cannot read the history of the plans"))?,
            None => None,
        };
        self.blobs.insert(key, blob);
        Ok(blob)
    }

    /// The release names of the plan's team at the commit, and the greatest release below
    /// the plan's that had a plan there.
    fn team(
        &mut self,
        at: usize,
        commit: &Commit,
        id: &PlanId,
    ) -> Result<(Arc<ReleaseNames>, Option<String>)> {
        let git = |e: ObjectError| e.while_("cannot read the history of the plans");
        let key = (at, id.team.clone());
        if !self.teams.contains_key(&key) {
            let dir = format!("{}/{}", commit.plans_dir, id.team);
            let tree = match commit.tree {
                Some(root) => self.files.tree_at(root, &dir).map_err(git)?,
                None => None,
            };
            let mut names: Vec<String> = match tree {
                Some(tree) => self
                    .files
                    .entries(tree)
                    .map_err(git)?
                    .into_iter()
                    .filter(|(name, _, is_dir)| *is_dir && is_valid_name(name))
                    .map(|(name, _, _)| name)
                    .collect(),
                None => Vec::new(),
            };
            names.sort_by(|a, b| version::compare(a, b));
            let release_names = Arc::new(ReleaseNames::new(names.clone()));
            let team = TeamAt {
                tree,
                names,
                release_names,
            };
            self.teams.insert(key.clone(), team);
        }
        let Worker { files, teams, .. } = self;
        let Some(team) = teams.get(&key) else {
            return Ok((Arc::new(ReleaseNames::new(Vec::new())), None));
        };
        let release_names = Arc::clone(&team.release_names);
        let Some(tree) = team.tree else {
            return Ok((release_names, None));
        };
        let below = team
            .names
            .partition_point(|name| version::compare(name, &id.release).is_lt());
        // Usually the release just below has a plan: walk down until one does.
        for name in team.names[..below].iter().rev() {
            if files
                .find(tree, &format!("{name}/{PLAN_FILE}"))
                .map_err(git)?
                .is_some()
            {
                return Ok((release_names, Some(name.clone())));
            }
        }
        Ok((release_names, None))
    }
}

/// The finding of a published plan whose commit holds no manifest of its release: the plan
/// was not there when it was published. Copied with `cp` from another release's published
/// plan, it kept that plan's stamp; or it was moved since.
fn missing_at_commit(plan: &PinnedPlan, manifest_at_commit: &str) -> Finding {
    let span = plan
        .plan
        .front
        .published
        .as_ref()
        .and_then(|published| published.commit.as_ref())
        .map_or(0..0, |commit| commit.span.clone());
    let short = &plan.commit[..plan.commit.len().min(10)];
    SourceFile::new(&plan.path, &plan.text)
        .finding(
            Rule::InvalidPlan,
            span,
            format!(
                "the plan says it was published from commit {short}, which has no {manifest_at_commit}: the plan was copied or moved here after it was published"
            ),
        )
        .with_help(
            "a copy of another release's plan is a new draft: set `status = \"draft\"` and remove the [published] table (`backout baseline` makes such copies for you); a published plan itself must stay where it was published",
        )
}
