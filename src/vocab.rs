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

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use crate::names::PlanId;

/// Characters that may not touch an item id for it to count as a reference.
pub fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'
}

/// Characters item ids are made of.
fn is_id_byte(byte: u8) -> bool {
    is_word_byte(byte) || is_separator(byte)
}

/// The id characters that are not word characters: where atoms meet.
fn is_separator(byte: u8) -> bool {
    matches!(byte, b'.' | b':' | b'/')
}

/// Every item id of every manifest, and the releases each belongs to.
///
/// Each manifest added is a *source*, numbered in the order added; the same release may be
/// a source more than once (its manifest now, and as it was at an older commit), so a
/// search can be limited to the sources that count for one plan.
#[derive(Debug, Default)]
pub struct Vocabulary {
    ids: Vec<Box<str>>,
    /// For each id, the sources (indices into `releases`) whose manifest lists it.
    owners: Vec<Vec<u32>>,
    releases: Vec<PlanId>,
    by_id: HashMap<Box<str>, u32>,
    /// Every id cut just before one of its separators: where a longer id may go on.
    prefixes: HashSet<Box<str>>,
}

/// An occurrence of a vocabulary id in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub span: Range<usize>,
    pub id: u32,
}

/// Adds manifests one at a time, then builds the vocabulary once.
#[derive(Debug, Default)]
pub struct VocabularyBuilder {
    vocabulary: Vocabulary,
}

impl VocabularyBuilder {
    /// Records that `release`'s manifest lists `ids`; returns the source's number.
    pub fn add<'a>(&mut self, release: PlanId, ids: impl IntoIterator<Item = &'a str>) -> u32 {
        self.vocabulary.insert(release, ids, |_| {})
    }

    pub fn build(mut self) -> Vocabulary {
        let mut prefixes = HashSet::new();
        for id in &self.vocabulary.ids {
            add_prefixes(&mut prefixes, id);
        }
        self.vocabulary.prefixes = prefixes;
        self.vocabulary
    }
}

/// Records the prefixes of `id` that end just before a separator.
fn add_prefixes(prefixes: &mut HashSet<Box<str>>, id: &str) {
    for (at, _) in id.match_indices(|c: char| c.is_ascii() && is_separator(c as u8)) {
        if at > 0 {
            prefixes.insert(Box::from(&id[..at]));
        }
    }
}

impl Vocabulary {
    pub fn builder() -> VocabularyBuilder {
        VocabularyBuilder::default()
    }

    /// Adds one more source after the vocabulary was built; returns its number.
    pub fn add<'a>(&mut self, release: PlanId, ids: impl IntoIterator<Item = &'a str>) -> u32 {
        let mut new_ids = Vec::new();
        let source = self.insert(release, ids, |index| new_ids.push(index));
        for index in new_ids {
            if let Some(id) = self.ids.get(index as usize) {
                add_prefixes(&mut self.prefixes, id);
            }
        }
        source
    }

    /// Adds a source; `new_id` hears of every id not seen before.
    fn insert<'a>(
        &mut self,
        release: PlanId,
        ids: impl IntoIterator<Item = &'a str>,
        mut new_id: impl FnMut(u32),
    ) -> u32 {
        let source = self.releases.len() as u32;
        self.releases.push(release);
        for id in ids {
            let index = match self.by_id.get(id) {
                Some(&index) => index,
                None => {
                    let index = self.ids.len() as u32;
                    self.ids.push(id.into());
                    self.owners.push(Vec::new());
                    self.by_id.insert(id.into(), index);
                    new_id(index);
                    index
                }
            };
            let owners = &mut self.owners[index as usize];
            if owners.last() != Some(&source) {
                owners.push(source);
            }
        }
        source
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn id(&self, index: u32) -> &str {
        self.ids.get(index as usize).map_or("", |id| id)
    }

    pub fn index_of(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// The releases whose manifest lists the id.
    pub fn owners(&self, index: u32) -> impl Iterator<Item = &PlanId> {
        self.sources(index)
            .iter()
            .filter_map(|&source| self.release(source))
    }

    /// The sources whose manifest lists the id.
    pub fn sources(&self, index: u32) -> &[u32] {
        self.owners.get(index as usize).map_or(&[], Vec::as_slice)
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
        let mut found = Vec::new();
        if self.ids.is_empty() {
            return found;
        }
        let bytes = text.as_bytes();
        for window in windows {
            let end = window.end.min(bytes.len());
            let mut i = window.start;
            while i < end {
                if !is_id_byte(bytes[i]) {
                    i += 1;
                    continue;
                }
                let run_end = bytes[i..end]
                    .iter()
                    .position(|b| !is_id_byte(*b))
                    .map_or(end, |n| i + n);
                self.find_in_run(text, i..run_end, counts, &mut found);
                i = run_end;
            }
        }
        longest_only(found)
    }

    /// Finds ids in one run of id characters, starting from each of its atoms.
    fn find_in_run(
        &self,
        text: &str,
        run: Range<usize>,
        counts: &mut dyn FnMut(u32) -> bool,
        found: &mut Vec<Occurrence>,
    ) {
        let bytes = text.as_bytes();
        let mut start = run.start;
        while start < run.end {
            let starts_token = start == 0 || !is_word_byte(bytes[start - 1]);
            if starts_token && bytes[start].is_ascii_alphanumeric() {
                if let Some(occurrence) = self.longest_from(text, start, run.end, counts) {
                    found.push(occurrence);
                }
            }
            match bytes[start..run.end].iter().position(|b| is_separator(*b)) {
                Some(n) => start += n + 1,
                None => break,
            }
        }
    }

    /// The longest id that starts at `start` and ends at an atom end before `run_end`.
    fn longest_from(
        &self,
        text: &str,
        start: usize,
        run_end: usize,
        counts: &mut dyn FnMut(u32) -> bool,
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
            let ends_token = bytes.get(end).is_none_or(|b| !is_word_byte(*b));
            if ends_token {
                if let Some(&id) = self.by_id.get(candidate) {
                    if counts(id) {
                        best = Some(Occurrence {
                            span: start..end,
                            id,
                        });
                    }
                }
            }
            if end >= run_end || !self.prefixes.contains(candidate) {
                return best;
            }
            end += 1;
        }
    }
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
            ids in proptest::collection::btree_set("[ab][ab1.:/_-]{0,4}", 1..8),
            text in "[ab1.:/_ -]{0,40}",
        ) {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let v = vocabulary(&ids);
            proptest::prop_assert_eq!(found(&v, &text), reference(&ids, &text));
        }
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
