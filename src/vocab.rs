//! The vocabulary: every item id of every manifest, found in a plan's text in one linear
//! pass, whole tokens only.
//!
//! An id is made of `[A-Za-z0-9._:/-]` and counts where it does not touch a word character
//! (`[A-Za-z0-9_-]`). So an occurrence starts at the start of a run of id characters or just
//! after a `.`, `:` or `/` in it, and ends at the end of the run or just before one: it is a
//! sequence of whole *atoms* (the pieces between those separators). The scan walks each run
//! once and, from each atom, looks the growing atom sequence up in a hash map, going on only
//! while the sequence is the prefix of some id. That is linear in the text for any
//! vocabulary; an Aho-Corasick automaton was tried first, but its construction is quadratic
//! for ids that are prefixes of one another (`a`, `a-1`, `a-2`...: 14 s for 100,000 ids).

use std::fmt;
use std::hash::BuildHasher;
use std::ops::Range;
use std::sync::Arc;

use hashbrown::HashTable;
use rayon::prelude::*;

use crate::names::PlanId;
use crate::tokens::{FirstBytes, byte_table};

/// Characters that may not touch an item id for it to count as a reference.
pub fn is_word_byte(byte: u8) -> bool {
    BYTE_CLASS[byte as usize] & WORD != 0
}

/// Characters item ids are made of.
fn is_id_byte(byte: u8) -> bool {
    BYTE_CLASS[byte as usize] != 0
}

/// The id characters that are not word characters: where atoms meet.
fn is_separator(byte: u8) -> bool {
    BYTE_CLASS[byte as usize] & SEPARATOR != 0
}

const WORD: u8 = 1;
const SEPARATOR: u8 = 2;

/// `is_word_byte` as a table of flags: an id starts only where the byte before is none.
static WORD_BYTES: [bool; 256] = byte_table!(b => BYTE_CLASS[b as usize] & WORD != 0);

/// What each byte is to an id: a word character, a separator, or neither (a table, as the
/// scan asks for every byte of every plan).
static BYTE_CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            class[byte] = WORD;
        } else if b == b'.' || b == b':' || b == b'/' {
            class[byte] = SEPARATOR;
        }
        byte += 1;
    }
    class
};

/// Hashes ids. foldhash is several times faster than std's SipHash on short strings, and
/// seeded per process, so ids crafted to collide cannot slow the scan down.
type Hasher = foldhash::fast::RandomState;

/// The id table is split into shards by bits of the hash, built in parallel. hashbrown
/// places an entry by the low bits of its hash and tags it with the top 7: the shard is
/// taken from bits in between, so the entries of one shard still differ in both.
const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;

fn shard_of(hash: u64) -> usize {
    (hash >> 40) as usize & (SHARDS - 1)
}

/// An entry of `owners` with this bit set indexes `many`; without it, it is the one source.
const MANY: u32 = 1 << 31;

/// Every item id of every manifest, and the releases each belongs to.
///
/// Each manifest added is a *source*, numbered in the order added; the same release may be
/// a source more than once (its manifest now, and as it was at an older commit), so a
/// search can be limited to the sources that count for one plan.
///
/// Compact, as a repository may hold a million ids: their text one after another, an end
/// offset and an owner per id, and hash tables of 4-byte indices into that text (no string
/// allocated per id).
pub struct Vocabulary {
    /// Every id's text, one after another.
    text: String,
    /// Where each id ends in `text`; it starts where the one before ends.
    ends: Vec<u32>,
    /// For each id, the source whose manifest lists it, or `MANY | i` for `many[i]`.
    owners: Vec<u32>,
    /// The sources of the ids that several manifests list, in the order added.
    many: Vec<Vec<u32>>,
    releases: Vec<PlanId>,
    /// The id indices, by the hash of their text, in `SHARDS` tables.
    shards: Vec<HashTable<u32>>,
    /// Every id cut just before one of its separators (where a longer id may go on), as
    /// (id index, length).
    prefixes: HashTable<(u32, u32)>,
    /// What any id or prefix can look like, to skip most words of a plan without hashing.
    filter: Filter,
    hasher: Hasher,
    /// When only the ids a focus admits are here (`build_focused`): sources added later
    /// keep only those too.
    focus: Option<Arc<Focus>>,
    /// Each built source's ids as indices here plus one, source after source (0 for an id
    /// the focus left out), and where each source's ids start: a plan's search starts out
    /// knowing its own manifest's ids (`find_own`).
    by_source: Vec<u32>,
    source_starts: Vec<u32>,
}

impl Default for Vocabulary {
    fn default() -> Self {
        Vocabulary {
            text: String::new(),
            ends: Vec::new(),
            owners: Vec::new(),
            many: Vec::new(),
            releases: Vec::new(),
            shards: (0..SHARDS).map(|_| HashTable::new()).collect(),
            prefixes: HashTable::new(),
            filter: Filter::default(),
            hasher: Hasher::default(),
            focus: None,
            by_source: Vec::new(),
            source_starts: Vec::new(),
        }
    }
}

impl fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vocabulary")
            .field("ids", &self.ends.len())
            .field("sources", &self.releases.len())
            .finish()
    }
}

/// The first two bytes and the lengths any id or id prefix has: a word whose first two
/// bytes no id starts with needs no hash lookup.
#[derive(Clone)]
struct Filter {
    /// One bit per pair of first bytes (a one-byte string pairs its byte with 0).
    pairs: Box<[u64; 1024]>,
    /// The first bytes of the ids that can be found (those that start with a letter or
    /// digit).
    first: FirstBytes,
    min_len: usize,
    max_len: usize,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            pairs: Box::new([0; 1024]),
            first: FirstBytes::default(),
            min_len: usize::MAX,
            max_len: 0,
        }
    }
}

impl Filter {
    fn key(text: &[u8]) -> usize {
        let first = text.first().copied().unwrap_or(0) as usize;
        let second = text.get(1).copied().unwrap_or(0) as usize;
        first << 8 | second
    }

    fn insert(&mut self, text: &str) {
        let key = Filter::key(text.as_bytes());
        self.pairs[key / 64] |= 1 << (key % 64);
        if let Some(&first) = text.as_bytes().first()
            && first.is_ascii_alphanumeric()
        {
            self.first.insert(first);
        }
        self.min_len = self.min_len.min(text.len());
        self.max_len = self.max_len.max(text.len());
    }

    fn merge(&mut self, other: &Filter) {
        for (mine, theirs) in self.pairs.iter_mut().zip(other.pairs.iter()) {
            *mine |= theirs;
        }
        self.first.merge(&other.first);
        self.min_len = self.min_len.min(other.min_len);
        self.max_len = self.max_len.max(other.max_len);
    }

    /// Whether some id or prefix may start at byte `at` of `bytes`, whose run of id
    /// characters goes on at most to `end`: by its first two bytes (the second is no byte
    /// when the run ends, and a string of one byte pairs with 0 when a separator follows).
    fn may_start(&self, bytes: &[u8], at: usize, end: usize) -> bool {
        let Some(&first) = bytes.get(at) else {
            return false;
        };
        let second = bytes
            .get(at + 1)
            .copied()
            .filter(|&b| at + 1 < end && is_id_byte(b))
            .unwrap_or(0);
        let has = |second: u8| {
            let key = (first as usize) << 8 | second as usize;
            self.pairs[key / 64] & (1 << (key % 64)) != 0
        };
        has(second) || (second != 0 && is_separator(second) && has(0))
    }

    fn may_contain(&self, text: &str) -> bool {
        let key = Filter::key(text.as_bytes());
        (self.min_len..=self.max_len).contains(&text.len())
            && self.pairs[key / 64] & (1 << (key % 64)) != 0
    }
}

/// An occurrence of a vocabulary id in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub span: Range<usize>,
    pub id: u32,
}

/// The words of the texts a command is about to scan (its maximal runs of ASCII letters
/// and digits), to build a vocabulary of only the ids those texts can hold: a command about
/// one plan then indexes a few ids instead of a million.
///
/// An id can stand in a text (as a whole token, or as a word `belongs_to_word` asks about)
/// only where no letter or digit touches it, so its first run of letters and digits is a
/// whole run of the text there. `admits` keeps an id whose first run is one of the texts'
/// runs (and any id without one); a vocabulary of those finds in the texts exactly what
/// the whole vocabulary finds. `covers` tells whether a text is one of them.
#[derive(Debug, Default)]
pub struct Focus {
    runs: hashbrown::HashSet<Box<[u8]>, Hasher>,
}

impl Focus {
    /// The focus of `texts`, when they are small enough for one to pay: a focus of
    /// megabytes of text (a generated plan of a million steps) would hold as many words as
    /// the vocabulary it saves building.
    pub fn of_small(texts: &[&str]) -> Option<Focus> {
        const MAX_BYTES: usize = 1 << 20;
        let size: usize = texts.iter().map(|text| text.len()).sum();
        (size <= MAX_BYTES).then(|| Focus::of(texts.iter().copied()))
    }

    /// The focus of `texts`.
    pub fn of<'t>(texts: impl IntoIterator<Item = &'t str>) -> Focus {
        let mut focus = Focus::default();
        for text in texts {
            for run in alnum_runs(text.as_bytes()) {
                if !focus.runs.contains(run) {
                    focus.runs.insert(run.into());
                }
            }
        }
        focus
    }

    /// Whether every run of `text` is in the focus (so every id it can hold is admitted).
    pub fn covers(&self, text: &str) -> bool {
        alnum_runs(text.as_bytes()).all(|run| self.runs.contains(run))
    }

    /// Whether the vocabulary keeps `id`.
    pub fn admits(&self, id: &str) -> bool {
        // A focus on nothing (a command that builds its vocabulary before it knows the text,
        // `baseline`) keeps only ids without a letter or digit: found without hashing.
        if self.runs.is_empty() {
            return !id.bytes().any(|byte| byte.is_ascii_alphanumeric());
        }
        alnum_runs(id.as_bytes())
            .next()
            .is_none_or(|run| self.runs.contains(run))
    }
}

/// The maximal runs of ASCII letters and digits of `bytes`, in order.
fn alnum_runs(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .split(|byte| !byte.is_ascii_alphanumeric())
        .filter(|run| !run.is_empty())
}

/// A manifest's ids packed one after another: one string and an end offset per id, not a
/// string per id. Shared, not copied, when cloned: a run takes 10,000 manifests' ids out of
/// its cache and puts them back. Many manifests' ids may share one buffer (`IdsPacker`),
/// each `Ids` a view of its own.
#[derive(Clone, Default)]
pub struct Ids {
    packed: Arc<Packed>,
    /// The view: ids `first..first + len` of `packed`.
    first: u32,
    len: u32,
}

/// Ids packed one after another, while they are added.
#[derive(Debug, Default, PartialEq, Eq)]
struct Packed {
    text: String,
    ends: Vec<u32>,
}

impl Packed {
    fn id(&self, index: usize) -> &str {
        id_in(&self.text, &self.ends, index as u32)
    }

    fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len() as u32);
    }
}

/// Whether `ends` cut `text` into ids: each end on a character boundary after the one
/// before (no id is empty), the last at the end of the text.
fn cuts(text: &str, ends: &[u32]) -> bool {
    let mut start = 0;
    for &end in ends {
        let end = end as usize;
        if end <= start || !text.is_char_boundary(end) {
            return false;
        }
        start = end;
    }
    start == text.len()
}

impl Ids {
    /// Ids from their text and end offsets, as `text` and `ends` give them; `None` unless
    /// each end lies on a character boundary after the one before (and no id is empty).
    pub fn from_parts(text: String, ends: Vec<u32>) -> Option<Ids> {
        if !cuts(&text, &ends) {
            return None;
        }
        let len = u32::try_from(ends.len()).ok()?;
        Some(Ids {
            packed: Arc::new(Packed { text, ends }),
            first: 0,
            len,
        })
    }

    /// The ids' text, one after another, to store.
    pub fn text(&self) -> &str {
        let (start, end) = (self.start(), self.end());
        self.packed.text.get(start..end).unwrap_or("")
    }

    /// Where each id ends in `text`, to store.
    pub fn ends(&self) -> impl Iterator<Item = u32> + '_ {
        let base = self.start() as u32;
        self.own_ends().iter().map(move |end| end - base)
    }

    fn own_ends(&self) -> &[u32] {
        let first = self.first as usize;
        self.packed
            .ends
            .get(first..first + self.len as usize)
            .unwrap_or(&[])
    }

    /// Where the view's text starts and ends in the shared buffer.
    fn start(&self) -> usize {
        (self.first as usize)
            .checked_sub(1)
            .and_then(|before| self.packed.ends.get(before))
            .map_or(0, |&end| end as usize)
    }

    fn end(&self) -> usize {
        self.own_ends()
            .last()
            .map_or_else(|| self.start(), |&end| end as usize)
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn id(&self, index: usize) -> &str {
        self.packed.id(self.first as usize + index)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|index| self.id(index))
    }
}

impl PartialEq for Ids {
    fn eq(&self, other: &Ids) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Ids {}

impl fmt::Debug for Ids {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> FromIterator<&'a str> for Ids {
    fn from_iter<I: IntoIterator<Item = &'a str>>(ids: I) -> Self {
        let mut packed = Packed::default();
        for id in ids {
            packed.push(id);
        }
        let len = packed.ends.len() as u32;
        Ids {
            packed: Arc::new(packed),
            first: 0,
            len,
        }
    }
}

/// Packs the ids of many manifests into one buffer (one allocation, not three per
/// manifest), then hands out each manifest's `Ids` as a view of it.
#[derive(Default)]
pub struct IdsPacker {
    packed: Packed,
    views: Vec<(u32, u32)>,
}

impl IdsPacker {
    /// A packer with room for `text` bytes of ids and `ids` ids.
    pub fn with_capacity(text: usize, ids: usize) -> IdsPacker {
        let mut packer = IdsPacker::default();
        packer.packed.text.reserve(text);
        packer.packed.ends.reserve(ids);
        packer
    }

    /// Adds a manifest's ids, as `Ids::text` and `Ids::ends` give them; returns their
    /// number, or `None` (adding nothing) when `ends` do not cut `text` into ids.
    pub fn add(&mut self, text: &str, ends: &[u32]) -> Option<usize> {
        if !cuts(text, ends) {
            return None;
        }
        let base = u32::try_from(self.packed.text.len()).ok()?;
        base.checked_add(u32::try_from(text.len()).ok()?)?;
        let first = u32::try_from(self.packed.ends.len()).ok()?;
        let len = u32::try_from(ends.len()).ok()?;
        first.checked_add(len)?;
        self.packed.text.push_str(text);
        self.packed.ends.extend(ends.iter().map(|end| end + base));
        self.views.push((first, len));
        Some(self.views.len() - 1)
    }

    /// Each manifest's ids, in the order added.
    pub fn finish(self) -> Vec<Ids> {
        let packed = Arc::new(self.packed);
        self.views
            .into_iter()
            .map(|(first, len)| Ids {
                packed: Arc::clone(&packed),
                first,
                len,
            })
            .collect()
    }
}

/// Adds manifests one at a time, then builds the vocabulary once, in parallel.
#[derive(Debug, Default)]
pub struct VocabularyBuilder {
    sources: Vec<(PlanId, Ids)>,
}

impl VocabularyBuilder {
    /// A builder with room for `sources` sources.
    pub fn with_capacity(sources: usize) -> VocabularyBuilder {
        VocabularyBuilder {
            sources: Vec::with_capacity(sources),
        }
    }

    /// Records that `release`'s manifest lists `ids`; returns the source's number.
    pub fn add<'a>(&mut self, release: PlanId, ids: impl IntoIterator<Item = &'a str>) -> u32 {
        self.add_ids(release, ids.into_iter().collect())
    }

    /// Like `add`, for ids already packed.
    pub fn add_ids(&mut self, release: PlanId, ids: Ids) -> u32 {
        self.sources.push((release, ids));
        (self.sources.len() - 1) as u32
    }

    pub fn build(self) -> Vocabulary {
        let (releases, ids): (Vec<PlanId>, Vec<Ids>) = self.sources.into_iter().unzip();
        let mut vocabulary = build(&ids, None);
        vocabulary.releases = releases;
        vocabulary
    }

    /// The vocabulary of the ids `focus` admits, numbering every source as `build` does;
    /// the sources' ids are handed back, to build the whole vocabulary should it be needed.
    pub fn build_focused(self, focus: Arc<Focus>) -> (Vocabulary, Vec<Ids>) {
        let (releases, ids): (Vec<PlanId>, Vec<Ids>) = self.sources.into_iter().unzip();
        let mut vocabulary = build(&ids, Some(&focus));
        vocabulary.focus = Some(focus);
        vocabulary.releases = releases;
        (vocabulary, ids)
    }
}

/// The vocabulary of the sources whose ids are `sources` (without their releases), of
/// only the ids `focus` admits.
fn build(sources: &[Ids], focus: Option<&Focus>) -> Vocabulary {
    let hasher = Hasher::default();
    // Every id into its shard, in source order: chunks of sources in parallel, each
    // sorting its ids into per-shard lists, then each shard reads its lists in order.
    let chunk = sources
        .len()
        .div_ceil(rayon::current_num_threads() * 4)
        .max(1);
    // Where each source's ids start among all sources' ids, for `by_source`.
    let mut source_starts = Vec::with_capacity(sources.len() + 1);
    let mut total = 0u32;
    for packed in sources {
        source_starts.push(total);
        total = total.saturating_add(packed.len() as u32);
    }
    source_starts.push(total);
    let scattered: Vec<Vec<Vec<Entry>>> = sources
        .par_chunks(chunk)
        .enumerate()
        .map(|(number, chunk_sources)| {
            let mut shards: Vec<Vec<Entry>> = vec![Vec::new(); SHARDS];
            for (offset, packed) in chunk_sources.iter().enumerate() {
                let source = (number * chunk + offset) as u32;
                for index in 0..packed.len() {
                    let id = packed.id(index);
                    if focus.is_some_and(|focus| !focus.admits(id)) {
                        continue;
                    }
                    let hash = hasher.hash_one(id);
                    shards[shard_of(hash)].push(Entry {
                        source,
                        index: index as u32,
                        hash,
                    });
                }
            }
            shards
        })
        .collect();
    let mut parts: Vec<Part> = (0..SHARDS)
        .into_par_iter()
        .map(|shard| {
            // Made to size for every entry of the shard (an id listed by several sources
            // counts once for each): growing tables rehash, and a million ids is 20 doublings.
            let entries: usize = scattered.iter().map(|entries| entries[shard].len()).sum();
            let mut part = Part::with_capacity(entries);
            part.placed.reserve(entries);
            for entries in &scattered {
                for entry in &entries[shard] {
                    let packed = &sources[entry.source as usize];
                    let index = part.add(
                        &hasher,
                        packed.id(entry.index as usize),
                        entry.hash,
                        entry.source,
                    );
                    let at = source_starts[entry.source as usize] + entry.index;
                    part.placed.push((at, index));
                }
            }
            // The table is kept in the vocabulary: where ids repeat across releases (the
            // same service in every release), it is cut down to the ids it holds.
            let Part { table, ids, .. } = &mut part;
            table.shrink_to_fit(|&index| hasher.hash_one(ids.id(index as usize)));
            part
        })
        .collect();
    drop(scattered);
    // Number the ids shard after shard.
    let mut vocabulary = Vocabulary {
        hasher,
        ..Vocabulary::default()
    };
    let (mut id_base, mut many_base, mut text_base) = (0u32, 0u32, 0u32);
    let mut bases = Vec::with_capacity(parts.len());
    for part in &parts {
        bases.push((id_base, many_base, text_base));
        id_base += part.ids.ends.len() as u32;
        many_base += part.many.len() as u32;
        text_base += part.ids.text.len() as u32;
    }
    parts.par_iter_mut().zip(bases.par_iter()).for_each(
        |(part, &(id_base, many_base, text_base))| {
            for index in part.table.iter_mut() {
                *index += id_base;
            }
            for (_, index, _) in &mut part.prefixes {
                *index += id_base;
            }
            for end in &mut part.ids.ends {
                *end += text_base;
            }
            for owner in &mut part.owners {
                if *owner & MANY != 0 {
                    *owner += many_base;
                }
            }
        },
    );
    // Each source's ids as indices, for `find_own`.
    // Zeroed memory: a focused vocabulary writes a few of its entries, and the pages of the
    // rest are never touched.
    vocabulary.by_source = vec![0; total as usize];
    for (part, &(id_base, _, _)) in parts.iter_mut().zip(&bases) {
        for (at, index) in std::mem::take(&mut part.placed) {
            if let Some(slot) = vocabulary.by_source.get_mut(at as usize) {
                *slot = index + id_base + 1;
            }
        }
    }
    vocabulary.source_starts = source_starts;
    vocabulary.text.reserve(text_base as usize);
    vocabulary.ends.reserve(id_base as usize);
    vocabulary.owners.reserve(id_base as usize);
    let mut prefixes = Vec::with_capacity(parts.len());
    for (shard, part) in parts.into_iter().enumerate() {
        vocabulary.text.push_str(&part.ids.text);
        vocabulary.ends.extend_from_slice(&part.ids.ends);
        vocabulary.owners.extend_from_slice(&part.owners);
        vocabulary.many.extend(part.many);
        vocabulary.filter.merge(&part.filter);
        vocabulary.shards[shard] = part.table;
        prefixes.push(part.prefixes);
    }
    // In the ids' order, as `index_prefixes` would put them: the first id with a prefix
    // stands for it.
    for (hash, index, len) in prefixes.into_iter().flatten() {
        vocabulary.add_prefix(hash, index, len);
    }
    vocabulary
}

/// An id on its way into its shard.
#[derive(Clone, Copy)]
struct Entry {
    source: u32,
    index: u32,
    hash: u64,
}

/// One shard's ids while the vocabulary is built, numbered from 0.
#[derive(Default)]
struct Part {
    /// Where each id added went: (its place among all sources' ids, its index here).
    placed: Vec<(u32, u32)>,
    ids: Packed,
    owners: Vec<u32>,
    many: Vec<Vec<u32>>,
    table: HashTable<u32>,
    filter: Filter,
    /// The prefixes of its new ids, in their order, as (hash, id index, length): found in
    /// parallel, put into the one prefix table afterwards.
    prefixes: Vec<(u64, u32, u32)>,
}

impl Part {
    fn with_capacity(ids: usize) -> Part {
        let mut part = Part::default();
        part.ids.ends.reserve(ids);
        part.owners.reserve(ids);
        part.table.reserve(ids, |_| 0);
        part
    }

    /// Adds `id` of `source`; returns its index in the part.
    fn add(&mut self, hasher: &Hasher, id: &str, hash: u64, source: u32) -> u32 {
        let Part {
            ids,
            owners,
            many,
            table,
            filter,
            prefixes,
            ..
        } = self;
        match table.find(hash, |&index| ids.id(index as usize) == id) {
            Some(&index) => {
                add_owner(owners, many, index, source);
                index
            }
            None => {
                let index = ids.ends.len() as u32;
                ids.push(id);
                owners.push(source);
                filter.insert(id);
                table.insert_unique(hash, index, |&index| {
                    hasher.hash_one(ids.id(index as usize))
                });
                for at in separators(id) {
                    prefixes.push((hasher.hash_one(&id[..at]), index, at as u32));
                }
                index
            }
        }
    }
}

/// Records that `source` lists the id `index` too (sources come in ascending order).
fn add_owner(owners: &mut [u32], many: &mut Vec<Vec<u32>>, index: u32, source: u32) {
    let owner = &mut owners[index as usize];
    if *owner & MANY == 0 {
        if *owner != source {
            many.push(vec![*owner, source]);
            *owner = MANY | (many.len() - 1) as u32;
        }
    } else if let Some(list) = many.get_mut((*owner & !MANY) as usize)
        && list.last() != Some(&source)
    {
        list.push(source);
    }
}

impl Vocabulary {
    pub fn builder() -> VocabularyBuilder {
        VocabularyBuilder::default()
    }

    /// Adds one more source after the vocabulary was built; returns its number.
    pub fn add<'a>(&mut self, release: PlanId, ids: impl IntoIterator<Item = &'a str>) -> u32 {
        let source = self.releases.len() as u32;
        self.releases.push(release);
        let first_new = self.ends.len();
        for id in ids {
            if self.focus.as_ref().is_some_and(|focus| !focus.admits(id)) {
                continue;
            }
            let hash = self.hasher.hash_one(id);
            let Vocabulary {
                text,
                ends,
                owners,
                many,
                shards,
                filter,
                hasher,
                ..
            } = self;
            let table = &mut shards[shard_of(hash)];
            let found = table.find(hash, |&index| id_in(text, ends, index) == id);
            match found {
                Some(&index) => add_owner(owners, many, index, source),
                None => {
                    let index = ends.len() as u32;
                    text.push_str(id);
                    ends.push(text.len() as u32);
                    owners.push(source);
                    filter.insert(id);
                    table.insert_unique(hash, index, |&index| {
                        hasher.hash_one(id_in(text, ends, index))
                    });
                }
            }
        }
        self.index_prefixes(first_new);
        source
    }

    /// Records the prefixes, ending just before a separator, of the ids from `first` on.
    fn index_prefixes(&mut self, first: usize) {
        let this: &Vocabulary = self;
        let found: Vec<(u64, u32, u32)> = (first..this.ends.len())
            .flat_map(|index| {
                let id = id_in(&this.text, &this.ends, index as u32);
                separators(id)
                    .map(move |at| (this.hasher.hash_one(&id[..at]), index as u32, at as u32))
            })
            .collect();
        for (hash, index, len) in found {
            self.add_prefix(hash, index, len);
        }
    }

    /// Records that id `index` cut at `len` (hashed to `hash`) is a prefix, unless an
    /// earlier id already stands for that prefix.
    fn add_prefix(&mut self, hash: u64, index: u32, len: u32) {
        let Vocabulary {
            text,
            ends,
            prefixes,
            filter,
            hasher,
            ..
        } = self;
        let prefix_of = |&(index, len): &(u32, u32)| &id_in(text, ends, index)[..len as usize];
        let prefix = &id_in(text, ends, index)[..len as usize];
        if prefixes
            .find(hash, |entry| prefix_of(entry) == prefix)
            .is_none()
        {
            filter.insert(prefix);
            prefixes.insert_unique(hash, (index, len), |entry| {
                hasher.hash_one(prefix_of(entry))
            });
        }
    }

    /// The same sources (`ids`, each source's, in order), focused on `focus` instead.
    pub fn refocus(&mut self, ids: &[Ids], focus: Focus) {
        let releases = std::mem::take(&mut self.releases);
        let focus = Arc::new(focus);
        *self = build(ids, Some(&focus));
        self.releases = releases;
        self.focus = Some(focus);
    }

    /// The whole vocabulary of the same sources (`ids`, each source's, in order).
    pub fn unfocused(&self, ids: &[Ids]) -> Vocabulary {
        let mut vocabulary = build(ids, None);
        vocabulary.releases = self.releases.clone();
        vocabulary
    }

    /// Whether this vocabulary finds in `text` all that one of every id would: it is
    /// not focused, or its focus covers the text.
    pub fn covers(&self, text: &str) -> bool {
        self.focus.as_ref().is_none_or(|focus| focus.covers(text))
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn id(&self, index: u32) -> &str {
        if (index as usize) < self.ends.len() {
            id_in(&self.text, &self.ends, index)
        } else {
            ""
        }
    }

    pub fn index_of(&self, id: &str) -> Option<u32> {
        if !self.filter.may_contain(id) {
            return None;
        }
        let hash = self.hasher.hash_one(id);
        self.shards[shard_of(hash)]
            .find(hash, |&index| self.id(index) == id)
            .copied()
    }

    /// Like `index_of`, remembering the answer for the rest of one text in `seen`.
    fn index_of_seen<'t>(&self, candidate: &'t str, seen: &mut Seen<'t>) -> Option<u32> {
        if !self.filter.may_contain(candidate) {
            return None;
        }
        let hash = self.hasher.hash_one(candidate);
        if let Some(&(_, found)) = seen.table.find(hash, |(word, _)| *word == candidate) {
            return found;
        }
        let found = self.shards[shard_of(hash)]
            .find(hash, |&index| self.id(index) == candidate)
            .copied();
        seen.table
            .insert_unique(hash, (candidate, found), |(word, _)| {
                self.hasher.hash_one(word)
            });
        found
    }

    /// The ids of a built source as indices here plus one, in the source's order (0 for one
    /// a focus left out); `None` for a source added after the build.
    fn source_indices(&self, source: u32) -> Option<&[u32]> {
        let source = source as usize;
        let start = *self.source_starts.get(source)? as usize;
        let end = *self.source_starts.get(source + 1)? as usize;
        self.by_source.get(start..end)
    }

    /// The index of `id`, the `at`th id of `source` (the manifest a plan is checked with):
    /// found in the source's list, without looking it up in the table of every id, when it
    /// is the id there (the same manifest, read twice); else looked up.
    pub fn index_in(&self, source: Option<u32>, at: usize, id: &str) -> Option<u32> {
        let listed = source
            .and_then(|source| self.source_indices(source))
            .and_then(|indices| indices.get(at))
            .copied()
            .and_then(|plus_one| plus_one.checked_sub(1))
            .filter(|&index| self.id(index) == id);
        listed.or_else(|| self.index_of(id))
    }

    /// Puts the ids of `source` into `seen`, as found (what looking each up would find).
    fn seed<'t>(&'t self, seen: &mut Seen<'t>, source: u32) {
        let Some(indices) = self.source_indices(source) else {
            return;
        };
        seen.table
            .reserve(indices.len(), |(word, _)| self.hasher.hash_one(word));
        for index in indices
            .iter()
            .filter_map(|plus_one| plus_one.checked_sub(1))
        {
            let id = self.id(index);
            let hash = self.hasher.hash_one(id);
            if seen.table.find(hash, |(word, _)| *word == id).is_none() {
                seen.table
                    .insert_unique(hash, (id, Some(index)), |(word, _)| {
                        self.hasher.hash_one(word)
                    });
            }
        }
    }

    /// Whether some id goes on after `text` with a separator.
    fn is_prefix(&self, text: &str) -> bool {
        if self.prefixes.is_empty() || !self.filter.may_contain(text) {
            return false;
        }
        let hash = self.hasher.hash_one(text);
        self.prefixes
            .find(hash, |&(index, len)| {
                self.id(index).get(..len as usize) == Some(text)
            })
            .is_some()
    }

    /// The releases whose manifest lists the id.
    pub fn owners(&self, index: u32) -> impl Iterator<Item = &PlanId> {
        self.sources(index)
            .iter()
            .filter_map(|&source| self.release(source))
    }

    /// The sources whose manifest lists the id.
    pub fn sources(&self, index: u32) -> &[u32] {
        match self.owners.get(index as usize) {
            Some(owner) if owner & MANY == 0 => std::slice::from_ref(owner),
            Some(owner) => self
                .many
                .get((owner & !MANY) as usize)
                .map_or(&[], Vec::as_slice),
            None => &[],
        }
    }

    /// The release a source is the manifest of.
    pub fn release(&self, source: u32) -> Option<&PlanId> {
        self.releases.get(source as usize)
    }

    /// Every whole-token occurrence of an id in the `windows` of `text`, in order. Where
    /// two occurrences overlap, the longer wins (`svc.db` hides `svc` and `db`).
    pub fn find(&self, text: &str, windows: &[Range<usize>]) -> Vec<Occurrence> {
        self.find_where(text, windows, &mut |_| true)
    }

    /// Like `find`, for a vocabulary of only the ids that `counts` accepts: the others are
    /// not there at all (they hide no shorter id). `counts` hears of every id that stands
    /// at a place in the text, so it can also collect them.
    pub fn find_where(
        &self,
        text: &str,
        windows: &[Range<usize>],
        counts: &mut dyn FnMut(u32) -> bool,
    ) -> Vec<Occurrence> {
        self.find_own(text, windows, None, counts)
    }

    /// Like `find_where`, in the text of the plan whose manifest is the source `own`: the
    /// search starts out knowing that manifest's ids (a plan names its own items again and
    /// again, and each first lookup in a table of a million ids misses the processor's
    /// caches). What it finds is the same.
    pub fn find_own<'t>(
        &'t self,
        text: &'t str,
        windows: &[Range<usize>],
        own: Option<u32>,
        counts: &mut dyn FnMut(u32) -> bool,
    ) -> Vec<Occurrence> {
        let mut found = Vec::new();
        if self.ends.is_empty() {
            return found;
        }
        let mut seen = Seen::new();
        if let Some(source) = own {
            self.seed(&mut seen, source);
        }
        let bytes = text.as_bytes();
        // An id starts at an atom that starts a token: a letter or digit after no word
        // character (at the start of a run of id characters, or after a separator in it).
        // Only the places where some id's first byte stands are looked at, and an id is
        // looked for from there unless no id or prefix begins with the first two bytes.
        for window in windows {
            let end = window.end.min(bytes.len());
            let mut from = window.start;
            while let Some(i) = self.filter.first.next_start(bytes, from, end, &WORD_BYTES) {
                from = i + 1;
                if !self.filter.may_start(bytes, i, end) {
                    continue;
                }
                let run_end = bytes[i..end]
                    .iter()
                    .position(|b| !is_id_byte(*b))
                    .map_or(end, |n| i + n);
                if let Some(occurrence) = self.longest_from(text, i, run_end, counts, &mut seen) {
                    found.push(occurrence);
                }
            }
        }
        longest_only(found)
    }

    /// The longest id that starts at `start` and ends at an atom end before `run_end`.
    fn longest_from<'t>(
        &self,
        text: &'t str,
        start: usize,
        run_end: usize,
        counts: &mut dyn FnMut(u32) -> bool,
        seen: &mut Seen<'t>,
    ) -> Option<Occurrence> {
        let bytes = text.as_bytes();
        let mut best = None;
        let mut end = start;
        loop {
            end += bytes[end..run_end]
                .iter()
                .position(|b| is_separator(*b))
                .unwrap_or(run_end - end);
            let candidate = &text[start..end];
            if candidate.len() > self.filter.max_len {
                return best;
            }
            let ends_token = bytes.get(end).is_none_or(|b| !is_word_byte(*b));
            if ends_token
                && let Some(id) = self.index_of_seen(candidate, seen)
                && counts(id)
            {
                best = Some(Occurrence {
                    span: start..end,
                    id,
                });
            }
            if end >= run_end || !self.is_prefix(candidate) {
                return best;
            }
            end += 1;
        }
    }
}

/// The words of one text already looked up, with what was found: a plan names the same
/// ids again and again, and a lookup in a table of a million ids misses the processor's
/// caches where this small table does not.
struct Seen<'t> {
    table: HashTable<(&'t str, Option<u32>)>,
}

impl Seen<'_> {
    fn new() -> Self {
        Seen {
            table: HashTable::new(),
        }
    }
}

/// Where an id may be cut to a prefix a longer id goes on from: before each `.`, `:` or
/// `/` that is not its first byte. Ids are short: a look at each byte beats setting up a
/// vectorised search.
fn separators(id: &str) -> impl Iterator<Item = usize> + '_ {
    id.bytes()
        .enumerate()
        .skip(1)
        .filter(|&(_, byte)| is_separator(byte))
        .map(|(at, _)| at)
}

/// The id `index` of packed `text` and `ends`.
fn id_in<'t>(text: &'t str, ends: &[u32], index: u32) -> &'t str {
    let index = index as usize;
    let start = index.checked_sub(1).map_or(0, |i| ends[i] as usize);
    text.get(start..ends[index] as usize).unwrap_or("")
}

/// Drops occurrences that lie inside a longer one.
fn longest_only(mut found: Vec<Occurrence>) -> Vec<Occurrence> {
    found.sort_by(|a, b| {
        a.span
            .start
            .cmp(&b.span.start)
            .then(b.span.end.cmp(&a.span.end))
    });
    let mut kept: Vec<Occurrence> = Vec::with_capacity(found.len());
    let mut reach = 0;
    for occurrence in found {
        if !kept.is_empty() && occurrence.span.end <= reach {
            continue;
        }
        reach = reach.max(occurrence.span.end);
        kept.push(occurrence);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary(ids: &[&str]) -> Vocabulary {
        let mut builder = Vocabulary::builder();
        builder.add(PlanId::new("t", "v1"), ids.iter().copied());
        builder.build()
    }

    fn found(vocabulary: &Vocabulary, text: &str) -> Vec<String> {
        vocabulary
            .find(text, std::slice::from_ref(&(0..text.len())))
            .into_iter()
            .map(|o| text[o.span].to_string())
            .collect()
    }

    #[test]
    fn matches_whole_tokens_only() {
        let v = vocabulary(&["api", "payments-api", "db"]);
        assert_eq!(
            found(
                &v,
                "restart payments-api, then api; not api2, my_api, api-x or dbx."
            ),
            ["payments-api", "api"]
        );
    }

    #[test]
    fn longest_overlapping_id_wins() {
        let v = vocabulary(&["svc", "svc.db", "db"]);
        assert_eq!(
            found(&v, "svc.db and svc.dbx and svc."),
            ["svc.db", "svc", "svc"]
        );
    }

    #[test]
    fn respects_windows() {
        let v = vocabulary(&["api"]);
        let text = "api <!-- api --> api";
        let hits = v.find(text, &[0..3, 17..20]);
        assert_eq!(hits.len(), 2);
    }

    #[test]
    fn ids_that_prefix_each_other() {
        let v = vocabulary(&["a", "a-1", "a.b", "a.b.c", "b:c/d"]);
        assert_eq!(
            found(&v, "a a-1 a-2 a.b a.b.c a.b.x a.bc x.a b:c/d/e b:c"),
            ["a", "a-1", "a.b", "a.b.c", "a.b", "a", "a", "b:c/d"]
        );
    }

    /// The definition, checked at every position: slow, obviously right.
    fn reference(ids: &[&str], text: &str) -> Vec<String> {
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        for start in 0..bytes.len() {
            for (index, id) in ids.iter().enumerate() {
                let end = start + id.len();
                let fits = text.get(start..end) == Some(*id);
                let before = start.checked_sub(1).and_then(|i| bytes.get(i));
                let after = bytes.get(end);
                if fits
                    && !before.is_some_and(|b| is_word_byte(*b))
                    && !after.is_some_and(|b| is_word_byte(*b))
                {
                    found.push(Occurrence {
                        span: start..end,
                        id: index as u32,
                    });
                }
            }
        }
        longest_only(found)
            .into_iter()
            .map(|o| text[o.span].to_string())
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn finds_what_the_definition_says(
            ids in proptest::collection::btree_set("[abcd1][ab1.:/_-]{0,4}", 1..8),
            text in "[abcd1.:/_ -]{0,40}",
        ) {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let v = vocabulary(&ids);
            proptest::prop_assert_eq!(found(&v, &text), reference(&ids, &text));
        }
    }

    /// What a text holds by a vocabulary: each occurrence with its sources, and for each
    /// word (as `belongs_to_word` cuts them) whether it is an id.
    fn seen_by(v: &Vocabulary, text: &str) -> (Vec<(String, Vec<u32>)>, Vec<bool>) {
        let occurrences = v
            .find(text, std::slice::from_ref(&(0..text.len())))
            .into_iter()
            .map(|o| (text[o.span].to_string(), v.sources(o.id).to_vec()))
            .collect();
        let words = text
            .split_whitespace()
            .flat_map(|token| [token, token.trim_matches(['(', ')', '`', '*', ','])])
            .map(|word| v.index_of(word).is_some())
            .collect();
        (occurrences, words)
    }

    /// A builder holding each list of ids as release `t/v<n>`.
    fn builder_of(manifests: &[Vec<String>]) -> VocabularyBuilder {
        let mut builder = Vocabulary::builder();
        for (n, ids) in manifests.iter().enumerate() {
            builder.add(
                PlanId::new("t", format!("v{n}")),
                ids.iter().map(String::as_str),
            );
        }
        builder
    }

    proptest::proptest! {
        /// A search that starts out knowing a source's ids finds what one that does not
        /// finds, in a whole vocabulary and in one focused on a text (which leaves some of
        /// the source's ids out), for every source and one added after the build; and an
        /// id's index taken from its place in a source is the index looking it up gives.
        #[test]
        fn a_search_seeded_with_its_own_ids_finds_the_same(
            manifests in proptest::collection::vec(
                proptest::collection::vec("[ab1]{0,2}[ab1.:/_-]{0,4}[ab1]?", 0..6), 1..5),
            text in "[ab1.:/_ (),`*-]{0,48}",
            focus in "[ab1 ]{0,8}",
        ) {
            let builder = builder_of(&manifests);
            let (mut focused, ids) = builder.build_focused(Arc::new(Focus::of([focus.as_str()])));
            let mut whole = focused.unfocused(&ids);
            let later = focused.add(PlanId::new("t", "old"), ["a1", "b"]);
            whole.add(PlanId::new("t", "old"), ["a1", "b"]);
            let all = 0..text.len();
            let window = std::slice::from_ref(&all);
            for vocabulary in [&focused, &whole] {
                let plain = vocabulary.find(&text, window);
                for own in (0..manifests.len() as u32).chain([later, 99]) {
                    let seeded = vocabulary.find_own(&text, window, Some(own), &mut |_| true);
                    proptest::prop_assert_eq!(&seeded, &plain, "source {}", own);
                    // An item's index from its place in the source is its index, whatever
                    // id is asked for at that place.
                    let listed = manifests.get(own as usize).cloned().unwrap_or_default();
                    for at in 0..listed.len() + 1 {
                        for id in listed.iter().map(String::as_str).chain(["a1", "zz"]) {
                            proptest::prop_assert_eq!(
                                vocabulary.index_in(Some(own), at, id),
                                vocabulary.index_of(id),
                                "source {} at {} id {}", own, at, id
                            );
                        }
                    }
                }
            }
        }
    }
    proptest::proptest! {
        /// A vocabulary focused on a text finds there, and knows there, all the whole one
        /// does, with the same sources, also for sources added after it was built.
        #[test]
        fn a_focused_vocabulary_sees_its_text_as_the_whole_one(
            manifests in proptest::collection::vec(
                proptest::collection::vec("[ab1]{0,2}[ab1.:/_-]{0,4}[ab1]?", 0..6), 1..5),
            later in proptest::collection::vec("[ab1.:/_-]{1,5}", 0..4),
            text in "[ab1.:/_ (),`*-]{0,48}",
        ) {
            let builder = builder_of(&manifests);
            let (mut focused, ids) = builder.build_focused(Arc::new(Focus::of([text.as_str()])));
            let mut whole = focused.unfocused(&ids);
            focused.add(PlanId::new("t", "old"), later.iter().map(String::as_str));
            whole.add(PlanId::new("t", "old"), later.iter().map(String::as_str));
            proptest::prop_assert!(focused.covers(&text));
            proptest::prop_assert_eq!(seen_by(&focused, &text), seen_by(&whole, &text));
        }
    }

    #[test]
    fn megabytes_of_text_get_no_focus() {
        let step = "1. Restart `svc-1234` and watch it.\n";
        let large = step.repeat((1 << 20) / step.len() + 1);
        assert!(Focus::of_small(&[large.as_str()]).is_none());
        assert!(Focus::of_small(&[step, step]).is_some_and(|f| f.covers(step)));
    }

    #[test]
    fn a_focus_on_nothing_admits_only_ids_without_letters_or_digits() {
        let nothing = Focus::default();
        for (id, admitted) in [
            ("--", true),
            ("._/", true),
            ("payments-api", false),
            ("_gateway", false),
            ("-1", false),
            ("é-x", false),
            ("é", true),
        ] {
            let by_runs = alnum_runs(id.as_bytes()).next().is_none();
            assert_eq!(nothing.admits(id), admitted, "{id}");
            assert_eq!(by_runs, admitted, "{id}: the general rule agrees");
        }
    }

    #[test]
    fn a_focus_covers_only_the_words_it_was_made_of() {
        let focus = Focus::of(["Roll back payments-api 2.4 (`db.main`)"]);
        assert!(focus.covers("payments-api, back db.main; Roll 4 2"));
        assert!(!focus.covers("restart payments-api"));
        assert!(focus.admits("payments-x") && focus.admits("--"));
        assert!(!focus.admits("gateway") && !focus.admits("_gateway"));
        let mut builder = Vocabulary::builder();
        builder.add(
            PlanId::new("a", "v1"),
            ["gateway", "payments-api", "db.main"],
        );
        let (mut v, ids) = builder.build_focused(Arc::new(focus));
        assert_eq!(
            v.len(),
            2,
            "`gateway` cannot stand where no run `gateway` is"
        );
        v.refocus(&ids, Focus::of(["gateway"]));
        assert_eq!((v.len(), v.release(0)), (1, Some(&PlanId::new("a", "v1"))));
    }

    #[test]
    fn sources_added_later_and_limited_searches() {
        let mut builder = Vocabulary::builder();
        let now = builder.add(PlanId::new("a", "v1"), ["svc", "db"]);
        let mut v = builder.build();
        // The same release as it was at an older commit, with an id it no longer lists.
        let then = v.add(PlanId::new("a", "v1"), ["svc.db", "svc"]);
        assert_eq!((now, then), (0, 1));
        let text = "svc.db";
        let all = |v: &Vocabulary| -> Vec<String> {
            v.find(text, std::slice::from_ref(&(0..text.len())))
                .into_iter()
                .map(|o| text[o.span].to_string())
                .collect()
        };
        assert_eq!(all(&v), ["svc.db"]);
        // Only the current manifest counts: `svc.db` is no id, so it hides nothing.
        let mut seen = Vec::new();
        let only_now: Vec<String> = v
            .find_where(text, std::slice::from_ref(&(0..text.len())), &mut |id| {
                seen.push(v.id(id).to_string());
                v.sources(id).contains(&now)
            })
            .into_iter()
            .map(|o| text[o.span].to_string())
            .collect();
        assert_eq!(only_now, ["svc", "db"]);
        assert_eq!(seen, ["svc", "svc.db", "db"]);
        let svc = v.index_of("svc").unwrap_or(u32::MAX);
        assert_eq!(v.sources(svc), [0, 1]);
        assert_eq!(v.release(1), Some(&PlanId::new("a", "v1")));
    }

    #[test]
    fn ids_packed_together_read_as_their_own() {
        let mut packer = IdsPacker::default();
        assert_eq!(packer.add("apidb.main", &[3, 10]), Some(0));
        assert_eq!(packer.add("", &[]), Some(1));
        assert_eq!(packer.add("xy", &[1, 1, 2]), None, "an empty id");
        assert_eq!(packer.add("é", &[1]), None, "inside a character");
        assert_eq!(packer.add("ledger", &[6]), Some(2));
        let ids = packer.finish();
        let listed: Vec<Vec<&str>> = ids.iter().map(|ids| ids.iter().collect()).collect();
        assert_eq!(listed, [vec!["api", "db.main"], vec![], vec!["ledger"]]);
        let last = &ids[2];
        assert_eq!(
            (last.text(), last.ends().collect::<Vec<_>>()),
            ("ledger", vec![6])
        );
        assert_eq!(ids[0], ["api", "db.main"].into_iter().collect::<Ids>());
        assert_eq!(
            Ids::from_parts(ids[0].text().into(), ids[0].ends().collect()),
            Some(ids[0].clone())
        );
        assert!(ids[1].is_empty() && ids[1].text().is_empty());
    }

    #[test]
    fn tracks_owners() {
        let mut builder = Vocabulary::builder();
        builder.add(PlanId::new("a", "v1"), ["x", "y"]);
        builder.add(PlanId::new("b", "v2"), ["x"]);
        let v = builder.build();
        let x = v.index_of("x").unwrap_or(u32::MAX);
        let owners: Vec<String> = v.owners(x).map(|p| p.to_string()).collect();
        assert_eq!(owners, ["a/v1", "b/v2"]);
    }
}
