//! Man pages: `backout man` prints backout(1); `backout man --dir DIR` writes backout.1 and
//! one backout-<command>.1 per command, each with its options, exit status, the environment
//! variables it reads, and examples (backout.1 also lists the files). backout(1) names the
//! command pages as backout-check(1) only when they are written beside it.

use std::path::Path;
use std::process::ExitCode;

use clap::Command;
use clap_mangen::Man;
use roff::{Roff, bold, italic, roman};

use backout::store::{self, FileWrite, Overwrite};
use backout::{Error, Result};

use super::Output;

/// Prints backout(1), or writes every page into `dir`.
pub fn man(out: &Output, command: Command, dir: Option<&Path>, force: bool) -> Result<ExitCode> {
    let Some(dir) = dir else {
        out.write_bytes(&main_page(command, false)?)?;
        return Ok(ExitCode::SUCCESS);
    };
    let pages = all_pages(command)?;
    let files: Vec<FileWrite> = pages
        .into_iter()
        .map(|(name, contents)| FileWrite {
            display: dir.join(&name).display().to_string(),
            path: dir.join(&name),
            contents,
        })
        .collect();
    // The pages are not the repository's files: the nearest directory that exists on the way
    // to DIR is the boundary, so nothing is written through a symlink that leaves it.
    let absolute = std::env::current_dir()
        .map_err(|e| Error::io("read", "the current directory", e))?
        .join(dir);
    let boundary = absolute
        .ancestors()
        .find(|ancestor| ancestor.is_dir())
        .unwrap_or(&absolute)
        .to_path_buf();
    let files: Vec<FileWrite> = files
        .into_iter()
        .map(|file| FileWrite {
            path: absolute.join(file.path.file_name().unwrap_or_default()),
            ..file
        })
        .collect();
    let written = store::write_all(
        &boundary,
        &files,
        if force {
            Overwrite::Allow
        } else {
            Overwrite::Refuse
        },
    )?;
    super::cleaned(out, &written.cleaned)?;
    out.note(&format!(
        "wrote {} man pages to {}\n",
        files.len(),
        dir.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// Every page: (file name, roff), backout.1 first.
pub fn all_pages(command: Command) -> Result<Vec<(String, String)>> {
    let mut command = command.disable_help_subcommand(true);
    command.build();
    let mut pages = vec![(
        format!("{}.1", command.get_name()),
        text(main_page(command.clone(), true)?)?,
    )];
    for sub in commands(&command) {
        let name = format!("{}-{}.1", command.get_name(), sub.get_name());
        pages.push((name, text(command_page(&command, sub)?)?));
    }
    Ok(pages)
}

fn commands(command: &Command) -> impl Iterator<Item = &Command> {
    command.get_subcommands().filter(|s| !s.is_hide_set())
}

fn text(bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes)
        .map_err(|_| Error::msg("a man page is not UTF-8; report this as a bug"))
}

fn failed(error: std::io::Error) -> Error {
    Error::io("render", "the man page", error)
}

/// backout(1). With `pages`, the commands are listed as their own pages, backout-check(1);
/// alone, as `backout check` lines.
fn main_page(mut command: Command, pages: bool) -> Result<Vec<u8>> {
    command.build();
    let man = Man::new(command.clone()).date(date());
    let mut buffer = Vec::new();
    man.render_title(&mut buffer).map_err(failed)?;
    man.render_name_section(&mut buffer).map_err(failed)?;
    man.render_synopsis_section(&mut buffer).map_err(failed)?;
    man.render_description_section(&mut buffer)
        .map_err(failed)?;
    man.render_options_section(&mut buffer).map_err(failed)?;
    let name = command.get_name().to_string();
    let mut roff = Roff::new();
    roff.control("SH", ["COMMANDS"]);
    for sub in commands(&command) {
        roff.control("TP", []);
        if pages {
            roff.text([bold(format!("{name}-{}", sub.get_name())), roman("(1)")]);
        } else {
            roff.text([bold(format!("{name} {}", sub.get_name()))]);
        }
        if let Some(about) = sub.get_about() {
            roff.text([roman(about.to_string())]);
        }
    }
    if !pages {
        roff.control("PP", []);
        roff.text([roman(format!(
            "Run `{name} COMMAND --help` for a command's options, or `{name} man --dir DIR` for a page per command."
        ))]);
    }
    exit_status(&mut roff, None);
    environment(&mut roff, None);
    files(&mut roff);
    examples(&mut roff, MAIN_EXAMPLES);
    see_also(
        &mut roff,
        pages.then(|| {
            commands(&command)
                .map(|s| format!("{name}-{}", s.get_name()))
                .collect()
        }),
    );
    version(&mut roff);
    roff.to_writer(&mut buffer).map_err(failed)?;
    Ok(buffer)
}

/// backout-<command>(1).
fn command_page(parent: &Command, command: &Command) -> Result<Vec<u8>> {
    let man = Man::new(command.clone()).date(date());
    let mut buffer = Vec::new();
    man.render_title(&mut buffer).map_err(failed)?;
    man.render_name_section(&mut buffer).map_err(failed)?;
    man.render_synopsis_section(&mut buffer).map_err(failed)?;
    man.render_description_section(&mut buffer)
        .map_err(failed)?;
    man.render_options_section(&mut buffer).map_err(failed)?;
    let mut roff = Roff::new();
    exit_status(&mut roff, Some(command.get_name()));
    environment(&mut roff, Some(command.get_name()));
    let examples_of: Vec<(&str, &str)> = EXAMPLES
        .iter()
        .filter(|(name, _, _)| *name == command.get_name())
        .map(|(_, line, what)| (*line, *what))
        .collect();
    examples(&mut roff, &examples_of);
    see_also(&mut roff, Some(vec![parent.get_name().to_string()]));
    version(&mut roff);
    roff.to_writer(&mut buffer).map_err(failed)?;
    Ok(buffer)
}

/// The page date: SOURCE_DATE_EPOCH's day when set (reproducible builds), else none.
fn date() -> String {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(backout::clock::utc)
        .and_then(|moment| moment.date)
        .map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
        .unwrap_or_default()
}

fn exit_status(roff: &mut Roff, command: Option<&str>) {
    let one = match command {
        Some("check") => "errors were found (or warnings, with --deny-warnings)",
        Some("list") => "a plan has errors",
        Some("review") => {
            "the change has errors: check findings of changed plans, published-changed"
        }
        Some("tags") => {
            "a release tag has no plan, or its plan does not parse (or is a draft, with [tags] deny_draft)"
        }
        Some("publish") => {
            "publishing was refused: the plan has errors, is a draft, or differs from HEAD"
        }
        Some("drill") => "the drill was recorded with result fail: a step failed or was skipped",
        Some("export") => {
            "the export was refused: check finds errors in the plan (pass --allow-errors to export it anyway)"
        }
        Some(_) => "not used by this command",
        None => {
            "the command ran and found errors (check findings, missing plans, a refused publish)"
        }
    };
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in [
        ("0", "success; warnings are allowed"),
        ("1", one),
        (
            "2",
            "it could not run: bad usage, bad backout.toml, not in a git repository, an unknown revision, unreadable input it needed, or a refusal to overwrite",
        ),
    ] {
        roff.control("TP", []);
        roff.text([bold(code)]);
        roff.text([roman(meaning)]);
    }
}

/// The environment variables backout reads: name, the commands that read it (none: only
/// backout(1) lists it), and what it does.
const ENVIRONMENT: &[(&str, &[&str], &str)] = &[
    (
        "NO_COLOR",
        &[],
        "When set (to anything), --color auto prints no colour.",
    ),
    (
        "GITHUB_STEP_SUMMARY",
        &["check", "review", "tags"],
        "With --format github, check, review and tags append a Markdown summary of what they found to this file (GitHub Actions sets it).",
    ),
    (
        "SOURCE_DATE_EPOCH",
        &[
            "publish", "drill", "check", "list", "review", "export", "man",
        ],
        "Whole seconds since 1970 that replace the clock: publish stamps and renders with this time, drill records it, and check, list, review and export measure the age of drills with it when [check] drill_max_age is set; man dates its pages with it.",
    ),
    (
        "BACKOUT_NO_CACHE",
        &["check", "list", "baseline", "publish", "export", "review"],
        "Set to anything but 0, false, no, off or nothing: as --no-cache, read every manifest and plan afresh and neither read nor write the cache of manifest ids and plan front matter.",
    ),
    (
        "XDG_CACHE_HOME",
        &["check", "list", "baseline", "publish", "export", "review"],
        "An absolute path: the cache is kept in its backout/ directory, one file per work tree, instead of the platform's cache directory (~/.cache/backout on Linux). Removing the directory clears the cache.",
    ),
    (
        "COMPLETE",
        &[],
        "Set by the shell completion scripts: backout then prints completions (plan specs, git revisions) instead of running. See backout completions.",
    ),
];

/// backout(1) lists every variable; a command's page the ones that command reads, if any.
fn environment(roff: &mut Roff, command: Option<&str>) {
    let read: Vec<&(&str, &[&str], &str)> = ENVIRONMENT
        .iter()
        .filter(|(_, commands, _)| command.is_none_or(|name| commands.contains(&name)))
        .collect();
    if read.is_empty() {
        return;
    }
    roff.control("SH", ["ENVIRONMENT"]);
    for (name, _, meaning) in read {
        roff.control("TP", []);
        roff.text([bold(*name)]);
        roff.text([roman(*meaning)]);
    }
}

fn files(roff: &mut Roff) {
    roff.control("SH", ["FILES"]);
    for (path, meaning) in [
        (
            "backout.toml",
            "Optional configuration at the root of the git work tree: plans_dir, default_team, language, [tags], [check], [publish], [sections], [[derive]]. backout schema config prints its JSON Schema.",
        ),
        (
            "plans/TEAM/RELEASE/plan.md",
            "A release's backout plan: TOML front matter between +++ lines, then Markdown sections.",
        ),
        (
            "plans/TEAM/RELEASE/manifest.toml",
            "What the release deploys: [[items]] with id, kind, version, previous, reversible.",
        ),
        (
            "plans/TEAM/RELEASE/drills/",
            "The records backout drill writes, one TOML file per rehearsal or incident.",
        ),
        (
            "public/",
            "Where publish writes the static site (--out changes it).",
        ),
        (
            "~/.cache/backout/",
            "The cache of manifest ids and plan front matter ($XDG_CACHE_HOME/backout/ when set; the platform's cache directory elsewhere): one file per work tree, outside the repository, safe to remove at any time. --no-cache and BACKOUT_NO_CACHE leave it alone.",
        ),
    ] {
        roff.control("TP", []);
        roff.text([italic(path)]);
        roff.text([roman(meaning)]);
    }
}

const MAIN_EXAMPLES: &[(&str, &str)] = &[
    (
        "backout init --team payments",
        "Start: backout.toml and plans/.",
    ),
    (
        "backout baseline --from v1.4",
        "Fork last release's plan into the newest release, and list what must change.",
    ),
    ("backout check", "Check every plan against its manifest."),
    (
        "backout review --base origin/main --format markdown",
        "Review a pull request's plan changes as a comment.",
    ),
];

/// (command, command line, what it does).
const EXAMPLES: &[(&str, &str, &str)] = &[
    (
        "init",
        "backout init --team payments",
        "Write backout.toml with default_team = \"payments\" and create plans/.",
    ),
    (
        "new",
        "backout new v1.5",
        "Create plans/<default team>/v1.5/plan.md and its manifest.toml.",
    ),
    (
        "new",
        "backout new checkout/v2.0",
        "Create a plan for another team.",
    ),
    ("check", "backout check", "Check every plan."),
    (
        "check",
        "backout check v1.5 checkout/v2.0",
        "Check two plans.",
    ),
    (
        "check",
        "backout check --format sarif > backout.sarif",
        "Write a SARIF report for code scanning.",
    ),
    (
        "check",
        "backout check --format gitlab > gl-code-quality-report.json",
        "Write a GitLab Code Quality report.",
    ),
    (
        "list",
        "backout list --format json",
        "Every plan with its status, baseline, items, errors and warnings.",
    ),
    (
        "tags",
        "backout tags --format github",
        "Check that every release tag has a plan, as GitHub annotations.",
    ),
    (
        "tags",
        "backout tags --at head",
        "Look for each tag's plan in HEAD instead of the tagged commit.",
    ),
    (
        "baseline",
        "backout baseline --from v1.4",
        "Fork v1.4's plan into the newest release that has a manifest.",
    ),
    (
        "baseline",
        "backout baseline v1.0 --from payments/v3.2 --dry-run",
        "Show what forking a sibling team's plan would write and what must change.",
    ),
    (
        "diff",
        "backout diff v1.5",
        "Compare v1.5's plan with its baseline source, section by section.",
    ),
    (
        "diff",
        "backout diff v1.5 --against v1.3 --format markdown",
        "The same against another release, for a comment.",
    ),
    (
        "review",
        "backout review --base origin/main",
        "Review the plans and manifests changed since origin/main.",
    ),
    (
        "review",
        "backout review --base origin/main --format markdown --max-bytes 60000",
        "A pull-request comment that fits GitHub's limit.",
    ),
    (
        "manifest",
        "backout manifest v1.5",
        "Print the items the [[derive]] rules find in v1.5's git changes.",
    ),
    (
        "manifest",
        "backout manifest v1.5 --write",
        "Merge them into v1.5's manifest.toml.",
    ),
    (
        "publish",
        "backout publish v1.5 --dry-run",
        "Say what publishing would stamp and write.",
    ),
    (
        "publish",
        "backout publish v1.5 --out site/",
        "Stamp the plan published and render the site into site/.",
    ),
    (
        "import",
        "backout import runbook.md v1.5 --dry-run",
        "Show where each section of runbook.md would come from; write nothing.",
    ),
    (
        "import",
        "backout import runbook.md checkout/v3.1",
        "Adopt runbook.md as checkout's v3.1 plan.",
    ),
    (
        "drill",
        "backout drill v1.5 --env staging",
        "Rehearse v1.5's procedure on staging, step by step, and record it.",
    ),
    (
        "drill",
        "backout drill v1.5 --incident",
        "Follow the procedure during a real backout, recording what was done.",
    ),
    (
        "export",
        "backout export v1.5 --format servicenow",
        "The fields of a ServiceNow change request, as JSON.",
    ),
    (
        "export",
        "backout export v1.5 --format text",
        "The plan as plain text for any ticket.",
    ),
    (
        "schema",
        "backout schema manifest > manifest.schema.json",
        "Save the manifest's JSON Schema for an editor.",
    ),
    (
        "completions",
        "backout completions bash > ~/.local/share/bash-completion/completions/backout",
        "Install bash completions.",
    ),
    (
        "completions",
        "echo 'source <(COMPLETE=zsh backout)' >> ~/.zshrc",
        "Dynamic zsh completions that also complete plan specs and revisions.",
    ),
    (
        "man",
        "backout man --dir ~/.local/share/man/man1",
        "Install every man page.",
    ),
];

fn examples(roff: &mut Roff, examples: &[(&str, &str)]) {
    if examples.is_empty() {
        return;
    }
    roff.control("SH", ["EXAMPLES"]);
    for (line, what) in examples {
        roff.control("TP", []);
        roff.text([bold(*line)]);
        roff.text([roman(*what)]);
    }
}

fn version(roff: &mut Roff) {
    roff.control("SH", ["VERSION"]);
    roff.text([roman(concat!("v", env!("CARGO_PKG_VERSION")))]);
}

fn see_also(roff: &mut Roff, pages: Option<Vec<String>>) {
    roff.control("SH", ["SEE ALSO"]);
    if let Some(pages) = pages {
        let mut line = Vec::new();
        for (i, page) in pages.iter().enumerate() {
            if i > 0 {
                line.push(roman(", "));
            }
            line.push(bold(page.clone()));
            line.push(roman("(1)"));
        }
        roff.text(line);
        roff.control("PP", []);
    }
    roff.text([roman(
        "The documentation: https://github.com/backout-dev/backout/tree/main/docs",
    )]);
}
