//! `--format markdown`: the plan as one Markdown document for an issue or a wiki. A header
//! with the plan's facts and its manifest as a table replaces the TOML front matter; the
//! body follows as written, normalised: each required section under its template title
//! (in the language the plan's own title is in), an unanswered or missing one marked as
//! such, HTML comments removed, other raw HTML shown as text, and links whose scheme is
//! not http, https, mailto or relative reduced to their text.

use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd};

use super::plain::clean;
use super::ticket;
use super::words::{self, Words};
use super::{Export, Parsed};
use crate::publish::sanitize::{is_safe_url, strip_comments};

/// A replacement of a byte range of the plan file.
struct Edit {
    range: Range<usize>,
    text: String,
}

pub(super) fn markdown(parsed: &Parsed<'_>, export: &Export) -> String {
    let language = parsed.language;
    let words = words::words(language);
    let mut out = format!("# {}\n\n", escape(&ticket::title(export, words)));
    for line in ticket::facts(export, language) {
        out.push_str(&format!("- {}\n", escape(&line)));
    }
    out.push('\n');
    out.push_str(&manifest_table(export, words));
    let body = body(parsed, words);
    if !body.trim().is_empty() {
        out.push_str(body.trim_matches('\n'));
        out.push('\n');
    }
    for kind in ticket::missing(export) {
        out.push_str(&format!(
            "\n## {}\n\n_{}_\n",
            kind.title(language),
            escape(words.missing)
        ));
    }
    clean(&without_unsafe_links(out))
}

/// Escapes text so Markdown shows it as it is.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Raw HTML as Markdown that shows it as text.
fn escape_html(html: &str) -> String {
    html.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn manifest_table(export: &Export, words: &Words) -> String {
    let mut out = format!("## {}\n\n", escape(words.manifest));
    let Some(manifest) = &export.manifest else {
        return out + &escape(words.no_manifest) + "\n\n";
    };
    out.push_str(&format!(
        "| {} | {} | {} | {} | {} |\n|---|---|---|---|---|\n",
        words.item, words.kind, words.version, words.previous, words.reversible
    ));
    for item in &manifest.items {
        let cell = |value: &Option<String>| value.as_deref().map_or("-".into(), escape);
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            item.id,
            item.kind.as_str(),
            cell(&item.version),
            cell(&item.previous),
            if item.reversible { words.yes } else { words.no }
        ));
    }
    out.push('\n');
    out
}

/// The body with its edits applied.
fn body(parsed: &Parsed<'_>, words: &Words) -> String {
    let text = parsed.source.text;
    let start = parsed.source.plan.body_start.min(text.len());
    let mut edits = Vec::new();
    if let Some(title) = &parsed.title {
        edits.push(Edit {
            range: title.heading.clone(),
            text: String::new(),
        });
    }
    for (part, title) in parsed.parts.iter().zip(parsed.titles()) {
        if part.kind.is_none() {
            continue;
        }
        let line_break = if text
            .get(part.heading.clone())
            .is_some_and(|h| h.ends_with('\n'))
        {
            "\n"
        } else {
            ""
        };
        let mut replacement = format!("## {}{line_break}", escape(&title));
        if !crate::markdown::has_content(text.get(part.content.clone()).unwrap_or("")) {
            replacement.push_str(&format!("\n_{}_\n", escape(words.not_answered)));
        }
        edits.push(Edit {
            range: part.heading.clone(),
            text: replacement,
        });
    }
    edits.extend(markup_edits(parsed));
    apply(text, start..text.len(), edits)
}

/// Raw HTML and links with a scheme that is not allowed.
fn markup_edits(parsed: &Parsed<'_>) -> Vec<Edit> {
    let text = parsed.source.text;
    let mut edits = Vec::new();
    let mut links = Links::default();
    for (event, range) in &parsed.events {
        links.see(event, range, text, &mut edits);
        match event {
            Event::Start(Tag::HtmlBlock) => {
                let raw = text.get(range.clone()).unwrap_or("");
                let shown = strip_comments(raw);
                let mut range = range.clone();
                let text = if shown.trim().is_empty() {
                    // The block goes, and the blank line after it.
                    if text.get(range.end..range.end + 1) == Some("\n") {
                        range.end += 1;
                    }
                    String::new()
                } else {
                    escape_html(&shown)
                };
                edits.push(Edit { range, text });
            }
            Event::InlineHtml(html) => {
                let shown = strip_comments(html);
                let is_break = {
                    let inner = shown.trim().trim_start_matches('<').trim_end_matches('>');
                    inner
                        .trim_end_matches('/')
                        .trim()
                        .eq_ignore_ascii_case("br")
                };
                let text = if is_break {
                    "<br>".to_string()
                } else {
                    escape_html(&shown)
                };
                edits.push(Edit {
                    range: range.clone(),
                    text,
                });
            }
            _ => {}
        }
    }
    edits
}

/// Links and images whose destination a plan may not send the reader to (see
/// `is_safe_url`) become their text; a safe image becomes a link to it (an image is loaded
/// where the ticket is read: a tracking pixel).
#[derive(Default)]
struct Links {
    /// Open links and images: where they are, whether they are removed, their text.
    open: Vec<(Range<usize>, bool, String)>,
}

impl Links {
    /// Takes in one event of `text`, at `range`, adding the edits it calls for.
    fn see(&mut self, event: &Event<'_>, range: &Range<usize>, text: &str, edits: &mut Vec<Edit>) {
        match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                let removed = !is_safe_url(dest_url);
                if !removed
                    && matches!(event, Event::Start(Tag::Image { .. }))
                    && text.as_bytes().get(range.start) == Some(&b'!')
                {
                    edits.push(Edit {
                        range: range.start..range.start + 1,
                        text: String::new(),
                    });
                }
                self.open.push((range.clone(), removed, String::new()));
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                if let Some((range, true, shown)) = self.open.pop() {
                    edits.push(Edit {
                        range,
                        text: escape(&shown),
                    });
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, shown)) = self.open.last_mut() {
                    shown.push_str(t);
                }
            }
            _ => {}
        }
    }
}

/// The edits that leave `markdown` without an unsafe link, image or reference definition.
fn link_edits(markdown: &str) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut links = Links::default();
    let mut events = crate::markdown::parser(markdown).into_offset_iter();
    for (event, range) in events.by_ref() {
        links.see(&event, &range, markdown, &mut edits);
    }
    for (_, definition) in events.reference_definitions().iter() {
        if !is_safe_url(&definition.dest) {
            let mut range = definition.span.clone();
            if markdown.get(range.end..range.end + 1) == Some("\n") {
                range.end += 1;
            }
            edits.push(Edit {
                range,
                text: String::new(),
            });
        }
    }
    edits
}

/// `markdown` with no link, image or reference definition leading where a plan may not
/// send the reader. Turning a link into its text can join the text around it into a new
/// link (`[[x]](javascript:…)`, where `[x]` was a link of its own), so the document is
/// parsed again until nothing is left to change; a text that still makes new links after
/// that has every bracket shown as text.
fn without_unsafe_links(mut markdown: String) -> String {
    const ROUNDS: usize = 8;
    for _ in 0..ROUNDS {
        let edits = link_edits(&markdown);
        if edits.is_empty() {
            return markdown;
        }
        markdown = apply(&markdown, 0..markdown.len(), edits);
    }
    markdown.replace('[', "\\[").replace(']', "\\]")
}

/// Applies non-overlapping edits to `text[range]`; an edit inside an earlier one is
/// dropped (the outer one replaced it all).
fn apply(text: &str, range: Range<usize>, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|e| (e.range.start, std::cmp::Reverse(e.range.end)));
    let mut out = String::with_capacity(range.len());
    let mut at = range.start;
    for edit in edits {
        if edit.range.start < at || edit.range.end > range.end {
            continue;
        }
        out.push_str(text.get(at..edit.range.start).unwrap_or(""));
        out.push_str(&edit.text);
        at = edit.range.end;
    }
    out.push_str(text.get(at..range.end).unwrap_or(""));
    out
}
