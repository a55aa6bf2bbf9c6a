//! Small scanners over a plan's text windows: placeholders, version numbers, release names.
//! Each is one linear pass.

use std::collections::HashMap;
use std::ops::Range;

use crate::plan::PLACEHOLDERS;

/// A table of 256 flags, one per byte, from an expression in the byte `b` (evaluated at
/// compile time): the scanners ask one for every byte of every plan.
macro_rules! byte_table {
    ($b:ident => $flag:expr) => {{
        let mut table = [false; 256];
        let mut byte = 0;
        while byte < 256 {
            let $b = byte as u8;
            table[byte] = $flag;
            byte += 1;
        }
        table
    }};
}
pub(crate) use byte_table;

/// The bytes a kind of token can start with (the first bytes of every item id, of every
/// release name), to go from one place where such a token may start to the next without
/// looking at every byte in between twice.
#[derive(Clone)]
pub struct FirstBytes {
    table: [bool; 256],
    /// The bytes, while there are at most three: then a SIMD search (memchr) finds them.
    few: Vec<u8>,
    count: usize,
}

impl Default for FirstBytes {
    fn default() -> Self {
        FirstBytes {
            table: [false; 256],
            few: Vec::new(),
            count: 0,
        }
    }
}

impl FirstBytes {
    pub fn insert(&mut self, byte: u8) {
        if !self.table[byte as usize] {
            self.table[byte as usize] = true;
            self.count += 1;
            if self.count <= 3 {
                self.few.push(byte);
            } else {
                self.few.clear();
            }
        }
    }

    pub fn merge(&mut self, other: &FirstBytes) {
        for byte in 0..=255u8 {
            if other.table[byte as usize] {
                self.insert(byte);
            }
        }
    }

    /// The first place at or after `from` and before `end` that holds one of the bytes and
    /// does not follow a byte of `sticky` (a token starts there, not inside a longer word).
    pub fn next_start(
        &self,
        bytes: &[u8],
        mut from: usize,
        end: usize,
        sticky: &[bool; 256],
    ) -> Option<usize> {
        let end = end.min(bytes.len());
        while from < end {
            let hay = &bytes[from..end];
            let found = match self.few.as_slice() {
                [] => hay.iter().position(|b| self.table[*b as usize]),
                [a] => memchr::memchr(*a, hay),
                [a, b] => memchr::memchr2(*a, *b, hay),
                [a, b, c, ..] => memchr::memchr3(*a, *b, *c, hay),
            }?;
            let at = from + found;
            if at == 0 || !sticky[bytes[at - 1] as usize] {
                return Some(at);
            }
            from = at + 1;
        }
        None
    }
}

fn is_alnum_or_underscore(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Whole-word `TODO`, `TBD` and `FIXME` in the windows.
pub fn placeholders(text: &str, windows: &[Range<usize>]) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for window in windows {
        let end = window.end.min(bytes.len());
        let start = window.start.min(end);
        // Every placeholder starts with T or F: jump from one to the next.
        for i in memchr::memchr2_iter(b'T', b'F', &bytes[start..end]).map(|i| start + i) {
            let starts_word = i == 0 || !is_alnum_or_underscore(bytes[i - 1]);
            if !starts_word {
                continue;
            }
            for word in PLACEHOLDERS {
                let end = i + word.len();
                if bytes.get(i..end) == Some(word.as_bytes())
                    && !bytes.get(end).is_some_and(|b| is_alnum_or_underscore(*b))
                {
                    found.push(i..end);
                    break;
                }
            }
        }
    }
    found
}

/// A version-like token: `v?\d+\.\d+(\.\d+)?`, with an optional `-pre` suffix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionToken {
    pub span: Range<usize>,
    /// Without the `v` prefix and the pre-release suffix: `2.4.0`.
    pub core: Range<usize>,
}

/// Version-like tokens in the windows, skipping percentages (`2.5%`) and quantities (`1.5h`,
/// `2.0GB`), and numbers that are part of a longer token (`10.0.0.1`, `abc1.2`).
pub fn versions(text: &str, windows: &[Range<usize>]) -> Vec<VersionToken> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for window in windows {
        let end = window.end.min(bytes.len());
        let mut from = window.start.min(end);
        // Every version has a dot, and a token (or a number passed over) is made of bytes
        // of `IN_TOKEN` only, so the scan starts afresh after any other byte: only the runs
        // of such bytes around a dot need scanning, and dots are found with `memchr`.
        while let Some(at) = memchr::memchr(b'.', &bytes[from..end]) {
            let dot = from + at;
            let run_start = bytes[from..dot]
                .iter()
                .rposition(|&b| !IN_TOKEN[b as usize])
                .map_or(from, |p| from + p + 1);
            let run_end = bytes[dot..end]
                .iter()
                .position(|&b| !IN_TOKEN[b as usize])
                .map_or(end, |p| dot + p);
            versions_in(bytes, run_start..run_end, &mut found);
            from = run_end;
        }
    }
    found
}

/// The bytes a version token, or a number passed over, can be made of.
static IN_TOKEN: [bool; 256] =
    byte_table!(b => b.is_ascii_alphanumeric() || b == b'.' || b == b'-');

/// Version tokens in `run`, a whole run of `IN_TOKEN` bytes (or the part of one in a
/// window), scanned from its start.
fn versions_in(bytes: &[u8], run: Range<usize>, found: &mut Vec<VersionToken>) {
    let mut i = run.start;
    while i < run.end {
        // A token starts with `v` or a digit, not inside a word or after a dot: any
        // other byte is passed over with two table lookups.
        let starts = STARTS_NUMBER[bytes[i] as usize]
            && !i
                .checked_sub(1)
                .is_some_and(|p| STICKS_TO_NUMBER[bytes[p] as usize]);
        if starts && let Some((token, next)) = version_at(bytes, i, run.end) {
            if let Some(token) = token {
                found.push(token);
            }
            i = next;
            continue;
        }
        i += 1;
    }
}

/// The bytes a version token can start with.
static STARTS_NUMBER: [bool; 256] = byte_table!(b => b.is_ascii_digit() || b == b'v' || b == b'V');

/// The bytes after which no version token starts (`abc1.2`, `x2.0`, `10.0.0.1`).
static STICKS_TO_NUMBER: [bool; 256] =
    byte_table!(b => b.is_ascii_alphanumeric() || b == b'_' || b == b'.');

/// Tries to read a number token at `i`. Returns the token (if it is a version) and where
/// scanning resumes, or `None` when no number starts at `i`.
fn version_at(bytes: &[u8], i: usize, end: usize) -> Option<(Option<VersionToken>, usize)> {
    let prev = i.checked_sub(1).map(|p| bytes[p]);
    if prev.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') {
        return None;
    }
    let core_start = if matches!(bytes[i], b'v' | b'V') {
        i + 1
    } else {
        i
    };
    if !bytes.get(core_start).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    // Read digit groups separated by dots.
    let mut j = core_start;
    let mut groups = 0;
    loop {
        let digits_start = j;
        while j < end && bytes[j].is_ascii_digit() {
            j += 1;
        }
        if j == digits_start {
            break;
        }
        groups += 1;
        if j + 1 < end && bytes[j] == b'.' && bytes[j + 1].is_ascii_digit() {
            j += 1;
        } else {
            break;
        }
    }
    let core_end = j;
    // A pre-release suffix such as -rc1 or -beta.2.
    if j + 1 < end && bytes[j] == b'-' && bytes[j + 1].is_ascii_alphanumeric() {
        j += 1;
        while j < end && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'.') {
            j += 1;
        }
        while bytes[j - 1] == b'.' {
            j -= 1;
        }
    }
    let next = bytes.get(j).copied();
    let is_quantity = next.is_some_and(|b| b == b'%' || b.is_ascii_alphabetic() || b == b'_');
    let token = (2..=3).contains(&groups) && !is_quantity && next != Some(b'-');
    let token = token.then_some(VersionToken {
        span: i..j,
        core: core_start..core_end,
    });
    Some((token, j.max(i + 1)))
}

/// Finds one team's release names in text.
pub struct ReleaseNames {
    names: Vec<String>,
    index: HashMap<String, usize, foldhash::fast::RandomState>,
    /// The first bytes and lengths of the names: most words of a plan are no release name,
    /// and are passed over without hashing.
    first_bytes: FirstBytes,
    lengths: std::ops::RangeInclusive<usize>,
}

/// Characters release names are made of.
fn is_name_byte(byte: u8) -> bool {
    NAME_BYTES[byte as usize]
}

/// `is_name_byte` as a table: the scan asks it for every byte of every plan.
static NAME_BYTES: [bool; 256] =
    byte_table!(b => b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));

impl ReleaseNames {
    pub fn new(names: Vec<String>) -> Self {
        let index = names
            .iter()
            .enumerate()
            .map(|(i, name)| (name.clone(), i))
            .collect();
        let mut first_bytes = FirstBytes::default();
        let (mut shortest, mut longest) = (usize::MAX, 0);
        for name in &names {
            if let Some(&first) = name.as_bytes().first() {
                first_bytes.insert(first);
            }
            shortest = shortest.min(name.len());
            longest = longest.max(name.len());
        }
        ReleaseNames {
            names,
            index,
            first_bytes,
            lengths: shortest..=longest,
        }
    }

    /// Whether `name` is one of the team's releases.
    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The index of a name, looked up only when a name could be it.
    fn lookup(&self, token: &str) -> Option<usize> {
        let first = *token.as_bytes().first()?;
        if !self.first_bytes.table[first as usize] || !self.lengths.contains(&token.len()) {
            return None;
        }
        self.index.get(token).copied()
    }

    pub fn name(&self, index: usize) -> &str {
        self.names.get(index).map_or("", String::as_str)
    }

    /// Whole-token occurrences: not inside a longer name or version (`v1.4` is not found
    /// in `v1.4.2` or `v1.40`), returned as (span, name index). A name can only stand as a
    /// whole run of name characters (a sentence's final `.` aside), so each run is one
    /// hash lookup.
    pub fn find(&self, text: &str, windows: &[Range<usize>]) -> Vec<(Range<usize>, usize)> {
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        if self.names.is_empty() {
            return found;
        }
        // A name stands as a whole run of name characters: only a run whose first byte
        // some name starts with is looked at.
        for window in windows {
            let end = window.end.min(bytes.len());
            let mut from = window.start;
            while let Some(i) = self.first_bytes.next_start(bytes, from, end, &NAME_BYTES) {
                let run_end = bytes[i..end]
                    .iter()
                    .position(|b| !is_name_byte(*b))
                    .map_or(end, |n| i + n);
                let ends_token = bytes.get(run_end).is_none_or(|b| !is_name_byte(*b));
                let token = text[i..run_end].trim_end_matches('.');
                if ends_token && let Some(index) = self.lookup(token) {
                    found.push((i..i + token.len(), index));
                }
                from = run_end;
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<Range<usize>> {
        std::iter::once(0..text.len()).collect()
    }

    #[test]
    fn finds_placeholder_words() {
        let text = "TODO: x TBD, FIXME. TODOS notTBD TBD_x (TBD)";
        let words: Vec<_> = placeholders(text, &all(text))
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(words, ["TODO", "TBD", "FIXME", "TBD"]);
    }

    #[test]
    fn finds_versions_not_quantities() {
        let text = "deploy v2.4.0 then 2.3 (1.5h, 2.5%, 3.0GB) not 10.0.0.1 or a1.2; v2.0-rc1 1.2.";
        let words: Vec<_> = versions(text, &all(text))
            .into_iter()
            .map(|t| (&text[t.span.clone()], &text[t.core]))
            .collect();
        assert_eq!(
            words,
            [
                ("v2.4.0", "2.4.0"),
                ("2.3", "2.3"),
                ("v2.0-rc1", "2.0"),
                ("1.2", "1.2")
            ]
        );
    }

    #[test]
    fn finds_release_names_as_whole_tokens() {
        let names = ReleaseNames::new(vec!["v1.4".into(), "v1.5".into()]);
        let text = "see v1.4, payments/v1.5. not v1.4.2, v1.40 or xv1.4";
        let words: Vec<_> = names
            .find(text, &all(text))
            .into_iter()
            .map(|(r, i)| (&text[r], names.name(i)))
            .collect();
        assert_eq!(words, [("v1.4", "v1.4"), ("v1.5", "v1.5")]);
    }

    /// The scan as it was before it jumped from one possible start to the next: word by
    /// word, trying every other byte. The faster scan must find the same tokens.
    fn versions_by_word(text: &str, windows: &[Range<usize>]) -> Vec<VersionToken> {
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        for window in windows {
            let mut i = window.start;
            while i < window.end {
                match version_at(bytes, i, window.end) {
                    Some((token, next)) => {
                        if let Some(token) = token {
                            found.push(token);
                        }
                        i = next;
                    }
                    // No number starts inside a word: go on after it.
                    None if is_word_start_skip(bytes, i) => {
                        i += bytes[i..window.end]
                            .iter()
                            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                            .unwrap_or(window.end - i);
                    }
                    None => i += 1,
                }
            }
        }
        found
    }

    /// Whether the word at `i` (letters, digits, `_`) can hold no version token: one that does
    /// not start with `v` or a digit after a character that allows a token (a version inside a
    /// word, as in `abc1.2` or `x2.0`, does not count).
    fn is_word_start_skip(bytes: &[u8], i: usize) -> bool {
        let byte = bytes[i];
        if !(byte.is_ascii_alphanumeric() || byte == b'_') {
            return false;
        }
        let prev = i.checked_sub(1).map(|p| bytes[p]);
        let inside = prev.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
        inside || !(byte.is_ascii_digit() || matches!(byte, b'v' | b'V'))
    }

    proptest::proptest! {
        #[test]
        fn versions_are_found_as_word_by_word(
            text in "[v0-9.a_ %-]{0,40}",
            cut in 0usize..40,
        ) {
            let cut = cut.min(text.len());
            let windows = [0..cut, cut..text.len()];
            proptest::prop_assert_eq!(versions(&text, &windows), versions_by_word(&text, &windows));
        }

        /// The scan jumps from dot to dot: runs around dots, window edges inside runs,
        /// suffixes and units must come out as before.
        #[test]
        fn versions_are_found_dot_by_dot_as_word_by_word(
            text in "([vV]?[0-9]{1,3}|[.]|-|rc|GB|%|_|x| |\n|é){0,30}",
            cuts in proptest::collection::vec(0usize..120, 0..4),
        ) {
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(text.len())).collect();
            cuts.push(0);
            cuts.push(text.len());
            cuts.sort_unstable();
            cuts.retain(|&c| text.is_char_boundary(c));
            let windows: Vec<Range<usize>> = cuts.windows(2).map(|w| w[0]..w[1]).collect();
            proptest::prop_assert_eq!(versions(&text, &windows), versions_by_word(&text, &windows));
        }
    }

    proptest::proptest! {
        /// The jump from one possible start to the next, with one to five first bytes
        /// (memchr or the table), finds what a look at every byte finds.
        #[test]
        fn next_start_finds_each_start_byte_by_byte(
            text in "[ab1 ._-]{0,40}",
            firsts in proptest::collection::vec(proptest::sample::select(b"ab1._".to_vec()), 1..5),
            from in 0usize..45,
            end in 0usize..45,
        ) {
            let mut first = FirstBytes::default();
            for byte in &firsts {
                first.insert(*byte);
            }
            let sticky = &NAME_BYTES;
            let bytes = text.as_bytes();
            let end = end.min(bytes.len());
            let plain = (from..end).find(|&at| {
                first.table[bytes[at] as usize] && (at == 0 || !sticky[bytes[at - 1] as usize])
            });
            proptest::prop_assert_eq!(first.next_start(bytes, from, end, sticky), plain);
        }
    }

    /// Release names found run by run, as before the scan jumped between first bytes.
    fn release_names_by_run(
        names: &ReleaseNames,
        text: &str,
        windows: &[Range<usize>],
    ) -> Vec<(Range<usize>, usize)> {
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        for window in windows {
            let end = window.end.min(bytes.len());
            let mut i = window.start;
            while i < end {
                if !is_name_byte(bytes[i]) {
                    i += 1;
                    continue;
                }
                let run_end = bytes[i..end]
                    .iter()
                    .position(|b| !is_name_byte(*b))
                    .map_or(end, |n| i + n);
                let starts_token = i == 0 || !is_name_byte(bytes[i - 1]);
                let ends_token = bytes.get(run_end).is_none_or(|b| !is_name_byte(*b));
                let token = text[i..run_end].trim_end_matches('.');
                if starts_token
                    && ends_token
                    && let Some(index) = names.index.get(token).copied()
                {
                    found.push((i..i + token.len(), index));
                }
                i = run_end;
            }
        }
        found
    }

    proptest::proptest! {
        #[test]
        fn release_names_are_found_as_run_by_run(
            names in proptest::collection::btree_set("[vrx1][0-9.x-]{0,3}", 1..6),
            text in "[vrx10.,/ -]{0,40}",
            cut in 0usize..40,
        ) {
            let names = ReleaseNames::new(names.into_iter().collect());
            let cut = cut.min(text.len());
            let windows = [0..cut, cut..text.len()];
            proptest::prop_assert_eq!(
                names.find(&text, &windows),
                release_names_by_run(&names, &text, &windows)
            );
        }
    }
}
