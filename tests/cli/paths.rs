//! Plans named by path wherever a plan is named: `--from` and `--against` take what the
//! positional arguments take (a plan directory, its plan.md, from here or from the root).

use crate::harness::{TestRepo, add_release, manifest, migration, service};

/// payments v1.3 and v1.4 with plans, checkout v2.0 with a plan, payments v1.5's manifest.
fn repo() -> TestRepo {
    let repo = crate::harness::payments_v13_v14();
    add_release(
        &repo,
        "checkout",
        "v2.0",
        &[service("checkout-api", "5.0.0", "4.9.0")],
    );
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
    repo.commit("payments v1.3, v1.4, checkout v2.0, payments v1.5's manifest");
    repo
}

#[test]
fn baseline_from_takes_a_path() {
    let repo = repo();
    let v15 = repo.join("plans/payments/v1.5");
    // From the target's directory, the source as a relative path.
    repo.run_in(&v15, &["baseline", ".", "--from", "../v1.3", "--dry-run"])
        .code(0)
        .stdout_has("forked payments/v1.3 (named with --from) into payments/v1.5");
    // As the output prints it, from a subdirectory.
    repo.run_in(
        &v15,
        &[
            "baseline",
            ".",
            "--from",
            "plans/payments/v1.4/plan.md",
            "--dry-run",
        ],
    )
    .code(0)
    .stdout_has("forked payments/v1.4 (named with --from) into payments/v1.5");
    // A sibling team's plan directory.
    repo.run(&[
        "baseline",
        "v1.5",
        "--from",
        "plans/checkout/v2.0",
        "--dry-run",
    ])
    .code(0)
    .stdout_has("forked checkout/v2.0 (named with --from) into payments/v1.5");
    // A team directory is not a plan.
    repo.run(&["baseline", "v1.5", "--from", "plans/checkout", "--dry-run"])
        .code(2)
        .stderr_has("plans/checkout is the directory of team checkout, not a plan");
    // Specs keep working: a bare release is of the target's team.
    repo.run(&["baseline", "v1.5", "--from", "v1.4"])
        .code(0)
        .stdout_has("wrote plans/payments/v1.5/plan.md");
}

#[test]
fn diff_against_takes_a_path() {
    let repo = repo();
    repo.run(&["baseline", "v1.5", "--from", "v1.4"]).code(0);
    let v15 = repo.join("plans/payments/v1.5");
    repo.run_in(&v15, &["diff", ".", "--against", "../v1.3"])
        .code(0)
        .stdout_has("comparing payments/v1.5 with payments/v1.3 (named with --against)");
    repo.run_in(
        &v15,
        &["diff", "--against", "plans/checkout/v2.0/plan.md", "."],
    )
    .code(0)
    .stdout_has("comparing payments/v1.5 with checkout/v2.0 (named with --against)");
    let json = repo.run(&[
        "diff",
        "v1.5",
        "--against",
        "plans/payments/v1.3",
        "--format",
        "json",
    ]);
    json.code(0);
    assert_eq!(json.json()["old"], "payments/v1.3");
    // Bare releases are of the plan's team, as before.
    repo.run(&["diff", "v1.5", "--against", "v1.3"])
        .code(0)
        .stdout_has("comparing payments/v1.5 with payments/v1.3 (named with --against)");
}

#[test]
fn checking_a_team_reports_its_odd_directories_too() {
    let repo = repo();
    repo.write("plans/payments/archive/2019/notes.md", "old notes\n");
    repo.write("plans/payments/v1.6 beta/plan.md", "+++\n+++\n");
    repo.write("plans/checkout/scratch/todo.md", "later\n");
    let note = "note: plans/payments/archive/ holds no plan.md or manifest.toml, so it is not a release; skipped";
    for args in [&["check", "payments"][..], &["check", "plans/payments"]] {
        let run = repo.run(args);
        run.code(1)
            .stdout_has("plans/payments/v1.6 beta")
            .stdout_has(note);
        assert!(
            !run.stdout.contains("plans/checkout/scratch"),
            "{}",
            run.stdout
        );
        let json = repo.run(&[args[0], args[1], "--format", "json"]);
        assert!(
            json.rules().contains(&"invalid-plan".to_string()),
            "{}",
            json.stdout
        );
    }
    // One plan named: the team's other directories are not its business.
    let one = repo.run(&["check", "v1.4"]);
    one.code(0);
    assert!(!one.stdout.contains("archive"), "{}", one.stdout);
}

#[test]
fn a_path_to_a_directory_with_a_name_backout_refuses_is_refused_before_anything_is_written() {
    // Someone made the next release's directory by hand, with a build suffix, and a
    // directory for a team with a space; `backout new` and `baseline` given those paths
    // must not write plans that `check` would then reject for their names.
    let repo = repo();
    repo.write("plans/payments/v1.6+build.7/.keep", "");
    repo.write("plans/Core Banking/v1.0/.keep", "");
    let before = repo.snapshot();
    let path = "plans/payments/v1.6+build.7";
    for args in [
        vec!["new", path],
        vec!["baseline", path, "--from", "v1.4"],
        vec!["import", "plans/payments/v1.4/plan.md", path],
        vec!["new", "plans/Core Banking/v1.0"],
    ] {
        let run = repo.run(&args);
        run.code(2);
        assert!(
            run.stderr.contains("is not a plan: its ")
                && run.stderr.contains("rename the directory"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert_eq!(repo.snapshot(), before, "a refused command wrote something");
    let run = repo.run(&["check", path]);
    run.code(2).stderr_has(
        "error: plans/payments/v1.6+build.7 is not a plan: its release directory name `v1.6+build.7` contains `+`, but only ASCII letters, digits, `.`, `_` and `-` are allowed; rename the directory",
    );
    repo.run(&["check", "plans/Core Banking"])
        .code(2)
        .stderr_has("its team directory name `Core Banking` contains a space");
}

/// `plans_dir = "./plans"` (as people write relative paths in a shell) is the plans
/// directory `plans`, in messages and in what is read; a German team's `Über` directory is
/// told that names start with an ASCII letter or digit, since `Ü` is a letter.
#[test]
fn a_plans_dir_written_with_dot_slash_is_accepted_and_names_start_with_ascii() {
    let repo = crate::harness::payments_repo(&[]);
    repo.write(
        "backout.toml",
        "plans_dir = \"./plans\"\ndefault_team = \"payments\"\n",
    );
    repo.run(&["list"]).code(0).stdout_has("payments  v1.5");
    repo.run(&["check", "v1.5"])
        .code(0)
        .stdout_has("checked 1 plan: no problems found");
    repo.write(
        "plans/payments/Über-v1.6/plan.md",
        crate::harness::plan("payments", "Über-v1.6", &[]),
    );
    repo.run(&["check"])
        .code(1)
        .stdout_has("directory name `Über-v1.6` must start with an ASCII letter or digit")
        .stdout_has(" --> plans/payments/Über-v1.6");
}
