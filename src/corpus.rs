//! Everything a plan is checked against: all manifests, the vocabulary of their item ids,
//! each team's release names. Built once per run from whatever source holds the files
//! (the work tree, or a git tree), then shared by every plan's check.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::check::{self, Context, ManifestInput};
use crate::diag::{Finding, Rule, SourceFile, Suppressed};
use crate::drill::{Evidence, MaxAge, RecordFile};
use crate::manifest::Manifest;
use crate::names::{PlanId, PlanMap};
use crate::plan::Plan;
use crate::sections::Sections;
use crate::store::ReadProblem;
use crate::store::stamp::FileStamp;
use crate::tokens::ReleaseNames;
use crate::vocab::{Focus, Ids, Vocabulary, VocabularyBuilder};
use crate::workspace::Catalog;

/// A release's manifest as read from its source.
pub enum ManifestEntry {
    Parsed {
        path: String,
        text: String,
        manifest: Manifest,
    },
    Unreadable(Finding),
}

impl ManifestEntry {
    /// Reads a manifest's text (or why it could not be read) into an entry.
    pub fn read(id: &PlanId, path: String, text: Result<String, ReadProblem>) -> ManifestEntry {
        match text {
            Ok(text) => {
                let manifest = Manifest::parse(&text, id);
                ManifestEntry::Parsed {
                    path,
                    text,
                    manifest,
                }
            }
            Err(problem) => ManifestEntry::Unreadable(problem.finding(&path)),
        }
    }

    /// The item ids the vocabulary takes from this manifest; `None` when it is unreadable.
    pub fn ids(&self) -> Option<Ids> {
        match self {
            ManifestEntry::Parsed { manifest, .. } => {
                Some(manifest.items.iter().map(|item| item.id.as_str()).collect())
            }
            ManifestEntry::Unreadable(_) => None,
        }
    }
}

/// Where a corpus finds files it did not read up front: a release's manifest, when a
/// command needs it whole (the cache gave only its ids), and a plan's drill records.
pub trait Files: Send + Sync {
    /// The text of a release's manifest (`Ok(None)`: there is none); `listed` is what the
    /// catalog's `lstat` said of it, if anything.
    fn manifest(
        &self,
        id: &PlanId,
        listed: Option<&FileStamp>,
    ) -> Result<Option<String>, ReadProblem>;
    /// A plan's drill records.
    fn drills(&self, id: &PlanId) -> Vec<RecordFile>;
    /// How a release's manifest is shown in findings.
    fn manifest_path(&self, id: &PlanId) -> String;
}

/// A release as the corpus holds it: its manifest's vocabulary source, the manifest itself
/// once read, and its plan's drill records once read.
struct Slot {
    /// Whether the release has a manifest (the rest of the manifest's fields are unset
    /// when not).
    has_manifest: bool,
    /// The catalog found nothing at its `drills/`: no records to read.
    no_drills: bool,
    /// The vocabulary source, when the manifest could be read.
    source: Option<u32>,
    /// Boxed: a parsed manifest is large, and a repository has 10,000 slots, most never read.
    entry: OnceLock<Box<ManifestEntry>>,
    /// Its git blob id, known from a cache or computed from the text when asked.
    blob: OnceLock<Option<git2::Oid>>,
    /// The plan's drill records: all set at once (`set_drills`), or read when asked.
    drills: OnceLock<Vec<RecordFile>>,
}

impl Slot {
    fn new(has_manifest: bool, source: Option<u32>) -> Slot {
        Slot {
            has_manifest,
            no_drills: false,
            source,
            entry: OnceLock::new(),
            blob: OnceLock::new(),
            drills: OnceLock::new(),
        }
    }
}

/// What is known of a manifest before it is read whole: its item ids (from a cache, or from
/// reading it once for the vocabulary) and, when known, its git blob id.
pub struct Listed {
    pub id: PlanId,
    /// `None` when the manifest cannot be read (checking its plan says why).
    pub ids: Option<Ids>,
    pub blob: Option<git2::Oid>,
    /// The manifest, when it was read and is to be kept (boxed: most are not).
    pub entry: Option<Box<ManifestEntry>>,
    /// Where the release is in the catalog's order (teams by name, releases oldest first),
    /// when the lister knows: else it is looked up.
    pub at: Option<usize>,
}

impl Listed {
    /// A manifest read whole, and kept.
    pub fn read((id, path, text): ManifestSource) -> Listed {
        let entry = ManifestEntry::read(&id, path, text);
        Listed {
            ids: entry.ids(),
            entry: Some(Box::new(entry)),
            blob: None,
            at: None,
            id,
        }
    }
}

/// The manifests, vocabulary and release names of one repository state.
///
/// Published plans are checked against the manifests of the commit they were published
/// from: those that differ from this state's are added as *historic* manifests, whose ids
/// join the vocabulary as further sources (see `check_pinned`).
///
/// A corpus of the work tree holds every manifest's ids (the vocabulary) but not every
/// manifest: a manifest is read whole when a command asks for it (and then kept), or, for a
/// plan being checked, read for that check only, so checking 10,000 plans never holds
/// 10,000 parsed manifests at once.
pub struct Corpus {
    /// Every release of the catalog, in its order (teams by name, releases oldest first):
    /// found through the catalog's positions, not a map of 10,000 plan ids.
    slots: Vec<Slot>,
    /// Where each team's releases start in `slots`.
    team_starts: HashMap<String, usize>,
    /// Releases the catalog does not list (a corpus made from manifests alone).
    others: PlanMap<Slot>,
    /// Reads what was not read up front; `None` when everything was.
    files: Option<Box<dyn Files>>,
    /// Every manifest's ids, or only those a focus admits (see `vocabulary_for`).
    vocabulary: Vocabulary,
    /// When `vocabulary` is focused: what the whole one is built from, should a text the
    /// focus does not cover be checked.
    whole: Option<Whole>,
    /// Each team's release names, found when a plan of the team is first checked.
    release_names: HashMap<String, OnceLock<ReleaseNames>>,
    shared: HashSet<String>,
    catalog: Catalog,
    /// Which titles name which required section (backout.toml's `[sections]`).
    sections: Sections,
    drill_max_age: Option<MaxAge>,
    /// Manifests as they were at older commits.
    historic: Vec<ManifestEntry>,
}

/// The whole vocabulary behind a focused one: each source's ids, in the sources' order,
/// and the vocabulary of them all once built.
struct Whole {
    ids: Vec<Ids>,
    built: OnceLock<Vocabulary>,
}

/// Which manifest a published plan had at the commit it was published from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinnedManifest {
    /// The same as this state's manifest of that release.
    Current(PlanId),
    /// A historic manifest (`Corpus::add_historic`).
    Historic(usize),
    /// There was none.
    Missing,
}

/// What a published plan is checked against: the state of its published commit.
pub struct Pin<'a> {
    /// The vocabulary sources (manifests) that were there at the commit, sorted.
    pub live: &'a [u32],
    pub manifest: PinnedManifest,
    /// The release names of the plan's team at the commit.
    pub release_names: &'a ReleaseNames,
    /// The previous release with a plan at the commit.
    pub previous: Option<&'a str>,
    /// `[check] shared` at the commit.
    pub shared: &'a HashSet<String>,
    /// What to report when `manifest` is `Missing` (the plan was not there at the commit).
    pub missing: Option<Finding>,
}

/// One manifest as read: its plan, its display path and its text or why it is unreadable.
pub type ManifestSource = (PlanId, String, Result<String, ReadProblem>);

/// The result of checking one plan.
pub struct Checked {
    pub plan: Plan,
    pub findings: Vec<Finding>,
    /// Findings a `backout-ignore` comment silenced: not in `findings`.
    pub suppressed: Vec<Suppressed>,
    /// The number of items of the plan's manifest, when it could be read.
    pub items: Option<usize>,
}

impl Corpus {
    /// Parses the manifests and indexes their ids. `catalog` lists every release directory.
    pub fn build(catalog: Catalog, manifests: Vec<ManifestSource>, shared: &[String]) -> Corpus {
        let listed = manifests.into_par_iter().map(Listed::read).collect();
        Corpus::from_listed(catalog, listed, shared, None, None)
    }

    /// A corpus of manifests known by their ids; those without an entry are read through
    /// `files` when asked for. With a `focus` (the texts the command will check), the
    /// vocabulary holds only the ids those texts can hold; any other text is checked
    /// against the whole vocabulary, built then.
    pub fn from_listed(
        catalog: Catalog,
        listed: Vec<Listed>,
        shared: &[String],
        files: Option<Box<dyn Files>>,
        focus: Option<Focus>,
    ) -> Corpus {
        let mut builder = VocabularyBuilder::with_capacity(listed.len());
        let mut team_starts = HashMap::with_capacity(catalog.teams.len());
        let mut slots: Vec<Slot> = Vec::with_capacity(catalog.teams.values().map(Vec::len).sum());
        for (team, releases) in &catalog.teams {
            team_starts.insert(team.clone(), slots.len());
            slots.extend(releases.iter().map(|release| Slot {
                no_drills: release.stamps.drills == Some(false),
                ..Slot::new(false, None)
            }));
        }
        let mut others = PlanMap::default();
        let mut team: Option<(&str, usize, &Vec<crate::workspace::Release>)> = None;
        for manifest in listed {
            // The place the lister gave, when it is this release's; else looked up. Manifests
            // come team by team: the team's list is looked up when the team changes.
            let id = &manifest.id;
            if team.as_ref().is_none_or(|(name, _, _)| *name != id.team) {
                team = catalog
                    .teams
                    .get_key_value(&id.team)
                    .and_then(|(name, list)| Some((name.as_str(), *team_starts.get(name)?, list)));
            }
            let given = manifest.at.filter(|&at| {
                team.is_some_and(|(_, start, list)| {
                    at >= start && list.get(at - start).is_some_and(|r| r.name == id.release)
                })
            });
            let at = given.or_else(|| Some(team_starts.get(&id.team)? + catalog.position(id)?));
            let slot = match at.and_then(|at| slots.get_mut(at)) {
                Some(slot) => slot,
                None => others
                    .entry(manifest.id.clone())
                    .or_insert_with(|| Slot::new(false, None)),
            };
            // The plan id moves into the vocabulary: the slot is found by position.
            slot.has_manifest = true;
            slot.source = manifest.ids.map(|ids| builder.add_ids(manifest.id, ids));
            if let Some(entry) = manifest.entry {
                let _ = slot.entry.set(entry);
            }
            if let Some(blob) = manifest.blob {
                let _ = slot.blob.set(Some(blob));
            }
        }
        let (vocabulary, whole) = match focus {
            Some(focus) => {
                let (vocabulary, ids) = builder.build_focused(Arc::new(focus));
                let whole = Whole {
                    ids,
                    built: OnceLock::new(),
                };
                (vocabulary, Some(whole))
            }
            None => (builder.build(), None),
        };
        let release_names = catalog
            .teams
            .keys()
            .map(|team| (team.clone(), OnceLock::new()))
            .collect();
        Corpus {
            slots,
            team_starts,
            others,
            files,
            vocabulary,
            whole,
            release_names,
            shared: shared.iter().cloned().collect(),
            catalog,
            sections: Sections::default(),
            drill_max_age: None,
            historic: Vec::new(),
        }
    }

    /// What the catalog's `lstat` said of a release's manifest.
    fn listed(&self, id: &PlanId) -> Option<FileStamp> {
        self.catalog.stamps(id).manifest
    }

    /// Reads a release's manifest through `files`.
    fn read_entry(&self, files: &dyn Files, id: &PlanId) -> ManifestEntry {
        let text = files
            .manifest(id, self.listed(id).as_ref())
            .and_then(|text| text.ok_or_else(ReadProblem::missing));
        ManifestEntry::read(id, files.manifest_path(id), text)
    }

    /// Where a release of the catalog is in `slots`.
    fn slot_index(&self, id: &PlanId) -> Option<usize> {
        let at = self.team_starts.get(&id.team)? + self.catalog.position(id)?;
        (at < self.slots.len()).then_some(at)
    }

    /// The slot of a release.
    fn slot(&self, id: &PlanId) -> Option<&Slot> {
        match self.slot_index(id) {
            Some(at) => self.slots.get(at),
            None => self.others.get(id),
        }
    }

    /// The slot of a release that has a manifest.
    fn manifest_slot(&self, id: &PlanId) -> Option<&Slot> {
        self.slot(id).filter(|slot| slot.has_manifest)
    }

    /// The manifest of a release as read, reading it now when it was not read yet.
    fn entry(&self, id: &PlanId) -> Option<&ManifestEntry> {
        let slot = self.manifest_slot(id)?;
        if let Some(entry) = slot.entry.get() {
            return Some(entry);
        }
        let files = self.files.as_ref()?;
        Some(
            slot.entry
                .get_or_init(|| Box::new(self.read_entry(files.as_ref(), id))),
        )
    }

    /// The manifest of a release for one plan's check: the one kept, or one read for this
    /// check alone.
    fn entry_for_check(&self, id: &PlanId) -> Option<Held<'_>> {
        let slot = self.manifest_slot(id)?;
        if let Some(entry) = slot.entry.get() {
            return Some(Held::Kept(entry));
        }
        let files = self.files.as_ref()?;
        Some(Held::Read(self.read_entry(files.as_ref(), id)))
    }

    /// The text of this state's manifest of a release, when it could be read.
    pub fn manifest_text(&self, id: &PlanId) -> Option<&str> {
        match self.entry(id) {
            Some(ManifestEntry::Parsed { text, .. }) => Some(text),
            _ => None,
        }
    }

    /// The git blob id of this state's manifest of a release (`git hash-object`), when it
    /// can be read: to tell whether a commit still holds the same manifest.
    pub fn blob_of(&self, id: &PlanId) -> Option<git2::Oid> {
        let slot = self.manifest_slot(id)?;
        *slot.blob.get_or_init(|| {
            let blob = |text: &str| crate::repo::blob_id(text.as_bytes()).ok();
            match slot.entry.get().map(Box::as_ref) {
                Some(ManifestEntry::Parsed { text, .. }) => blob(text),
                Some(ManifestEntry::Unreadable(_)) => None,
                None => match self.files.as_ref()?.manifest(id, self.listed(id).as_ref()) {
                    Ok(Some(text)) => blob(&text),
                    _ => None,
                },
            }
        })
    }

    /// The vocabulary source of this state's manifest of a release.
    pub fn source_of(&self, id: &PlanId) -> Option<u32> {
        self.manifest_slot(id).and_then(|slot| slot.source)
    }

    /// Adds a release's manifest as it was at an older commit (shown as `path`); returns
    /// its number and its vocabulary source, when it parses.
    pub fn add_historic(
        &mut self,
        id: PlanId,
        path: String,
        text: Result<String, ReadProblem>,
    ) -> (usize, Option<u32>) {
        let entry = ManifestEntry::read(&id, path, text);
        let source = entry.ids().map(|ids| {
            if let Some(whole) = &mut self.whole {
                if let Some(built) = whole.built.get_mut() {
                    built.add(id.clone(), ids.iter());
                }
                whole.ids.push(ids.clone());
            }
            self.vocabulary.add(id, ids.iter())
        });
        self.historic.push(entry);
        (self.historic.len() - 1, source)
    }

    /// Every vocabulary source that an id standing in the plan's text belongs to: the
    /// manifests whose presence at a commit decides what the text refers to there.
    pub fn candidate_sources(&self, text: &str, plan: &Plan) -> Vec<u32> {
        let mut sources = Vec::new();
        let vocabulary = self.vocabulary_for(body_of(text, plan));
        vocabulary.find_where(text, &plan.body.windows(), &mut |id| {
            sources.extend_from_slice(vocabulary.sources(id));
            false
        });
        sources.sort_unstable();
        sources.dedup();
        sources
    }

    /// Sets the drill records of every plan at once, and `[check] drill_max_age` with the
    /// time to measure from.
    pub fn set_drills(
        &mut self,
        drills: HashMap<PlanId, Vec<RecordFile>>,
        max_age: Option<MaxAge>,
    ) {
        for (id, records) in drills {
            let slot = match self.slot_index(&id) {
                Some(at) => &mut self.slots[at],
                None => self
                    .others
                    .entry(id)
                    .or_insert_with(|| Slot::new(false, None)),
            };
            slot.drills = OnceLock::from(records);
        }
        self.drill_max_age = max_age;
    }

    /// `[check] drill_max_age` with the time to measure from; records are read when asked.
    pub fn set_drill_max_age(&mut self, max_age: Option<MaxAge>) {
        self.drill_max_age = max_age;
    }

    /// A plan's drill records, as the rules weigh them.
    pub fn drills(&self, id: &PlanId) -> Evidence<'_> {
        let has_plan = || self.catalog.release(id).is_some_and(|r| r.has_plan());
        self.evidence(self.slot(id), has_plan, || id.clone())
    }

    /// The drill records of every release of the catalog, in its order (`Catalog::all`):
    /// publish's index shows every plan's. Those not read yet are read in parallel, each
    /// release found by its place, not looked up by name.
    pub fn all_drills(&self) -> Vec<Evidence<'_>> {
        let releases: Vec<(&String, &crate::workspace::Release)> = self
            .catalog
            .teams
            .iter()
            .flat_map(|(team, releases)| releases.iter().map(move |release| (team, release)))
            .collect();
        let id = |team: &String, release: &crate::workspace::Release| {
            PlanId::new(team.clone(), release.name.clone())
        };
        if releases.len() != self.slots.len() {
            // Not the catalog the slots were made for: by name, one at a time.
            return releases
                .into_iter()
                .map(|(team, release)| self.drills(&id(team, release)))
                .collect();
        }
        releases
            .into_par_iter()
            .zip(self.slots.par_iter())
            .map(|((team, release), slot)| {
                self.evidence(Some(slot), || release.has_plan(), || id(team, release))
            })
            .collect()
    }

    /// The drill records of the release in `slot`, read now (for the plan `id` names) when
    /// they were not read yet, the catalog lists a plan for it, and saw something at its
    /// `drills/`.
    fn evidence<'s>(
        &'s self,
        slot: Option<&'s Slot>,
        has_plan: impl FnOnce() -> bool,
        id: impl FnOnce() -> PlanId,
    ) -> Evidence<'s> {
        let files = match (slot, &self.files) {
            (Some(slot), _) if slot.drills.get().is_some() => {
                slot.drills.get().map_or(&[][..], Vec::as_slice)
            }
            (Some(slot), Some(files)) if !slot.no_drills && has_plan() => {
                slot.drills.get_or_init(|| files.drills(&id())).as_slice()
            }
            _ => &[],
        };
        Evidence {
            files,
            max_age: self.drill_max_age,
        }
    }

    /// The section table plans are read with: the built-in titles plus `[sections]`, and
    /// the template language messages name titles in. Default: the built-in table.
    pub fn with_sections(mut self, sections: Sections) -> Corpus {
        self.sections = sections;
        self
    }

    pub fn sections(&self) -> &Sections {
        &self.sections
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// A team's release names.
    fn release_names(&self, team: &str) -> Option<&ReleaseNames> {
        let cell = self.release_names.get(team)?;
        Some(cell.get_or_init(|| {
            let releases = self.catalog.releases(team);
            ReleaseNames::new(releases.iter().map(|r| r.name.clone()).collect())
        }))
    }

    /// The release a vocabulary source is the manifest of.
    pub fn release_of(&self, source: u32) -> Option<&PlanId> {
        self.vocabulary.release(source)
    }

    /// The vocabulary to check a plan whose body is `body` against: the focused one when its
    /// focus covers the body (it then finds there all the whole one would), else the whole
    /// one. Sources are numbered alike in both.
    pub fn vocabulary_for(&self, body: &str) -> &Vocabulary {
        match &self.whole {
            Some(whole) if !self.vocabulary.covers(body) => whole
                .built
                .get_or_init(|| self.vocabulary.unfocused(&whole.ids)),
            _ => &self.vocabulary,
        }
    }

    /// Focuses a focused vocabulary on other texts (`baseline` knows the text it checks
    /// only once the corpus has chosen what to fork). A corpus of every id stays so.
    pub fn refocus(&mut self, focus: Focus) {
        if let Some(whole) = &self.whole {
            self.vocabulary.refocus(&whole.ids, focus);
        }
    }

    /// The parsed manifest of a release, if it exists and could be read.
    pub fn manifest(&self, id: &PlanId) -> Option<&Manifest> {
        match self.entry(id) {
            Some(ManifestEntry::Parsed { manifest, .. }) => Some(manifest),
            _ => None,
        }
    }

    /// The manifest of a release with its display path and text, when it could be read.
    pub fn manifest_source(&self, id: &PlanId) -> Option<(&str, &str, &Manifest)> {
        match self.entry(id) {
            Some(ManifestEntry::Parsed {
                path,
                text,
                manifest,
            }) => Some((path, text, manifest)),
            _ => None,
        }
    }

    /// Checks the plan text of `id` (found at `path`) against this corpus.
    pub fn check(&self, id: &PlanId, path: &str, text: &str, manifest_path: &str) -> Checked {
        let plan = Plan::parse_with(text, id, &self.sections);
        self.check_parsed(id, path, text, plan, manifest_path)
    }

    /// Checks a plan already parsed from `text` (with this corpus' sections).
    pub fn check_parsed(
        &self,
        id: &PlanId,
        path: &str,
        text: &str,
        plan: Plan,
        manifest_path: &str,
    ) -> Checked {
        let empty = ReleaseNames::new(Vec::new());
        let context = Context {
            vocabulary: self.vocabulary_for(body_of(text, &plan)),
            shared: &self.shared,
            release_names: self.release_names(&id.team).unwrap_or(&empty),
            previous: self.catalog.previous(id),
            live: None,
            own: self.source_of(id),
            sections: &self.sections,
            drills: self.drills(id),
        };
        let file = SourceFile::new(path, text);
        let held = self.entry_for_check(id);
        let manifest = self.manifest_input(&file, held.as_ref().map(Held::get), manifest_path);
        run(id, &file, plan, manifest, &context)
    }

    /// Checks a published plan whose commit is not available without its content rules:
    /// nothing that depends on the manifests or the release names is looked at.
    pub fn check_unpinned(&self, id: &PlanId, path: &str, text: &str, plan: Plan) -> Checked {
        let no_names = ReleaseNames::new(Vec::new());
        let context = Context {
            vocabulary: self.vocabulary_for(body_of(text, &plan)),
            shared: &self.shared,
            release_names: &no_names,
            previous: None,
            live: Some(&[]),
            own: None,
            sections: &self.sections,
            drills: self.drills(id),
        };
        let file = SourceFile::new(path, text);
        run(id, &file, plan, ManifestInput::Skipped, &context)
    }

    /// Checks a published plan against the state of the commit it was published from.
    pub fn check_pinned(
        &self,
        id: &PlanId,
        path: &str,
        text: &str,
        plan: Plan,
        manifest_path: &str,
        pin: &Pin<'_>,
    ) -> Checked {
        let context = Context {
            vocabulary: self.vocabulary_for(body_of(text, &plan)),
            shared: pin.shared,
            release_names: pin.release_names,
            previous: pin.previous,
            live: Some(pin.live),
            own: None,
            sections: &self.sections,
            drills: self.drills(id),
        };
        let held = match &pin.manifest {
            PinnedManifest::Current(release) => self.entry_for_check(release),
            PinnedManifest::Historic(index) => self.historic.get(*index).map(Held::Kept),
            PinnedManifest::Missing => None,
        };
        let file = SourceFile::new(path, text);
        let manifest = match &pin.missing {
            Some(finding) if held.is_none() => ManifestInput::Unavailable(finding.clone()),
            _ => self.manifest_input(&file, held.as_ref().map(Held::get), manifest_path),
        };
        run(id, &file, plan, manifest, &context)
    }

    /// A plan's manifest as far as it could be read; a missing one is reported on the plan.
    fn manifest_input<'e>(
        &self,
        file: &SourceFile<'_>,
        entry: Option<&'e ManifestEntry>,
        manifest_path: &str,
    ) -> ManifestInput<'e> {
        match entry {
            Some(ManifestEntry::Parsed {
                path,
                text,
                manifest,
            }) => ManifestInput::Parsed {
                path,
                text,
                manifest,
            },
            Some(ManifestEntry::Unreadable(finding)) => ManifestInput::Unavailable(finding.clone()),
            // Reported on the plan (line 1), which exists, so annotations have a place to go.
            None => ManifestInput::Unavailable(
                file.file_finding(
                    Rule::InvalidPlan,
                    format!(
                        "{manifest_path} is missing: the plan has no manifest to be checked against"
                    ),
                )
                .with_help(concat!(
                    "create it with `team`, `release` and one [[items]] table per thing the release deploys (see ",
                    crate::docs_url!("format.md#manifesttoml"),
                    ")"
                )),
            ),
        }
    }
}

/// The body of a plan's text: where the rules look for ids (never in the front matter,
/// which a publish stamps).
fn body_of<'t>(text: &'t str, plan: &Plan) -> &'t str {
    text.get(plan.body_start..).unwrap_or(text)
}

/// Runs the rules on one parsed plan, applies its ignore comments, and sorts the findings.
fn run(
    id: &PlanId,
    file: &SourceFile<'_>,
    plan: Plan,
    manifest: ManifestInput<'_>,
    context: &Context<'_>,
) -> Checked {
    let items = match &manifest {
        ManifestInput::Parsed { manifest, .. } => Some(manifest.items.len()),
        _ => None,
    };
    let mut findings = check::check(id, file, &plan, manifest, context);
    let suppressed = crate::rules::ignore::apply(file, plan.body_start, &mut findings);
    findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.rule).cmp(&(&b.file, b.line, b.column, b.rule))
    });
    Checked {
        plan,
        findings,
        suppressed,
        items,
    }
}

/// A manifest for one check: kept by the corpus, or read for this check alone.
enum Held<'a> {
    Kept(&'a ManifestEntry),
    Read(ManifestEntry),
}

impl Held<'_> {
    fn get(&self) -> &ManifestEntry {
        match self {
            Held::Kept(entry) => entry,
            Held::Read(entry) => entry,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn corpus(manifest: &str) -> Corpus {
        focused_corpus(manifest, None)
    }

    /// The corpus of `manifest` (t/v1) and another release's, its vocabulary focused on
    /// `focus`.
    fn focused_corpus(manifest: &str, focus: Option<&str>) -> Corpus {
        let id = PlanId::new("t", "v1");
        let mut catalog = Catalog::default();
        catalog.teams.insert(
            "t".into(),
            vec![crate::workspace::Release::known("v1", true, true)],
        );
        let other = PlanId::new("u", "v9");
        let sources = vec![
            (id, "m.toml".to_string(), Ok(manifest.to_string())),
            (other, "u.toml".to_string(), Ok(OTHER.to_string())),
        ];
        let listed = sources.into_iter().map(Listed::read).collect();
        let focus = focus.map(|text| Focus::of([text]));
        Corpus::from_listed(catalog, listed, &["shared-db".into()], None, focus)
    }

    #[test]
    fn a_manifest_lands_on_its_release_whatever_place_it_was_given() {
        let mut catalog = Catalog::default();
        let release =
            |name: &str, has_manifest| crate::workspace::Release::known(name, true, has_manifest);
        catalog
            .teams
            .insert("t".into(), vec![release("v1", false), release("v2", true)]);
        let v2 = PlanId::new("t", "v2");
        let text = MANIFEST.replace("\"v1\"", "\"v2\"");
        let mut listed = Listed::read((v2.clone(), "m.toml".into(), Ok(text)));
        listed.at = Some(0);
        let corpus = Corpus::from_listed(catalog, vec![listed], &[], None, None);
        assert!(corpus.manifest(&v2).is_some());
        assert!(corpus.manifest(&PlanId::new("t", "v1")).is_none());
        assert_eq!(corpus.source_of(&v2), Some(0));
    }

    const OTHER: &str = "team = \"u\"\nrelease = \"v9\"\n[[items]]\nid = \"db.main\"\nkind = \"migration\"\nreversible = true\n[[items]]\nid = \"gateway\"\nkind = \"service\"\nversion = \"3.1.0\"\n";

    const MANIFEST: &str = "team = \"t\"\nrelease = \"v1\"\n[[items]]\nid = \"api\"\nkind = \"service\"\nversion = \"1.2.0\"\n[[items]]\nid = \"db.main\"\nkind = \"migration\"\nreversible = false\n";

    /// Plan-like text: front matter fragments, headings, lists, code, links, HTML, ids,
    /// versions, placeholders, odd Unicode and line ends.
    fn plan_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("+++\n".to_string()),
            Just("team = \"t\"\nrelease = \"v1\"\nstatus = \"approved\"\nwindow = \"1h\"\nduration = \"2h\"\n".to_string()),
            Just("## Procedure\n".to_string()),
            Just("## Contingencies\n".to_string()),
            Just("### Sub\n".to_string()),
            Just("1. ".to_string()),
            Just("   - ".to_string()),
            Just("`api` ".to_string()),
            Just("db.main ".to_string()),
            Just("gateway 3.1.0 ".to_string()),
            Just("v1.2.3 2.5% 1.5h ".to_string()),
            Just("TODO ".to_string()),
            Just("```sh\n".to_string()),
            Just("[x](javascript:y) ".to_string()),
            Just("<!-- c --> <b> ".to_string()),
            Just("<!-- backout-ignore stale-version: r -->".to_string()),
            Just("<!-- backout-ignore ".to_string()),
            Just("foreign-team, invalid-plan: why".to_string()),
            Just(" -->".to_string()),
            Just("\r\n".to_string()),
            Just("\n".to_string()),
            "[a-z \u{feff}\u{1F600}é\t|*_>#-]{0,12}",
        ];
        prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn checking_any_text_never_panics(text in plan_text()) {
            let corpus = corpus(MANIFEST);
            let checked = corpus.check(&PlanId::new("t", "v1"), "p.md", &text, "m.toml");
            for finding in &checked.findings {
                prop_assert!(finding.line >= 1 && finding.column >= 1);
                prop_assert!(finding.end_column > finding.column);
            }
        }

        /// Focused on the plan, on another text or on nothing, a corpus finds what the
        /// whole vocabulary finds: a text its focus does not cover gets the whole one.
        #[test]
        fn a_focus_never_changes_what_a_check_finds(text in plan_text(), other in plan_text()) {
            let id = PlanId::new("t", "v1");
            let findings = |focus: Option<&str>| {
                let corpus = focused_corpus(MANIFEST, focus);
                corpus.check(&id, "p.md", &text, "m.toml").findings
            };
            let whole = findings(None);
            prop_assert_eq!(&findings(Some(&text)), &whole);
            prop_assert_eq!(&findings(Some(&other)), &whole);
            prop_assert_eq!(&findings(Some("")), &whole);
        }

        #[test]
        fn any_manifest_text_is_read_without_panicking(text in "[a-z=\"\\[\\]\n .0-9]{0,200}") {
            let corpus = corpus(&text);
            let _ = corpus.check(&PlanId::new("t", "v1"), "p.md", "+++\n+++\n", "m.toml");
        }
    }
}
