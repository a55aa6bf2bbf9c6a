//! The body of an imported plan: the source's top-level blocks, the required sections they
//! answer, and the new body in which those sections are level-2 headings and the
//! procedure's steps are list items. Every line of the source stays; headings move to the
//! level the plan needs, and a heading that asks a section's question keeps its words
//! under the section's title.

use std::ops::Range;

use pulldown_cmark::{Event, Tag};

use crate::markdown::{self, has_content};
use crate::sections::{Kind, Language, Sections, best_of, normalize};

/// How the answer to a required section was recognised in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A heading whose title the section table knows: kept as it is, at level 2.
    Title,
    /// A heading that asks the section's question: the section's title is put above it.
    Question,
    /// A bold question or label opening a paragraph: `**Who decides?** The CAB.`
    Bold,
    /// A line opening with a section's title, in a plan without headings: `Decision: ...`.
    Label,
    /// Paragraphs about the section, in a plan without headings or labels.
    Prose,
}

/// Where one part of the source answers a required section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub kind: Kind,
    /// 1-based line in the source file.
    pub line: usize,
    pub shape: Shape,
    /// The heading, question or label as the source writes it (for prose: the paragraph's
    /// first line).
    pub words: String,
}

/// The new body, and where its required sections came from.
#[derive(Debug, Clone, Default)]
pub struct Converted {
    pub text: String,
    pub parts: Vec<Part>,
    /// Headings of other sections kept at the top level: line and title.
    pub kept: Vec<(usize, String)>,
}

/// Converts `body` (Markdown or plain text, `\n` line ends), whose first line is line
/// `first_line` of the source file. `title` is the level-1 heading to add when the body
/// has none.
pub fn convert(
    body: &str,
    first_line: usize,
    sections: &Sections,
    language: Language,
    title: &str,
) -> Converted {
    let pieces = pieces(body, sections);
    let groups = group(body, &pieces, sections);
    let mut writer = Writer {
        body,
        pieces: &pieces,
        language,
        out: String::new(),
        stack: Vec::new(),
        first_line,
        line_starts: std::iter::once(0)
            .chain(body.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
        converted: Converted::default(),
    };
    let has_h1 = pieces
        .iter()
        .any(|p| matches!(p.what, What::Heading { level: 1, .. }));
    if !has_h1 {
        writer.out.push_str(&format!("# {title}\n\n"));
    }
    for group in &groups {
        writer.group(group);
    }
    let mut converted = writer.finish();
    let found: Vec<Kind> = converted.parts.iter().map(|p| p.kind).collect();
    for kind in Kind::ALL.into_iter().filter(|k| !found.contains(k)) {
        blank_line(&mut converted.text);
        converted.text.push_str(&format!(
            "## {}\n\n<!-- {} -->\n",
            kind.title(language),
            kind.question(language)
        ));
    }
    converted
}

/// A top-level block of the source, from the start of its first line to the start of the
/// next piece (so blank lines and link definitions after it belong to it).
#[derive(Debug, Clone)]
struct Piece {
    start: usize,
    /// The end of the block's own lines; `end` is where the next piece starts.
    body_end: usize,
    end: usize,
    what: What,
    /// An item of a list of bold questions, written as a paragraph: the width of its list
    /// marker, which goes (with as much indentation from its other lines).
    delist: Option<usize>,
}

#[derive(Debug, Clone)]
enum What {
    Heading {
        level: u8,
        /// The title as text (emphasis and code marks removed).
        text: String,
        /// The title as the source writes it.
        raw: String,
    },
    /// Lines of a top-level paragraph: all of it, or from a line that opens something.
    Para(Option<Lead>),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A list, with where its top-level items start.
    List(Vec<usize>),
    /// Code, HTML (comments), quotes, rules, footnotes, link definitions.
    Other,
}

/// What the first line of a paragraph piece opens with.
#[derive(Debug, Clone)]
enum Lead {
    /// `**Who decides?**` or `**Decision:**`: the words inside, and whether words follow.
    Bold { words: String, answer: bool },
    /// `Step 3: ...`, `Schritt 3 -`.
    Step,
    /// `Decision: ...` or a line that is only a title: the words before the colon.
    Label { words: String },
}

/// The start of the line holding byte `at` (bytes, so `at` may be inside a character).
fn line_start(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    bytes[..at.min(bytes.len())]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1)
}

/// Just after the end of the line holding byte `at` (its `\n`, or the end of the text).
fn line_end(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let at = at.min(bytes.len());
    bytes[at..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |i| at + i + 1)
}

/// The top-level blocks of `body`, with paragraphs split at lines that open a question,
/// a label or a step.
fn pieces(body: &str, sections: &Sections) -> Vec<Piece> {
    let mut blocks: Vec<(Range<usize>, What)> = Vec::new();
    let mut depth = 0usize;
    let mut heading: Option<(u8, Range<usize>, String)> = None;
    let mut table: Option<(Range<usize>, Vec<Vec<String>>)> = None;
    // Each row of the table being read: its source range, and where its last cell ends. A
    // row with more cells than the header keeps the rest only in its source (Markdown drops
    // them), so such a table is kept as written, not turned into steps.
    let mut row_spans: Vec<(Range<usize>, usize)> = Vec::new();
    for (event, range) in markdown::parser(body).into_offset_iter() {
        match &event {
            Event::Start(tag) => {
                if depth == 1
                    && matches!(tag, Tag::Item)
                    && let Some((_, What::List(items))) = blocks.last_mut()
                {
                    items.push(range.start);
                }
                if depth == 0 {
                    match tag {
                        Tag::Heading { level, .. } => {
                            heading = Some((*level as u8, range.clone(), String::new()));
                        }
                        Tag::Table(_) => table = Some((range.clone(), Vec::new())),
                        Tag::Paragraph => blocks.push((range.clone(), What::Para(None))),
                        Tag::List(_) => blocks.push((range.clone(), What::List(Vec::new()))),
                        _ => blocks.push((range.clone(), What::Other)),
                    }
                }
                if let Some((_, rows)) = &mut table {
                    match tag {
                        Tag::TableHead | Tag::TableRow => {
                            rows.push(Vec::new());
                            row_spans.push((range.clone(), range.start));
                        }
                        Tag::TableCell => {
                            if let Some((_, cell_end)) = row_spans.last_mut() {
                                *cell_end = range.end;
                            }
                            let cell = body[range.clone()].trim().trim_matches('|').trim();
                            if let Some(row) = rows.last_mut() {
                                row.push(cell.to_string());
                            }
                        }
                        _ => {}
                    }
                }
                depth += 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    if let Some((level, range, text)) = heading.take() {
                        let raw = raw_title(&body[range.clone()]);
                        blocks.push((range, What::Heading { level, text, raw }));
                    }
                    if let Some((range, mut rows)) = table.take() {
                        let dropped = row_spans.drain(..).any(|(row, cell_end)| {
                            body.get(cell_end..row.end).is_some_and(|rest| {
                                rest.chars().any(|c| !c.is_whitespace() && c != '|')
                            })
                        });
                        if dropped {
                            blocks.push((range, What::Other));
                            continue;
                        }
                        let header = if rows.is_empty() {
                            Vec::new()
                        } else {
                            rows.remove(0)
                        };
                        blocks.push((range, What::Table { header, rows }));
                    }
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, _, title)) = &mut heading {
                    title.push_str(text);
                }
            }
            Event::Rule if depth == 0 => blocks.push((range.clone(), What::Other)),
            _ => {}
        }
    }
    let mut out: Vec<Piece> = Vec::new();
    for (range, what) in blocks {
        let start = line_start(body, range.start.min(body.len()));
        let body_end = if range.end > 0 && body.as_bytes().get(range.end - 1) == Some(&b'\n') {
            range.end
        } else {
            line_end(body, range.end.saturating_sub(1).min(body.len()))
        };
        if out.last().is_some_and(|last| start < last.body_end) {
            // Never happens for top-level blocks; keep the pieces disjoint regardless.
            continue;
        }
        out.push(Piece {
            start,
            body_end,
            end: body_end,
            what,
            delist: None,
        });
    }
    if out.first().is_none_or(|first| first.start > 0) {
        let end = out.first().map_or(body.len(), |p| p.start);
        out.insert(
            0,
            Piece {
                start: 0,
                body_end: end,
                end,
                what: What::Other,
                delist: None,
            },
        );
    }
    let mut split = Vec::with_capacity(out.len());
    for piece in out {
        match &piece.what {
            What::Para(_) => split_paragraph(body, &piece, sections, &mut split),
            What::List(items) => match questions(body, &piece, items, sections) {
                Some(questions) => split.extend(questions),
                None => split.push(piece),
            },
            _ => split.push(piece),
        }
    }
    for i in 0..split.len() {
        split[i].end = split.get(i + 1).map_or(body.len(), |next| next.start);
    }
    split
}

/// A paragraph as pieces, one from each line that opens with a lead.
fn split_paragraph(body: &str, paragraph: &Piece, sections: &Sections, out: &mut Vec<Piece>) {
    let mut at = paragraph.start;
    let mut current: Option<Piece> = None;
    while at < paragraph.body_end {
        let end = line_end(body, at).min(paragraph.body_end);
        let lead = lead(&body[at..end], sections);
        if current.is_none() || lead.is_some() {
            if let Some(mut done) = current.take() {
                done.body_end = at;
                out.push(done);
            }
            current = Some(Piece {
                start: at,
                body_end: paragraph.body_end,
                end: paragraph.body_end,
                what: What::Para(lead),
                delist: None,
            });
        }
        at = end;
    }
    out.extend(current);
}

/// A list whose every item opens with a bold question, asking for at least two different
/// sections (`- **Who decides?** The IC.`, `- **How do we roll back?** ...`): a
/// questionnaire, each item a piece of its own, to be written as the paragraph it is. Any
/// other list (steps, checks) stays one piece.
fn questions(body: &str, list: &Piece, items: &[usize], sections: &Sections) -> Option<Vec<Piece>> {
    if items.len() < 2 {
        return None;
    }
    let mut pieces = Vec::with_capacity(items.len());
    let mut known: Vec<Kind> = Vec::new();
    for (i, &item) in items.iter().enumerate() {
        let start = line_start(body, item);
        let body_end = items
            .get(i + 1)
            .map_or(list.body_end, |&next| line_start(body, next));
        let line = &body[start..line_end(body, start).min(body_end)];
        let width = marker_width(line)?;
        let lead = lead(line.get(width..)?, sections)?;
        let Lead::Bold { words, .. } = &lead else {
            return None;
        };
        if !asks_in_bold(&line[width..]) {
            return None;
        }
        if let Some(kind) = bold_kind(sections, words)
            && !known.contains(&kind)
        {
            known.push(kind);
        }
        pieces.push(Piece {
            start,
            body_end,
            end: body_end,
            what: What::Para(Some(lead)),
            delist: Some(width),
        });
    }
    (known.len() >= 2).then_some(pieces)
}

/// `text` without its HTML comments (spaces around them closed up), and the comments.
fn comments_apart(text: &str) -> (String, Vec<&str>) {
    let mut rest = text;
    let mut kept = String::new();
    let mut comments = Vec::new();
    while let Some(open) = rest.find("<!--") {
        let Some(close) = rest[open + 4..].find("-->") else {
            break;
        };
        let end = open + 4 + close + 3;
        kept.push_str(&rest[..open]);
        comments.push(&rest[open..end]);
        rest = &rest[end..];
    }
    kept.push_str(rest);
    let kept = kept
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (kept, comments)
}

/// Whether `text` opens with a bold question: `**Who decides?**` or `**Who decides**?`.
fn asks_in_bold(text: &str) -> bool {
    let text = text.trim_start();
    ["**", "__"].iter().any(|marker| {
        text.strip_prefix(marker)
            .and_then(|rest| rest.find(marker).map(|close| (rest, close)))
            .is_some_and(|(rest, close)| {
                rest[..close].trim_end().ends_with('?')
                    || rest[close + marker.len()..].starts_with('?')
            })
    })
}

/// The width of the list marker a line opens with (`- `, `  * `, `12. `, `3) `), with the
/// spaces after it.
fn marker_width(line: &str) -> Option<usize> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let marker = match rest.as_bytes().get(digits) {
        Some(b'-' | b'*' | b'+') if digits == 0 => 1,
        Some(b'.' | b')') if (1..=9).contains(&digits) => digits + 1,
        _ => return None,
    };
    let after = &rest[marker..];
    let spaces = after.len() - after.trim_start_matches(' ').len();
    if spaces == 0 {
        return None;
    }
    // More than four spaces: the item's text starts one space in (CommonMark).
    Some(indent + marker + if spaces > 4 { 1 } else { spaces })
}

/// `text` (a list item) without its marker, and its other lines without as much
/// indentation.
fn delisted(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i == 0 {
            out.push_str(line.get(width..).unwrap_or(line));
        } else {
            let spaces = line.len() - line.trim_start_matches(' ').len();
            out.push_str(&line[spaces.min(width)..]);
        }
    }
    out
}

/// A heading's title as its source line writes it, without the `#` marks or a setext
/// underline.
fn raw_title(heading: &str) -> String {
    let heading = heading.trim_end_matches('\n');
    let lines: Vec<&str> = heading.lines().collect();
    let first = lines.first().copied().unwrap_or("").trim();
    let hashes = first.len() - first.trim_start_matches('#').len();
    let atx = (1..=6).contains(&hashes)
        && first[hashes..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == '\t');
    if atx {
        let text = first.trim_start_matches('#').trim();
        // A closing sequence of `#` is not part of the title.
        let without = text.trim_end_matches('#');
        if without.len() < text.len() && (without.is_empty() || without.ends_with(' ')) {
            return without.trim().to_string();
        }
        return text.to_string();
    }
    // Setext: every line but the underline.
    let count = lines.len().saturating_sub(1).max(1);
    lines[..count.min(lines.len())]
        .iter()
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a paragraph line opens with, if anything; a label must be a section's title.
fn lead(line: &str, sections: &Sections) -> Option<Lead> {
    let text = line.trim();
    if is_step(text) {
        return Some(Lead::Step);
    }
    for marker in ["**", "__"] {
        if let Some(rest) = text.strip_prefix(marker) {
            let close = rest.find(marker)?;
            let words = rest[..close].trim();
            let after = &rest[close + marker.len()..];
            if words.is_empty() {
                return None;
            }
            let ends = words.ends_with(['?', ':']);
            let colon_after = after.starts_with([':', '?']);
            if !(ends || colon_after || after.trim().is_empty()) {
                return None;
            }
            let answer = after.trim_start_matches([':', '?']).trim();
            return Some(Lead::Bold {
                words: words.to_string(),
                answer: !answer.is_empty() && has_content(answer),
            });
        }
    }
    let label = match text.split_once(':') {
        Some((label, rest)) if rest.is_empty() || rest.starts_with(char::is_whitespace) => label,
        _ => text,
    };
    let short = label.chars().count() <= 60 && label.split_whitespace().count() <= 7;
    (short && sections.kind_of(label).is_some()).then(|| Lead::Label {
        words: label.trim().to_string(),
    })
}

/// Whether a line or title opens with `Step 3`, `Schritt 3` (emphasis allowed).
fn is_step(text: &str) -> bool {
    let text = text.trim_start_matches(['*', '_']).trim_start();
    let lower = text.to_lowercase();
    ["step ", "schritt "].iter().any(|word| {
        lower
            .strip_prefix(word)
            .is_some_and(|rest| rest.trim_start().starts_with(|c: char| c.is_ascii_digit()))
    })
}

/// Whether a heading inside the procedure is a step: `Step 2: ...` or `2. ...`.
fn is_step_heading(raw: &str) -> bool {
    if is_step(raw) {
        return true;
    }
    let digits = raw.trim_start_matches(|c: char| c.is_ascii_digit());
    digits.len() < raw.len() && (digits.starts_with(". ") || digits.starts_with(") "))
}

/// Whether a title asks something or is about rolling back, so its words may place it.
fn asks(text: &str) -> bool {
    if text.trim_end().ends_with('?') {
        return true;
    }
    let normal = normalize(text);
    let mut words = normal
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty());
    let first = words.clone().next().unwrap_or("");
    const ASKING: [&str; 24] = [
        "who", "what", "when", "where", "which", "how", "why", "is", "are", "has", "have", "can",
        "do", "does", "wer", "was", "wann", "wo", "welche", "welcher", "welches", "wie", "warum",
        "wurde",
    ];
    ASKING.contains(&first)
        || words.any(|w| {
            [
                "rollback",
                "backout",
                "revert",
                "undo",
                "zurueck",
                "rueckfall",
                "rueckabwickl",
            ]
            .iter()
            .any(|r| w.starts_with(r))
        })
}

/// A run of pieces: the part that answers a required section, or other content.
#[derive(Debug)]
struct Group {
    kind: Option<Kind>,
    head: Head,
    /// The level its content is nested below: a heading's level, or one below the
    /// heading a bold question or label stands under.
    level: u8,
    pieces: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Head {
    /// Other content.
    None,
    /// The first piece opens the section in this shape.
    Opens(Shape),
}

/// The section a heading names or asks about.
fn heading_kind(sections: &Sections, text: &str, raw: &str) -> Option<(Kind, Shape)> {
    if let Some(kind) = sections.kind_of(text).or_else(|| sections.kind_of(raw)) {
        return Some((kind, Shape::Title));
    }
    asks(text)
        .then(|| sections.guess(text, 2))
        .flatten()
        .map(|kind| (kind, Shape::Question))
}

fn bold_kind(sections: &Sections, words: &str) -> Option<Kind> {
    sections.kind_of(words).or_else(|| sections.guess(words, 2))
}

/// The section a paragraph of a plan without headings or labels is about: its words, and
/// commands in it count for the procedure.
fn prose_kind(sections: &Sections, paragraph: &str) -> Option<Kind> {
    let mut scores = sections.hints(paragraph);
    if paragraph.contains('`') {
        let procedure = Kind::Procedure as usize;
        scores[procedure] = scores[procedure].saturating_add(2);
    }
    best_of(scores, 2)
}

/// Groups the pieces into sections.
fn group(body: &str, pieces: &[Piece], sections: &Sections) -> Vec<Group> {
    let headings: Vec<(usize, u8)> = pieces
        .iter()
        .enumerate()
        .filter_map(|(i, p)| match p.what {
            What::Heading { level, .. } => Some((i, level)),
            _ => None,
        })
        .collect();
    // The first heading is the document's title when it is a level-1 heading above the
    // others (or alone), not one of several level-1 sections.
    let title = match headings.first() {
        Some(&(i, 1)) if headings.len() == 1 || headings.iter().any(|(_, l)| *l > 1) => Some(i),
        _ => None,
    };
    let kinds: Vec<Option<(Kind, Shape)>> = pieces
        .iter()
        .enumerate()
        .map(|(i, piece)| match &piece.what {
            What::Heading { text, raw, .. } if Some(i) != title => {
                heading_kind(sections, text, raw)
            }
            What::Para(Some(Lead::Bold { words, .. })) => {
                bold_kind(sections, words).map(|k| (k, Shape::Bold))
            }
            _ => None,
        })
        .collect();
    let structured = kinds.iter().any(Option::is_some);
    let label = |piece: &Piece| match &piece.what {
        What::Para(Some(Lead::Label { words })) if !structured => sections.kind_of(words),
        _ => None,
    };
    let labels = pieces.iter().any(|p| label(p).is_some());
    let prose = !structured && !labels;

    let mut groups = vec![Group {
        kind: None,
        head: Head::None,
        level: 0,
        pieces: Vec::new(),
    }];
    let mut last_level = 0u8;
    for (i, piece) in pieces.iter().enumerate() {
        let Some(current) = groups.last() else {
            break;
        };
        let in_heading_section =
            matches!(current.head, Head::Opens(Shape::Title | Shape::Question));
        // The section's own question under its heading (`## Criteria` then `**When do we
        // roll back?**`), or a subsection named like it, stays in it.
        let same = |kind: Kind| current.kind == Some(kind);
        let opens: Option<(Kind, Shape, u8)> = match (&piece.what, kinds[i]) {
            (What::Heading { level, .. }, Some((kind, _)))
                if same(kind) && *level > current.level =>
            {
                None
            }
            (What::Heading { level, .. }, Some((kind, shape))) => Some((kind, shape, *level)),
            (What::Para(Some(Lead::Bold { words, .. })), Some((kind, shape))) => {
                // Inside a section under its own heading, only a question starts another.
                (!same(kind) && (!in_heading_section || words.ends_with('?'))).then_some((
                    kind,
                    shape,
                    last_level + 1,
                ))
            }
            (What::Para(_), None) if labels => label(piece)
                .filter(|kind| !same(*kind))
                .map(|k| (k, Shape::Label, last_level + 1)),
            (What::Para(_), None) if prose => {
                prose_kind(sections, &body[piece.start..piece.body_end])
                    .filter(|kind| !same(*kind))
                    .map(|k| (k, Shape::Prose, last_level + 1))
            }
            _ => None,
        };
        if let What::Heading { level, .. } = piece.what {
            last_level = level;
        }
        let next = match (opens, &piece.what) {
            (Some((kind, shape, level)), _) => Some(Group {
                kind: Some(kind),
                head: Head::Opens(shape),
                level,
                pieces: Vec::new(),
            }),
            // A heading at or above a section's level ends it.
            (None, What::Heading { level, .. })
                if current.kind.is_some() && *level <= current.level =>
            {
                Some(Group {
                    kind: None,
                    head: Head::None,
                    level: 0,
                    pieces: Vec::new(),
                })
            }
            _ => None,
        };
        if let Some(next) = next {
            groups.push(next);
        }
        if let Some(current) = groups.last_mut() {
            current.pieces.push(i);
        }
    }
    groups
}

/// Builds the new body group by group.
struct Writer<'a> {
    body: &'a str,
    pieces: &'a [Piece],
    language: Language,
    out: String,
    /// Headings of other sections: source level and the level written.
    stack: Vec<(u8, u8)>,
    first_line: usize,
    /// Where each line of the body starts.
    line_starts: Vec<usize>,
    converted: Converted,
}

/// Ends `text` with an empty line, unless it is empty.
fn blank_line(text: &mut String) {
    if text.is_empty() || text.ends_with("\n\n") {
        return;
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push('\n');
}

/// A step's paragraph whose first line ends with `:` and whose other lines are all indented
/// as code (four spaces or a tab), as a plain-text runbook writes a step's command under
/// it: a blank line after the first line, so Markdown reads them as the step's code block,
/// not as more of its sentence.
fn command_below(text: &str) -> std::borrow::Cow<'_, str> {
    let Some((first, rest)) = text.split_once('\n') else {
        return text.into();
    };
    let mut lines = rest
        .lines()
        .filter(|line| !line.trim().is_empty())
        .peekable();
    let code = first.trim_end().ends_with(':')
        && lines.peek().is_some()
        && lines.all(|line| line.starts_with("    ") || line.starts_with('\t'));
    if code {
        format!("{first}\n\n{rest}").into()
    } else {
        text.into()
    }
}

/// `text` with each non-empty line indented to sit inside a list item.
fn indent(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        if !line.trim().is_empty() {
            out.push_str("  ");
        }
        out.push_str(line);
    }
    out
}

/// `text` as a list item: a bullet before its first line, the others indented.
fn item(text: &str) -> String {
    let indented = indent(text);
    format!("- {}", indented.strip_prefix("  ").unwrap_or(&indented))
}

impl<'a> Writer<'a> {
    fn line_of(&self, offset: usize) -> usize {
        self.first_line + self.line_starts.partition_point(|start| *start <= offset) - 1
    }

    fn slice(&self, piece: &Piece) -> std::borrow::Cow<'a, str> {
        self.lines(piece, piece.end)
    }

    /// The piece's text up to `end`: as written, or without its list marker.
    fn lines(&self, piece: &Piece, end: usize) -> std::borrow::Cow<'a, str> {
        let text = &self.body[piece.start..end];
        match piece.delist {
            Some(width) => {
                let mut own = delisted(text, width);
                // Items of a tight list would run into one paragraph.
                if end == piece.end && !own.ends_with("\n\n") {
                    own.push('\n');
                }
                std::borrow::Cow::Owned(own)
            }
            None => std::borrow::Cow::Borrowed(text),
        }
    }

    /// The text after a piece's own lines: blank lines, link definitions.
    fn tail(&self, piece: &Piece) -> &'a str {
        &self.body[piece.body_end..piece.end]
    }

    fn group(&mut self, group: &Group) {
        let Head::Opens(shape) = group.head else {
            for &i in &group.pieces {
                self.other(&self.pieces[i]);
            }
            return;
        };
        let Some(kind) = group.kind else {
            return;
        };
        // A section ends every other section that was open.
        self.stack.retain(|(_, written)| *written < 2);
        let Some((&first, rest)) = group.pieces.split_first() else {
            return;
        };
        let head = &self.pieces[first];
        let answered = self.answered(head, rest);
        let title = kind.title(self.language);
        blank_line(&mut self.out);
        let words = match &head.what {
            What::Heading { raw, .. } => raw.clone(),
            What::Para(Some(Lead::Bold { words, .. })) => format!("**{words}**"),
            What::Para(Some(Lead::Label { words })) => words.clone(),
            _ => self.body[head.start..head.body_end]
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string(),
        };
        let all = &group.pieces[..];
        let (content, inner_base) = match shape {
            Shape::Title => {
                self.out.push_str(&format!("## {words}\n"));
                self.out.push_str(self.tail(head));
                (rest, 2)
            }
            Shape::Question => {
                self.out.push_str(&format!("## {title}\n\n"));
                self.question(&words, answered, "###");
                self.out.push_str(self.tail(head));
                (rest, 3)
            }
            Shape::Bold | Shape::Label => {
                self.out.push_str(&format!("## {title}\n\n"));
                if answered {
                    self.out.push_str(&self.slice(head));
                } else {
                    let lines = self.lines(head, head.body_end);
                    self.question(lines.trim(), false, "");
                    self.out.push_str(self.tail(head));
                }
                (rest, 3)
            }
            // The paragraph that opens a prose section is part of its answer.
            Shape::Prose => {
                self.out.push_str(&format!("## {title}\n\n"));
                (all, 3)
            }
        };
        self.converted.parts.push(Part {
            kind,
            line: self.line_of(head.start),
            shape,
            words,
        });
        let head_list = head.delist.is_some()
            && self
                .lines(head, head.body_end)
                .lines()
                .skip(1)
                .any(|line| marker_width(line).is_some());
        let mut steps = Steps::new(self.pieces, content, kind == Kind::Procedure, head_list);
        for &i in content {
            let piece = &self.pieces[i];
            let relevel = |level: u8| {
                let deeper = level.saturating_sub(group.level.max(1));
                (inner_base + deeper).clamp(3, 6)
            };
            let text = self.rendered(piece, &relevel);
            steps.write(&mut self.out, piece, &text, self.body);
        }
    }

    /// A heading's or a lead's words: as a heading when the section is answered, else as
    /// a comment (so the section stays unanswered for `check`).
    fn question(&mut self, words: &str, answered: bool, hashes: &str) {
        // A prompt left in a comment beside the question (`**Who is told?** <!-- tbd -->`):
        // the question goes into a comment of its own, the prompt stays as it was.
        let (question, comments) = comments_apart(words);
        if !answered && !comments.is_empty() && !question.contains("-->") {
            if question.is_empty() {
                self.out.push_str(&format!("{}\n", comments.join("\n")));
            } else {
                self.out
                    .push_str(&format!("<!-- {question} -->\n{}\n", comments.join("\n")));
            }
            return;
        }
        if answered || words.contains("-->") {
            if hashes.is_empty() {
                self.out.push_str(words);
                self.out.push('\n');
            } else {
                self.out.push_str(&format!("{hashes} {words}\n"));
            }
        } else {
            self.out.push_str(&format!("<!-- {words} -->\n"));
        }
    }

    /// Whether a section holds an answer: more than whitespace and comments after its
    /// heading, question or label.
    fn answered(&self, head: &Piece, rest: &[usize]) -> bool {
        let own = match &head.what {
            What::Heading { .. } => false,
            What::Para(Some(Lead::Bold { answer, .. })) => {
                *answer || {
                    let lines = &self.body[head.start..head.body_end];
                    let after_first = lines.find('\n').map_or("", |i| &lines[i + 1..]);
                    has_content(after_first)
                }
            }
            What::Para(Some(Lead::Label { words })) => {
                let lines = self.body[head.start..head.body_end].trim_start();
                let after = lines
                    .get(words.len()..)
                    .unwrap_or("")
                    .trim_start_matches(':');
                has_content(after)
            }
            // Prose: the paragraph is the answer.
            _ => true,
        };
        own || rest
            .iter()
            .any(|&i| has_content(&self.body[self.pieces[i].start..self.pieces[i].body_end]))
    }

    /// A piece as it is written inside a section: headings moved to `relevel(level)`.
    fn rendered(&self, piece: &Piece, relevel: &dyn Fn(u8) -> u8) -> String {
        match &piece.what {
            What::Heading { level, raw, .. } => format!(
                "{} {raw}\n{}",
                "#".repeat(usize::from(relevel(*level))),
                self.tail(piece)
            ),
            _ => self.slice(piece).to_string(),
        }
    }

    /// A piece outside the required sections; headings keep their place in the outline.
    fn other(&mut self, piece: &Piece) {
        let What::Heading { level, raw, .. } = &piece.what else {
            self.out.push_str(&self.slice(piece));
            return;
        };
        while self
            .stack
            .last()
            .is_some_and(|(source, _)| *source >= *level)
        {
            self.stack.pop();
        }
        let written = if *level == 1 {
            1
        } else {
            self.stack
                .last()
                .map_or(2, |(_, parent)| (parent + 1).clamp(2, 6))
        };
        self.stack.push((*level, written));
        if written == 2 && !raw.is_empty() {
            let line = self.line_of(piece.start);
            self.converted.kept.push((line, raw.clone()));
        }
        blank_line(&mut self.out);
        self.out.push_str(&format!(
            "{} {raw}\n{}",
            "#".repeat(usize::from(written)),
            self.tail(piece)
        ));
    }

    fn finish(mut self) -> Converted {
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.converted.text = self.out;
        self.converted
    }
}

/// Turns the procedure's steps into list items as they are written: `Step N` lines and
/// headings, tables whose rows are steps, and (when nothing else marks steps) paragraphs.
struct Steps {
    procedure: bool,
    /// Paragraphs are steps: the procedure has no list, step line, step heading or step
    /// table.
    paragraphs: bool,
    /// Inside a step: the level of the step heading that opened it (0 for a step line or
    /// paragraph: any heading ends it).
    open: Option<u8>,
}

impl Steps {
    /// `head_list`: the piece that opened the section holds a list of its own (a question
    /// of a questionnaire with its steps below it).
    fn new(pieces: &[Piece], rest: &[usize], procedure: bool, head_list: bool) -> Steps {
        let marked = head_list
            || rest.iter().any(|&i| match &pieces[i].what {
                What::List(_) => true,
                What::Para(Some(Lead::Step)) => true,
                What::Heading { raw, .. } => is_step_heading(raw),
                What::Table { header, rows } => is_step_table(header, rows),
                _ => false,
            });
        Steps {
            procedure,
            paragraphs: procedure && !marked,
            open: None,
        }
    }

    fn write(&mut self, out: &mut String, piece: &Piece, text: &str, body: &str) {
        if !self.procedure {
            out.push_str(text);
            return;
        }
        match &piece.what {
            What::Heading { level, raw, .. } => {
                if self.open.is_some_and(|open| open == 0 || *level <= open) {
                    self.open = None;
                }
                if is_step_heading(raw) {
                    blank_line(out);
                    let tail = &body[piece.body_end..piece.end];
                    out.push_str(&item(&format!("{raw}\n{tail}")));
                    self.open = Some(*level);
                } else if self.open.is_some() {
                    out.push_str(&indent(text));
                } else {
                    blank_line(out);
                    out.push_str(text);
                }
            }
            What::Para(lead) if matches!(lead, Some(Lead::Step)) || self.paragraphs => {
                let text = &command_below(text);
                match self.open {
                    // A step line under a step heading: one of its items.
                    Some(level) if level > 0 => out.push_str(&indent(&item(text))),
                    _ => {
                        self.open = Some(0);
                        out.push_str(&item(text));
                    }
                }
            }
            What::Table { header, rows } if is_step_table(header, rows) => {
                self.open = None;
                blank_line(out);
                out.push_str(&table_steps(header, rows));
                out.push_str(&body[piece.body_end..piece.end]);
            }
            _ if self.open.is_some() => out.push_str(&indent(text)),
            _ => out.push_str(text),
        }
    }
}

/// Header words of a table whose rows are steps.
const STEP_COLUMNS: [&str; 24] = [
    "#",
    "no",
    "nr",
    "step",
    "steps",
    "schritt",
    "schritte",
    "action",
    "actions",
    "aktion",
    "task",
    "aufgabe",
    "command",
    "commands",
    "befehl",
    "what",
    "was",
    "description",
    "beschreibung",
    "massnahme",
    "activity",
    "aktivitaet",
    "how",
    "wie",
];

fn column(header: &str) -> String {
    normalize(header).trim_end_matches('.').to_string()
}

fn is_step_table(header: &[String], rows: &[Vec<String>]) -> bool {
    !rows.is_empty()
        && header
            .iter()
            .any(|h| STEP_COLUMNS.contains(&column(h).as_str()))
}

/// The column that numbers the steps, if one does: a `#`/`No.`/`Step` column (or the first
/// column) whose cells are all numbers.
fn number_column(header: &[String], rows: &[Vec<String>]) -> Option<usize> {
    let numeric = |c: usize| {
        rows.iter().all(|row| {
            row.get(c).is_some_and(|cell| {
                let cell = cell.trim_end_matches(['.', ')']);
                !cell.is_empty() && cell.len() <= 4 && cell.bytes().all(|b| b.is_ascii_digit())
            })
        })
    };
    let named = header.iter().position(|h| {
        matches!(
            column(h).as_str(),
            "#" | "no" | "nr" | "step" | "schritt" | "number" | "nummer"
        )
    });
    named
        .filter(|&c| numeric(c))
        .or_else(|| numeric(0).then_some(0))
}

/// A table's rows as list items: the number column becomes the item's number, every other
/// cell is kept, labelled with its column's header.
fn table_steps(header: &[String], rows: &[Vec<String>]) -> String {
    let number = number_column(header, rows);
    let mut out = String::new();
    for (index, row) in rows.iter().enumerate() {
        let marker = match number.and_then(|c| row.get(c)) {
            Some(n) => format!("{}. ", n.trim_end_matches(['.', ')'])),
            None if number.is_some() => format!("{}. ", index + 1),
            None => "- ".to_string(),
        };
        let mut parts: Vec<String> = Vec::new();
        for (c, cell) in row.iter().enumerate() {
            if Some(c) == number || cell.is_empty() {
                continue;
            }
            let name = header.get(c).map(|h| h.trim()).unwrap_or("");
            if name.is_empty() {
                parts.push(cell.clone());
            } else {
                parts.push(format!("{name}: {cell}"));
            }
        }
        if parts.is_empty() {
            continue;
        }
        out.push_str(&format!("{marker}{}\n", parts.join(" — ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert_en(body: &str) -> Converted {
        convert(
            body,
            1,
            Sections::builtin(),
            Language::En,
            "Backout plan: t v1",
        )
    }

    fn parts(converted: &Converted) -> Vec<(Kind, usize, Shape)> {
        converted
            .parts
            .iter()
            .map(|p| (p.kind, p.line, p.shape))
            .collect()
    }

    #[test]
    fn headings_named_or_asked() {
        let body = "# Runbook\n\n## Rollback criteria\nErrors above 2%.\n\n### Who has the authority to pull the plug?\nThe IC.\n\n## Overview\nText.\n";
        let converted = convert_en(body);
        assert_eq!(
            parts(&converted),
            [
                (Kind::Criteria, 3, Shape::Title),
                (Kind::Decision, 6, Shape::Question)
            ]
        );
        let text = &converted.text;
        assert!(text.starts_with("# Runbook\n\n## Rollback criteria\nErrors above 2%.\n\n## Decision\n\n### Who has the authority to pull the plug?\nThe IC.\n\n## Overview\n"), "{text}");
        assert_eq!(converted.kept, [(9, "Overview".to_string())]);
        assert!(text.contains("## Procedure\n\n<!-- Which steps"));
    }

    #[test]
    fn a_list_of_bold_questions_is_read_as_paragraphs() {
        let body = "- **When do we roll back?** Errors above 2%.\n- **Who decides?**\n  <!-- name the role -->\n- **How do we roll back?**\n  1. `helm rollback api 4`\n  2. `kubectl rollout status deploy/api`\n- **Is there a data migration?** No.\n";
        let converted = convert_en(body);
        assert_eq!(
            parts(&converted),
            [
                (Kind::Criteria, 1, Shape::Bold),
                (Kind::Decision, 2, Shape::Bold),
                (Kind::Procedure, 4, Shape::Bold)
            ]
        );
        let text = &converted.text;
        assert!(
            text.contains("## Criteria\n\n**When do we roll back?** Errors above 2%.\n"),
            "{text}"
        );
        assert!(
            text.contains("## Decision\n\n<!-- **Who decides?** -->\n<!-- name the role -->\n"),
            "{text}"
        );
        assert!(
            text.contains("## Procedure\n\n**How do we roll back?**\n1. `helm rollback api 4`\n2. `kubectl rollout status deploy/api`\n\n**Is there a data migration?** No.\n"),
            "{text}"
        );
        // The steps are the two under the question; the last answer is no step.
        let body = crate::markdown::parse_body(text, 0);
        assert_eq!(body.steps.len(), 2, "{text}");
    }

    #[test]
    fn other_lists_stay_whole() {
        // Steps with bold labels are steps, not sections; a list with one item that is no
        // question is not a questionnaire.
        for body in [
            "## Rollback steps\n1. **Drain:** `lb drain api`\n2. **Verify:** `curl -f https://api/health`\n",
            "- **Who decides?** The IC.\n- Page the DBA: `pd page dba`\n",
            "1. **Is the canary healthy?** `canaryctl status`\n2. **Is the queue empty?** `mq depth`\n",
        ] {
            let converted = convert_en(body);
            let kinds: Vec<Kind> = converted.parts.iter().map(|p| p.kind).collect();
            assert!(
                !kinds.contains(&Kind::Verification) && !kinds.contains(&Kind::Decision),
                "{body:?}: {kinds:?}\n{}",
                converted.text
            );
            for line in body.lines().filter(|l| !l.starts_with('#')) {
                assert!(
                    converted.text.contains(line),
                    "{line:?} lost:\n{}",
                    converted.text
                );
            }
        }
    }

    #[test]
    fn a_prompt_beside_an_unanswered_question_stays_a_comment() {
        let converted = convert_en(
            "**When do we roll back?** Errors.\n\n**Who is told?** <!-- the channel -->\n",
        );
        assert!(
            converted
                .text
                .contains("## Communication\n\n<!-- **Who is told?** -->\n<!-- the channel -->\n"),
            "{}",
            converted.text
        );
    }

    #[test]
    fn bold_questions_split_a_paragraph() {
        let body = "**When do we roll back?** Errors above 2%.\n**Who decides?**\n**How do we roll back?**\n1. `helm rollback api 4`\n";
        let converted = convert_en(body);
        assert_eq!(
            parts(&converted),
            [
                (Kind::Criteria, 1, Shape::Bold),
                (Kind::Decision, 2, Shape::Bold),
                (Kind::Procedure, 3, Shape::Bold)
            ]
        );
        let text = &converted.text;
        assert!(
            text.contains("## Decision\n\n<!-- **Who decides?** -->\n"),
            "{text}"
        );
        assert!(
            text.contains("## Procedure\n\n**How do we roll back?**\n1. `helm rollback api 4`\n"),
            "{text}"
        );
    }

    #[test]
    fn step_lines_tables_and_paragraphs_become_steps() {
        let body = "## Procedure\nStep 1: Stop the workers with `systemctl stop w`.\nStep 2: Restore.\n\n```sh\nrestore.sh\n```\n\n## Rollback steps\n| # | Action | Command |\n|---|---|---|\n| 1 | Scale down | `kubectl scale --replicas=0` |\n| 2 | Purge | `./purge.sh` |\n\n## Backout procedure\nFirst, drain traffic.\n\nThen run `undo.sh`.\n";
        let text = convert_en(body).text;
        assert!(text.contains("## Procedure\n- Step 1: Stop the workers with `systemctl stop w`.\n- Step 2: Restore.\n\n  ```sh\n  restore.sh\n  ```\n"), "{text}");
        assert!(text.contains("1. Action: Scale down — Command: `kubectl scale --replicas=0`\n2. Action: Purge — Command: `./purge.sh`\n"), "{text}");
        assert!(
            text.contains(
                "## Backout procedure\n- First, drain traffic.\n\n- Then run `undo.sh`.\n"
            ),
            "{text}"
        );
        let body = crate::markdown::parse_body(&text, 0);
        assert_eq!(body.steps.len(), 6, "{text}");
    }

    #[test]
    fn step_headings_hold_their_content() {
        let body = "## Procedure\n### Step 1: Stop traffic\nRun `lb drain`.\n#### Notes\nTakes a minute.\n### Step 2: Restore\nRun `restore`.\n";
        let text = convert_en(body).text;
        assert!(text.contains("## Procedure\n\n- Step 1: Stop traffic\n  Run `lb drain`.\n  #### Notes\n  Takes a minute.\n\n- Step 2: Restore\n  Run `restore`.\n"), "{text}");
        assert_eq!(crate::markdown::parse_body(&text, 0).steps.len(), 2);
    }

    #[test]
    fn labels_and_prose_in_plain_text() {
        let body = "ROLLBACK CRITERIA\nErrors above 2%.\n\nDecision: the on-call IC.\n";
        let converted = convert_en(body);
        assert_eq!(
            parts(&converted),
            [
                (Kind::Criteria, 1, Shape::Label),
                (Kind::Decision, 4, Shape::Label)
            ]
        );
        let prose = "We roll back when the error rate exceeds 2% for ten minutes, or the conditions in the dashboard trigger.\n\nThe incident commander decides and approves the rollback.\n";
        let converted = convert_en(prose);
        assert_eq!(
            parts(&converted),
            [
                (Kind::Criteria, 1, Shape::Prose),
                (Kind::Decision, 3, Shape::Prose)
            ]
        );
    }

    #[test]
    fn headings_in_comments_and_code_are_not_sections() {
        let body = "<!--\n## Decision\nold text\n-->\n\n```md\n## Procedure\n```\n";
        assert!(convert_en(body).parts.is_empty());
    }

    #[test]
    fn raw_titles() {
        assert_eq!(raw_title("## Who decides? ##\n"), "Who decides?");
        assert_eq!(raw_title("### C# notes\n"), "C# notes");
        assert_eq!(
            raw_title("Rollback steps\n--------------\n"),
            "Rollback steps"
        );
    }
}
