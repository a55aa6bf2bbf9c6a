//! Team and release names, and the `TEAM/RELEASE` plan specs users type.

use std::fmt;

/// The longest team or release name accepted.
pub const MAX_NAME_LEN: usize = 100;

/// Why a team or release name was rejected, as the end of a sentence.
/// What `Spec::parse` adds when a release name holds a `/`.
const NAMED: &str = "; a plan is named RELEASE or TEAM/RELEASE";

pub fn name_problem(name: &str) -> Option<String> {
    // The usual name, in one pass over its bytes (every release of a repository is checked
    // on every run; `str::contains` alone cost hundreds of instructions a name).
    let bytes = name.as_bytes();
    let allowed = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    if bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.len() <= MAX_NAME_LEN
        && bytes.iter().all(allowed)
        && !bytes.windows(2).any(|pair| pair == b"..")
    {
        return None;
    }
    if name.is_empty() {
        return Some("is empty".into());
    }
    if name.len() > MAX_NAME_LEN {
        return Some(format!(
            "is {} characters long, more than the {MAX_NAME_LEN} allowed",
            name.len()
        ));
    }
    if name.contains("..") {
        return Some("contains `..`".into());
    }
    let mut chars = name.chars();
    if chars.next().is_some_and(|c| !c.is_ascii_alphanumeric()) {
        return Some("must start with an ASCII letter or digit".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Some(format!(
            "contains {}, but only ASCII letters, digits, `.`, `_` and `-` are allowed",
            describe_char(bad)
        ));
    }
    None
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '/' => "`/`".into(),
        '\\' => "`\\`".into(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("`{c}`"),
    }
}

/// Whether `name` is a valid team or release name.
pub fn is_valid_name(name: &str) -> bool {
    name_problem(name).is_none()
}

/// Refuses a path argument below the plans directory whose team or release directory has a
/// name backout does not accept (`parts`: the path's components below the plans directory),
/// so that nothing is read or written there as if it were a plan.
pub fn check_path_parts(path: &std::path::Path, parts: &[String]) -> crate::error::Result<()> {
    for (part, what) in parts.iter().zip(["team", "release"]) {
        if let Some(problem) = name_problem(part) {
            return Err(crate::error::Error::msg(format!(
                "{} is not a plan: its {what} directory name `{part}` {problem}; rename the directory (ASCII letters, digits, `.`, `_` and `-`), or name the plan as TEAM/RELEASE",
                path.display()
            )));
        }
    }
    Ok(())
}

/// A plan named on the command line: `RELEASE` or `TEAM/RELEASE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub team: Option<String>,
    pub release: String,
}

/// A plan's full name: team and release.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlanId {
    pub team: String,
    pub release: String,
}

impl PlanId {
    pub fn new(team: impl Into<String>, release: impl Into<String>) -> Self {
        PlanId {
            team: team.into(),
            release: release.into(),
        }
    }
}

impl fmt::Display for PlanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.team, self.release)
    }
}

impl Spec {
    /// Parses `RELEASE` or `TEAM/RELEASE`; the error is the end of a sentence that starts
    /// with the spec in quotes.
    pub fn parse(text: &str) -> Result<Spec, String> {
        let (team, release) = match text.split_once('/') {
            Some((team, release)) => (Some(team), release),
            None => (None, text),
        };
        if let Some(team) = team
            && let Some(problem) = name_problem(team)
        {
            return Err(format!("team name `{team}` {problem}"));
        }
        if let Some(problem) = name_problem(release) {
            let hint = if release.contains('/') {
                NAMED.to_string()
            } else {
                String::new()
            };
            return Err(format!("release name `{release}` {problem}{hint}"));
        }
        Ok(Spec {
            team: team.map(str::to_string),
            release: release.to_string(),
        })
    }
}

impl Spec {
    /// Parses a plan named on the command line; the error says what is wrong and the fix.
    pub fn from_arg(text: &str) -> Result<Spec, crate::error::Error> {
        Spec::parse(text).map_err(|problem| {
            // The fix below says how plans are named; the problem need not say it too.
            let problem = problem.strip_suffix(NAMED).unwrap_or(&problem);
            crate::error::Error::msg(format!(
                "`{text}` is not a plan name: {problem}; name a plan RELEASE or TEAM/RELEASE, with ASCII letters, digits, `.`, `_` and `-`"
            ))
        })
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.team {
            Some(team) => write!(f, "{team}/{}", self.release),
            None => f.write_str(&self.release),
        }
    }
}

/// A map keyed by plan id, hashed with foldhash: the catalog, the cache and the corpus hold
/// one entry per release (10,000 and more), and std's SipHash over two strings showed in
/// profiles of one-plan commands.
pub type PlanMap<V> = std::collections::HashMap<PlanId, V, foldhash::fast::RandomState>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_names() {
        for name in ["v1.4", "payments", "2024.11", "a", "rel_1-2.3"] {
            assert!(is_valid_name(name), "{name}");
        }
    }

    #[test]
    fn a_plan_name_with_two_slashes_says_how_plans_are_named_once() {
        let message = Spec::from_arg("payments/v1.5/plan")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            message.matches("RELEASE or TEAM/RELEASE").count(),
            1,
            "{message}"
        );
        assert!(message.contains("ASCII letters"), "{message}");
    }

    #[test]
    fn rejects_unsafe_names() {
        for name in [
            "", "..", "a..b", ".hidden", "-x", "a b", "a/b", "a\\b", "ü", "a\0",
        ] {
            assert!(!is_valid_name(name), "{name:?}");
        }
        assert!(!is_valid_name(&"x".repeat(101)));
        assert!(is_valid_name(&"x".repeat(100)));
    }

    #[test]
    fn parses_specs() {
        assert_eq!(
            Spec::parse("checkout/v2.0"),
            Ok(Spec {
                team: Some("checkout".into()),
                release: "v2.0".into()
            })
        );
        assert_eq!(Spec::parse("v1.4").map(|s| s.team), Ok(None));
        assert!(Spec::parse("../x").is_err());
        assert!(Spec::parse("a/b/c").is_err());
        assert!(Spec::parse("my team/v1").is_err());
    }
}
