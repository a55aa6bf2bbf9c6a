//! Untrusted text made safe to show. Plans, manifests and directory names come from pull
//! requests: a value quoted in a message must not drive the terminal (OSC 52 clipboard
//! writes, window titles, clearing the screen), forge a diagnostic with a line break, hide
//! what it says behind bidirectional controls, or mention people, link issues and embed
//! images in the comment a CI bot posts.
//!
//! - [`inline`] escapes every *hazard* (C0 including tab and newline, DEL, C1, U+2028/2029,
//!   bidirectional controls) as a visible `\n` or `\u{1B}`: for one-line messages, paths and
//!   table cells on a terminal or in an annotation.
//! - [`line`] does the same but keeps tabs: for lines of plan text (diff hunks).
//! - [`json`] turns the hazards serde_json leaves raw into `\uXXXX` escapes: the document
//!   parses to the same values, and printing it on a terminal is harmless.
//! - [`code`], [`markdown_text`] and [`markdown_message`] write Markdown for a pull-request
//!   comment in which nothing from the plan can format, link, embed or notify.

use std::borrow::Cow;
use std::fmt::Write;

/// Bidirectional embedding, override and isolate controls (U+202A–202E, U+2066–2069): the
/// characters of "Trojan Source", which reorder what a reader sees.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` must never reach output raw: C0 controls (tab and newline too), DEL, C1
/// controls, the line and paragraph separators, and bidirectional controls and marks.
pub fn is_hazard(c: char) -> bool {
    c.is_control()
        || is_bidi_control(c)
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
}

/// How a hazard is shown: `\n`, `\r`, `\t`, else `\u{XXXX}`.
pub fn escape_char(c: char) -> String {
    match c {
        '\n' => "\\n".into(),
        '\r' => "\\r".into(),
        '\t' => "\\t".into(),
        c => format!("\\u{{{:X}}}", c as u32),
    }
}

/// `text` with every hazard escaped, on one line.
pub fn inline(text: &str) -> Cow<'_, str> {
    escape_where(text, is_hazard)
}

/// `text` with every hazard but the tab escaped: a line of a plan, as written.
pub fn line(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| c != '\t' && is_hazard(c))
}

fn escape_where(text: &str, hazard: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&hazard) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if hazard(c) {
            out.push_str(&escape_char(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A serialised JSON document with the hazards serde_json leaves raw (DEL, C1, U+2028/2029,
/// bidirectional controls) written as `\uXXXX`. They can only stand inside strings, where
/// the escape means the same character, so the document still parses to the same values.
pub fn json(text: String) -> String {
    if !text.chars().any(is_hazard_in_json) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_hazard_in_json(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Hazards that a JSON serializer writes raw: all but the C0 controls (and the newlines
/// and spaces of pretty printing, which are not in strings).
fn is_hazard_in_json(c: char) -> bool {
    is_hazard(c) && !matches!(c, '\u{0}'..='\u{1F}')
}

/// The longest run of `c` in `text`.
pub fn longest_run(text: &str, c: char) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for ch in text.chars() {
        if ch == c {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// A Markdown code span showing `text` literally: delimited by more backticks than any
/// run inside it, padded where it starts or ends with one, hazards escaped. Inside code,
/// GitHub neither mentions, links nor formats.
pub fn code(text: &str) -> String {
    let text = inline(text);
    let ticks = "`".repeat(longest_run(&text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || text.is_empty() {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// Plain text as inert inline Markdown: a word that GitHub would turn into a mention, an
/// issue or commit link, or an autolink (`@`, `#`, `://`, `www.`) becomes a code span;
/// every other character that opens Markdown (emphasis, links and images, HTML, entities,
/// tables, strikethrough, math) is backslash-escaped (parentheses and `!` mean nothing
/// without a `[`); hazards are escaped.
pub fn markdown_text(text: &str) -> String {
    let text = inline(text);
    let mut out = String::with_capacity(text.len() + 8);
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.contains(['@', '#']) || word.contains("://") || word.contains("www.") {
            out.push_str(&code(word));
            continue;
        }
        for c in word.chars() {
            if matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '$'
            ) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// A message whose code spans (as CommonMark reads them: a run of backticks up to the next
/// run of the same length) stay code, rebuilt with [`code`] so nothing inside can close
/// them; a value the message quotes in `"double quotes"` becomes one code span too; the
/// rest is [`markdown_text`].
pub fn markdown_message(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let run = rest[open..].len() - rest[open..].trim_start_matches('`').len();
        let after = &rest[open + run..];
        match find_run(after, run) {
            Some(close) => {
                out.push_str(&quoted_as_code(&rest[..open]));
                let inner = &after[..close];
                // CommonMark strips one space on each side when both are there.
                let inner = match inner.strip_prefix(' ').and_then(|i| i.strip_suffix(' ')) {
                    Some(stripped) if !stripped.trim().is_empty() => stripped,
                    _ => inner,
                };
                out.push_str(&code(inner));
                rest = &after[close + run..];
            }
            None => {
                // An unmatched run is literal text: escape it with what precedes it.
                out.push_str(&quoted_as_code(&rest[..open + run]));
                rest = after;
            }
        }
    }
    out.push_str(&quoted_as_code(rest));
    out
}

/// Text in which each `"quoted value"` becomes a code span (quotes included) and the rest
/// is [`markdown_text`].
fn quoted_as_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(open) = rest.find('"') {
        let Some(close) = rest[open + 1..].find('"').map(|i| open + 1 + i) else {
            break;
        };
        out.push_str(&markdown_text(&rest[..open]));
        out.push_str(&code(&rest[open..=close]));
        rest = &rest[close + 1..];
    }
    out.push_str(&markdown_text(rest));
    out
}

/// Where a run of exactly `len` backticks starts in `text`.
fn find_run(text: &str, len: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let start = i;
            while i < bytes.len() && bytes[i] == b'`' {
                i += 1;
            }
            if i - start == len {
                return Some(start);
            }
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls_visibly() {
        assert_eq!(
            inline("v1.6\nerror[fake-rule]: x"),
            "v1.6\\nerror[fake-rule]: x"
        );
        assert_eq!(
            inline("\u{1b}]52;c;ZWNobw==\u{7}"),
            "\\u{1B}]52;c;ZWNobw==\\u{7}"
        );
        assert_eq!(inline("a\u{9b}2Jb\u{7f}"), "a\\u{9B}2Jb\\u{7F}");
        assert_eq!(inline("x\u{2028}y\u{202E}z"), "x\\u{2028}y\\u{202E}z");
        assert_eq!(line("a\tb\u{2066}"), "a\tb\\u{2066}");
        assert!(matches!(inline("Zahlungsdienst ü 日本"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_escapes_keep_the_values() {
        let value = serde_json::json!({"m": "a\u{202E}b\u{85}c\u{2029}\u{1b}"});
        let text = json(serde_json::to_string(&value).unwrap_or_default());
        assert!(!text.chars().any(is_hazard), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, value);
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
        assert_eq!(code("@octocat"), "`@octocat`");
    }

    #[test]
    fn markdown_text_cannot_mention_link_or_embed() {
        assert_eq!(
            markdown_text("ping @octocat about #123"),
            "ping `@octocat` about `#123`"
        );
        assert_eq!(
            markdown_text("![t](https://evil.example/p.png)"),
            "`![t](https://evil.example/p.png)`"
        );
        assert_eq!(markdown_text("[click](x) <b>"), "\\[click\\](x) \\<b\\>");
    }

    #[test]
    fn messages_keep_their_code_and_escape_the_rest() {
        assert_eq!(
            markdown_message("`status` cannot be \"@octocat ![t](x) <b>\" here"),
            "`status` cannot be `\"@octocat ![t](x) <b>\"` here"
        );
        assert_eq!(
            markdown_message("unknown key `a``b` here"),
            "unknown key ```a``b``` here"
        );
        assert_eq!(markdown_message("a ` lone"), "a \\` lone");
    }
}
