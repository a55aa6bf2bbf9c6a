//! `backout.toml`: where plans live, which tags are releases, which ids are shared.

use globset::{GlobBuilder, GlobMatcher};

use crate::diag::{Rule, SourceFile};
use crate::error::Error;
use crate::fields::{self, At, Problem, Table};
use crate::names::name_problem;

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
}

#[derive(Debug, Clone)]
pub struct Tags {
    pub glob: String,
    pub format: TagFormat,
    pub since: Option<String>,
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
            },
            shared: Vec::new(),
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
        match plans_dir_problem(dir.value) {
            Some(problem) => problems.push(Problem::new(dir.span, problem).help(
                "use a relative path inside the repository, such as \"plans\" or \"ops/backout\"",
            )),
            None => config.plans_dir = dir.value.trim_end_matches('/').to_string(),
        }
    }
    if let Some(team) = root.string("default_team", problems) {
        config.default_team = checked_name(team, "team", problems);
    }
    if let Some(mut tags) = root.table("tags", problems) {
        read_tags(&mut tags, &mut config.tags, problems);
        tags.finish(problems);
    }
    if let Some(mut check) = root.table("check", problems) {
        if let Some(shared) = check.strings("shared", problems) {
            config.shared = shared.into_iter().map(|s| s.value.to_string()).collect();
        }
        check.finish(problems);
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
            "`plans_dir` must stay inside the repository (no empty, `.`, `..` or `.git` parts)",
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
        r#"# backout: release backout plans as code. See docs/format.md.

# Where plans live: <plans_dir>/<team>/<release>/plan.md and manifest.toml.
plans_dir = "plans"

# The team a bare RELEASE on the command line (and a "{{release}}" tag) belongs to.
{team_line}

[tags]
# Which git tags are releases; `backout tags` checks that each one has a plan.
glob = "v*"
# "{{release}}" (team = default_team) or "{{team}}/{{release}}".
format = "{{release}}"
# Releases older than this need no plan.
# since = "v1.0"

[check]
# Item ids that many releases refer to (a database, a queue); never reported as foreign.
shared = []
"#
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
    }

    #[test]
    fn reads_every_key() {
        let text = r#"
plans_dir = "ops/plans/"
default_team = "payments"
[tags]
glob = "release-*"
format = "{team}/{release}"
since = "v1.0"
[check]
shared = ["postgres-main", "kafka"]
"#;
        let config = Config::parse("backout.toml", text).unwrap_or_else(|f| panic!("{f:?}"));
        assert_eq!(config.plans_dir, "ops/plans");
        assert_eq!(config.tags.format, TagFormat::TeamRelease);
        assert_eq!(config.tags.since.as_deref(), Some("v1.0"));
        assert_eq!(config.shared, ["postgres-main", "kafka"]);
        assert_eq!(config.tags.glob, "release-*");
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
