//! Which trees `TreeFiles` keeps, and how: a tree is indexed only once it has been read
//! often enough for the index to pay, and the kept indexes have a fixed memory budget.
//!
//! Reading a tree from the object database (inflating it, applying its delta chain) costs far
//! more than finding one name in it, and building an index costs more than one search. In a
//! history where a directory of 10,000 plans changes in every commit, most trees are read once
//! or twice and never again (a tag on a commit that adds no plan reads its parent's tree a
//! second time): indexing them on the second read was a third of `backout tags` and most of its
//! memory. A tree read a third time (HEAD's tree, for every tag at HEAD) is read again and
//! again, so it is indexed then.

use std::collections::HashMap;

use super::{EntryKind, entry_kind};

/// The read of a tree that indexes it: the first two reads scan the raw tree.
const INDEX_ON_READ: u8 = 3;

/// How many trees' read counts are remembered; past that the counts start over (which only
/// delays indexing a tree that keeps being read).
const MAX_COUNTED_TREES: usize = 16_384;

/// The bytes of indexed trees kept at most; past that the kept indexes are dropped, and the
/// trees still read often are indexed again.
const MAX_INDEXED_BYTES: usize = 32 << 20;

/// The offsets of a raw tree's entries, sorted by name, for binary search: 4 bytes an entry.
pub struct Offsets(Box<[u32]>);

impl Offsets {
    /// Sorts the entries of a raw tree object; `None` when it is too large for 32-bit offsets.
    pub(super) fn new(data: &[u8]) -> Option<Offsets> {
        u32::try_from(data.len()).ok()?;
        let mut offsets = Vec::new();
        let mut at = 0;
        while let Some((_, _, next)) = entry_at(data, at) {
            offsets.push(at as u32);
            at = next;
        }
        // Stable: of two entries with one name (a damaged tree), the first is found, as a scan
        // of the raw tree finds it.
        offsets.sort_by(|a, b| name_at(data, *a).cmp(name_at(data, *b)));
        Some(Offsets(offsets.into_boxed_slice()))
    }

    /// The entry `name` of `data` (the tree these offsets were made from): id and kind.
    pub(super) fn get(&self, data: &[u8], name: &[u8]) -> Option<(git2::Oid, EntryKind)> {
        let first = self.0.partition_point(|at| name_at(data, *at) < name);
        let at = *self.0.get(first)? as usize;
        let (mode, found, next) = entry_at(data, at)?;
        if found != name {
            return None;
        }
        let oid = git2::Oid::from_bytes(&data[next - 20..next]).ok()?;
        Some((oid, entry_kind(mode)))
    }
}

/// A tree's raw bytes with its sorted entry offsets, kept by `TreeCache`: about the size of
/// the tree itself plus 4 bytes an entry, in two allocations.
pub struct TreeIndex {
    data: Box<[u8]>,
    offsets: Offsets,
}

impl TreeIndex {
    /// Indexes a raw tree object; `None` when it is too large for 32-bit offsets.
    pub(super) fn new(data: &[u8]) -> Option<TreeIndex> {
        Some(TreeIndex {
            offsets: Offsets::new(data)?,
            data: data.into(),
        })
    }

    /// The entry `name`: its object id and kind.
    pub(super) fn get(&self, name: &[u8]) -> Option<(git2::Oid, EntryKind)> {
        self.offsets.get(&self.data, name)
    }

    fn bytes(&self) -> usize {
        self.data.len() + 4 * self.offsets.0.len()
    }
}

fn name_at(data: &[u8], at: u32) -> &[u8] {
    entry_at(data, at as usize).map_or(&[][..], |(_, name, _)| name)
}

/// The entry that starts at `at` in a raw tree: mode, name and where the next entry starts.
fn entry_at(data: &[u8], at: usize) -> Option<(&[u8], &[u8], usize)> {
    let rest = data.get(at..)?;
    let space = memchr::memchr(b' ', rest)?;
    let nul = space + 1 + memchr::memchr(0, &rest[space + 1..])?;
    let end = nul + 21;
    (end <= rest.len()).then(|| (&rest[..space], &rest[space + 1..nul], at + end))
}

/// The indexed trees of one `TreeFiles`, and how often the others were read.
#[derive(Default)]
pub(super) struct TreeCache {
    reads: HashMap<git2::Oid, u8>,
    indexed: HashMap<git2::Oid, TreeIndex>,
    indexed_bytes: usize,
}

impl TreeCache {
    /// The index of `tree`, if it is kept.
    pub(super) fn get(&self, tree: git2::Oid) -> Option<&TreeIndex> {
        self.indexed.get(&tree)
    }

    /// Counts a read of `tree` (which is not indexed): whether this read should index it.
    pub(super) fn read(&mut self, tree: git2::Oid) -> bool {
        if self.reads.len() >= MAX_COUNTED_TREES && !self.reads.contains_key(&tree) {
            self.reads.clear();
        }
        let reads = self.reads.entry(tree).or_insert(0);
        *reads = reads.saturating_add(1);
        *reads >= INDEX_ON_READ
    }

    /// Keeps the index of `tree`, within the memory budget (an index larger than the whole
    /// budget is not kept).
    pub(super) fn insert(&mut self, tree: git2::Oid, index: TreeIndex) {
        self.reads.remove(&tree);
        let bytes = index.bytes();
        if bytes > MAX_INDEXED_BYTES {
            return;
        }
        if self.indexed_bytes + bytes > MAX_INDEXED_BYTES {
            self.indexed.clear();
            self.indexed_bytes = 0;
        }
        self.indexed_bytes += bytes;
        self.indexed.insert(tree, index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(bytes: &[u8]) -> git2::Oid {
        git2::Oid::from_bytes(bytes).unwrap_or_else(|e| panic!("{e}"))
    }

    fn indexed(data: &[u8]) -> TreeIndex {
        TreeIndex::new(data).unwrap_or_else(|| panic!("a small tree is indexed"))
    }

    fn entry(mode: &str, name: &str, id: u8) -> Vec<u8> {
        let mut bytes = format!("{mode} {name}\0").into_bytes();
        bytes.extend_from_slice(&[id; 20]);
        bytes
    }

    #[test]
    fn finds_entries_by_name() {
        // git's order puts the directory `a` (sorted as "a/") after the file `a.b`.
        let mut data = entry("100644", "a.b", 1);
        data.extend(entry("40000", "a", 2));
        data.extend(entry("100755", "run", 3));
        data.extend(entry("160000", "vendor", 4));
        // A damaged tree may name an entry twice: the first wins, as in a scan.
        data.extend(entry("100644", "run", 5));
        let index = indexed(&data);
        let found = |name: &str| {
            index
                .get(name.as_bytes())
                .map(|(oid, k)| (oid.as_bytes()[0], k))
        };
        assert_eq!(found("a"), Some((2, EntryKind::Tree)));
        assert_eq!(found("a.b"), Some((1, EntryKind::File)));
        assert_eq!(found("run"), Some((3, EntryKind::File)));
        assert_eq!(found("vendor"), Some((4, EntryKind::Other)));
        assert_eq!(found(""), None);
        assert_eq!(found("b"), None);
        assert_eq!(found("zzz"), None);
        // A truncated last entry is left out.
        let index = indexed(&data[..data.len() - 3]);
        assert_eq!(index.get(b"run").map(|(oid, _)| oid.as_bytes()[0]), Some(3));
        assert_eq!(index.offsets.0.len(), 4);
    }

    #[test]
    fn indexes_on_the_third_read_within_a_budget() {
        let mut cache = TreeCache::default();
        let tree = oid(&[7; 20]);
        assert!(!cache.read(tree));
        assert!(!cache.read(tree));
        assert!(cache.read(tree));
        let data = entry("100644", "plan.md", 1);
        cache.insert(tree, indexed(&data));
        assert!(cache.get(tree).is_some());

        // Read counts stay bounded.
        for n in 0..(MAX_COUNTED_TREES as u32 + 10) {
            let mut id = [0u8; 20];
            id[..4].copy_from_slice(&n.to_be_bytes());
            cache.read(oid(&id));
        }
        assert!(cache.reads.len() <= MAX_COUNTED_TREES);

        // Indexes past the budget drop the kept ones.
        let big = vec![b'x'; MAX_INDEXED_BYTES];
        let other = oid(&[8; 20]);
        cache.insert(other, indexed(&big));
        assert!(cache.get(tree).is_none());
        assert!(cache.get(other).is_some());
    }
}
