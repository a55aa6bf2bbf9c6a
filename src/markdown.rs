//! The one place that configures pulldown-cmark, and the walk that turns a plan's body
//! into sections, procedure steps and the text ranges that references are searched in.

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

use crate::sections::{Kind, Language, Sections};

/// The Markdown dialect of plans: CommonMark with GFM tables, task lists, strikethrough
/// and footnotes.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
}

/// A parser over `text` with the plan dialect.
pub fn parser(text: &str) -> Parser<'_> {
    Parser::new_ext(text, options())
}

/// A level-2 section of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading's text, trimmed.
    pub title: String,
    /// The heading line.
    pub heading: Range<usize>,
    /// From the end of the heading to the next level-1 or level-2 heading.
    pub content: Range<usize>,
    /// Whether the content holds more than whitespace and HTML comments.
    pub answered: bool,
    /// The required section its title names, through the section table.
    pub kind: Option<Kind>,
}

impl Section {
    /// Whether this is the required section `kind`.
    pub fn is(&self, kind: Kind) -> bool {
        self.kind == Some(kind)
    }
}

/// A heading of any level, for messages that point at a heading which is almost a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    pub title: String,
    pub span: Range<usize>,
    /// The required section its title names, whatever its level.
    pub kind: Option<Kind>,
}

/// An item of a top-level list in the Procedure section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 1-based, in document order across the whole Procedure.
    pub number: usize,
    pub span: Range<usize>,
    /// Whether it holds inline code, a code block or a link.
    pub says_how: bool,
    /// Whether it holds a code block or a link (inline code aside).
    pub has_block_or_link: bool,
    /// Where its inline code spans (backticks included) stand in `Body::code_spans`: a
    /// step's are written one after another, and one list for the plan saves a plan of
    /// hundreds of steps as many allocations.
    pub code_spans: Range<usize>,
    /// The `###` subsection it is under, if any.
    pub subsection: Option<String>,
}

/// A range of text where references can stand: text, inline code, code blocks, link text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub span: Range<usize>,
    /// The paragraph, heading, table row, code block, list item or procedure step it is in;
    /// a whole step counts as one block.
    pub block: u32,
    pub section: Option<u32>,
    pub step: Option<u32>,
}

/// What the walk found in a plan's body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Body {
    pub sections: Vec<Section>,
    /// Every heading, in document order.
    pub headings: Vec<Heading>,
    pub steps: Vec<Step>,
    pub segments: Vec<Segment>,
    /// The steps' inline code spans, step by step.
    pub code_spans: Vec<Range<usize>>,
}

impl Body {
    /// The inline code spans of `step`, backticks included.
    pub fn code_spans_of(&self, step: &Step) -> &[Range<usize>] {
        self.code_spans
            .get(step.code_spans.clone())
            .unwrap_or_default()
    }

    /// The language most of the plan's required sections are titled in; `fallback` (the
    /// repository's `language`) on a tie.
    pub fn language(&self, fallback: Language) -> Language {
        let (mut en, mut de) = (0, 0);
        for section in &self.sections {
            let Some(kind) = section.kind else { continue };
            match crate::sections::title_language(&section.title, kind, Language::En) {
                Language::De => de += 1,
                Language::En
                    if crate::sections::title_language(&section.title, kind, Language::De)
                        == Language::En =>
                {
                    en += 1;
                }
                Language::En => {}
            }
        }
        match en.cmp(&de) {
            std::cmp::Ordering::Greater => Language::En,
            std::cmp::Ordering::Less => Language::De,
            std::cmp::Ordering::Equal => fallback,
        }
    }

    /// Contiguous runs of segments, merged, so a token split across events is found whole.
    pub fn windows(&self) -> Vec<Range<usize>> {
        let mut windows: Vec<Range<usize>> = Vec::with_capacity(self.segments.len());
        for segment in &self.segments {
            match windows.last_mut() {
                Some(last) if last.end == segment.span.start => last.end = segment.span.end,
                _ => windows.push(segment.span.clone()),
            }
        }
        windows
    }

    /// The segment holding byte `offset`, if any.
    pub fn segment_at(&self, offset: usize) -> Option<&Segment> {
        let index = self
            .segments
            .partition_point(|segment| segment.span.start <= offset);
        let segment = self.segments.get(index.checked_sub(1)?)?;
        (offset < segment.span.end).then_some(segment)
    }

    /// Finds segments for offsets that mostly come in order (the occurrences or tokens of
    /// one scan): from where the last one was, in a step or two, not by a search each.
    pub fn segments(&self) -> SegmentCursor<'_> {
        SegmentCursor { body: self, at: 0 }
    }

    /// The first section that is the required section `kind`.
    pub fn section(&self, kind: Kind) -> Option<&Section> {
        self.sections.iter().find(|section| section.is(kind))
    }
}

/// `Body::segment_at` for offsets that mostly come in order.
pub struct SegmentCursor<'b> {
    body: &'b Body,
    /// The first segment that may hold the next offset.
    at: usize,
}

impl<'b> SegmentCursor<'b> {
    /// The segment holding byte `offset`, if any: what `Body::segment_at` says.
    pub fn at(&mut self, offset: usize) -> Option<&'b Segment> {
        let segments = &self.body.segments;
        let behind = self
            .at
            .checked_sub(1)
            .and_then(|before| segments.get(before))
            .is_some_and(|segment| segment.span.start > offset);
        if behind {
            // Back before where the cursor is: search, and go on from there.
            self.at = segments.partition_point(|segment| segment.span.start <= offset);
        } else {
            // A few steps forward, then a search when the offset is far ahead.
            let mut steps = 0;
            while segments
                .get(self.at)
                .is_some_and(|segment| segment.span.start <= offset)
            {
                self.at += 1;
                steps += 1;
                if steps == 8 {
                    self.at +=
                        segments[self.at..].partition_point(|segment| segment.span.start <= offset);
                    break;
                }
            }
        }
        let segment = segments.get(self.at.checked_sub(1)?)?;
        (offset < segment.span.end).then_some(segment)
    }
}

/// Walks the Markdown body that starts at byte `start` of `text`, with the built-in
/// section titles.
pub fn parse_body(text: &str, start: usize) -> Body {
    parse_body_with(text, start, Sections::builtin())
}

/// The bytes of text per segment `parse_body_with` makes room for.
const SEGMENT_BYTES: usize = 32;

/// Walks the Markdown body that starts at byte `start` of `text`; `sections` says which
/// titles name which required section.
pub fn parse_body_with(text: &str, start: usize, sections: &Sections) -> Body {
    let mut walk = Walk::new(sections);
    let source = &text[start..];
    // Room for the segments a plan of this size usually has (a runbook of commands has one
    // every 25 to 30 bytes): a list of a thousand segments grown by doubling copies it ten
    // times over.
    walk.body.segments.reserve(source.len() / SEGMENT_BYTES);
    for (event, range) in parser(source).into_offset_iter() {
        let range = range.start + start..range.end + start;
        walk.event(&event, range);
    }
    walk.finish(text)
}

struct Walk<'s> {
    sections: &'s Sections,
    body: Body,
    /// The section being read, and whether it is a Procedure.
    section: Option<(u32, bool)>,
    /// Nesting of lists inside the current Procedure.
    list_depth: usize,
    /// The step being read.
    step: Option<u32>,
    subsection: Option<String>,
    blocks: Vec<u32>,
    next_block: u32,
    heading: Option<OpenHeading>,
    in_autolink: bool,
}

struct OpenHeading {
    level: HeadingLevel,
    start: usize,
    title: String,
}

impl<'s> Walk<'s> {
    fn new(sections: &'s Sections) -> Self {
        Walk {
            sections,
            body: Body::default(),
            section: None,
            list_depth: 0,
            step: None,
            subsection: None,
            blocks: Vec::new(),
            next_block: 0,
            heading: None,
            in_autolink: false,
        }
    }

    fn event(&mut self, event: &Event<'_>, range: Range<usize>) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                if matches!(level, HeadingLevel::H1 | HeadingLevel::H2) {
                    self.close_section(range.start);
                }
                self.heading = Some(OpenHeading {
                    level: *level,
                    start: range.start,
                    title: String::new(),
                });
                self.push_block();
            }
            Event::End(TagEnd::Heading(_)) => {
                self.blocks.pop();
                if let Some(heading) = self.heading.take() {
                    self.heading_done(heading, range.end);
                }
            }
            Event::Start(Tag::List(_)) if self.in_procedure() => self.list_depth += 1,
            Event::End(TagEnd::List(_)) if self.in_procedure() => {
                self.list_depth = self.list_depth.saturating_sub(1);
            }
            Event::Start(Tag::Item) if self.in_procedure() && self.list_depth == 1 => {
                self.start_step(range);
            }
            Event::End(TagEnd::Item) if self.in_procedure() && self.list_depth == 1 => {
                self.blocks.pop();
                self.step = None;
            }
            Event::Start(
                Tag::Paragraph
                | Tag::CodeBlock(_)
                | Tag::TableHead
                | Tag::TableRow
                | Tag::Item
                | Tag::BlockQuote(_),
            ) => {
                if matches!(event, Event::Start(Tag::CodeBlock(_))) {
                    self.says_how(None);
                }
                self.push_block();
            }
            Event::End(
                TagEnd::Paragraph
                | TagEnd::CodeBlock
                | TagEnd::TableHead
                | TagEnd::TableRow
                | TagEnd::Item
                | TagEnd::BlockQuote(_),
            ) => {
                self.blocks.pop();
            }
            Event::Start(Tag::Link {
                dest_url,
                link_type,
                ..
            }) => {
                if !dest_url.trim().is_empty() {
                    self.says_how(None);
                }
                // An autolink's text is its address: link targets are not searched.
                if matches!(link_type, LinkType::Autolink | LinkType::Email) {
                    self.in_autolink = true;
                }
            }
            Event::End(TagEnd::Link) => self.in_autolink = false,
            Event::Code(code) => {
                if !code.trim().is_empty() {
                    self.says_how(Some(range.clone()));
                }
                self.text(event, range);
            }
            Event::Text(_) if !self.in_autolink => self.text(event, range),
            _ => {}
        }
    }

    fn in_procedure(&self) -> bool {
        matches!(self.section, Some((_, true)))
    }

    fn push_block(&mut self) {
        // Everything inside a step is the step's block.
        let id = match (self.step, self.blocks.last()) {
            (Some(_), Some(&top)) => top,
            _ => {
                self.next_block += 1;
                self.next_block
            }
        };
        self.blocks.push(id);
    }

    fn start_step(&mut self, range: Range<usize>) {
        self.step = Some(self.body.steps.len() as u32);
        self.body.steps.push(Step {
            number: self.body.steps.len() + 1,
            span: range,
            says_how: false,
            has_block_or_link: false,
            code_spans: self.body.code_spans.len()..self.body.code_spans.len(),
            subsection: self.subsection.clone(),
        });
        self.next_block += 1;
        self.blocks.push(self.next_block);
    }

    /// Marks the current step as saying how, by the inline code at `code` or (`None`) by a
    /// code block or link.
    fn says_how(&mut self, code: Option<Range<usize>>) {
        if let Some(step) = self.step.and_then(|i| self.body.steps.get_mut(i as usize)) {
            step.says_how = true;
            match code {
                Some(span) => {
                    // The open step's spans end the list: steps do not nest.
                    self.body.code_spans.push(span);
                    step.code_spans.end = self.body.code_spans.len();
                }
                None => step.has_block_or_link = true,
            }
        }
    }

    fn text(&mut self, event: &Event<'_>, range: Range<usize>) {
        if let Some(heading) = &mut self.heading
            && let Event::Text(text) | Event::Code(text) = event
        {
            heading.title.push_str(text);
        }
        if range.is_empty() {
            return;
        }
        self.body.segments.push(Segment {
            span: range,
            block: self.blocks.last().copied().unwrap_or(0),
            section: self.section.map(|(index, _)| index),
            step: self.step,
        });
    }

    fn heading_done(&mut self, heading: OpenHeading, end: usize) {
        let title = heading.title.trim().to_string();
        let kind = self.sections.kind_of(&title);
        self.body.headings.push(Heading {
            level: heading.level as u8,
            title: title.clone(),
            span: heading.start..end,
            kind,
        });
        match heading.level {
            HeadingLevel::H2 => {
                let procedure = kind == Some(Kind::Procedure);
                self.section = Some((self.body.sections.len() as u32, procedure));
                self.body.sections.push(Section {
                    title,
                    heading: heading.start..end,
                    content: end..end,
                    answered: false,
                    kind,
                });
                self.subsection = None;
                self.list_depth = 0;
            }
            HeadingLevel::H1 => {}
            _ => {
                if self.in_procedure() {
                    self.subsection = Some(title);
                }
            }
        }
    }

    /// Ends the current section just before `at`.
    fn close_section(&mut self, at: usize) {
        if let Some((index, _)) = self.section.take()
            && let Some(section) = self.body.sections.get_mut(index as usize)
        {
            section.content.end = at.max(section.content.start);
        }
        self.step = None;
        self.list_depth = 0;
    }

    fn finish(mut self, text: &str) -> Body {
        self.close_section(text.len());
        for section in &mut self.body.sections {
            section.answered = has_content(&text[section.content.clone()]);
        }
        self.body
    }
}

/// Whether `text` holds anything but whitespace and HTML comments.
pub fn has_content(mut text: &str) -> bool {
    loop {
        text = text.trim_start();
        match text.strip_prefix("<!--") {
            Some(rest) => match rest.find("-->") {
                Some(end) => text = &rest[end + 3..],
                None => return false,
            },
            None => return !text.is_empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = "# Title

## Criteria
<!-- when? -->

## Procedure
Intro `not-a-step`.

### Database
1. Run `migrate down`
   - nested is part of step 1
2. Tell people

### App
- [Runbook](https://example.com/runbook)
- ```sh
  kubectl rollout undo
  ```

## Testing
Tried on staging.
";

    #[test]
    fn finds_sections_and_whether_they_are_answered() {
        let body = parse_body(PLAN, 0);
        let titles: Vec<_> = body
            .sections
            .iter()
            .map(|s| (s.title.as_str(), s.answered))
            .collect();
        assert_eq!(
            titles,
            [("Criteria", false), ("Procedure", true), ("Testing", true)]
        );
    }

    #[test]
    fn numbers_top_level_steps_across_subsections() {
        let body = parse_body(PLAN, 0);
        let steps: Vec<_> = body
            .steps
            .iter()
            .map(|s| (s.number, s.says_how, s.subsection.as_deref()))
            .collect();
        assert_eq!(
            steps,
            [
                (1, true, Some("Database")),
                (2, false, Some("Database")),
                (3, true, Some("App")),
                (4, true, Some("App")),
            ]
        );
        let nested = PLAN.find("nested").unwrap_or_default();
        assert_eq!(body.segment_at(nested).and_then(|s| s.step), Some(0));
    }

    #[test]
    fn a_cursor_finds_the_segments_a_search_finds_in_any_order() {
        let text = "## Procedure\n1. Run `a` and [b](https://x.example) then\n   ```sh\n   c\n   ```\n2. d <!-- e --> f\n\nText *g* `h`.\n";
        let body = parse_body(text, 0);
        let forward: Vec<usize> = (0..=text.len()).collect();
        let mut shuffled = forward.clone();
        shuffled.reverse();
        shuffled.extend([3, 40, 2, 41, 90, 0, 70, 70, 5]);
        for offsets in [forward, shuffled] {
            let mut cursor = body.segments();
            for offset in offsets {
                let found = cursor.at(offset).map(|s| s.span.clone());
                let searched = body.segment_at(offset).map(|s| s.span.clone());
                assert_eq!(found, searched, "offset {offset}");
            }
        }
    }

    #[test]
    fn segments_cover_text_code_and_link_text_but_not_urls_or_comments() {
        let body = parse_body(PLAN, 0);
        let covered = |needle: &str| {
            let at = PLAN.find(needle).unwrap_or_default();
            body.segment_at(at).is_some()
        };
        assert!(covered("migrate down"));
        assert!(covered("Runbook"));
        assert!(covered("kubectl"));
        assert!(!covered("example.com"));
        assert!(!covered("when?"));
        let text = "See <https://wiki.example.com/old-api> and [old-api](https://x).\n";
        let body = parse_body(text, 0);
        let found: Vec<&str> = body.windows().into_iter().map(|w| &text[w]).collect();
        assert_eq!(found, ["See ", " and ", "old-api", "."]);
    }

    #[test]
    fn a_whole_step_is_one_block() {
        let body = parse_body(PLAN, 0);
        let blocks: Vec<_> = body
            .segments
            .iter()
            .filter(|s| s.step == Some(0))
            .map(|s| s.block)
            .collect();
        assert!(blocks.len() > 1 && blocks.iter().all(|b| *b == blocks[0]));
    }

    #[test]
    fn comments_and_whitespace_are_no_content() {
        assert!(!has_content("  \n<!-- a -->\n\n<!-- b\n -->  "));
        assert!(has_content("<!-- a --> x"));
        assert!(!has_content("<!-- unclosed"));
    }

    #[test]
    fn sections_are_named_through_the_table() {
        let text = "## 1. Rollback steps\n- `undo`\n\n## Ablauf:\n1. `helm rollback`\n\n### Verifikation\n\n## Deployment steps\n- not a rollback step\n";
        let body = parse_body(text, 0);
        let kinds: Vec<_> = body.sections.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [Some(Kind::Procedure), Some(Kind::Procedure), None]);
        assert_eq!(body.steps.len(), 2);
        let headings: Vec<_> = body.headings.iter().map(|h| (h.level, h.kind)).collect();
        assert_eq!(
            headings,
            [
                (2, Some(Kind::Procedure)),
                (2, Some(Kind::Procedure)),
                (3, Some(Kind::Verification)),
                (2, None)
            ]
        );
        let mut sections = Sections::builtin().clone();
        assert!(sections.add(Kind::Procedure, "Deployment steps").is_ok());
        assert_eq!(parse_body_with(text, 0, &sections).steps.len(), 3);
    }
}
