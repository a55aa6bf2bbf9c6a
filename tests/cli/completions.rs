//! Shell completion: the scripts call back into backout (COMPLETE=<shell>), which completes
//! plan specs from the plans directory and git revisions from the repository.

use std::process::Command;

use crate::harness::{TestRepo, add_release, payments_repo, service};

fn two_team_repo() -> TestRepo {
    let repo = payments_repo(&[]);
    add_release(
        &repo,
        "checkout",
        "v3.0",
        &[service("cart-api", "3.0.0", "2.9.4")],
    );
    repo.write(
        "plans/checkout/v3.1/manifest.toml",
        "team = \"checkout\"\nrelease = \"v3.1\"\n",
    );
    repo.commit("plans");
    repo.tag("v1.4", true);
    repo
}

/// The candidates (value, help) fish would show for the words typed so far.
fn complete(repo: &TestRepo, words: &[&str]) -> Vec<(String, String)> {
    let mut args = vec!["--", "backout"];
    args.extend_from_slice(words);
    let run = repo.run_in_env(repo.path(), &[("COMPLETE", "fish")], &args);
    run.code(0);
    run.stdout
        .lines()
        .map(|line| {
            let (value, help) = line.split_once('\t').unwrap_or((line, ""));
            (value.to_string(), help.to_string())
        })
        .collect()
}

fn values(candidates: &[(String, String)]) -> Vec<&str> {
    candidates.iter().map(|(v, _)| v.as_str()).collect()
}

#[test]
fn plan_specs_complete_from_the_plans_directory() {
    let repo = two_team_repo();
    let all = complete(&repo, &["check", ""]);
    let specs: Vec<&str> = values(&all)
        .into_iter()
        .filter(|v| !v.starts_with('-'))
        .collect();
    assert_eq!(
        specs,
        [
            "v1.5",
            "v1.4",
            "checkout/v3.1",
            "checkout/v3.0",
            "payments/v1.5",
            "payments/v1.4"
        ]
    );
    assert!(all.contains(&("checkout/v3.1".into(), "manifest, no plan yet".into())));
    assert_eq!(
        values(&complete(&repo, &["publish", "check"])),
        ["checkout/v3.1", "checkout/v3.0"]
    );
    assert_eq!(
        values(&complete(
            &repo,
            &["baseline", "v1.5", "--from", "payments/"]
        )),
        ["payments/v1.5", "payments/v1.4"]
    );
    assert_eq!(
        values(&complete(&repo, &["diff", "--against", "v1.4"])),
        ["v1.4"]
    );
}

#[test]
fn revisions_complete_from_git() {
    let repo = two_team_repo();
    let revisions = complete(&repo, &["review", "--base", ""]);
    assert!(
        revisions.contains(&("HEAD".into(), "the checked-out commit".into())),
        "{revisions:?}"
    );
    assert!(
        revisions.contains(&("v1.4".into(), "tag".into())),
        "{revisions:?}"
    );
    assert!(
        revisions.iter().any(|(_, help)| help == "branch"),
        "{revisions:?}"
    );
    assert_eq!(
        values(&complete(&repo, &["manifest", "v1.5", "--from", "v1"])),
        ["v1.4"]
    );
}

#[test]
fn nothing_to_complete_outside_a_repository_is_no_error() {
    let repo = TestRepo::new();
    let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let run = repo.run_in_env(
        outside.path(),
        &[("COMPLETE", "fish")],
        &["--", "backout", "check", "v"],
    );
    run.code(0);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "");
}

#[test]
fn the_scripts_register_dynamic_completion() {
    let repo = TestRepo::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = repo.run(&["completions", shell]);
        run.code(0).stdout_has("COMPLETE");
    }
    let bash = repo.run(&["completions", "bash"]).stdout;
    if Command::new("bash").arg("--version").output().is_ok() {
        let checked = Command::new("bash")
            .args(["-n", "-c", &bash])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            checked.status.success(),
            "{}",
            String::from_utf8_lossy(&checked.stderr)
        );
    }
}

/// What bash offers for the words typed so far (the last one being completed): the real
/// script, sourced in bash and called as bash calls it on Tab.
fn bash_complete(repo: &TestRepo, dir: &std::path::Path, words: &[&str]) -> Option<Vec<String>> {
    Command::new("bash").arg("--version").output().ok()?;
    let script = repo.run(&["completions", "bash"]).stdout;
    let quoted: Vec<String> = words
        .iter()
        .map(|word| format!("'{}'", word.replace('\'', "'\\''")))
        .collect();
    let line = format!(
        "{script}\nCOMP_WORDS=(backout {words})\nCOMP_CWORD={index}\nCOMP_TYPE=9\n_clap_complete_backout backout {current} {previous}\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        words = quoted.join(" "),
        index = words.len(),
        current = quoted.last().cloned().unwrap_or_default(),
        previous = quoted
            .len()
            .checked_sub(2)
            .map_or_else(|| "backout".to_string(), |i| quoted[i].clone()),
    );
    // The script calls `backout` from PATH, as an installed one would.
    let binary = assert_cmd::cargo::cargo_bin("backout");
    let bin_dir = binary.parent().unwrap_or_else(|| panic!("{binary:?}"));
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut bash = Command::new("bash");
    bash.current_dir(dir)
        .args(["--norc", "--noprofile", "-c", &line])
        .env("PATH", path)
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1");
    let output = bash.output().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|line| !line.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

#[test]
fn bash_completes_plan_specs_and_revisions() {
    let repo = two_team_repo();
    let Some(specs) = bash_complete(&repo, repo.path(), &["check", "pay"]) else {
        return;
    };
    assert_eq!(specs, ["payments/v1.5", "payments/v1.4"]);
    let revisions =
        bash_complete(&repo, repo.path(), &["review", "--base", "v1"]).unwrap_or_default();
    assert_eq!(revisions, ["v1.4"]);
    // From a plan's directory, the same.
    let inside = repo.join("plans/checkout");
    let specs = bash_complete(&repo, &inside, &["export", "checkout/"]).unwrap_or_default();
    assert_eq!(specs, ["checkout/v3.1", "checkout/v3.0"]);
}

/// `-C DIR` before the command completes from DIR's repository, as the command would run.
#[test]
fn completion_follows_dash_c() {
    let here = TestRepo::new();
    let there = two_team_repo();
    let there_path = there.path().to_string_lossy().into_owned();
    assert_eq!(
        values(&complete(&here, &["-C", &there_path, "drill", "checkout/"])),
        ["checkout/v3.1", "checkout/v3.0"]
    );
    assert_eq!(
        values(&complete(
            &here,
            &[&format!("-C{there_path}"), "review", "--base", "v1"]
        )),
        ["v1.4"]
    );
    // Relative to the one before, as when running; an empty DIR changes nothing.
    let parent = there
        .path()
        .parent()
        .unwrap_or_else(|| panic!("no parent"))
        .to_string_lossy()
        .into_owned();
    let name = there
        .path()
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    assert_eq!(
        values(&complete(
            &here,
            &[
                "--color", "never", "-C", &parent, "-C", &name, "-C", "", "check", "v1.5"
            ]
        )),
        ["v1.5"]
    );
    assert_eq!(
        values(&complete(
            &here,
            &[&format!("-C={there_path}"), "new", "checkout/v3.1"]
        )),
        ["checkout/v3.1"]
    );
    if let Some(specs) = bash_complete(
        &here,
        here.path(),
        &["-C", &there_path, "check", "checkout/v3.0"],
    ) {
        assert_eq!(specs, ["checkout/v3.0"]);
    }
}
