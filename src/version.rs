//! Version-aware ordering of release names: `v1.9 < v1.10 < v2.0`, `v2.0-rc1 < v2.0`,
//! `v1.4 < v1.4-hotfix < v1.4.1 < v1.5`.
//!
//! One total order serves every name, so sorting never meets an inconsistent comparison.
//! A name is cut into chunks of digits and of other text; digit chunks compare as numbers,
//! text chunks as strings. Where one name ends and the other goes on with a chunk that
//! starts with `-` (a pre-release such as `-rc1`), the shorter name is the greater: this is
//! the semver rule, and for names that both parse as a (`v`-prefixed) version of 1–3
//! numeric parts it gives the semver order. A suffix that marks a later build of the same
//! release — `hotfix`, `patch`, `fix` or `post` after `-`, `.` or `_`, or anything after `+`
//! — is not a pre-release: it sorts after the release and before its next version
//! (`v1.4 < v1.4-hotfix < v1.4.1`). For other names it is plain natural order.
//! Names that compare equal this way (`v1.4` and `1.4`, `1.01` and `1.1`) are ordered by
//! their bytes, so the order stays total.

use std::cmp::Ordering;

#[derive(Debug, PartialEq, Eq)]
enum Chunk<'a> {
    Number(&'a str),
    Text(&'a str),
    End,
}

/// The words that mark a later build of the same release when they follow `-`, `.` or `_`.
const POST_RELEASE_WORDS: [&str; 4] = ["hotfix", "patch", "fix", "post"];

/// Whether a text chunk starts a suffix that marks a later build of the same release:
/// `+build`, or `-hotfix`, `.patch`, `_fix2`, `-post1` (the word not going on in letters).
fn is_post_release(text: &str) -> bool {
    if text.starts_with('+') {
        return true;
    }
    let Some(rest) = text.strip_prefix(['-', '.', '_']) else {
        return false;
    };
    POST_RELEASE_WORDS.iter().any(|word| {
        rest.get(..word.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(word))
            && !rest[word.len()..].starts_with(|c: char| c.is_ascii_alphabetic())
    })
}

impl Chunk<'_> {
    /// Class order: pre-release text < end of name < post-release text < number < other
    /// text.
    fn class(&self) -> u8 {
        match self {
            Chunk::Text(t) if is_post_release(t) => 2,
            Chunk::Text(t) if t.starts_with('-') => 0,
            Chunk::End => 1,
            Chunk::Number(_) => 3,
            Chunk::Text(_) => 4,
        }
    }

    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Chunk::Number(a), Chunk::Number(b)) => compare_digits(a, b),
            (Chunk::Text(a), Chunk::Text(b)) if self.class() == other.class() => a.cmp(b),
            _ => self.class().cmp(&other.class()),
        }
    }
}

/// Compares two runs of ASCII digits as numbers of any length.
fn compare_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

struct Chunks<'a> {
    rest: &'a str,
    done: bool,
}

impl<'a> Iterator for Chunks<'a> {
    type Item = Chunk<'a>;

    fn next(&mut self) -> Option<Chunk<'a>> {
        if self.done {
            return None;
        }
        let Some(first) = self.rest.bytes().next() else {
            self.done = true;
            return Some(Chunk::End);
        };
        // By bytes: an ASCII digit is one byte, and no byte of another character is one, so
        // where digits start or stop is a character boundary.
        let digits = first.is_ascii_digit();
        let len = self
            .rest
            .bytes()
            .position(|b| b.is_ascii_digit() != digits)
            .unwrap_or(self.rest.len());
        let (chunk, rest) = self.rest.split_at(len);
        self.rest = rest;
        Some(if digits {
            Chunk::Number(chunk)
        } else {
            Chunk::Text(chunk)
        })
    }
}

fn chunks(name: &str) -> Chunks<'_> {
    // `v1.4` and `1.4` are the same version: the prefix does not take part in the order.
    let rest = match name.strip_prefix(['v', 'V']) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => name,
    };
    Chunks { rest, done: false }
}

/// Compares two release names in version-aware order.
pub fn compare(a: &str, b: &str) -> Ordering {
    let mut left = chunks(a);
    let mut right = chunks(b);
    loop {
        match (left.next(), right.next()) {
            (Some(x), Some(y)) => match x.cmp(&y) {
                Ordering::Equal => continue,
                other => return other,
            },
            // Both ended together (End chunks were equal).
            _ => return a.cmp(b),
        }
    }
}

/// Sorts release names in place, oldest first.
pub fn sort(names: &mut [impl AsRef<str>]) {
    sort_by_name(names, |name| name.as_ref());
}

/// Sorts values by a release name of theirs, oldest first (the order of [`compare`]). Each
/// name is turned once into a byte string that sorts as the name does (`Key`), so a
/// comparison is one `memcmp`: a team of 10,000 releases was most of the time of a one-plan
/// `check` before names were read once, and cutting them into chunks was still a tenth of it.
pub fn sort_by_name<T>(values: &mut [T], name: impl Fn(&T) -> &str) {
    if let Some(numbers) = values
        .iter()
        .map(|value| plain_number(name(value)))
        .collect::<Option<Vec<u64>>>()
    {
        // Every name plain: a number each, and the name's bytes between versions that are
        // equal as numbers (`1.01`, `1.1`), as the keys below order them.
        let mut order: Vec<(u64, usize)> = numbers.into_iter().zip(0..).collect();
        order.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| name(&values[a.1]).cmp(name(&values[b.1])))
                .then(a.1.cmp(&b.1))
        });
        permute(values, order.into_iter().map(|(_, from)| from));
        return;
    }
    // Every key in one buffer, as (start, end, index): one allocation, not one per name.
    let mut bytes = Vec::with_capacity(values.iter().map(|v| key_capacity(name(v))).sum());
    let mut keys: Vec<(usize, usize, usize)> = Vec::with_capacity(values.len());
    for (at, value) in values.iter().enumerate() {
        let start = bytes.len();
        key_into(name(value), &mut bytes);
        keys.push((start, bytes.len(), at));
    }
    // Equal keys (the same name twice) keep their order: the index breaks the tie.
    keys.sort_unstable_by(|a, b| bytes[a.0..a.1].cmp(&bytes[b.0..b.1]).then(a.2.cmp(&b.2)));
    drop(bytes);
    permute(values, keys.into_iter().map(|(_, _, from)| from));
}

/// Puts `values` in the order `order` gives (the old index of each place), in place,
/// following each cycle of the permutation once.
fn permute<T>(values: &mut [T], order: impl ExactSizeIterator<Item = usize>) {
    let mut position: Vec<usize> = vec![0; order.len()];
    for (to, from) in order.enumerate() {
        if let Some(place) = position.get_mut(from) {
            *place = to;
        }
    }
    for start in 0..values.len().min(position.len()) {
        while position[start] != start {
            let target = position[start];
            values.swap(start, target);
            position.swap(start, target);
        }
    }
}

/// For a plain name (`v1.4`, `2.10.3`: at most four numbers below 65,535 joined by single
/// dots, `v` or `V` before them or not), a number that orders plain names as their keys do
/// (numbers one by one, a name that stops before another's next number first), except
/// between names whose numbers are equal: `None` for any other name.
fn plain_number(name: &str) -> Option<u64> {
    let bytes = name.as_bytes();
    let rest = match bytes {
        [b'v' | b'V', second, ..] if second.is_ascii_digit() => &bytes[1..],
        _ => bytes,
    };
    let mut number = 0u64;
    for (n, digits) in rest.split(|b| *b == b'.').enumerate() {
        if n >= 4 || digits.is_empty() || digits.len() > 8 {
            return None;
        }
        let mut value = 0u64;
        for digit in digits {
            if !digit.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u64::from(digit - b'0');
        }
        if value >= 0xffff {
            return None;
        }
        // One more than the number: a number that is not there is 0, below any that is.
        number |= (value + 1) << (48 - 16 * n);
    }
    Some(number)
}

/// Room for the key of a name that is mostly short chunks (a number adds 5 bytes, a text 3).
fn key_capacity(name: &str) -> usize {
    name.len() * 4 + 8
}

/// Appends to `key` the name as bytes whose order is [`compare`]'s: each chunk as its
/// class, then a number without its leading zeros as its length (4 bytes, big-endian) and
/// digits, or a text with every 0 byte written 0 255 and a 0 0 after it; then, after the
/// end, the name itself (names equal as versions go by their bytes). Every chunk's bytes
/// end where it ends, so the first difference of two keys is the first difference of their
/// chunks.
fn key_into(name: &str, key: &mut Vec<u8>) {
    for chunk in chunks(name) {
        key.push(chunk.class());
        match chunk {
            Chunk::Number(digits) => {
                let digits = digits.trim_start_matches('0');
                let len = u32::try_from(digits.len()).unwrap_or(u32::MAX);
                key.extend_from_slice(&len.to_be_bytes());
                key.extend_from_slice(digits.as_bytes());
            }
            Chunk::Text(text) => {
                let mut rest = text.as_bytes();
                while let Some(nul) = memchr::memchr(0, rest) {
                    key.extend_from_slice(&rest[..=nul]);
                    key.push(255);
                    rest = &rest[nul + 1..];
                }
                key.extend_from_slice(rest);
                key.extend_from_slice(&[0, 0]);
            }
            Chunk::End => {}
        }
    }
    key.extend_from_slice(name.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A name's key, on its own.
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    struct Key(Vec<u8>);

    impl Key {
        fn of(name: &str) -> Key {
            let mut key = Vec::new();
            key_into(name, &mut key);
            Key(key)
        }
    }

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        sort(&mut v);
        v
    }

    #[test]
    fn orders_versions_numerically() {
        assert_eq!(
            sorted(&["v2.0", "v1.10", "v1.9", "v1.4.1", "v1.4"]),
            ["v1.4", "v1.4.1", "v1.9", "v1.10", "v2.0"]
        );
    }

    #[test]
    fn pre_releases_come_before_the_release() {
        assert_eq!(
            sorted(&["v2.0", "v2.0-rc2", "v2.0-rc1", "v1.10", "v2.0.1"]),
            ["v1.10", "v2.0-rc1", "v2.0-rc2", "v2.0", "v2.0.1"]
        );
        assert_eq!(compare("1.0.0-alpha", "1.0.0-alpha.1"), Ordering::Less);
        assert_eq!(compare("1.0.0-alpha.1", "1.0.0-beta"), Ordering::Less);
        assert_eq!(compare("1.0.0-rc.9", "1.0.0-rc.10"), Ordering::Less);
    }

    #[test]
    fn later_builds_of_a_release_come_after_it() {
        assert_eq!(
            sorted(&["v1.5", "v1.4.1", "v1.4-hotfix", "v1.4", "v1.4-rc1"]),
            ["v1.4-rc1", "v1.4", "v1.4-hotfix", "v1.4.1", "v1.5"]
        );
        for later in [
            "v1.4-hotfix",
            "v1.4-hotfix2",
            "v1.4-patch.1",
            "v1.4_fix",
            "v1.4.post1",
            "v1.4-POST",
            "v1.4+build.7",
            "v1.4+20261120",
        ] {
            assert_eq!(compare("v1.4", later), Ordering::Less, "{later}");
            assert_eq!(compare(later, "v1.4.1"), Ordering::Less, "{later}");
            assert_eq!(compare("v1.4-rc1", later), Ordering::Less, "{later}");
        }
        assert_eq!(compare("v1.4-hotfix", "v1.4-hotfix2"), Ordering::Less);
        // Words that only start like a suffix are pre-releases as before.
        assert_eq!(compare("v1.4-fixture", "v1.4"), Ordering::Less);
        assert_eq!(compare("v1.4-postgres", "v1.4"), Ordering::Less);
    }

    #[test]
    fn prefix_v_is_optional() {
        assert_eq!(compare("1.6", "v1.5"), Ordering::Greater);
        assert_eq!(compare("v1.5", "1.6"), Ordering::Less);
    }

    #[test]
    fn other_names_use_natural_order() {
        assert_eq!(
            sorted(&["sprint-10", "sprint-9", "2024.11", "2024.2"]),
            ["2024.2", "2024.11", "sprint-9", "sprint-10"]
        );
    }

    #[test]
    fn huge_numbers_do_not_overflow() {
        assert_eq!(
            compare("v99999999999999999999999", "v100000000000000000000000"),
            Ordering::Less
        );
    }

    /// Release-like names: version parts, pre-release and post-release suffixes, build
    /// metadata and natural-order words.
    fn release_name() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("v".to_string()),
            "[0-9]{1,3}",
            Just(".".to_string()),
            Just("-".to_string()),
            Just("_".to_string()),
            Just("+".to_string()),
            Just("hotfix".to_string()),
            Just("patch".to_string()),
            Just("fix".to_string()),
            Just("post".to_string()),
            Just("rc".to_string()),
            "[a-zA-Z]{1,3}",
        ];
        prop::collection::vec(piece, 0..7).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn order_is_total_for_release_like_names(a in release_name(), b in release_name(), c in release_name()) {
            prop_assert_eq!(compare(&a, &b), compare(&b, &a).reverse());
            prop_assert_eq!(compare(&a, &b) == Ordering::Equal, a == b);
            if compare(&a, &b) != Ordering::Greater && compare(&b, &c) != Ordering::Greater {
                prop_assert_ne!(compare(&a, &c), Ordering::Greater);
            }
        }

        #[test]
        fn a_later_build_sits_between_a_release_and_its_next_patch(
            major in 0u32..50, minor in 0u32..50, word in "(hotfix|patch|fix|post)[0-9]{0,2}", sep in "[-._]",
        ) {
            let release = format!("v{major}.{minor}");
            let later = format!("{release}{sep}{word}");
            let next = format!("v{major}.{minor}.1");
            prop_assert_eq!(compare(&release, &later), Ordering::Less);
            prop_assert_eq!(compare(&later, &next), Ordering::Less);
        }

        #[test]
        fn plain_names_sort_by_number_as_by_compare(
            names in proptest::collection::vec("[vV]?[0-9]{1,3}([.][0-9]{1,3}){0,3}", 0..40),
            odd in proptest::option::of("[vV]?[0-9]{1,6}([.][0-9]{0,6}){0,5}[a-z]?"),
        ) {
            for with_odd in [false, true] {
                let mut names = names.clone();
                if with_odd {
                    names.extend(odd.clone());
                }
                let mut by_number = names.clone();
                sort(&mut by_number);
                let mut by_compare = names;
                by_compare.sort_by(|a, b| compare(a, b));
                prop_assert_eq!(by_number, by_compare);
            }
        }

        #[test]
        fn names_read_once_compare_as_names(
            names in proptest::collection::vec("[vV0-9._+-]{0,3}(hotfix|rc|post|[0-9a-z.+-]){0,3}", 0..40),
        ) {
            for a in &names {
                for b in &names {
                    prop_assert_eq!(Key::of(a).cmp(&Key::of(b)), compare(a, b), "{} {}", a, b);
                }
            }
            let mut by_key = names.clone();
            sort(&mut by_key);
            let mut by_compare = names;
            by_compare.sort_by(|a, b| compare(a, b));
            prop_assert_eq!(by_key, by_compare);
        }

        #[test]
        fn keys_of_any_text_compare_as_the_names(
            a in "(\\PC|\u{0}|0|1|9|-|\\+|v){0,12}", b in "(\\PC|\u{0}|0|1|9|-|\\+|v){0,12}",
        ) {
            prop_assert_eq!(Key::of(&a).cmp(&Key::of(&b)), compare(&a, &b), "{:?} {:?}", a, b);
            let (a0, b0) = (format!("{a}\u{0}"), format!("{a}\u{0}{b}"));
            prop_assert_eq!(Key::of(&a0).cmp(&Key::of(&b0)), compare(&a0, &b0), "{:?} {:?}", a0, b0);
        }

        #[test]
        fn order_is_total(a in "[v0-9.a-z-]{0,8}", b in "[v0-9.a-z-]{0,8}", c in "[v0-9.a-z-]{0,8}") {
            // antisymmetry
            prop_assert_eq!(compare(&a, &b), compare(&b, &a).reverse());
            // equality only for equal strings
            prop_assert_eq!(compare(&a, &b) == Ordering::Equal, a == b);
            // transitivity
            if compare(&a, &b) != Ordering::Greater && compare(&b, &c) != Ordering::Greater {
                prop_assert_ne!(compare(&a, &c), Ordering::Greater);
            }
        }
    }
}
