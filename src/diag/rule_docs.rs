//! Each rule's entry of docs/rules.md, built into the binary: SARIF's `help` (shown beside
//! every code-scanning alert) and the step summary link to the same words users read online.
//!
//! The docs are ours, not plan text, so the Markdown is passed on as written, with relative
//! links made absolute (an alert is shown far from docs/).

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use super::Rule;

/// docs/rules.md as it was when backout was built.
const RULES_MD: &str = include_str!("../../docs/rules.md");

/// Where docs/ is published.
pub const DOCS_URL: &str = crate::docs_url!("");

/// A rule's documentation: its docs/rules.md section without the heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDocs {
    /// The section as Markdown, links absolute.
    pub markdown: String,
    /// The same as plain text.
    pub text: String,
}

impl Rule {
    /// The rule's section of docs/rules.md; the summary line when the section is missing
    /// (a test keeps every rule documented).
    pub fn docs(self) -> RuleDocs {
        let markdown = match section(RULES_MD, self.code()) {
            Some(section) => absolute_links(section.trim()),
            None => self.summary().to_string(),
        };
        let text = plain_text(&markdown);
        RuleDocs { markdown, text }
    }

    /// A name for the rule in UpperCamelCase, as SARIF tools show rule names:
    /// `foreign-item` is `ForeignItem`.
    pub fn name(self) -> String {
        self.code()
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// The text below "## `code`" up to the next level-2 heading.
fn section<'a>(docs: &'a str, code: &str) -> Option<&'a str> {
    let heading = format!("\n## `{code}`\n");
    let start = docs.find(&heading)? + heading.len();
    let rest = &docs[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Markdown links whose target is relative (`format.md`, `#untested`) pointed at the
/// published docs.
fn absolute_links(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(at) = rest.find("](") {
        let (before, after) = rest.split_at(at + 2);
        out.push_str(before);
        let target_end = after.find(')').unwrap_or(after.len());
        let target = &after[..target_end];
        if target.contains("://") || target.starts_with("mailto:") {
            out.push_str(target);
        } else if let Some(anchor) = target.strip_prefix('#') {
            out.push_str(&format!("{DOCS_URL}rules.md#{anchor}"));
        } else {
            out.push_str(DOCS_URL);
            out.push_str(target);
        }
        rest = &after[target_end..];
    }
    out.push_str(rest);
    out
}

/// Markdown as plain text: paragraphs separated by blank lines, code blocks indented,
/// links followed by their target.
fn plain_text(markdown: &str) -> String {
    let mut out = String::new();
    let mut link: Option<String> = None;
    let mut in_code_block = false;
    for event in Parser::new(markdown) {
        match event {
            Event::Text(text) if in_code_block => {
                for line in text.lines() {
                    out.push_str("    ");
                    out.push_str(line);
                    out.push('\n');
                }
            }
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Start(Tag::Link { dest_url, .. }) => link = Some(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                if let Some(url) = link.take() {
                    out.push_str(&format!(" ({url})"));
                }
            }
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                out.push('\n');
            }
            Event::Start(Tag::Item) => out.push_str("- "),
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::Heading(_)) => {
                out.push_str(if out.ends_with('\n') { "\n" } else { "\n\n" });
            }
            _ => {}
        }
    }
    let mut text = out.trim().to_string();
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_its_own_docs() {
        for rule in Rule::ALL {
            let docs = rule.docs();
            assert!(
                docs.markdown.contains("**Why.**") || docs.markdown.contains("**Triggers**"),
                "{rule}: {}",
                docs.markdown
            );
            assert!(
                !docs.markdown.contains("\n## "),
                "{rule} runs into the next rule"
            );
            assert!(!docs.text.contains("**"), "{rule}: {}", docs.text);
            assert!(!docs.text.is_empty());
        }
    }

    #[test]
    fn links_become_absolute() {
        assert_eq!(
            absolute_links("see [format](format.md), [x](#untested) and [y](https://e.example/a)"),
            format!(
                "see [format]({DOCS_URL}format.md), [x]({DOCS_URL}rules.md#untested) and [y](https://e.example/a)"
            )
        );
    }

    #[test]
    fn plain_text_keeps_words_code_and_link_targets() {
        let text = plain_text(
            "**Why.** Use `refers` in [format.md](https://x.example/f).\n\n```\ncode line\n```\n",
        );
        assert_eq!(
            text,
            "Why. Use refers in format.md (https://x.example/f).\n\n    code line"
        );
    }

    #[test]
    fn names_are_upper_camel_case() {
        assert_eq!(Rule::ForeignItem.name(), "ForeignItem");
        assert_eq!(Rule::InvalidPlan.name(), "InvalidPlan");
    }
}
