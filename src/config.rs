//! `backout.toml`: where plans live, which tags are releases, which ids are shared.

mod derive_rules;

pub use derive_rules::{DeriveRule, PathPattern};

use globset::{GlobBuilder, GlobMatcher};

use crate::diag::{Rule, Severity, SourceFile};
use crate::duration::Duration;
use crate::error::Error;
use crate::fields::{self, At, Problem, Table};
use crate::names::name_problem;
use crate::sections::{Kind, Language, Sections, TitleProblem};

/// The config file's name at the work tree root.
pub const FILE_NAME: &str = "backout.toml";

/// How a release tag's name maps to a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagFormat {
    /// `v1.4`: the release of the default team.
    Release,
    /// `payments/v1.4`.
    TeamRelease,
}

/// The validated configuration; defaults when the file is absent.
#[derive(Debug, Clone)]
pub struct Config {
    pub plans_dir: String,
    pub default_team: Option<String>,
    pub tags: Tags,
    pub shared: Vec<String>,
    /// `language`: the titles and questions `new` writes.
    pub language: Language,
    /// The section table: built-in titles plus `[sections]`, in `language`.
    pub sections: Sections,
    /// `[check] drift`: the severity of `manifest-drift`, `None` when it is "off".
    pub drift: Option<Severity>,
    /// `[[derive]]`: how a release's git changes become manifest items.
    pub derive: Vec<DeriveRule>,
    /// `[check] drill_max_age`: a passing drill older than this no longer counts.
    pub drill_max_age: Option<Duration>,
    pub publish: Publish,
}

/// `[publish]`: what `backout publish` accepts.
#[derive(Debug, Clone, Default)]
pub struct Publish {
    /// Whether a plan whose status is `draft` may be published (default: no).
    pub allow_draft: bool,
}

#[derive(Debug, Clone)]
pub struct Tags {
    pub glob: String,
    pub format: TagFormat,
    pub since: Option<String>,
    /// Whether a draft plan at a release tag fails `backout tags` (default: a warning).
    pub deny_draft: bool,
}

impl Tags {
    /// The compiled glob; `*` does not cross `/`.
    pub fn matcher(&self) -> Result<GlobMatcher, Error> {
        tag_glob(&self.glob).map_err(|error| {
            Error::msg(format!(
                "{FILE_NAME}: `glob` in [tags] is not a valid glob: {error}"
            ))
        })
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            plans_dir: "plans".into(),
            default_team: None,
            tags: Tags {
                glob: "v*".into(),
                format: TagFormat::Release,
                since: None,
                deny_draft: false,
            },
            shared: Vec::new(),
            language: Language::En,
            sections: Sections::default(),
            drift: Some(Severity::Warning),
            derive: Vec::new(),
            drill_max_age: None,
            publish: Publish::default(),
        }
    }
}

fn tag_glob(glob: &str) -> Result<GlobMatcher, globset::Error> {
    Ok(GlobBuilder::new(glob)
        .literal_separator(true)
        .build()?
        .compile_matcher())
}

impl Config {
    /// Parses backout.toml; the error lists every mistake with its line and fix.
    pub fn parse(path: &str, text: &str) -> Result<Config, Error> {
        let file = SourceFile::new(path, text);
        let mut problems = Vec::new();
        let config = match fields::parse(text) {
            Ok(doc) => read(&doc, &mut problems),
            Err(problem) => {
                problems.push(problem);
                Config::default()
            }
        };
        if problems.is_empty() {
            Ok(config)
        } else {
            let lines: Vec<String> = problems
                .into_iter()
                .map(|p| {
                    let at = file.finding(Rule::InvalidPlan, p.span, "");
                    let help = p.help.map(|h| format!("; {h}")).unwrap_or_default();
                    format!("{path}:{}:{}: {}{help}", at.line, at.column, p.message)
                })
                .collect();
            Err(Error::Lines(lines))
        }
    }
}

fn read(doc: &toml::Spanned<toml::de::DeTable<'_>>, problems: &mut Vec<Problem>) -> Config {
    let mut config = Config::default();
    let mut root = Table::root(doc);
    if let Some(dir) = root.string("plans_dir", problems) {
        let normalized = without_dot_parts(dir.value);
        match plans_dir_problem(&normalized) {
            Some(problem) => problems.push(Problem::new(dir.span, problem).help(
                "use a relative path inside the repository, such as \"plans\" or \"ops/backout\"",
            )),
            None => config.plans_dir = normalized,
        }
    }
    if let Some(team) = root.string("default_team", problems) {
        config.default_team = checked_name(team, "team", problems);
    }
    if let Some(mut tags) = root.table("tags", problems) {
        read_tags(&mut tags, &mut config.tags, problems);
        tags.finish(problems);
    }
    if let Some(language) = root.string("language", problems) {
        match Language::from_code(language.value) {
            Some(value) => config.language = value,
            None => problems.push(
                Problem::new(
                    language.span,
                    format!("`language` cannot be \"{}\"", language.value),
                )
                .help("use \"en\" (English) or \"de\" (German)"),
            ),
        }
    }
    config.sections = Sections::default().with_language(config.language);
    if let Some(mut sections) = root.table("sections", problems) {
        read_sections(&mut sections, &mut config.sections, problems);
        sections.finish(problems);
    }
    if let Some(mut check) = root.table("check", problems) {
        if let Some(shared) = check.strings("shared", problems) {
            config.shared = shared.into_iter().map(|s| s.value.to_string()).collect();
        }
        if let Some(drift) = check.string("drift", problems) {
            config.drift = read_drift(drift, problems);
        }
        if let Some(age) = check.string("drill_max_age", problems) {
            match Duration::parse(age.value) {
                Some(duration) if duration.seconds() > 0 => config.drill_max_age = Some(duration),
                _ => problems.push(
                    Problem::new(
                        age.span,
                        format!(
                            "`drill_max_age` in [check] is \"{}\", not a duration",
                            age.value
                        ),
                    )
                    .help("write how long a passing drill counts, like \"90d\""),
                ),
            }
        }
        check.finish(problems);
    }
    if let Some(rules) = root.tables("derive", problems) {
        config.derive = derive_rules::read(rules, problems);
    }
    if let Some(mut publish) = root.table("publish", problems) {
        if let Some(allow) = publish.bool("allow_draft", problems) {
            config.publish.allow_draft = allow.value;
        }
        publish.finish(problems);
    }
    root.finish(problems);
    config
}

fn read_tags(tags: &mut Table<'_, '_>, config: &mut Tags, problems: &mut Vec<Problem>) {
    if let Some(glob) = tags.string("glob", problems) {
        match tag_glob(glob.value) {
            Ok(_) => config.glob = glob.value.to_string(),
            Err(error) => problems.push(
                // The error's kind, not its text: that repeats the whole pattern.
                Problem::new(
                    glob.span,
                    format!("`glob` in [tags] is not a valid glob: {}", error.kind()),
                )
                .help("use a pattern such as \"v*\", \"release-*\" or \"v{1,2}.*\""),
            ),
        }
    }
    if let Some(format) = tags.string("format", problems) {
        match format.value {
            "{release}" => config.format = TagFormat::Release,
            "{team}/{release}" => config.format = TagFormat::TeamRelease,
            other => problems.push(
                Problem::new(
                    format.span,
                    format!("`format` in [tags] cannot be \"{other}\""),
                )
                .help("use \"{release}\" or \"{team}/{release}\""),
            ),
        }
    }
    if let Some(since) = tags.string("since", problems) {
        config.since = checked_name(since, "release", problems);
    }
    if let Some(deny) = tags.bool("deny_draft", problems) {
        config.deny_draft = deny.value;
    }
}

/// `[sections]`: more titles for the required sections, keyed by their canonical names.
fn read_sections(table: &mut Table<'_, '_>, sections: &mut Sections, problems: &mut Vec<Problem>) {
    for kind in Kind::ALL {
        let Some(titles) = table.strings(kind.name(), problems) else {
            continue;
        };
        for title in titles {
            match sections.add(kind, title.value) {
                Ok(()) => {}
                Err(TitleProblem::Empty) => problems.push(
                    Problem::new(title.span, format!("`{kind}` in [sections] holds \"{}\", which is no title once numbering and punctuation are ignored", title.value))
                        .help("write the heading's words, such as \"Rollback steps\""),
                ),
                Err(TitleProblem::Taken(other)) => problems.push(
                    Problem::new(
                        title.span,
                        format!(
                            "`{kind}` in [sections] holds \"{}\", which already names the section `{other}`",
                            title.value
                        ),
                    )
                    .help(format!("remove it from `{kind}`; a title can name only one section")),
                ),
            }
        }
    }
}

fn read_drift(drift: At<&str>, problems: &mut Vec<Problem>) -> Option<Severity> {
    match drift.value {
        "warning" => Some(Severity::Warning),
        "error" => Some(Severity::Error),
        "off" => None,
        other => {
            problems.push(
                Problem::new(
                    drift.span,
                    format!("`drift` in [check] cannot be \"{other}\""),
                )
                .help("use \"warning\" (the default), \"error\" or \"off\""),
            );
            Some(Severity::Warning)
        }
    }
}

fn checked_name(name: At<&str>, what: &str, problems: &mut Vec<Problem>) -> Option<String> {
    match name_problem(name.value) {
        Some(problem) => {
            problems.push(Problem::new(
                name.span,
                format!("{what} name `{}` {problem}", name.value),
            ));
            None
        }
        None => Some(name.value.to_string()),
    }
}

/// `dir` without `.` parts and trailing `/`: `./plans` and `ops/./plans/` name `plans` and
/// `ops/plans`, as they would in a shell. (`.` alone becomes empty, which is refused.)
fn without_dot_parts(dir: &str) -> String {
    dir.trim_end_matches('/')
        .split('/')
        .filter(|part| *part != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// Why `dir` cannot be the plans directory, if it cannot.
fn plans_dir_problem(dir: &str) -> Option<&'static str> {
    // Its name is shown in every message about a plan: it may not drive the terminal.
    if dir.chars().any(crate::diag::escape::is_hazard) {
        return Some(
            "`plans_dir` contains a control character (a line break, an escape or a bidirectional control)",
        );
    }
    let trimmed = dir.trim_end_matches('/');
    if trimmed.is_empty() || trimmed == "." {
        return Some("`plans_dir` cannot be empty or the repository root");
    }
    if dir.starts_with('/') || dir.contains('\\') || dir.contains(':') {
        return Some("`plans_dir` must be a relative path with `/` separators");
    }
    if trimmed
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == ".." || part == ".git")
    {
        return Some(
            "`plans_dir` must stay inside the repository (no empty, `..` or `.git` parts)",
        );
    }
    None
}

/// The commented backout.toml that `backout init` writes.
pub fn template(default_team: Option<&str>) -> String {
    let team_line = match default_team {
        Some(team) => format!("default_team = \"{team}\""),
        None => "# default_team = \"payments\"".to_string(),
    };
    format!(
        r#"# backout: release backout plans as code. Every key is described at
# {docs}

# Where plans live: <plans_dir>/<team>/<release>/plan.md and manifest.toml.
plans_dir = "plans"

# The team a bare RELEASE on the command line (and a "{{release}}" tag) belongs to.
{team_line}

# The language of the titles and questions `backout new` writes: "en" or "de".
language = "en"

[tags]
# Which git tags are releases; `backout tags` checks that each one has a plan.
glob = "v*"
# "{{release}}" (team = default_team) or "{{team}}/{{release}}".
format = "{{release}}"
# Releases older than this need no plan.
# since = "v1.0"
# A draft plan at a release tag is a warning; true makes it an error.
# deny_draft = true

[check]
# Item ids that many releases refer to (a database, a queue); never reported as foreign.
shared = []
# A passing drill (`backout drill`) older than this no longer counts as a test.
# drill_max_age = "90d"
# How `manifest-drift` is reported: "warning", "error" or "off".
# drift = "warning"

[publish]
# A plan still in "draft" is refused by `backout publish`; true allows it.
allow_draft = false

# More titles for the required sections, beyond the built-in English and German ones
# (listed at {titles}).
# Keys: criteria, decision, responsibilities, procedure, verification, communication,
# contingencies, testing.
# [sections]
# procedure = ["Rückbau", "Cutback steps"]

# How a release's git changes become manifest items (`backout manifest`, `manifest-drift`).
# [[derive]]
# path = "services/{{id}}/"                 # {{id}}: one part of the path; a trailing / = any file below
# kind = "service"
# version_file = "services/{{id}}/VERSION"  # its first line; or the version of a Cargo.toml, package.json, Chart.yaml
#
# [[derive]]
# path = "db/migrations/{{id}}.sql"
# kind = "migration"
# reversible_if = "db/migrations/{{id}}.down.sql"  # reversible only when this file exists
"#,
        docs = crate::docs_url!("format.md#backouttoml"),
        titles = crate::docs_url!("format.md#section-titles")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_empty() {
        let config = Config::parse("backout.toml", "").unwrap_or_else(|f| panic!("{f:?}"));
        assert_eq!(config.plans_dir, "plans");
        let matcher = config.tags.matcher().unwrap_or_else(|e| panic!("{e}"));
        assert!(matcher.is_match("v1.4"));
        assert!(!matcher.is_match("nightly"));
        assert_eq!(config.tags.format, TagFormat::Release);
    }

    #[test]
    fn template_parses() {
        let config = Config::parse("backout.toml", &template(Some("payments")))
            .unwrap_or_else(|f| panic!("{f:?}"));
        assert_eq!(config.default_team.as_deref(), Some("payments"));
        assert!(Config::parse("backout.toml", &template(None)).is_ok());
        // The commented [sections] example works once uncommented.
        let uncommented = template(None)
            .replace("# [sections]", "[sections]")
            .replace("# procedure = ", "procedure = ");
        let config =
            Config::parse("backout.toml", &uncommented).unwrap_or_else(|f| panic!("{f:?}"));
        assert_eq!(config.sections.added().len(), 2);
    }

    #[test]
    fn reads_every_key() {
        let text = r#"
plans_dir = "ops/plans/"
default_team = "payments"
language = "de"
[tags]
glob = "release-*"
format = "{team}/{release}"
since = "v1.0"
[check]
shared = ["postgres-main", "kafka"]
drill_max_age = "90d"
[sections]
procedure = ["Rückbau", "Ablauf"]
"#;
        let config = Config::parse("backout.toml", text).unwrap_or_else(|f| panic!("{f:?}"));
        assert_eq!(config.plans_dir, "ops/plans");
        assert_eq!(config.tags.format, TagFormat::TeamRelease);
        assert_eq!(config.tags.since.as_deref(), Some("v1.0"));
        assert_eq!(config.shared, ["postgres-main", "kafka"]);
        assert_eq!(config.tags.glob, "release-*");
        assert_eq!(config.language, Language::De);
        assert_eq!(config.sections.language(), Language::De);
        assert_eq!(config.sections.kind_of("RÜCKBAU:"), Some(Kind::Procedure));
        assert_eq!(config.sections.added().len(), 1);
        assert_eq!(config.drill_max_age.map(|d| d.seconds()), Some(90 * 86_400));
    }

    #[test]
    fn rejects_bad_sections_and_languages() {
        let text = "language = \"fr\"\n[sections]\nprocdure = [\"Runbook\"]\ncriteria = [\"Rollback steps\", \"?\"]\ntesting = \"Drill\"\n";
        let error = Config::parse("backout.toml", text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let lines: Vec<&str> = error.lines().collect();
        assert_eq!(lines.len(), 5, "{error}");
        assert!(lines[0].starts_with("backout.toml:1:12: `language` cannot be \"fr\""));
        assert!(
            lines[1]
                .contains("holds \"Rollback steps\", which already names the section `procedure`")
        );
        assert!(lines[2].contains("holds \"?\", which is no title"));
        assert!(lines[3].contains("`testing` in [sections] must be an array of strings"));
        assert!(
            lines[4].ends_with("unknown key `procdure` in [sections]; did you mean `procedure`?")
        );
    }

    #[test]
    fn reads_the_status_gates() {
        let config = Config::parse("backout.toml", "")
            .map(|c| (c.tags.deny_draft, c.publish.allow_draft))
            .map_err(|e| e.to_string());
        assert_eq!(config, Ok((false, false)));
        let text = "[tags]\ndeny_draft = true\n[publish]\nallow_draft = true\n";
        let config = Config::parse("backout.toml", text)
            .map(|c| (c.tags.deny_draft, c.publish.allow_draft))
            .map_err(|e| e.to_string());
        assert_eq!(config, Ok((true, true)));
        let text = "[publish]\nallow_drafts = true\n[tags]\ndeny_draft = \"yes\"\n";
        let error = Config::parse("backout.toml", text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains("backout.toml:2:1: unknown key `allow_drafts` in [publish]; did you mean `allow_draft`?"),
            "{error}"
        );
        assert!(error.contains("backout.toml:4:14:"), "{error}");
        assert!(error.contains("true or false"), "{error}");
    }

    #[test]
    fn rejects_control_characters_and_deep_globs_where_they_stand() {
        let error = |text: &str| {
            Config::parse("backout.toml", text)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(
            error("# plans\nplans_dir = \"plans\\nerror[x]: y\"\n")
                .starts_with("backout.toml:2:13: `plans_dir` contains a control character")
        );
        // Nested 125 deep, past the regex engine's nesting limit: an error, not a panic.
        let glob = format!("{}v{}", "{a,".repeat(125), "}".repeat(125));
        let message = error(&format!("[tags]\nglob = \"{glob}\"\n"));
        assert!(
            message.starts_with("backout.toml:2:8: `glob` in [tags] is not a valid glob"),
            "{message}"
        );
        assert!(
            message.len() < 400,
            "the pattern is not repeated: {message}"
        );
    }

    #[test]
    fn rejects_bad_values_with_locations() {
        let text = "plans_dir = \"../x\"\ndefault_team = \"a b\"\n[tags]\nformat = \"{x}\"\nglob = \"[\"\n[check]\nshraed = []\n";
        let error = Config::parse("backout.toml", text)
            .err()
            .map(|e| e.to_string());
        let error = error.unwrap_or_default();
        let lines: Vec<_> = error.lines().map(|l| l.split(':').nth(1)).collect();
        assert_eq!(
            lines,
            [Some("1"), Some("2"), Some("5"), Some("4"), Some("7")]
        );
        assert!(error.ends_with("unknown key `shraed` in [check]; did you mean `shared`?"));
    }
}
