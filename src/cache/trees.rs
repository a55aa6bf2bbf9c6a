//! Team directories as read from git, by the id of the team's tree: a second file beside
//! the work tree's cache (`<hash>.trees`). A commands that reads a revision (`review`) lists
//! every release directory of every team, one tree object each (10,000 of them in a big
//! repository); a team whose tree it listed before is taken from here instead.
//!
//! A git tree never changes under its id, so an entry needs no stamp: it holds while the
//! backout build that wrote it reads it (the header names it). Written like the main file
//! (whole, atomically, never inside the work tree), and only when the run listed a team
//! that was not in it; it keeps the teams the run used, so it stays the size of one or two
//! revisions' listings.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use super::codec::{Reader, Writer};
use super::{Header, locate, write};
use crate::workspace::Workspace;

/// Set apart from the main file's format number, so one file is never read as the other.
const FORMAT: u32 = 0x7472_0001;

/// A release directory of a team's tree: its name and the objects of the files backout reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRelease {
    pub name: String,
    pub plan: Option<git2::Oid>,
    pub manifest: Option<git2::Oid>,
    /// Its `manifest.toml` is a directory.
    pub manifest_dir: bool,
    /// The tree of its drills directory.
    pub drills: Option<git2::Oid>,
}

/// The team listings of one work tree's repository, as read at the start of a run.
#[derive(Default)]
pub struct Listings {
    file: Option<(PathBuf, Header)>,
    bytes: super::FileBytes,
    /// Where each stored team's releases are in `bytes`.
    stored: HashMap<git2::Oid, (usize, usize)>,
    /// Listed by this run, in no stored entry.
    fresh: HashMap<git2::Oid, Vec<TreeRelease>>,
    used: HashSet<git2::Oid>,
}

impl Listings {
    /// The listings of the workspace's repository; empty (and never saved) when the cache
    /// is off or there is no cache directory.
    pub fn open(workspace: &Workspace) -> Listings {
        let Some((file, header)) = locate(workspace) else {
            return Listings::default();
        };
        let file = file.with_extension("trees");
        let bytes = super::read_bytes(&file).unwrap_or_default();
        let stored = index(&bytes, &header).unwrap_or_default();
        Listings {
            file: Some((file, header)),
            bytes,
            stored,
            ..Listings::default()
        }
    }

    /// The releases of the team whose tree is `tree`, as listed before.
    pub fn get(&mut self, tree: git2::Oid) -> Option<Vec<TreeRelease>> {
        if let Some(releases) = self.fresh.get(&tree) {
            return Some(releases.clone());
        }
        let &(start, end) = self.stored.get(&tree)?;
        let releases = decode(self.bytes.get(start..end)?)?;
        self.used.insert(tree);
        Some(releases)
    }

    /// Keeps the releases listed from the team tree `tree`.
    pub fn put(&mut self, tree: git2::Oid, releases: &[TreeRelease]) {
        if self.file.is_some() {
            self.fresh.insert(tree, releases.to_vec());
        }
    }

    /// Writes the file when this run listed a team it did not hold: the teams it used and
    /// listed. Failing to write is not an error.
    pub fn save(self) {
        let Some((file, header)) = &self.file else {
            return;
        };
        if self.fresh.is_empty() {
            return;
        }
        let mut out = Writer::new();
        out.u32(FORMAT);
        header.write(&mut out);
        let used: Vec<_> = self
            .used
            .iter()
            .filter(|tree| !self.fresh.contains_key(*tree))
            .filter_map(|tree| Some((tree, self.stored.get(tree)?)))
            .collect();
        out.u32((used.len() + self.fresh.len()) as u32);
        for (tree, &(start, end)) in used {
            out.bytes(tree.as_bytes());
            out.u32((end - start) as u32);
            out.bytes(&self.bytes[start..end]);
        }
        for (tree, releases) in &self.fresh {
            out.bytes(tree.as_bytes());
            encode(&mut out, releases);
        }
        let _ = write(file, &out.finish());
    }
}

const PLAN: u8 = 1;
const MANIFEST: u8 = 2;
const MANIFEST_DIR: u8 = 4;
const DRILLS: u8 = 8;

/// A team's releases: their byte length, their count, then each name, flags and ids.
fn encode(out: &mut Writer, releases: &[TreeRelease]) {
    let length = out.position();
    out.u32(0);
    out.u32(releases.len() as u32);
    for release in releases {
        out.str(&release.name);
        let flag = |present: bool, bit: u8| if present { bit } else { 0 };
        out.u8(flag(release.plan.is_some(), PLAN)
            | flag(release.manifest.is_some(), MANIFEST)
            | flag(release.manifest_dir, MANIFEST_DIR)
            | flag(release.drills.is_some(), DRILLS));
        for id in [release.plan, release.manifest, release.drills]
            .into_iter()
            .flatten()
        {
            out.bytes(id.as_bytes());
        }
    }
    let written = out.position() - length - 4;
    out.set_u32(length, written as u32);
}

/// The releases `encode` wrote (without the length before them).
fn decode(bytes: &[u8]) -> Option<Vec<TreeRelease>> {
    let mut input = Reader::resume(bytes);
    let count = input.count(6)?;
    let mut releases = Vec::with_capacity(count);
    for _ in 0..count {
        let name = input.str()?.to_string();
        let flags = input.u8()?;
        let mut id = |bit: u8| -> Option<Option<git2::Oid>> {
            if flags & bit == 0 {
                return Some(None);
            }
            git2::Oid::from_bytes(input.bytes(20)?).ok().map(Some)
        };
        releases.push(TreeRelease {
            name,
            plan: id(PLAN)?,
            manifest: id(MANIFEST)?,
            drills: id(DRILLS)?,
            manifest_dir: flags & MANIFEST_DIR != 0,
        });
    }
    input.is_empty().then_some(releases)
}

/// Where each team's releases stand in the file, when it is one this build wrote for this
/// work tree.
fn index(bytes: &[u8], header: &Header) -> Option<HashMap<git2::Oid, (usize, usize)>> {
    let mut input = Reader::open(bytes)?;
    if input.u32()? != FORMAT || Header::read(&mut input)? != *header {
        return None;
    }
    let count = input.count(24)?;
    let mut stored = HashMap::with_capacity(count);
    for _ in 0..count {
        let tree = git2::Oid::from_bytes(input.bytes(20)?).ok()?;
        let len = input.u32()? as usize;
        let start = bytes.len() - input.remaining() - super::codec::TRAILER;
        // Checked by the checksum; decoded when asked for.
        input.bytes(len)?;
        stored.insert(tree, (start, start + len));
    }
    input.is_empty().then_some(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(byte: u8) -> git2::Oid {
        git2::Oid::from_bytes(&[byte; 20]).unwrap_or_else(|e| panic!("{e}"))
    }

    fn releases() -> Vec<TreeRelease> {
        vec![
            TreeRelease {
                name: "v1.4".into(),
                plan: Some(oid(1)),
                manifest: Some(oid(2)),
                manifest_dir: false,
                drills: None,
            },
            TreeRelease {
                name: "v1.5-rc.1".into(),
                plan: None,
                manifest: None,
                manifest_dir: true,
                drills: Some(oid(3)),
            },
        ]
    }

    use crate::cache::tests::header;

    fn file(teams: &[(git2::Oid, Vec<TreeRelease>)], header: &Header) -> Vec<u8> {
        let mut out = Writer::new();
        out.u32(FORMAT);
        header.write(&mut out);
        out.u32(teams.len() as u32);
        for (tree, releases) in teams {
            out.bytes(tree.as_bytes());
            encode(&mut out, releases);
        }
        out.finish()
    }

    #[test]
    fn a_listing_reads_back_as_written() {
        let bytes = file(&[(oid(9), releases()), (oid(8), Vec::new())], &header());
        let stored = index(&bytes, &header()).unwrap_or_else(|| panic!("rejected"));
        let mut listings = Listings {
            bytes: crate::cache::FileBytes::Read(bytes),
            stored,
            ..Listings::default()
        };
        assert_eq!(listings.get(oid(9)), Some(releases()));
        assert_eq!(listings.get(oid(8)), Some(Vec::new()));
        assert_eq!(listings.get(oid(7)), None);
    }

    #[test]
    fn another_build_or_a_damaged_file_is_no_listing() {
        let bytes = file(&[(oid(9), releases())], &header());
        let other = Header {
            root: "/work/other".into(),
            ..header()
        };
        assert!(index(&bytes, &other).is_none());
        for cut in [1, 9, 30, bytes.len() / 2, bytes.len() - 9] {
            assert!(index(&bytes[..cut], &header()).is_none(), "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x40;
        assert!(index(&flipped, &header()).is_none());
    }
}
