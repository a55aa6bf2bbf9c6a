//! Jira's wiki markup (the backout field of a change ticket, a Confluence page's source),
//! rewritten as the Markdown it means, line for line, so that source lines keep their
//! numbers: `h3. Title` is `### Title`, `# item` a numbered item, `{code}` a fence,
//! `{{text}}` inline code, `[text|url]` a link. Read as Markdown, its steps would be
//! level-1 headings and its commands plain text.

/// Whether `body` is written in Jira's wiki markup: a line outside code blocks opens with
/// a `h1.` to `h6.` heading, and no line opens a Markdown fence.
pub fn is_jira(body: &str) -> bool {
    let mut code = false;
    let mut heading = false;
    for line in body.lines() {
        if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
            return false;
        }
        if code_delimiter(line).is_some() {
            code = !code;
            continue;
        }
        heading |= !code && heading_level(line).is_some();
    }
    heading
}

/// `body` as Markdown, with the same number of lines.
pub fn to_markdown(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + body.len() / 8);
    // The code block being copied (its closing word), and the indentation of the list item
    // that code and nested items belong to.
    let mut code: Option<&str> = None;
    let mut item_indent: Option<usize> = None;
    for line in body.split_inclusive('\n') {
        let (text, end) = match line.strip_suffix('\n') {
            Some(text) => (text, "\n"),
            None => (line, ""),
        };
        let indent = " ".repeat(item_indent.unwrap_or(0));
        if let Some(word) = code {
            if code_delimiter(text) == Some((word, None)) {
                out.push_str(&format!("{indent}```{end}"));
                code = None;
            } else if text.is_empty() {
                out.push_str(end);
            } else {
                out.push_str(&format!("{indent}{text}{end}"));
            }
            continue;
        }
        if let Some((word, language)) = code_delimiter(text) {
            out.push_str(&format!("{indent}```{}{end}", language.unwrap_or("")));
            code = Some(word);
            continue;
        }
        if let Some(level) = heading_level(text) {
            let title = text[3..].trim_start();
            out.push_str(&format!("{} {}{end}", "#".repeat(level), inline(title)));
            item_indent = None;
        } else if let Some((markers, rest)) = list_item(text) {
            let depth = markers.len();
            let marker = if markers.ends_with('#') { "1." } else { "-" };
            let nested = " ".repeat(3 * (depth - 1));
            out.push_str(&format!("{nested}{marker} {}{end}", inline(rest)));
            item_indent = Some(3 * depth);
        } else if let Some(quote) = text.strip_prefix("bq. ") {
            out.push_str(&format!("> {}{end}", inline(quote)));
            item_indent = None;
        } else {
            if !text.trim().is_empty() {
                item_indent = None;
            }
            out.push_str(&format!("{}{end}", inline(text)));
        }
    }
    out
}

/// The level of a `h1. Title` to `h6. Title` line.
fn heading_level(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    match bytes {
        [b'h', level @ b'1'..=b'6', b'.', b' ' | b'\t', ..] if !line[3..].trim().is_empty() => {
            Some(usize::from(level - b'0'))
        }
        _ => None,
    }
}

/// A line that is only `{code}`, `{code:bash}`, `{code:title=x|language=sql}` or
/// `{noformat}`: the word that closes it, and the language it names.
fn code_delimiter(line: &str) -> Option<(&'static str, Option<&str>)> {
    let inner = line.trim().strip_prefix('{')?.strip_suffix('}')?;
    let (word, params) = inner.split_once(':').unwrap_or((inner, ""));
    let word = match word {
        "code" => "code",
        "noformat" => "noformat",
        _ => return None,
    };
    if params.is_empty() {
        return Some((word, None));
    }
    let language = params
        .split('|')
        .find_map(|param| match param.split_once('=') {
            Some(("language" | "lang", value)) => Some(value),
            Some(_) => None,
            None => Some(param),
        })
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    Some((word, language))
}

/// `# item`, `## nested`, `* item`, `#* mixed`: the markers and the item's text.
fn list_item(line: &str) -> Option<(&str, &str)> {
    let end = line.find(|c: char| c != '#' && c != '*')?;
    let (markers, rest) = line.split_at(end);
    if markers.is_empty() || !rest.starts_with([' ', '\t']) || rest.trim().is_empty() {
        return None;
    }
    Some((markers, rest.trim_start()))
}

/// `{{monospace}}` as inline code and `[text|url]`, `[url]` as Markdown links (web and mail
/// addresses only); other text as it is.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("{{")
            && let Some(end) = after.find("}}")
            && end > 0
        {
            out.push('`');
            out.push_str(&after[..end]);
            out.push('`');
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix('[')
            && let Some(end) = after.find(']')
            && let Some(link) = link(&after[..end])
        {
            out.push_str(&link);
            rest = &after[end + 1..];
        } else {
            let next = rest
                .char_indices()
                .skip(1)
                .find(|(_, c)| matches!(c, '{' | '['))
                .map_or(rest.len(), |(at, _)| at);
            out.push_str(&rest[..next]);
            rest = &rest[next..];
        }
    }
    out
}

/// `text|url` or `url` as a Markdown link, when the address is a web or mail address.
fn link(inside: &str) -> Option<String> {
    let (text, url) = match inside.split_once('|') {
        Some((text, url)) => (Some(text.trim()), url.trim()),
        None => (None, inside.trim()),
    };
    let web = ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| url.starts_with(scheme));
    if !web || url.contains([' ', '(', ')', '<', '>']) {
        return None;
    }
    Some(match text {
        Some(text) if !text.is_empty() => format!("[{text}]({url})"),
        _ => format!("<{url}>"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_jira_markup_from_markdown() {
        assert!(is_jira("h2. Rollback\n# Stop it\n"));
        assert!(!is_jira("## Rollback\n1. Stop it\n"));
        assert!(!is_jira("## Notes\n```\nh2. quoted\n```\n"));
        assert!(!is_jira("{code}\nh2. not a heading\n{code}\n"));
        assert!(!is_jira("h2.no space\n"));
    }

    #[test]
    fn rewrites_line_for_line() {
        let source = "h3. Steps\n# One {{a b}}\n{code:bash}\nrun it\n\n{code}\n## Two [docs|https://x.example/d]\n* Three [https://x.example]\nbq. quoted\nplain [not|a link] {{}}\n";
        let out = to_markdown(source);
        assert_eq!(
            out,
            "### Steps\n1. One `a b`\n   ```bash\n   run it\n\n   ```\n   1. Two [docs](https://x.example/d)\n- Three <https://x.example>\n> quoted\nplain [not|a link] {{}}\n"
        );
        assert_eq!(out.lines().count(), source.lines().count());
    }

    #[test]
    fn code_parameters_name_the_language() {
        assert_eq!(code_delimiter("{code:sql}"), Some(("code", Some("sql"))));
        assert_eq!(
            code_delimiter("{code:title=undo.sql|language=sql}"),
            Some(("code", Some("sql")))
        );
        assert_eq!(code_delimiter(" {noformat} "), Some(("noformat", None)));
        assert_eq!(code_delimiter("{code}x"), None);
        assert_eq!(code_delimiter("{panel}"), None);
    }
}
