//! Output of `publish`.

use std::path::Path;
use std::process::ExitCode;

use backout::commands;
use backout::diag::escape::inline;
use backout::diag::{self, Finding, HumanStyle, Tally};
use backout::workspace::Workspace;
use backout::{Error, Result};

use crate::cli::PublishArgs;

use super::{Output, bold, cleaned, plural, refusal};

/// The publish time: `SOURCE_DATE_EPOCH` when set (reproducible output), else the clock.
fn publish_time() -> Result<i64> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => value.trim().parse::<i64>().map_err(|_| {
            Error::msg(format!(
                "SOURCE_DATE_EPOCH is \"{value}\", not whole seconds since 1970; unset it or set it to a number such as 1764086400"
            ))
        }),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::msg(
            "SOURCE_DATE_EPOCH is not valid UTF-8; unset it or set it to whole seconds since 1970",
        )),
        Err(std::env::VarError::NotPresent) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .map_err(|_| Error::msg("the system clock is before 1970; set the clock or SOURCE_DATE_EPOCH")),
    }
}

pub fn publish(out: &Output, dir: &Path, args: &PublishArgs) -> Result<ExitCode> {
    use commands::publish::{Options, Outcome};
    let workspace = Workspace::open(dir)?;
    let options = Options {
        spec: &args.spec,
        out: args.out.as_deref(),
        dry_run: args.dry_run,
        now: publish_time()?,
    };
    match commands::publish::run(&workspace, &options)? {
        Outcome::Refused { id, findings } => {
            let tally = Tally::of(&findings);
            let shown: Vec<Finding> = if out.quiet {
                findings.iter().filter(|f| f.is_error()).cloned().collect()
            } else {
                findings
            };
            out.print(&diag::render_human(&shown, &HumanStyle::colored()))?;
            refusal(&format!(
                "refusing to publish {id}: check found {}; fix {} and run `backout publish {}` again",
                plural(tally.errors, "error"),
                if tally.errors == 1 { "it" } else { "them" },
                args.spec
            ));
            Ok(ExitCode::from(1))
        }
        Outcome::Uncommitted { id, files, commit } => {
            let (verb, pronoun) = if files.len() == 1 {
                ("has", "it")
            } else {
                ("have", "them")
            };
            refusal(&format!(
                "refusing to publish {id}: {} {verb} changes that are not committed, so HEAD ({}) is not the commit the plan would be published from; commit {pronoun} and run `backout publish {}` again",
                backout::check::join_and(&files),
                commit.get(..12).unwrap_or(&commit),
                args.spec
            ));
            Ok(ExitCode::from(1))
        }
        Outcome::Published(done) => {
            cleaned(out, &done.cleaned)?;
            if !out.quiet && !done.warnings.is_empty() {
                out.print(&diag::render_human(&done.warnings, &HumanStyle::colored()))?;
            }
            let stamp = format!(
                "status = \"published\", [published] at = {}, commit = \"{}\"",
                done.at, done.commit
            );
            if done.dry_run {
                let mut text = format!(
                    "{} nothing was written\nwould publish {}: set {stamp} in {}\n",
                    bold("dry run:"),
                    done.id,
                    done.plan_file
                );
                for file in &done.files {
                    text.push_str(&format!("would write {}\n", inline(file)));
                }
                out.print(&text)?;
            } else {
                let mut text = format!(
                    "{} {}: set {stamp} in {}\n",
                    bold("published"),
                    done.id,
                    done.plan_file
                );
                for file in &done.files {
                    text.push_str(&format!("wrote {}\n", inline(file)));
                }
                text.push_str(&format!(
                    "next: commit {}, open {} to check the page, then host {}/ (see docs/publish.md)\n",
                    done.plan_file,
                    inline(&done.page),
                    inline(&done.out_dir)
                ));
                out.note(&text)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
