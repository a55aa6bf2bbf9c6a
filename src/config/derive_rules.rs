//! The `[[derive]]` rules of backout.toml: path patterns with an `{id}` placeholder that turn
//! the files a release changed into manifest items (see `crate::derive`).

use std::fmt;

use crate::fields::{At, Problem, Table, did_you_mean};
use crate::manifest::{Kind, is_valid_id};

/// The placeholder a pattern captures an item id with.
pub const PLACEHOLDER: &str = "{id}";

/// How a `[[derive]]` rule turns changed files into items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeriveRule {
    /// Which changed files belong to an item, and which part of their path is its id.
    pub path: PathPattern,
    pub kind: Kind,
    /// The item id when `path` has no `{id}`, or a template around the captured part
    /// (`"db-{id}"`). `None`: the captured part itself.
    pub id: Option<String>,
    /// The file whose contents give the item's version (at the release) and previous version
    /// (at the previous release).
    pub version_file: Option<PathPattern>,
    /// The item is reversible when this file exists at the release.
    pub reversible_if: Option<PathPattern>,
    /// The only team whose releases the rule applies to (a team's directories in a
    /// repository many teams share); `None`: every team.
    pub team: Option<String>,
}

impl DeriveRule {
    /// Whether the rule applies to releases of `team`.
    pub fn applies_to(&self, team: &str) -> bool {
        self.team.as_deref().is_none_or(|own| own == team)
    }
}

impl DeriveRule {
    /// The item id for the part of a path that `{id}` captured.
    pub fn item_id(&self, captured: &str) -> String {
        match &self.id {
            Some(template) => template.replace(PLACEHOLDER, captured),
            None => captured.to_string(),
        }
    }
}

/// One part of a pattern between `/`s.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{id}` with literal text around it, within the one segment.
    Capture {
        prefix: String,
        suffix: String,
    },
}

/// A repository path pattern: literal segments, at most one of which holds `{id}`; a
/// trailing `/` means "any file below this directory".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    text: String,
    segments: Vec<Segment>,
    /// Whether the pattern ends with `/`: it matches the files below the directory.
    below: bool,
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PathPattern {
    /// Parses a pattern; the error completes "`key` ...".
    pub fn parse(text: &str) -> Result<PathPattern, String> {
        if text.is_empty() {
            return Err("is empty".into());
        }
        if text.starts_with('/') || text.contains('\\') {
            return Err(
                "must be a path relative to the repository root, with `/` separators".into(),
            );
        }
        let below = text.ends_with('/');
        let trimmed = text.strip_suffix('/').unwrap_or(text);
        let mut segments = Vec::new();
        let mut captures = 0;
        for part in trimmed.split('/') {
            if part.is_empty() || part == "." || part == ".." {
                return Err("has an empty, `.` or `..` part".into());
            }
            match part.find(PLACEHOLDER) {
                Some(at) => {
                    captures += 1;
                    let prefix = &part[..at];
                    let suffix = &part[at + PLACEHOLDER.len()..];
                    if prefix.contains(['{', '}']) || suffix.contains(['{', '}']) {
                        return Err(format!(
                            "holds `{PLACEHOLDER}` more than once in `{part}`; `{PLACEHOLDER}` matches within one part of the path"
                        ));
                    }
                    segments.push(Segment::Capture {
                        prefix: prefix.to_string(),
                        suffix: suffix.to_string(),
                    });
                }
                None if part.contains(['{', '}']) => {
                    return Err(format!(
                        "holds `{part}`, but `{PLACEHOLDER}` is the only placeholder"
                    ));
                }
                None => segments.push(Segment::Literal(part.to_string())),
            }
        }
        if captures > 1 {
            return Err(format!("holds `{PLACEHOLDER}` more than once"));
        }
        Ok(PathPattern {
            text: text.to_string(),
            segments,
            below,
        })
    }

    /// Whether the pattern holds `{id}`.
    pub fn has_placeholder(&self) -> bool {
        self.segments
            .iter()
            .any(|s| matches!(s, Segment::Capture { .. }))
    }

    /// Whether the pattern names a directory (ends with `/`).
    pub fn is_directory(&self) -> bool {
        self.below
    }

    /// The part of `path` that `{id}` matched ("" without a placeholder), when `path`
    /// matches: the same number of parts (more, for a directory pattern), literal parts
    /// equal, and a non-empty id between the prefix and suffix of its part.
    pub fn matches<'p>(&self, path: &'p str) -> Option<&'p str> {
        let mut parts = path.split('/');
        let mut captured = "";
        for segment in &self.segments {
            let part = parts.next()?;
            match segment {
                Segment::Literal(literal) if literal == part => {}
                Segment::Literal(_) => return None,
                Segment::Capture { prefix, suffix } => {
                    let inner = part.strip_prefix(prefix.as_str())?;
                    let inner = inner.strip_suffix(suffix.as_str())?;
                    if inner.is_empty() {
                        return None;
                    }
                    captured = inner;
                }
            }
        }
        let rest = parts.next();
        match (self.below, rest) {
            (true, Some(part)) if !part.is_empty() => Some(captured),
            (false, None) => Some(captured),
            _ => None,
        }
    }

    /// The path with `{id}` replaced by `id`, without a trailing `/`.
    pub fn expand(&self, id: &str) -> String {
        let text = self.text.strip_suffix('/').unwrap_or(&self.text);
        text.replace(PLACEHOLDER, id)
    }
}

/// Reads the `[[derive]]` tables, reporting every mistake with its span.
pub fn read(tables: Vec<Table<'_, '_>>, problems: &mut Vec<Problem>) -> Vec<DeriveRule> {
    let mut rules = Vec::new();
    for mut table in tables {
        if let Some(rule) = read_rule(&mut table, problems) {
            rules.push(rule);
        }
        table.finish(problems);
    }
    rules
}

fn pattern<'v>(
    value: Option<At<&'v str>>,
    key: &str,
    problems: &mut Vec<Problem>,
) -> Option<(PathPattern, At<&'v str>)> {
    let value = value?;
    match PathPattern::parse(value.value) {
        Ok(pattern) => Some((pattern, value)),
        Err(why) => {
            problems.push(
                Problem::new(value.span.clone(), format!("`{key}` {why}")).help(
                    "write a repository path such as \"services/{id}/\" or \"db/migrations/{id}.sql\"",
                ),
            );
            None
        }
    }
}

fn read_rule(table: &mut Table<'_, '_>, problems: &mut Vec<Problem>) -> Option<DeriveRule> {
    let path = table.required_string("path", "\"services/{id}/\"", problems);
    let kind = table.required_string("kind", "\"service\"", problems);
    let id = table.string("id", problems);
    let version_file = table.string("version_file", problems);
    let reversible_if = table.string("reversible_if", problems);
    let team = table.string("team", problems);
    let before = problems.len();
    if let Some(team) = &team
        && let Some(problem) = crate::names::name_problem(team.value)
    {
        problems.push(Problem::new(
            team.span.clone(),
            format!("team name `{}` {problem}", team.value),
        ));
    }
    let path = pattern(path, "path", problems);
    let version_file = pattern(version_file, "version_file", problems);
    let reversible_if = pattern(reversible_if, "reversible_if", problems);
    let kind = kind.and_then(|kind| read_kind(kind, problems));
    let (path, path_at) = path?;
    for (file, key) in [
        (&version_file, "version_file"),
        (&reversible_if, "reversible_if"),
    ] {
        let Some((file, at)) = file else { continue };
        if file.is_directory() {
            problems.push(
                Problem::new(at.span.clone(), format!("`{key}` names a directory"))
                    .help("name a file, without the trailing `/`"),
            );
        }
        if file.has_placeholder() && !path.has_placeholder() {
            problems.push(
                Problem::new(
                    at.span.clone(),
                    format!("`{key}` holds `{PLACEHOLDER}`, but `path` does not"),
                )
                .help("put `{id}` in `path` too, or name one fixed file"),
            );
        }
    }
    let id = read_id(id, &path, &path_at, problems);
    if problems.len() > before {
        return None;
    }
    Some(DeriveRule {
        path,
        kind: kind?,
        id: id?,
        version_file: version_file.map(|(p, _)| p),
        reversible_if: reversible_if.map(|(p, _)| p),
        team: team.map(|t| t.value.to_string()),
    })
}

fn read_kind(kind: At<&str>, problems: &mut Vec<Problem>) -> Option<Kind> {
    if let Some(parsed) = Kind::parse(kind.value) {
        return Some(parsed);
    }
    let names = Kind::ALL.map(Kind::as_str);
    let help = match did_you_mean(kind.value, &names) {
        Some(close) => format!("did you mean \"{close}\"?"),
        None => format!("use one of {}", names.join(", ")),
    };
    problems.push(
        Problem::new(
            kind.span,
            format!("`kind` \"{}\" is not an item kind", kind.value),
        )
        .help(help),
    );
    None
}

/// The `id` key: required when `path` has no `{id}`; a valid item id once filled in.
fn read_id(
    id: Option<At<&str>>,
    path: &PathPattern,
    path_at: &At<&str>,
    problems: &mut Vec<Problem>,
) -> Option<Option<String>> {
    let Some(id) = id else {
        if path.has_placeholder() {
            return Some(None);
        }
        problems.push(
            Problem::new(
                path_at.span.clone(),
                format!(
                    "`path` \"{}\" has no `{PLACEHOLDER}`, so it names no item",
                    path_at.value
                ),
            )
            .help("put `{id}` where the item's name is in the path (\"services/{id}/\"), or name the item with `id = \"payments-api\"`"),
        );
        return None;
    };
    if !path.has_placeholder() && id.value.contains(PLACEHOLDER) {
        problems.push(
            Problem::new(
                id.span,
                format!("`id` holds `{PLACEHOLDER}`, but `path` does not"),
            )
            .help("put `{id}` in `path`, or write the item's id"),
        );
        return None;
    }
    // A sample capture shows whether the template can make a valid id at all.
    if !is_valid_id(&id.value.replace(PLACEHOLDER, "x")) {
        problems.push(
            Problem::new(
                id.span,
                format!("`id` \"{}\" is not a valid item id", id.value),
            )
            .help("ids start with an ASCII letter or digit and hold only ASCII letters, digits and . _ : / -"),
        );
        return None;
    }
    Some(Some(id.value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> PathPattern {
        PathPattern::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn directory_patterns_match_files_below() {
        let services = pattern("services/{id}/");
        assert_eq!(services.matches("services/api/src/main.rs"), Some("api"));
        assert_eq!(services.matches("services/api/VERSION"), Some("api"));
        assert_eq!(services.matches("services/api"), None);
        assert_eq!(services.matches("services/README.md"), None);
        assert_eq!(services.matches("lib/api/x"), None);
        assert_eq!(services.expand("api"), "services/api");
    }

    #[test]
    fn file_patterns_match_exactly_within_one_part() {
        let migrations = pattern("db/migrations/{id}.sql");
        assert_eq!(
            migrations.matches("db/migrations/0042_ledger.sql"),
            Some("0042_ledger")
        );
        assert_eq!(migrations.matches("db/migrations/.sql"), None);
        assert_eq!(migrations.matches("db/migrations/a/b.sql"), None);
        assert_eq!(migrations.matches("db/migrations/0042.sql.bak"), None);
        let fixed = pattern("chart/");
        assert_eq!(fixed.matches("chart/Chart.yaml"), Some(""));
        assert!(!fixed.has_placeholder());
    }

    #[test]
    fn reads_rules_from_backout_toml() {
        let text = "[check]\ndrift = \"error\"\n\n[[derive]]\npath = \"services/{id}/\"\nkind = \"service\"\nversion_file = \"services/{id}/VERSION\"\n\n[[derive]]\npath = \"chart/\"\nid = \"ledger-chart\"\nkind = \"infra\"\nversion_file = \"chart/Chart.yaml\"\n";
        let config =
            crate::config::Config::parse("backout.toml", text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.drift, Some(crate::diag::Severity::Error));
        assert_eq!(config.derive.len(), 2);
        assert_eq!(config.derive[1].item_id(""), "ledger-chart");
        assert_eq!(config.derive[0].item_id("api"), "api");
        assert!(config.derive[0].applies_to("checkout"));
        let text = "[[derive]]\npath = \"apps/{id}/\"\nkind = \"service\"\nteam = \"payments\"\n[[derive]]\npath = \"x/{id}\"\nkind = \"data\"\nteam = \"a b\"\n";
        let error = crate::config::Config::parse("backout.toml", text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            error,
            "backout.toml:8:8: team name `a b` contains a space, but only ASCII letters, digits, `.`, `_` and `-` are allowed"
        );
        let text = "[[derive]]\npath = \"apps/{id}/\"\nkind = \"service\"\nteam = \"payments\"\n";
        let config =
            crate::config::Config::parse("backout.toml", text).unwrap_or_else(|e| panic!("{e}"));
        assert!(config.derive[0].applies_to("payments"));
        assert!(!config.derive[0].applies_to("checkout"));
    }

    #[test]
    fn reports_every_mistake_where_it_is() {
        let text = "[check]\ndrift = \"loud\"\n[[derive]]\npath = \"services/{name}/\"\nkind = \"servcie\"\n[[derive]]\npath = \"chart/\"\nkind = \"infra\"\nversoin_file = \"x\"\n[[derive]]\npath = \"db/{id}.sql\"\nkind = \"migration\"\nreversible_if = \"db/\"\n[[derive]]\nkind = \"flag\"\n";
        let error = crate::config::Config::parse("backout.toml", text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let lines: Vec<&str> = error.lines().collect();
        let expected = [
            "backout.toml:2:9: `drift` in [check] cannot be \"loud\"; use \"warning\" (the default), \"error\" or \"off\"",
            "backout.toml:4:8: `path` holds `{name}`, but `{id}` is the only placeholder; write a repository path such as \"services/{id}/\" or \"db/migrations/{id}.sql\"",
            "backout.toml:5:8: `kind` \"servcie\" is not an item kind; did you mean \"service\"?",
            "backout.toml:7:8: `path` \"chart/\" has no `{id}`, so it names no item; put `{id}` where the item's name is in the path (\"services/{id}/\"), or name the item with `id = \"payments-api\"`",
            "backout.toml:9:1: unknown key `versoin_file` in derive[2]; did you mean `version_file`?",
            "backout.toml:13:17: `reversible_if` names a directory; name a file, without the trailing `/`",
            "backout.toml:14:1: `path` in derive[4] is missing; add `path = \"services/{id}/\"`",
        ];
        assert_eq!(lines, expected);
    }

    #[test]
    fn the_init_template_examples_are_valid_rules() {
        let template = crate::config::template(Some("payments"));
        let start = template.find("# [[derive]]").unwrap_or(template.len());
        let uncommented: String = template[start..]
            .lines()
            .map(|line| line.strip_prefix("# ").unwrap_or(""))
            .map(|line| format!("{line}\n"))
            .collect();
        let config = crate::config::Config::parse("backout.toml", &uncommented)
            .unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
        assert_eq!(config.derive.len(), 2);
    }

    #[test]
    fn rejects_bad_patterns() {
        for bad in [
            "",
            "/abs",
            "a//b",
            "a/../b",
            "{id}/{id}",
            "x/{id}{id}",
            "x/{name}",
        ] {
            assert!(PathPattern::parse(bad).is_err(), "{bad}");
        }
    }
}
