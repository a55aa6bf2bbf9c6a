//! `backout export`: a plan for other systems. One model, [`Export`], built from the plan,
//! its manifest, its drill records and its check findings; `--format json` prints it as
//! it is (versioned, with a JSON Schema), and the other formats are views of it: plain
//! text for any ticket, the ServiceNow change request fields, and the body as normalised
//! Markdown. Pure: `commands::export` reads the files and runs the check.

use std::collections::HashMap;
use std::ops::Range;

use serde::Serialize;

use crate::diag::{Finding, SourceFile};
use crate::drill::{self, Procedure, RecordFile};
use crate::manifest::Manifest;
use crate::markdown::{self, Body};
use crate::names::PlanId;
use crate::plan::Plan;
use crate::publish::sanitize::is_safe_url;
use crate::sections::{Kind, Language};
use crate::vocab::Vocabulary;

mod model;
mod normalize;
mod plain;
mod ticket;
mod words;

pub use model::*;
pub use ticket::ChangeRequest;

/// The version of the JSON document; bumped when a field changes meaning or disappears.
pub const VERSION: u32 = 1;

/// What `backout export` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Text,
    Markdown,
    Servicenow,
}

/// What an export is made of: the plan as read, and what the command found around it.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub id: &'a PlanId,
    /// The plan file, repository-relative.
    pub file: &'a str,
    pub text: &'a str,
    pub plan: &'a Plan,
    /// The manifest and its repository-relative path, when it could be read.
    pub manifest: Option<(&'a str, &'a Manifest)>,
    /// The release's drill records.
    pub drills: &'a [RecordFile],
    /// What `check` found in the plan.
    pub findings: &'a [Finding],
    /// backout.toml's `language`: the titles of sections whose own title says no language.
    pub language: Language,
}

/// Renders the plan of `source` in `format`, ending in a line break.
pub fn render(source: &Source<'_>, format: Format) -> String {
    let parsed = Parsed::of(source);
    let export = parsed.export();
    let mut out = match format {
        Format::Json => json(&export),
        Format::Text => ticket::text(&export, &parsed.titles(), parsed.language),
        Format::Servicenow => json(&ticket::change_request(
            &export,
            &parsed.titles(),
            parsed.language,
        )),
        Format::Markdown => normalize::markdown(&parsed, &export),
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Pretty JSON in which characters that could reorder or hide text on a terminal are
/// escaped too: serde_json escapes only C0 controls, and plan text (in `markdown`) is
/// kept as written.
fn json<T: Serialize>(value: &T) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    let hazard = |c: char| {
        matches!(
            c,
            '\u{7f}'..='\u{9f}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}'
        ) || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.contains(hazard) {
        return text;
    }
    // These characters occur only inside JSON strings, where `\uXXXX` means the same.
    text.chars()
        .map(|c| {
            if hazard(c) {
                format!("\\u{:04x}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Builds the export model.
pub fn build(source: &Source<'_>) -> Export {
    Parsed::of(source).export()
}

/// The plan's body parsed once: its events, its parts, the procedure's steps.
struct Parsed<'a> {
    source: Source<'a>,
    events: Vec<plain::Spanned<'a>>,
    /// Each top-level block of the body: where it starts and its events.
    blocks: Vec<(usize, Range<usize>)>,
    parts: Vec<Part>,
    /// The title heading, when the body opens with a level-1 heading.
    title: Option<Part>,
    /// Before the first section (after the title heading).
    introduction: Range<usize>,
    procedure: Procedure,
    /// Procedure steps: where their list item starts, and their number.
    numbers: HashMap<usize, usize>,
    language: Language,
}

/// A heading and what follows it up to the next level-1 or level-2 heading.
#[derive(Debug, Clone)]
struct Part {
    level: u8,
    title: String,
    heading: Range<usize>,
    content: Range<usize>,
    kind: Option<Kind>,
}

impl<'a> Parsed<'a> {
    fn of(source: &Source<'a>) -> Parsed<'a> {
        let text = source.text;
        let body = &source.plan.body;
        let start = source.plan.body_start.min(text.len());
        let body_text = text.get(start..).unwrap_or_default();
        let events: Vec<plain::Spanned<'a>> = markdown::parser(body_text)
            .into_offset_iter()
            .map(|(event, range)| (event, range.start + start..range.end + start))
            .collect();
        let blocks = top_level_blocks(&events);
        let (title, introduction, parts) = parts(body, start, text.len());
        let numbers = body
            .steps
            .iter()
            .map(|step| (step.span.start, step.number))
            .collect();
        let language = words::plan_language(body, source.language);
        Parsed {
            source: *source,
            events,
            blocks,
            parts,
            title,
            introduction,
            procedure: Procedure::of(text, source.plan),
            numbers,
            language,
        }
    }

    /// The events of the top-level blocks that start in `range` (blocks are in order).
    fn events_in(&self, range: &Range<usize>) -> Vec<plain::Spanned<'a>> {
        let first = self
            .blocks
            .partition_point(|(start, _)| *start < range.start);
        let last = self.blocks.partition_point(|(start, _)| *start < range.end);
        self.blocks
            .get(first..last.max(first))
            .unwrap_or_default()
            .iter()
            .flat_map(|(_, events)| self.events.get(events.clone()).unwrap_or_default())
            .cloned()
            .collect()
    }

    fn plain(&self, range: &Range<usize>) -> String {
        plain::render(&self.events_in(range), &self.numbers)
    }

    fn content(&self, range: &Range<usize>) -> Content {
        Content {
            markdown: self
                .source
                .text
                .get(range.clone())
                .unwrap_or_default()
                .trim_matches(['\n', '\r'])
                .trim_end()
                .to_string(),
            text: self.plain(range),
        }
    }

    /// Each part's title as the formats other than JSON show it: the required section's
    /// title in the plan's language, or the heading as written.
    fn titles(&self) -> Vec<String> {
        self.parts
            .iter()
            .map(|part| match part.kind {
                Some(kind) => kind
                    .title(words::title_language(&part.title, kind, self.language))
                    .to_string(),
                None => plain::clean(&part.title),
            })
            .collect()
    }

    fn export(&self) -> Export {
        let source = &self.source;
        let file = SourceFile::new(source.file, source.text);
        let introduction =
            markdown::has_content(source.text.get(self.introduction.clone()).unwrap_or(""))
                .then(|| self.content(&self.introduction));
        let sections = self
            .parts
            .iter()
            .map(|part| {
                let content = self.content(&part.content);
                Section {
                    title: plain::clean(&part.title),
                    kind: part.kind,
                    level: part.level,
                    line: file.line_number(part.heading.start),
                    answered: markdown::has_content(
                        source.text.get(part.content.clone()).unwrap_or(""),
                    ),
                    markdown: content.markdown,
                    text: content.text,
                }
            })
            .collect();
        let references = self.references();
        Export {
            version: VERSION,
            team: source.id.team.clone(),
            release: source.id.release.clone(),
            file: source.file.to_string(),
            front_matter: model::front_matter(source.plan, source.text),
            title: self.title.as_ref().map(|t| plain::clean(&t.title)),
            introduction,
            sections,
            steps: self.steps(&file, &references),
            manifest: self.manifest(&references),
            drills: self.drills(),
            check: model::check(source.findings),
        }
    }

    fn steps(&self, file: &SourceFile<'_>, references: &References) -> Vec<Step> {
        let body = &self.source.plan.body;
        let mut items = HashMap::new();
        for (i, (event, range)) in self.events.iter().enumerate() {
            if matches!(
                event,
                pulldown_cmark::Event::Start(pulldown_cmark::Tag::Item)
            ) {
                items.entry(range.start).or_insert(i);
            }
        }
        self.procedure
            .steps
            .iter()
            .zip(&body.steps)
            .enumerate()
            .map(|(index, (step, at))| Step {
                number: step.number,
                line: file.line_number(at.span.start),
                subsection: step.subsection.as_deref().map(plain::clean),
                title: plain::clean(&step.title),
                text: self.step_text(at.span.start, &items),
                markdown: step.source.clone(),
                commands: step.commands.clone(),
                links: step
                    .links
                    .iter()
                    .filter(|link| is_safe_url(&link.url))
                    .map(|link| Link {
                        text: plain::clean(&link.text),
                        url: link.url.clone(),
                    })
                    .collect(),
                says_how: at.says_how,
                items: references.of_step(index),
            })
            .collect()
    }

    /// A step's content as plain text: the events inside its list item. `items` maps
    /// where each list item starts to its event.
    fn step_text(&self, start: usize, items: &HashMap<usize, usize>) -> String {
        let Some(&open) = items.get(&start) else {
            return String::new();
        };
        let mut depth = 0usize;
        let mut close = self.events.len();
        for (i, (event, _)) in self.events.iter().enumerate().skip(open) {
            match event {
                pulldown_cmark::Event::Start(_) => depth += 1,
                pulldown_cmark::Event::End(_) => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        close = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let inner = self.events.get(open + 1..close).unwrap_or_default();
        plain::render(inner, &self.numbers)
    }

    fn manifest(&self, references: &References) -> Option<ExportManifest> {
        let (file, manifest) = self.source.manifest?;
        let items = manifest
            .items
            .iter()
            .map(|item| {
                let (steps, sections) = references.of_item(&item.id);
                Item {
                    id: item.id.to_string(),
                    kind: item.kind,
                    version: item.version.as_deref().map(str::to_string),
                    previous: item.previous.as_deref().map(str::to_string),
                    reversible: item.reversible,
                    steps,
                    sections: sections
                        .into_iter()
                        .filter_map(|i| self.source.plan.body.sections.get(i))
                        .map(|section| plain::clean(&section.title))
                        .collect(),
                }
            })
            .collect();
        Some(ExportManifest {
            file: file.to_string(),
            items,
        })
    }

    fn drills(&self) -> Drills {
        let hash = &self.procedure.hash;
        let of = |found: drill::Found<'_>| model::export_drill(found, hash);
        Drills {
            latest: drill::latest(self.source.drills, false).map(of),
            latest_passing: drill::latest(self.source.drills, true).map(of),
        }
    }

    /// Where the plan refers to its manifest's items.
    fn references(&self) -> References {
        let mut references = References::default();
        let Some((_, manifest)) = self.source.manifest else {
            return references;
        };
        let mut builder = Vocabulary::builder();
        builder.add(
            self.source.id.clone(),
            manifest.items.iter().map(|item| item.id.as_str()),
        );
        let vocabulary = builder.build();
        let body = &self.source.plan.body;
        for occurrence in vocabulary.find(self.source.text, &body.windows()) {
            let id = vocabulary.id(occurrence.id).to_string();
            let Some(segment) = body.segment_at(occurrence.span.start) else {
                continue;
            };
            // Occurrences come in document order, so a repeat is the last one pushed.
            let entry = references.by_item.entry(id.clone()).or_default();
            if let Some(step) = segment.step {
                references
                    .by_step
                    .entry(step as usize)
                    .or_default()
                    .push(id);
                push_new(&mut entry.0, step as usize);
            }
            if let Some(section) = segment.section {
                push_new(&mut entry.1, section as usize);
            }
        }
        references
    }
}

fn push_new(list: &mut Vec<usize>, value: usize) {
    if list.last() != Some(&value) {
        list.push(value);
    }
}

/// For each item id: the indices of the steps and of the sections that refer to it; for
/// each step (by index), the ids it refers to.
#[derive(Default)]
struct References {
    by_item: HashMap<String, (Vec<usize>, Vec<usize>)>,
    by_step: HashMap<usize, Vec<String>>,
}

impl References {
    /// Step numbers and section indices, in document order.
    fn of_item(&self, id: &str) -> (Vec<usize>, Vec<usize>) {
        let (steps, sections) = self.by_item.get(id).cloned().unwrap_or_default();
        (steps.into_iter().map(|i| i + 1).collect(), sections)
    }

    /// The ids a step (by index) refers to, sorted.
    fn of_step(&self, index: usize) -> Vec<String> {
        let mut ids = self.by_step.get(&index).cloned().unwrap_or_default();
        ids.sort();
        ids.dedup();
        ids
    }
}

/// Splits the events into top-level blocks: each block's start offset and event indices.
fn top_level_blocks(events: &[plain::Spanned<'_>]) -> Vec<(usize, Range<usize>)> {
    use pulldown_cmark::Event;
    let mut blocks = Vec::new();
    let mut depth = 0usize;
    let mut open = 0usize;
    for (i, (event, range)) in events.iter().enumerate() {
        match event {
            Event::Start(_) => {
                if depth == 0 {
                    open = i;
                }
                depth += 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    let start = events.get(open).map_or(range.start, |(_, r)| r.start);
                    blocks.push((start, open..i + 1));
                }
            }
            _ if depth == 0 => blocks.push((range.start, i..i + 1)),
            _ => {}
        }
    }
    blocks
}

/// The body's parts: the opening level-1 title, the introduction, and every section.
fn parts(body: &Body, start: usize, end: usize) -> (Option<Part>, Range<usize>, Vec<Part>) {
    let headings: Vec<&markdown::Heading> = body.headings.iter().filter(|h| h.level <= 2).collect();
    let sections: HashMap<usize, &markdown::Section> =
        body.sections.iter().map(|s| (s.heading.start, s)).collect();
    let mut parts: Vec<Part> = Vec::new();
    for (i, heading) in headings.iter().enumerate() {
        let next = headings.get(i + 1).map_or(end, |h| h.span.start);
        let section = sections.get(&heading.span.start).copied();
        parts.push(Part {
            level: heading.level,
            title: heading.title.clone(),
            heading: heading.span.clone(),
            content: section.map_or(heading.span.end..next.max(heading.span.end), |s| {
                s.content.clone()
            }),
            kind: section.and_then(|s| s.kind),
        });
    }
    let first = parts.first().map_or(end, |p| p.heading.start);
    let title = match parts.first() {
        Some(part) if part.level == 1 => Some(parts.remove(0)),
        _ => None,
    };
    let introduction = match &title {
        Some(title) => title.content.clone(),
        None => start..first,
    };
    (title, introduction, parts)
}

#[cfg(test)]
mod tests;
