//! Forking an earlier plan into the release being prepared: the new plan's text (front
//! matter edited in place, body untouched), the choice of a sibling team by manifest
//! similarity, and the list of what the author must now change, grouped by section.
//! Texts and models in, values out; `commands::baseline` does the reading and writing.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;

use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

use crate::diag::{Finding, Rule, SourceFile};
use crate::diff::{self, SectionStatus};
use crate::fields::Problem;
use crate::manifest::{Kind, Manifest};
use crate::markdown;
use crate::names::PlanId;
use crate::plan::split_front_matter;
use crate::tokens::ReleaseNames;

/// How much shared item ids weigh in the similarity score; kinds weigh the rest.
pub const ID_WEIGHT: f64 = 0.75;
/// How much the mix of item kinds weighs in the similarity score.
pub const KIND_WEIGHT: f64 = 1.0 - ID_WEIGHT;

/// Where `[baseline]` says the plan came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provenance<'a> {
    /// The plan forked from.
    pub from: &'a PlanId,
    /// The full sha of HEAD when forking; `None` in a repository without commits.
    pub commit: Option<&'a str>,
}

/// The text of the new plan: `source` with its front matter edited (team, release,
/// `status = "draft"`, `[baseline]`, no `[tested]` or `[published]`) and every other byte,
/// comments and formatting included, kept. `provenance` is `None` when the source is the
/// template rather than a plan, and then `[baseline]` is removed.
///
/// The error is a problem located in `source`: no front matter, or front matter that is
/// not TOML.
pub fn fork(
    source: &str,
    target: &PlanId,
    provenance: Option<Provenance<'_>>,
) -> Result<String, Problem> {
    let Some((span, _)) = split_front_matter(source) else {
        return Err(
            Problem::new(0..0, "the plan has no `+++` front matter to fork").help(
                "start it with TOML between two `+++` lines, or fork another plan with --from",
            ),
        );
    };
    let toml = &source[span.clone()];
    let mut doc: DocumentMut = toml.parse().map_err(|error: toml_edit::TomlError| {
        let at = error.span().unwrap_or(0..0);
        let message = error.message().trim_end().replace('\n', " ");
        Problem::new(
            at.start + span.start..at.end + span.start,
            format!("the front matter is not valid TOML: {message}"),
        )
        .help("fix the plan's front matter, or fork another plan with --from")
    })?;
    let root = doc.as_table_mut();
    set_string(root, "team", &target.team);
    set_string(root, "release", &target.release);
    set_string(root, "status", "draft");
    root.remove("tested");
    root.remove("published");
    match provenance {
        Some(provenance) => set_baseline(root, provenance),
        None => {
            root.remove("baseline");
        }
    }
    let mut edited = doc.to_string();
    if toml.contains("\r\n") {
        edited = edited.replace("\r\n", "\n").replace('\n', "\r\n");
    }
    if !edited.is_empty() && !edited.ends_with('\n') {
        edited.push_str(if toml.contains("\r\n") { "\r\n" } else { "\n" });
    }
    let mut text = String::with_capacity(source.len() + 128);
    text.push_str(&source[..span.start]);
    text.push_str(&edited);
    text.push_str(&source[span.end..]);
    Ok(text)
}

fn set_baseline(root: &mut Table, provenance: Provenance<'_>) {
    let baseline = root
        .entry("baseline")
        .or_insert_with(|| Item::Table(Table::new()));
    if !baseline.is_table_like() {
        *baseline = Item::Table(Table::new());
    }
    if let Some(table) = baseline.as_table_like_mut() {
        set_string(table, "from", &provenance.from.to_string());
        match provenance.commit {
            Some(commit) => set_string(table, "commit", commit),
            None => {
                table.remove("commit");
            }
        }
    }
    // An inline table is one line without comments: lay it out afresh so a key added after
    // the last one does not inherit the space before the closing brace.
    if let Some(inline) = baseline.as_inline_table_mut() {
        inline.fmt();
    }
}

/// Sets `key` to a string, keeping the key's place and formatting and the old value's
/// surrounding whitespace and trailing comment (which toml_edit would otherwise drop).
fn set_string(table: &mut dyn TableLike, key: &str, text: &str) {
    let mut value = Value::from(text);
    match table.get_mut(key) {
        Some(item) => {
            if let Some(old) = item.as_value() {
                *value.decor_mut() = old.decor().clone();
            } else {
                value = value.decorated(" ", "");
            }
            *item = Item::Value(value);
        }
        None => {
            table.insert(key, Item::Value(value));
        }
    }
}

/// How alike two manifests are, and why.
///
/// `score = ID_WEIGHT × J(ids) + KIND_WEIGHT × J(kinds)`, in 0..=1, where `J(ids)` is the
/// Jaccard index of the two sets of item ids (shared ids / all ids) and `J(kinds)` the
/// weighted Jaccard index of the kind counts (Σ min / Σ max over the seven kinds), so two
/// manifests of three services and a migration match fully on kinds, and one of a single
/// flag barely does. Both are 0 when both manifests are empty.
#[derive(Debug, Clone, PartialEq)]
pub struct Similarity {
    pub score: f64,
    /// Ids both manifests list, sorted.
    pub shared_ids: Vec<String>,
    /// Ids either manifest lists.
    pub all_ids: usize,
    /// Weighted Jaccard index of the kind counts.
    pub kinds: f64,
    /// Kinds both manifests hold, in kind order.
    pub shared_kinds: Vec<Kind>,
}

/// Scores how alike `other` is to `target`.
pub fn similarity(target: &Manifest, other: &Manifest) -> Similarity {
    let a: BTreeSet<&str> = target.items.iter().map(|i| i.id.as_str()).collect();
    let b: BTreeSet<&str> = other.items.iter().map(|i| i.id.as_str()).collect();
    let shared_ids: Vec<String> = a.intersection(&b).map(|s| s.to_string()).collect();
    let all_ids = a.union(&b).count();
    let ids = ratio(shared_ids.len(), all_ids);
    let count = |manifest: &Manifest| {
        let mut counts: HashMap<Kind, usize> = HashMap::new();
        for item in &manifest.items {
            *counts.entry(item.kind).or_default() += 1;
        }
        counts
    };
    let (ca, cb) = (count(target), count(other));
    let (mut min, mut max) = (0, 0);
    let mut shared_kinds = Vec::new();
    for kind in Kind::ALL {
        let (x, y) = (
            ca.get(&kind).copied().unwrap_or(0),
            cb.get(&kind).copied().unwrap_or(0),
        );
        min += x.min(y);
        max += x.max(y);
        if x > 0 && y > 0 {
            shared_kinds.push(kind);
        }
    }
    let kinds = ratio(min, max);
    Similarity {
        score: ID_WEIGHT * ids + KIND_WEIGHT * kinds,
        shared_ids,
        all_ids,
        kinds,
        shared_kinds,
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

impl Similarity {
    /// Why the score is what it is, in a few words.
    pub fn why(&self) -> String {
        let ids = if self.shared_ids.is_empty() {
            format!("no shared ids (of {})", self.all_ids)
        } else {
            let mut shown: Vec<&str> = self.shared_ids.iter().take(5).map(String::as_str).collect();
            let more = self.shared_ids.len().saturating_sub(shown.len());
            let more_text = format!("{more} more");
            if more > 0 {
                shown.push(&more_text);
            }
            format!(
                "{} of {} ids shared ({})",
                self.shared_ids.len(),
                self.all_ids,
                shown.join(", ")
            )
        };
        let kinds = if self.shared_kinds.is_empty() {
            "no shared kinds".to_string()
        } else {
            let names: Vec<&str> = self.shared_kinds.iter().map(|k| k.as_str()).collect();
            format!("kinds {:.2} ({})", self.kinds, names.join(", "))
        };
        format!("{ids}; {kinds}")
    }
}

/// A sibling team that could be forked from.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub team: String,
    /// The team's latest plan: what would be forked.
    pub plan: PlanId,
    /// The team's latest manifest, compared with the target's; `None` when it has none
    /// that could be read (score 0).
    pub manifest: Option<PlanId>,
    pub similarity: Similarity,
}

/// What a sibling team offers: its latest plan and its latest manifest, if any.
pub struct Sibling<'a> {
    pub team: String,
    pub plan: PlanId,
    pub manifest: Option<(PlanId, &'a Manifest)>,
}

/// Ranks sibling teams by how alike their latest manifest is to `target`: best first;
/// ties go to more shared ids, then to the team name.
pub fn rank(target: &Manifest, siblings: Vec<Sibling<'_>>) -> Vec<Candidate> {
    let empty = Manifest::default();
    let mut ranked: Vec<Candidate> = siblings
        .into_iter()
        .map(|sibling| {
            let (manifest, other) = match sibling.manifest {
                Some((id, manifest)) => (Some(id), manifest),
                None => (None, &empty),
            };
            Candidate {
                similarity: similarity(target, other),
                team: sibling.team,
                plan: sibling.plan,
                manifest,
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.similarity
            .score
            .total_cmp(&a.similarity.score)
            .then_with(|| {
                b.similarity
                    .shared_ids
                    .len()
                    .cmp(&a.similarity.shared_ids.len())
            })
            .then_with(|| a.team.cmp(&b.team))
    });
    ranked
}

/// Where in the new plan a group of things to change is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    FrontMatter,
    /// Between the front matter and the first section (also where missing sections go).
    Top,
    /// A level-2 section, by title.
    Section(String),
    /// Another file, such as the manifest.
    File(String),
}

/// A place in the new plan that still names the plan it was forked from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// 1-based line and column.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// What must change in one place of the new plan.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeGroup {
    pub place: Place,
    /// 1-based line where the place starts (the heading of a section).
    pub line: usize,
    /// The check findings located there, in line order.
    pub findings: Vec<Finding>,
    /// Headings that name the source release, and (for a sibling's plan) any mention of
    /// the source team: `check` cannot know these are stale, the fork can.
    pub mentions: Vec<Mention>,
    /// Set when the section is still word for word the source's: confirm it still holds.
    pub unchanged_since: Option<String>,
}

impl ChangeGroup {
    fn new(place: Place, line: usize) -> Self {
        ChangeGroup {
            place,
            line,
            findings: Vec::new(),
            mentions: Vec::new(),
            unchanged_since: None,
        }
    }
}

/// The plan forked from and its text.
#[derive(Debug, Clone, Copy)]
pub struct Forked<'a> {
    pub id: &'a PlanId,
    pub text: &'a str,
}

/// Groups the check findings of the new plan `text` of `target` (at `path`) by where they
/// are, adds the places that still name the source, and marks sections still identical to
/// the source, in document order: front matter, top, sections, then other files. Places
/// with nothing to say are left out. `source` is `None` when the plan came from the template.
pub fn changes(
    text: &str,
    path: &str,
    target: &PlanId,
    findings: &[Finding],
    source: Option<Forked<'_>>,
) -> Vec<ChangeGroup> {
    let file = SourceFile::new(path, text);
    let split = split_front_matter(text);
    let body_start = split.as_ref().map_or(0, |(_, start)| *start);
    let front_last_line = split
        .as_ref()
        .map(|_| file.line_number(body_start.saturating_sub(1)));
    let body = markdown::parse_body(text, body_start);
    let mut groups = Vec::new();
    if front_last_line.is_some() {
        groups.push(ChangeGroup::new(Place::FrontMatter, 1));
    }
    groups.push(ChangeGroup::new(Place::Top, file.line_number(body_start)));
    let unchanged: HashSet<usize> = match source {
        Some(source) => diff::section_diffs(source.text, text)
            .iter()
            .filter(|d| d.status == SectionStatus::Unchanged)
            .filter_map(|d| d.new_line)
            .collect(),
        None => HashSet::new(),
    };
    for section in &body.sections {
        let line = file.line_number(section.heading.start);
        let mut group = ChangeGroup::new(Place::Section(section.title.clone()), line);
        if unchanged.contains(&line) {
            group.unchanged_since = source.map(|s| s.id.to_string());
        }
        groups.push(group);
    }
    // The group of the plan's own file that holds `line`.
    let index_of = |groups: &[ChangeGroup], line: usize| {
        if front_last_line.is_some_and(|last| line <= last) {
            return 0;
        }
        groups
            .iter()
            .rposition(|g| g.place != Place::FrontMatter && g.line <= line)
            .unwrap_or(usize::from(front_last_line.is_some()))
    };
    if let Some(source) = source {
        // A place a finding already reports (a title naming the source release is a
        // `foreign-release`) is not noted twice.
        let reported: HashSet<(usize, usize)> = findings
            .iter()
            .filter(|f| f.file == path)
            .map(|f| (f.line, f.column))
            .collect();
        for mention in mentions(&file, body_start, target, source.id)
            .into_iter()
            .filter(|m| !reported.contains(&(m.line, m.column)))
        {
            let index = index_of(&groups, mention.line);
            if let Some(group) = groups.get_mut(index) {
                group.mentions.push(mention);
            }
        }
    }
    let mut others: Vec<ChangeGroup> = Vec::new();
    for finding in findings {
        if finding.file != path {
            let place = Place::File(finding.file.clone());
            match others.iter_mut().find(|g| g.place == place) {
                Some(group) => group.findings.push(finding.clone()),
                None => {
                    let mut group = ChangeGroup::new(place, 1);
                    group.findings.push(finding.clone());
                    others.push(group);
                }
            }
            continue;
        }
        let index = index_of(&groups, finding.line);
        if let Some(group) = groups.get_mut(index) {
            group.findings.push(finding.clone());
        }
    }
    groups.extend(others);
    for group in &mut groups {
        group.findings.sort_by_key(|f| (f.line, f.column, f.rule));
    }
    groups.retain(|g| {
        !g.findings.is_empty() || !g.mentions.is_empty() || g.unchanged_since.is_some()
    });
    groups
}

/// Headings that name the source's release, and, when the source is another team's plan,
/// every mention of that team, as whole tokens.
fn mentions(
    file: &SourceFile<'_>,
    body_start: usize,
    target: &PlanId,
    source: &PlanId,
) -> Vec<Mention> {
    let text = file.text();
    let mut found = Vec::new();
    if source.release != target.release {
        let names = ReleaseNames::new(vec![source.release.clone()]);
        for (span, _) in names.find(text, &heading_text(text, body_start)) {
            found.push((
                span,
                format!(
                    "heading names {}, the release of {source} this plan was forked from: write {}",
                    source.release, target.release
                ),
            ));
        }
    }
    if source.team != target.team {
        let names = ReleaseNames::new(vec![source.team.clone()]);
        let windows = markdown::parse_body(text, body_start).windows();
        for (span, _) in names.find(text, &windows) {
            found.push((
                span,
                format!(
                    "names {}, the team this plan was forked from: is it still right for {}?",
                    source.team, target.team
                ),
            ));
        }
    }
    found.sort_by_key(|(span, _)| span.start);
    found.dedup_by_key(|(span, _)| span.start);
    found
        .into_iter()
        .map(|(span, message)| {
            let finding = file.finding(Rule::ForeignRelease, span, "");
            Mention {
                line: finding.line,
                column: finding.column,
                message,
            }
        })
        .collect()
}

/// The text ranges inside headings of the body.
fn heading_text(text: &str, body_start: usize) -> Vec<Range<usize>> {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let mut ranges = Vec::new();
    let mut depth = 0usize;
    let Some(body) = text.get(body_start..) else {
        return ranges;
    };
    for (event, range) in markdown::parser(body).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { .. }) => depth += 1,
            Event::End(TagEnd::Heading(_)) => depth = depth.saturating_sub(1),
            Event::Text(_) | Event::Code(_) if depth > 0 => {
                ranges.push(range.start + body_start..range.end + body_start);
            }
            _ => {}
        }
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> PlanId {
        PlanId::new("payments", "v1.5")
    }

    fn from() -> PlanId {
        PlanId::new("payments", "v1.4")
    }

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn fork_edits_front_matter_in_place() {
        let source = "+++
# Plan of the payments team.
team = \"payments\"   # who owns it
release   = 'v1.4'
status = \"published\"  # draft | approved | published
window = \"72h\"  # agreed with support
duration = \"45m\"
[tested]
on = 2026-11-20
result = \"pass\"
[published]
at = 2026-11-21T10:00:00Z
commit = \"abc\"
+++

# Backout plan: payments v1.4

## Criteria
Errors.
";
        let provenance = Provenance {
            from: &from(),
            commit: Some(SHA),
        };
        let text = fork(source, &id(), Some(provenance)).unwrap_or_default();
        assert_eq!(
            text,
            format!(
                "+++
# Plan of the payments team.
team = \"payments\"   # who owns it
release   = \"v1.5\"
status = \"draft\"  # draft | approved | published
window = \"72h\"  # agreed with support
duration = \"45m\"

[baseline]
from = \"payments/v1.4\"
commit = \"{SHA}\"
+++

# Backout plan: payments v1.4

## Criteria
Errors.
"
            )
        );
    }

    #[test]
    fn fork_replaces_an_existing_baseline_and_keeps_its_comments() {
        let source = "+++\nteam = \"payments\"\nrelease = \"v1.4\"\nstatus = \"draft\"\n[baseline]  # where it came from\nfrom = \"payments/v1.3\"  # older\ncommit = \"aaa\"\n+++\nbody\n";
        let no_commit = Provenance {
            from: &from(),
            commit: None,
        };
        let text = fork(source, &id(), Some(no_commit)).unwrap_or_default();
        assert_eq!(
            text,
            "+++\nteam = \"payments\"\nrelease = \"v1.5\"\nstatus = \"draft\"\n[baseline]  # where it came from\nfrom = \"payments/v1.4\"  # older\n+++\nbody\n"
        );
    }

    #[test]
    fn fork_handles_inline_and_dotted_baseline_tables() {
        let provenance = Provenance {
            from: &from(),
            commit: Some(SHA),
        };
        let inline = "+++\nteam = \"payments\"\nrelease = \"v1.4\"\nstatus = \"draft\"\nbaseline = { from = \"payments/v1.3\" }\n+++\n";
        let text = fork(inline, &id(), Some(provenance)).unwrap_or_default();
        assert!(
            text.contains(&format!(
                "baseline = {{ from = \"payments/v1.4\", commit = \"{SHA}\" }}\n"
            )),
            "{text}"
        );
        let dotted = "+++\nteam = \"payments\"\nrelease = \"v1.4\"\nstatus = \"draft\"\nwindow = \"1h\"\nduration = \"1h\"\nbaseline.from = \"payments/v1.3\"\ntested.result = \"pass\"\n+++\n";
        let text = fork(dotted, &id(), Some(provenance)).unwrap_or_default();
        let plan = crate::plan::Plan::parse(&text, &id());
        assert!(plan.is_valid(), "{text}\n{:?}", plan.problems);
        let baseline = plan.front.baseline.unwrap_or_default();
        assert_eq!(
            baseline.from.map(|f| f.value).as_deref(),
            Some("payments/v1.4")
        );
        assert_eq!(baseline.commit.map(|f| f.value).as_deref(), Some(SHA));
        assert!(plan.front.tested.is_none());
    }

    #[test]
    fn fork_keeps_crlf_and_a_bom() {
        let source = "\u{feff}+++\r\nteam = \"payments\"\r\nrelease = \"v1.4\"\r\nstatus = \"draft\"\r\n+++\r\nbody\r\n";
        let provenance = Provenance {
            from: &from(),
            commit: Some(SHA),
        };
        let text = fork(source, &id(), Some(provenance)).unwrap_or_default();
        assert!(text.starts_with("\u{feff}+++\r\nteam = \"payments\"\r\nrelease = \"v1.5\"\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'), "{text:?}");
        assert!(text.ends_with("\r\n+++\r\nbody\r\n"));
    }

    #[test]
    fn fork_of_the_template_has_no_baseline() {
        let template = crate::plan::template(&id());
        let text = fork(&template, &id(), None).unwrap_or_default();
        assert_eq!(text, template);
    }

    #[test]
    fn fork_refuses_what_it_cannot_read() {
        let missing = fork("# no front matter\n", &id(), None);
        assert!(missing.is_err_and(|p| p.message.contains("no `+++` front matter")));
        let broken = fork("+++\nteam = \n+++\n", &id(), None);
        assert!(broken.is_err_and(|p| p.message.contains("not valid TOML") && p.span.start >= 4));
    }

    fn manifest(items: &[(&str, &str)]) -> Manifest {
        let mut text = String::from("team = \"t\"\nrelease = \"r\"\n");
        for (id, kind) in items {
            text.push_str(&format!("[[items]]\nid = \"{id}\"\nkind = \"{kind}\"\n"));
        }
        Manifest::parse(&text, &PlanId::new("t", "r"))
    }

    #[test]
    fn similarity_weighs_ids_above_kinds() {
        let target = manifest(&[("api", "service"), ("db", "migration"), ("pg", "infra")]);
        let same_kinds = manifest(&[("x", "service"), ("y", "migration"), ("z", "infra")]);
        let shared_ids = manifest(&[("pg", "infra"), ("db", "migration"), ("q", "flag")]);
        let a = similarity(&target, &same_kinds);
        let b = similarity(&target, &shared_ids);
        // Kinds match fully, ids not at all: 0.25.
        assert!((a.score - 0.25).abs() < 1e-9, "{a:?}");
        // 2 of 4 ids (0.5), kinds 2 of 4 (0.5): 0.5.
        assert!((b.score - 0.5).abs() < 1e-9, "{b:?}");
        assert_eq!(b.shared_ids, ["db", "pg"]);
        assert_eq!(
            b.why(),
            "2 of 4 ids shared (db, pg); kinds 0.50 (migration, infra)"
        );
        let empty = manifest(&[]);
        assert_eq!(similarity(&empty, &empty).score, 0.0);
        assert_eq!(similarity(&target, &target).score, 1.0);
    }

    #[test]
    fn rank_orders_by_score_then_shared_ids_then_name() {
        let target = manifest(&[("api", "service"), ("db", "migration")]);
        let close = manifest(&[("db", "migration"), ("web", "service")]);
        let far = manifest(&[("flag", "flag")]);
        let sibling = |team: &str, m: Option<&'static Manifest>| Sibling {
            team: team.into(),
            plan: PlanId::new(team, "v1"),
            manifest: m.map(|m| (PlanId::new(team, "v1"), m)),
        };
        let close: &'static Manifest = Box::leak(Box::new(close));
        let far: &'static Manifest = Box::leak(Box::new(far));
        let ranked = rank(
            &target,
            vec![
                sibling("zeta", Some(far)),
                sibling("beta", None),
                sibling("alpha", Some(far)),
                sibling("checkout", Some(close)),
            ],
        );
        let order: Vec<&str> = ranked.iter().map(|c| c.team.as_str()).collect();
        assert_eq!(order, ["checkout", "alpha", "beta", "zeta"]);
    }

    #[test]
    fn changes_group_findings_by_section() {
        let text = "+++\nteam = \"payments\"\n+++\n\n# Plan\n\n## Criteria\nSame.\n\n## Procedure\n1. Roll back `old`\n";
        let source = "+++\nteam = \"x\"\n+++\n\n## Criteria\nSame.\n\n## Procedure\n1. Other\n";
        let file = SourceFile::new("p.md", text);
        let at = text.find("old").unwrap_or_default();
        let top = text.find("\n# Plan").unwrap_or_default();
        let findings = vec![
            file.finding(
                Rule::ForeignItem,
                at..at + 3,
                "`old` belongs to payments/v1.4",
            ),
            file.finding(Rule::InvalidPlan, 4..8, "front"),
            file.finding(
                Rule::MissingSection,
                top..top,
                "section `## Testing` is missing",
            ),
            crate::diag::unreadable_finding("m.toml", Rule::InvalidPlan, "bad manifest"),
        ];
        let from = from();
        let source = Forked {
            id: &from,
            text: source,
        };
        let groups = changes(text, "p.md", &id(), &findings, Some(source));
        let shown: Vec<(Place, usize, usize, Option<&str>)> = groups
            .iter()
            .map(|g| {
                (
                    g.place.clone(),
                    g.line,
                    g.findings.len(),
                    g.unchanged_since.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (Place::FrontMatter, 1, 1, None),
                (Place::Top, 4, 1, None),
                (
                    Place::Section("Criteria".into()),
                    7,
                    0,
                    Some("payments/v1.4")
                ),
                (Place::Section("Procedure".into()), 10, 1, None),
                (Place::File("m.toml".into()), 1, 1, None),
            ]
        );
    }

    #[test]
    fn mentions_of_the_source_in_headings_and_of_a_sibling_team() {
        let text = "+++\n+++\n# Backout plan: checkout v2.0\n\n## Decision\nThe checkout on-call decides.\nRoll back to v2.0 of `checkout-api`.\n";
        let from = PlanId::new("checkout", "v2.0");
        let source = Forked { id: &from, text };
        let groups = changes(text, "p.md", &id(), &[], Some(source));
        let mentions: Vec<(usize, usize, &str)> = groups
            .iter()
            .flat_map(|g| g.mentions.iter())
            .map(|m| (m.line, m.column, m.message.as_str()))
            .collect();
        assert_eq!(
            mentions,
            [
                (
                    3,
                    17,
                    "names checkout, the team this plan was forked from: is it still right for payments?"
                ),
                (
                    3,
                    26,
                    "heading names v2.0, the release of checkout/v2.0 this plan was forked from: write v1.5"
                ),
                (
                    6,
                    5,
                    "names checkout, the team this plan was forked from: is it still right for payments?"
                ),
            ]
        );
    }
}
