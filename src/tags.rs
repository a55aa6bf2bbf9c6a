//! Release tags and their plans: which plan a tag needs, and whether the plan found for it
//! is ok, a draft, missing or invalid.

use std::fmt;

use serde::Serialize;

use crate::config::TagFormat;
use crate::names::{PlanId, name_problem};
use crate::plan::{Plan, Status};
use crate::store;

/// Where a tag's plan is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// In the tree of the tagged commit: the plan existed when the release was cut.
    Tag,
    /// In HEAD's tree.
    Head,
}

/// The verdict for one release tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TagStatus {
    Ok,
    Draft,
    Missing,
    Invalid,
}

impl TagStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TagStatus::Ok => "ok",
            TagStatus::Draft => "draft",
            TagStatus::Missing => "missing",
            TagStatus::Invalid => "invalid",
        }
    }

    /// Whether this status fails `backout tags`.
    pub fn is_error(self) -> bool {
        matches!(self, TagStatus::Missing | TagStatus::Invalid)
    }

    /// Whether this status fails `backout tags` when `[tags] deny_draft` is `deny_draft`.
    pub fn fails(self, deny_draft: bool) -> bool {
        self.is_error() || (deny_draft && self == TagStatus::Draft)
    }
}

impl fmt::Display for TagStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One release tag and what was found for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagRow {
    pub tag: String,
    pub team: Option<String>,
    pub release: Option<String>,
    /// Repository-relative path of the plan the tag needs.
    pub path: Option<String>,
    /// The tagged commit, when the plan was looked up there.
    pub commit: Option<String>,
    pub status: TagStatus,
    /// Why the status is not `ok`, as a sentence.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// The plan a tag names, by the configured format.
pub fn plan_of(tag: &str, format: TagFormat, default_team: Option<&str>) -> Result<PlanId, String> {
    let (team, release) = match format {
        TagFormat::Release => match default_team {
            Some(team) => (team, tag),
            None => {
                return Err(
                    "tags name releases of the default team, but there is none; set `default_team` in backout.toml".into(),
                );
            }
        },
        TagFormat::TeamRelease => {
            match tag.split_once('/') {
                Some(parts) => parts,
                None => return Err(
                    "tag is not TEAM/RELEASE, as `format = \"{team}/{release}\"` in [tags] asks"
                        .into(),
                ),
            }
        }
    };
    if let Some(problem) = name_problem(team) {
        return Err(format!("team name `{team}` {problem}"));
    }
    if let Some(problem) = name_problem(release) {
        return Err(format!("release name `{release}` {problem}"));
    }
    Ok(PlanId::new(team, release))
}

/// Judges the bytes of a plan found for a tag.
pub fn judge(bytes: Vec<u8>, id: &PlanId) -> (TagStatus, String) {
    if bytes.len() as u64 > store::MAX_FILE_BYTES {
        return (TagStatus::Invalid, "the plan is larger than 8 MB".into());
    }
    let text = match store::decode(bytes) {
        Ok(text) => text,
        Err(problem) => return (TagStatus::Invalid, format!("the plan {}", problem.message)),
    };
    let plan = Plan::parse_front_matter(&text, id);
    if let Some(problem) = plan.problems.first() {
        let more = match plan.problems.len() {
            1 => String::new(),
            n => format!(" (and {} more problems)", n - 1),
        };
        return (
            TagStatus::Invalid,
            format!("the plan does not parse: {}{more}", problem.message),
        );
    }
    match plan.status() {
        Status::Draft => (TagStatus::Draft, "the plan is still a draft".into()),
        Status::Approved | Status::Published => (TagStatus::Ok, String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_tags_to_plans() {
        let id = plan_of("v1.4", TagFormat::Release, Some("payments"));
        assert_eq!(id, Ok(PlanId::new("payments", "v1.4")));
        let id = plan_of("checkout/v2.0", TagFormat::TeamRelease, None);
        assert_eq!(id, Ok(PlanId::new("checkout", "v2.0")));
        assert!(plan_of("v1.4", TagFormat::Release, None).is_err());
        assert!(plan_of("v1.4", TagFormat::TeamRelease, None).is_err());
        assert!(plan_of("a/b/c", TagFormat::TeamRelease, None).is_err());
    }

    #[test]
    fn judges_plans() {
        let id = PlanId::new("payments", "v1.4");
        let plan = |status: &str| {
            format!("+++\nteam = \"payments\"\nrelease = \"v1.4\"\nstatus = \"{status}\"\nwindow = \"1h\"\nduration = \"1m\"\n+++\n").into_bytes()
        };
        assert_eq!(judge(plan("approved"), &id).0, TagStatus::Ok);
        assert_eq!(judge(plan("draft"), &id).0, TagStatus::Draft);
        assert_eq!(judge(plan("bogus"), &id).0, TagStatus::Invalid);
        assert_eq!(judge(b"\xff".to_vec(), &id).0, TagStatus::Invalid);
    }
}
