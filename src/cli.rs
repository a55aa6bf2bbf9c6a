//! The command line: flags and subcommands, as clap derives them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "backout",
    version,
    about = "Release backout (rollback) plans as code in git",
    long_about = "Release backout (rollback) plans as code in git.\n\n\
        Plans live in plans/<team>/<release>/plan.md next to the release's manifest.toml. \
        backout forks last release's plan, checks a plan against its manifest, reviews plan \
        changes in pull requests, makes sure every release tag has a plan, and publishes plans \
        as pages for the on-call engineer.",
    after_help = "Exit codes: 0 success (warnings allowed), 1 findings or refusals, 2 could not run.",
    max_term_width = 100
)]
pub struct Cli {
    /// Run as if backout was started in DIR.
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub dir: Option<PathBuf>,

    /// When to use colour (NO_COLOR is respected with `auto`).
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true, value_name = "WHEN")]
    pub color: ColorWhen,

    /// Print only what matters: errors and findings, no summaries or hints.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented backout.toml and create the plans directory.
    Init(InitArgs),
    /// Create a plan from the template (and its manifest.toml when missing).
    New(NewArgs),
    /// Check plans against their manifests and the rules; exit 1 on errors.
    Check(CheckArgs),
    /// One row per plan: status, baseline, manifest items, errors, warnings.
    List(ListArgs),
    /// Stamp a plan as published and render the static site on-call follows.
    ///
    /// Refuses (exit 1) while `check` finds errors in the plan, or while its plan.md or
    /// manifest.toml differ from HEAD. Then sets `status = "published"` and
    /// `[published] at/commit` in the plan's front matter (nothing else in the file
    /// changes) and writes index.html and plans/<team>/<release>.html under --out.
    /// SOURCE_DATE_EPOCH, when set, replaces the clock. See docs/publish.md.
    Publish(PublishArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    Man,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The default team, written as `default_team`.
    #[arg(long, value_name = "TEAM")]
    pub team: Option<String>,
    /// Overwrite an existing backout.toml.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The plan to create: RELEASE (of the default team) or TEAM/RELEASE.
    #[arg(value_name = "SPEC")]
    pub spec: String,
    /// Overwrite an existing plan.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Plans to check: RELEASE, TEAM/RELEASE, or a path to a plan directory or plan.md.
    /// Default: every plan.
    #[arg(value_name = "SPEC|PATH")]
    pub targets: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    Github,
    Sarif,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The plan to publish: RELEASE (of the default team) or TEAM/RELEASE.
    #[arg(value_name = "SPEC")]
    pub spec: String,
    /// Where to write the site [default: public/ at the repository root]. A relative DIR
    /// is taken from the current directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Say what would be stamped and written, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
