//! Output of `export`: the document on standard output, and everything said about it on
//! standard error, so `backout export ... > change.json` holds the document only.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anstyle::{AnsiColor, Effects};

use backout::Result;
use backout::commands;
use backout::diag::{self, Finding, HumanStyle, Tally};
use backout::export::Format;
use backout::workspace::Workspace;

use crate::cli::{ExportArgs, ExportFormat};

use super::{Output, plural, refusal};

pub fn export(out: &Output, dir: &Path, args: &ExportArgs) -> Result<ExitCode> {
    use commands::export::{Options, Outcome};
    let workspace = Workspace::open(dir)?;
    let options = Options {
        spec: &args.spec,
        format: match args.format {
            ExportFormat::Json => Format::Json,
            ExportFormat::Text => Format::Text,
            ExportFormat::Markdown => Format::Markdown,
            ExportFormat::Servicenow => Format::Servicenow,
        },
        allow_errors: args.allow_errors,
    };
    match commands::export::run(&workspace, &options)? {
        Outcome::Refused { id, findings } => {
            let errors: Vec<Finding> = findings.iter().filter(|f| f.is_error()).cloned().collect();
            stderr(&diag::render_human(&errors, &HumanStyle::colored()));
            refusal(&format!(
                "refusing to export {id}: check found {}; fix {} and run the export again, or pass --allow-errors to export it with {}",
                plural(errors.len(), "error"),
                if errors.len() == 1 { "it" } else { "them" },
                if errors.len() == 1 { "it" } else { "them" },
            ));
            Ok(ExitCode::from(1))
        }
        Outcome::Exported(done) => {
            out.print(&done.document)?;
            let tally = Tally::of(&done.findings);
            if tally.errors > 0 {
                let style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);
                stderr(&format!(
                    "{style}warning{style:#}: exported {} with {} (--allow-errors); `backout check {}` shows {}\n",
                    done.id,
                    plural(tally.errors, "check error"),
                    done.id,
                    if tally.errors == 1 { "it" } else { "them" },
                ));
            } else if tally.warnings > 0 && !out.quiet {
                stderr(&format!(
                    "note: {} has {}; `backout check {}` shows {}\n",
                    done.id,
                    plural(tally.warnings, "warning"),
                    done.id,
                    if tally.warnings == 1 { "it" } else { "them" },
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes to standard error; a closed stream is not worth failing the export for.
fn stderr(text: &str) {
    let mut stderr = anstream::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
}
