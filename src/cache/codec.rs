//! The cache file's bytes: a header naming who wrote it and for which repository, the
//! entries, and a checksum of everything before it. Little-endian numbers, strings as a
//! length and UTF-8 bytes. Reading checks every length against what is left, so a damaged
//! or foreign file is rejected, never trusted and never a panic.

use std::hash::BuildHasher;

use crate::store::stamp::{EntryType, FileStamp};

/// The first bytes of every cache file.
const MAGIC: &[u8; 8] = b"bkcache\x01";

/// The bytes after the body: its checksum.
pub const TRAILER: usize = 8;

/// Builds a cache file.
#[derive(Default)]
pub struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    pub fn new() -> Writer {
        let mut writer = Writer::default();
        writer.bytes.extend_from_slice(MAGIC);
        writer
    }

    pub fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }

    pub fn u32(&mut self, value: u32) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    pub fn u64(&mut self, value: u64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    pub fn str(&mut self, value: &str) {
        self.u32(value.len() as u32);
        self.bytes.extend_from_slice(value.as_bytes());
    }

    pub fn bytes(&mut self, value: &[u8]) {
        self.bytes.extend_from_slice(value);
    }

    /// How many bytes are written so far: a place to `set_u32` later.
    pub fn position(&self) -> usize {
        self.bytes.len()
    }

    /// Overwrites the `u32` written at `at` (a length known only after what follows it).
    pub fn set_u32(&mut self, at: usize, value: u32) {
        if let Some(place) = self.bytes.get_mut(at..at + 4) {
            place.copy_from_slice(&value.to_le_bytes());
        }
    }

    pub fn opt_str(&mut self, value: Option<&str>) {
        match value {
            Some(value) => {
                self.u8(1);
                self.str(value);
            }
            None => self.u8(0),
        }
    }

    pub fn stamp(&mut self, stamp: &FileStamp) {
        self.u8(match stamp.kind {
            EntryType::File => 0,
            EntryType::Symlink => 1,
            EntryType::Dir => 2,
            EntryType::Other => 3,
        });
        self.u64(stamp.len);
        self.u64(stamp.modified.0 as u64);
        self.u32(stamp.modified.1);
        self.u64(stamp.changed.0 as u64);
        self.u32(stamp.changed.1);
        self.u64(stamp.inode);
        self.u64(stamp.device);
    }

    /// The file's bytes, with the checksum appended.
    pub fn finish(mut self) -> Vec<u8> {
        let sum = checksum(&self.bytes);
        self.u64(sum);
        self.bytes
    }
}

/// Reads a cache file's bytes; every read is `None` once something does not fit.
pub struct Reader<'b> {
    rest: &'b [u8],
}

impl<'b> Reader<'b> {
    /// A reader of the body, when the magic and checksum are right.
    pub fn open(bytes: &'b [u8]) -> Option<Reader<'b>> {
        let body_len = bytes.len().checked_sub(TRAILER)?;
        let (body, sum) = bytes.split_at(body_len);
        let sum = u64::from_le_bytes(sum.try_into().ok()?);
        if checksum(body) != sum {
            return None;
        }
        let rest = body.strip_prefix(MAGIC.as_slice())?;
        Some(Reader { rest })
    }

    /// A reader of bytes of a file `open` accepted, from a place a reader of it reached.
    pub fn resume(bytes: &'b [u8]) -> Reader<'b> {
        Reader { rest: bytes }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// How many bytes of the body are left.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    fn take(&mut self, len: usize) -> Option<&'b [u8]> {
        if len > self.rest.len() {
            return None;
        }
        let (taken, rest) = self.rest.split_at(len);
        self.rest = rest;
        Some(taken)
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    pub fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    pub fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    pub fn str(&mut self) -> Option<&'b str> {
        let len = self.u32()? as usize;
        std::str::from_utf8(self.take(len)?).ok()
    }

    pub fn bytes(&mut self, len: usize) -> Option<&'b [u8]> {
        self.take(len)
    }

    pub fn opt_str(&mut self) -> Option<Option<&'b str>> {
        match self.u8()? {
            0 => Some(None),
            1 => self.str().map(Some),
            _ => None,
        }
    }

    /// A count of things each at least `min_size` bytes long, when that many could fit.
    pub fn count(&mut self, min_size: usize) -> Option<usize> {
        let count = self.u32()? as usize;
        (count.saturating_mul(min_size.max(1)) <= self.rest.len()).then_some(count)
    }

    pub fn stamp(&mut self) -> Option<FileStamp> {
        let kind = match self.u8()? {
            0 => EntryType::File,
            1 => EntryType::Symlink,
            2 => EntryType::Dir,
            3 => EntryType::Other,
            _ => return None,
        };
        let len = self.u64()?;
        let modified = (self.u64()? as i64, self.u32()?);
        let changed = (self.u64()? as i64, self.u32()?);
        Some(FileStamp {
            kind,
            len,
            modified,
            changed,
            inode: self.u64()?,
            device: self.u64()?,
        })
    }
}

/// A checksum of the file's body: a fixed-seed foldhash, fast on megabytes; it catches a
/// torn or damaged file, not a forged one (the cache directory is the user's own).
fn checksum(bytes: &[u8]) -> u64 {
    foldhash::fast::FixedState::with_seed(0x6261_636b_6f75_7421).hash_one(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_was_written_and_nothing_damaged() {
        let stamp = FileStamp {
            kind: EntryType::File,
            len: 7,
            modified: (-3, 5),
            changed: (1_700_000_000, 999_999_999),
            inode: u64::MAX,
            device: 2,
        };
        let mut writer = Writer::new();
        writer.str("payments/v1.5");
        writer.opt_str(None);
        writer.opt_str(Some("é"));
        writer.stamp(&stamp);
        writer.u32(3);
        let bytes = writer.finish();
        let mut reader = Reader::open(&bytes).unwrap_or_else(|| panic!("rejected"));
        assert_eq!(reader.str(), Some("payments/v1.5"));
        assert_eq!(reader.opt_str(), Some(None));
        assert_eq!(reader.opt_str(), Some(Some("é")));
        assert_eq!(reader.stamp(), Some(stamp));
        assert_eq!(
            reader.count(1),
            None,
            "3 more things cannot fit in no bytes"
        );
        assert!(reader.is_empty());
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x10;
            assert!(Reader::open(&damaged).is_none(), "byte {at}");
        }
        assert!(Reader::open(&bytes[..bytes.len() - 1]).is_none());
        assert!(Reader::open(b"").is_none());
    }
}
