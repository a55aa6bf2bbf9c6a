//! A repository state at one revision, read from git: its backout.toml, its release
//! directories with the blobs of their files, and its corpus.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use crate::cache::Cache;
use crate::cache::trees::Listings;
use crate::config::{self, Config};
use crate::corpus::{Corpus, Files, Listed, ManifestSource};
use crate::drill::{self, RecordFile};
use crate::error::{Error, Result};
use crate::names::{PlanId, PlanMap, is_valid_name};
use crate::repo::{FSCK_HINT, ObjectError, Repo, TreeFiles};
use crate::store::stamp::FileStamp;
use crate::store::{self, ReadProblem};
use crate::vocab::Focus;
use crate::workspace::{Catalog, MANIFEST_FILE, PLAN_FILE, Release};
use rayon::prelude::*;

use super::drills::is_record_name;

/// A repository state at one commit: its backout.toml and files, read from git.
pub(super) struct Snapshot<'r> {
    pub(super) files: TreeFiles<'r>,
    pub(super) tree: git2::Oid,
    pub(super) config: Config,
    /// The blob of backout.toml, to tell whether it changed.
    pub(super) config_blob: Option<git2::Oid>,
    /// The work tree's cache, for manifest ids by blob id (`corpus`).
    pub(super) cache: Option<Arc<Cache>>,
    /// Team directories listed before, by tree id (shared by both snapshots of a review).
    pub(super) listings: Rc<RefCell<Listings>>,
}

impl<'r> Snapshot<'r> {
    pub(super) fn open(repo: &'r Repo, commit: git2::Oid, label: &str) -> Result<Snapshot<'r>> {
        let mut snapshot = Snapshot::bare(repo, commit, label)?;
        snapshot.config = snapshot.read_config(label)?;
        Ok(snapshot)
    }

    /// Like `open`, but a backout.toml that cannot be read or does not parse gives way to
    /// `fallback`, with the reason: the base of a change that repairs it.
    pub(super) fn open_or(
        repo: &'r Repo,
        commit: git2::Oid,
        label: &str,
        fallback: &Config,
    ) -> Result<(Snapshot<'r>, Option<Error>)> {
        let mut snapshot = Snapshot::bare(repo, commit, label)?;
        match snapshot.read_config(label) {
            Ok(config) => {
                snapshot.config = config;
                Ok((snapshot, None))
            }
            Err(error) => {
                snapshot.config = fallback.clone();
                Ok((snapshot, Some(error)))
            }
        }
    }

    /// The snapshot with the default config, and the blob of its backout.toml.
    fn bare(repo: &'r Repo, commit: git2::Oid, label: &str) -> Result<Snapshot<'r>> {
        let files = TreeFiles::new(repo.git())
            .map_err(|e| Error::git("cannot read the object database", e))?;
        let tree = repo.commit_tree(commit)?;
        let mut snapshot = Snapshot {
            files,
            tree,
            config: Config::default(),
            config_blob: None,
            cache: None,
            listings: Rc::default(),
        };
        snapshot.config_blob = snapshot
            .files
            .find(tree, config::FILE_NAME)
            .map_err(|e| e.while_(&format!("cannot read {} at {label}", config::FILE_NAME)))?;
        Ok(snapshot)
    }

    /// The snapshot's backout.toml (the default without one).
    fn read_config(&mut self, label: &str) -> Result<Config> {
        let text = self.read(config::FILE_NAME).map_err(|p| {
            Error::msg(format!(
                "{} at {label} {}; {}",
                config::FILE_NAME,
                p.message,
                p.help
            ))
        })?;
        match text {
            Some(text) => Config::parse(&format!("{} at {label}", config::FILE_NAME), &text),
            None => Ok(Config::default()),
        }
    }

    pub(super) fn read(&mut self, path: &str) -> Result<Option<String>, ReadProblem> {
        match self.files.find(self.tree, path) {
            Ok(Some(blob)) => self.read_blob(blob).map(Some),
            // Committed as a symlink: not followed (as `check` does not follow one out of
            // the work tree), and said so rather than taken for a missing file.
            Ok(None) => match self.files.special_at(self.tree, path) {
                // As `check` says it of a directory in the work tree.
                Some(crate::repo::DIRECTORY) => Err(ReadProblem {
                    line: 1,
                    message: "is a directory in git, not a file".into(),
                    help: format!(
                        "move the directory away, and commit the plan as {}",
                        path.rsplit('/').next().unwrap_or(path)
                    ),
                }),
                Some(what) => Err(ReadProblem {
                    line: 1,
                    message: format!("is {what} in git, which backout does not follow"),
                    help: "commit the file itself instead".into(),
                }),
                None => Ok(None),
            },
            Err(error) => Err(git_problem(&error)),
        }
    }

    pub(super) fn read_blob(&self, blob: git2::Oid) -> Result<String, ReadProblem> {
        match self.files.read(blob) {
            Ok(bytes) if bytes.len() as u64 > store::MAX_FILE_BYTES => Err(ReadProblem::too_big(
                bytes.len() as u64,
                store::TOO_BIG_HELP,
            )),
            Ok(bytes) => store::decode(bytes),
            Err(error) => Err(git_problem(&error)),
        }
    }

    /// Every team and release directory of the snapshot, with the blobs of their files.
    pub(super) fn listing(&mut self) -> Result<Listing> {
        let git = |e: ObjectError| e.while_("cannot list the plans at a revision");
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
    pub(super) fn releases(&mut self, team_tree: git2::Oid) -> Result<Vec<ListedRelease>> {
        if let Some(releases) = self.listings.borrow_mut().get(team_tree) {
            return Ok(releases);
        }
        let git = |e: ObjectError| e.while_("cannot list the plans at a revision");
        let mut releases = Vec::new();
        for (name, tree, is_dir) in self.files.entries(team_tree).map_err(git)? {
            if !is_dir || !is_valid_name(&name) {
                continue;
            }
            let mut release = ListedRelease {
                name,
                plan: None,
                manifest: None,
                manifest_dir: false,
                drills: None,
            };
            for (file, blob, is_dir) in self.files.entries(tree).map_err(git)? {
                match file.as_str() {
                    PLAN_FILE if !is_dir => release.plan = Some(blob),
                    MANIFEST_FILE if !is_dir => release.manifest = Some(blob),
                    MANIFEST_FILE => release.manifest_dir = true,
                    drill::DIR if is_dir => release.drills = Some(blob),
                    _ => {}
                }
            }
            // As in the work tree: only a directory with a plan or manifest is a release.
            if release.plan.is_some() || release.manifest.is_some() || release.manifest_dir {
                releases.push(release);
            }
        }
        crate::version::sort_by_name(&mut releases, |release| &release.name);
        self.listings.borrow_mut().put(team_tree, &releases);
        Ok(releases)
    }

    /// The releases of one team, in version order (none when it has no directory).
    pub(super) fn team(&mut self, team: &str) -> Result<Vec<ListedRelease>> {
        let dir = format!("{}/{team}", self.config.plans_dir);
        match self
            .files
            .tree_at(self.tree, &dir)
            .map_err(|e: ObjectError| e.while_("cannot list the plans at a revision"))?
        {
            Some(tree) => self.releases(tree),
            None => Ok(Vec::new()),
        }
    }

    /// The corpus (all manifests, the drill records) of the snapshot. A manifest whose blob
    /// the work tree's cache knows (see `cache::Cache::manifest_ids`) joins the vocabulary
    /// with the cached ids, and is read from git only when a check needs it whole.
    /// The corpus of this revision; with a `focus` (the texts the review will check), its
    /// vocabulary holds only the ids they can name, and a text the focus does not cover is
    /// checked against the whole one, built then (see `Corpus::vocabulary_for`).
    pub(super) fn corpus(&self, listing: &Listing, focus: Option<Focus>) -> Result<Corpus> {
        let cache = self.cache.as_deref();
        // In the listing's order, as without a cache: the vocabulary numbers its sources so.
        let mut blobs = PlanMap::with_capacity_and_hasher(listing.len(), Default::default());
        let manifests: Vec<Manifest> = listing
            .manifests()
            .map(
                |(id, blob)| match cache.and_then(|cache| cache.manifest_ids(&id, blob)) {
                    Some(ids) => {
                        blobs.insert(id.clone(), blob);
                        Manifest::Known(Listed {
                            id,
                            ids: Some(ids),
                            blob: Some(blob),
                            entry: None,
                            at: None,
                        })
                    }
                    None => {
                        let text = self.read_blob(blob);
                        let path = self.path(&id, MANIFEST_FILE);
                        Manifest::Read((id, path, text))
                    }
                },
            )
            .collect();
        // A manifest.toml that is a directory: unreadable, as `check` says of it in the
        // work tree (not "missing").
        let manifests = manifests.into_iter().chain(
            listing
                .all()
                .filter(|(_, release)| release.manifest_dir)
                .map(|(team, release)| {
                    let id = id_of(team, release);
                    let path = self.path(&id, MANIFEST_FILE);
                    Manifest::Read((id, path, Err(ReadProblem::directory())))
                }),
        );
        let manifests: Vec<Manifest> = manifests.collect();
        let drills = self.drills(listing)?;
        let max_age = match self.config.drill_max_age {
            Some(age) => Some(drill::MaxAge {
                age,
                now: crate::clock::now()?,
            }),
            None => None,
        };
        let listed: Vec<Listed> = manifests
            .into_par_iter()
            .map(|manifest| match manifest {
                Manifest::Known(listed) => listed,
                Manifest::Read(source) => Listed::read(source),
            })
            .collect();
        let files = GitManifests {
            git_dir: self.files.git_dir(),
            plans_dir: self.config.plans_dir.clone(),
            blobs,
            repo: Mutex::new(None),
        };
        let mut corpus = Corpus::from_listed(
            listing.catalog(),
            listed,
            &self.config.shared,
            Some(Box::new(files)),
            focus,
        )
        .with_sections(self.config.sections.clone());
        corpus.set_drills(drills, max_age);
        Ok(corpus)
    }

    /// The drill records of every release with a plan.
    fn drills(&self, listing: &Listing) -> Result<HashMap<PlanId, Vec<RecordFile>>> {
        let mut drills = HashMap::new();
        for (team, release) in listing.all() {
            let (Some(_), Some(tree)) = (release.plan, release.drills) else {
                continue;
            };
            let id = id_of(team, release);
            let dir = self.path(&id, drill::DIR);
            let mut records = Vec::new();
            let entries = self
                .files
                .entries(tree)
                .map_err(|e| e.while_(&format!("cannot list {dir}")))?;
            for (name, blob, is_dir) in entries {
                if !is_record_name(&name) {
                    continue;
                }
                let path = format!("{dir}/{name}");
                if is_dir {
                    // As `check` says it of the directory in the work tree.
                    let problem = ReadProblem {
                        line: 1,
                        message: "is a directory in git, not a file".into(),
                        help: "move the directory away".into(),
                    };
                    records.push(unreadable_record(path, &problem));
                    continue;
                }
                if self.is_not_utf8(tree, &name) {
                    records.push(RecordFile::misnamed(&dir, &name));
                    continue;
                }
                records.push(match self.read_blob(blob) {
                    Ok(text) => RecordFile::read(path, text),
                    Err(problem) => unreadable_record(path, &problem),
                });
            }
            if !records.is_empty() {
                drills.insert(id, records);
            }
        }
        Ok(drills)
    }

    /// The drill record at `path`.
    pub(super) fn record(&mut self, path: String) -> RecordFile {
        match self.read(&path) {
            Ok(Some(text)) => RecordFile::read(path, text),
            Ok(None) => {
                // A name that is not UTF-8 is in the paths of changes as it is shown, which
                // no lookup finds: it is there, misnamed, not missing.
                let (dir, name) = path.rsplit_once('/').unwrap_or(("", &path));
                let misnamed = self
                    .files
                    .tree_at(self.tree, dir)
                    .ok()
                    .flatten()
                    .is_some_and(|tree| self.is_not_utf8(tree, name));
                if misnamed {
                    RecordFile::misnamed(dir, name)
                } else {
                    unreadable_record(path, &ReadProblem::missing())
                }
            }
            Err(problem) => unreadable_record(path, &problem),
        }
    }

    /// Whether `tree` holds an entry whose name is not UTF-8 and is shown as `name`.
    pub(super) fn is_not_utf8(&self, tree: git2::Oid, name: &str) -> bool {
        matches!(self.files.entry_not_utf8(tree, name), Ok(Some(_)))
    }

    pub(super) fn path(&self, id: &PlanId, file: &str) -> String {
        crate::workspace::display_path(&self.config.plans_dir, id, file)
    }
}

fn unreadable_record(path: String, problem: &ReadProblem) -> RecordFile {
    RecordFile {
        content: drill::Content::Unreadable(problem.finding(&path)),
        path,
    }
}

/// A manifest of a snapshot: its ids known from the cache, or its text read from git.
enum Manifest {
    Known(Listed),
    Read(ManifestSource),
}

/// The manifests of a snapshot that were not read up front (their ids came from the cache),
/// read from git when a check needs one whole.
struct GitManifests {
    git_dir: PathBuf,
    plans_dir: String,
    blobs: PlanMap<git2::Oid>,
    /// A handle of its own, opened at the first read: the snapshot's cannot be shared
    /// between threads.
    repo: Mutex<Option<git2::Repository>>,
}

impl Files for GitManifests {
    fn manifest_path(&self, id: &PlanId) -> String {
        crate::workspace::display_path(&self.plans_dir, id, MANIFEST_FILE)
    }

    fn manifest(&self, id: &PlanId, _: Option<&FileStamp>) -> Result<Option<String>, ReadProblem> {
        let Some(&blob) = self.blobs.get(id) else {
            return Ok(None);
        };
        let problem = |error: git2::Error| ReadProblem {
            line: 1,
            message: format!("cannot be read from git: {}", error.message()),
            help: FSCK_HINT.into(),
        };
        let mut repo = self
            .repo
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if repo.is_none() {
            *repo = Some(git2::Repository::open(&self.git_dir).map_err(problem)?);
        }
        let Some(repo) = repo.as_ref() else {
            return Ok(None);
        };
        let bytes = repo.find_blob(blob).map_err(problem)?.content().to_vec();
        if bytes.len() as u64 > store::MAX_FILE_BYTES {
            return Err(ReadProblem::too_big(
                bytes.len() as u64,
                "keep manifests to what a release deploys",
            ));
        }
        store::decode(bytes).map(Some)
    }

    /// Never asked: a snapshot's corpus has every drill record set.
    fn drills(&self, _: &PlanId) -> Vec<RecordFile> {
        Vec::new()
    }
}

fn git_problem(error: &ObjectError) -> ReadProblem {
    ReadProblem {
        line: 1,
        message: format!("cannot be read from git: {}", error.what()),
        help: FSCK_HINT.into(),
    }
}

/// The release directories of a snapshot and the blobs of their files.
#[derive(Default)]
pub(super) struct Listing {
    teams: BTreeMap<String, Vec<ListedRelease>>,
}

/// A release directory of a snapshot (a `manifest.toml` that is a directory is unreadable,
/// as `check` says of it).
pub(super) type ListedRelease = crate::cache::trees::TreeRelease;

impl Listing {
    pub(super) fn catalog(&self) -> Catalog {
        let mut catalog = Catalog::default();
        for (team, releases) in &self.teams {
            catalog.teams.insert(team.clone(), releases_of(releases));
        }
        catalog
    }

    /// Every release with its team, in order; a plan id is made only for those asked for.
    fn all(&self) -> impl Iterator<Item = (&str, &ListedRelease)> {
        self.teams.iter().flat_map(|(team, releases)| {
            releases.iter().map(move |release| (team.as_str(), release))
        })
    }

    /// How many release directories it lists.
    pub(super) fn len(&self) -> usize {
        self.teams.values().map(Vec::len).sum()
    }

    pub(super) fn manifests(&self) -> impl Iterator<Item = (PlanId, git2::Oid)> {
        self.all()
            .filter_map(|(team, release)| Some((id_of(team, release), release.manifest?)))
    }

    pub(super) fn plans(&self) -> impl Iterator<Item = (PlanId, git2::Oid)> {
        self.all()
            .filter_map(|(team, release)| Some((id_of(team, release), release.plan?)))
    }

    pub(super) fn release(&self, id: &PlanId) -> Option<&ListedRelease> {
        let releases = self.teams.get(&id.team)?;
        let at =
            releases.partition_point(|r| crate::version::compare(&r.name, &id.release).is_lt());
        releases.get(at).filter(|r| r.name == id.release)
    }
}

fn id_of(team: &str, release: &ListedRelease) -> PlanId {
    PlanId::new(team, release.name.as_str())
}

pub(super) fn releases_of(listed: &[ListedRelease]) -> Vec<Release> {
    listed
        .iter()
        .map(|release| {
            Release::known(
                release.name.clone(),
                release.plan.is_some(),
                release.manifest.is_some() || release.manifest_dir,
            )
        })
        .collect()
}
