//! Output of `manifest`: the derived manifest as TOML or JSON, or what `--write` changed.

use std::path::Path;
use std::process::ExitCode;

use backout::Result;
use backout::commands;
use backout::commands::manifest::{Derived, Endpoint};
use backout::derive::{self, DerivedItem, Merged, Note, escape};
use serde::Serialize;

use crate::cli::{ManifestArgs, ManifestFormat};

use super::{Output, bold, plural};

pub fn manifest(out: &Output, dir: &Path, args: &ManifestArgs) -> Result<ExitCode> {
    let workspace = backout::workspace::Workspace::open(dir)?;
    let options = commands::manifest::Options {
        spec: args.spec.as_deref(),
        from: args.from.as_deref(),
        to: args.to.as_deref(),
        write: args.write,
    };
    let derived = commands::manifest::run(&workspace, &options)?;
    match args.format {
        ManifestFormat::Json => out.print(&json(&derived))?,
        ManifestFormat::Toml if derived.write.is_some() => {
            if !out.quiet {
                out.print(&written(&derived))?;
            }
        }
        ManifestFormat::Toml => out.print(&derive::render(
            &derived.id,
            &derived.derivation,
            &header(&derived),
        ))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Where the items came from, as the derived manifest's first comment lines.
fn header(derived: &Derived) -> Vec<String> {
    let inferred = if derived.inferred {
        format!(" (the newest release of {})", derived.id.team)
    } else {
        String::new()
    };
    vec![
        format!(
            "{}{inferred}, derived by `backout manifest` from the files changed between {} and {}:",
            derived.id,
            derived.from.label(),
            derived.to.label()
        ),
        match derived.derivation.unmatched {
            0 => format!(
                "{}, each matched by a [[derive]] rule.",
                plural(derived.changed, "changed file")
            ),
            unmatched => format!(
                "{}, {unmatched} of them matched by no [[derive]] rule.",
                plural(derived.changed, "changed file")
            ),
        },
    ]
}

/// The JSON document of `manifest --format json`.
#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    team: &'a str,
    release: &'a str,
    manifest: &'a str,
    from: &'a Endpoint,
    to: &'a Endpoint,
    changed_files: usize,
    unmatched_files: usize,
    items: &'a [DerivedItem],
    notes: &'a [Note],
    #[serde(skip_serializing_if = "Option::is_none")]
    write: Option<Write<'a>>,
}

/// What `--write` did.
#[derive(Serialize)]
struct Write<'a> {
    created: bool,
    written: bool,
    #[serde(flatten)]
    merged: &'a Merged,
}

fn json(derived: &Derived) -> String {
    let value = Document {
        version: 1,
        team: &derived.id.team,
        release: &derived.id.release,
        manifest: &derived.path,
        from: &derived.from,
        to: &derived.to,
        changed_files: derived.changed,
        unmatched_files: derived.derivation.unmatched,
        items: &derived.derivation.items,
        notes: &derived.derivation.notes,
        write: derived.write.as_ref().map(|(merged, created)| Write {
            created: *created,
            written: merged.changed() || *created,
            merged,
        }),
    };
    // File names come from the changes a pull request makes: hazards as `\uXXXX`.
    let mut text =
        backout::diag::escape::json(serde_json::to_string_pretty(&value).unwrap_or_default());
    text.push('\n');
    text
}

/// What `--write` did to the manifest.
fn written(derived: &Derived) -> String {
    let Some((merged, created)) = &derived.write else {
        return String::new();
    };
    let mut text = format!(
        "derived {} for {} from {} between {} and {}\n",
        plural(derived.derivation.items.len(), "item"),
        derived.id,
        plural(derived.changed, "changed file"),
        derived.from.label(),
        derived.to.label()
    );
    for note in &derived.derivation.notes {
        text.push_str(&format!("note: {}\n", escape(&note.message)));
    }
    if !merged.changed() && !created {
        text.push_str(&format!(
            "{} already lists every derived item with its derived fields: nothing written\n",
            derived.path
        ));
        return text;
    }
    let verb = if *created { "created" } else { "wrote" };
    text.push_str(&format!(
        "{} {}: {} added, {} updated, {} kept as written\n",
        bold(verb),
        derived.path,
        plural(merged.added.len(), "item"),
        plural(merged.updated.len(), "field"),
        plural(merged.kept, "other item"),
    ));
    for id in &merged.added {
        let Some(item) = derived.derivation.item(id) else {
            continue;
        };
        let mut details = vec![item.kind.to_string()];
        if let Some(version) = &item.version {
            details.push(format!("version {version}"));
        }
        if let Some(previous) = &item.previous {
            details.push(format!("previous {previous}"));
        }
        if item.reversible == Some(false) {
            details.push("reversible = false".into());
        }
        text.push_str(&format!("  added    {id} ({})\n", details.join(", ")));
    }
    for update in &merged.updated {
        let old = update.old.as_deref().map_or("(not set)".into(), escape);
        text.push_str(&format!(
            "  updated  {} {}: {old} -> {}\n",
            update.id,
            update.field,
            escape(&update.new)
        ));
    }
    text
}
