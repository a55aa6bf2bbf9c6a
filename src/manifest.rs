//! `manifest.toml`: what a release contains, the items its plan must cover.

use compact_str::CompactString;
use std::fmt;
use std::ops::Range;

use crate::fields::{self, At, Problem, Table};
use crate::names::PlanId;
use crate::sections::Language;
use crate::vocab::Ids;

mod fast;

/// What kind of change an item is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "ItemKind")]
pub enum Kind {
    Service,
    Migration,
    Config,
    Flag,
    Infra,
    Data,
    Other,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Service,
        Kind::Migration,
        Kind::Config,
        Kind::Flag,
        Kind::Infra,
        Kind::Data,
        Kind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Service => "service",
            Kind::Migration => "migration",
            Kind::Config => "config",
            Kind::Flag => "flag",
            Kind::Infra => "infra",
            Kind::Data => "data",
            Kind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing a release deploys. Its strings are short (ids, versions) and a check of a
/// million ids reads a million items: a `CompactString` keeps up to 24 bytes in place,
/// without an allocation (three an item were 4 % of that check's instructions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: CompactString,
    pub kind: Kind,
    pub version: Option<CompactString>,
    pub previous: Option<CompactString>,
    pub reversible: bool,
    /// Span of the id's value in manifest.toml.
    pub id_span: Range<usize>,
}

/// A parsed manifest; `problems` says what was wrong (the rest is still usable).
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    pub team: Option<At<String>>,
    pub release: Option<At<String>>,
    pub items: Vec<Item>,
    pub problems: Vec<Problem>,
}

/// Whether `id` is a valid item id: `[A-Za-z0-9][A-Za-z0-9._:/-]*`.
pub fn is_valid_id(id: &str) -> bool {
    let mut bytes = id.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'/' | b'-'))
}

impl Manifest {
    /// Parses a manifest and checks it against the plan it belongs to.
    pub fn parse(text: &str, expected: &PlanId) -> Manifest {
        fast::parse(text, expected).unwrap_or_else(|| Manifest::parse_in_full(text, expected))
    }

    /// The ids of the manifest's items, as `parse(..).items` has them.
    pub fn ids(text: &str, expected: &PlanId) -> Ids {
        fast::ids(text, expected).unwrap_or_else(|| {
            let manifest = Manifest::parse_in_full(text, expected);
            manifest.items.iter().map(|item| item.id.as_str()).collect()
        })
    }

    /// `parse` by the TOML parser alone.
    fn parse_in_full(text: &str, expected: &PlanId) -> Manifest {
        let mut manifest = Manifest::default();
        match fields::parse(text) {
            Ok(doc) => read(&doc, expected, &mut manifest),
            Err(problem) => manifest.problems.push(problem),
        }
        manifest
    }

    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|item| item.id == id)
    }

    /// Whether the manifest parsed without any problem.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

fn read(doc: &toml::Spanned<toml::de::DeTable<'_>>, expected: &PlanId, manifest: &mut Manifest) {
    let problems = &mut manifest.problems;
    let mut root = Table::root(doc);
    (manifest.team, manifest.release) =
        fields::read_identity(&mut root, expected, "manifest", problems);
    if let Some(items) = root.tables("items", problems) {
        let mut seen = std::collections::HashSet::new();
        for mut table in items {
            if let Some(item) = read_item(&mut table, problems) {
                if !seen.insert(item.id.clone()) {
                    problems.push(
                        Problem::new(
                            item.id_span.clone(),
                            format!("item `{}` is listed twice", item.id),
                        )
                        .help("remove one of the two [[items]] entries"),
                    );
                } else {
                    manifest.items.push(item);
                }
            }
            table.finish(problems);
        }
    }
    root.finish(problems);
}

fn read_item(table: &mut Table<'_, '_>, problems: &mut Vec<Problem>) -> Option<Item> {
    let id = table.required_string("id", "\"payments-api\"", problems);
    let kind = table.required_string("kind", "\"service\"", problems);
    let version = table.string("version", problems);
    let previous = table.string("previous", problems);
    let reversible = table.bool("reversible", problems);
    let id = id?;
    if !is_valid_id(id.value) {
        problems.push(
            Problem::new(
                id.span,
                format!("item id \"{}\" is not a valid id", id.value),
            )
            .help("ids start with an ASCII letter or digit and hold only ASCII letters, digits and . _ : / -"),
        );
        return None;
    }
    let kind = match kind {
        Some(kind) => match Kind::parse(kind.value) {
            Some(parsed) => parsed,
            None => {
                problems.push(
                    Problem::new(
                        kind.span,
                        format!("item kind \"{}\" is not known", kind.value),
                    )
                    .help({
                        let kinds = Kind::ALL.map(Kind::as_str);
                        match fields::did_you_mean(kind.value, &kinds) {
                            Some(close) => format!(
                                "did you mean \"{close}\"? The kinds are {}",
                                kinds.join(", ")
                            ),
                            None => format!("use one of {}", kinds.join(", ")),
                        }
                    }),
                );
                Kind::Other
            }
        },
        None => Kind::Other,
    };
    Some(Item {
        id: id.value.into(),
        kind,
        version: version.map(|v| v.value.into()),
        previous: previous.map(|v| v.value.into()),
        reversible: reversible.is_none_or(|r| r.value),
        id_span: id.span,
    })
}

/// The manifest `backout new` writes when none exists, in English.
pub fn template(plan: &PlanId) -> String {
    template_in(plan, Language::En)
}

/// The manifest `backout new` writes when none exists, its comments in `language` (keys and
/// kinds stay as the format spells them).
pub fn template_in(plan: &PlanId, language: Language) -> String {
    let procedure = crate::sections::Kind::Procedure.title(language);
    let (what, id, kind, version, previous, reversible) = match language {
        Language::En => (
            format!(
                "What {plan} deploys. Every item must be covered by a step of the plan's {procedure}."
            ),
            "the name plans use for it",
            "service | migration | config | flag | infra | data | other",
            "what this release deploys",
            "what a rollback returns to",
            "false for changes that cannot simply be undone",
        ),
        Language::De => (
            format!(
                "Was {plan} ausliefert. Jedes Item braucht einen Schritt im Abschnitt „{procedure}“ des Plans."
            ),
            "der Name, unter dem Pläne es nennen",
            "service | migration | config | flag | infra | data | other",
            "was dieses Release ausliefert",
            "wohin ein Rollback zurückkehrt",
            "false für Änderungen, die sich nicht einfach zurücknehmen lassen",
        ),
    };
    format!(
        r#"# {what}
team = "{team}"
release = "{release}"

# [[items]]
# id = "payments-api"     # {id}
# kind = "service"        # {kind}
# version = "2.4.0"       # {version}
# previous = "2.3.1"      # {previous}
# reversible = true       # {reversible}
"#,
        team = plan.team,
        release = plan.release,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> PlanId {
        PlanId::new("payments", "v1.5")
    }

    #[test]
    fn reads_items() {
        let text = r#"
team = "payments"
release = "v1.5"
[[items]]
id = "payments-api"
kind = "service"
version = "2.4.0"
previous = "2.3.1"
[[items]]
id = "0042_add_ledger_index"
kind = "migration"
reversible = false
"#;
        let manifest = Manifest::parse(text, &id());
        assert!(manifest.is_valid(), "{:?}", manifest.problems);
        assert_eq!(manifest.items.len(), 2);
        assert_eq!(manifest.items[0].previous.as_deref(), Some("2.3.1"));
        assert!(!manifest.items[1].reversible);
        assert_eq!(
            &text[manifest.items[1].id_span.clone()],
            "\"0042_add_ledger_index\""
        );
    }

    #[test]
    fn template_parses_empty() {
        for language in [Language::En, Language::De] {
            let text = template_in(&id(), language);
            let manifest = Manifest::parse(&text, &id());
            assert!(manifest.is_valid(), "{:?}", manifest.problems);
            assert!(manifest.items.is_empty());
        }
        assert!(template_in(&id(), Language::De).contains("Abschnitt „Ablauf“"));
    }

    #[test]
    fn reports_mistakes() {
        let text = r#"
team = "checkout"
release = "v1.5"
[[items]]
id = "a b"
kind = "service"
[[items]]
id = "x"
kind = "servcie"
reversable = false
[[items]]
id = "x"
kind = "flag"
"#;
        let manifest = Manifest::parse(text, &id());
        let messages: Vec<_> = manifest
            .problems
            .iter()
            .map(|p| p.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "manifest `team` is \"checkout\" but the directory says \"payments\"",
                "item id \"a b\" is not a valid id",
                "item kind \"servcie\" is not known",
                "unknown key `reversable` in items[2]",
                "item `x` is listed twice",
            ]
        );
    }

    #[test]
    fn validates_ids() {
        assert!(is_valid_id("payments-api"));
        assert!(is_valid_id("db:main/ledger.v2"));
        assert!(!is_valid_id("-x"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("a b"));
    }
}
