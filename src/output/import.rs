//! Output of `import`: where each required section's answer came from, what is still
//! unanswered, the times read, and what was written.

use std::path::Path;
use std::process::ExitCode;

use backout::Result;
use backout::commands;
use backout::commands::import::{Done, Options};
use backout::diag::escape;
use backout::import::{Answer, Imported, Shape, Stated};
use backout::sections::{Kind, Language};
use backout::workspace::Workspace;

use crate::cli::ImportArgs;

use super::{Output, bold, plural};

pub fn import(out: &Output, dir: &Path, args: &ImportArgs) -> Result<ExitCode> {
    let workspace = Workspace::open(dir)?;
    let options = Options {
        file: &args.file,
        spec: &args.spec,
        force: args.force,
        dry_run: args.dry_run,
    };
    let done = commands::import::run(&workspace, &options)?;
    out.print(&report(&done))?;
    out.note(&summary(&done))?;
    Ok(ExitCode::SUCCESS)
}

/// Source text as the terminal shows it: one line, no control characters, not too long,
/// and the other characters that must not reach a terminal raw (bidirectional controls,
/// line separators) as visible escapes.
fn shown(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let text = text.trim();
    let text = if text.chars().count() > 60 {
        let cut: String = text.chars().take(59).collect();
        format!("{}…", cut.trim_end())
    } else {
        text.to_string()
    };
    escape::inline(&text).into_owned()
}

fn report(done: &Done) -> String {
    let imported = &done.imported;
    let mut text = format!(
        "{} {} into {}{}\n",
        if done.written {
            "imported"
        } else {
            "would import"
        },
        shown(&done.source),
        done.path,
        if done.written {
            ""
        } else {
            " (dry run: nothing written)"
        }
    );
    if imported.wiki_markup {
        text.push_str(
            "the text is Jira wiki markup: read as Markdown (`h3.` a heading, `#` a numbered item, `{code}` a code block, `{{...}}` inline code)\n",
        );
    }
    if imported.language_detected {
        text.push_str(&format!(
            "the text is {}: titles and questions added are {} too\n",
            language_name(imported.language),
            language_name(imported.language)
        ));
    }
    text.push('\n');
    let width = 18;
    text.push_str(&format!(
        "{}\n",
        bold(&format!("{:<width$}{}", "section", "from the source"))
    ));
    for answer in &imported.sections {
        text.push_str(&format!(
            "{:<width$}{}\n",
            answer.kind.name(),
            describe(answer, imported)
        ));
    }
    text.push_str(&format!(
        "{:<width$}{}\n",
        "window",
        time(&imported.window, "72h")
    ));
    text.push_str(&format!(
        "{:<width$}{}\n",
        "duration",
        time(&imported.duration, "45m")
    ));
    if !imported.kept.is_empty() {
        let kept: Vec<String> = imported
            .kept
            .iter()
            .map(|(line, title)| format!("`## {}` (line {line})", shown(title)))
            .collect();
        text.push_str(&format!("{:<width$}{}\n", "also kept", kept.join(", ")));
    }
    if let Some(title) = &imported.steps_under {
        text.push_str(&format!(
            "hint: `## {}` holds steps; if it is the procedure, add `procedure = [\"{}\"]` under [sections] in backout.toml and import again{}\n",
            shown(title),
            shown(&title.replace('\\', "\\\\").replace('"', "\\\"")),
            if done.written { " with --force" } else { "" }
        ));
    }
    text
}

fn language_name(language: Language) -> &'static str {
    match language {
        Language::En => "English",
        Language::De => "German",
    }
}

fn shape_name(shape: Shape) -> &'static str {
    match shape {
        Shape::Title => "heading",
        Shape::Question => "question",
        Shape::Bold => "bold",
        Shape::Label => "label",
        Shape::Prose => "paragraph",
    }
}

/// One section's row: the lines it came from, or that it is not there.
fn describe(answer: &Answer, imported: &Imported) -> String {
    let title = answer.kind.title(imported.language);
    let Some(first) = answer.from.first() else {
        return format!("not in the source: added `## {title}` with its question");
    };
    let mut text = format!(
        "line {}: {} `{}`",
        first.line,
        shape_name(first.shape),
        shown(&first.words)
    );
    if first.shape != Shape::Title {
        text.push_str(&format!(" under `## {title}`"));
    }
    let more: Vec<String> = answer.from[1..]
        .iter()
        .map(|from| from.line.to_string())
        .collect();
    match more.as_slice() {
        [] => {}
        [one] => text.push_str(&format!(", and line {one}")),
        many => text.push_str(&format!(", and lines {}", many.join(", "))),
    }
    if !answer.answered {
        text.push_str(": unanswered");
    } else if answer.kind == Kind::Procedure {
        text.push_str(&format!(" ({})", plural(imported.steps, "step")));
    }
    text
}

fn time(stated: &Option<Stated>, example: &str) -> String {
    match stated {
        Some(stated) => format!(
            "{} (line {}: {})",
            stated.written,
            stated.line,
            shown(&stated.phrase)
        ),
        None => format!("not stated: left as \"TBD\" (write it like \"{example}\")"),
    }
}

fn summary(done: &Done) -> String {
    let imported = &done.imported;
    let mut text = String::from("\n");
    if done.written {
        match &done.manifest {
            Some(manifest) => text.push_str(&format!("wrote {} and {manifest}\n", done.path)),
            None => text.push_str(&format!("wrote {}\n", done.path)),
        }
    }
    let open: Vec<&str> = imported
        .sections
        .iter()
        .filter(|a| !a.answered)
        .map(|a| a.kind.name())
        .collect();
    let times = [&imported.window, &imported.duration]
        .iter()
        .filter(|t| t.is_none())
        .count();
    let mut todo = Vec::new();
    if !open.is_empty() {
        todo.push(format!(
            "answer {} ({})",
            plural(open.len(), "section"),
            open.join(", ")
        ));
    }
    if times > 0 {
        let which = match (&imported.window, &imported.duration) {
            (None, None) => "`window` and `duration`",
            (None, Some(_)) => "`window`",
            _ => "`duration`",
        };
        todo.push(format!("set {which}"));
    }
    if done.manifest.is_some() {
        todo.push(format!(
            "list what {} deploys in its manifest.toml",
            done.id.release
        ));
    }
    if !done.written {
        text.push_str("next: run it again without --dry-run to write the plan\n");
        return text;
    }
    let then = if todo.is_empty() {
        String::new()
    } else {
        format!("{}, then ", todo.join(", "))
    };
    text.push_str(&format!("next: {then}`backout check {}`\n", done.id));
    text
}
