//! Markdown as plain text, for ticket fields that show text as it is: paragraphs on one
//! line each, lists with their markers (procedure steps with the numbers `check` gives
//! them), code indented by four spaces, links as `text (url)`, tables as `a | b` rows.
//!
//! Plan text is untrusted and these fields end up in other systems' pages and mails, so
//! raw HTML is dropped to its text (comments removed entirely, tags stripped), links keep
//! their address only for allow-listed schemes, and control and bidirectional-override
//! characters are removed. Text that merely contains `<` (a shell redirect, `p99 < 300ms`)
//! is left alone: it is text, and commands must stay runnable as written.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{Event, LinkType, Tag, TagEnd};
use unicode_width::UnicodeWidthStr;

use crate::publish::sanitize::{is_safe_url, strip_comments};

/// One event of a parsed body and its byte range in the whole file.
pub type Spanned<'a> = (Event<'a>, Range<usize>);

/// Removes what could drive a terminal or hide text: control characters (except line
/// breaks and tabs) and bidirectional overrides; line and paragraph separators become
/// line breaks.
pub fn clean(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\t' => Some(c),
            '\u{2028}' | '\u{2029}' => Some('\n'),
            c if c.is_control() => None,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => None,
            c => Some(c),
        })
        .collect()
}

/// Raw HTML as the text it shows: comments removed, tags stripped, what is between kept.
pub fn html_text(html: &str) -> String {
    let html = strip_comments(html);
    let mut out = String::with_capacity(html.len());
    let mut rest = html.as_str();
    // Once one `<` finds no `>` after it, none of the later ones will: remembering that
    // keeps a block full of unclosed `<` one pass, not one pass per `<`.
    let mut closed = true;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let is_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        if !is_tag {
            out.push('<');
            rest = after;
            continue;
        }
        let end = if closed { after.find('>') } else { None };
        match end {
            Some(end) => {
                rest = &after[end + 1..];
                // What a script or style element holds is not text anyone reads.
                let name: String = after
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_lowercase();
                if name == "script" || name == "style" {
                    // Searched where it is, not in a lower-cased copy of the rest, which
                    // would cost the whole rest once per element.
                    let close = rest.match_indices("</").find(|(i, _)| {
                        rest.get(i + 2..i + 2 + name.len())
                            .is_some_and(|n| n.eq_ignore_ascii_case(&name))
                    });
                    rest = match close {
                        Some((close, _)) => &rest[close..],
                        None => "",
                    };
                }
            }
            // An unterminated tag: what follows `<` is shown, the `<` is not.
            None => {
                closed = false;
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The name of the `<script>` or `<style>` element that `html` opens, if it opens one.
fn hidden_element(html: &str) -> Option<String> {
    let lower = html.trim().to_ascii_lowercase();
    ["script", "style"]
        .into_iter()
        .find(|name| {
            lower.starts_with(&format!("<{name}"))
                && lower[name.len() + 1..]
                    .starts_with(|c: char| c == '>' || c.is_ascii_whitespace())
                && !lower.ends_with("/>")
        })
        .map(str::to_string)
}

/// Whether raw inline HTML is a line break (`<br>`, `<br/>`, `<br />`).
fn is_line_break(html: &str) -> bool {
    let inner = html
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim_end_matches('/')
        .trim();
    inner.eq_ignore_ascii_case("br")
}

/// The width a title's underline needs.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text).max(1)
}

/// `title` underlined with `mark`, and a line break.
pub fn underlined(title: &str, mark: char) -> String {
    let title = clean(title).replace('\n', " ");
    let line: String = std::iter::repeat_n(mark, width(&title)).collect();
    format!("{title}\n{line}\n")
}

/// A container the writer is inside: what starts its first line and the lines after.
struct Container {
    /// A list item (not a quote or a code block).
    item: bool,
    first: Option<String>,
    rest: String,
    /// Whether anything was written inside it yet.
    fresh: bool,
}

/// An open list: ordered from a number, or bulleted.
struct List {
    next: Option<u64>,
}

/// An open link or image: its address, when it may be shown.
struct OpenLink {
    url: Option<String>,
    text: String,
}

/// Renders a sequence of Markdown events as plain text.
pub struct Renderer<'n> {
    out: String,
    containers: Vec<Container>,
    lists: Vec<List>,
    links: Vec<OpenLink>,
    at_line_start: bool,
    /// A blank line is owed before the next block.
    blank: bool,
    /// Procedure steps: the offset their list item starts at, and their number.
    numbers: &'n HashMap<usize, usize>,
    /// Raw HTML block being collected.
    html: Option<String>,
    /// Code block being written: the prefix of its lines.
    in_code: bool,
    /// Table: cells of the row being read, and whether the header row was written.
    row: Option<Vec<String>>,
    header_written: bool,
    /// Heading inside the content being read: its level and text.
    heading: Option<(usize, String)>,
    /// Inside an inline `<script>` or `<style>` element: its name.
    hidden: Option<String>,
}

impl<'n> Renderer<'n> {
    pub fn new(numbers: &'n HashMap<usize, usize>) -> Self {
        Renderer {
            out: String::new(),
            containers: Vec::new(),
            lists: Vec::new(),
            links: Vec::new(),
            at_line_start: true,
            blank: false,
            numbers,
            html: None,
            in_code: false,
            row: None,
            header_written: false,
            heading: None,
            hidden: None,
        }
    }

    /// Renders `events` and returns the text, trimmed, without a final line break.
    pub fn render(mut self, events: &[Spanned<'_>]) -> String {
        for (event, range) in events {
            self.event(event, range);
        }
        let text = clean(&self.out);
        let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
        let mut out = String::with_capacity(text.len());
        let mut blank = false;
        for line in lines {
            if line.is_empty() {
                blank = !out.is_empty();
                continue;
            }
            if blank {
                out.push('\n');
                blank = false;
            }
            out.push_str(line);
            out.push('\n');
        }
        out.trim_end().to_string()
    }

    fn event(&mut self, event: &Event<'_>, range: &Range<usize>) {
        if let Some(html) = &mut self.html {
            match event {
                Event::End(TagEnd::HtmlBlock) => {
                    let text = html_text(html);
                    self.html = None;
                    let text = text.trim();
                    if !text.is_empty() {
                        self.block();
                        self.write(text);
                        self.end_block();
                    }
                }
                Event::Html(text) | Event::Text(text) | Event::InlineHtml(text) => {
                    html.push_str(text);
                }
                _ => {}
            }
            return;
        }
        if let Some(name) = &self.hidden {
            if let Event::InlineHtml(html) = event
                && html
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with(&format!("</{name}"))
            {
                self.hidden = None;
            }
            if !matches!(event, Event::End(_)) {
                return;
            }
        }
        match event {
            Event::Start(tag) => self.start(tag, range),
            Event::End(tag) => self.end(*tag),
            Event::Text(text) => self.text(text),
            Event::Code(code) => self.inline(&format!("`{code}`")),
            Event::InlineHtml(html) | Event::Html(html) => {
                if let Some(name) = hidden_element(html) {
                    self.hidden = Some(name);
                } else if is_line_break(html) {
                    self.line_break();
                } else {
                    let text = html_text(html);
                    if !text.is_empty() {
                        self.inline(&text);
                    }
                }
            }
            Event::SoftBreak => self.inline(" "),
            Event::HardBreak => self.line_break(),
            Event::Rule => {
                self.block();
                self.write("---");
                self.end_block();
            }
            Event::TaskListMarker(done) => self.inline(if *done { "[x] " } else { "[ ] " }),
            Event::FootnoteReference(label) => self.inline(&format!("[{label}]")),
            Event::InlineMath(math) | Event::DisplayMath(math) => self.inline(math),
        }
    }

    fn start(&mut self, tag: &Tag<'_>, range: &Range<usize>) {
        match tag {
            Tag::Paragraph => self.block(),
            Tag::Heading { level, .. } => {
                self.block();
                self.heading = Some((*level as usize, String::new()));
            }
            Tag::BlockQuote(_) => {
                self.block();
                self.containers.push(Container {
                    item: false,
                    first: None,
                    rest: "> ".into(),
                    fresh: true,
                });
            }
            Tag::CodeBlock(_) => {
                // Code right after a step's first line stays with it, without a blank line.
                if self.containers.last().is_some_and(|c| !c.fresh) && !self.blank {
                    self.end_line();
                } else {
                    self.block();
                }
                self.in_code = true;
                self.containers.push(Container {
                    item: false,
                    first: None,
                    rest: "    ".into(),
                    fresh: true,
                });
            }
            Tag::HtmlBlock => self.html = Some(String::new()),
            Tag::List(start) => {
                // A list inside a step goes on under it, without a blank line.
                if self.containers.last().is_some_and(|c| c.item && !c.fresh) {
                    self.end_line();
                } else {
                    self.block();
                }
                self.lists.push(List { next: *start });
            }
            Tag::Item => {
                self.end_line();
                let marker = match self.numbers.get(&range.start) {
                    Some(number) => format!("{number}. "),
                    None => match self.lists.last_mut() {
                        Some(List { next: Some(n) }) => {
                            let marker = format!("{n}. ");
                            *n += 1;
                            marker
                        }
                        _ => "- ".to_string(),
                    },
                };
                let rest = " ".repeat(marker.chars().count());
                self.containers.push(Container {
                    item: true,
                    first: Some(marker),
                    rest,
                    fresh: true,
                });
                self.blank = false;
            }
            Tag::FootnoteDefinition(label) => {
                self.block();
                self.inline(&format!("[{label}]: "));
            }
            Tag::Table(_) => {
                self.block();
                self.header_written = false;
            }
            Tag::TableHead | Tag::TableRow => self.row = Some(Vec::new()),
            Tag::TableCell => {
                if let Some(row) = &mut self.row {
                    row.push(String::new());
                }
            }
            Tag::Strikethrough => self.inline("~~"),
            Tag::Link {
                link_type,
                dest_url,
                ..
            } => {
                let url = match link_type {
                    LinkType::Email => Some(format!("mailto:{dest_url}")),
                    _ => Some(dest_url.to_string()),
                };
                self.links.push(OpenLink {
                    url: url.filter(|u| !u.trim().is_empty() && is_safe_url(u)),
                    text: String::new(),
                });
            }
            Tag::Image { dest_url, .. } => {
                self.links.push(OpenLink {
                    url: Some(dest_url.to_string())
                        .filter(|u| !u.trim().is_empty() && is_safe_url(u)),
                    text: String::new(),
                });
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => self.end_block(),
            TagEnd::Heading(_) => {
                if let Some((level, title)) = self.heading.take() {
                    let title = title.trim();
                    let mark = if level <= 2 { '-' } else { '~' };
                    self.write(&underlined(title, mark));
                    self.at_line_start = true;
                    self.end_block();
                }
            }
            TagEnd::BlockQuote(_) => {
                self.containers.pop();
                self.end_block();
            }
            TagEnd::CodeBlock => {
                self.in_code = false;
                self.containers.pop();
                self.end_block();
            }
            TagEnd::List(_) => {
                self.lists.pop();
                self.end_block();
            }
            TagEnd::Item => {
                self.end_line();
                self.containers.pop();
                self.blank = false;
            }
            TagEnd::FootnoteDefinition => self.end_block(),
            TagEnd::Table => self.end_block(),
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some(row) = self.row.take() {
                    let line = row
                        .iter()
                        .map(|cell| cell.trim())
                        .collect::<Vec<_>>()
                        .join(" | ");
                    self.write(&line);
                    self.end_line();
                    if !self.header_written {
                        self.header_written = true;
                        if matches!(tag, TagEnd::TableHead) {
                            self.write(&"-".repeat(width(&line)));
                            self.end_line();
                        }
                    }
                }
            }
            TagEnd::Strikethrough => self.inline("~~"),
            TagEnd::Link | TagEnd::Image => {
                if let Some(link) = self.links.pop() {
                    let text = link.text.trim().to_string();
                    let shown = match link.url {
                        Some(url) if text.is_empty() => url,
                        Some(url) if url == text || url.strip_prefix("mailto:") == Some(&text) => {
                            text
                        }
                        Some(url) => format!("{text} ({url})"),
                        None => text,
                    };
                    self.inline(&shown);
                }
            }
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        if self.in_code {
            self.code(text);
        } else {
            self.inline(text);
        }
    }

    /// Code block text, line by line under the block's indentation.
    fn code(&mut self, text: &str) {
        for piece in text.split_inclusive('\n') {
            let line = piece.trim_end_matches(['\n', '\r']);
            self.write(line);
            if piece.ends_with('\n') {
                self.newline();
            }
        }
    }

    /// Inline text: to the link, heading or table cell being read, else to the output.
    fn inline(&mut self, text: &str) {
        if let Some(link) = self.links.last_mut() {
            link.text.push_str(text);
        } else if let Some((_, title)) = &mut self.heading {
            title.push_str(text);
        } else if let Some(cell) = self.row.as_mut().and_then(|row| row.last_mut()) {
            cell.push_str(&text.replace('\n', " "));
        } else {
            self.write(text);
        }
    }

    fn line_break(&mut self) {
        if self.heading.is_some() || self.row.is_some() || !self.links.is_empty() {
            self.inline(" ");
        } else {
            self.newline();
        }
    }

    /// Starts a block: a blank line after what came before in the same container.
    fn block(&mut self) {
        self.end_line();
        let fresh = self
            .containers
            .last()
            .map_or(self.out.is_empty(), |c| c.fresh);
        if !fresh || self.blank {
            self.blank_line();
        }
        self.blank = false;
    }

    /// Ends a block: the next one starts after a blank line.
    fn end_block(&mut self) {
        self.end_line();
        self.blank = true;
    }

    fn end_line(&mut self) {
        if !self.at_line_start {
            self.newline();
        }
    }

    fn newline(&mut self) {
        if self.at_line_start {
            self.prefix();
        }
        self.out.push('\n');
        self.at_line_start = true;
    }

    fn blank_line(&mut self) {
        let prefix: String = self
            .containers
            .iter()
            .map(|c| c.rest.as_str())
            .collect::<String>();
        self.out.push_str(prefix.trim_end());
        self.out.push('\n');
        self.at_line_start = true;
    }

    fn prefix(&mut self) {
        for container in &mut self.containers {
            match container.first.take() {
                Some(first) => self.out.push_str(&first),
                None => self.out.push_str(&container.rest),
            }
        }
    }

    /// Writes text, with the containers' prefixes at each line start.
    fn write(&mut self, text: &str) {
        for piece in text.split_inclusive('\n') {
            let line = piece.strip_suffix('\n');
            let mut content = line.unwrap_or(piece);
            if self.at_line_start && !self.in_code {
                // What was before it on the line (a tag, a comment) is gone.
                content = content.trim_start_matches(' ');
            }
            if !content.is_empty() {
                if self.at_line_start {
                    self.prefix();
                    self.at_line_start = false;
                }
                self.out.push_str(content);
                for container in &mut self.containers {
                    container.fresh = false;
                }
            }
            if line.is_some() {
                self.newline();
            }
        }
    }
}

/// Renders the events `events` (a whole body's, with absolute ranges) as plain text.
pub fn render(events: &[Spanned<'_>], numbers: &HashMap<usize, usize>) -> String {
    Renderer::new(numbers).render(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown;

    fn plain(text: &str) -> String {
        let events: Vec<Spanned<'_>> = markdown::parser(text).into_offset_iter().collect();
        render(&events, &HashMap::new())
    }

    #[test]
    fn paragraphs_lists_and_code() {
        let text = "Roll back when the error rate\nstays above 2%.\n\n1. Freeze: `deployctl freeze`\n2. Roll back:\n   ```sh\n   helm rollback api 41\n   kubectl rollout status deploy/api\n   ```\n   - check the [dashboard](https://grafana.example.com/d/api)\n3. Tell #ops\n";
        assert_eq!(
            plain(text),
            "Roll back when the error rate stays above 2%.\n\n1. Freeze: `deployctl freeze`\n2. Roll back:\n       helm rollback api 41\n       kubectl rollout status deploy/api\n   - check the dashboard (https://grafana.example.com/d/api)\n3. Tell #ops"
        );
    }

    #[test]
    fn tables_quotes_and_headings() {
        let text = "### Database\n\n| Step | Command |\n|---|---|\n| Undo | `migrate down` |\n\n> Only if *paged*.\n";
        assert_eq!(
            plain(text),
            "Database\n~~~~~~~~\n\nStep | Command\n--------------\nUndo | `migrate down`\n\n> Only if paged."
        );
    }

    #[test]
    fn raw_html_and_unsafe_links_are_neutralised() {
        let text = "<!-- Who decides? -->\n<div onclick=\"x()\">The <b>incident</b> commander</div>\n\nSee [this](javascript:alert(1)) and <script>alert(2)</script>.<br>Next line \u{1b}[31mred\u{202e}.\n";
        assert_eq!(
            plain(text),
            "The incident commander\n\nSee this and .\nNext line [31mred."
        );
    }

    #[test]
    fn text_that_only_holds_a_less_than_sign_stays() {
        assert_eq!(
            plain("Keep p99 < 300ms.\n\n```\npsql app < undo.sql\ncat <<EOF\n```\n"),
            "Keep p99 < 300ms.\n\n    psql app < undo.sql\n    cat <<EOF"
        );
    }

    #[test]
    fn task_lists_autolinks_and_mail() {
        assert_eq!(
            plain("- [x] Paged <https://pd.example.com/x>\n- [ ] Mail <ops@example.com>\n"),
            "- [x] Paged https://pd.example.com/x\n- [ ] Mail ops@example.com"
        );
    }
}
