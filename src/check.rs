//! The check rules: a plan, its manifest and the vocabulary in, findings out.
//! No I/O here; see `commands::check` for how plans are found and read.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// The maps and sets built per plan, hashed with foldhash (std's SipHash showed in profiles).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
type FastSet<T> = HashSet<T, foldhash::fast::RandomState>;

use crate::diag::{Finding, Rule, SourceFile};
use crate::fields::Problem;
use crate::manifest::{Item, Manifest};
use crate::markdown::{Body, Heading};
use crate::names::PlanId;
use crate::plan::Plan;
use crate::rules::procedure;
use crate::sections::{Kind, Sections};
use crate::tokens::{self, ReleaseNames};
use crate::version;
use crate::vocab::{Occurrence, Vocabulary};

/// What a plan is checked against, beyond its own files.
pub struct Context<'a> {
    pub vocabulary: &'a Vocabulary,
    /// `[check] shared` ids: never foreign.
    pub shared: &'a HashSet<String>,
    /// Every release name of the plan's team.
    pub release_names: &'a ReleaseNames,
    /// The previous release of the plan's team that has a plan.
    pub previous: Option<&'a str>,
    /// The vocabulary sources (manifests) that count, when not all of them do: for a
    /// published plan, those of the commit it was published from. Sorted.
    pub live: Option<&'a [u32]>,
    /// The vocabulary source of the plan's own manifest, when it has one: the search for
    /// ids starts out knowing them (it finds the same, sooner).
    pub own: Option<u32>,
    /// Which titles name which required section, and the template language.
    pub sections: &'a Sections,
    /// The plan's drill records.
    pub drills: crate::drill::Evidence<'a>,
}

/// The manifest next to a plan, as far as it could be read.
pub enum ManifestInput<'a> {
    /// Parsed (maybe with problems).
    Parsed {
        path: &'a str,
        text: &'a str,
        manifest: &'a Manifest,
    },
    /// Missing or unreadable: the finding says why.
    Unavailable(Finding),
    /// Not to be looked at: the manifests that count for the plan are not available (a
    /// published plan whose commit a shallow clone lacks).
    Skipped,
}

/// Checks one plan and returns its findings, in file order.
pub fn check(
    id: &PlanId,
    file: &SourceFile<'_>,
    plan: &Plan,
    manifest: ManifestInput<'_>,
    context: &Context<'_>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for problem in &plan.problems {
        findings.push(problem_finding(file, problem));
    }
    for span in &plan.placeholders {
        findings.push(
            file.finding(
                Rule::Placeholder,
                span.clone(),
                "front matter value is still a placeholder",
            )
            .with_help(
                "write the real duration, like \"72h\" for `window` or \"45m\" for `duration`",
            ),
        );
    }
    findings.extend(crate::rules::text::bidi_controls(file));
    findings.extend(crate::rules::text::conflict_markers(file));
    let text = file.text();
    let body = &plan.body;
    let windows = body.windows();
    check_sections(file, plan, context.sections, &mut findings);
    findings.extend(crate::rules::sections::duplicates(
        file,
        body,
        context.sections.language(),
    ));
    for span in tokens::placeholders(text, &windows) {
        let word = &text[span.clone()];
        findings.push(
            file.finding(
                Rule::Placeholder,
                span,
                format!("placeholder `{word}` left in the plan"),
            )
            .with_help("replace it with what production support needs to know"),
        );
    }
    check_timing(file, plan, &mut findings);
    crate::rules::drills::check(file, plan, &context.drills, &mut findings);
    check_steps(file, body, &mut findings);
    check_releases(file, id, &windows, &body.headings, context, &mut findings);
    findings.extend(crate::rules::teams::foreign_team(
        file,
        id,
        plan,
        context.vocabulary,
    ));
    match manifest {
        ManifestInput::Unavailable(finding) => findings.push(finding),
        ManifestInput::Skipped => {}
        ManifestInput::Parsed {
            path,
            text: manifest_text,
            manifest,
        } => {
            let manifest_file = SourceFile::new(path, manifest_text);
            findings.extend(crate::rules::text::bidi_controls(&manifest_file));
            for problem in &manifest.problems {
                findings.push(problem_finding(&manifest_file, problem));
            }
            if manifest.is_valid() {
                findings.extend(crate::rules::manifest::empty(&manifest_file, id, manifest));
                let occurrences = context.find(text, &windows);
                References::new(file, id, plan, manifest, context, &occurrences)
                    .check(&windows, &mut findings);
            }
        }
    }
    findings
}

fn problem_finding(file: &SourceFile<'_>, problem: &Problem) -> Finding {
    let finding = file.finding(
        Rule::InvalidPlan,
        problem.span.clone(),
        problem.message.clone(),
    );
    match &problem.help {
        Some(help) => finding.with_help(help.clone()),
        None => finding,
    }
}

fn check_sections(
    file: &SourceFile<'_>,
    plan: &Plan,
    sections: &Sections,
    findings: &mut Vec<Finding>,
) {
    let body = &plan.body;
    // The plan's own language (by its titles): a German team's plan in an English
    // repository is asked, and told what it lacks, in German. Worked out only for a plan
    // that lacks something: it compares every title with every known one.
    let language = std::cell::OnceCell::new();
    let language = || *language.get_or_init(|| body.language(sections.language()));
    let mut suggested: FastSet<usize> = FastSet::default();
    // What each heading that names no section resembles, worked out once and only when a
    // section is missing.
    let resemblance: Vec<(Option<Kind>, Option<Kind>)> =
        if Kind::ALL.iter().all(|kind| body.section(*kind).is_some()) {
            Vec::new()
        } else {
            // A plan is read by people: the first few hundred headings hold any near miss,
            // and a generated plan with thousands costs no more than a glance at those.
            let mut unnamed = 0usize;
            body.headings
                .iter()
                .map(|h| match h.kind {
                    None if h.level == 2 && unnamed < NEAR_MISS_HEADINGS => {
                        unnamed += 1;
                        sections.resembles(&h.title)
                    }
                    _ => (None, None),
                })
                .collect()
        };
    for kind in Kind::ALL {
        match body.section(kind) {
            None => {
                let title = kind.title(language());
                let question = kind.question(language());
                let at = plan.body_start.min(file.text().len());
                let message = format!("section `## {title}` is missing");
                let finding = match near_miss(body, &resemblance, kind, &mut suggested) {
                    Some((heading, hint)) => {
                        let shown = shown_title(&heading.title);
                        let hashes = "#".repeat(usize::from(heading.level));
                        let (message, help) = match hint {
                            NearMiss::Level => (
                                format!(
                                    "{message}; the level-{} heading `{shown}` here would be it at level 2",
                                    heading.level
                                ),
                                format!(
                                    "write it as `## {shown}`: required sections are level-2 headings"
                                ),
                            ),
                            NearMiss::Typo => (
                                format!("{message}; is `{hashes} {shown}` here meant to be it?"),
                                format!("rename it to `## {title}`"),
                            ),
                            NearMiss::Hint => (
                                format!("{message}; is `{hashes} {shown}` here meant to be it?"),
                                format!(
                                    "rename it to `## {title}`, or accept its title with `{} = [\"{}\"]` under [sections] in backout.toml",
                                    kind.name(),
                                    shown.replace('"', "\\\"")
                                ),
                            ),
                        };
                        file.finding(Rule::MissingSection, heading.span.clone(), message)
                            .with_help(help)
                    }
                    None => file
                        .finding(Rule::MissingSection, at..at, message)
                        .with_help(format!(
                            "add a `## {title}` section that answers: {question}"
                        )),
                };
                findings.push(finding);
            }
            // A title used twice is answered when any of its sections is.
            Some(section) if !body.sections.iter().any(|s| s.is(kind) && s.answered) => {
                let question = kind.question(language());
                findings.push(
                    file.finding(
                        Rule::UnansweredSection,
                        section.heading.clone(),
                        format!("section `## {}` is unanswered", shown_title(&section.title)),
                    )
                    .with_help(format!("answer: {question}")),
                );
            }
            Some(_) => {}
        }
    }
}

/// How many level-2 headings that name no section are compared with a missing section's
/// titles.
const NEAR_MISS_HEADINGS: usize = 300;

/// Why a heading looks like a missing section.
enum NearMiss {
    /// It names the section, but is not a level-2 heading.
    Level,
    /// Its title is a misspelling of one of the section's titles.
    Typo,
    /// Its words hint at the section (`## Rollback` for the procedure).
    Hint,
}

/// A heading that is almost the missing section `kind`; each heading is suggested once.
fn near_miss<'b>(
    body: &'b Body,
    resemblance: &[(Option<Kind>, Option<Kind>)],
    kind: Kind,
    suggested: &mut FastSet<usize>,
) -> Option<(&'b Heading, NearMiss)> {
    let like = |i: usize| resemblance.get(i).copied().unwrap_or_default();
    type Test<'t> = &'t dyn Fn(usize, &Heading) -> bool;
    let tests: [(NearMiss, Test<'_>); 3] = [
        (NearMiss::Level, &|_, h| {
            h.kind == Some(kind) && h.level != 2
        }),
        (NearMiss::Typo, &|i, _| like(i).0 == Some(kind)),
        (NearMiss::Hint, &|i, _| like(i).1 == Some(kind)),
    ];
    for (why, test) in tests {
        let found = body
            .headings
            .iter()
            .enumerate()
            .find(|(i, h)| !suggested.contains(i) && test(*i, h));
        if let Some((i, heading)) = found {
            suggested.insert(i);
            return Some((heading, why));
        }
    }
    None
}

/// A heading's title as messages show it: one line, no control characters, not too long.
pub(crate) fn shown_title(title: &str) -> String {
    let mut shown: String = title
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(80)
        .collect();
    if title.chars().count() > 80 {
        shown.push('…');
    }
    shown
}

fn check_timing(file: &SourceFile<'_>, plan: &Plan, findings: &mut Vec<Finding>) {
    let front = &plan.front;
    if let (Some(window), Some(duration)) = (&front.window, &front.duration)
        && duration.value > window.value
    {
        findings.push(
            file.finding(
                Rule::WindowTooShort,
                duration.span.clone(),
                format!(
                    "the rollback takes {} but can only start within {} of deployment",
                    duration.value, window.value
                ),
            )
            .with_help("shorten the procedure, or agree a longer `window` with the decision owner"),
        );
    }
}

/// The first line of a span.
fn first_line(text: &str, span: &Range<usize>) -> Range<usize> {
    let end = text[span.clone()]
        .find('\n')
        .map_or(span.end, |i| span.start + i);
    span.start..end
}

fn check_steps(file: &SourceFile<'_>, body: &Body, findings: &mut Vec<Finding>) {
    for step in body.steps.iter().filter(|step| !step.says_how) {
        findings.push(
            file.finding(
                Rule::StepWithoutHow,
                first_line(file.text(), &step.span),
                format!("step {} says what to do but not how", step.number),
            )
            .with_help("give the command as inline code or a code block, or link to the how-to"),
        );
    }
}

fn check_releases(
    file: &SourceFile<'_>,
    id: &PlanId,
    windows: &[Range<usize>],
    headings: &[Heading],
    context: &Context<'_>,
    findings: &mut Vec<Finding>,
) {
    let text = file.text();
    for (span, index) in context.release_names.find(text, windows) {
        let name = context.release_names.name(index);
        if name == id.release || names_other_team(text, &span, &id.team) {
            continue;
        }
        // Steps may name the previous release (a rollback returns to it); the title names
        // the plan's own release and no other.
        let heading = headings.partition_point(|h| h.span.end <= span.start);
        if headings
            .get(heading)
            .is_some_and(|h| h.level == 1 && h.span.contains(&span.start))
        {
            findings.push(crate::rules::releases::title_names_another(
                file, id, span, name,
            ));
            continue;
        }
        if Some(name) == context.previous {
            continue;
        }
        let previous = context
            .previous
            .map(|p| format!(" (previous: {p})"))
            .unwrap_or_default();
        findings.push(
            file.finding(
                Rule::ForeignRelease,
                span,
                format!(
                    "names release {name} of {}, but this plan is for {}{previous}",
                    id.team, id.release
                ),
            )
            .with_help(format!(
                "if this was copied from an older plan, rewrite it for {}",
                id.release
            )),
        );
    }
}

/// Whether the release name at `span` is written `other-team/<name>`.
fn names_other_team(text: &str, span: &Range<usize>, team: &str) -> bool {
    let Some(before) = text[..span.start].strip_suffix('/') else {
        return false;
    };
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .map_or(0, |i| i + 1);
    let prefix = &before[start..];
    !prefix.is_empty() && prefix != team
}

/// The item references of one plan, resolved against its manifest and the vocabulary.
struct References<'p> {
    file: &'p SourceFile<'p>,
    id: &'p PlanId,
    plan: &'p Plan,
    manifest: &'p Manifest,
    context: &'p Context<'p>,
    occurrences: &'p [Occurrence],
    own: FastMap<&'p str, &'p Item>,
    /// Each item's index in the vocabulary (`None` when it has none), in the manifest's
    /// order; and by that index, the place of the first item with it and the item (of
    /// items with one id, the last, as in `own`).
    item_index: Vec<Option<u32>>,
    own_by_index: FastMap<u32, (usize, &'p Item)>,
    refers: FastSet<&'p str>,
}

impl<'p> References<'p> {
    fn new(
        file: &'p SourceFile<'p>,
        id: &'p PlanId,
        plan: &'p Plan,
        manifest: &'p Manifest,
        context: &'p Context<'p>,
        occurrences: &'p [Occurrence],
    ) -> Self {
        let vocabulary = context.vocabulary;
        let item_index: Vec<Option<u32>> = manifest
            .items
            .iter()
            .enumerate()
            .map(|(at, item)| vocabulary.index_in(context.own, at, &item.id))
            .collect();
        let mut own_by_index: FastMap<u32, (usize, &Item)> = FastMap::default();
        own_by_index.reserve(item_index.len());
        for (at, (item, index)) in manifest.items.iter().zip(&item_index).enumerate() {
            if let Some(index) = *index {
                own_by_index
                    .entry(index)
                    .and_modify(|(_, last)| *last = item)
                    .or_insert((at, item));
            }
        }
        References {
            file,
            id,
            plan,
            manifest,
            context,
            occurrences,
            own: manifest
                .items
                .iter()
                .map(|item| (item.id.as_str(), item))
                .collect(),
            item_index,
            own_by_index,
            refers: plan.front.refers.iter().map(|r| r.value.as_str()).collect(),
        }
    }

    fn check(&self, windows: &[Range<usize>], findings: &mut Vec<Finding>) {
        self.foreign(findings);
        self.coverage(findings);
        self.versions(windows, findings);
    }

    /// The releases an id belongs to that this plan could have copied it from.
    fn visible_owners(&self, index: u32) -> Vec<&'p PlanId> {
        let id = self.id;
        let vocabulary = self.context.vocabulary;
        vocabulary
            .sources(index)
            .iter()
            .filter(|source| {
                self.context
                    .live
                    .is_none_or(|live| live.binary_search(source).is_ok())
            })
            .filter_map(|&source| vocabulary.release(source))
            .filter(|owner| {
                *owner != id
                    && !(owner.team == id.team
                        && version::compare(&owner.release, &id.release).is_gt())
            })
            .collect()
    }

    fn foreign(&self, findings: &mut Vec<Finding>) {
        let vocabulary = self.context.vocabulary;
        // An id may stand many times in a plan and belong to thousands of releases: work out
        // whom it belongs to once per id.
        let mut owners_of: FastMap<u32, Option<String>> = FastMap::default();
        for occurrence in self.occurrences {
            let name = vocabulary.id(occurrence.id);
            if self.own.contains_key(name)
                || self.context.shared.contains(name)
                || self.refers.contains(name)
            {
                continue;
            }
            let owners = owners_of.entry(occurrence.id).or_insert_with(|| {
                let owners = self.visible_owners(occurrence.id);
                let mut names: Vec<String> = owners.iter().take(3).map(|o| o.to_string()).collect();
                if owners.len() > 3 {
                    names.push(format!("{} more", owners.len() - 3));
                }
                (!owners.is_empty()).then(|| join_and(&names))
            });
            let Some(owners) = owners else {
                continue;
            };
            findings.push(

                self.file
                    .finding(
                        Rule::ForeignItem,
                        occurrence.span.clone(),
                        format!("`{name}` belongs to {owners}, not to {}", self.id),

                    )
                    .with_help(format!(
                        "rewrite this for {}; if `{name}` is meant, add it to this release's manifest or to `refers` in the front matter",
                        self.id
                    )),
            );
        }
    }

    fn coverage(&self, findings: &mut Vec<Finding>) {
        let body = &self.plan.body;
        // Only this release's items are asked about, so what is learnt is kept by item: at
        // the place of the first item with the occurrence's id.
        let items = self.manifest.items.len();
        let mut in_step = vec![false; items];
        let mut with_how = vec![false; items];
        // Where an item is named in a step that does not say how: the place to add detail.
        let mut vague: Vec<Option<Range<usize>>> = vec![None; items];
        // Whether each step says how beyond naming items, worked out once per step.
        let mut step_how: Vec<Option<bool>> = vec![None; body.steps.len()];
        let mut segments = body.segments();
        for occurrence in self.occurrences {
            let Some(&(at, _)) = self.own_by_index.get(&occurrence.id) else {
                continue;
            };
            let Some(segment) = segments.at(occurrence.span.start) else {
                continue;
            };
            if let Some((index, step)) = segment
                .step
                .and_then(|s| Some((s as usize, body.steps.get(s as usize)?)))
            {
                in_step[at] = true;
                let text = self.file.text();
                let says_how = *step_how[index].get_or_insert_with(|| {
                    procedure::says_how_beyond_ids(body, step, text, |id| self.own.contains_key(id))
                });
                if says_how {
                    with_how[at] = true;
                } else if vague[at].is_none() {
                    vague[at] = Some(first_line(text, &step.span));
                }
            }

            let in_contingencies = segment
                .section
                .and_then(|s| body.sections.get(s as usize))
                .is_some_and(|section| section.is(Kind::Contingencies));
            if in_contingencies {
                with_how[at] = true;
            }
        }
        // The place where what was learnt of an item's id is kept.
        let kept = |index: Option<u32>| Some(self.own_by_index.get(&index?)?.0);
        let procedure = body.section(Kind::Procedure).map(|s| s.heading.clone());
        let anchor = procedure
            .clone()
            .unwrap_or(self.plan.body_start..self.plan.body_start);
        // Without steps, one finding says what to do instead of one per item.
        let steps = procedure::steps(self.file, body, self.manifest.items.len());
        let per_item = matches!(steps, procedure::Steps::Listed);
        if let procedure::Steps::None(finding) = steps {
            findings.push(finding);
        }
        for (item, &index) in self.manifest.items.iter().zip(&self.item_index) {
            let at = kept(index);
            let covered = at.is_some_and(|at| in_step[at]);
            if !covered && per_item {
                findings.push(
                    self.file
                        .finding(
                            Rule::UncoveredItem,
                            anchor.clone(),
                            format!(
                                "manifest item `{}` ({}) is not covered by any procedure step",
                                item.id,
                                describe(item)
                            ),
                        )
                        .with_help(format!(
                            "add a step that rolls back `{}`, naming it",
                            item.id
                        )),
                );
            }
            if !item.reversible && !at.is_some_and(|at| with_how[at]) {
                let at = at
                    .and_then(|at| vague[at].clone())
                    .unwrap_or_else(|| anchor.clone());
                findings.push(
                    self.file
                        .finding(
                            Rule::IrreversibleItem,
                            at,

                            format!(
                                "irreversible item `{}` ({}) is covered neither by Contingencies nor by a step that says how",
                                item.id, item.kind
                            ),
                        )
                        .with_help(format!(
                            "say how to live with `{}` if it cannot be undone: a step with its commands, or a fallback under `## Contingencies`",
                            item.id
                        )),
                );
            }
        }
    }

    fn versions(&self, windows: &[Range<usize>], findings: &mut Vec<Finding>) {
        let body = &self.plan.body;
        let text = self.file.text();
        // Items of this release referenced in each block, each once, in the order first
        // named: by block in one list (a map of lists would allocate one for each of a
        // plan's hundreds of steps).
        let mut named: Vec<(u32, &Item)> = Vec::with_capacity(self.occurrences.len());
        let mut segments = body.segments();
        for occurrence in self.occurrences {
            // By index: looking up the id's text would read it from the vocabulary's text
            // (a cache miss with a million ids) and hash it.
            if let Some(&(_, item)) = self.own_by_index.get(&occurrence.id)
                && let Some(segment) = segments.at(occurrence.span.start)
            {
                named.push((segment.block, item));
            }
        }
        if named.is_empty() {
            return;
        }
        // Stable: within a block, the order named.
        named.sort_by_key(|&(block, _)| block);
        let mut blocks: Vec<(u32, &Item)> = Vec::with_capacity(named.len());
        let mut group = 0;
        for (block, item) in named {
            if blocks.last().is_none_or(|&(last, _)| last != block) {
                group = blocks.len();
            }
            if !blocks[group..].iter().any(|(_, i)| i.id == item.id) {
                blocks.push((block, item));
            }
        }
        // Versions come in the text's order, so their blocks do: the items of a block are
        // found by walking on from those of the one before.
        let (mut walked, mut last) = (0, 0);
        let mut items_in = |block: u32| {
            if block < last {
                // Never in the text's order, but found all the same.
                walked = blocks.partition_point(|&(b, _)| b < block);
            }
            last = block;
            while blocks.get(walked).is_some_and(|&(b, _)| b < block) {
                walked += 1;
            }
            let len = blocks[walked..]
                .iter()
                .take_while(|&&(b, _)| b == block)
                .count();
            &blocks[walked..walked + len]
        };
        let mut occurrence_index = 0;
        let mut segments = body.segments();
        for token in tokens::versions(text, windows) {
            while self
                .occurrences
                .get(occurrence_index)
                .is_some_and(|o| o.span.end <= token.span.start)
            {
                occurrence_index += 1;
            }
            let inside_id = self
                .occurrences
                .get(occurrence_index)
                .is_some_and(|o| o.span.start < token.span.end);
            let Some(segment) = segments.at(token.span.start) else {
                continue;
            };
            let items = items_in(segment.block);
            if items.is_empty() {
                continue;
            }
            let written = &text[token.span.clone()];
            if inside_id || self.context.release_names_contains(written) {
                continue;
            }
            let vocabulary = self.context.vocabulary;
            let is_item =
                |word: &str| self.own.contains_key(word) || vocabulary.index_of(word).is_some();
            if crate::rules::versions::belongs_to_word(text, token.span.start, is_item) {
                continue;
            }
            let bare = written.trim_start_matches(['v', 'V']);
            let known = items.iter().any(|(_, item)| {
                [&item.version, &item.previous]
                    .into_iter()
                    .flatten()
                    .any(|v| v.trim_start_matches(['v', 'V']) == bare)
            });
            if known {
                continue;
            }
            let expected: Vec<String> = items
                .iter()
                .map(|(_, item)| describe_versions(item))
                .collect();
            findings.push(
                self.file
                    .finding(
                        Rule::StaleVersion,
                        token.span.clone(),
                        format!(
                            "version {written} matches no item referenced here: {}",
                            expected.join("; ")
                        ),
                    )
                    .with_help(
                        "use the version this release deploys or the one a rollback returns to",
                    ),
            );
        }
    }
}

impl Context<'_> {
    /// The occurrences of the ids whose manifests count for this plan.
    fn find(&self, text: &str, windows: &[Range<usize>]) -> Vec<Occurrence> {
        match self.live {
            None => self
                .vocabulary
                .find_own(text, windows, self.own, &mut |_| true),
            Some(live) => self
                .vocabulary
                .find_own(text, windows, self.own, &mut |id| {
                    self.vocabulary
                        .sources(id)
                        .iter()
                        .any(|source| live.binary_search(source).is_ok())
                }),
        }
    }

    fn release_names_contains(&self, name: &str) -> bool {
        self.release_names.contains(name)
    }
}

fn describe(item: &Item) -> String {
    match &item.version {
        Some(version) => format!("{} {version}", item.kind),
        None => item.kind.to_string(),
    }
}

fn describe_versions(item: &Item) -> String {
    match (&item.version, &item.previous) {
        (Some(v), Some(p)) => format!("`{}` deploys {v}, rolls back to {p}", item.id),
        (Some(v), None) => format!("`{}` deploys {v}", item.id),
        (None, Some(p)) => format!("`{}` rolls back to {p}", item.id),
        (None, None) => format!("`{}` has no version in the manifest", item.id),
    }
}

/// "a", "a and b", "a, b and c".
pub fn join_and(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
