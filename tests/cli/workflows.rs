//! The workflows, the composite action and the CI recipes in docs/ci.md follow the rules
//! actionlint and zizmor check: actions pinned by full commit SHA, no `${{ }}` expressions
//! inside `run:` scripts (template injection), and no `|| true` that would hide exit 2.

use std::fs;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(rel: &str) -> String {
    fs::read_to_string(Path::new(ROOT).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every YAML file the project ships or documents: (name, text).
fn yaml_sources() -> Vec<(String, String)> {
    let mut sources = Vec::new();
    let workflows = Path::new(ROOT).join(".github/workflows");
    let mut entries: Vec<_> = fs::read_dir(&workflows)
        .unwrap_or_else(|e| panic!("{}: {e}", workflows.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        sources.push((path.display().to_string(), text));
    }
    sources.push(("action.yml".into(), read("action.yml")));
    for (index, block) in fenced_blocks(&read("docs/ci.md"), "yaml")
        .into_iter()
        .enumerate()
    {
        sources.push((format!("docs/ci.md yaml block {}", index + 1), block));
    }
    sources
}

/// The bodies of the fenced code blocks of a Markdown text with the given info string.
pub fn fenced_blocks(markdown: &str, language: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        match &mut current {
            None if trimmed.starts_with("```") && trimmed[3..].trim() == language => {
                current = Some(String::new());
            }
            Some(_) if trimmed.starts_with("```") => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn actions_are_pinned_by_commit_sha() {
    for (name, text) in yaml_sources() {
        for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
            let Some(at) = line.find("uses:") else {
                continue;
            };
            let target = line[at + 5..].trim();
            if target.starts_with("./") || target.starts_with("docker://") {
                continue;
            }
            // The docs cannot know the commit of a release not yet tagged: they name it
            // SHA_OF_<tag> and say how to look it up.
            if name.starts_with("docs/") && target.starts_with("backout-dev/backout@SHA_OF_v") {
                continue;
            }
            let reference = target
                .split_whitespace()
                .next()
                .and_then(|t| t.rsplit_once('@'))
                .map(|(_, r)| r)
                .unwrap_or_else(|| panic!("{name}: `{line}` names no ref"));
            assert!(
                reference.len() == 40 && reference.chars().all(|c| c.is_ascii_hexdigit()),
                "{name}: `{}` is not pinned by a full commit SHA",
                line.trim()
            );
            assert!(
                line.contains(" # "),
                "{name}: `{}` lacks a comment naming the release of its SHA",
                line.trim()
            );
        }
    }
}

/// The YAML blocks of every page of docs/ and the README (recipes for other tools too).
fn all_doc_yaml() -> Vec<(String, String)> {
    let mut pages: Vec<_> = fs::read_dir(Path::new(ROOT).join("docs"))
        .unwrap_or_else(|e| panic!("docs: {e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.sort();
    pages.push(Path::new(ROOT).join("README.md"));
    let mut out = Vec::new();
    for page in pages {
        let text = fs::read_to_string(&page).unwrap_or_else(|e| panic!("{e}"));
        for (i, block) in fenced_blocks(&text, "yaml").into_iter().enumerate() {
            out.push((format!("{} yaml block {}", page.display(), i + 1), block));
        }
    }
    out
}

#[test]
fn run_scripts_hold_no_expressions_and_hide_no_exit_codes() {
    let mut scripts = 0;
    for (name, text) in yaml_sources().into_iter().chain(all_doc_yaml()) {
        for (number, script) in run_scripts(&text) {
            scripts += 1;
            assert!(
                !script.contains("${{"),
                "{name}:{number}: a `run:` script holds an expression; pass it through `env:`\n{script}"
            );
            assert!(
                !script.contains("|| true"),
                "{name}:{number}: `|| true` hides exit 2 (could not run); use `|| [ $? -eq 1 ]`\n{script}"
            );
        }
    }
    assert!(scripts > 10, "only {scripts} run scripts found");
}

/// Every `run:` script of a YAML text with its line number: the inline value or the
/// indented block below `run: |`.
fn run_scripts(text: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut scripts = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start().trim_start_matches("- ");
        let Some(value) = trimmed.strip_prefix("run:") else {
            continue;
        };
        let value = value.trim();
        if !value.starts_with('|') && !value.starts_with('>') {
            scripts.push((index + 1, value.to_string()));
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let body: Vec<&str> = lines[index + 1..]
            .iter()
            .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
            .copied()
            .collect();
        scripts.push((index + 1, body.join("\n")));
    }
    scripts
}

#[test]
fn no_recipe_hides_exit_2() {
    for rel in [
        "docs/ci.md",
        "README.md",
        "action.yml",
        "action/run.sh",
        "action/install.sh",
        "action/comment.sh",
    ] {
        // Prose may name it as `|| true`; commands may not use it.
        let text = read(rel).replace("`|| true`", "");
        assert!(
            !text.contains("|| true"),
            "{rel}: `|| true` hides exit 2; use `|| [ $? -eq 1 ]`"
        );
    }
    for (name, text) in yaml_sources() {
        assert!(!text.contains("|| true"), "{name}: `|| true` hides exit 2");
    }
}

#[test]
fn the_action_installs_this_version() {
    let action = read("action.yml");
    let expected = format!("default: \"{}\"", env!("CARGO_PKG_VERSION"));
    let version_input = action
        .split("\n  version:\n")
        .nth(1)
        .and_then(|rest| {
            rest.lines()
                .find(|l| l.trim_start().starts_with("default:"))
        })
        .unwrap_or_else(|| panic!("action.yml has no version input with a default"));
    assert_eq!(version_input.trim(), expected);
}

#[test]
fn the_release_archives_are_where_binstall_and_the_action_look() {
    let cargo = read("Cargo.toml");
    let release = read(".github/workflows/release.yml");
    let install = read("action/install.sh");
    // binstall: { name }-v{ version }-{ target }{ archive-suffix }, in a directory of that name.
    assert!(cargo.contains(
        "pkg-url = \"{ repo }/releases/download/v{ version }/{ name }-v{ version }-{ target }{ archive-suffix }\""
    ));
    assert!(cargo.contains("bin-dir = \"{ name }-v{ version }-{ target }/{ bin }{ binary-ext }\""));
    // The release names archives backout-<tag>-<target> (the tag is v<version>).
    assert!(release.contains("name=\"backout-$GITHUB_REF_NAME-$TARGET\""));
    assert!(install.contains("name=\"backout-v${version}-${target}\""));
    // Every target the action may ask for is built.
    for target in install.lines().filter_map(|l| {
        l.split_once(") target=")
            .map(|(_, t)| t.trim_end_matches(" ;;"))
    }) {
        assert!(
            release.contains(&format!("target: {target},")),
            "release.yml does not build {target}"
        );
    }
}

/// The `Package` step of release.yml, as the script it runs.
fn package_script() -> String {
    let release = read(".github/workflows/release.yml");
    let at = release
        .find("      - name: Package\n")
        .unwrap_or_else(|| panic!("release.yml has no Package step"));
    run_scripts(&release[at..])
        .into_iter()
        .next()
        .map(|(_, script)| {
            script
                .lines()
                .map(|l| l.strip_prefix("          ").unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_else(|| panic!("the Package step has no script"))
}

fn bash(script: &str, dir: &Path, env: &[(&str, String)]) -> std::process::Output {
    std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap_or_else(|e| panic!("bash: {e}"))
}

/// release.yml packages an archive; action/install.sh finds it by name, checks its SHA-256
/// and installs it; a changed archive is refused. GitHub is stood in for by a `curl` that
/// copies from the release directory.
#[cfg(unix)]
#[test]
fn the_action_installs_what_the_release_packages() {
    let tools = ["bash", "tar", "sha256sum"];
    if tools.iter().any(|t| {
        std::process::Command::new(t)
            .arg("--version")
            .output()
            .is_err()
    }) {
        eprintln!("skipped: needs {tools:?}");
        return;
    }
    let version = env!("CARGO_PKG_VERSION");
    let target = "x86_64-unknown-linux-musl";
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let checkout = work.path().join("checkout");
    let built = checkout.join(format!("target/{target}/release"));
    fs::create_dir_all(&built).unwrap_or_else(|e| panic!("{e}"));
    // The built binary, as a small stand-in that runs it (a debug build is 100 MB to gzip).
    let binary = assert_cmd::cargo::cargo_bin("backout");
    fs::write(
        built.join("backout"),
        format!("#!/bin/sh\nexec '{}' \"$@\"\n", binary.display()),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(built.join("backout"), fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    for file in ["README.md", "LICENSE-MIT", "LICENSE-APACHE"] {
        fs::copy(Path::new(ROOT).join(file), checkout.join(file)).unwrap_or_else(|e| panic!("{e}"));
    }
    let packaged = bash(
        &package_script(),
        &checkout,
        &[
            ("TARGET", target.into()),
            ("GITHUB_REF_NAME", format!("v{version}")),
            ("RUNNER_OS", "Linux".into()),
        ],
    );
    assert!(
        packaged.status.success(),
        "{}",
        String::from_utf8_lossy(&packaged.stderr)
    );
    let name = format!("backout-v{version}-{target}");
    let dist = checkout.join("dist");
    let listing = std::process::Command::new("tar")
        .arg("-tzf")
        .arg(dist.join(format!("{name}.tar.gz")))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let listing = String::from_utf8_lossy(&listing.stdout).into_owned();
    for file in [
        "backout",
        "README.md",
        "LICENSE-MIT",
        "man/backout.1",
        "man/backout-check.1",
        "completions/bash",
    ] {
        assert!(
            listing.contains(&format!("{name}/{file}")),
            "archive lacks {file}:\n{listing}"
        );
    }

    // A curl that serves the release directory.
    let bin = work.path().join("bin");
    fs::create_dir_all(&bin).unwrap_or_else(|e| panic!("{e}"));
    let curl = bin.join("curl");
    fs::write(
        &curl,
        format!(
            "#!/usr/bin/env bash\nout=\"\"; url=\"\"\nwhile [ $# -gt 0 ]; do case \"$1\" in --output) out=\"$2\"; shift 2 ;; --*) shift ;; *) url=\"$1\"; shift ;; esac; done\ncase \"$url\" in https://github.com/backout-dev/backout/releases/download/v{version}/*) cp \"{}/${{url##*/}}\" \"$out\" ;; *) echo \"unexpected $url\" >&2; exit 22 ;; esac\n",
            dist.display()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    fs::set_permissions(&curl, fs::Permissions::from_mode(0o755)).unwrap_or_else(|e| panic!("{e}"));

    let install = |runner_temp: &Path| {
        let github_path = runner_temp.join("github_path");
        let run = bash(
            &read("action/install.sh"),
            work.path(),
            &[
                ("BACKOUT_VERSION", version.into()),
                ("RUNNER_OS", "Linux".into()),
                ("RUNNER_ARCH", "X64".into()),
                ("RUNNER_TEMP", runner_temp.display().to_string()),
                ("GITHUB_PATH", github_path.display().to_string()),
                (
                    "PATH",
                    format!(
                        "{}:{}",
                        bin.display(),
                        std::env::var("PATH").unwrap_or_default()
                    ),
                ),
            ],
        );
        (run, fs::read_to_string(github_path).unwrap_or_default())
    };
    let temp = work.path().join("runner-temp");
    fs::create_dir_all(&temp).unwrap_or_else(|e| panic!("{e}"));
    let (run, path) = install(&temp);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(String::from_utf8_lossy(&run.stdout).contains(&format!("backout {version}")));
    let installed = Path::new(path.trim()).join("backout");
    assert!(installed.is_file(), "{path}");

    // An archive that does not match its published checksum is not installed.
    let archive = dist.join(format!("{name}.tar.gz"));
    let mut bytes = fs::read(&archive).unwrap_or_else(|e| panic!("{e}"));
    bytes.extend_from_slice(b"tampered");
    fs::write(&archive, bytes).unwrap_or_else(|e| panic!("{e}"));
    let temp = work.path().join("runner-temp-2");
    fs::create_dir_all(&temp).unwrap_or_else(|e| panic!("{e}"));
    let (run, path) = install(&temp);
    assert!(!run.status.success());
    assert!(path.is_empty(), "nothing may be put on PATH");
}

/// The action's run step (action/run.sh) against the real binary on PATH: each format goes
/// to the report the later steps upload or post, findings (exit 1) are recorded for the last
/// step, and a format the command does not take stops the step with a message that says which
/// commands take it, before backout runs.
#[cfg(unix)]
#[test]
fn the_action_runs_each_command_in_the_formats_it_takes() {
    use crate::harness::{TestRepo, add_release, service};
    if std::process::Command::new("bash")
        .arg("--version")
        .output()
        .is_err()
    {
        return;
    }
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    add_release(
        &repo,
        "payments",
        "v1.5",
        &[service("payments-api", "2.4.0", "2.3.1")],
    );
    repo.commit("payments v1.5");
    let base = repo.head().to_string();
    repo.edit(
        "plans/payments/v1.5/plan.md",
        "## Verification\n",
        "## Verification\nTODO\n",
    );
    repo.commit("a placeholder");

    let binary = assert_cmd::cargo::cargo_bin("backout");
    let bin_dir = binary.parent().unwrap_or_else(|| panic!("{binary:?}"));
    let temp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let run = |command: &str, format: &str| {
        let output_file = temp.path().join(format!("output-{command}-{format}"));
        fs::write(&output_file, "").unwrap_or_else(|e| panic!("{e}"));
        let env = [
            (
                "PATH",
                format!(
                    "{}:{}",
                    bin_dir.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            ),
            ("RUNNER_TEMP", temp.path().display().to_string()),
            ("GITHUB_OUTPUT", output_file.display().to_string()),
            ("BACKOUT_COMMAND", command.to_string()),
            ("BACKOUT_FORMAT", format.to_string()),
            ("BACKOUT_BASE", base.clone()),
            ("BACKOUT_ARGS", String::new()),
            ("NO_COLOR", "1".to_string()),
            ("GIT_CONFIG_NOSYSTEM", "1".to_string()),
        ];
        let output = bash(&read("action/run.sh"), repo.path(), &env);
        let outputs = fs::read_to_string(&output_file).unwrap_or_default();
        (output, outputs)
    };

    for (command, format, report) in [
        ("check", "sarif", Some("backout-check.sarif")),
        ("check", "gitlab", Some("backout-check.codequality.json")),
        ("check", "github", None),
        ("review", "markdown", Some("backout-review.md")),
        ("review", "gitlab", Some("backout-review.codequality.json")),
        ("review", "github", None),
    ] {
        let (output, outputs) = run(command, format);
        assert!(
            output.status.success(),
            "{command} {format}: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert!(
            outputs.contains("code=1\n"),
            "{command} {format}: {outputs}"
        );
        if let Some(name) = report {
            let path = temp.path().join(name);
            assert!(
                outputs.contains(&format!("report={}\n", path.display())),
                "{outputs}"
            );
            let text = fs::read_to_string(&path).unwrap_or_default();
            assert!(text.contains("placeholder"), "{name}: {text}");
        }
    }
    let (output, outputs) = run("tags", "github");
    assert!(
        output.status.success() && outputs.contains("code=0\n"),
        "{outputs}"
    );

    for (command, format, takes) in [
        ("review", "sarif", "check"),
        ("tags", "sarif", "check"),
        ("tags", "gitlab", "check and review"),
        ("check", "markdown", "review"),
        ("tags", "markdown", "review"),
    ] {
        let (output, outputs) = run(command, format);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command} {format}: {stdout}"
        );
        assert!(
            stdout.contains(&format!(
                "::error::the format input {format} works with command {takes}, not {command}"
            )),
            "{command} {format}: {stdout}"
        );
        assert!(!outputs.contains("code="), "backout ran: {outputs}");
    }
}
