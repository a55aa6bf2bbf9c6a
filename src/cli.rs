//! The command line: flags and subcommands, as clap derives them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCompleter;

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
    /// Run as if backout was started in DIR. Like git: given again, each DIR is taken
    /// relative to the one before; an empty DIR changes nothing.
    #[arg(short = 'C', value_name = "DIR", action = clap::ArgAction::Append, value_parser = clap::value_parser!(std::ffi::OsString))]
    pub dir: Vec<std::ffi::OsString>,

    /// When to use colour (NO_COLOR is respected with `auto`).
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true, value_name = "WHEN")]
    pub color: ColorWhen,

    /// Print only what matters: no summaries or hints; `check` shows only the findings that
    /// fail it (errors, and warnings with --deny-warnings).
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Say more: `check` also says which rules did not run for which plans, and why.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Read every file afresh: neither use nor update the cache of manifest ids and plan
    /// front matter that backout keeps in the user's cache directory. BACKOUT_NO_CACHE set
    /// to anything but 0, false, no, off or nothing does the same.
    #[arg(
        long,
        global = true,
        env = "BACKOUT_NO_CACHE",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub no_cache: bool,

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
    /// Check that every release tag has a plan that parses; exit 1 when one is missing.
    Tags(TagsArgs),
    /// Fork an earlier plan into the release being prepared, and say what must change.
    #[command(
        long_about = "Fork an earlier plan into the release being prepared.\n\n\
            The new plan keeps the source's body and front-matter comments; it gets this release's \
            team and release, status = \"draft\" and [baseline] from/commit, and loses [tested] and \
            [published]. Then it is checked against this release's manifest and backout prints what \
            must change, section by section.\n\n\
            Without SPEC the target is the newest release of the default team that has a \
            manifest.toml. Without --from the source is the previous release of the same team; for \
            a team's first release, the latest plan of the sibling team whose latest manifest is most \
            like the target's (the ranking is printed); with no plan anywhere, the template of `new`."
    )]
    Baseline(BaselineArgs),
    /// Compare a plan with its baseline source, section by section, and the manifests.
    Diff(DiffArgs),
    /// Review the plans and manifests a pull request changes: section diffs, check findings
    /// of the head versions, and the review rules; exit 1 on errors.
    ///
    /// Review judges the whole repository: every other plan the change can reach (through a
    /// manifest, a release directory, a drill record or backout.toml) is checked at both
    /// revisions, and its new findings are listed as caused by this change. A new plan
    /// forked with `backout baseline` is compared with the plan it was forked from.
    Review(ReviewArgs),
    /// Derive a release's manifest items from the files it changed in git.
    #[command(
        long_about = "Derive a release's manifest items from the files it changed in git.\n\n\
            Every file that differs between --from (default: the team's greatest release tag below \
            the release, per [tags] glob and format) and --to (default: the release's tag, else \
            HEAD) is matched against the [[derive]] rules of backout.toml, for example:\n\n\
            [[derive]]\n\
            path = \"services/{id}/\"               # {id}: one path part; a trailing / = any file below\n\
            kind = \"service\"\n\
            version_file = \"services/{id}/VERSION\" # its first line is the version\n\n\
            [[derive]]\n\
            path = \"db/migrations/{id}.sql\"\n\
            kind = \"migration\"\n\
            reversible_if = \"db/migrations/{id}.down.sql\"\n\n\
            Prints the derived manifest. --write merges it into the release's manifest.toml: adds \
            the items it lacks and updates their derived fields (version and previous; reversible \
            only to false), keeping every other item, key and comment as it was. `check` reports an item the rules \
            find but the manifest lacks as `manifest-drift`.\n\n\
            A version_file named Cargo.toml, package.json or Chart.yaml gives that file's version \
            instead of its first line. Rules may also take `id` (a fixed id, or a template such as \
            \"db-{id}\") and `team` (the only team whose releases they apply to)."
    )]
    Manifest(ManifestArgs),
    /// Stamp a plan as published and render the static site on-call follows.
    #[command(long_about = concat!(
        "Stamp a plan as published and render the static site on-call follows.\n\n",
        "Refuses (exit 1) while `check` finds errors in the plan, while its status is \
        \"draft\" (unless `allow_draft = true` under [publish] in backout.toml), or while its \
        plan.md or manifest.toml differ from HEAD. Then sets `status = \"published\"` and \
        `[published] at/commit` in the plan's front matter (nothing else in the file \
        changes) and writes index.html and plans/<team>/<release>.html under --out. \
        SOURCE_DATE_EPOCH, when set, replaces the clock. See ",
        backout::docs_url!("publish.md"),
        "."
    ))]
    Publish(PublishArgs),
    /// Adopt a plan written elsewhere (Markdown or plain text) as a backout plan.
    #[command(
        long_about = concat!("Adopt a plan written elsewhere (Markdown or plain text) as a backout plan.\n\n\
            Reads FILE (with YAML, TOML or no front matter) and writes \
            plans/<team>/<release>/plan.md, and manifest.toml when it is missing. Headings, \
            bold questions and labels that answer a required section become its level-2 \
            section (the source's words stay), `Step N` lines, step headings and tables whose \
            rows are steps become procedure steps, and every other part stays under its own \
            heading. window and duration are read from sentences such as \"within 72 hours of \
            the deployment\" or \"takes about 45 minutes\", else left as \"TBD\". Prints where \
            each section's answer came from and what is still unanswered. See ",
            backout::docs_url!("import.md"),
            "."
        )
    )]
    Import(ImportArgs),
    /// Walk a plan's procedure step by step, as a rehearsal or in a real incident, and
    /// record what happened; exit 1 when a step was not done.
    #[command(long_about = concat!(
        "Walk a plan's procedure step by step, as a rehearsal or in a real incident, and \
        record what happened; exit 1 when a step was not done.\n\n",
        "On a terminal each step is shown with its commands and links, and answered done, \
        failed or skipped, with a note; a clock runs against the plan's `duration`. Without a \
        terminal, standard input gives one line per step: `done`, `failed` or `skipped`, \
        optionally followed by a note. The state is saved after every step, so an interrupted \
        drill goes on where it stopped. The record is written to \
        plans/<team>/<release>/drills/<UTC start time>.toml. SOURCE_DATE_EPOCH, when set, \
        replaces the clock. See ",
        backout::docs_url!("drill.md"),
        "."
    ))]
    Drill(DrillArgs),
    /// Print a plan for another system: JSON, plain text, Markdown, or the fields of a
    /// ServiceNow change request; refused (exit 1) while `check` finds errors in it.
    #[command(
        long_about = concat!("Print a plan for another system: a change request, a ticket, a wiki page, a script.\n\n\
            json is the plan model (front matter, sections with their canonical names, steps with \
            their commands and links, manifest items, the latest drills, check findings), version 1, \
            with a JSON Schema (`backout schema export`). servicenow is a JSON object with \
            the text fields of a change request (short_description, description, backout_plan, \
            test_plan, risk_impact_analysis) for the Table API or the DevOps change action. text is \
            plain text for any ticket; markdown is the body normalised under a header of facts.\n\n\
            Refused (exit 1, the findings on standard error) while `backout check SPEC` finds \
            errors, unless --allow-errors. Raw HTML, control characters and links other than \
            http, https and mailto are neutralised. See ",
            backout::docs_url!("export.md"),
            "."
        )
    )]
    Export(ExportArgs),
    /// Print the JSON Schema of manifest.toml, the plan front matter, backout.toml, or of
    /// what `export` prints.
    #[command(
        long_about = "Print the JSON Schema (draft-07) of manifest.toml, of the TOML front matter \
            of plan.md, or of backout.toml, for editors and other tools. Unknown keys are not \
            allowed, as backout does not allow them.\n\n\
            taplo and the Even Better TOML extension read a `#:schema URL` line at the top of a \
            TOML file; `backout init` and `backout new` write one pointing at this version's \
            schema. To use a local copy instead: backout schema manifest > manifest.schema.json\n\n\
            `export` and `servicenow` are the schemas of what `backout export --format json` and \
            `--format servicenow` print, for the scripts that read them."
    )]
    Schema(SchemaArgs),
    /// Print a shell completion script (it also completes plan specs and git revisions).
    #[command(
        long_about = "Print a shell completion script. The script asks backout for completions as \
            you type (through the COMPLETE environment variable), so it completes commands and \
            flags, plan specs (RELEASE and TEAM/RELEASE, from the plans directory) and git \
            revisions (HEAD, branches, remote branches, tags), from the repository the command \
            would run in: the current directory's, or the one `-C DIR` names. backout must be \
            on PATH.\n\n\
            bash: backout completions bash > ~/.local/share/bash-completion/completions/backout\n\
            zsh:  echo 'source <(COMPLETE=zsh backout)' >> ~/.zshrc\n\
            fish: backout completions fish > ~/.config/fish/completions/backout.fish"
    )]
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per command with --dir.
    Man(ManArgs),
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
    /// The plan to create: RELEASE (of the default team), TEAM/RELEASE, or its directory
    /// (`.` in it).
    #[arg(value_name = "SPEC", add = ArgValueCompleter::new(crate::completers::plan_spec))]
    pub spec: String,
    /// Overwrite an existing plan (a published one is final all the same).
    #[arg(long)]
    pub force: bool,
    /// The language of the titles and questions written: `en` or `de` (for a team whose
    /// language is not the repository's). Default: the language of the team's previous plan,
    /// else `language` in backout.toml.
    #[arg(long, value_name = "LANG", value_parser = ["en", "de"])]
    pub language: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Plans to check: RELEASE, TEAM/RELEASE, a TEAM (all its plans), or a path to a plan
    /// directory, its plan.md or a team directory, from here or from the work tree root.
    /// Default: every plan.
    #[arg(value_name = "SPEC|PATH", add = ArgValueCompleter::new(crate::completers::plan_spec))]
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
    /// Compiler-style diagnostics.
    Human,
    /// One JSON document for scripts.
    Json,
    /// GitHub Actions annotations, and a job summary in $GITHUB_STEP_SUMMARY.
    Github,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// A GitLab Code Quality report.
    Gitlab,
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
pub struct TagsArgs {
    /// Where to look for each plan: in the tagged commit's tree, or in HEAD's.
    #[arg(long, value_enum, default_value_t = TagsAt::Tag)]
    pub at: TagsAt,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TagsFormat::Human)]
    pub format: TagsFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TagsAt {
    Tag,
    Head,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TagsFormat {
    Human,
    Json,
    Github,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// The release to fork into: RELEASE (of the default team), TEAM/RELEASE, or its
    /// directory (`.` in it). Default: the newest release of the default team that has a
    /// manifest.toml.
    #[arg(value_name = "SPEC", add = ArgValueCompleter::new(crate::completers::plan_spec))]
    pub spec: Option<String>,
    /// The plan to fork: RELEASE (of the target's team), TEAM/RELEASE (a sibling team), or
    /// its directory or plan.md.
    #[arg(long, value_name = "SPEC", add = ArgValueCompleter::new(crate::completers::plan_spec))]
    pub from: Option<String>,
    /// Overwrite the target's existing plan (never a published one).
    #[arg(long)]
    pub force: bool,
    /// Print what would be written and what must change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The plan to compare: RELEASE, TEAM/RELEASE, or its directory or plan.md. Default: the
    /// newest plan of the default team.
    #[arg(value_name = "SPEC", add = ArgValueCompleter::new(crate::completers::plan_spec))]
    pub spec: Option<String>,
    /// Compare with this plan (RELEASE of the same team, TEAM/RELEASE, or its directory or
    /// plan.md) instead of the plan's baseline source ([baseline] from) or, without one, its previous release.
    #[arg(long, value_name = "SPEC", add = ArgValueCompleter::new(crate::completers::plan_spec))]
    pub against: Option<String>,
    /// Output format; markdown wraps diffs in ```diff fences for a pull-request comment.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Human,
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The revision the change starts from, such as origin/main.
    #[arg(long, value_name = "REV", add = ArgValueCompleter::new(crate::completers::revision))]
    pub base: String,
    /// The revision with the change.
    #[arg(long, value_name = "REV", default_value = "HEAD", add = ArgValueCompleter::new(crate::completers::revision))]
    pub head: String,
    /// Output format; markdown is a ready pull-request comment, github annotates the lines.
    #[arg(long, value_enum, default_value_t = ReviewFormat::Human)]
    pub format: ReviewFormat,
    /// With --format markdown: the most bytes the comment may take, at least 1000 (GitHub
    /// takes 65,536 characters). Section diffs are left out first, then findings, saying so.
    #[arg(long, value_name = "BYTES", default_value_t = 60_000, value_parser = clap::value_parser!(u64).range(1000..))]
    pub max_bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReviewFormat {
    Human,
    /// A pull-request comment, starting with the line <!-- backout:review -->.
    Markdown,
    /// GitHub Actions annotations (the changed files' first) and a job summary.
    Github,
    Json,
    /// A GitLab Code Quality report.
    Gitlab,
}

#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// The release: RELEASE (of the default team), TEAM/RELEASE, or its directory (`.` in
    /// it). Default: the newest release of the default team.
    #[arg(value_name = "SPEC", add = ArgValueCompleter::new(crate::completers::plan_spec))]
    pub spec: Option<String>,
    /// Where the release's changes start [default: the team's greatest release tag below it].
    #[arg(long, value_name = "REV", add = ArgValueCompleter::new(crate::completers::revision))]
    pub from: Option<String>,
    /// Where they end [default: the release's tag, else HEAD].
    #[arg(long, value_name = "REV", add = ArgValueCompleter::new(crate::completers::revision))]
    pub to: Option<String>,
    /// Merge the derived items into the release's manifest.toml (created when missing).
    #[arg(long)]
    pub write: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ManifestFormat::Toml)]
    pub format: ManifestFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ManifestFormat {
    Toml,
    Json,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The plan to publish: RELEASE (of the default team), TEAM/RELEASE, or its directory or
    /// plan.md.
    #[arg(value_name = "SPEC", add = ArgValueCompleter::new(crate::completers::plan_spec))]
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
pub struct SchemaArgs {
    /// Which file's schema.
    #[arg(value_enum, value_name = "FILE")]
    pub file: SchemaFile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaFile {
    /// plans/<team>/<release>/manifest.toml
    Manifest,
    /// The TOML front matter of plan.md
    Plan,
    /// backout.toml
    Config,
    /// The document `backout export --format json` prints
    Export,
    /// The object `backout export --format servicenow` prints
    Servicenow,
}

impl SchemaFile {
    /// The schema as pretty JSON with a final newline.
    pub fn render(self) -> String {
        use backout::schema::{self, Which};
        let value = match self {
            SchemaFile::Manifest => return schema::render(Which::Manifest),
            SchemaFile::Plan => return schema::render(Which::Plan),
            SchemaFile::Config => return schema::render(Which::Config),
            SchemaFile::Export => backout::export::schema(),
            SchemaFile::Servicenow => backout::export::servicenow_schema(),
        };
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    }
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write backout.1 and a backout-<command>.1 page per command into DIR (created when
    /// missing) instead of printing backout.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Overwrite pages that already exist in DIR.
    #[arg(long, requires = "dir")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The plan to adopt: a Markdown or plain-text file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The plan to write: RELEASE (of the default team), TEAM/RELEASE, or its directory
    /// (`.` in it).
    #[arg(value_name = "SPEC", add = ArgValueCompleter::new(crate::completers::plan_spec))]
    pub spec: String,
    /// Overwrite an existing plan (a published one is final all the same).
    #[arg(long)]
    pub force: bool,
    /// Print where each section's answer came from; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DrillArgs {
    /// The plan to walk: RELEASE (of the default team), TEAM/RELEASE, or its directory or
    /// plan.md.
    #[arg(value_name = "SPEC", add = ArgValueCompleter::new(crate::completers::plan_spec))]
    pub spec: String,
    /// Who runs the drill [default: git's user.name].
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    /// Where the drill runs, such as staging.
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
    /// This is a real backout during an incident, not a rehearsal.
    #[arg(long)]
    pub incident: bool,
    /// Discard the drill in progress, if any, and start again.
    #[arg(long)]
    pub restart: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The plan to export: RELEASE (of the default team), TEAM/RELEASE, or its directory or
    /// plan.md.
    #[arg(value_name = "SPEC", add = ArgValueCompleter::new(crate::completers::plan_spec))]
    pub spec: String,
    /// What to print.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Export a plan even though `check` finds errors in it (they are listed in the export).
    #[arg(long)]
    pub allow_errors: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// The plan model as one versioned JSON document.
    Json,
    /// Plain text for any ticket.
    Text,
    /// The body as Markdown, normalised, under a header of facts.
    Markdown,
    /// The text fields of a ServiceNow change request, as a JSON object.
    Servicenow,
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
