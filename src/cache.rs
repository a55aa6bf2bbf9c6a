//! A cache, outside the repository, of what a command about one plan needs from all the
//! others: each manifest's item ids (the vocabulary) and git blob id, and what the site's
//! index shows of each plan (its front matter). With it, `check P` in a repository of
//! 10,000 plans reads the one plan and its manifest, not 20,000 files.
//!
//! - Where: `$XDG_CACHE_HOME/backout/` (on every system), else the platform's cache
//!   directory (`~/.cache/backout` on Linux, `~/Library/Caches/backout` on macOS,
//!   `%LOCALAPPDATA%\backout` on Windows); one file per work tree, named by a hash of its
//!   path. Never inside the repository: read-only commands write nothing there.
//! - Valid: an entry is used only while its file has the size, modification and change
//!   times, inode and device it had when it was read (git's index does the same), and only
//!   when it was read a safe moment after its last change (`FileStamp::is_settled`). The file
//!   names the backout build that wrote it (version, and size and time of the executable),
//!   the work tree and the plans directory: any difference, a wrong checksum or anything
//!   that does not read back is an empty cache, rebuilt by this run.
//! - Written: whole, to a temporary file in the cache directory renamed over the old one, so
//!   concurrent runs each leave a complete file (the last one wins). A cache directory that
//!   cannot be written is no error: the run just does not save what it read.
//! - Off: `--no-cache` or `BACKOUT_NO_CACHE=1`.

mod codec;
pub mod trees;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use codec::{Reader, Writer};
use compact_str::CompactString;

use crate::names::{PlanId, PlanMap};
use crate::plan::Status;
use crate::publish::site::{BaselineFact, IndexFacts, TestedFact};
use crate::store::stamp::FileStamp;
use crate::vocab::{Ids, IdsPacker};

use crate::workspace::{Catalog, Workspace};
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Bumped whenever what is cached, or how it is read, changes.
const FORMAT: u32 = 1;

/// A cache file larger than this is not read (the cache of a million ids is about 30 MB).
const MAX_BYTES: u64 = 1 << 30;

static DISABLED: AtomicBool = AtomicBool::new(false);

/// Turns the cache off for this process (`--no-cache`, `BACKOUT_NO_CACHE`).
pub fn disable() {
    DISABLED.store(true, Ordering::Relaxed);
}

/// Whether commands use the cache. The library's own unit tests never touch the user's.
fn enabled() -> bool {
    !cfg!(test) && !DISABLED.load(Ordering::Relaxed)
}

/// A manifest as cached: the stamp it had when read, its ids and its git blob id.
#[derive(Debug, Clone)]
pub struct CachedManifest {
    pub stamp: FileStamp,
    pub ids: Ids,
    pub blob: Option<git2::Oid>,
}

#[derive(Debug, Clone, Default)]
struct Entry {
    manifest: Option<CachedManifest>,
    plan: Option<PlanEntry>,
}

/// What the index shows of a plan, as cached.
#[derive(Debug, Clone)]
enum PlanEntry {
    /// Still only in the file as read: the stamp, and where the facts start in its bytes
    /// (most runs read only manifests, so the facts are decoded when asked for).
    Stored(FileStamp, usize),
    /// Read in this run. Boxed: the cache has an entry per release.
    Read(Box<(FileStamp, IndexFacts)>),
}

impl PlanEntry {
    fn stamp(&self) -> FileStamp {
        match self {
            PlanEntry::Stored(stamp, _) => *stamp,
            PlanEntry::Read(read) => read.0,
        }
    }

    /// The facts, decoded from `bytes` (the file as read) when still stored.
    fn facts(&self, bytes: &[u8]) -> Option<IndexFacts> {
        match self {
            PlanEntry::Stored(_, at) => decode_facts(&mut Reader::resume(bytes.get(*at..)?)),
            PlanEntry::Read(read) => Some(read.1.clone()),
        }
    }
}

/// An entry of the file as read: where it starts in the file, and the number of its
/// manifest's ids among the file's (`Stored::ids`).
#[derive(Debug, Clone, Copy)]
struct At {
    offset: u32,
    ids: u32,
}

/// The entries of the file as read, left in its bytes: found by the hash of their release,
/// decoded when asked for. A 10,000-release file is read without a map of 10,000 ids and
/// stamps (the memory a run touches costs it time, page by page).
#[derive(Default)]
struct Stored {
    bytes: FileBytes,
    index: HashTable<At>,
    /// Every manifest's ids, in one buffer.
    ids: Vec<Ids>,
    hasher: foldhash::fast::RandomState,
}

/// An entry of the file as read, decoded but for its names, ids and plan facts.
struct Found {
    manifest: Option<(FileStamp, Option<git2::Oid>)>,
    /// The plan's stamp, and where its facts start in the file.
    plan: Option<(FileStamp, usize)>,
}

impl Stored {
    fn key_hash(&self, team: &str, release: &str) -> u64 {
        self.hasher.hash_one((team.as_bytes(), release.as_bytes()))
    }

    /// The entry that starts at `at`, as `decode` checked it reads.
    fn entry(&self, at: At) -> Option<Found> {
        let offset = at.offset as usize;
        let mut input = Reader::resume(self.bytes.get(offset..)?);
        for _ in 0..2 {
            let len = input.u32()? as usize;
            input.bytes(len)?;
        }
        let manifest = match input.u8()? {
            1 => {
                let stamp = input.stamp()?;
                let blob = match input.u8()? {
                    1 => Some(git2::Oid::from_bytes(input.bytes(20)?).ok()?),
                    _ => None,
                };
                let text = input.u32()? as usize;
                input.bytes(text)?;
                let count = input.count(4)?;
                input.bytes(count * 4)?;
                Some((stamp, blob))
            }
            _ => None,
        };
        let plan = match input.u8()? {
            1 => {
                let stamp = input.stamp()?;
                let start = self.bytes.len() - input.remaining();
                Some((stamp, start))
            }
            _ => None,
        };
        Some(Found { manifest, plan })
    }

    /// The team and release names of the entry at `at`, as bytes (nothing else decoded).
    fn names(&self, at: At) -> Option<(&[u8], &[u8])> {
        let mut input = Reader::resume(self.bytes.get(at.offset as usize..)?);
        let team = input.u32()? as usize;
        let team = input.bytes(team)?;
        let release = input.u32()? as usize;
        Some((team, input.bytes(release)?))
    }

    /// Whether the entry at `at` is the one of `team`'s `release`.
    fn is(&self, at: At, team: &str, release: &str) -> bool {
        self.names(at) == Some((team.as_bytes(), release.as_bytes()))
    }

    /// Where the entry of `team`'s `release` is.
    fn at(&self, team: &str, release: &str) -> Option<At> {
        let hash = self.key_hash(team, release);
        self.index
            .find(hash, |&at| self.is(at, team, release))
            .copied()
    }

    fn find(&self, id: &PlanId) -> Option<(At, Found)> {
        let at = self.at(&id.team, &id.release)?;
        Some((at, self.entry(at)?))
    }

    fn manifest(&self, id: &PlanId) -> Option<CachedManifest> {
        let (at, found) = self.find(id)?;
        let (stamp, blob) = found.manifest?;
        let ids = self.ids.get(at.ids as usize)?.clone();
        Some(CachedManifest { stamp, ids, blob })
    }

    fn plan(&self, id: &PlanId) -> Option<PlanEntry> {
        let (_, found) = self.find(id)?;
        let (stamp, at) = found.plan?;
        Some(PlanEntry::Stored(stamp, at))
    }
}

/// The cache of one work tree, as read at the start of a run.
pub struct Cache {
    file: PathBuf,
    header: Header,
    /// The file as read.
    stored: Stored,
    /// What this run read and put in: it stands before what is stored.
    fresh: PlanMap<Entry>,
    /// When the catalog was listed: only files settled by then are put into the cache.
    listed_at: Option<SystemTime>,
}

/// Who wrote a cache file, and for what.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Header {
    version: String,
    /// The size and modification time of the executable: a rebuilt backout starts afresh.
    build: (u64, i64, u32),
    root: String,
    plans_dir: String,
}

impl Header {
    fn write(&self, out: &mut Writer) {
        out.str(&self.version);
        out.u64(self.build.0);
        out.u64(self.build.1 as u64);
        out.u32(self.build.2);
        out.str(&self.root);
        out.str(&self.plans_dir);
    }

    fn read(input: &mut Reader<'_>) -> Option<Header> {
        Some(Header {
            version: input.str()?.to_string(),
            build: (input.u64()?, input.u64()? as i64, input.u32()?),
            root: input.str()?.to_string(),
            plans_dir: input.str()?.to_string(),
        })
    }
}

impl Cache {
    /// The cache of the workspace's work tree, for a run whose catalog is `catalog`; `None`
    /// when the cache is off or there is no cache directory.
    pub fn open(workspace: &Workspace, catalog: &Catalog) -> Option<Cache> {
        Cache::open_at(workspace, catalog.listed_at)
    }

    /// The cache of the workspace's work tree, to read only: a command that reads git
    /// objects (`review`) takes manifest ids from it by blob id, and never saves it.
    pub fn open_to_read(workspace: &Workspace) -> Option<Cache> {
        Cache::open_at(workspace, None)
    }

    fn open_at(workspace: &Workspace, listed_at: Option<SystemTime>) -> Option<Cache> {
        let (file, header) = locate(workspace)?;
        let stored = read(&file, &header).unwrap_or_default();
        Some(Cache {
            file,
            header,
            stored,
            fresh: PlanMap::default(),
            listed_at,
        })
    }

    /// The cached reading of a release's manifest, when the file is still the one read.
    pub fn manifest(&self, id: &PlanId, stamp: &FileStamp) -> Option<CachedManifest> {
        let cached = match self.fresh.get(id).and_then(|entry| entry.manifest.as_ref()) {
            Some(fresh) => fresh.clone(),
            None => self.stored.manifest(id)?,
        };
        (cached.stamp == *stamp).then_some(cached)
    }

    /// The ids of a release's manifest whose git blob id is `blob`, whatever file it was read
    /// from: the blob id names the content, and the ids depend on nothing else.
    pub fn manifest_ids(&self, id: &PlanId, blob: git2::Oid) -> Option<Ids> {
        let cached = match self.fresh.get(id).and_then(|entry| entry.manifest.as_ref()) {
            Some(fresh) => fresh.clone(),
            None => self.stored.manifest(id)?,
        };
        (cached.blob == Some(blob)).then_some(cached.ids)
    }

    /// Records a manifest read in this run, if its stamp can be trusted.
    pub fn put_manifest(
        &mut self,
        id: &PlanId,
        stamp: FileStamp,
        ids: Ids,
        blob: Option<git2::Oid>,
    ) {
        if !self.settled(&stamp) {
            return;
        }
        self.entry(id).manifest = Some(CachedManifest { stamp, ids, blob });
    }

    /// What the index shows of a plan, when its plan.md is still the one read.
    pub fn plan(&self, id: &PlanId, stamp: &FileStamp) -> Option<IndexFacts> {
        let plan = match self.fresh.get(id).and_then(|entry| entry.plan.as_ref()) {
            Some(fresh) => fresh.clone(),
            None => self.stored.plan(id)?,
        };
        (plan.stamp() == *stamp)
            .then(|| plan.facts(&self.stored.bytes))
            .flatten()
    }

    /// Records what the index shows of a plan read in this run, if its stamp can be trusted.
    pub fn put_plan(&mut self, id: &PlanId, stamp: FileStamp, facts: IndexFacts) {
        if !self.settled(&stamp) {
            return;
        }
        self.entry(id).plan = Some(PlanEntry::Read(Box::new((stamp, facts))));
    }

    fn settled(&self, stamp: &FileStamp) -> bool {
        stamp.is_file() && self.listed_at.is_some_and(|at| stamp.is_settled(at))
    }

    /// This run's entry of a release, starting from what is stored of it.
    fn entry(&mut self, id: &PlanId) -> &mut Entry {
        let stored = &self.stored;
        self.fresh.entry(id.clone()).or_insert_with(|| Entry {
            manifest: stored.manifest(id),
            plan: stored.plan(id),
        })
    }

    /// Saves the cache when this run added to it or something stored no longer holds,
    /// keeping only the releases of `catalog` whose files are still the ones cached.
    /// Failing to write is not an error: the next run reads the files again.
    pub fn save(self, catalog: &Catalog) {
        // A stored entry whose file changed is never served (its stamp differs), and a run
        // that finds it so reads the file and puts it in, which writes the file. An entry of
        // a release that is gone is found by counting.
        let kept: usize = catalog
            .teams
            .iter()
            .map(|(team, releases)| {
                releases
                    .iter()
                    .filter(|release| self.stored.at(team, &release.name).is_some())
                    .count()
            })
            .sum();
        if self.fresh.is_empty() && kept == self.stored.index.len() {
            crate::teardown::discard(self);
            return;
        }
        // Rewritten whole: the releases of the catalog, each with what still holds of it, in
        // the catalog's order. Runs look entries up in that order, so they read the mapped
        // file front to back (in the order of a hash map, every look was a cache miss: 6 % of
        // a warm one-plan run).
        let mut entries = Vec::with_capacity(kept);
        for (id, release) in catalog.all() {
            let fresh = self.fresh.get(&id);
            let manifest = fresh
                .and_then(|entry| entry.manifest.clone())
                .or_else(|| self.stored.manifest(&id))
                .filter(|m| Some(m.stamp) == release.stamps.manifest);
            let plan = fresh
                .and_then(|entry| entry.plan.clone())
                .or_else(|| self.stored.plan(&id))
                // A plan.md nobody looked at in this run keeps its entry: what is read from
                // the cache is checked against the file's stamp then.
                .filter(|p| {
                    release
                        .plan
                        .stamp_if_seen()
                        .is_none_or(|seen| seen == Some(p.stamp()))
                });
            if manifest.is_some() || plan.is_some() {
                entries.push((id, Entry { manifest, plan }));
            }
        }
        let bytes = encode(
            &self.header,
            entries.iter().map(|(id, entry)| (id, entry)),
            &self.stored.bytes,
        );
        let _ = write(&self.file, &bytes);
        // Tens of thousands of small allocations: left to the end of the process.
        crate::teardown::discard((self, entries));
    }
}

/// The cache file of the workspace's work tree and the header it must have; `None` when the
/// cache is off or there is no cache directory outside the work tree.
fn locate(workspace: &Workspace) -> Option<(PathBuf, Header)> {
    if !enabled() {
        return None;
    }
    let root = fs::canonicalize(workspace.root()).unwrap_or_else(|_| workspace.root().into());
    let root = root.to_string_lossy().into_owned();
    // Never inside the work tree (an XDG_CACHE_HOME in a CI checkout): no cache then.
    let outside = |dir: &PathBuf| {
        !fs::canonicalize(dir)
            .unwrap_or(dir.clone())
            .starts_with(&root)
    };
    let file = directory()
        .filter(outside)?
        .join(format!("{}.cache", file_name(&root)));
    let header = Header {
        version: env!("CARGO_PKG_VERSION").to_string(),
        build: build_stamp(),
        root,
        plans_dir: workspace.config.plans_dir.clone(),
    };
    Some((file, header))
}

/// The cache directory: `$XDG_CACHE_HOME/backout`, else the platform's.
fn directory() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute());
    Some(xdg.or_else(dirs::cache_dir)?.join("backout"))
}

/// A file name for the work tree at `root`: a hash of its path.
fn file_name(root: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(root.as_bytes());
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

fn build_stamp() -> (u64, i64, u32) {
    std::env::current_exe()
        .and_then(fs::metadata)
        .map(|metadata| {
            let stamp = FileStamp::of(&metadata);
            (stamp.len, stamp.modified.0, stamp.modified.1)
        })
        .unwrap_or((0, 0, 0))
}

/// The cache file as read, when it is one this build wrote for this work tree.
fn read(file: &Path, header: &Header) -> Option<Stored> {
    decode(read_bytes(file)?, header)
}

/// A cache file's bytes: mapped into memory, or read where it cannot be mapped.
///
/// Mapping saves the run a copy of the file and a page fault per 4 KB of it (about 800 for
/// the 10,000-release file; each costs as much as a few `lstat`s): the kernel maps the file's
/// pages from its page cache, many at a time.
enum FileBytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl Default for FileBytes {
    fn default() -> FileBytes {
        FileBytes::Read(Vec::new())
    }
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(map) => map,
            FileBytes::Read(bytes) => bytes,
        }
    }
}

/// A cache file's bytes, when it is a file of a size the cache can have.
fn read_bytes(file: &Path) -> Option<FileBytes> {
    let opened = fs::File::open(file).ok()?;
    let metadata = opened.metadata().ok()?;
    if !metadata.is_file() || metadata.len() > MAX_BYTES {
        return None;
    }
    if metadata.len() == 0 {
        return Some(FileBytes::default());
    }
    // SAFETY: a mapping is only sound while nobody changes the file under it. backout never
    // changes a cache file in place: `write` puts a whole new file in its place by renaming
    // (a mapping keeps the old one), as git does with the index it maps. Only someone who
    // truncated the file by hand while a run reads it could touch a page that is gone. And
    // the bytes are never trusted as mapped: every read of them is bounds-checked, its text
    // checked as UTF-8, as for bytes read into memory.
    match unsafe { memmap2::Mmap::map(&opened) } {
        Ok(map) => Some(FileBytes::Mapped(map)),
        Err(_) => {
            let mut bytes = Vec::with_capacity(metadata.len() as usize);
            std::io::Read::read_to_end(&mut &opened, &mut bytes).ok()?;
            Some(FileBytes::Read(bytes))
        }
    }
}

fn write(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    crate::store::temp::clean_stale(dir);
    let mut temp = crate::store::temp::builder().tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.persist(file).map_err(|e| e.error)?;
    Ok(())
}

/// The file of `entries`, in their order; `stored` is the file they were read from.
fn encode<'e>(
    header: &Header,
    entries: impl ExactSizeIterator<Item = (&'e PlanId, &'e Entry)>,
    stored: &[u8],
) -> Vec<u8> {
    let mut out = Writer::new();
    out.u32(FORMAT);
    header.write(&mut out);
    out.u32(entries.len() as u32);
    for (id, entry) in entries {
        out.str(&id.team);
        out.str(&id.release);
        match &entry.manifest {
            Some(manifest) => {
                out.u8(1);
                out.stamp(&manifest.stamp);
                match manifest.blob {
                    Some(blob) => {
                        out.u8(1);
                        out.bytes(blob.as_bytes());
                    }
                    None => out.u8(0),
                }
                out.str(manifest.ids.text());
                out.u32(manifest.ids.len() as u32);
                for end in manifest.ids.ends() {
                    out.u32(end);
                }
            }
            None => out.u8(0),
        }
        match entry.plan.as_ref().and_then(|plan| {
            let facts = plan.facts(stored)?;
            Some((plan.stamp(), facts))
        }) {
            Some((stamp, facts)) => {
                out.u8(1);
                out.stamp(&stamp);
                encode_facts(&mut out, &facts);
            }
            None => out.u8(0),
        }
    }
    out.finish()
}

fn encode_facts(out: &mut Writer, facts: &IndexFacts) {
    out.u8(match facts.status {
        None => 0,
        Some(Status::Draft) => 1,
        Some(Status::Approved) => 2,
        Some(Status::Published) => 3,
    });
    out.u8(facts.valid as u8);
    out.opt_str(facts.window.as_deref());
    out.opt_str(facts.duration.as_deref());
    match &facts.tested {
        Some(tested) => {
            out.u8(1);
            out.opt_str(tested.on.as_deref());
            out.u8(match tested.passed {
                None => 0,
                Some(true) => 1,
                Some(false) => 2,
            });
        }
        None => out.u8(0),
    }
    match &facts.baseline {
        Some(baseline) => {
            out.u8(1);
            out.opt_str(baseline.from.as_deref());
            out.opt_str(baseline.commit.as_deref());
        }
        None => out.u8(0),
    }
}

/// Checks that every entry of the file reads back, indexing it (and packing every
/// manifest's ids into one buffer) as it goes; nothing else is decoded.
fn decode(bytes: FileBytes, header: &Header) -> Option<Stored> {
    let mut input = Reader::open(&bytes)?;
    if input.u32()? != FORMAT {
        return None;
    }
    if Header::read(&mut input)? != *header {
        return None;
    }
    let count = input.count(10)?;
    let offset = |input: &Reader<'_>| {
        let at = bytes
            .len()
            .checked_sub(input.remaining() + codec::TRAILER)?;
        u32::try_from(at).ok()
    };
    // Room for what the file can hold (ids take a part of it; untouched room costs no memory).
    let mut packer = IdsPacker::with_capacity(bytes.len() / 2, bytes.len() / 8);
    let hasher = foldhash::fast::RandomState::default();
    let mut index: HashTable<At> = HashTable::with_capacity(count);
    let mut keys = Vec::with_capacity(count);
    let mut ends = Vec::new();
    for _ in 0..count {
        let at = offset(&input)?;
        // The names are compared as bytes with the catalog's, never shown: not checked as
        // UTF-8 here (a name that is not never matches).
        let team = input.u32()? as usize;
        let team = input.bytes(team)?;
        let release = input.u32()? as usize;
        let release = input.bytes(release)?;
        let mut ids = u32::MAX;
        match input.u8()? {
            0 => {}
            1 => {
                input.stamp()?;
                match input.u8()? {
                    0 => {}
                    1 => {
                        git2::Oid::from_bytes(input.bytes(20)?).ok()?;
                    }
                    _ => return None,
                }
                let text = input.str()?;
                let count = input.count(4)?;
                ends.clear();
                for _ in 0..count {
                    ends.push(input.u32()?);
                }
                ids = u32::try_from(packer.add(text, &ends)?).ok()?;
            }
            _ => return None,
        }
        match input.u8()? {
            0 => {}
            1 => {
                input.stamp()?;
                skip_facts(&mut input)?;
            }
            _ => return None,
        }
        keys.push((hasher.hash_one((team, release)), at, ids));
    }
    if !input.is_empty() {
        return None;
    }
    let mut stored = Stored {
        index: HashTable::new(),
        ids: packer.finish(),
        hasher,
        bytes: FileBytes::default(),
    };
    stored.bytes = bytes;
    // A release listed twice (a file written by hand): the first stands.
    for (hash, offset, ids) in keys {
        let at = At { offset, ids };
        let names = stored.names(at);
        if index
            .find(hash, |&other| stored.names(other) == names)
            .is_none()
        {
            index.insert_unique(hash, at, |&at| {
                stored.hasher.hash_one(stored.names(at).unwrap_or_default())
            });
        }
    }
    stored.index = index;
    Some(stored)
}

/// Passes over a plan's facts as `decode_facts` reads them, keeping nothing: `None` when
/// it could not read them.
fn skip_facts(input: &mut Reader<'_>) -> Option<()> {
    (input.u8()? <= 3).then_some(())?;
    (input.u8()? <= 1).then_some(())?;
    input.opt_str()?;
    input.opt_str()?;
    match input.u8()? {
        0 => {}
        1 => {
            input.opt_str()?;
            (input.u8()? <= 2).then_some(())?;
        }
        _ => return None,
    }
    match input.u8()? {
        0 => {}
        1 => {
            input.opt_str()?;
            input.opt_str()?;
        }
        _ => return None,
    }
    Some(())
}

fn decode_facts(input: &mut Reader<'_>) -> Option<IndexFacts> {
    let status = match input.u8()? {
        0 => None,
        1 => Some(Status::Draft),
        2 => Some(Status::Approved),
        3 => Some(Status::Published),
        _ => return None,
    };
    let valid = match input.u8()? {
        0 => false,
        1 => true,
        _ => return None,
    };
    let window = input.opt_str()?.map(CompactString::from);
    let duration = input.opt_str()?.map(CompactString::from);
    let tested = match input.u8()? {
        0 => None,
        1 => {
            let on = input.opt_str()?.map(CompactString::from);
            let passed = match input.u8()? {
                0 => None,
                1 => Some(true),
                2 => Some(false),
                _ => return None,
            };
            Some(TestedFact { on, passed })
        }
        _ => return None,
    };
    let baseline = match input.u8()? {
        0 => None,
        1 => Some(BaselineFact {
            from: input.opt_str()?.map(CompactString::from),
            commit: input.opt_str()?.map(CompactString::from),
        }),
        _ => return None,
    };
    Some(IndexFacts {
        status,
        valid,
        window,
        duration,
        tested,
        baseline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::stamp::EntryType;

    /// A header as a build of backout writes it (also the `.trees` file's, in its tests).
    pub(super) fn header() -> Header {
        Header {
            version: "0.1.0".into(),
            build: (10_056_528, 1_764_277_440, 5),
            root: "/srv/release-plans".into(),
            plans_dir: "plans".into(),
        }
    }

    fn entries() -> PlanMap<Entry> {
        let stamp = FileStamp {
            kind: EntryType::File,
            len: 412,
            modified: (1_764_000_000, 7),
            changed: (1_764_000_001, 9),
            inode: 4242,
            device: 2049,
        };
        let ids = Ids::from_parts("payments-apiledger-worker".into(), vec![12, 25]);
        let manifest = ids.map(|ids| CachedManifest {
            stamp,
            ids,
            blob: None,
        });
        let facts = IndexFacts {
            status: Some(Status::Approved),
            valid: true,
            window: Some("72h".into()),
            duration: None,
            tested: Some(TestedFact {
                on: Some("2026-11-20".into()),
                passed: Some(true),
            }),
            baseline: None,
        };
        let entry = Entry {
            manifest,
            plan: Some(PlanEntry::Read(Box::new((stamp, facts)))),
        };
        PlanMap::from_iter([(PlanId::new("payments", "v1.5"), entry)])
    }

    proptest::proptest! {
        /// Passing over a plan's facts takes the bytes reading them takes, and fails where
        /// reading them fails.
        #[test]
        fn facts_are_passed_over_as_they_are_read(
            status in 0u8..5, valid in 0u8..3, window in proptest::option::of("[0-9a-z]{0,4}"),
            tested in 0u8..3, passed in 0u8..4, baseline in 0u8..3, cut in 0usize..40,
        ) {
            let mut out = Writer::new();
            out.u8(status);
            out.u8(valid);
            out.opt_str(window.as_deref());
            out.opt_str(None);
            out.u8(tested);
            if tested == 1 {
                out.opt_str(Some("2026-11-20"));
                out.u8(passed);
            }
            out.u8(baseline);
            if baseline == 1 {
                out.opt_str(Some("payments/v1.4"));
                out.opt_str(None);
            }
            let bytes = out.finish();
            let body = &bytes[8..bytes.len() - codec::TRAILER];
            let body = &body[..body.len().saturating_sub(cut % 3 * cut)];
            let mut skipping = Reader::resume(body);
            let mut reading = Reader::resume(body);
            let skipped = skip_facts(&mut skipping);
            let read = decode_facts(&mut reading);
            proptest::prop_assert_eq!(skipped.is_some(), read.is_some());
            if read.is_some() {
                proptest::prop_assert_eq!(skipping.remaining(), reading.remaining());
            }
        }
    }

    #[test]
    fn a_release_written_twice_is_read_as_its_first_entry() {
        let id = PlanId::new("payments", "v1.5");
        let mut entries = entries();
        let first = entries.remove(&id).unwrap_or_default();
        let single = |entry: Entry| PlanMap::from_iter([(id.clone(), entry)]);
        let one = encode(&header(), single(first.clone()).iter(), &[]);
        let mut second = first;
        second.manifest = second.manifest.map(|mut m| {
            m.ids = ["gateway"].into_iter().collect();
            m
        });
        let other = encode(&header(), single(second).iter(), &[]);
        // The header and count of `one`, its entry, then `other`'s entry, as one file.
        let header_len =
            encode(&header(), PlanMap::<Entry>::default().iter(), &[]).len() - codec::TRAILER;
        let mut out = Writer::new();
        out.bytes(&one[8..header_len - 4]);
        out.u32(2);
        out.bytes(&one[header_len..one.len() - codec::TRAILER]);
        out.bytes(&other[header_len..other.len() - codec::TRAILER]);
        let read =
            decode(FileBytes::Read(out.finish()), &header()).unwrap_or_else(|| panic!("rejected"));
        let ids = read
            .manifest(&id)
            .map(|m| m.ids.iter().collect::<Vec<_>>().join(" "));
        assert_eq!(ids.as_deref(), Some("payments-api ledger-worker"));
        assert_eq!(read.index.len(), 1);
    }

    #[test]
    fn a_file_is_read_back_only_by_the_build_and_work_tree_that_wrote_it() {
        let bytes = encode(&header(), entries().iter(), &[]);
        let read =
            decode(FileBytes::Read(bytes.clone()), &header()).unwrap_or_else(|| panic!("rejected"));
        let id = PlanId::new("payments", "v1.5");
        let manifest = read.manifest(&id);
        let ids = manifest.as_ref().map(|m| m.ids.iter().collect::<Vec<_>>());
        assert_eq!(ids, Some(vec!["payments-api", "ledger-worker"]));
        let plan = read.plan(&id);
        let facts = plan.as_ref().and_then(|plan| plan.facts(&read.bytes));
        assert_eq!(facts.and_then(|f| f.window).as_deref(), Some("72h"));
        assert!(read.manifest(&PlanId::new("payments", "v1.6")).is_none());
        assert!(read.manifest(&PlanId::new("payment", "sv1.5")).is_none());
        // Written again from what was read (the facts still stored), the file is the same.
        let again = PlanMap::from_iter([(id, Entry { manifest, plan })]);
        assert_eq!(encode(&header(), again.iter(), &read.bytes), bytes);
        let others = [
            Header {
                version: "0.2.0".into(),
                ..header()
            },
            Header {
                build: (10_056_528, 1_764_277_441, 5),
                ..header()
            },
            Header {
                root: "/srv/release-plans-copy".into(),
                ..header()
            },
            Header {
                plans_dir: "backout".into(),
                ..header()
            },
        ];
        for other in others {
            assert!(
                decode(FileBytes::Read(bytes.clone()), &other).is_none(),
                "{other:?}"
            );
        }
        // A file of another format version, checksum and all.
        let mut out = Writer::new();
        out.u32(FORMAT + 1);
        assert!(decode(FileBytes::Read(out.finish()), &header()).is_none());
    }
}
