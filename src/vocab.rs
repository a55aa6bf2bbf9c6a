//! The vocabulary: every item id of every manifest, found in a plan's text in one linear
//! pass (Aho-Corasick), whole tokens only.

use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::names::PlanId;

/// Characters that may not touch an item id for it to count as a reference.
pub fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'
}

/// Every item id of every manifest, and the releases each belongs to.
#[derive(Debug)]
pub struct Vocabulary {
    ids: Vec<Box<str>>,
    /// For each id, the releases (indices into `releases`) whose manifest lists it.
    owners: Vec<Vec<u32>>,
    releases: Vec<PlanId>,
    by_id: HashMap<Box<str>, u32>,
    automaton: Option<AhoCorasick>,
}

/// An occurrence of a vocabulary id in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub span: Range<usize>,
    pub id: u32,
}

/// Adds manifests one at a time, then builds the automaton once.
#[derive(Debug, Default)]
pub struct VocabularyBuilder {
    ids: Vec<Box<str>>,
    owners: Vec<Vec<u32>>,
    releases: Vec<PlanId>,
    by_id: HashMap<Box<str>, u32>,
}

impl VocabularyBuilder {
    /// Records that `release`'s manifest lists `ids`.
    pub fn add<'a>(&mut self, release: PlanId, ids: impl IntoIterator<Item = &'a str>) {
        let release_index = self.releases.len() as u32;
        self.releases.push(release);
        for id in ids {
            let index = match self.by_id.get(id) {
                Some(&index) => index,
                None => {
                    let index = self.ids.len() as u32;
                    self.ids.push(id.into());
                    self.owners.push(Vec::new());
                    self.by_id.insert(id.into(), index);
                    index
                }
            };
            let owners = &mut self.owners[index as usize];
            if owners.last() != Some(&release_index) {
                owners.push(release_index);
            }
        }
    }

    pub fn build(self) -> Result<Vocabulary, String> {
        let automaton = if self.ids.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .build(self.ids.iter().map(|id| id.as_bytes()))
                    .map_err(|error| format!("cannot index the item ids: {error}"))?,
            )
        };
        Ok(Vocabulary {
            ids: self.ids,
            owners: self.owners,
            releases: self.releases,
            by_id: self.by_id,
            automaton,
        })
    }
}

impl Vocabulary {
    pub fn builder() -> VocabularyBuilder {
        VocabularyBuilder::default()
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
        self.owners
            .get(index as usize)
            .into_iter()
            .flatten()
            .filter_map(|&release| self.releases.get(release as usize))
    }

    /// Every whole-token occurrence of an id in the `windows` of `text`, in order. Where
    /// two occurrences overlap, the longer wins (`svc.db` hides `svc`).
    pub fn find(&self, text: &str, windows: &[Range<usize>]) -> Vec<Occurrence> {
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        let bytes = text.as_bytes();
        let mut found: Vec<Occurrence> = Vec::new();
        for window in windows {
            let Some(haystack) = text.get(window.clone()) else {
                continue;
            };
            for m in automaton.find_overlapping_iter(haystack) {
                let span = m.start() + window.start..m.end() + window.start;
                let before = span.start.checked_sub(1).and_then(|i| bytes.get(i));
                let after = bytes.get(span.end);
                if before.is_some_and(|b| is_word_byte(*b))
                    || after.is_some_and(|b| is_word_byte(*b))
                {
                    continue;
                }
                found.push(Occurrence {
                    span,
                    id: m.pattern().as_u32(),
                });
            }
        }
        longest_only(found)
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
        builder.build().unwrap_or_else(|e| panic!("{e}"))
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
    fn tracks_owners() {
        let mut builder = Vocabulary::builder();
        builder.add(PlanId::new("a", "v1"), ["x", "y"]);
        builder.add(PlanId::new("b", "v2"), ["x"]);
        let v = builder.build().unwrap_or_else(|e| panic!("{e}"));
        let x = v.index_of("x").unwrap_or(u32::MAX);
        let owners: Vec<String> = v.owners(x).map(|p| p.to_string()).collect();
        assert_eq!(owners, ["a/v1", "b/v2"]);
    }
}
