//! What a plan may put on a page. Plans arrive through pull requests, so everything in them
//! is untrusted: text is escaped, raw HTML is shown as text (never interpreted), HTML
//! comments are dropped, and links keep only allow-listed schemes.

/// The URL schemes a link on a page may use; anything else loses its link.
pub const ALLOWED_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Escapes text for HTML element content and quoted attribute values; invisible controls
/// are shown as escapes (see [`show_controls`]).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    escape_into(&mut out, text);
    out
}

/// [`escape`], appended to `out`. Runs of printable ASCII that need no escape are copied
/// whole (most of an index of 10,000 plans).
pub fn escape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while !rest.is_empty() {
        let plain = rest
            .bytes()
            .position(|b| {
                !(b' '..=b'~').contains(&b) || matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'')
            })
            .unwrap_or(rest.len());
        let (run, after) = rest.split_at(plain);
        out.push_str(run);
        let mut chars = after.chars();
        let Some(c) = chars.next() else { break };
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_hidden(c) => out.push_str(&crate::diag::escape::escape_char(c)),
            c => out.push(c),
        }
        rest = chars.as_str();
    }
}

/// Control characters other than whitespace, and bidirectional controls: invisible on a
/// page, or (bidi) reordering what it shows. A command copied from the page must be the
/// command the page shows.
fn is_hidden(c: char) -> bool {
    crate::diag::escape::is_hazard(c) && !matches!(c, '\n' | '\t' | '\r')
}

/// HTML with its hidden characters shown as escapes (`\u{202E}`): plain ASCII, so the
/// replacement is safe in text and in attribute values alike.
pub fn show_controls(html: String) -> String {
    if !html.chars().any(is_hidden) {
        return html;
    }
    let mut out = String::with_capacity(html.len() + 16);
    for c in html.chars() {
        if is_hidden(c) {
            out.push_str(&crate::diag::escape::escape_char(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether a link destination is safe to put in an `href`: `http`, `https`, `mailto`, a
/// relative reference, or a `#fragment`.
///
/// `url` is the destination as the Markdown parser decoded it (entities such as
/// `java&#115;cript:` are already resolved). Browsers ignore tabs and newlines anywhere in
/// a URL and strip leading control characters and spaces, and schemes are
/// case-insensitive; the scheme is read the same way here, so `JaVa\tScRiPt:` is caught.
pub fn is_safe_url(url: &str) -> bool {
    match scheme(url) {
        Some(scheme) => ALLOWED_SCHEMES.contains(&scheme.as_str()),
        None => true,
    }
}

/// The scheme of a URL, lower-cased, as a browser would see it; `None` for a relative
/// reference.
fn scheme(url: &str) -> Option<String> {
    let cleaned: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let end = cleaned.find([':', '/', '?', '#'])?;
    if !cleaned[end..].starts_with(':') {
        return None;
    }
    let candidate = &cleaned[..end];
    // A "scheme" that is not one (e.g. containing a control character or non-ASCII) is
    // still refused: only a clean relative reference passes without a scheme.
    Some(candidate.to_ascii_lowercase())
}

/// Raw HTML from a plan, as the text to show instead: complete `<!-- comments -->` are
/// removed (they hold the template's questions and can hide markup), the rest is kept to
/// be shown escaped.
pub fn strip_comments(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 4..];
        // `<!-->` and `<!--->` are complete (empty) comments in HTML.
        let end = if let Some(tail) = after.strip_prefix('>') {
            Some((0, tail))
        } else if let Some(tail) = after.strip_prefix("->") {
            Some((0, tail))
        } else {
            comment_end(after)
        };
        match end {
            Some((_, tail)) => rest = tail,
            None => {
                // Unterminated: keep it, it is shown as text.
                out.push_str(&rest[start..]);
                return out;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where a comment body ends: `-->`, or `--!>` which browsers also accept.
fn comment_end(body: &str) -> Option<(usize, &str)> {
    let plain = body.find("-->").map(|i| (i, 3));
    let bang = body.find("--!>").map(|i| (i, 4));
    let (at, len) = match (plain, bang) {
        (Some(p), Some(b)) => {
            if b.0 < p.0 {
                b
            } else {
                p
            }
        }
        (Some(p), None) => p,
        (None, Some(b)) => b,
        (None, None) => return None,
    };
    Some((at, &body[at + len..]))
}

/// A fragment id made of `[a-z0-9-]` from a heading's text; empty when nothing is left.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Copying plain runs whole escapes exactly as escaping one character at a time.
        #[test]
        fn runs_are_escaped_as_characters_are(text in "(\\PC|[&<>\"'\u{202e}\u{7}\t\n])*") {
            let mut one_at_a_time = String::new();
            for c in text.chars() {
                match c {
                    '&' => one_at_a_time.push_str("&amp;"),
                    '<' => one_at_a_time.push_str("&lt;"),
                    '>' => one_at_a_time.push_str("&gt;"),
                    '"' => one_at_a_time.push_str("&quot;"),
                    '\'' => one_at_a_time.push_str("&#39;"),
                    c if is_hidden(c) => {
                        one_at_a_time.push_str(&crate::diag::escape::escape_char(c));
                    }
                    c => one_at_a_time.push(c),
                }
            }
            proptest::prop_assert_eq!(escape(&text), one_at_a_time);
        }
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<img src=x onerror="alert('1')">&"#),
            "&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;"
        );
    }

    #[test]
    fn allows_web_mail_relative_and_fragment_links() {
        for url in [
            "https://wiki.example.com/runbook",
            "http://example.com",
            "HTTPS://EXAMPLE.COM",
            "mailto:oncall@example.com",
            "../v1.4/plan.md",
            "runbook.md#step-3",
            "#procedure",
            "/abs/path",
            "?q=1",
            "//example.com/x",
            "oncall@example.com",
            "a/b:c",
            "",
        ] {
            assert!(is_safe_url(url), "{url:?} should be allowed");
        }
    }

    #[test]
    fn refuses_script_and_other_schemes() {
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "\u{1}javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "java\rscript:alert(1)",
            "javascript\t:alert(1)",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "DATA:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "VBScript:msgbox(1)",
            "file:///etc/passwd",
            "ftp://example.com",
            "blob:https://example.com/x",
            "jav\u{0}ascript:alert(1)",
            "javascript\u{0}:alert(1)",
            "\u{feff}javascript:alert(1)",
        ] {
            assert!(!is_safe_url(url), "{url:?} should be refused");
        }
    }

    #[test]
    fn drops_comments_and_keeps_the_rest_as_text() {
        assert_eq!(strip_comments("<!-- question -->"), "");
        assert_eq!(strip_comments("a<!-- x -->b<!--y-->c"), "abc");
        assert_eq!(
            strip_comments("<!-- --><script>alert(1)</script><!-- -->"),
            "<script>alert(1)</script>"
        );
        assert_eq!(
            strip_comments("<!--><img src=x onerror=alert(1)>"),
            "<img src=x onerror=alert(1)>"
        );
        assert_eq!(strip_comments("<!---><b>x</b>"), "<b>x</b>");
        assert_eq!(strip_comments("<!-- x --!><i>y</i>"), "<i>y</i>");
        assert_eq!(strip_comments("<!-- <script>hidden</script> -->"), "");
        assert_eq!(
            strip_comments("ok <!-- unclosed <b>"),
            "ok <!-- unclosed <b>"
        );
    }

    #[test]
    fn slugs_are_plain() {
        assert_eq!(slug("Procedure"), "procedure");
        assert_eq!(slug("  What \"if\" <b>?  "), "what-if-b");
        assert_eq!(slug("<>"), "");
    }
}
