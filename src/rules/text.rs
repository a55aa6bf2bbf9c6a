//! Rules on the characters of a file, whatever Markdown or TOML they form.

use crate::diag::{Finding, Rule, SourceFile};

/// `bidi-control`: bidirectional embedding, override and isolate controls (U+202A–202E,
/// U+2066–2069) anywhere in the file. They make a line show in another order than its bytes
/// ("Trojan Source"): the command an on-call engineer copies is not the one they read. No
/// plan or manifest needs them; right-to-left text displays correctly without them. One
/// finding per line, at its first control, naming all of that line's.
pub fn bidi_controls(file: &SourceFile<'_>) -> Vec<Finding> {
    let text = file.text();
    let mut findings: Vec<Finding> = Vec::new();
    // (line, first control, names): the line being collected.
    let mut current: Option<(usize, usize, Vec<&'static str>)> = None;
    for at in controls(text) {
        let line_start = file.line_index(at);
        let name = text[at..].chars().next().map_or("", name);
        match &mut current {
            Some((start, _, names)) if *start == line_start => {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            _ => {
                if let Some(line) = current.take() {
                    findings.push(finding(file, line));
                }
                current = Some((line_start, at, vec![name]));
            }
        }
    }
    if let Some(line) = current {
        findings.push(finding(file, line));
    }
    findings
}

/// Where the bidirectional controls are: all are three UTF-8 bytes starting `E2 80` or
/// `E2 81`, so one `memchr` pass over the bytes finds them.
fn controls(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    memchr::memchr_iter(0xE2, bytes).filter(move |&at| {
        matches!(
            bytes.get(at + 1..at + 3),
            Some([0x80, 0xAA..=0xAE] | [0x81, 0xA6..=0xA9])
        )
    })
}

fn finding(file: &SourceFile<'_>, (_, at, names): (usize, usize, Vec<&'static str>)) -> Finding {
    file.finding(
        Rule::BidiControl,
        at..at + 3,
        format!(
            "bidirectional control character {} on this line: it shows the line in another order than the one that is copied and run",
            names.join(", ")
        ),
    )
    .with_help(
        "delete it (right-to-left text displays correctly without it); if the file came from elsewhere, check the line's commands byte by byte",
    )
}

/// `conflict-marker`: a merge conflict left in the plan: lines from `<<<<<<<` to `>>>>>>>`,
/// each at the start of a line and followed by a space or the line's end. Both sides of the
/// merge stand in the plan, and the page shows both. One finding per conflict, at its first
/// marker; a marker without its partner is one too.
pub fn conflict_markers(file: &SourceFile<'_>) -> Vec<Finding> {
    let text = file.text();
    let bytes = text.as_bytes();
    let mut findings = Vec::new();
    // The start of the open conflict's `<<<<<<<` line, and its line number.
    let mut open: Option<(usize, usize)> = None;
    // Line numbers are counted only up to the markers (most plans have none): the line
    // number of `counted_to` is `line`.
    let (mut counted_to, mut line) = (0, 1);
    let mut line_of = |at: usize| {
        line += memchr::memchr_iter(b'\n', &bytes[counted_to..at]).count();
        counted_to = at;
        line
    };
    // A marker starts a line: jump from one `<` or `>` to the next.
    for at in memchr::memchr2_iter(b'<', b'>', bytes) {
        if at > 0 && bytes[at - 1] != b'\n' {
            continue;
        }
        let end = text[at..].find('\n').map_or(text.len(), |n| at + n + 1);
        match marker(&text[at..end]) {
            Some(Marker::Ours) => {
                let number = line_of(at);
                if let Some(unclosed) = open.replace((at, number)) {
                    findings.push(conflict_finding(file, unclosed, None));
                }
            }
            Some(Marker::Theirs) => {
                let number = line_of(at);
                let opening = open.take().unwrap_or((at, number));
                findings.push(conflict_finding(file, opening, Some(number)));
            }
            None => {}
        }
    }
    if let Some(unclosed) = open {
        findings.push(conflict_finding(file, unclosed, None));
    }
    findings
}

enum Marker {
    Ours,
    Theirs,
}

fn marker(line: &str) -> Option<Marker> {
    let kind = if line.starts_with("<<<<<<<") {
        Marker::Ours
    } else if line.starts_with(">>>>>>>") {
        Marker::Theirs
    } else {
        return None;
    };
    matches!(
        line[7..].chars().next(),
        None | Some(' ' | '\t' | '\r' | '\n')
    )
    .then_some(kind)
}

fn conflict_finding(
    file: &SourceFile<'_>,
    (at, first): (usize, usize),
    last: Option<usize>,
) -> Finding {
    let message = match last {
        Some(last) if last > first => format!(
            "unresolved merge conflict: lines {first} to {last} hold both sides of a merge, from `<<<<<<<` to `>>>>>>>`"
        ),
        _ => "unresolved merge conflict: a conflict marker of a merge is left in the plan"
            .to_string(),
    };
    file.finding(Rule::ConflictMarker, at..at + 7, message).with_help(
        "resolve the conflict: keep the lines that are right for this release, delete the marker lines (`<<<<<<<`, `=======`, `>>>>>>>`), and check again",
    )
}

/// The character's code point and Unicode name.
fn name(c: char) -> &'static str {
    match c {
        '\u{202A}' => "U+202A (LEFT-TO-RIGHT EMBEDDING)",
        '\u{202B}' => "U+202B (RIGHT-TO-LEFT EMBEDDING)",
        '\u{202C}' => "U+202C (POP DIRECTIONAL FORMATTING)",
        '\u{202D}' => "U+202D (LEFT-TO-RIGHT OVERRIDE)",
        '\u{202E}' => "U+202E (RIGHT-TO-LEFT OVERRIDE)",
        '\u{2066}' => "U+2066 (LEFT-TO-RIGHT ISOLATE)",
        '\u{2067}' => "U+2067 (RIGHT-TO-LEFT ISOLATE)",
        '\u{2068}' => "U+2068 (FIRST STRONG ISOLATE)",
        _ => "U+2069 (POP DIRECTIONAL ISOLATE)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_each_line_with_bidi_controls_once() {
        let text = "+++\nteam = \"p\"\n+++\n1. Run `rm -rf /tmp/cache\u{202E} \u{2066}# ok\u{2069}\u{2066}`\nOrdinary שלום text.\n";
        let file = SourceFile::new("plan.md", text);
        let findings = bidi_controls(&file);
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!((finding.line, finding.column), (4, 26));
        assert!(finding.message.contains(
            "U+202E (RIGHT-TO-LEFT OVERRIDE), U+2066 (LEFT-TO-RIGHT ISOLATE), U+2069 (POP DIRECTIONAL ISOLATE)"
        ));
        assert!(
            bidi_controls(&SourceFile::new(
                "p",
                "Hebrew שלום and Arabic مرحبا — “ok”\n"
            ))
            .is_empty()
        );
        // Every control, and only those, is found.
        for c in ('\u{2000}'..='\u{206F}').filter(|c| !c.is_whitespace()) {
            let text = format!("a{c}b\n");
            let found = !bidi_controls(&SourceFile::new("p", &text)).is_empty();
            assert_eq!(
                found,
                crate::diag::escape::is_bidi_control(c),
                "{:X}",
                c as u32
            );
        }
    }

    /// Conflict markers found line by line, as before the scan jumped between `<` and `>`.
    fn conflict_markers_by_line(file: &SourceFile<'_>) -> Vec<Finding> {
        let mut findings = Vec::new();
        let mut open: Option<(usize, usize)> = None;
        let mut start = 0;
        for (index, line) in file.text().split_inclusive('\n').enumerate() {
            let number = index + 1;
            match marker(line) {
                Some(Marker::Ours) => {
                    if let Some(unclosed) = open.replace((start, number)) {
                        findings.push(conflict_finding(file, unclosed, None));
                    }
                }
                Some(Marker::Theirs) => {
                    let opening = open.take().unwrap_or((start, number));
                    findings.push(conflict_finding(file, opening, Some(number)));
                }
                None => {}
            }
            start += line.len();
        }
        if let Some(unclosed) = open {
            findings.push(conflict_finding(file, unclosed, None));
        }
        findings
    }

    proptest::proptest! {
        #[test]
        fn conflict_markers_are_found_as_line_by_line(
            lines in proptest::collection::vec("(<<<<<<<|>>>>>>>|=======|<<<|> a|a <<<<<<<|x)( .{0,3})?", 0..12),
        ) {
            let text = lines.join("\n");
            let file = SourceFile::new("plan.md", &text);
            let found: Vec<(usize, usize, String)> = conflict_markers(&file)
                .into_iter()
                .map(|f| (f.line, f.column, f.message))
                .collect();
            let expected: Vec<(usize, usize, String)> = conflict_markers_by_line(&file)
                .into_iter()
                .map(|f| (f.line, f.column, f.message))
                .collect();
            proptest::prop_assert_eq!(found, expected);
        }
    }
}
