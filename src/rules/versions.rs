//! Which version numbers `stale-version` judges: a version that directly follows a word that
//! is not an item id belongs to that word (`kubectl 1.28`, `Java 17.0.2`, `TLS 1.2`,
//! `postgres client 15.4`), not to an item.

use std::collections::HashSet;
use std::sync::LazyLock;

/// Words that connect a version to an item rather than own it: "from 2.3.1 to 2.3.0",
/// "version 2.3.1", "deploys 2.4.0" (English prepositions, conjunctions, articles and the
/// verbs of a rollout), and their German counterparts. A version after one of them is
/// judged like any other. Sorted and unique (a unit test says so).
const CONNECTORS: &[&str] = &[
    "a",
    "ab",
    "after",
    "again",
    "als",
    "also",
    "an",
    "and",
    "are",
    "as",
    "at",
    "auf",
    "back",
    "be",
    "became",
    "becomes",
    "been",
    "before",
    "below",
    "bis",
    "but",
    "by",
    "das",
    "dem",
    "den",
    "deploy",
    "deployed",
    "deploying",
    "deploys",
    "der",
    "die",
    "downgrade",
    "downgraded",
    "downgrades",
    "e.g",
    "from",
    "i.e",
    "in",
    "install",
    "installed",
    "installs",
    "into",
    "is",
    "ist",
    "it",
    "its",
    "keep",
    "keeps",
    "leave",
    "leaves",
    "like",
    "mit",
    "nach",
    "not",
    "now",
    "oder",
    "of",
    "on",
    "onto",
    "or",
    "over",
    "pin",
    "pinned",
    "pins",
    "redeploy",
    "redeployed",
    "redeploys",
    "release",
    "releases",
    "remains",
    "restore",
    "restored",
    "restores",
    "return",
    "returned",
    "returns",
    "revert",
    "reverted",
    "reverts",
    "roll",
    "rollback",
    "rolled",
    "rolls",
    "run",
    "running",
    "runs",
    "set",
    "sets",
    "ship",
    "shipped",
    "ships",
    "since",
    "sind",
    "stays",
    "still",
    "tag",
    "tagged",
    "than",
    "that",
    "the",
    "then",
    "this",
    "till",
    "to",
    "und",
    "under",
    "until",
    "upgrade",
    "upgraded",
    "upgrades",
    "use",
    "used",
    "uses",
    "using",
    "ver",
    "version",
    "versions",
    "via",
    "von",
    "vor",
    "war",
    "was",
    "werden",
    "were",
    "wird",
    "with",
    "zu",
    "zum",
    "zur",
    "zurück",
];

/// Whether `word` (lower case) is one of [`CONNECTORS`]. Asked for nearly every version
/// in a plan, so the words are looked up as numbers in a hash set: a binary search of the
/// strings called `memcmp` seven times a version (4 to 7 % of checking a million ids), and
/// one of the numbers still mispredicted a branch at each of its seven steps (2.5 %).
fn is_connector(word: &str) -> bool {
    static PACKED: LazyLock<HashSet<Packed, foldhash::fast::FixedState>> =
        LazyLock::new(|| CONNECTORS.iter().filter_map(|w| pack(w)).collect());
    pack(word).is_some_and(|word| PACKED.contains(&word))
}

/// A word of at most 16 bytes as its bytes, zero-padded, read as one number, and its length
/// (so that a word ending in NUL bytes is not taken for a shorter one); `None` when longer.
type Packed = (u128, u8);

fn pack(word: &str) -> Option<Packed> {
    let bytes = word.as_bytes();
    if bytes.len() > 16 {
        return None;
    }
    // Byte by byte: a copy of a length known only at run time is a call to `memcpy`.
    let number = bytes
        .iter()
        .enumerate()
        .fold(0u128, |n, (i, &b)| n | u128::from(b) << (8 * (15 - i)));
    Some((number, bytes.len() as u8))
}

/// Characters around a word that do not belong to it: code and emphasis marks, quotes,
/// brackets, punctuation, and the dashes of a command-line flag (`--version`).
fn is_wrapping(c: char) -> bool {
    matches!(
        c,
        '`' | '*'
            | '_'
            | '"'
            | '\''
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '<'
            | '>'
            | ':'
            | ','
            | ';'
            | '.'
            | '!'
            | '?'
            | '-'
    )
}

/// Whether the version starting at byte `at` of `text` belongs to the word before it: it
/// follows that word after spaces on the same line, and the word is neither an item id
/// (`is_item`) nor a word that connects a version to an item.
pub fn belongs_to_word(text: &str, at: usize, is_item: impl Fn(&str) -> bool) -> bool {
    let Some(before) = text.get(..at) else {
        return false;
    };
    // Emphasis and code marks may open just before the number: `Node **18.1**`.
    let before = before.trim_end_matches(['*', '_', '`']);
    let trimmed = before.trim_end_matches([' ', '\t']);
    if trimmed.len() == before.len() {
        return false;
    }
    let start = trimmed.rfind(char::is_whitespace).map_or(0, |i| {
        i + trimmed[i..].chars().next().map_or(1, char::len_utf8)
    });
    let token = &trimmed[start..];
    let word = token.trim_matches(is_wrapping);
    if word.is_empty() || !word.chars().any(char::is_alphabetic) {
        return false;
    }
    let lower: std::borrow::Cow<'_, str> = if word.chars().any(char::is_uppercase) {
        word.to_lowercase().into()
    } else {
        word.into()
    };
    if is_connector(&lower) {
        return false;
    }
    // An id keeps its own dots and dashes: `db.main:` is `db.main`.
    let id = token.trim_matches(|c: char| matches!(c, '`' | '*' | '"' | '\''));
    !(is_item(id) || is_item(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the version marked with `|` belongs to the word before it.
    fn owner(marked: &str) -> bool {
        let at = marked.find('|').unwrap_or_default();
        let text = marked.replacen('|', "", 1);
        belongs_to_word(&text, at, |w| w == "payments-api" || w == "db.main")
    }

    #[test]
    fn connectors_are_sorted_lower_case_and_unique() {
        assert!(CONNECTORS.windows(2).all(|w| w[0] < w[1]));
        assert!(CONNECTORS.iter().all(|w| w.to_lowercase() == *w));
    }

    #[test]
    fn connectors_are_told_exactly() {
        // Every connector fits the packed form, so none is lost to it.
        assert!(CONNECTORS.iter().all(|w| pack(w).is_some()));
        for word in CONNECTORS {
            assert!(is_connector(word), "{word}");
            for other in [
                format!("{word}s"),
                format!("{word}\0"),
                word[..word.len() - 1].to_string(),
                format!("x{word}"),
            ] {
                assert_eq!(
                    is_connector(&other),
                    CONNECTORS.contains(&other.as_str()),
                    "{other:?}"
                );
            }
        }
        for word in [
            "",
            "\0",
            "kubectl",
            "a-very-long-word-indeed",
            "zurückgerollt",
        ] {
            assert_eq!(is_connector(word), CONNECTORS.contains(&word), "{word:?}");
        }
    }

    #[test]
    fn tool_versions_belong_to_the_tool() {
        for text in [
            "use kubectl |1.28",
            "needs Java |17.0.2",
            "TLS |1.2",
            "the postgres client |15.4",
            "`kubectl |1.28`",
            "Node **|18.1**",
            "Ubuntu |22.04.1",
        ] {
            assert!(owner(text), "{text}");
        }
    }

    #[test]
    fn item_and_connected_versions_are_judged() {
        for text in [
            "Roll back `payments-api` from 2.4.1 to |2.3.1",
            "roll back payments-api |2.3.1",
            "`payments-api` |2.3.1",
            "db.main: |2.1",
            "payments-api (|2.3.1)",
            "helm rollback payments-api --version |2.3.1",
            "back to version |v2.3.1",
            "zurück auf |2.3.1",
            "|2.3.1",
            "=|2.3.1",
            "2.4.0, |2.3.1",
            "line\n|2.3.1",
        ] {
            assert!(!owner(text), "{text}");
        }
    }
}
