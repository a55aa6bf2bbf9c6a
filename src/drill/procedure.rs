//! A plan's procedure as a drill walks it: its steps with their titles, commands and links,
//! and the hash of the Procedure section that says whether it changed since a drill.

use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd};
use sha2::{Digest, Sha256};

use crate::markdown::{self, Body, Section};
use crate::plan::Plan;

/// The sections whose lists are the procedure: the plan model decides which they are, for
/// the steps and for the hash alike.
fn procedure_sections(body: &Body) -> impl Iterator<Item = &Section> {
    body.sections
        .iter()
        .filter(|section| section.is(crate::sections::Kind::Procedure))
}

/// The heading of the (first) Procedure section, where drill findings point.
pub fn procedure_heading(body: &Body) -> Option<Range<usize>> {
    procedure_sections(body)
        .next()
        .map(|section| section.heading.clone())
}

/// `sha256:<hex>` of the Procedure's text as written: its content without the heading, line
/// ends and trailing spaces normalised, blank lines at either end dropped. Anything else,
/// down to a changed word or command, changes it.
pub fn procedure_hash(text: &str, body: &Body) -> String {
    let mut hasher = Sha256::new();
    for (i, section) in procedure_sections(body).enumerate() {
        if i > 0 {
            hasher.update(b"\n");
        }
        let content = text.get(section.content.clone()).unwrap_or_default();
        hasher.update(normalize(content).as_bytes());
    }
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(7 + digest.len() * 2);
    hex.push_str("sha256:");
    for byte in digest.iter() {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

fn normalize(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let start = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(start, |i| i + 1);
    lines[start..end].join("\n")
}

/// A link in a step: its text and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub text: String,
    pub url: String,
}

/// One step of the procedure, ready to be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 1-based, across the whole procedure.
    pub number: usize,
    /// The `###` subsection it is under.
    pub subsection: Option<String>,
    /// The step as written in the plan (list marker included), dedented.
    pub source: String,
    /// Its first line as plain text (inline code keeps its backticks).
    pub title: String,
    /// Its code blocks, and inline code of more than one word: what to copy and run.
    pub commands: Vec<String>,
    pub links: Vec<Link>,
}

/// The procedure of a plan as a drill walks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procedure {
    pub steps: Vec<Step>,
    /// See [`procedure_hash`].
    pub hash: String,
}

impl Procedure {
    /// The procedure of `plan`, parsed from `text`.
    pub fn of(text: &str, plan: &Plan) -> Procedure {
        let body = &plan.body;
        let mut steps: Vec<Step> = body
            .steps
            .iter()
            .map(|step| Step {
                number: step.number,
                subsection: step.subsection.clone(),
                source: step_source(text, &step.span),
                title: String::new(),
                commands: Vec::new(),
                links: Vec::new(),
            })
            .collect();
        StepWalk::default().run(text, plan.body_start, body, &mut steps);
        for step in &mut steps {
            if step.title.is_empty() {
                step.title = step
                    .commands
                    .first()
                    .and_then(|c| c.lines().next())
                    .map_or_else(|| format!("Step {}", step.number), str::to_string);
            }
        }
        Procedure {
            steps,
            hash: procedure_hash(text, body),
        }
    }
}

/// The step's text, its continuation lines dedented by the column its list marker is at.
fn step_source(text: &str, span: &Range<usize>) -> String {
    let raw = text.get(span.clone()).unwrap_or_default();
    let line_start = text
        .get(..span.start)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |i| i + 1);
    let indent = span.start.saturating_sub(line_start);
    let mut lines: Vec<&str> = Vec::new();
    for (i, line) in raw.lines().enumerate() {
        let line = line.trim_end();
        if i == 0 {
            lines.push(line);
        } else {
            let spaces = line.len() - line.trim_start_matches(' ').len();
            lines.push(&line[spaces.min(indent)..]);
        }
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// One pass over the body's events, giving each step its title, commands and links.
#[derive(Default)]
struct StepWalk {
    /// The code block being read: step index and text.
    code: Option<(usize, String)>,
    /// The link being read: step index, target, text.
    link: Option<(usize, String, String)>,
    /// Steps whose title is complete.
    titled: Vec<bool>,
}

impl StepWalk {
    fn run(mut self, text: &str, start: usize, body: &Body, steps: &mut [Step]) {
        let Some(source) = text.get(start..) else {
            return;
        };
        self.titled = vec![false; steps.len()];
        for (event, range) in markdown::parser(source).into_offset_iter() {
            let at = range.start + start;
            let Some(index) = step_at(body, at) else {
                continue;
            };
            // The list a step is an item of starts where its first item does.
            let encloses = matches!(event, Event::Start(Tag::List(_)))
                && body
                    .steps
                    .get(index)
                    .is_some_and(|step| step.span.start == at);
            if !encloses {
                self.event(event, index, steps);
            }
        }
    }

    fn event(&mut self, event: Event<'_>, index: usize, steps: &mut [Step]) {
        let Some(step) = steps.get_mut(index) else {
            return;
        };
        match event {
            Event::Start(Tag::CodeBlock(_)) => {
                self.end_title(index);
                self.code = Some((index, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((i, block)) = self.code.take()
                    && let Some(step) = steps.get_mut(i)
                {
                    push_command(step, block.trim_end());
                }
            }
            Event::Text(text) if self.code.is_some() => {
                if let Some((_, block)) = &mut self.code {
                    block.push_str(&text);
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                self.link = Some((index, dest_url.to_string(), String::new()));
            }
            Event::End(TagEnd::Link) => {
                if let Some((i, url, text)) = self.link.take()
                    && let (Some(step), false) = (steps.get_mut(i), url.trim().is_empty())
                {
                    let text = text.trim();
                    step.links.push(Link {
                        text: if text.is_empty() {
                            url.clone()
                        } else {
                            text.to_string()
                        },
                        url,
                    });
                }
            }
            Event::Text(text) => {
                self.title(index, step, &text);
                if let Some((_, _, link_text)) = &mut self.link {
                    link_text.push_str(&text);
                }
            }
            Event::Code(code) => {
                self.title(index, step, &format!("`{code}`"));
                match &mut self.link {
                    Some((_, _, link_text)) => link_text.push_str(&code),
                    None if code.trim().contains(char::is_whitespace) => {
                        push_command(step, code.trim());
                    }
                    None => {}
                }
            }
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(TagEnd::Paragraph)
            | Event::Start(Tag::List(_) | Tag::Table(_) | Tag::BlockQuote(_)) => {
                self.end_title(index);
            }
            _ => {}
        }
    }

    fn title(&self, index: usize, step: &mut Step, text: &str) {
        if !self.titled.get(index).copied().unwrap_or(true) {
            step.title.push_str(text);
        }
    }

    fn end_title(&mut self, index: usize) {
        if let Some(done) = self.titled.get_mut(index) {
            *done = true;
        }
    }
}

fn push_command(step: &mut Step, command: &str) {
    if !command.trim().is_empty() && !step.commands.iter().any(|c| c == command) {
        step.commands.push(command.to_string());
    }
}

/// The index of the step holding byte `offset`.
fn step_at(body: &Body, offset: usize) -> Option<usize> {
    let index = body
        .steps
        .partition_point(|step| step.span.start <= offset)
        .checked_sub(1)?;
    let step = body.steps.get(index)?;
    (offset < step.span.end).then_some(index)
}
