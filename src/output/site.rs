//! Output of `publish`.

use std::path::Path;
use std::process::ExitCode;

use backout::Result;
use backout::commands;
use backout::diag::escape::inline;
use backout::diag::{self, Finding, HumanStyle, Tally};
use backout::workspace::Workspace;

use crate::cli::PublishArgs;

use super::{Output, bold, cleaned, plural, refusal};

pub fn publish(out: &Output, dir: &Path, args: &PublishArgs) -> Result<ExitCode> {
    use commands::publish::{Options, Outcome};
    let workspace = Workspace::open(dir)?;
    let options = Options {
        spec: &args.spec,
        out: args.out.as_deref(),
        dry_run: args.dry_run,
        now: backout::clock::now()?,
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
        Outcome::Draft { id, path } => {
            refusal(&format!(
                "refusing to publish {id}: its status is \"draft\" in {path}; once the plan is reviewed, set `status = \"approved\"`, commit, and run `backout publish {}` again (or allow drafts with `allow_draft = true` under [publish] in backout.toml)",
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
                    "next: commit {}, open {} to check the page, then host {} (see {})\n",
                    done.plan_file,
                    inline(&done.page),
                    inline(&as_directory(&done.out_dir)),
                    backout::docs_url!("publish.md")
                ));
                out.note(&text)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A directory as shown in a sentence: with one `/` at its end (`--out /` is `/`, not `//`).
fn as_directory(dir: &str) -> String {
    match dir.ends_with('/') {
        true => dir.to_string(),
        false => format!("{dir}/"),
    }
}

#[cfg(test)]
mod tests {
    use super::as_directory;

    #[test]
    fn a_directory_is_shown_with_one_slash() {
        assert_eq!(as_directory("public"), "public/");
        assert_eq!(as_directory("/srv/www"), "/srv/www/");
        assert_eq!(as_directory("/"), "/");
    }
}
