//! `backout import`: turns a plan written elsewhere (Markdown or plain text, with YAML,
//! TOML or no front matter) into a backout plan that `check` understands, without losing a
//! line, and says where each required section's answer came from.
//!
//! Pure: text in, the new plan's text and a report out. `commands::import` reads and
//! writes the files.

mod body;
mod jira;
mod timing;

pub use body::Shape;
pub use timing::Stated;

use crate::names::PlanId;
use crate::plan::Plan;
use crate::sections::{Kind, Language, Sections};

/// What import made of a source.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The new plan.md.
    pub text: String,
    /// The front matter the source had.
    pub front_matter: FrontMatter,
    /// The language the titles and questions import added are in, and why.
    pub language: Language,
    pub language_detected: bool,
    /// One per required section, in template order.
    pub sections: Vec<Answer>,
    /// `window` and `duration` as the source states them; `None`: left as "TBD".
    pub window: Option<Stated>,
    pub duration: Option<Stated>,
    /// Other sections, kept under their own headings: source line and title.
    pub kept: Vec<(usize, String)>,
    /// Procedure steps in the new plan, as `check` counts them.
    pub steps: usize,
    /// The source was Jira wiki markup, read as the Markdown it means.
    pub wiki_markup: bool,
    /// The title of a kept section that holds steps, when the source has no procedure under
    /// a title backout knows: probably the procedure, under the team's own title.
    pub steps_under: Option<String>,
}

/// The front matter a source started with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrontMatter {
    None,
    Yaml,
    Toml,
}

/// Where one required section's answer came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub kind: Kind,
    /// Each place in the source that answers (or asks) it; empty: not in the source.
    pub from: Vec<Place>,
    /// Whether `check` finds the section answered in the new plan.
    pub answered: bool,
}

/// A place in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// 1-based line in the source file.
    pub line: usize,
    pub shape: Shape,
    /// The heading, question or label as the source writes it.
    pub words: String,
}

/// Converts `source` into the plan `id`. `sections` is the repository's section table (its
/// language is the default for titles import adds; a source clearly in the other language
/// wins). `file_name` is named in the front matter.
pub fn import(source: &str, id: &PlanId, sections: &Sections, file_name: &str) -> Imported {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let text = source.replace("\r\n", "\n").replace('\r', "\n");
    let Front {
        kind,
        lines: front_lines,
        body_start,
    } = split_front_matter(&text).unwrap_or(Front {
        kind: FrontMatter::None,
        lines: Vec::new(),
        body_start: 0,
    });
    let wiki_markup = jira::is_jira(&text[body_start..]);
    let jira_body;
    let body = if wiki_markup {
        jira_body = jira::to_markdown(&text[body_start..]);
        &jira_body
    } else {
        &text[body_start..]
    };
    let first_line = text[..body_start].matches('\n').count() + 1;
    let (language, language_detected) = match detect_language(body) {
        Some(language) => (language, language != sections.language()),
        None => (sections.language(), false),
    };

    let title = match language {
        Language::En => format!("Backout plan: {} {}", id.team, id.release),
        Language::De => format!("Backout-Plan: {} {}", id.team, id.release),
    };
    let converted = body::convert(body, first_line, sections, language, &title);
    let criteria = criteria_lines(&converted);
    let (window, duration) = stated_times(&front_lines, body, first_line, &criteria);
    let mut plan_text = front_matter(
        id,
        kind,
        &front_lines,
        &window,
        &duration,
        language,
        file_name,
    );
    plan_text.push('\n');
    plan_text.push_str(converted.text.trim_start_matches('\n'));

    let parsed = Plan::parse_with(&plan_text, id, sections);
    let sections_out = Kind::ALL
        .into_iter()
        .map(|kind| Answer {
            kind,
            from: converted
                .parts
                .iter()
                .filter(|p| p.kind == kind)
                .map(|p| Place {
                    line: p.line,
                    shape: p.shape,
                    words: p.words.clone(),
                })
                .collect(),
            answered: parsed
                .body
                .sections
                .iter()
                .any(|s| s.is(kind) && s.answered),
        })
        .collect();
    let steps_under = if converted.parts.iter().any(|p| p.kind == Kind::Procedure) {
        None
    } else {
        parsed
            .body
            .sections
            .iter()
            .find(|s| {
                s.kind.is_none() && holds_steps(plan_text.get(s.content.clone()).unwrap_or(""))
            })
            .map(|s| s.title.clone())
    };
    Imported {
        text: plan_text,
        front_matter: kind,
        language,
        language_detected,
        sections: sections_out,
        window,
        duration,
        kept: converted.kept,
        steps: parsed.body.steps.len(),
        wiki_markup,
        steps_under,
    }
}

/// Whether a section's text has what steps look like: numbered items, `Step N` lines, code
/// blocks, or bullets with a command (a list of contacts or links is not steps).
fn holds_steps(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start();
        let lower = line.to_lowercase();
        let numbered = line.find(|c: char| !c.is_ascii_digit()).is_some_and(|end| {
            end > 0 && (line[end..].starts_with(". ") || line[end..].starts_with(") "))
        });
        let bullet = ["- ", "* ", "+ "].iter().any(|m| line.starts_with(m));
        numbered
            || (bullet && line.contains('`'))
            || ["```", "~~~"].iter().any(|m| line.starts_with(m))
            || ["step ", "schritt "].iter().any(|word| {
                lower
                    .strip_prefix(word)
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
            })
    })
}

/// A front-matter block at the start of a source.
struct Front {
    kind: FrontMatter,
    /// 1-based line numbers and the lines between the fences.
    lines: Vec<(usize, String)>,
    body_start: usize,
}

/// The front matter at the start of `text`, if any. YAML needs `key: value` lines, so a
/// document that merely opens with a `---` rule is not mistaken for one.
fn split_front_matter(text: &str) -> Option<Front> {
    let (kind, fence) = if text.starts_with("---\n") {
        (FrontMatter::Yaml, "---")
    } else if text.starts_with("+++\n") {
        (FrontMatter::Toml, "+++")
    } else {
        return None;
    };
    let mut lines = Vec::new();
    let mut at = fence.len() + 1;
    for (index, line) in text[at..].split_inclusive('\n').enumerate() {
        let bare = line.trim_end();
        let closes = bare == fence || (kind == FrontMatter::Yaml && bare == "...");
        if closes {
            let body_start = at + line.len();
            let keyed = lines
                .iter()
                .any(|(_, l): &(usize, String)| key_value(l, kind).is_some());
            return keyed.then_some(Front {
                kind,
                lines,
                body_start,
            });
        }
        lines.push((index + 2, bare.to_string()));
        at += line.len();
        if index > 500 {
            break;
        }
    }
    None
}

/// A top-level `key: value` (YAML) or `key = value` (TOML) line.
fn key_value(line: &str, kind: FrontMatter) -> Option<(String, String)> {
    if line.starts_with(char::is_whitespace) || line.starts_with('#') {
        return None;
    }
    let separator = if kind == FrontMatter::Toml { '=' } else { ':' };
    let (key, value) = line.split_once(separator)?;
    let key = key.trim().trim_matches(['"', '\'']);
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-'))
    {
        return None;
    }
    let value = value.trim();
    // A quoted value ends at its closing quote; an unquoted one at an inline comment.
    let value = match value.chars().next() {
        Some(quote @ ('"' | '\'')) => value[1..]
            .find(quote)
            .map_or(value, |end| &value[..end + 2]),
        _ => value.find(" #").map_or(value, |i| &value[..i]),
    };
    Some((
        key.to_lowercase().replace('-', "_"),
        value.trim().to_string(),
    ))
}

/// The source lines of the parts that answer Criteria: a trigger there ("conversion drops
/// within 30 minutes of the deploy") is when to roll back, not how long one stays possible.
fn criteria_lines(converted: &body::Converted) -> Vec<std::ops::Range<usize>> {
    let mut starts: Vec<(usize, bool)> = converted
        .parts
        .iter()
        .map(|part| (part.line, part.kind == Kind::Criteria))
        .chain(converted.kept.iter().map(|(line, _)| (*line, false)))
        .collect();
    starts.sort_unstable();
    starts
        .iter()
        .enumerate()
        .filter(|(_, (_, criteria))| *criteria)
        .map(|(i, (line, _))| *line..starts.get(i + 1).map_or(usize::MAX, |next| next.0))
        .collect()
}

/// The window and duration the source states: front-matter keys first, then the text, where
/// statements outside the Criteria (`criteria`: source lines) come before those inside it.
fn stated_times(
    front: &[(usize, String)],
    body: &str,
    first_line: usize,
    criteria: &[std::ops::Range<usize>],
) -> (Option<Stated>, Option<Stated>) {
    let mut window = None;
    let mut duration = None;
    for (number, line) in front {
        let Some((key, value)) =
            key_value(line, FrontMatter::Yaml).or_else(|| key_value(line, FrontMatter::Toml))
        else {
            continue;
        };
        let slot = match key.as_str() {
            "window" | "rollback_window" | "backout_window" | "zeitfenster" => &mut window,
            "duration" | "rollback_duration" | "backout_duration" | "expected_duration"
            | "estimated_duration" | "dauer" | "rollback_dauer" => &mut duration,
            _ => continue,
        };
        if slot.is_none()
            && let Some((value, written)) = timing::parse_value(&value)
        {
            *slot = Some(Stated {
                value,
                written,
                line: *number,
                phrase: line.trim().to_string(),
            });
        }
    }
    let (triggers, blocks): (Vec<_>, Vec<_>) = prose_blocks(body, first_line)
        .into_iter()
        .partition(|(line, _)| criteria.iter().any(|range| range.contains(line)));
    let (found_window, found_duration) = timing::find_among(
        blocks
            .iter()
            .map(|(n, b)| (*n, b.as_str(), false))
            .chain(triggers.iter().map(|(n, b)| (*n, b.as_str(), true))),
    );
    (window.or(found_window), duration.or(found_duration))
}

/// The body's runs of prose lines (paragraphs, with the number of their first line): not
/// in code blocks or HTML comments (a prompt such as "e.g. 45 minutes" is not an answer).
fn prose_blocks(body: &str, first_line: usize) -> Vec<(usize, String)> {
    use pulldown_cmark::{Event, Tag};
    let mut skip: Vec<std::ops::Range<usize>> = Vec::new();
    for (event, range) in crate::markdown::parser(body).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_) | Tag::HtmlBlock) | Event::InlineHtml(_) => {
                skip.push(range);
            }
            _ => {}
        }
    }
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut open = false;
    let mut at = 0;
    // Skipped ranges come in document order: walk them alongside the lines.
    let mut next_skip = 0;
    for (index, line) in body.split_inclusive('\n').enumerate() {
        let range = at..at + line.len();
        at += line.len();
        while skip.get(next_skip).is_some_and(|s| s.end <= range.start) {
            next_skip += 1;
        }
        let skipped = skip[next_skip..]
            .iter()
            .take_while(|s| s.start < range.end)
            .any(|s| range.start < s.end);
        let line = line.trim_end_matches('\n');
        if skipped || line.trim().is_empty() {
            open = false;
            continue;
        }
        match out.last_mut() {
            Some((_, block)) if open => {
                block.push('\n');
                block.push_str(line);
            }
            _ => out.push((first_line + index, line.to_string())),
        }
        open = true;
    }
    out
}

/// German or English, when the text's common words clearly say which.
fn detect_language(text: &str) -> Option<Language> {
    const GERMAN: [&str; 20] = [
        "der", "die", "das", "und", "ist", "nicht", "wird", "mit", "für", "auf", "wir", "ein",
        "eine", "zu", "von", "den", "dem", "wer", "wie", "nach",
    ];
    const ENGLISH: [&str; 20] = [
        "the", "and", "is", "not", "will", "with", "for", "on", "we", "a", "to", "of", "who",
        "how", "after", "if", "be", "are", "it", "this",
    ];
    let mut german = 0usize;
    let mut english = 0usize;
    for word in text.split(|c: char| !c.is_alphabetic()) {
        let word = word.to_lowercase();
        german += usize::from(GERMAN.contains(&word.as_str()));
        english += usize::from(ENGLISH.contains(&word.as_str()));
    }
    if german + english < 5 {
        None
    } else if german > english * 2 {
        Some(Language::De)
    } else if english > german * 2 {
        Some(Language::En)
    } else {
        None
    }
}

/// Text safe in a TOML comment: one line, no control characters.
fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

fn front_matter(
    id: &PlanId,
    kind: FrontMatter,
    lines: &[(usize, String)],
    window: &Option<Stated>,
    duration: &Option<Stated>,
    language: Language,
    file_name: &str,
) -> String {
    let de = language == Language::De;
    let time = |stated: &Option<Stated>, key: &str| match stated {
        Some(stated) => format!(
            "{:<24}# {} {}: {}",
            format!("{key} = \"{}\"", stated.written),
            if de { "aus Zeile" } else { "from line" },
            stated.line,
            comment_text(&stated.phrase)
        ),
        None if key == "window" => format!(
            "{:<24}# {}",
            "window = \"TBD\"",
            if de {
                "nicht angegeben: wie lange nach dem Deployment ist ein Rollback noch möglich? z. B. \"72h\""
            } else {
                "not stated: how long after deployment is a rollback still possible? e.g. \"72h\""
            }
        ),
        None => format!(
            "{:<24}# {}",
            "duration = \"TBD\"",
            if de {
                "nicht angegeben: wie lange dauert der Rollback? z. B. \"45m\""
            } else {
                "not stated: how long does the rollback take? e.g. \"45m\""
            }
        ),
    };
    let mut text = format!(
        "+++\nteam = \"{}\"\nrelease = \"{}\"\nstatus = \"draft\"        # draft | approved | published\nrefers = []\n{}\n{}\n",
        id.team,
        id.release,
        time(window, "window"),
        time(duration, "duration"),
    );
    text.push_str(&format!(
        "# {} {} (backout import).\n",
        if de {
            "Übernommen aus"
        } else {
            "Imported from"
        },
        comment_text(file_name)
    ));
    if kind != FrontMatter::None {
        let name = if kind == FrontMatter::Yaml {
            "YAML"
        } else {
            "TOML"
        };
        text.push_str(&format!(
            "# {} ({name}):\n",
            if de {
                "Die ursprüngliche Front Matter"
            } else {
                "The original front matter"
            }
        ));
        for (_, line) in lines {
            if line.trim().is_empty() {
                text.push_str("#\n");
            } else {
                text.push_str(&format!("#   {}\n", comment_text(line)));
            }
        }
    }
    text.push_str("+++\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> PlanId {
        PlanId::new("payments", "v1.5")
    }

    fn run(source: &str) -> Imported {
        import(source, &id(), Sections::builtin(), "rollback.md")
    }

    #[test]
    fn a_table_row_with_more_cells_than_its_header_is_kept_as_written() {
        let imported = run(
            "## Rollback steps\n\n| # | Action | Command |\n|---|---|---|\n| 1 | Stop the API | `kubectl scale deploy/api --replicas=0` | only at night |\n",
        );
        assert!(imported.text.contains("only at night"), "{}", imported.text);
        let plan = Plan::parse(&imported.text, &id());
        assert!(plan.is_valid(), "{:?}", plan.problems);
    }

    #[test]
    fn the_result_is_a_valid_plan() {
        let imported = run("## Rollback steps\n1. `helm rollback api 41`\n");
        let plan = Plan::parse(&imported.text, &id());
        assert!(plan.is_valid(), "{:?}\n{}", plan.problems, imported.text);
        assert_eq!(plan.placeholders.len(), 2);
        assert_eq!(imported.steps, 1);
        let answered: Vec<bool> = imported.sections.iter().map(|a| a.answered).collect();
        assert_eq!(
            answered,
            [false, false, false, true, false, false, false, false]
        );
    }

    #[test]
    fn yaml_front_matter_is_kept_as_comments_and_read_for_times() {
        let source = "---\ntitle: Checkout rollback\nrollback_window: 48 hours\nowner: team-checkout\n---\n# Checkout\n\nThe rollback takes about 20 minutes.\n";
        let imported = run(source);
        assert_eq!(imported.front_matter, FrontMatter::Yaml);
        let text = &imported.text;
        assert!(text.contains("window = \"48h\""), "{text}");
        assert!(
            text.contains("# from line 3: rollback_window: 48 hours\n"),
            "{text}"
        );
        assert!(text.contains("duration = \"20m\""), "{text}");
        assert!(
            text.contains("# from line 8: takes about 20 minutes\n"),
            "{text}"
        );
        assert!(text.contains("#   title: Checkout rollback\n#   rollback_window: 48 hours\n#   owner: team-checkout\n"), "{text}");
        assert!(Plan::parse(text, &id()).is_valid());
    }

    #[test]
    fn a_backout_plan_imports_into_itself() {
        let first = run(
            "## Criteria\n\n**When do we roll back?** Errors above 2%.\n\n## Procedure\n### Rollback steps\n1. `undo`\n\nIt takes 20 minutes.\n",
        );
        let again = import(&first.text, &id(), Sections::builtin(), "plan.md");
        let body = |text: &str| text.split("+++\n").nth(2).unwrap_or_default().to_string();
        assert_eq!(body(&again.text), body(&first.text));
        let lines: Vec<Vec<usize>> = again
            .sections
            .iter()
            .map(|a| a.from.iter().map(|f| f.line).collect())
            .collect();
        assert_eq!(lines[0].len(), 1);
        assert_eq!(lines[3].len(), 1);
        // The front matter's own window and duration are read first.
        assert_eq!(
            again
                .duration
                .map(|d| (d.written, d.phrase.starts_with("duration ="))),
            Some(("20m".into(), true))
        );
    }

    #[test]
    fn a_leading_rule_is_not_front_matter() {
        let imported = run("---\n\nJust text.\n\n---\n");
        assert_eq!(imported.front_matter, FrontMatter::None);
        assert!(imported.text.contains("Just text."));
    }

    #[test]
    fn german_sources_get_german_titles() {
        let source = "# Rückfallplan\n\n## Wer entscheidet über den Rollback?\nDie Incident-Leitung.\n\nDer Rollback dauert etwa 45 Minuten und ist innerhalb von 72 Stunden nach dem Go-Live möglich.\n";
        let imported = run(source);
        assert_eq!(imported.language, Language::De);
        assert!(imported.language_detected);
        let text = &imported.text;
        assert!(
            text.contains("## Wer entscheidet über den Rollback?\n"),
            "{text}"
        );
        assert!(
            text.contains("\n## Ablauf\n\n<!-- Welche Schritte"),
            "{text}"
        );
        assert!(text.contains("window = \"72h\""), "{text}");
        assert!(text.contains("duration = \"45m\""), "{text}");
    }

    #[test]
    fn prompts_in_comments_are_no_answers_and_no_times() {
        let source = "## Procedure\n<!-- List the steps. It usually takes 30 minutes. -->\n";
        let imported = run(source);
        assert!(imported.duration.is_none());
        assert_eq!(imported.sections[3].from.len(), 1);
        assert!(!imported.sections[3].answered);
    }

    #[test]
    fn any_text_imports_into_a_valid_plan() {
        for source in [
            "",
            "\u{feff}",
            "---\n",
            "+++\nx = 1\n+++\n",
            "\r\n\r\n## Procedure\r\nStep 1: x\r\n",
            "**",
            "**Who?**",
            "| a |\n|---|\n",
            "## Procedure\n| # | Step |\n|---|---|\n| 1 |\n",
            "# A\n###### Who decides?\n",
            "Step 1:\nStep 2:",
            "<!--",
            "> ## Decision\n> quoted\n",
            "- ## Procedure\n",
        ] {
            let imported = run(source);
            let plan = Plan::parse(&imported.text, &id());
            assert!(
                plan.is_valid(),
                "{source:?}: {:?}\n{}",
                plan.problems,
                imported.text
            );
        }
    }

    /// What a source line says, without Markdown syntax (see tests/cli/import.rs).
    fn contents(source: &str) -> Vec<String> {
        let mut out = Vec::new();
        for line in source.replace("\r\n", "\n").replace('\r', "\n").lines() {
            let text = line.trim().trim_start_matches('\u{feff}').trim();
            let syntax = text.is_empty()
                || matches!(text, "---" | "+++" | "...")
                || text.chars().all(|c| c == '=' || c == '-')
                || (text.starts_with('|') && text.chars().all(|c| "|-: ".contains(c)));
            if syntax {
                continue;
            }
            let hashes = text.len() - text.trim_start_matches('#').len();
            let text = if (1..=6).contains(&hashes)
                && text[hashes..]
                    .chars()
                    .next()
                    .is_none_or(|c| c == ' ' || c == '\t')
            {
                text.trim_start_matches('#').trim()
            } else {
                text
            };
            // An item of a questionnaire list is written without its marker.
            let text = ["- ", "* ", "+ ", "1. "]
                .iter()
                .find_map(|marker| text.strip_prefix(marker))
                .map_or(text, str::trim_start);
            // A prompt beside an unanswered question stays, on a line of its own: comments
            // whole, and the text between them.
            let mut fragments = Vec::new();
            let mut rest = text;
            while let Some(open) = rest.find("<!--") {
                let end = rest[open..]
                    .find("-->")
                    .map_or(rest.len(), |e| open + e + 3);
                fragments.push((rest[..open].trim(), false));
                fragments.push((&rest[open..end], true));
                rest = &rest[end..];
            }
            fragments.push((rest.trim(), false));
            for (fragment, comment) in fragments {
                if fragment.is_empty() {
                    continue;
                }
                // Text with a pipe may be a table row (even without a leading pipe): its cells.
                if !comment && fragment.contains('|') {
                    out.extend(
                        fragment
                            .trim_matches('|')
                            .split('|')
                            .map(|cell| cell.trim().trim_matches('|').trim().to_string())
                            .filter(|cell| {
                                !cell.is_empty() && !matches!(cell.as_str(), "#" | "Nr.")
                            }),
                    );
                } else {
                    out.push(fragment.to_string());
                }
            }
        }
        out
    }

    fn source_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just("---\n".to_string()),
            Just("+++\n".to_string()),
            Just("window: 72h\n".to_string()),
            Just("# Plan\n".to_string()),
            Just("## Rollback steps\n".to_string()),
            Just("###### Who decides to roll back?\n".to_string()),
            Just("### Step 2: Restore\n".to_string()),
            Just("**When do we roll back?** ".to_string()),
            Just("**Wer entscheidet?**\n".to_string()),
            Just("Step 1: stop `x`\n".to_string()),
            Just("Schritt 2: Paket einspielen\n".to_string()),
            Just("Decision: the IC\n".to_string()),
            Just("| # | Action | Command |\n|---|---|---|\n| 1 | Stop | `s` |\n".to_string()),
            Just("1. one\n".to_string()),
            Just("- [ ] task\n".to_string()),
            Just("- **Who decides?** the IC\n".to_string()),
            Just("- **How do we roll back?**\n  1. `undo`\n".to_string()),
            Just("* **Wann rollen wir zurück?** <!-- offen -->\n".to_string()),
            Just("<!-- prompt -->\n".to_string()),
            Just("<!--\n## Testing\n-->\n".to_string()),
            Just("```\n## Procedure\n".to_string()),
            Just("It takes about 45 minutes, within 72 hours of the deployment.\n".to_string()),
            Just("Procedure\n=========\n".to_string()),
            Just("> quoted\n".to_string()),
            Just("[ref]: https://example.com\n".to_string()),
            Just("\r\n".to_string()),
            Just("\n".to_string()),
            "[a-z \u{feff}é\t|*_>#:?-]{0,12}",
        ];
        prop::collection::vec(piece, 0..30).prop_map(|pieces| pieces.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn any_source_imports_into_a_valid_plan_without_losing_a_line(source in source_text()) {
            let imported = run(&source);
            let plan = Plan::parse(&imported.text, &id());
            proptest::prop_assert!(plan.is_valid(), "{:?}\n{}", plan.problems, imported.text);
            for line in contents(&source) {
                proptest::prop_assert!(
                    imported.text.contains(&line),
                    "{:?} lost from {:?}:\n{}", line, source, imported.text
                );
            }
        }
    }
}
