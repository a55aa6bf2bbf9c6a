//! A plan's Markdown body as safe HTML, section by section, with the Procedure's steps as
//! a numbered checklist.
//!
//! pulldown-cmark's HTML writer escapes text, code and attribute values, but it passes raw
//! HTML through and keeps any link scheme. So every event is filtered before it reaches
//! the writer: raw HTML becomes text (comments dropped), links and images keep only
//! allow-listed schemes, images become links (a page makes no requests of its own), and
//! heading attributes are cleared. The only `Event::Html` the writer sees is markup built
//! here from constants and escaped values.

use std::collections::HashSet;
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Tag, TagEnd, html};

use super::sanitize::{is_safe_url, slug, strip_comments};
use crate::markdown::{self, Body};
use crate::sections::Kind;

/// A rendered body: its parts in document order, and who decides to roll back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    pub blocks: Vec<Block>,
    /// The first paragraph (or list) of the Decision section, as HTML.
    pub decision: Option<String>,
}

/// A part of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Content outside any level-2 section (the title, an introduction).
    Loose(String),
    Section(Section),
}

/// A level-2 section, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading as plain text.
    pub title: String,
    /// The heading's inline content as HTML.
    pub title_html: String,
    /// Fragment id, unique in the page, `[a-z0-9-]` only.
    pub id: String,
    pub html: String,
    pub procedure: bool,
}

/// Fragment ids the page itself uses; sections get other ids.
pub const RESERVED_IDS: [&str; 4] = ["top", "facts", "manifest", "contents"];

/// Renders the body of `text` (from byte `body_start`); `body` is the same body as
/// [`markdown::parse_body`] read it, so steps are numbered exactly as `check` numbers them.
pub fn render_body(text: &str, body_start: usize, body: &Body) -> Rendered {
    let mut walk = Walk::new(body);
    let source = text.get(body_start..).unwrap_or("");
    for (event, range) in markdown::parser(source).into_offset_iter() {
        walk.event(event, range.start + body_start..range.end + body_start);
    }
    walk.finish()
}

/// Renders a list of already filtered events; hidden characters become visible escapes.
fn to_html<'a>(events: impl IntoIterator<Item = Event<'a>>) -> String {
    let mut out = String::new();
    html::push_html(&mut out, events.into_iter());
    super::sanitize::show_controls(out)
}

/// What an open link or image became.
enum Frame {
    Link,
    RemovedLink,
    /// An image shown as a link to it.
    ImageLink,
    /// An image shown as its text only.
    ImageText,
}

/// The chunk being built: loose content, or a section (title, title HTML, kind).
struct Chunk<'a> {
    section: Option<(String, String, Option<Kind>)>,
    events: Vec<Event<'a>>,
}

struct Walk<'a> {
    /// Start offsets of procedure steps with their numbers.
    steps: Vec<(usize, usize)>,
    /// Start offsets of level-2 headings with the section their title names, as the
    /// section table read them.
    kinds: Vec<(usize, Option<Kind>)>,
    /// The start of the H1/H2 heading being read.
    heading_start: usize,
    ids: HashSet<String>,
    blocks: Vec<Block>,
    decision: Option<String>,
    chunk: Chunk<'a>,
    /// Inline events of the H1/H2 heading being read.
    heading: Option<(HeadingLevel, Vec<Event<'a>>)>,
    frames: Vec<Frame>,
    raw_block: Option<String>,
    /// Nesting of lists inside the Procedure.
    list_depth: usize,
    /// For each open list item: whether it is a step.
    items: Vec<bool>,
    /// How many container blocks of the source are open; sections start only at 0.
    depth: usize,
    /// Levels of the headings that were nested in a container, rendered in place.
    nested_headings: Vec<HeadingLevel>,
}

fn raw(html: impl Into<String>) -> Event<'static> {
    Event::Html(CowStr::from(html.into()))
}

impl<'a> Walk<'a> {
    fn new(body: &Body) -> Self {
        let mut ids: HashSet<String> = RESERVED_IDS.iter().map(|s| s.to_string()).collect();
        for step in &body.steps {
            ids.insert(format!("step-{}", step.number));
            ids.insert(format!("done-{}", step.number));
        }
        Walk {
            steps: body
                .steps
                .iter()
                .map(|s| (s.span.start, s.number))
                .collect(),
            kinds: body
                .sections
                .iter()
                .map(|s| (s.heading.start, s.kind))
                .collect(),
            heading_start: 0,
            ids,
            blocks: Vec::new(),
            decision: None,
            chunk: Chunk {
                section: None,
                events: Vec::new(),
            },
            heading: None,
            frames: Vec::new(),
            raw_block: None,
            list_depth: 0,
            items: Vec::new(),
            depth: 0,
            nested_headings: Vec::new(),
        }
    }

    fn in_procedure(&self) -> bool {
        matches!(self.chunk.section, Some((_, _, Some(Kind::Procedure))))
    }

    fn emit(&mut self, event: Event<'a>) {
        match &mut self.heading {
            Some((_, events)) => events.push(event),
            None => self.chunk.events.push(event),
        }
    }

    fn event(&mut self, event: Event<'a>, range: Range<usize>) {
        let top_level = self.depth == 0;
        match &event {
            Event::Start(Tag::Heading { .. }) | Event::End(TagEnd::Heading(_)) => {}
            Event::Start(_) => self.depth += 1,
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        if let Some(raw_text) = &mut self.raw_block {
            match event {
                Event::Html(text) | Event::InlineHtml(text) | Event::Text(text) => {
                    raw_text.push_str(&text);
                    return;
                }
                Event::End(TagEnd::HtmlBlock) => {
                    let shown = strip_comments(raw_text);
                    self.raw_block = None;
                    let shown = shown.trim_matches(['\n', '\r']).to_string();
                    if !shown.trim().is_empty() {
                        self.emit(raw(r#"<pre class="raw-html">"#));
                        self.emit(Event::Text(CowStr::from(shown)));
                        self.emit(raw("</pre>\n"));
                    }
                    return;
                }
                _ => {}
            }
        }
        match event {
            Event::Start(Tag::HtmlBlock) => self.raw_block = Some(String::new()),
            Event::End(TagEnd::HtmlBlock) => {}
            Event::Html(text) | Event::InlineHtml(text) => self.inline_html(&text),
            Event::Start(Tag::Heading { level, .. }) => {
                self.heading_start = range.start;
                self.start_heading(level, top_level);
            }
            Event::End(TagEnd::Heading(level)) => self.end_heading(level),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => self.start_link(link_type, dest_url, title, id),
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => self.start_image(dest_url, title),
            Event::End(TagEnd::Link | TagEnd::Image) => self.end_link(),
            Event::Start(Tag::List(start)) => self.start_list(start),
            Event::End(TagEnd::List(ordered)) => self.end_list(ordered),
            Event::Start(Tag::Item) => self.start_item(range.start),
            Event::End(TagEnd::Item) => self.end_item(),
            Event::TaskListMarker(_) if self.items.last() == Some(&true) => {}
            // Footnote labels become ids and #links: prefix them, so a label such as
            // `procedure` or `done-1` cannot collide with the page's own ids.
            Event::FootnoteReference(label) => {
                self.emit(Event::FootnoteReference(CowStr::from(format!(
                    "fn-{label}"
                ))));
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                let label = CowStr::from(format!("fn-{label}"));
                self.emit(Event::Start(Tag::FootnoteDefinition(label)));
            }
            other => self.emit(other),
        }
    }

    fn inline_html(&mut self, text: &str) {
        let shown = strip_comments(text);
        if is_line_break(&shown) {
            self.emit(Event::HardBreak);
        } else if !shown.is_empty() {
            self.emit(Event::Text(CowStr::from(shown)));
        }
    }

    fn start_heading(&mut self, level: HeadingLevel, top_level: bool) {
        if top_level && matches!(level, HeadingLevel::H1 | HeadingLevel::H2) {
            self.close_chunk();
            self.heading = Some((level, Vec::new()));
            return;
        }
        // A heading inside a quote or a list stays where it is, so the HTML stays nested
        // as the source is. Attributes are cleared: ids and classes are not the plan's.
        let level = match level {
            HeadingLevel::H1 => HeadingLevel::H2,
            other => other,
        };
        self.nested_headings.push(level);
        self.emit(Event::Start(Tag::Heading {
            level,
            id: None,
            classes: Vec::new(),
            attrs: Vec::new(),
        }));
    }

    fn end_heading(&mut self, level: HeadingLevel) {
        if let Some(nested) = self.nested_headings.pop() {
            self.emit(Event::End(TagEnd::Heading(nested)));
            return;
        }
        let Some((level_open, events)) = self.heading.take() else {
            self.emit(Event::End(TagEnd::Heading(level)));
            return;
        };
        let title = plain_text(&events);
        let title_html = to_html(events);
        if level_open == HeadingLevel::H2 {
            let start = self.heading_start;
            let kind = self
                .kinds
                .iter()
                .find(|(at, _)| *at == start)
                .and_then(|(_, kind)| *kind);
            self.chunk.section = Some((title, title_html, kind));
            self.list_depth = 0;
        } else {
            // The page's own title is the only <h1>; a body H1 ranks with the sections.
            self.chunk.events.push(raw(format!(
                "<h2 class=\"doc-heading\">{}</h2>\n",
                title_html.trim_end()
            )));
        }
    }

    fn start_link(
        &mut self,
        link_type: LinkType,
        dest_url: CowStr<'a>,
        title: CowStr<'a>,
        id: CowStr<'a>,
    ) {
        if is_safe_url(&dest_url) {
            self.frames.push(Frame::Link);
            self.emit(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }));
        } else {
            self.frames.push(Frame::RemovedLink);
            self.emit(raw(
                r#"<span class="removed" title="link removed: only http, https, mailto and relative links are kept">"#,
            ));
        }
    }

    fn start_image(&mut self, dest_url: CowStr<'a>, title: CowStr<'a>) {
        let in_link = self
            .frames
            .iter()
            .any(|f| matches!(f, Frame::Link | Frame::ImageLink));
        if is_safe_url(&dest_url) && !in_link {
            self.frames.push(Frame::ImageLink);
            self.emit(Event::Start(Tag::Link {
                link_type: LinkType::Inline,
                dest_url,
                title,
                id: CowStr::Borrowed(""),
            }));
            self.emit(raw(r#"<span class="kind">image</span> "#));
        } else {
            self.frames.push(Frame::ImageText);
            self.emit(raw(
                r#"<span class="image-text"><span class="kind">image</span> "#,
            ));
        }
    }

    fn end_link(&mut self) {
        match self.frames.pop() {
            Some(Frame::Link | Frame::ImageLink) => self.emit(Event::End(TagEnd::Link)),
            Some(Frame::RemovedLink | Frame::ImageText) => self.emit(raw("</span>")),
            None => {}
        }
    }

    fn start_list(&mut self, start: Option<u64>) {
        if self.in_procedure() {
            self.list_depth += 1;
            if self.list_depth == 1 {
                self.emit(raw("<ol class=\"checklist\">\n"));
                return;
            }
        }
        self.emit(Event::Start(Tag::List(start)));
    }

    fn end_list(&mut self, ordered: bool) {
        if self.in_procedure() {
            self.list_depth = self.list_depth.saturating_sub(1);
            if self.list_depth == 0 {
                self.emit(raw("</ol>\n"));
                return;
            }
        }
        self.emit(Event::End(TagEnd::List(ordered)));
    }

    fn start_item(&mut self, offset: usize) {
        let step = (self.in_procedure() && self.list_depth == 1)
            .then(|| self.steps.iter().find(|(start, _)| *start == offset))
            .flatten()
            .map(|(_, number)| *number);
        self.items.push(step.is_some());
        match step {
            Some(n) => self.emit(raw(format!(
                "<li class=\"step\" id=\"step-{n}\"><input type=\"checkbox\" class=\"tick\" id=\"done-{n}\" aria-label=\"Step {n} done\"><label class=\"num\" for=\"done-{n}\">{n}</label><div class=\"step-body\">"
            ))),
            None => self.emit(Event::Start(Tag::Item)),
        }
    }

    fn end_item(&mut self) {
        if self.items.pop() == Some(true) {
            self.emit(raw("</div></li>\n"));
        } else {
            self.emit(Event::End(TagEnd::Item));
        }
    }

    fn unique_id(&mut self, title: &str) -> String {
        let base = match slug(title) {
            s if s.is_empty() => "section".to_string(),
            s => s,
        };
        let mut id = base.clone();
        let mut n = 2;
        while self.ids.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.ids.insert(id.clone());
        id
    }

    fn close_chunk(&mut self) {
        // Anything left open by a heading inside a link cannot happen in CommonMark, but
        // a stray open frame must not leak into the next chunk.
        self.frames.clear();
        self.items.clear();
        self.list_depth = 0;
        let chunk = std::mem::replace(
            &mut self.chunk,
            Chunk {
                section: None,
                events: Vec::new(),
            },
        );
        match chunk.section {
            Some((title, title_html, kind)) => {
                let procedure = kind == Some(Kind::Procedure);
                if kind == Some(Kind::Decision) && self.decision.is_none() {
                    self.decision = first_block(&chunk.events);
                }
                let id = self.unique_id(&title);
                self.blocks.push(Block::Section(Section {
                    title,
                    title_html: title_html.trim_end().to_string(),
                    id,
                    html: to_html(chunk.events),
                    procedure,
                }));
            }
            None if !chunk.events.is_empty() => {
                self.blocks.push(Block::Loose(to_html(chunk.events)));
            }
            None => {}
        }
    }

    fn finish(mut self) -> Rendered {
        if let Some((level, events)) = self.heading.take() {
            // A heading without its end event; render what was read.
            self.chunk.events.extend(events);
            self.chunk.events.push(Event::End(TagEnd::Heading(level)));
        }
        self.close_chunk();
        Rendered {
            blocks: self.blocks,
            decision: self.decision,
        }
    }
}

/// Whether inline HTML is just a line break (`<br>`, `<br/>`, `<br />`), which tables need.
fn is_line_break(html: &str) -> bool {
    let lower = html.trim().to_ascii_lowercase();
    let Some(inner) = lower.strip_prefix("<br").and_then(|s| s.strip_suffix('>')) else {
        return false;
    };
    inner.trim().is_empty() || inner.trim() == "/"
}

/// The text of inline events.
fn plain_text(events: &[Event<'_>]) -> String {
    let mut out = String::new();
    for event in events {
        if let Event::Text(text) | Event::Code(text) = event {
            out.push_str(text);
        }
    }
    out.trim().to_string()
}

/// The first paragraph, list, quote or table of a section, as HTML.
fn first_block(events: &[Event<'_>]) -> Option<String> {
    let start = events.iter().position(|e| {
        matches!(
            e,
            Event::Start(Tag::Paragraph | Tag::List(_) | Tag::BlockQuote(_) | Tag::Table(_))
        )
    })?;
    let mut depth = 0usize;
    for (i, event) in events.iter().enumerate().skip(start) {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(to_html(events[start..=i].iter().cloned()));
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::parse_body;

    /// Every element a rendered plan body may contain.
    const BODY_TAGS: [&str; 29] = [
        "p",
        "a",
        "span",
        "code",
        "pre",
        "strong",
        "em",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "br",
        "sup",
        "div",
        "input",
        "label",
        "del",
        "blockquote",
        "hr",
    ];

    fn render(text: &str) -> Rendered {
        render_body(text, 0, &parse_body(text, 0))
    }

    fn all_html(rendered: &Rendered) -> String {
        rendered
            .blocks
            .iter()
            .map(|b| match b {
                Block::Loose(html) => html.clone(),
                Block::Section(s) => format!("<h2>{}</h2>{}", s.title_html, s.html),
            })
            .collect()
    }

    /// Every hostile input, and what must not survive in the output.
    const HOSTILE: &[(&str, &[&str])] = &[
        ("<script>alert(1)</script>\n", &["<script"]),
        ("Text <script>alert(1)</script> inline\n", &["<script"]),
        ("<img src=x onerror=alert(1)>\n", &["<img"]),
        ("Inline <img src=x onerror=alert(1)> image\n", &["<img"]),
        ("<div onmouseover=\"alert(1)\">hover</div>\n", &["<div"]),
        ("<a href=\"javascript:alert(1)\">x</a>\n", &["<a "]),
        ("<svg onload=alert(1)>\n", &["<svg"]),
        (
            "<iframe src=\"https://evil.example\"></iframe>\n",
            &["<iframe"],
        ),
        ("<object data=\"x.swf\"></object>\n", &["<object"]),
        ("<style>body{display:none}</style>\n", &["<style"]),
        (
            "<meta http-equiv=refresh content=\"0;url=https://evil\">\n",
            &["<meta"],
        ),
        ("<base href=\"https://evil.example/\">\n", &["<base"]),
        (
            "<form action=\"https://evil\"><input name=p></form>\n",
            &["<form", "<input name"],
        ),
        ("[x](javascript:alert(1))\n", &["javascript:"]),
        (
            "[x](JaVaScRiPt:alert(1))\n",
            &["javascript:", "JaVaScRiPt:"],
        ),
        ("[x](java&#115;cript:alert(1))\n", &["javascript:", "href"]),
        ("[x](&#106;avascript:alert(1))\n", &["javascript:", "href"]),
        ("[x](java&#x73;cript:alert(1))\n", &["javascript:", "href"]),
        ("[x](<java\tscript:alert(1)>)\n", &["href"]),
        (
            "[x](data:text/html;base64,PHNjcmlwdD4=)\n",
            &["data:", "href"],
        ),
        ("[x](vbscript:msgbox(1))\n", &["vbscript:", "href"]),
        ("[x](VBScript:msgbox(1))\n", &["href"]),
        (
            "[x]\n\n[x]: javascript:alert(1)\n",
            &["javascript:", "href"],
        ),
        ("<javascript:alert(1)>\n", &["href"]),
        ("<data:text/html,hi>\n", &["href"]),
        (
            "![x](javascript:alert(1))\n",
            &["javascript:", "href", "<img"],
        ),
        ("![x](https://evil.example/track.png)\n", &["<img", "src="]),
        ("![x](data:image/png;base64,AAAA)\n", &["<img", "data:"]),
        (
            "<!-- --><script>alert(1)</script><!-- -->\n",
            &["<script", "<!--"],
        ),
        (
            "<!-- <script>alert(1)</script> -->\n",
            &["<script", "alert"],
        ),
        ("<!--><img src=x onerror=alert(1)>\n", &["<img"]),
        (
            "Text <!-- hidden --><b onclick=alert(1)>bold</b>\n",
            &["<b ", "<b>"],
        ),
        ("<!-- x --!><script>alert(1)</script>\n", &["<script"]),
        (
            "[x](https://ok.example \"a\\\" onmouseover=\\\"alert(1)\")\n",
            &["\" onmouseover"],
        ),
        ("`<script>alert(1)</script>`\n", &["<script"]),
        ("```html\n<script>alert(1)</script>\n```\n", &["<script"]),
        (
            "```\" onclick=\"alert(1)\n<b>\n```\n",
            &["\" onclick", "<b>"],
        ),
        (
            "| a |\n|---|\n| <img src=x onerror=alert(1)> |\n",
            &["<img"],
        ),
        ("# Title {#x onclick=alert(1)}\n", &["id=\"x\""]),
    ];

    #[test]
    fn hostile_input_is_neutralised() {
        for (input, banned) in HOSTILE {
            let html = all_html(&render(input));
            for needle in *banned {
                assert!(
                    !html.contains(needle),
                    "{input:?} rendered {needle:?} in:\n{html}"
                );
            }
            // No element carries an event handler or a style, and every href is allowed.
            for (tag, attributes) in tags(&html) {
                for (name, value) in attributes {
                    assert!(
                        !name.starts_with("on") && name != "style" && name != "src",
                        "{input:?} put {name} on <{tag}>:\n{html}"
                    );
                    if name == "href" {
                        assert!(is_safe_url(&value), "{input:?} kept href {value:?}");
                    }
                }
                assert!(
                    BODY_TAGS.contains(&tag.as_str()),
                    "{input:?} produced <{tag}>:\n{html}"
                );
            }
        }
    }

    /// The start tags of `html` with their attributes (values unescaped for `&quot;`),
    /// read the way a browser tokenises them.
    fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
        let bytes = html.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b'<' || !bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
                i += 1;
                continue;
            }
            i += 1;
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let tag = html[start..i].to_ascii_lowercase();
            let mut attributes = Vec::new();
            loop {
                while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == b'>' {
                    i += 1;
                    break;
                }
                let name_start = i;
                while i < bytes.len() && !b" \t\n=>/".contains(&bytes[i]) {
                    i += 1;
                }
                let name = html[name_start..i].to_ascii_lowercase();
                let mut value = String::new();
                if bytes.get(i) == Some(&b'=') {
                    i += 1;
                    let quote = bytes.get(i).copied();
                    if matches!(quote, Some(b'"' | b'\'')) {
                        i += 1;
                        let value_start = i;
                        while i < bytes.len() && Some(bytes[i]) != quote {
                            i += 1;
                        }
                        value = html[value_start..i.min(bytes.len())].replace("&quot;", "\"");
                        i += 1;
                    } else {
                        let value_start = i;
                        while i < bytes.len() && !b" \t\n>".contains(&bytes[i]) {
                            i += 1;
                        }
                        value = html[value_start..i].to_string();
                    }
                }
                attributes.push((name, value));
            }
            out.push((tag, attributes));
        }
        out
    }

    /// Checks the invariants of any rendered output: allowed tags only, no handler, no
    /// style or src, and every href allowed.
    fn assert_inert(input: &str, html: &str) {
        for (tag, attributes) in tags(html) {
            assert!(
                BODY_TAGS.contains(&tag.as_str()),
                "{input:?} produced <{tag}>:\n{html}"
            );
            for (name, value) in attributes {
                assert!(
                    !name.starts_with("on") && !["style", "src", "srcdoc"].contains(&name.as_str()),
                    "{input:?} put {name} on <{tag}>:\n{html}"
                );
                if name == "href" {
                    assert!(is_safe_url(&value), "{input:?} kept href {value:?}");
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn token_soup_stays_inert(tokens in proptest::collection::vec(
            proptest::sample::select(&[
                "<", ">", "</", "/>", "script", "img", "a", "svg", " src=x", " onerror=", " href=",
                "\"", "'", "javascript:", "JaVaScRiPt:", "java&#115;cript:", "&#106;", "data:",
                "vbscript:", "alert(1)", "[", "]", "(", ")", "![", "](", "<!--", "-->", "--!>",
                "\n", "\n\n", "`", "```", "    ", " ", "x", "## ", "# ", "- ", "1. ", "> ",
                "|", "|---|", "&", "&quot;", "[^1]", "[^1]: ", "http://a.example", "\t",
                "## Procedure\n", "<br>",
            ][..]),
            0..80,
        )) {
            let input = tokens.concat();
            assert_inert(&input, &all_html(&render(&input)));
        }

        #[test]
        fn any_text_renders_without_panicking(input in "\\PC*") {
            let rendered = render(&input);
            assert_inert(&input, &all_html(&rendered));
        }
    }

    #[test]
    fn bidi_and_control_characters_are_shown_as_escapes() {
        let text = "## Procedure \u{2067}x\n\n1. Clear: `rm -rf /var/cache\u{202E} # keep`\n\n```sh\necho \u{1b}]52;c;x\u{7}\n```\n\n<p>\u{2066}</p>\n";
        let html = all_html(&render(text));
        assert!(html.contains("/var/cache\\u{202E} # keep"), "{html}");
        assert!(html.contains("echo \\u{1B}]52;c;x\\u{7}"), "{html}");
        assert!(
            html.contains("\\u{2067}") && html.contains("\\u{2066}"),
            "{html}"
        );
        assert!(
            !html
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\t')
                    || crate::diag::escape::is_bidi_control(c)),
            "{html}"
        );
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = all_html(&render("<div>\n<b>bold</b>\n</div>\n\nInline <i>x</i>.\n"));
        assert!(
            html.contains(
                "<pre class=\"raw-html\">&lt;div&gt;\n&lt;b&gt;bold&lt;/b&gt;\n&lt;/div&gt;</pre>"
            ),
            "{html}"
        );
        assert!(html.contains("Inline &lt;i&gt;x&lt;/i&gt;."), "{html}");
    }

    #[test]
    fn footnote_ids_cannot_collide_with_the_page() {
        let html = all_html(&render(
            "## Criteria\n\nSee[^procedure].\n\n[^procedure]: note\n",
        ));
        assert!(html.contains("id=\"fn-procedure\""), "{html}");
        assert!(html.contains("href=\"#fn-procedure\""), "{html}");
        assert!(!html.contains("id=\"procedure\""), "{html}");
    }

    #[test]
    fn comments_disappear_and_line_breaks_stay() {
        let html = all_html(&render(
            "## Criteria\n\n<!-- Under what circumstances? -->\nErrors above 2%.\n\n| a |\n|---|\n| one<br>two |\n",
        ));
        assert!(!html.contains("circumstances"), "{html}");
        assert!(!html.contains("&lt;!--"), "{html}");
        assert!(html.contains("one<br />"), "{html}");
    }

    #[test]
    fn safe_links_stay_and_unsafe_ones_lose_their_href() {
        let html = all_html(&render(
            "[runbook](https://wiki.example.com/rb) [mail](mailto:a@example.com) [rel](../x.md) [frag](#procedure) [bad](javascript:alert(1)) <https://example.com/auto> <oncall@example.com>\n",
        ));
        assert!(html.contains("href=\"https://wiki.example.com/rb\""));
        assert!(html.contains("href=\"mailto:a@example.com\""));
        assert!(html.contains("href=\"../x.md\""));
        assert!(html.contains("href=\"#procedure\""));
        assert!(html.contains("href=\"https://example.com/auto\""));
        assert!(html.contains("href=\"mailto:oncall@example.com\""));
        assert!(html.contains("<span class=\"removed\""), "{html}");
        assert!(html.contains(">bad</span>"), "{html}");
    }

    #[test]
    fn images_become_links_and_make_no_requests() {
        let html = all_html(&render("![diagram](https://example.com/d.png)\n"));
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("<a href=\"https://example.com/d.png\">"),
            "{html}"
        );
        assert!(html.contains("diagram</a>"), "{html}");
        let badge = all_html(&render(
            "[![b](https://x.example/b.svg)](https://x.example)\n",
        ));
        assert_eq!(badge.matches("<a ").count(), 1, "{badge}");
    }

    #[test]
    fn headings_inside_quotes_and_lists_stay_nested() {
        let rendered =
            render("## Criteria\n> ## Quoted\n> text\n\n- ## In a list\n\n## Decision\nx\n");
        let html = all_html(&rendered);
        assert_eq!(
            html.matches("<blockquote>").count(),
            html.matches("</blockquote>").count()
        );
        assert!(html.contains("<blockquote>\n<h2>Quoted</h2>"), "{html}");
        assert!(html.contains("<li>\n<h2>In a list</h2>\n</li>"), "{html}");
        // The page title is the only <h1>.
        let h1 = all_html(&render("- # Nested title\n"));
        assert!(
            h1.contains("<h2>Nested title</h2>") && !h1.contains("<h1"),
            "{h1}"
        );
        let titles: Vec<_> = rendered
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Section(s) => Some(s.title.as_str()),
                Block::Loose(_) => None,
            })
            .collect();
        assert_eq!(titles, ["Criteria", "Decision"]);
    }

    #[test]
    fn sections_after_html_blocks_are_still_sections() {
        let rendered = render("## Criteria\n<!-- q -->\n\n<div>\nx\n</div>\n\n## Decision\ny\n");
        assert_eq!(rendered.blocks.len(), 2, "{:?}", rendered.blocks);
        assert_eq!(rendered.decision.as_deref(), Some("<p>y</p>\n"));
    }

    const PLAN: &str = "# Backout plan: payments v1.5

## Decision
The incident commander (**Ana**, +1 555 0100) decides.

More detail.

## Procedure
Intro.

### Database
1. Run `migrate down`
   - nested detail
2. Tell people

### App
- [ ] Roll back: `kubectl rollout undo deploy/api`

  ```sh
  kubectl rollout status deploy/api
  ```

## Step 1
Not a step.
";

    #[test]
    fn procedure_steps_are_a_numbered_checklist() {
        let rendered = render(PLAN);
        let Some(Block::Section(procedure)) = rendered
            .blocks
            .iter()
            .find(|b| matches!(b, Block::Section(s) if s.procedure))
        else {
            panic!("no procedure in {rendered:?}");
        };
        let html = &procedure.html;
        assert_eq!(
            html.matches("<ol class=\"checklist\">").count(),
            2,
            "{html}"
        );
        for n in 1..=3 {
            assert!(
                html.contains(&format!(
                    "<li class=\"step\" id=\"step-{n}\"><input type=\"checkbox\""
                )),
                "step {n}: {html}"
            );
        }
        assert!(!html.contains("step-4"));
        assert!(html.contains("<ul>\n<li>nested detail</li>"), "{html}");
        // The step's own checkbox replaces a task marker at the start of a step.
        assert!(!html.contains("disabled"), "{html}");
        assert!(html.contains("<pre><code class=\"language-sh\">kubectl rollout status"));
        assert!(html.contains("<h3>Database</h3>"));
    }

    #[test]
    fn sections_get_unique_ids_and_the_decision_is_lifted() {
        let rendered = render(PLAN);
        let ids: Vec<_> = rendered
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Section(s) => Some(s.id.as_str()),
                Block::Loose(_) => None,
            })
            .collect();
        assert_eq!(ids, ["decision", "procedure", "step-1-2"]);
        assert_eq!(
            rendered.decision.as_deref(),
            Some("<p>The incident commander (<strong>Ana</strong>, +1 555 0100) decides.</p>\n")
        );
        assert!(
            matches!(&rendered.blocks[0], Block::Loose(h) if h.contains("<h2 class=\"doc-heading\">Backout plan: payments v1.5</h2>"))
        );
    }

    #[test]
    fn titles_in_other_words_are_the_decision_and_the_checklist() {
        let text = "## Entscheidung\nDie Incident-Leitung entscheidet.\n\n## Rollback-Schritte\n1. `helm rollback kasse 41`\n";
        let rendered = render(text);
        assert_eq!(
            rendered.decision.as_deref(),
            Some("<p>Die Incident-Leitung entscheidet.</p>\n")
        );
        let procedure = rendered
            .blocks
            .iter()
            .find(|b| matches!(b, Block::Section(s) if s.procedure));
        assert!(
            procedure.is_some_and(
                |b| matches!(b, Block::Section(s) if s.html.contains("id=\"step-1\""))
            ),
            "{rendered:?}"
        );
    }
}
