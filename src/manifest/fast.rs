//! A fast path for the manifests most repositories hold: `key = "string"` lines, `[[items]]`
//! headers, `reversible = true|false`, comments and blank lines, with every key known and
//! every value right. Such a manifest is read in one pass over its lines, several times
//! faster than the TOML parser (a check of a million ids reads 10,000 manifests twice).
//!
//! Anything else (another TOML form, an unknown key, a wrong value, a problem of any kind)
//! gives `None`, and the manifest is read by the TOML parser, which says what is wrong. For
//! the manifests it accepts, the result is the TOML parser's, spans included (a property
//! test compares the two).

use std::ops::Range;

use super::{Item, Kind, Manifest, is_valid_id};
use crate::fields::At;
use crate::names::PlanId;
use crate::vocab::Ids;

/// The manifest, when it is one of the plain ones this path reads and has no problem.
pub(super) fn parse(text: &str, expected: &PlanId) -> Option<Manifest> {
    let read = read(text, expected)?;
    Some(Manifest {
        team: Some(read.team.owned()),
        release: Some(read.release.owned()),
        items: read
            .items
            .into_iter()
            .map(|item| Item {
                id: item.id.value.into(),
                kind: item.kind,
                version: item.version.map(|v| v.value.into()),
                previous: item.previous.map(|v| v.value.into()),
                reversible: item.reversible.is_none_or(|r| r.value),
                id_span: item.id.span,
            })
            .collect(),
        problems: Vec::new(),
    })
}

/// The item ids of the manifest, when `parse` would read it: what the vocabulary takes,
/// without the items (a cold run reads 10,000 manifests for their ids alone).
pub(super) fn ids(text: &str, expected: &PlanId) -> Option<Ids> {
    let read = read(text, expected)?;
    Some(read.items.iter().map(|item| item.id.value).collect())
}

/// A manifest as read by this path, borrowing from its text.
struct Read<'t> {
    team: At<&'t str>,
    release: At<&'t str>,
    items: Vec<Checked<'t>>,
}

/// An item whose keys were all there and right.
struct Checked<'t> {
    id: At<&'t str>,
    kind: Kind,
    version: Option<At<&'t str>>,
    previous: Option<At<&'t str>>,
    reversible: Option<At<bool>>,
}

/// Reads a plain manifest without a problem; `None` for anything else.
fn read<'t>(text: &'t str, expected: &PlanId) -> Option<Read<'t>> {
    let bytes = text.as_bytes();
    // Control characters (tab and line feed aside) are errors in TOML, and a carriage return
    // or a byte-order mark is left to the full parser too.
    if has_control(bytes) || text.starts_with('\u{feff}') {
        return None;
    }
    let mut team = None;
    let mut release = None;
    let mut items: Vec<Draft> = Vec::new();
    let mut next = 0;
    while next < text.len() {
        // Lines found with memchr: std's line splitting costs more per line than the rest.
        let start = next;
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(text.len(), |n| start + n);
        next = end + 1;
        let content = &text[start..end];
        let (indent, rest) = split_blank(content);
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        if let Some(after) = rest.strip_prefix("[[items]]") {
            if !is_blank_or_comment(after) {
                return None;
            }
            items.push(Draft::default());
            continue;
        }
        let at = start + indent;
        let (key, value) = key_value(rest, at)?;
        match items.last_mut() {
            None => match key {
                "team" => set(&mut team, value.string()?)?,
                "release" => set(&mut release, value.string()?)?,
                _ => return None,
            },
            Some(item) => match key {
                "id" => set(&mut item.id, value.string()?)?,
                "kind" => set(&mut item.kind, value.string()?)?,
                "version" => set(&mut item.version, value.string()?)?,
                "previous" => set(&mut item.previous, value.string()?)?,
                "reversible" => set(&mut item.reversible, value.boolean()?)?,
                _ => return None,
            },
        }
    }
    let (team, release) = (team?, release?);
    if team.value != expected.team || release.value != expected.release {
        return None;
    }
    let mut seen: std::collections::HashSet<&str, foldhash::fast::RandomState> =
        std::collections::HashSet::with_capacity_and_hasher(items.len(), Default::default());
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let id = item.id?;
        let kind = Kind::parse(item.kind?.value)?;
        if !is_valid_id(id.value) || !seen.insert(id.value) {
            return None;
        }
        out.push(Checked {
            id,
            kind,
            version: item.version,
            previous: item.previous,
            reversible: item.reversible,
        });
    }
    Some(Read {
        team,
        release,
        items: out,
    })
}

/// The keys of one `[[items]]` entry, as read.
#[derive(Default)]
struct Draft<'t> {
    id: Option<At<&'t str>>,
    kind: Option<At<&'t str>>,
    version: Option<At<&'t str>>,
    previous: Option<At<&'t str>>,
    reversible: Option<At<bool>>,
}

/// A value as written: a basic string without escapes, or a boolean.
enum Value<'t> {
    String(At<&'t str>),
    Boolean(At<bool>),
}

impl<'t> Value<'t> {
    fn string(self) -> Option<At<&'t str>> {
        match self {
            Value::String(value) => Some(value),
            Value::Boolean(_) => None,
        }
    }

    fn boolean(self) -> Option<At<bool>> {
        match self {
            Value::Boolean(value) => Some(value),
            Value::String(_) => None,
        }
    }
}

/// Whether the text holds a control character other than tab and line feed, or DEL: in
/// blocks without an early exit, which the compiler turns into vector instructions.
fn has_control(bytes: &[u8]) -> bool {
    bytes.chunks(64).any(|chunk| {
        chunk.iter().fold(false, |found, &b| {
            found | ((b < 0x20) & (b != b'\t') & (b != b'\n')) | (b == 0x7f)
        })
    })
}

/// Sets a key once: a key given twice is a TOML error, for the full parser to report.
fn set<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

/// Leading spaces and tabs, and the rest.
fn split_blank(text: &str) -> (usize, &str) {
    let blanks = text
        .bytes()
        .position(|b| b != b' ' && b != b'\t')
        .unwrap_or(text.len());
    (blanks, &text[blanks..])
}

fn is_blank_or_comment(text: &str) -> bool {
    let (_, rest) = split_blank(text);
    rest.is_empty() || rest.starts_with('#')
}

/// `key = value` (then blanks and maybe a comment); `at` is where `line` starts in the text.
fn key_value(line: &str, at: usize) -> Option<(&str, Value<'_>)> {
    let key_len = line
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))?;
    let key = &line[..key_len];
    let (blank, rest) = split_blank(&line[key_len..]);
    let rest = rest.strip_prefix('=')?;
    let (blank2, written) = split_blank(rest);
    let value_at = at + key_len + blank + 1 + blank2;
    let (value, len) = if let Some(inner) = written.strip_prefix('"') {
        let end = memchr::memchr2(b'"', b'\\', inner.as_bytes())?;
        if inner.as_bytes()[end] != b'"' {
            return None;
        }
        let span: Range<usize> = value_at..value_at + end + 2;
        (
            Value::String(At {
                value: &inner[..end],
                span,
            }),
            end + 2,
        )
    } else if written.starts_with("true") {
        (boolean(true, value_at, 4), 4)
    } else if written.starts_with("false") {
        (boolean(false, value_at, 5), 5)
    } else {
        return None;
    };
    let after = written.get(len..)?;
    // `truex` or `"a""b"` is not a value followed by a comment.
    if !(after.is_empty() || after.starts_with([' ', '\t', '#'])) || !is_blank_or_comment(after) {
        return None;
    }
    Some((key, value))
}

fn boolean<'t>(value: bool, at: usize, len: usize) -> Value<'t> {
    Value::Boolean(At {
        value,
        span: at..at + len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id() -> PlanId {
        PlanId::new("payments", "v1.5")
    }

    /// The TOML parser's reading, with the fast path out of the way.
    fn full(text: &str) -> Manifest {
        let mut manifest = Manifest::default();
        match crate::fields::parse(text) {
            Ok(doc) => super::super::read(&doc, &id(), &mut manifest),
            Err(problem) => manifest.problems.push(problem),
        }
        manifest
    }

    fn same(fast: &Manifest, full: &Manifest) -> bool {
        fast.team == full.team
            && fast.release == full.release
            && fast.items == full.items
            && fast.problems == full.problems
    }

    #[test]
    fn reads_plain_manifests_as_the_toml_parser_does() {
        let text = "# What payments v1.5 deploys.\nteam = \"payments\"\nrelease  =\t\"v1.5\" # ok\n\n[[items]]\nid = \"payments-api\"\nkind = \"service\"\nversion = \"2.4.0\"\nprevious = \"2.3.1\"\n  [[items]] # the migration\n  id = \"0042_add_ledger_index\"\n  kind = \"migration\"\n  reversible = false\n";
        let fast = parse(text, &id()).unwrap_or_else(|| panic!("not read"));
        assert!(same(&fast, &full(text)), "{fast:?}\n{:?}", full(text));
        assert_eq!(fast.items.len(), 2);
        assert_eq!(
            &text[fast.items[1].id_span.clone()],
            "\"0042_add_ledger_index\""
        );
    }

    #[test]
    fn leaves_everything_else_to_the_toml_parser() {
        let base = "team = \"payments\"\nrelease = \"v1.5\"\n";
        for extra in [
            "[[items]]\nid = \"a\"\n",                     // no kind
            "[[items]]\nid = \"a\"\nkind = \"servcie\"\n", // unknown kind
            "[[items]]\nid = 'a'\nkind = \"service\"\n",   // literal string
            "[[items]]\nid = \"a\\u0041\"\nkind = \"service\"\n",
            "[[items]]\nid = \"a\"\nid = \"b\"\nkind = \"service\"\n",
            "[[items]]\nid = \"a b\"\nkind = \"service\"\n",
            "[[items]]\nid = \"a\"\nkind = \"service\"\nreversable = false\n",
            "[[items]]\nid = \"a\"\nkind = \"service\"\nreversible = \"no\"\n",
            "[[items]]\nid = \"a\"\nkind = \"service\"\nreversible = truex\n",
            "[[items]]\nid = \"a\"\nkind = \"service\"\n[[items]]\nid = \"a\"\nkind = \"flag\"\n",
            "[items]\nid = \"a\"\n",
            "items.id = \"a\"\n",
            "\"team\" = \"x\"\n",
            "owner = \"x\"\n",
            "[[items]]\r\nid = \"a\"\r\nkind = \"service\"\r\n",
        ] {
            let text = format!("{base}{extra}");
            assert!(parse(&text, &id()).is_none(), "{extra}");
        }
        assert!(parse("team = \"checkout\"\nrelease = \"v1.5\"\n", &id()).is_none());
        assert!(parse("release = \"v1.5\"\n", &id()).is_none());
        assert!(parse("", &id()).is_none());
    }

    /// Lines in the shapes manifests take, right and wrong.
    fn manifest_text() -> impl Strategy<Value = String> {
        let line = prop_oneof![
            Just("team = \"payments\"".to_string()),
            Just("release = \"v1.5\"".to_string()),
            Just("release = \"v1.4\"".to_string()),
            Just("[[items]]".to_string()),
            Just("  [[items]] # next".to_string()),
            Just("[items]".to_string()),
            "(id|kind|version|previous|reversible|owner)[ \t]{0,2}=[ \t]{0,2}\"[a-z0-9.:/_ -]{0,6}\"( # x)?",
            "(reversible|id)[ ]?=[ ]?(true|false|1|truex|false ,)",
            "kind = \"(service|migration|flag|servcie)\"",
            Just("# a comment \"with\" quotes = x".to_string()),
            Just("id = \"a\\\\b\"".to_string()),
            Just("id = 'lit'".to_string()),
            Just("".to_string()),
            Just("\t".to_string()),
        ];
        prop::collection::vec(line, 0..16).prop_map(|lines| lines.join("\n"))
    }

    /// Manifests of the right shape, whose values and spacing vary: most of them plain.
    fn plain_manifest() -> impl Strategy<Value = String> {
        let blank = "[ \t]{0,2}";
        let value = prop_oneof![
            4 => "\"[a-z0-9][a-z0-9._:/-]{0,8}\"",
            1 => "\"[a-z0-9 é#=\\[\\]'-]{0,6}\"",
            1 => "(true|false)",
        ];
        let key = prop_oneof![
            4 => Just("id"),
            4 => Just("kind"),
            2 => Just("version"),
            2 => Just("previous"),
            1 => Just("reversible"),
        ];
        let pair = (blank, key, blank, blank, value, "( #[^\n]{0,5})?")
            .prop_map(|(a, k, b, c, v, comment)| format!("{a}{k}{b}={c}{v}{comment}\n"));
        let kind = prop_oneof![Just("service"), Just("migration"), Just("flag")];
        let item = (
            "[a-z0-9][a-z0-9._:/-]{0,6}",
            kind,
            prop::collection::vec(pair, 0..3),
            "(\n|# note\n)?",
        )
            .prop_map(|(id, kind, extra, gap)| {
                format!(
                    "[[items]]\nid = \"{id}\"\n{gap}kind = \"{kind}\"\n{}",
                    extra.concat()
                )
            });
        prop::collection::vec(item, 0..5).prop_map(|items| {
            format!(
                "team = \"payments\"\nrelease = \"v1.5\"\n\n{}",
                items.concat()
            )
        })
    }

    #[test]
    fn control_characters_are_found_wherever_they_stand() {
        let plain = |b: u8| (b < 0x20 && b != b'\t' && b != b'\n') || b == 0x7f;
        for len in [1, 31, 32, 33, 64, 70] {
            for at in 0..len {
                for b in 0..=0x7f_u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    assert_eq!(has_control(&bytes), plain(b), "{b:#x} at {at} of {len}");
                }
            }
        }
        assert!(!has_control(b""));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn whatever_it_reads_the_toml_parser_reads_the_same(text in manifest_text()) {
            if let Some(fast) = parse(&text, &id()) {
                let full = full(&text);
                prop_assert!(same(&fast, &full), "{:?}\n{:?}", fast, full);
            }
        }

        #[test]
        fn the_ids_alone_are_the_ids_of_the_items(text in manifest_text()) {
            let items: Ids = Manifest::parse(&text, &id())
                .items
                .iter()
                .map(|item| item.id.as_str())
                .collect();
            prop_assert_eq!(Manifest::ids(&text, &id()), items);
            prop_assert_eq!(ids(&text, &id()).is_some(), parse(&text, &id()).is_some());
        }

        #[test]
        fn plain_manifests_read_as_the_toml_parser_reads_them(text in plain_manifest()) {
            let full = full(&text);
            match parse(&text, &id()) {
                Some(fast) => prop_assert!(same(&fast, &full), "{:?}\n{:?}", fast, full),
                // Only a manifest with a problem, or a form the fast path leaves alone
                // (an escape, a control character such as a carriage return), goes to the
                // TOML parser.
                None => prop_assert!(
                    !full.problems.is_empty()
                        || text.contains('\\')
                        || text.contains(|c: char| c.is_control() && c != '\n'),
                    "{text}"
                ),
            }
        }
    }
}
