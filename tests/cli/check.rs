//! `backout check`: every rule, every format, every exit code, and bad input.

use crate::harness::{TestRepo, add_release, manifest, migration, plan, service};

fn payments_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    add_release(
        &repo,
        "payments",
        "v1.4",
        &[
            service("payments-api", "2.3.1", "2.3.0"),
            service("ledger-worker", "1.1.0", "1.0.0"),
        ],
    );
    add_release(
        &repo,
        "payments",
        "v1.5",
        &[
            service("payments-api", "2.4.0", "2.3.1"),
            migration("0042_add_ledger_index"),
        ],
    );
    repo
}

const V15: &str = "plans/payments/v1.5/plan.md";
const V15_MANIFEST: &str = "plans/payments/v1.5/manifest.toml";

#[test]
fn clean_plans_pass() {
    let repo = payments_repo();
    repo.run(&["check"])
        .code(0)
        .stdout_has("checked 2 plans: no problems found");
}

#[test]
fn one_plan_by_spec_or_path() {
    let repo = payments_repo();
    repo.edit(
        "plans/payments/v1.4/plan.md",
        "## Decision",
        "## Decision\nTODO",
    );
    repo.run(&["check", "v1.5"])
        .code(0)
        .stdout_has("checked 1 plan");
    repo.run(&["check", "payments/v1.5"]).code(0);
    repo.run(&["check", V15]).code(0);
    repo.run(&["check", "plans/payments/v1.5"]).code(0);
    repo.run_in(&repo.join("plans/payments"), &["check", "v1.5"])
        .code(0);
    repo.run(&["check", "v1.4"]).code(1);
    repo.run(&["check", "./plans/payments/v9/plan.md"])
        .code(2)
        .stderr_has("./plans/payments/v9/plan.md does not exist");
    repo.run(&["check", "v9"])
        .code(2)
        .stderr_has("no plan at plans/payments/v9/plan.md");
}

#[test]
fn foreign_item_names_the_release_it_belongs_to() {
    let repo = payments_repo();
    repo.edit(
        V15,
        "## Verification",
        "4. Restart `ledger-worker`: `kubectl rollout restart ledger-worker`\n\n## Verification",
    );
    let run = repo.run(&["check", "v1.5"]);
    run.code(1)
        .stdout_has(
            "error[foreign-item]: `ledger-worker` belongs to payments/v1.4, not to payments/v1.5",
        )
        .stdout_has("--> plans/payments/v1.5/plan.md:")
        .stdout_has("^^^^^^^^^^^^^");
}

#[test]
fn shared_ids_and_refers_are_not_foreign() {
    let repo = payments_repo();
    repo.edit(
        V15,
        "## Verification",
        "Note: `ledger-worker` keeps running.\n\n## Verification",
    );
    repo.run(&["check", "v1.5", "--format", "json"]).code(1);
    repo.edit(
        V15,
        "duration = \"45m\"",
        "duration = \"45m\"\nrefers = [\"ledger-worker\"]",
    );
    repo.run(&["check", "v1.5"]).code(0);
    repo.edit(V15, "refers = [\"ledger-worker\"]", "refers = []");
    repo.write(
        "backout.toml",
        "default_team = \"payments\"\n[check]\nshared = [\"ledger-worker\"]\n",
    );
    repo.run(&["check", "v1.5"]).code(0);
}

#[test]
fn newer_releases_of_the_same_team_are_not_in_the_vocabulary() {
    let repo = payments_repo();
    // v1.6 introduces a new item; the older v1.5 plan mentioning the word must not fail.
    repo.write(
        "plans/payments/v1.6/manifest.toml",
        manifest(
            "payments",
            "v1.6",
            &[service("fraud-scorer", "1.0.0", "0.9.0")],
        ),
    );
    repo.edit(
        V15,
        "## Verification",
        "The fraud-scorer is not part of this release.\n\n## Verification",
    );
    repo.run(&["check", "v1.5"]).code(0);
    // ...but another team's item always is.
    repo.write(
        "plans/checkout/v2.0/manifest.toml",
        manifest("checkout", "v2.0", &[service("cart-api", "3.0.0", "2.9.0")]),
    );
    repo.edit(
        V15,
        "## Verification",
        "Also restart cart-api.\n\n## Verification",
    );
    repo.run(&["check", "v1.5", "--format", "json"]).code(1);
    let run = repo.run(&["check", "payments/v1.5"]);
    run.stdout_has("`cart-api` belongs to checkout/v2.0, not to payments/v1.5");
}

#[test]
fn uncovered_and_irreversible_items() {
    let repo = TestRepo::new();
    repo.write(
        "plans/payments/v1.5/manifest.toml",
        manifest(
            "payments",
            "v1.5",
            &[
                service("payments-api", "2.4.0", "2.3.1"),
                migration("0042_add_ledger_index"),
            ],
        ),
    );
    let items = [service("payments-api", "2.4.0", "2.3.1")];
    repo.write(V15, plan("payments", "v1.5", &items));
    let run = repo.run(&["check", "--format", "json"]);
    run.code(1);
    assert_eq!(run.rules(), ["uncovered-item", "irreversible-item"]);
    let json = run.json();
    let message = json["findings"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`0042_add_ledger_index` (migration) is not covered"),
        "{message}"
    );
    // Named in a step without a command: covered, but still irreversible without detail.
    repo.edit(
        V15,
        "## Verification",
        "2. Leave 0042_add_ledger_index in place\n\n## Verification",
    );
    let run = repo.run(&["check", "--format", "json"]);
    assert_eq!(run.rules(), ["step-without-how", "irreversible-item"]);
    // A contingency for it settles the irreversible rule.
    repo.edit(
        V15,
        "## Testing",
        "- 0042_add_ledger_index stays; the old code ignores the index.\n\n## Testing",
    );
    let run = repo.run(&["check", "--format", "json"]);
    assert_eq!(run.rules(), ["step-without-how"]);
    run.code(0);
    repo.run(&["check", "--deny-warnings"]).code(1);
}

#[test]
fn missing_unanswered_and_placeholder_sections() {
    let repo = payments_repo();
    repo.edit(
        V15,
        "## Decision\nThe incident commander on call decides.\n",
        "",
    );
    repo.edit(
        V15,
        "Post in #releases before and after.",
        "<!-- who is told? -->",
    );
    repo.edit(V15, "Rehearsed on staging.", "TBD, FIXME later");
    let run = repo.run(&["check", "v1.5", "--format", "json"]);
    run.code(1);
    assert_eq!(
        run.rules(),
        [
            "missing-section",
            "unanswered-section",
            "placeholder",
            "placeholder"
        ]
    );
    let human = repo.run(&["check", "v1.5"]);
    human
        .stdout_has("error[missing-section]: section `## Decision` is missing")
        .stdout_has(
            "help: add a `## Decision` section that answers: Which authorising agent decides",
        )
        .stdout_has("error[unanswered-section]: section `## Communication` is unanswered")
        .stdout_has("error[placeholder]: placeholder `TBD` left in the plan");
}

#[test]
fn stale_versions_and_foreign_releases_are_warnings() {
    let repo = payments_repo();
    add_release(&repo, "payments", "v1.3", &[]);
    repo.edit(V15,
        "## Verification",
        "3. Pin `payments-api` to 2.2.9 (not 2.3.1, as in v1.3): `pin payments-api`, wait 1.5h, up to 2.5% errors\n\n## Verification",
    );
    let run = repo.run(&["check", "v1.5", "--format", "json"]);
    run.code(0);
    assert_eq!(run.rules(), ["stale-version", "foreign-release"]);
    let json = run.json();
    assert_eq!(json["findings"][0]["severity"], "warning");
    let message = json["findings"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("version 2.2.9 matches no item referenced here"),
        "{message}"
    );
    // The previous release (v1.4) and the plan's own release are fine to name.
    repo.edit(V15, "as in v1.3", "as in v1.4 and v1.5");
    let run = repo.run(&["check", "v1.5", "--format", "json"]);
    assert_eq!(run.rules(), ["stale-version"]);
}

#[test]
fn window_and_testing_rules() {
    let repo = payments_repo();
    repo.edit(V15, "duration = \"45m\"", "duration = \"3d1h\"");
    repo.edit(V15, "status = \"draft\"", "status = \"approved\"");
    let run = repo.run(&["check", "v1.5", "--format", "json"]);
    run.code(1);
    assert_eq!(run.rules(), ["untested", "window-too-short"]);
    repo.run(&["check", "v1.5"])
        .stdout_has("the rollback takes 3d1h but can only start within 3d of deployment")
        .stdout_has("warning[untested]: the plan is approved but has no passing test");
    repo.edit(
        V15,
        "duration = \"3d1h\"",
        "duration = \"1h\"\n[tested]\non = 2026-11-20\nresult = \"pass\"",
    );
    repo.run(&["check", "v1.5"]).code(0);
}

#[test]
fn output_formats() {
    let repo = payments_repo();
    repo.edit(
        V15,
        "## Decision\nThe incident commander on call decides.",
        "## Decision\nTODO",
    );
    let github = repo.run(&["check", "--format", "github"]);
    github.code(1);
    assert!(
        github.stdout.starts_with("::error file=plans/payments/v1.5/plan.md,line=15,endLine=15,col=1,endColumn=5,title=placeholder::placeholder `TODO` left in the plan%0Ahelp: "),
        "{}",
        github.stdout
    );
    let json = repo.run(&["check", "--format", "json"]).json();
    assert_eq!(json["version"], 1);
    assert_eq!(json["plans_checked"], 2);
    assert_eq!(json["errors"], 1);
    let finding = &json["findings"][0];
    for key in ["rule", "severity", "file", "line", "column", "message"] {
        assert!(!finding[key].is_null(), "{key}");
    }
    assert_eq!(finding["file"], V15);
    assert_eq!(finding["line"], 15);
    assert_eq!(finding["column"], 1);
    let sarif = repo.run(&["check", "--format", "sarif"]).json();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "backout");
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(rules >= 12);
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "placeholder");
    assert_eq!(result["level"], "error");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], V15);
    assert_eq!(location["region"]["startLine"], 15);
}

#[test]
fn human_output_is_a_compiler_diagnostic() {
    let repo = payments_repo();
    repo.edit(
        V15,
        "## Decision\nThe incident commander on call decides.",
        "## Decision\nThe TODO commander decides.",
    );
    let run = repo.run(&["check"]);
    run.code(1);
    assert_eq!(
        run.stdout,
        "error[placeholder]: placeholder `TODO` left in the plan
  --> plans/payments/v1.5/plan.md:15:5
   |
15 | The TODO commander decides.
   |     ^^^^
   = help: replace it with what production support needs to know

checked 2 plans: 1 error, 0 warnings
"
    );
    let quiet = repo.run(&["check", "-q"]);
    assert!(!quiet.stdout.contains("checked"), "{}", quiet.stdout);
    // Quiet still shows a warning that fails the check.
    repo.edit(V15, "The TODO commander decides.", "The commander decides.");
    repo.edit(
        V15,
        "\n## Verification",
        "3. Step without a command\n\n## Verification",
    );

    repo.run(&["check", "-q"]).code(0).stdout_lacks("warning");
    repo.run(&["check", "-q", "--deny-warnings"])
        .code(1)
        .stdout_has("warning[step-without-how]");
}

#[test]
fn a_broken_plan_does_not_hide_the_others() {
    let repo = payments_repo();
    repo.write("plans/payments/v1.4/plan.md", "+++\nteam = [\n+++\n");
    repo.write(
        V15_MANIFEST,
        "team = \"payments\"\nrelease = \"v1.5\"\n[[items]]\nid = 3\n",
    );
    let run = repo.run(&["check", "--format", "json"]);
    run.code(1);
    let json = run.json();
    let files: Vec<&str> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["file"].as_str().unwrap_or_default())
        .collect();
    assert!(files.contains(&"plans/payments/v1.4/plan.md"), "{files:?}");
    assert!(files.contains(&V15_MANIFEST), "{files:?}");
    let invalid: Vec<&str> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "invalid-plan")
        .map(|f| f["message"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(invalid.len(), 3, "{invalid:?}");
    assert!(invalid[0].starts_with("not valid TOML"), "{invalid:?}");
    assert_eq!(invalid[1], "`kind` in items[1] is missing");
    assert_eq!(
        invalid[2],
        "`id` in items[1] must be a string, not the integer 3"
    );
}

#[test]
fn invalid_plans_are_findings_with_lines() {
    let cases: [(&str, &str, &str); 6] = [
        (
            "+++\nteam = \"payments\"\nrelease = \"v1.5\"\nstatus = \"draft\"\nwindow = \"72h\"\nduration = \"45m\"\nowner = \"me\"\n+++\n",
            "unknown key `owner`",
            "7",
        ),
        (
            "+++\nteam = \"payments\"\nrelease = \"v1.5\"\nstatus = 1\nwindow = \"72h\"\nduration = \"45m\"\n+++\n",
            "`status` must be a string, not the integer 1",
            "4",
        ),
        ("+++\nteam = \"payments\n+++\n", "not valid TOML", "2"),
        ("# just markdown\n", "the plan has no front matter", "1"),
        ("", "the plan is empty", "1"),
        (
            "+++\nteam = \"checkout\"\nrelease = \"v1.5\"\nstatus = \"draft\"\nwindow = \"72h\"\nduration = \"45m\"\n+++\n",
            "front matter `team` is \"checkout\" but the directory says \"payments\"",
            "2",
        ),
    ];
    for (text, message, line) in cases {
        let repo = payments_repo();
        repo.write(V15, text);
        let before = repo.snapshot();
        let run = repo.run(&["check", "v1.5"]);
        run.code(1)
            .stdout_has("error[invalid-plan]")
            .stdout_has(message)
            .stdout_has(&format!("plans/payments/v1.5/plan.md:{line}:"));
        assert!(repo.snapshot() == before, "check wrote to the repository");
    }
}

#[test]
fn invalid_manifests_are_findings() {
    let repo = payments_repo();
    repo.write(
        V15_MANIFEST,
        "team = \"payments\"\nrelease = \"v1.5\"\n[[items]]\nid = \"x\"\nkind = \"servise\"\n",
    );
    repo.run(&["check", "v1.5"])
        .code(1)
        .stdout_has("item kind \"servise\" is not known")
        .stdout_has("did you mean \"service\"?")
        .stdout_has("--> plans/payments/v1.5/manifest.toml:5:8");
    repo.remove(V15_MANIFEST);
    repo.run(&["check", "v1.5"])
        .code(1)
        .stdout_has("plans/payments/v1.5/manifest.toml is missing");
}

#[test]
fn unreadable_files_are_findings() {
    let repo = payments_repo();
    repo.write(V15, b"+++\nteam = \"payments\"\n\xff\xfe\n+++\n");
    repo.run(&["check", "v1.5"])
        .code(1)
        .stdout_has("is not valid UTF-8")
        .stdout_has("plan.md:3:");
    let big = "x".repeat(50 * 1024 * 1024);
    repo.write(V15, big);
    repo.run(&["check"])
        .code(1)
        .stdout_has("more than the 8 MB backout reads")
        .stdout_has("help: shorten it (a plan should be short enough to follow");
}

#[test]
fn bad_directory_names_and_escaping_symlinks() {
    let repo = payments_repo();
    add_release(&repo, "payments", "bad name", &[]);
    let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(outside.path().join("plan.md"), "+++\n+++\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(repo.join("plans/payments/v1.6")).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(
        outside.path().join("plan.md"),
        repo.join("plans/payments/v1.6/plan.md"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(outside.path(), repo.join("plans/elsewhere"))
        .unwrap_or_else(|e| panic!("{e}"));
    let run = repo.run(&["check"]);
    run.code(1)
        .stdout_has("directory name `bad name` contains a space")
        .stdout_has("plans/payments/v1.6/plan.md is a symlink to a file outside the repository")
        .stdout_has("plans/elsewhere")
        .stdout_has("symlink to a directory outside the repository");
}

#[test]
fn bad_specs_and_config_exit_2() {
    let repo = payments_repo();
    repo.run(&["check", "../x"])
        .code(2)
        .stderr_has("is not a plan name");
    repo.run(&["check", "my team/v1"])
        .code(2)
        .stderr_has("contains a space");
    repo.run(&["check", "a/b/c"])
        .code(2)
        .stderr_has("TEAM/RELEASE");
    repo.write("backout.toml", "defualt_team = \"payments\"\n");
    repo.run(&["check"])
        .code(2)
        .stderr_has("backout.toml:1:1: unknown key `defualt_team`; did you mean `default_team`?");
    repo.write("backout.toml", "default_team = [\n");
    repo.run(&["check"])
        .code(2)
        .stderr_has("backout.toml:1:")
        .stderr_has("not valid TOML");
    repo.write("backout.toml", "[tags]\nformat = 3\n");
    repo.run(&["list"])
        .code(2)
        .stderr_has("`format` in [tags] must be a string");
}

#[test]
fn outside_a_repository_exits_2() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = TestRepo::new();
    repo.run_in(dir.path(), &["check"])
        .code(2)
        .stderr_has("is not inside a git work tree");
    repo.run(&["-C", "/nonexistent/dir", "check"])
        .code(2)
        .stderr_has("no such directory");
    // A file given to -C (a plan.md copied from a finding) is named as what it is.
    repo.write("plans/payments/v1.5/plan.md", "");
    repo.run(&["-C", "plans/payments/v1.5/plan.md", "check"])
        .code(2)
        .stderr_has(
            "plans/payments/v1.5/plan.md: a file, not a directory; pass the directory it is in",
        );
    repo.run(&["check", "--format", "xml"])
        .code(2)
        .stderr_has("invalid value 'xml'");
}

#[test]
fn dash_c_runs_elsewhere() {
    let repo = payments_repo();
    let elsewhere = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = repo.path().display().to_string();
    repo.run_in(
        elsewhere.path(),
        &["-C", "", "-C", &dir, "-C", "plans", "check"],
    )
    .code(0)
    .stdout_has("checked 2 plans");
}

#[test]
fn no_plans_is_fine() {
    let repo = TestRepo::new();
    repo.run(&["check"])
        .code(0)
        .stdout_has("no plans found under plans/");
}

#[test]
fn a_merge_conflict_left_in_a_plan_fails_the_check() {
    // Two branches changed the same step; the rebase left both sides in the plan, and the
    // author committed it. On call would find two first steps.
    let repo = crate::harness::payments_repo(&[]);
    let plan = "plans/payments/v1.5/plan.md";
    repo.edit(
        plan,
        "1. Roll back `payments-api` to 2.3.1: `deploy payments-api 2.3.1`\n",
        "<<<<<<< HEAD\n1. Roll back `payments-api` to 2.3.1: `deploy payments-api 2.3.1`\n=======\n1. Roll back `payments-api` to 2.3.1 with helm: `helm rollback payments-api 41`\n>>>>>>> 5c1f2e9 (helm rollbacks)\n",
    );
    repo.commit("rebased");
    let run = repo.run(&["check"]);
    run.code(1).stdout_has(
        "error[conflict-marker]: unresolved merge conflict: lines 21 to 25 hold both sides of a merge, from `<<<<<<<` to `>>>>>>>`",
    );
    assert_eq!(
        repo.run(&["check", "--format", "json"]).rules(),
        ["conflict-marker"]
    );
    // Nothing that merely looks like it: a setext heading underline, arrows in prose.
    repo.edit(
        plan,
        "<<<<<<< HEAD\n1. Roll back `payments-api` to 2.3.1: `deploy payments-api 2.3.1`\n=======\n1. Roll back `payments-api` to 2.3.1 with helm: `helm rollback payments-api 41`\n>>>>>>> 5c1f2e9 (helm rollbacks)\n",
        "1. Roll back `payments-api` to 2.3.1: `deploy payments-api 2.3.1`\n",
    );
    repo.edit(
        plan,
        "Rehearsed on staging.",
        "Rehearsed on staging.\n\nNotes\n=======\n\n>>> traffic shifts back within a minute <<<",
    );
    repo.run(&["check"]).code(0);
}
