//! `plan.md`: TOML front matter between `+++` lines, then a Markdown body.

use std::fmt;
use std::ops::Range;

use toml::value::Datetime;

use crate::duration::Duration;
use crate::fields::{self, At, Problem, Table};
use crate::markdown::{self, Body};
use crate::names::PlanId;
use crate::sections::{Kind, Language, Sections};

/// Where a plan is in its life.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Approved,
    Published,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Approved => "approved",
            Status::Published => "published",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "draft" => Some(Status::Draft),
            "approved" => Some(Status::Approved),
            "published" => Some(Status::Published),
            _ => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[baseline]`: which plan this one was forked from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    pub from: Option<At<String>>,
    pub commit: Option<At<String>>,
}

/// `[tested]`: evidence the plan was tried.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tested {
    pub on: Option<At<Datetime>>,
    pub passed: Option<At<bool>>,
}

/// `[published]`: when and from which commit the plan was published.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    pub at: Option<At<Datetime>>,
    pub commit: Option<At<String>>,
}

/// The front matter, field by field; a field that was missing or wrong is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrontMatter {
    pub team: Option<At<String>>,
    pub release: Option<At<String>>,
    pub status: Option<At<Status>>,
    pub refers: Vec<At<String>>,
    pub window: Option<At<Duration>>,
    pub duration: Option<At<Duration>>,
    pub baseline: Option<Baseline>,
    pub tested: Option<Tested>,
    pub published: Option<Published>,
}

/// A parsed plan. Spans are byte offsets into the whole file.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub front: FrontMatter,
    /// The TOML between the `+++` lines, when there is front matter.
    pub front_span: Option<Range<usize>>,
    /// Where the Markdown body starts.
    pub body_start: usize,
    pub body: Body,
    /// What is wrong with the front matter (rule `invalid-plan`).
    pub problems: Vec<Problem>,
    /// Front-matter values that are still placeholders such as `window = "TBD"`.
    pub placeholders: Vec<Range<usize>>,
}

/// The words that mark an unfinished plan.
pub const PLACEHOLDERS: [&str; 3] = ["TODO", "TBD", "FIXME"];

/// Splits `+++` front matter off the text: the TOML's span and where the body starts.
pub fn split_front_matter(text: &str) -> Option<(Range<usize>, usize)> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let first_end = text[start..]
        .find('\n')
        .map_or(text.len(), |i| start + i + 1);
    if text[start..first_end].trim_end() != "+++" {
        return None;
    }
    let mut line_start = first_end;
    while line_start < text.len() {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |i| line_start + i + 1);
        if text[line_start..line_end].trim_end() == "+++" {
            return Some((first_end..line_start, line_end));
        }
        line_start = line_end;
    }
    None
}

impl Plan {
    /// Parses a plan with the built-in section titles; `expected` is the team and release
    /// its directory says.
    pub fn parse(text: &str, expected: &PlanId) -> Plan {
        Plan::parse_with(text, expected, Sections::builtin())
    }

    /// Parses a plan; `sections` says which titles name which required section (the
    /// built-in ones plus backout.toml's `[sections]`).
    pub fn parse_with(text: &str, expected: &PlanId, sections: &Sections) -> Plan {
        let mut plan = Plan::parse_front_matter(text, expected);
        plan.parse_body_with(text, sections);
        plan
    }

    /// Parses the body of a plan read with `parse_front_matter` (the same `text`), which
    /// makes it what `parse_with` returns.
    pub fn parse_body_with(&mut self, text: &str, sections: &Sections) {
        self.body = markdown::parse_body_with(text, self.body_start, sections);
    }

    /// Parses only the front matter (the body stays empty): enough to know whether a plan
    /// is valid and what its status is.
    pub fn parse_front_matter(text: &str, expected: &PlanId) -> Plan {
        let mut plan = Plan::default();

        match split_front_matter(text) {
            Some((toml_span, body_start)) => {
                plan.front_span = Some(toml_span.clone());
                plan.body_start = body_start;
                plan.read_front_matter(&text[toml_span.clone()], toml_span.start, expected);
            }
            None => {
                let problem = if text.trim().is_empty() {
                    "the plan is empty"
                } else if text.starts_with("+++") {
                    "the front matter is never closed"
                } else {
                    "the plan has no front matter"
                };
                plan.problems.push(Problem::new(0..0, problem).help(
                    "start the file with TOML between two `+++` lines (team, release, status, window, duration); `backout new` writes one",
                ));
            }
        }
        plan
    }

    /// Reads the front matter's TOML, which starts at byte `offset` of the file.
    fn read_front_matter(&mut self, toml: &str, offset: usize, expected: &PlanId) {
        let mut problems = Vec::new();
        match fields::parse(toml) {
            Ok(doc) => {
                let mut root = Table::root(&doc);
                (self.front.team, self.front.release) =
                    fields::read_identity(&mut root, expected, "front matter", &mut problems);
                read_fields(
                    &mut root,
                    &mut self.front,
                    &mut self.placeholders,
                    &mut problems,
                );
                root.finish(&mut problems);
            }
            Err(problem) => problems.push(problem),
        }
        let shift = |span: Range<usize>| span.start + offset..span.end + offset;
        for problem in &mut problems {
            problem.span = shift(problem.span.clone());
        }
        self.problems.extend(problems);
        self.placeholders = self.placeholders.drain(..).map(shift).collect();
        shift_front(&mut self.front, offset);
    }

    /// The plan's status; a plan whose status could not be read counts as a draft.
    pub fn status(&self) -> Status {
        self.front
            .status
            .as_ref()
            .map_or(Status::Draft, |s| s.value)
    }

    /// Whether the front matter was read without problems.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The keys of the front matter's top level and of its tables, so a key that landed in
/// the wrong table is told where it belongs: in TOML every key below a `[table]` line is part
/// of that table, so `on` and `result` appended after `[baseline]` are read as [baseline]'s.
const TOP_KEYS: [&str; 6] = ["team", "release", "status", "refers", "window", "duration"];
const TABLE_KEYS: [(&str, &[&str]); 3] = [
    ("tested", &["on", "result"]),
    ("baseline", &["from", "commit"]),
    ("published", &["at", "commit"]),
];

/// The help for keys of other places found in `[table]`.
fn keys_elsewhere(table: &'static str) -> Vec<(&'static str, String)> {
    let mut keys: Vec<(&'static str, String)> = TOP_KEYS
        .iter()
        .map(|key| {
            (
                *key,
                format!(
                    "`{key}` belongs at the top of the front matter, but every key below the `[{table}]` line is part of [{table}]: move `{key}` above `[{table}]`"
                ),
            )
        })
        .collect();
    for (other, other_keys) in TABLE_KEYS {
        if other == table {
            continue;
        }
        for key in other_keys.iter().filter(|key| {
            // A key both tables have is this table's own.
            !TABLE_KEYS
                .iter()
                .any(|(name, keys)| *name == table && keys.contains(key))
        }) {
            let lines = other_keys
                .iter()
                .map(|k| format!("`{k} = ...`"))
                .collect::<Vec<_>>()
                .join(" and ");
            keys.push((
                *key,
                format!(
                    "`{key}` belongs to [{other}], but every key below the `[{table}]` line is part of [{table}]: move a `[{other}]` line with {lines} above `[{table}]`"
                ),
            ));
        }
    }
    keys
}

fn read_fields(
    root: &mut Table<'_, '_>,
    front: &mut FrontMatter,
    placeholders: &mut Vec<Range<usize>>,
    problems: &mut Vec<Problem>,
) {
    let owned = |at: At<&str>| at.owned();
    if let Some(status) = root.required_string("status", "\"draft\"", problems) {
        match Status::parse(status.value) {
            Some(value) => {
                front.status = Some(At {
                    value,
                    span: status.span,
                });
            }
            None => problems.push(
                Problem::new(
                    status.span,
                    format!("`status` cannot be \"{}\"", status.value),
                )
                .help("use \"draft\", \"approved\" or \"published\""),
            ),
        }
    }

    if let Some(refers) = root.strings("refers", problems) {
        for refer in &refers {
            if !crate::manifest::is_valid_id(refer.value) {
                problems.push(
                    Problem::new(
                        refer.span.clone(),
                        format!(
                            "`refers` holds \"{}\", which is not an item id",
                            refer.value
                        ),
                    )
                    .help("list item ids as manifests write them, such as \"ledger-worker\""),
                );
            }
        }
        front.refers = refers.into_iter().map(owned).collect();
    }

    for (key, slot) in [
        ("window", &mut front.window),
        ("duration", &mut front.duration),
    ] {
        *slot = read_duration(root, key, placeholders, problems);
    }
    if let Some(mut table) = root.table("baseline", problems) {
        table.elsewhere("baseline", keys_elsewhere);
        let from = table.string("from", problems);
        if let Some(from) = &from {
            let is_plan =
                crate::names::Spec::parse(from.value).is_ok_and(|spec| spec.team.is_some());
            if !is_plan {
                problems.push(
                    Problem::new(
                        from.span.clone(),
                        format!(
                            "`from` in [baseline] is \"{}\", not a TEAM/RELEASE",
                            from.value
                        ),
                    )
                    .help("name the plan this one was forked from, such as \"payments/v1.4\""),
                );
            }
        }
        let commit = table.string("commit", problems);
        if let Some(commit) = &commit
            && !is_commit_id(commit.value)
        {
            problems.push(
                Problem::new(
                    commit.span.clone(),
                    format!(
                        "`commit` in [baseline] is \"{}\", not a full commit id",
                        commit.value
                    ),
                )
                .help("write the 40 (or 64) hex digits of the commit, as `backout baseline` does"),
            );
        }
        front.baseline = Some(Baseline {
            from: from.map(owned),
            commit: commit.map(owned),
        });
        table.finish(problems);
    }

    if let Some(mut table) = root.table("tested", problems) {
        table.elsewhere("tested", keys_elsewhere);
        let on = table.datetime("on", problems);
        let passed = match table.string("result", problems) {
            Some(result) => match result.value {
                "pass" => Some(At {
                    value: true,
                    span: result.span,
                }),
                "fail" => Some(At {
                    value: false,
                    span: result.span,
                }),
                other => {
                    problems.push(
                        Problem::new(
                            result.span,
                            format!("`result` in [tested] cannot be \"{other}\""),
                        )
                        .help("use \"pass\" or \"fail\""),
                    );
                    None
                }
            },
            None => None,
        };
        front.tested = Some(Tested { on, passed });
        table.finish(problems);
    }
    if let Some(mut table) = root.table("published", problems) {
        table.elsewhere("published", keys_elsewhere);
        let commit = table.string("commit", problems);
        if let Some(commit) = commit.as_ref().filter(|c| !is_commit_id(c.value)) {
            problems.push(
                Problem::new(
                    commit.span.clone(),
                    format!(
                        "`commit` in [published] is \"{}\", not a full commit id",
                        commit.value
                    ),
                )
                .help("publish with `backout publish`, which records the commit the plan is published from"),
            );
        }
        front.published = Some(Published {
            at: table.datetime("at", problems),
            commit: commit.map(owned),
        });
        table.finish(problems);
    }
}

/// Whether `text` is a full SHA-1 or SHA-256 commit id.
pub fn is_commit_id(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn read_duration(
    root: &mut Table<'_, '_>,
    key: &'static str,
    placeholders: &mut Vec<Range<usize>>,
    problems: &mut Vec<Problem>,
) -> Option<At<Duration>> {
    let example = if key == "window" {
        "\"72h\""
    } else {
        "\"45m\""
    };
    let value = root.required_string(key, example, problems)?;
    let trimmed = value.value.trim();
    if PLACEHOLDERS.contains(&trimmed) {
        placeholders.push(value.span);
        return None;
    }
    match Duration::parse(trimmed) {
        Some(duration) if key == "window" && duration.seconds() == 0 => {
            problems.push(
                Problem::new(
                    value.span,
                    "`window` is 0: no rollback would ever be possible",
                )
                .help("write how long after deployment a rollback is still possible, like \"72h\""),
            );
            None
        }
        Some(duration) => Some(At {
            value: duration,
            span: value.span,
        }),

        None => {
            problems.push(
                Problem::new(
                    value.span,
                    format!("`{key}` \"{}\" is not a duration", value.value),
                )
                .help("write it like \"45m\", \"2h\", \"1h30m\" or \"3d\""),
            );
            None
        }
    }
}

fn shift_front(front: &mut FrontMatter, offset: usize) {
    fn shift<T>(at: &mut Option<At<T>>, offset: usize) {
        if let Some(at) = at {
            at.span = at.span.start + offset..at.span.end + offset;
        }
    }
    shift(&mut front.team, offset);
    shift(&mut front.release, offset);
    shift(&mut front.status, offset);
    shift(&mut front.window, offset);
    shift(&mut front.duration, offset);
    for refer in &mut front.refers {
        refer.span = refer.span.start + offset..refer.span.end + offset;
    }
    if let Some(baseline) = &mut front.baseline {
        shift(&mut baseline.from, offset);
        shift(&mut baseline.commit, offset);
    }
    if let Some(tested) = &mut front.tested {
        shift(&mut tested.on, offset);
        shift(&mut tested.passed, offset);
    }
    if let Some(published) = &mut front.published {
        shift(&mut published.at, offset);
        shift(&mut published.commit, offset);
    }
}

/// The plan `backout new` writes, in English: every section with its question as a comment.
pub fn template(plan: &PlanId) -> String {
    template_in(plan, Language::En)
}

/// The plan `backout new` writes, with titles, questions and comments in `language`.
pub fn template_in(plan: &PlanId, language: Language) -> String {
    let (status, refers, window, duration, tested, title) = match language {
        Language::En => (
            "draft | approved | published",
            "ids of other releases this plan refers to on purpose",
            "how long after deployment a rollback is still possible, e.g. \"72h\"",
            "expected time to complete the rollback, e.g. \"45m\"",
            "add when the plan has been tried",
            "Backout plan",
        ),
        Language::De => (
            "draft | approved | published (Entwurf, freigegeben, veröffentlicht)",
            "IDs anderer Releases, auf die sich dieser Plan bewusst bezieht",
            "wie lange nach dem Deployment ein Rollback noch möglich ist, z. B. \"72h\"",
            "erwartete Dauer des Rollbacks, z. B. \"45m\"",
            "eintragen, sobald der Plan erprobt wurde",
            "Backout-Plan",
        ),
    };
    let mut text = format!(
        r#"+++
team = "{team}"
release = "{release}"
status = "draft"        # {status}
refers = []             # {refers}
window = "TBD"          # {window}
duration = "TBD"        # {duration}
# [tested]              # {tested}
# on = 2026-11-20
# result = "pass"       # pass | fail
+++

# {title}: {team} {release}
"#,
        team = plan.team,
        release = plan.release,
    );
    for kind in Kind::ALL {
        text.push_str(&format!(
            "\n## {}\n\n<!-- {} -->\n",
            kind.title(language),
            kind.question(language)
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> PlanId {
        PlanId::new("payments", "v1.5")
    }

    const GOOD: &str = "+++\nteam = \"payments\"\nrelease = \"v1.5\"\nstatus = \"approved\"\nwindow = \"72h\"\nduration = \"1h30m\"\nrefers = [\"ledger\"]\n[baseline]\nfrom = \"payments/v1.4\"\ncommit = \"0123456789abcdef0123456789abcdef01234567\"\n[tested]\non = 2026-11-20\nresult = \"pass\"\n+++\n\n## Criteria\nx\n";

    #[test]
    fn reads_front_matter() {
        let plan = Plan::parse(GOOD, &id());
        assert!(plan.is_valid(), "{:?}", plan.problems);
        let front = &plan.front;
        assert_eq!(plan.status(), Status::Approved);
        assert_eq!(
            front.window.as_ref().map(|w| w.value.seconds()),
            Some(72 * 3600)
        );
        assert_eq!(
            front.duration.as_ref().map(|w| w.value.seconds()),
            Some(5400)
        );
        assert_eq!(front.refers[0].value, "ledger");
        let passed = front
            .tested
            .as_ref()
            .and_then(|t| t.passed.as_ref())
            .map(|p| p.value);
        assert_eq!(passed, Some(true));
        let status = front.status.as_ref().map(|s| &GOOD[s.span.clone()]);
        assert_eq!(status, Some("\"approved\""));
        assert_eq!(plan.body.sections[0].title, "Criteria");
    }

    #[test]
    fn template_is_valid_but_unanswered() {
        let plan = Plan::parse(&template(&id()), &id());
        assert!(plan.is_valid(), "{:?}", plan.problems);
        assert_eq!(plan.placeholders.len(), 2);
        assert_eq!(plan.body.sections.len(), Kind::ALL.len());
        assert!(plan.body.sections.iter().all(|s| !s.answered));
    }

    #[test]
    fn german_template_names_every_section_and_stays_unanswered() {
        let text = template_in(&id(), Language::De);
        assert!(text.contains("## Ablauf\n"));
        assert!(text.contains("## Notfallmaßnahmen\n"));
        let plan = Plan::parse(&text, &id());
        assert!(plan.is_valid(), "{:?}", plan.problems);
        let kinds: Vec<_> = plan.body.sections.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, Kind::ALL.map(Some));
        assert!(plan.body.sections.iter().all(|s| !s.answered));
    }

    #[test]
    fn reports_front_matter_mistakes() {
        let text = "+++\nteam = \"checkout\"\nrelease = 15\nstatus = \"final\"\nwindow = \"soon\"\nduration = \"1h\"\nowner = \"x\"\n+++\n";
        let plan = Plan::parse(text, &id());
        let messages: Vec<_> = plan.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "front matter `team` is \"checkout\" but the directory says \"payments\"",
                "`release` must be a string, not the integer 15",
                "`status` cannot be \"final\"",
                "`window` \"soon\" is not a duration",
                "unknown key `owner`",
            ]
        );
    }

    #[test]
    fn validates_provenance_refers_and_window() {
        let text = "+++\nteam = \"payments\"\nrelease = \"v1.5\"\nstatus = \"draft\"\nwindow = \"0m\"\nduration = \"1h\"\nrefers = [\"ok-id\", \"a|b\"]\n[baseline]\nfrom = \"v1.4\"\ncommit = \"xyz\"\n+++\n";
        let plan = Plan::parse(text, &id());
        let messages: Vec<_> = plan.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`refers` holds \"a|b\", which is not an item id",
                "`window` is 0: no rollback would ever be possible",
                "`from` in [baseline] is \"v1.4\", not a TEAM/RELEASE",
                "`commit` in [baseline] is \"xyz\", not a full commit id",
            ]
        );
    }

    #[test]
    fn keys_below_the_wrong_table_are_told_where_they_belong() {
        // `[tested]` keys appended after the `[baseline]` a fork wrote.
        let text = "+++\nteam = \"payments\"\nrelease = \"v1.5\"\nstatus = \"approved\"\nwindow = \"72h\"\nduration = \"45m\"\n[baseline]\nfrom = \"payments/v1.4\"\non = 2026-11-20\nresult = \"pass\"\n+++\n";
        let plan = Plan::parse(text, &id());
        let problems: Vec<_> = plan
            .problems
            .iter()
            .map(|p| (p.message.as_str(), p.help.as_deref().unwrap_or_default()))
            .collect();
        assert_eq!(
            problems,
            [
                (
                    "unknown key `on` in [baseline]",
                    "`on` belongs to [tested], but every key below the `[baseline]` line is part of [baseline]: move a `[tested]` line with `on = ...` and `result = ...` above `[baseline]`"
                ),
                (
                    "unknown key `result` in [baseline]",
                    "`result` belongs to [tested], but every key below the `[baseline]` line is part of [baseline]: move a `[tested]` line with `on = ...` and `result = ...` above `[baseline]`"
                ),
            ]
        );
        let text = "+++\nteam = \"payments\"\nrelease = \"v1.5\"\nwindow = \"72h\"\nduration = \"45m\"\n[tested]\non = 2026-11-20\nresult = \"pass\"\nstatus = \"approved\"\nby = \"alice\"\n+++\n";
        let plan = Plan::parse(text, &id());
        let helps: Vec<_> = plan
            .problems
            .iter()
            .filter_map(|p| p.help.as_deref())
            .collect();
        assert!(helps.contains(&"`status` belongs at the top of the front matter, but every key below the `[tested]` line is part of [tested]: move `status` above `[tested]`"), "{helps:?}");
        assert!(
            helps.contains(&"known keys here: `on`, `result`"),
            "{helps:?}"
        );
    }

    #[test]
    fn missing_or_unclosed_front_matter() {
        for text in ["", "# Plan\n", "+++\nteam = \"x\"\n"] {
            let plan = Plan::parse(text, &id());
            assert_eq!(plan.problems.len(), 1, "{text:?}");
            assert_eq!(plan.problems[0].span, 0..0);
        }
    }

    #[test]
    fn splits_front_matter_with_bom_and_crlf() {
        let text = "\u{feff}+++\r\nteam = \"x\"\r\n+++\r\nbody";
        let (toml, body) = split_front_matter(text).unwrap_or_default();
        assert_eq!(&text[toml], "team = \"x\"\r\n");
        assert_eq!(&text[body..], "body");
    }
}
