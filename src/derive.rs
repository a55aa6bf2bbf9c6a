//! A release's manifest items, derived from the files it changed: the `[[derive]]` rules
//! matched against the paths that differ between the previous release and this one, with
//! versions and reversibility read from the two trees. No I/O here: the trees are read
//! through the `Trees` trait (see `commands::manifest` for the git side).

mod merge;
mod version;

pub use merge::{FieldUpdate, Merged, merge, render};
pub use version::version_of;

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::config::{DeriveRule, TagFormat};
use crate::manifest::{Kind, is_valid_id};
use crate::names::PlanId;
use crate::tags;
use crate::version::compare;

/// Which end of the range a read is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The previous release (`--from`).
    From,
    /// This release (`--to`).
    To,
}

/// The two trees of a range, as the derivation reads them.
pub trait Trees {
    /// The bytes of the file at `path`, if there is one; the error is a sentence's end.
    fn read(&mut self, side: Side, path: &str) -> Result<Option<Vec<u8>>, String>;
    /// Whether a file or directory exists at `path`.
    fn exists(&mut self, side: Side, path: &str) -> Result<bool, String>;
}

/// How an item changed between the two releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemChange {
    /// New in this release.
    Added,
    /// There before and after, with changes.
    Changed,
    /// Gone in this release: a rollback brings it back.
    Removed,
}

impl ItemChange {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemChange::Added => "added",
            ItemChange::Changed => "changed",
            ItemChange::Removed => "removed",
        }
    }
}

/// One item the rules found in the release's changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DerivedItem {
    pub id: String,
    #[serde(serialize_with = "kind_name")]
    pub kind: Kind,
    /// From `version_file` at this release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// From `version_file` at the previous release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// Whether `reversible_if` exists at this release; `None` when the rule has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reversible: Option<bool>,
    pub change: ItemChange,
    /// 1-based number of the `[[derive]]` rule that found it.
    pub rule: usize,
    /// The changed files that belong to the item, in the order git listed them.
    pub files: Vec<String>,
}

fn kind_name<S: serde::Serializer>(kind: &Kind, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(kind.as_str())
}

/// Something the rules matched but could not turn into (all of) an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub message: String,
}

/// What the rules found in one range.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Derivation {
    /// Items in rule order, then by id (version-aware).
    pub items: Vec<DerivedItem>,
    /// Changed files that no rule matched (as an item's file or a `reversible_if`).
    pub unmatched: usize,
    pub notes: Vec<Note>,
}

impl Derivation {
    pub fn item(&self, id: &str) -> Option<&DerivedItem> {
        self.items.iter().find(|item| item.id == id)
    }
}

/// Matches every changed path against the rules that apply to `team` (the first rule that
/// matches a path claims it) and reads each item's version and reversibility. Linear in the
/// number of paths, times the number of rules; two tree lookups and at most two file reads
/// per item.
pub fn derive<'p>(
    rules: &[DeriveRule],
    team: &str,
    paths: impl IntoIterator<Item = &'p str>,
    trees: &mut impl Trees,
) -> Derivation {
    let mut derivation = Derivation::default();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut invalid: HashSet<String> = HashSet::new();
    let mut conflicts: HashSet<String> = HashSet::new();
    // The rules (index, captured part) that name each item, to read its files once all
    // paths are known.
    let mut captured: Vec<Vec<(usize, String)>> = Vec::new();
    for path in paths {
        let (rule_index, part) = match claim(rules, team, path) {
            Claim::Item(rule, part) => (rule, part),
            Claim::Companion => continue,
            Claim::None => {
                derivation.unmatched += 1;
                continue;
            }
        };
        let rule = &rules[rule_index];
        let id = rule.item_id(part);
        if let Some(&at) = index.get(&id) {
            let item = &mut derivation.items[at];
            // Several rules may name one item (its code and its build file); only a rule that
            // gives it another kind is a mistake.
            if item.kind != rule.kind {
                if conflicts.insert(id.clone()) {
                    derivation.notes.push(Note {
                        message: format!(
                            "{path} makes `{id}` a {} by rule {}, but rule {} already made it a {}; kept the {}",
                            rule.kind,
                            rule_index + 1,
                            item.rule,
                            item.kind,
                            item.kind
                        ),
                    });
                }
            } else if !captured[at].iter().any(|(r, _)| *r == rule_index) {
                captured[at].push((rule_index, part.to_string()));
                item.rule = item.rule.min(rule_index + 1);
            }
            item.files.push(path.to_string());
            continue;
        }
        if !is_valid_id(&id) {
            if invalid.insert(id.clone()) {
                derivation.notes.push(Note {
                    message: format!(
                        "{path} matches `path = \"{}\"` (rule {}), but `{}` is not a valid item id (letters, digits and . _ : / -, starting with a letter or digit); rename it, or give the rule an `id`",
                        rule.path,
                        rule_index + 1,
                        escape(&id)
                    ),
                });
            }
            continue;
        }
        index.insert(id.clone(), derivation.items.len());
        captured.push(vec![(rule_index, part.to_string())]);
        derivation.items.push(DerivedItem {
            id,
            kind: rule.kind,
            version: None,
            previous: None,
            reversible: None,
            change: ItemChange::Changed,
            rule: rule_index + 1,
            files: vec![path.to_string()],
        });
    }
    for (item, named) in derivation.items.iter_mut().zip(&mut captured) {
        named.sort_by_key(|(rule, _)| *rule);
        describe(rules, team, named, item, trees, &mut derivation.notes);
    }
    derivation.items.sort_by(|a, b| {
        a.rule
            .cmp(&b.rule)
            .then_with(|| compare(&a.id, &b.id))
            .then_with(|| a.id.cmp(&b.id))
    });
    derivation
}

/// What a changed path is to the rules.
enum Claim<'p> {
    /// An item's file: the rule's index and what its `{id}` captured.
    Item(usize, &'p str),
    /// The `reversible_if` file of a rule's item (a migration's down script): not an item
    /// of its own.
    Companion,
    None,
}

/// The first rule that matches `path` as an item's file or as a companion.
fn claim<'p>(rules: &[DeriveRule], team: &str, path: &'p str) -> Claim<'p> {
    for (i, rule) in rules.iter().enumerate() {
        if !rule.applies_to(team) {
            continue;
        }
        let companion = rule
            .reversible_if
            .as_ref()
            .is_some_and(|file| file.matches(path).is_some());
        if companion {
            return Claim::Companion;
        }
        if let Some(part) = rule.path.matches(path) {
            return Claim::Item(i, part);
        }
    }
    Claim::None
}

/// Fills in an item's change, versions and reversibility from the two trees: the change
/// from the first rule that names it, the version and reversibility from the first rule
/// that has a `version_file` or a `reversible_if` (among those that matched, then those
/// that give the item's id as a fixed `id`).
fn describe(
    rules: &[DeriveRule],
    team: &str,
    named: &[(usize, String)],
    item: &mut DerivedItem,
    trees: &mut impl Trees,
    notes: &mut Vec<Note>,
) {
    let Some((first, part)) = named.first() else {
        return;
    };
    let root = rules[*first].path.expand(part);
    let mut exists = |side| match trees.exists(side, &root) {
        Ok(exists) => Some(exists),
        Err(why) => {
            notes.push(Note {
                message: format!("cannot tell whether {root} exists: {why}"),
            });
            None
        }
    };
    item.change = match (exists(Side::From), exists(Side::To)) {
        (Some(false), Some(true)) => ItemChange::Added,
        (Some(true), Some(false)) => ItemChange::Removed,
        _ => ItemChange::Changed,
    };
    // The rules that matched, then any rule that names this item by a fixed `id`.
    let id = item.id.clone();
    let with = |pick: fn(&DeriveRule) -> Option<&crate::config::PathPattern>| {
        named
            .iter()
            .find_map(|(rule, part)| pick(&rules[*rule]).map(|file| file.expand(part)))
            .or_else(|| {
                rules
                    .iter()
                    .filter(|rule| rule.applies_to(team) && !rule.path.has_placeholder())
                    .filter(|rule| rule.item_id("") == id)
                    .find_map(|rule| pick(rule).map(|file| file.expand("")))
            })
    };
    if let Some(path) = with(|rule| rule.version_file.as_ref()) {
        item.version = read_version(trees, Side::To, &path, notes);
        item.previous = read_version(trees, Side::From, &path, notes);
    }
    if let Some(path) = with(|rule| rule.reversible_if.as_ref()) {
        match trees.exists(Side::To, &path) {
            Ok(exists) => item.reversible = Some(exists),
            Err(why) => notes.push(Note {
                message: format!("cannot tell whether {path} exists: {why}"),
            }),
        }
    }
}

fn read_version(
    trees: &mut impl Trees,
    side: Side,
    path: &str,
    notes: &mut Vec<Note>,
) -> Option<String> {
    let at = match side {
        Side::From => "the previous release",
        Side::To => "this release",
    };
    match trees.read(side, path) {
        Ok(Some(bytes)) => match version_of(path, &bytes) {
            Ok(version) => Some(version),
            Err(why) => {
                notes.push(Note {
                    message: format!("{path} at {at} {why}"),
                });
                None
            }
        },
        Ok(None) => None,
        Err(why) => {
            notes.push(Note {
                message: format!("cannot read {path} at {at}: {why}"),
            });
            None
        }
    }
}

/// Text from the repository (paths, file contents), safe to print on a terminal or in a
/// comment: control characters and bidirectional overrides shown as escapes.
pub fn escape(text: &str) -> String {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(unsafe_char) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if unsafe_char(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The release tags of a repository, by team, in version order.
#[derive(Debug, Default)]
pub struct ReleaseTags {
    /// team -> (release, tag name), oldest release first.
    teams: HashMap<String, Vec<(String, String)>>,
}

impl ReleaseTags {
    /// The tags that `glob` (already applied by the caller) selected, mapped to plans by
    /// `format`; tags that name no valid plan are left out.
    pub fn new<'t>(
        names: impl IntoIterator<Item = &'t str>,
        format: TagFormat,
        default_team: Option<&str>,
    ) -> ReleaseTags {
        let mut teams: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for name in names {
            if let Ok(id) = tags::plan_of(name, format, default_team) {
                teams
                    .entry(id.team)
                    .or_default()
                    .push((id.release, name.to_string()));
            }
        }
        for releases in teams.values_mut() {
            releases.sort_by(|a, b| compare(&a.0, &b.0).then_with(|| a.0.cmp(&b.0)));
        }
        ReleaseTags { teams }
    }

    /// The tag of the team's greatest release below `id`.
    pub fn previous(&self, id: &PlanId) -> Option<&str> {
        let releases = self.teams.get(&id.team)?;
        let below = releases.partition_point(|(release, _)| compare(release, &id.release).is_lt());
        releases[..below].last().map(|(_, tag)| tag.as_str())
    }

    /// The tag of the release itself.
    pub fn of(&self, id: &PlanId) -> Option<&str> {
        let releases = self.teams.get(&id.team)?;
        let at = releases.partition_point(|(release, _)| compare(release, &id.release).is_lt());
        releases[at..]
            .iter()
            .take_while(|(release, _)| compare(release, &id.release).is_eq())
            .find(|(release, _)| *release == id.release)
            .map(|(_, tag)| tag.as_str())
    }

    /// Whether any tag names a release of `team`.
    pub fn has_team(&self, team: &str) -> bool {
        self.teams.contains_key(team)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PathPattern;
    use std::collections::HashMap;

    /// Two trees as maps from path to contents; directories exist where a file is below.
    #[derive(Default)]
    struct Fake {
        from: HashMap<String, String>,
        to: HashMap<String, String>,
    }

    impl Fake {
        fn side(&self, side: Side) -> &HashMap<String, String> {
            match side {
                Side::From => &self.from,
                Side::To => &self.to,
            }
        }
    }

    impl Trees for Fake {
        fn read(&mut self, side: Side, path: &str) -> Result<Option<Vec<u8>>, String> {
            Ok(self.side(side).get(path).map(|t| t.as_bytes().to_vec()))
        }
        fn exists(&mut self, side: Side, path: &str) -> Result<bool, String> {
            let dir = format!("{path}/");
            Ok(self
                .side(side)
                .keys()
                .any(|p| p == path || p.starts_with(&dir)))
        }
    }

    fn rule(path: &str, kind: Kind) -> DeriveRule {
        DeriveRule {
            path: PathPattern::parse(path).unwrap_or_else(|e| panic!("{e}")),
            kind,
            id: None,
            version_file: None,
            reversible_if: None,
            team: None,
        }
    }

    fn rules() -> Vec<DeriveRule> {
        let mut services = rule("services/{id}/", Kind::Service);
        services.version_file = PathPattern::parse("services/{id}/VERSION").ok();
        let mut migrations = rule("db/migrations/{id}.sql", Kind::Migration);
        migrations.reversible_if = PathPattern::parse("db/migrations/{id}.down.sql").ok();
        vec![services, migrations]
    }

    fn trees(from: &[(&str, &str)], to: &[(&str, &str)]) -> Fake {
        let map = |files: &[(&str, &str)]| {
            files
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect()
        };
        Fake {
            from: map(from),
            to: map(to),
        }
    }

    #[test]
    fn services_and_migrations_become_items() {
        let mut trees = trees(
            &[
                ("services/api/VERSION", "2.3.1\n"),
                ("services/api/main.rs", "old"),
                ("services/old/VERSION", "0.9\n"),
                ("services/worker/VERSION", "1.0\n"),
            ],
            &[
                ("services/api/VERSION", "2.4.0\n"),
                ("services/api/main.rs", "new"),
                ("services/new/VERSION", "0.1.0"),
                ("services/worker/VERSION", "1.0\n"),
                ("db/migrations/0043_refunds.sql", "create"),
                ("db/migrations/0043_refunds.down.sql", "drop"),
                ("db/migrations/0044_ledger.sql", "alter"),
            ],
        );
        let changed = [
            "db/migrations/0044_ledger.sql",
            "db/migrations/0043_refunds.down.sql",
            "db/migrations/0043_refunds.sql",
            "services/api/VERSION",
            "services/api/main.rs",
            "services/new/VERSION",
            "services/old/VERSION",
            "README.md",
        ];
        let derivation = derive(&rules(), "payments", changed, &mut trees);
        let summary: Vec<_> = derivation
            .items
            .iter()
            .map(|i| {
                (
                    i.id.as_str(),
                    i.kind,
                    i.version.as_deref(),
                    i.previous.as_deref(),
                    i.reversible,
                    i.change,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "api",
                    Kind::Service,
                    Some("2.4.0"),
                    Some("2.3.1"),
                    None,
                    ItemChange::Changed
                ),
                (
                    "new",
                    Kind::Service,
                    Some("0.1.0"),
                    None,
                    None,
                    ItemChange::Added
                ),
                (
                    "old",
                    Kind::Service,
                    None,
                    Some("0.9"),
                    None,
                    ItemChange::Removed
                ),
                (
                    "0043_refunds",
                    Kind::Migration,
                    None,
                    None,
                    Some(true),
                    ItemChange::Added
                ),
                (
                    "0044_ledger",
                    Kind::Migration,
                    None,
                    None,
                    Some(false),
                    ItemChange::Added
                ),
            ]
        );
        // README.md; the down script belongs to its migration.
        assert_eq!(derivation.unmatched, 1);
        assert_eq!(derivation.items[0].files.len(), 2);
        assert!(derivation.notes.is_empty(), "{:?}", derivation.notes);
    }

    #[test]
    fn invalid_ids_and_conflicts_are_noted_once() {
        let mut rules = rules();
        rules.push(rule("jobs/{id}/", Kind::Data));
        let changed = [
            "services/my svc/a",
            "services/my svc/b",
            "services/api/x",
            "jobs/api/y",
        ];
        let derivation = derive(&rules, "payments", changed, &mut Fake::default());
        assert_eq!(derivation.items.len(), 1);
        assert_eq!(derivation.items[0].files, ["services/api/x", "jobs/api/y"]);
        assert_eq!(derivation.notes.len(), 2, "{:?}", derivation.notes);
        assert!(
            derivation.notes[0]
                .message
                .contains("`my svc` is not a valid item id")
        );
        assert!(derivation.notes[1].message.contains("kept the service"));
    }

    #[test]
    fn several_rules_can_name_one_item() {
        let mut code = rule("src/", Kind::Service);
        code.id = Some("ledger-api".into());
        code.version_file = PathPattern::parse("Cargo.toml").ok();
        let mut build = rule("Cargo.toml", Kind::Service);
        build.id = Some("ledger-api".into());
        let mut trees = trees(
            &[("Cargo.toml", "[package]\nversion = \"3.2.0\"\n")],
            &[("Cargo.toml", "[package]\nversion = \"3.3.0\"\n")],
        );
        let derivation = derive(
            &[code, build],
            "ledger",
            ["Cargo.toml", "Cargo.lock"],
            &mut trees,
        );
        assert_eq!(derivation.items.len(), 1);
        assert_eq!(derivation.items[0].version.as_deref(), Some("3.3.0"));
        assert_eq!(derivation.items[0].previous.as_deref(), Some("3.2.0"));
        assert!(derivation.notes.is_empty(), "{:?}", derivation.notes);
    }

    proptest::proptest! {
        #[test]
        fn any_pattern_and_path_is_matched_without_panicking(
            pattern in "[a-z{}/.é]{0,16}",
            paths in proptest::collection::vec("[a-z{}/.é \n]{0,20}", 0..20),
        ) {
            let mut rules = rules();
            if let Ok(path) = PathPattern::parse(&pattern) {
                let mut rule = rule("x/{id}/", Kind::Other);
                rule.path = path;
                rule.id = Some("fixed".into());
                rules.insert(0, rule);
            }
            let derivation = derive(&rules, "payments", paths.iter().map(String::as_str), &mut Fake::default());
            for item in &derivation.items {
                proptest::prop_assert!(is_valid_id(&item.id));
            }
        }
    }

    #[test]
    fn finds_the_previous_release_tag() {
        let names = ["v1.10", "v1.9", "v2.0-rc1", "v1.4", "nightly"];
        let tags = ReleaseTags::new(names, TagFormat::Release, Some("payments"));
        let id = |release: &str| PlanId::new("payments", release);
        assert_eq!(tags.previous(&id("v1.10")), Some("v1.9"));
        assert_eq!(tags.previous(&id("v1.11")), Some("v1.10"));
        assert_eq!(tags.previous(&id("v2.0")), Some("v2.0-rc1"));
        assert_eq!(tags.previous(&id("v1.5")), Some("v1.4"));
        assert_eq!(tags.previous(&id("v1.4")), None);
        assert_eq!(tags.of(&id("v1.10")), Some("v1.10"));
        assert_eq!(tags.of(&id("v1.11")), None);
        assert_eq!(tags.previous(&PlanId::new("checkout", "v9")), None);
        let teams = ReleaseTags::new(
            ["payments/v1", "checkout/v1", "checkout/v2"],
            TagFormat::TeamRelease,
            None,
        );
        assert_eq!(
            teams.previous(&PlanId::new("checkout", "v3")),
            Some("checkout/v2")
        );
    }
}
