//! `backout drill`: walking a procedure from standard input and on a pseudo-terminal, the
//! records it leaves, resuming, and what `check`, `list`, `review` and `publish` make of
//! drill records.

use std::time::Duration;

use crate::harness::{Run, TestRepo};

/// 2025-11-25T16:00:00Z
const EPOCH: i64 = 1_764_086_400;

const PLAN: &str = "plans/checkout/v3.2/plan.md";
const DRILLS: &str = "plans/checkout/v3.2/drills";
const RECORD: &str = "plans/checkout/v3.2/drills/2025-11-25T16-00-00Z.toml";
const STATE: &str = "plans/checkout/v3.2/drills/.drill-in-progress.toml";

const MANIFEST: &str = crate::harness::CHECKOUT_V32_MANIFEST;

/// A runbook as an SRE team writes it: approved, never tested, four steps with commands
/// and a link.
const RUNBOOK: &str = r#"+++
team = "checkout"
release = "v3.2"
status = "approved"
window = "48h"
duration = "30m"   # what the last rollback took, rounded up
+++

# Rollback runbook: checkout v3.2

## Criteria
Roll back when the payment success rate stays below 97% for 5 minutes, or carts cannot be saved.

## Decision
The checkout incident commander (PagerDuty schedule `checkout-ic`).

## Responsibilities
The on-call SRE rolls back within 10 minutes of the decision.

## Procedure
1. Freeze deploys: `deployctl freeze checkout --reason rollback`
2. Roll back `cart-service` to 3.1.4:
   ```sh
   helm rollback cart-service 41 -n checkout
   kubectl -n checkout rollout status deploy/cart-service
   ```
3. Turn `cart_v2_schema` off in [LaunchDarkly](https://launchdarkly.example.com/checkout/flags/cart_v2_schema).
4. Unfreeze deploys: `deployctl unfreeze checkout`

## Verification
Place a test order with the synthetic shopper: `shopper run --scenario checkout-smoke`.

## Communication
#checkout-status before and after; the status page when customers are affected.

## Contingencies
If the rollback fails, route checkout to the standby cluster ([failover runbook](https://wiki.example.com/checkout/failover)).

## Testing
See the drill records.
"#;

fn checkout_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"checkout\"\n");
    repo.write("plans/checkout/v3.2/manifest.toml", MANIFEST);
    repo.write(PLAN, RUNBOOK);
    repo.commit("checkout v3.2 runbook");
    let mut config = repo.git.config().unwrap_or_else(|e| panic!("{e}"));
    config
        .set_str("user.name", "Priya Natarajan")
        .unwrap_or_else(|e| panic!("{e}"));
    repo
}

/// Runs `backout drill ARGS` at `epoch` with `input` on standard input.
fn drill_at(repo: &TestRepo, epoch: i64, input: &str, args: &[&str]) -> Run {
    let mut all = vec!["drill"];
    all.extend_from_slice(args);
    let epoch = epoch.to_string();
    repo.run_with_input(
        repo.path(),
        &[("SOURCE_DATE_EPOCH", epoch.as_str())],
        &all,
        Some(input),
    )
}

fn drill(repo: &TestRepo, input: &str, args: &[&str]) -> Run {
    drill_at(repo, EPOCH, input, args)
}

fn check_at(repo: &TestRepo, epoch: i64) -> Run {
    let epoch = epoch.to_string();
    repo.run_in_env(
        repo.path(),
        &[("SOURCE_DATE_EPOCH", epoch.as_str())],
        &["check", "--format", "json"],
    )
}

fn check(repo: &TestRepo) -> Run {
    check_at(repo, EPOCH)
}

#[test]
fn a_drill_with_every_step_done_passes_and_counts_as_a_test() {
    let repo = checkout_repo();
    assert_eq!(check(&repo).code(0).rules(), ["untested"]);
    let run = drill(
        &repo,
        "done\ndone: helm took 4 minutes\n# the flag is manual\ndone\ndone\n",
        &["v3.2", "--env", "staging"],
    );
    run.code(0);
    assert_eq!(
        run.stdout,
        "drill of checkout/v3.2: 4 steps, planned 30m, by Priya Natarajan on staging
step 1/4 done: Freeze deploys: `deployctl freeze checkout --reason rollback`
step 2/4 done: Roll back `cart-service` to 3.1.4: (helm took 4 minutes)
step 3/4 done: Turn `cart_v2_schema` off in LaunchDarkly.
step 4/4 done: Unfreeze deploys: `deployctl unfreeze checkout`
drill of checkout/v3.2: pass, 4 of 4 steps done in 0m (planned 30m)
wrote plans/checkout/v3.2/drills/2025-11-25T16-00-00Z.toml; commit it to keep the record (`backout check` and the published page use the latest passing drill)
"
    );
    let record = repo.read(RECORD);
    let head = repo.head().to_string();
    for line in [
        "# A drill of checkout/v3.2, recorded by `backout drill` (see https://github.com/backout-dev/backout/blob/main/docs/drill.md).\n",
        "kind = \"drill\"\n",
        "by = \"Priya Natarajan\"\n",
        "env = \"staging\"\n",
        "started = 2025-11-25T16:00:00Z\n",
        "finished = 2025-11-25T16:00:00Z\n",
        "result = \"pass\"\n",
        &format!("commit = \"{head}\"\n"),
        "procedure = \"sha256:",
        "[[steps]]\nnumber = 2\ntext = \"Roll back `cart-service` to 3.1.4:\"\noutcome = \"done\"\nat = 2025-11-25T16:00:00Z\nnote = \"helm took 4 minutes\"\n",
    ] {
        assert!(
            record.contains(line),
            "the record lacks {line:?}:\n{record}"
        );
    }
    assert_eq!(record.matches("[[steps]]").count(), 4);
    assert!(!repo.exists(STATE), "the in-progress state is left behind");
    // The approved plan now has a passing drill: no `untested`, nothing else either.
    check(&repo).code(0);
    assert!(check(&repo).rules().is_empty());
}

#[test]
fn a_failed_or_skipped_step_fails_the_drill() {
    let repo = checkout_repo();
    let run = drill(
        &repo,
        "done\nfailed: helm rollback timed out after 10m\nskipped - no LaunchDarkly access on staging\ndone\n",
        &["v3.2", "--by", "Jonas Weber"],
    );
    run.code(1)
        .stdout_has("step 2/4 failed: Roll back `cart-service` to 3.1.4: (helm rollback timed out after 10m)")
        .stdout_has("drill of checkout/v3.2: fail, 2 of 4 steps done (1 failed, 1 skipped) in 0m (planned 30m)");
    let record = repo.read(RECORD);
    assert!(record.contains("by = \"Jonas Weber\"\n"), "{record}");
    assert!(record.contains("result = \"fail\"\n"), "{record}");
    assert!(record.contains("outcome = \"failed\"\nat = 2025-11-25T16:00:00Z\nnote = \"helm rollback timed out after 10m\"\n"), "{record}");
    assert!(record.contains("outcome = \"skipped\"\nat = 2025-11-25T16:00:00Z\nnote = \"no LaunchDarkly access on staging\"\n"), "{record}");
    assert!(!record.contains("env ="), "{record}");
    // A failed drill is no test.
    assert_eq!(check(&repo).rules(), ["untested"]);
    // The next drill, started in the same second (a fixed clock), gets a name of its own.
    drill(&repo, "done\ndone\ndone\ndone\n", &["v3.2"])
        .code(0)
        .stdout_has("wrote plans/checkout/v3.2/drills/2025-11-25T16-00-00Z-2.toml;");
    assert!(repo.read(RECORD).contains("result = \"fail\"\n"));
    assert!(check(&repo).rules().is_empty());
    let json = repo.run(&["list", "--format", "json"]).json();
    assert_eq!(json["plans"][0]["last_drill"]["result"], "pass");
}

#[test]
fn an_interrupted_drill_goes_on_where_it_stopped() {
    let repo = checkout_repo();
    let run = drill(
        &repo,
        "done\ndone: rolled back to revision 41\n",
        &["v3.2", "--env", "staging"],
    );
    run.code(2).stderr_has(
        "error: standard input ended before step 3 of 4; the drill is saved in plans/checkout/v3.2/drills/.drill-in-progress.toml: run `backout drill checkout/v3.2` again with a line for each remaining step to go on",
    );
    let state = repo.read(STATE);
    assert!(
        state.contains("interrupted = 2025-11-25T16:00:00Z\n"),
        "{state}"
    );
    assert_eq!(state.matches("[[steps]]").count(), 2);
    assert!(!repo.exists(RECORD));
    // `check` does not take a drill in progress for a record.
    assert_eq!(check(&repo).rules(), ["untested"]);

    // The flags were given when it started; different ones are refused.
    drill_at(&repo, EPOCH + 3600, "done\ndone\n", &["v3.2", "--env", "production"])
        .code(2)
        .stderr_has("a drill of checkout/v3.2 is in progress (started 2025-11-25T16:00:00Z) with --env staging; run it again without --env to go on with it, or start over with `backout drill checkout/v3.2 --restart`");

    // An hour later it goes on at step 3; the hour it stood still is not drill time.
    let run = drill_at(&repo, EPOCH + 3600, "done\ndone\n", &["v3.2"]);
    run.code(0)
        .stdout_has("going on with the drill of checkout/v3.2 started 2025-11-25 16:00 UTC by Priya Natarajan: 2 of 4 steps answered\nstep 3/4 done")
        .stdout_has("pass, 4 of 4 steps done in 0m (planned 30m)");
    let record = repo.read(RECORD);
    for line in [
        "env = \"staging\"\n",
        "started = 2025-11-25T16:00:00Z\n",
        "finished = 2025-11-25T17:00:00Z\n",
        "paused = \"1h\"\n",
        "note = \"rolled back to revision 41\"\n",
    ] {
        assert!(
            record.contains(line),
            "the record lacks {line:?}:\n{record}"
        );
    }
    assert_eq!(record.matches("[[steps]]").count(), 4);
    assert!(!repo.exists(STATE));
}

#[test]
fn a_drill_in_progress_does_not_survive_a_changed_procedure() {
    let repo = checkout_repo();
    drill(&repo, "done\n", &["v3.2"]).code(2);
    repo.edit(
        PLAN,
        "helm rollback cart-service 41",
        "helm rollback cart-service 40",
    );
    drill(&repo, "done\ndone\ndone\n", &["v3.2"]).code(2).stderr_has(
        "the procedure of checkout/v3.2 changed since the drill in progress started (2025-11-25T16:00:00Z), so it cannot go on; start over with `backout drill checkout/v3.2 --restart`",
    );
    let run = drill(&repo, "done\ndone\ndone\ndone\n", &["v3.2", "--restart"]);
    run.code(0).stdout_lacks("going on");
    assert!(repo.read(RECORD).contains("result = \"pass\""));
    assert!(!repo.exists(STATE));
}

#[test]
fn an_answer_that_is_not_an_outcome_stops_the_drill_and_keeps_it() {
    let repo = checkout_repo();
    drill(&repo, "done\n\ncompleted\n", &["v3.2"]).code(2).stderr_has(
        "error: standard input line 3: \"completed\" is not done, failed or skipped; answer each step with `done`, `failed` or `skipped`, optionally followed by a note. The drill is saved in plans/checkout/v3.2/drills/.drill-in-progress.toml: run `backout drill checkout/v3.2` again to go on",
    );
    assert_eq!(repo.read(STATE).matches("[[steps]]").count(), 1);
    // Lines after the last step are not read.
    drill(&repo, "done\ndone\ndone\nnot an answer\n", &["v3.2"]).code(0);
    assert_eq!(repo.read(RECORD).matches("[[steps]]").count(), 4);
}

#[test]
fn answers_from_a_windows_editor_are_read_like_any_others() {
    // A file of answers saved by a Windows editor: a byte order mark, then CRLF lines.
    let repo = checkout_repo();
    let run = drill(
        &repo,
        "\u{feff}done\r\ndone: helm took 4 minutes\r\n# the flag is manual\r\ndone\r\ndone\r\n",
        &["v3.2", "--env", "staging"],
    );
    run.code(0)
        .stdout_has("step 2/4 done: Roll back `cart-service` to 3.1.4: (helm took 4 minutes)\n")
        .stdout_has("drill of checkout/v3.2: pass, 4 of 4 steps done");
    assert!(
        repo.read(RECORD)
            .contains("note = \"helm took 4 minutes\"\n")
    );
}

#[test]
fn refuses_what_it_cannot_record() {
    let repo = checkout_repo();
    let mut config = repo.git.config().unwrap_or_else(|e| panic!("{e}"));
    config.remove("user.name").unwrap_or_else(|e| panic!("{e}"));
    drill(&repo, "done\n", &["v3.2"]).code(2).stderr_has(
        "git has no user.name to record as the person running the drill; pass --by NAME, or set it with `git config user.name \"Your Name\"`",
    );
    drill(&repo, "done\n", &["v3.2", "--by", " "])
        .code(2)
        .stderr_has("--by is empty; give a name");
    drill(&repo, "done\n", &["v3.9", "--by", "Sam"])
        .code(2)
        .stderr_has("there is no plan at plans/checkout/v3.9/plan.md; create it with `backout new checkout/v3.9`");
    repo.write(
        "plans/checkout/v3.3/plan.md",
        RUNBOOK
            .replace("v3.2", "v3.3")
            .replace(
                "1. Freeze deploys: `deployctl freeze checkout --reason rollback`\n",
                "Freeze deploys, then roll back with helm.\n",
            )
            .split("2. Roll back")
            .next()
            .unwrap_or_default(),
    );
    drill(&repo, "done\n", &["v3.3", "--by", "Sam"]).code(2).stderr_has(
        "plans/checkout/v3.3/plan.md has no procedure steps to walk; list them under `## Procedure` as a numbered list",
    );
    assert!(!repo.exists(DRILLS));
    assert!(!repo.exists("plans/checkout/v3.3/drills"));
}

#[test]
fn a_real_backout_is_recorded_as_used_for_real() {
    let repo = checkout_repo();
    let run = drill(
        &repo,
        "done\ndone\ndone\ndone\n",
        &[
            "v3.2",
            "--incident",
            "--env",
            "production",
            "--by",
            "Priya Natarajan",
        ],
    );
    run.code(0)
        .stdout_has("real backout (incident) of checkout/v3.2: 4 steps, planned 30m, by Priya Natarajan on production")
        .stdout_has("real backout of checkout/v3.2: pass, 4 of 4 steps done");
    let record = repo.read(RECORD);
    assert!(record.starts_with("# A real backout of checkout/v3.2 in an incident, recorded by `backout drill --incident` (see https://github.com/backout-dev/backout/blob/main/docs/drill.md).\nkind = \"incident\"\n"), "{record}");
    assert!(check(&repo).rules().is_empty());
}

#[test]
fn plan_text_cannot_drive_the_terminal() {
    let repo = checkout_repo();
    repo.edit(
        PLAN,
        "1. Freeze deploys:",
        "1. Freeze deploys \u{1b}]52;c;ZWNobyBwd25lZA==\u{7}\u{1b}[2J:",
    );
    let run = drill(&repo, "done\ndone\ndone\ndone\n", &["v3.2"]);
    run.code(0)
        .stdout_has("step 1/4 done: Freeze deploys \\u{1B}]52;c;ZWNobyBwd25lZA==\\u{7}\\u{1B}[2J:");
    assert!(!run.stdout.contains('\u{1b}') && !run.stderr.contains('\u{1b}'));
}

// ---------------------------------------------------------------------------------------
// What check, list, review and publish make of drill records.

/// A record written by an earlier rehearsal (as `backout drill` writes them): 38 minutes
/// of drill, 20 of them standing still.
fn record(procedure: &str, day: &str, result: &str, kind: &str) -> String {
    let outcome = if result == "pass" { "done" } else { "failed" };
    format!(
        r#"# A drill of checkout/v3.2, recorded by `backout drill` (see https://github.com/backout-dev/backout/blob/main/docs/drill.md).
kind = "{kind}"
by = "Mei Lin"
env = "staging"
started = {day}T09:00:00Z
finished = {day}T09:58:00Z
result = "{result}"
paused = "20m"
procedure = "{procedure}"

[[steps]]
number = 1
text = "Freeze deploys"
outcome = "done"
at = {day}T09:05:00Z

[[steps]]
number = 2
text = "Roll back cart-service"
outcome = "{outcome}"
at = {day}T09:50:00Z
note = "helm waited for the old pods"

[[steps]]
number = 3
text = "Turn cart_v2_schema off"
outcome = "done"
at = {day}T09:55:00Z

[[steps]]
number = 4
text = "Unfreeze deploys"
outcome = "done"
at = {day}T09:58:00Z
"#
    )
}

/// The procedure hash of the runbook as it is: taken from a drill the binary records.
fn current_hash(repo: &TestRepo) -> String {
    let scratch = TestRepo::new();
    scratch.write("plans/checkout/v3.2/manifest.toml", MANIFEST);
    scratch.write(PLAN, repo.read(PLAN));
    drill(
        &scratch,
        "done\ndone\ndone\ndone\n",
        &["checkout/v3.2", "--by", "x"],
    )
    .code(0);
    let text = scratch.read(RECORD);
    let start = text.find("sha256:").unwrap_or_default();
    text[start..start + 71].to_string()
}

#[test]
fn check_weighs_the_latest_passing_drill() {
    let repo = checkout_repo();
    let hash = current_hash(&repo);
    repo.write(
        &format!("{DRILLS}/2025-11-20T09-00-00Z.toml"),
        record(&hash, "2025-11-20", "pass", "drill"),
    );
    // 38 minutes of drill for a 30 minute plan.
    let run = check(&repo);
    run.code(0);
    assert_eq!(run.rules(), ["drill-slow"]);
    let finding = &run.json()["findings"][0];
    assert_eq!(finding["file"], PLAN);
    assert_eq!(finding["line"], 6);
    assert_eq!(
        finding["message"],
        "the last passing drill took 38m, longer than the 30m `duration` says (2025-11-20 by Mei Lin on staging, plans/checkout/v3.2/drills/2025-11-20T09-00-00Z.toml)"
    );
    repo.edit(PLAN, "duration = \"30m\"", "duration = \"40m\"");
    assert!(check(&repo).rules().is_empty());

    // A later failed drill does not replace the passing one.
    repo.write(
        &format!("{DRILLS}/2025-11-22T09-00-00Z.toml"),
        record(&hash, "2025-11-22", "fail", "drill"),
    );
    assert!(check(&repo).rules().is_empty());

    // The procedure changes: the drill no longer vouches for it.
    repo.edit(
        PLAN,
        "helm rollback cart-service 41",
        "helm rollback cart-service 42",
    );
    let run = check(&repo);
    assert_eq!(run.rules(), ["drill-stale"]);
    let finding = &run.json()["findings"][0];
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(20), Some(1))
    );
    assert_eq!(
        finding["message"],
        "the procedure changed since the last passing drill (2025-11-20 by Mei Lin on staging, plans/checkout/v3.2/drills/2025-11-20T09-00-00Z.toml)"
    );
    // ... but the wording of other sections does not matter.
    repo.edit(
        PLAN,
        "helm rollback cart-service 42",
        "helm rollback cart-service 41",
    );
    repo.edit(PLAN, "See the drill records.", "Rehearsed every sprint.");
    assert!(check(&repo).rules().is_empty());
}

#[test]
fn drill_max_age_retires_old_drills() {
    let repo = checkout_repo();
    let hash = current_hash(&repo);
    repo.edit(PLAN, "duration = \"30m\"", "duration = \"40m\"");
    repo.write(
        "backout.toml",
        "default_team = \"checkout\"\n[check]\ndrill_max_age = \"30d\"\n",
    );
    repo.write(
        &format!("{DRILLS}/2025-11-20T09-00-00Z.toml"),
        record(&hash, "2025-11-20", "pass", "drill"),
    );
    let finished = EPOCH - 5 * 86_400 - 7 * 3600 + 58 * 60; // 2025-11-20T09:58:00Z
    assert!(check_at(&repo, finished + 30 * 86_400).rules().is_empty());
    let run = check_at(&repo, finished + 30 * 86_400 + 60);
    assert_eq!(run.rules(), ["untested"]);
    assert_eq!(
        run.json()["findings"][0]["message"],
        "the plan is approved but its last passing drill (2025-11-20 by Mei Lin on staging, plans/checkout/v3.2/drills/2025-11-20T09-00-00Z.toml) is older than `drill_max_age`"
    );
    // A drill that no longer counts says nothing about staleness or speed either.
    repo.edit(PLAN, "duration = \"40m\"", "duration = \"10m\"");
    assert_eq!(
        check_at(&repo, finished + 31 * 86_400).rules(),
        ["untested"]
    );

    repo.write("backout.toml", "[check]\ndrill_max_age = \"a quarter\"\n");
    repo.run(&["check"]).code(2).stderr_has(
        "backout.toml:2:17: `drill_max_age` in [check] is \"a quarter\", not a duration; write how long a passing drill counts, like \"90d\"",
    );
}

#[test]
fn a_record_that_does_not_read_is_an_invalid_plan_finding() {
    let repo = checkout_repo();
    let hash = current_hash(&repo);
    repo.write(
        &format!("{DRILLS}/2025-11-20T09-00-00Z.toml"),
        record(&hash, "2025-11-20", "pass", "drill")
            .replace("env = \"staging\"", "evn = \"staging\""),
    );
    let run = check(&repo);
    run.code(1);
    // Findings are ordered by file: plans/checkout/v3.2/drills/... before .../plan.md.
    assert_eq!(run.rules(), ["invalid-plan", "untested"]);
    let finding = &run.json()["findings"][0];
    assert_eq!(
        finding["file"],
        "plans/checkout/v3.2/drills/2025-11-20T09-00-00Z.toml"
    );
    assert_eq!(finding["line"], 4);
    assert_eq!(finding["message"], "drill record: unknown key `evn`");
    assert_eq!(finding["help"], "did you mean `env`?");
    // The state of a drill in progress and files that are not records are not read.
    repo.remove(&format!("{DRILLS}/2025-11-20T09-00-00Z.toml"));
    repo.write(STATE, "half written");
    repo.write(
        &format!("{DRILLS}/README.md"),
        "Drill records of checkout v3.2.\n",
    );
    assert_eq!(check(&repo).code(0).rules(), ["untested"]);
}

#[test]
fn list_shows_the_last_drill() {
    let repo = checkout_repo();
    let hash = current_hash(&repo);
    let run = repo.run(&["list"]);
    assert_eq!(
        run.stdout,
        "TEAM      RELEASE  STATUS    BASELINE  ITEMS  ERRORS  WARNINGS  DRILLED
checkout  v3.2     approved  -         2      0       1         -
"
    );
    repo.write(
        &format!("{DRILLS}/2025-11-20T09-00-00Z.toml"),
        record(&hash, "2025-11-20", "pass", "drill"),
    );
    repo.write(
        &format!("{DRILLS}/2025-11-22T09-00-00Z.toml"),
        record(&hash, "2025-11-22", "fail", "drill"),
    );
    repo.run(&["list"])
        .code(0)
        .stdout_has("checkout  v3.2     approved  -         2      0       1         2025-11-20, failed 2025-11-22\n");
    let json = repo.run(&["list", "--format", "json"]).json();
    let plan = &json["plans"][0];
    assert_eq!(
        plan["drill"]["file"],
        "plans/checkout/v3.2/drills/2025-11-20T09-00-00Z.toml"
    );
    assert_eq!(plan["drill"]["by"], "Mei Lin");
    assert_eq!(plan["drill"]["took"], "38m");
    assert_eq!(plan["drill"]["took_seconds"], 38 * 60);
    assert_eq!(plan["drill"]["result"], "pass");
    assert_eq!(plan["last_drill"]["result"], "fail");
    assert_eq!(plan["last_drill"]["finished"], "2025-11-22T09:58:00Z");

    repo.write(
        &format!("{DRILLS}/2025-11-23T09-00-00Z.toml"),
        record(&hash, "2025-11-23", "pass", "incident"),
    );
    repo.run(&["list"]).stdout_has("  used 2025-11-23\n");
}

#[test]
fn review_shows_drill_records_as_evidence() {
    let repo = checkout_repo();
    let base = repo.head().to_string();
    drill(
        &repo,
        "done\ndone\ndone\ndone\n",
        &["v3.2", "--env", "staging"],
    )
    .code(0);
    repo.commit("drill checkout v3.2 on staging");
    let run = repo.run(&["review", "--base", &base]);
    run.code(0)
        .stdout_has("0 plans changed, 1 drill record\n")
        .stdout_has("drill records (evidence, not plan changes)\n  plans/checkout/v3.2/drills/2025-11-25T16-00-00Z.toml (added): drill of checkout/v3.2 by Priya Natarajan on staging, 2025-11-25: pass, 4 of 4 steps done in 0m\n")
        .stdout_lacks("plan.md");
    let json = repo
        .run(&["review", "--base", &base, "--format", "json"])
        .json();
    assert_eq!(json["plans"].as_array().map(Vec::len), Some(0));
    assert_eq!(json["drills"][0]["change"], "added");
    assert_eq!(json["drills"][0]["record"]["result"], "pass");
    repo.run(&["review", "--base", &base, "--format", "markdown"])
        .code(0)
        .stdout_has("### Drill records (evidence, not plan changes)\n\n- plans/checkout/v3.2/drills/2025-11-25T16-00-00Z.toml (added): drill of checkout/v3.2");

    // A record that does not read fails the review like any invalid file.
    let base = repo.head().to_string();
    repo.write(
        &format!("{DRILLS}/2025-11-26T10-00-00Z.toml"),
        "kind = \"drill\"\nby = \"Mei Lin\"\n",
    );
    repo.commit("a hand-written record");
    repo.run(&["review", "--base", &base])
        .code(1)
        .stdout_has("(added): a drill record of checkout/v3.2 that does not read")
        .stdout_has("error[invalid-plan]: drill record: `started` is missing");
}

#[test]
fn the_published_page_shows_the_last_drill() {
    let repo = checkout_repo();
    let hash = current_hash(&repo);
    repo.edit(PLAN, "duration = \"30m\"", "duration = \"35m\"");
    let hash_35 = hash.clone();
    repo.write(
        &format!("{DRILLS}/2025-11-20T09-00-00Z.toml"),
        record(&hash_35, "2025-11-20", "pass", "incident")
            .replace("env = \"staging\"", "env = \"<b>prod</b>\""),
    );
    repo.commit("a real backout, recorded");
    let epoch = EPOCH.to_string();
    repo.run_in_env(
        repo.path(),
        &[("SOURCE_DATE_EPOCH", &epoch)],
        &["publish", "v3.2"],
    )
    .code(0);
    let page = repo.read("public/plans/checkout/v3.2.html");
    assert!(
        page.contains("<div class=\"wide drill\"><dt>Last drill</dt><dd><span class=\"used\">Used for real</span> 2025-11-20 09:00 UTC <span class=\"muted\">by</span> Mei Lin <span class=\"muted\">on</span> &lt;b&gt;prod&lt;/b&gt;; took <span class=\"warn\">38m</span>, longer than the planned 35m</dd></div>"),
        "{page}"
    );
    assert!(
        page.contains(
            "<dt>Tested</dt><dd>used for real 2025-11-20 <span class=\"pass\">passed</span></dd>"
        ),
        "{page}"
    );
    let index = repo.read("public/index.html");
    assert!(
        index.contains("used for real 2025-11-20 <span class=\"pass\">passed</span>"),
        "{index}"
    );
}

// ---------------------------------------------------------------------------------------
// The terminal.

fn spawn(repo: &TestRepo, epoch: i64, args: &[&str]) -> expectrl::session::OsSession {
    let mut command = repo.command(repo.path());
    command
        .arg("drill")
        .args(args)
        .env("SOURCE_DATE_EPOCH", epoch.to_string())
        .env("TERM", "xterm-256color");
    let mut session = expectrl::Session::spawn(command).unwrap_or_else(|e| panic!("spawn: {e}"));
    session.set_expect_timeout(Some(Duration::from_secs(30)));
    session
}

fn expect(session: &mut expectrl::session::OsSession, needle: &str) {
    use expectrl::Expect;
    session
        .expect(needle)
        .unwrap_or_else(|e| panic!("the terminal never showed {needle:?}: {e}"));
}

fn send(session: &mut expectrl::session::OsSession, keys: &str) {
    use expectrl::Expect;
    session
        .send(keys)
        .unwrap_or_else(|e| panic!("send {keys:?}: {e}"));
}

fn exit_code(session: &mut expectrl::session::OsSession) -> i32 {
    use expectrl::Expect;
    let _ = session.expect(expectrl::Eof);
    match session.get_process().wait() {
        Ok(expectrl::process::unix::WaitStatus::Exited(_, code)) => code,
        other => panic!("the drill did not exit: {other:?}"),
    }
}

/// Moves down the choices one key at a time, waiting for each to be drawn as the chosen one
/// before the next key, then picks the last. Keys typed ahead of the prompt may land while the
/// terminal is between raw reads; waiting for each redraw keeps the test about the drill, not
/// about how fast a loaded machine schedules it.
fn choose(session: &mut expectrl::session::OsSession, path: &[&str]) {
    expect(session, "  pause (go on later)");
    for item in path {
        send(session, DOWN);
        expect(session, &format!("> {item}"));
    }
    send(session, ENTER);
}

const ENTER: &str = "\r";
const DOWN: &str = "\u{1b}[B";

#[test]
fn on_a_terminal_each_step_is_a_prompt() {
    let repo = checkout_repo();
    let mut session = spawn(&repo, EPOCH, &["v3.2", "--env", "staging"]);
    expect(
        &mut session,
        "drill of checkout/v3.2: 4 steps, planned 30m, by Priya Natarajan on staging",
    );
    expect(&mut session, "Step 1 of 4");
    expect(&mut session, "deployctl freeze checkout --reason rollback");
    // Step 1 done, with a note.
    send(&mut session, ENTER);
    expect(&mut session, "Note (Enter for none)");
    send(&mut session, "freeze took a minute\r");
    expect(&mut session, "step 1 done at 16:00 UTC (0m of 30m)");
    // Step 2 shows its commands to copy; it fails.
    expect(&mut session, "Commands:");
    expect(
        &mut session,
        "    helm rollback cart-service 41 -n checkout",
    );
    choose(&mut session, &["failed"]);
    expect(&mut session, "What went wrong?");
    send(&mut session, "the old release was garbage-collected\r");
    expect(&mut session, "step 2 failed");
    // Step 3 has a link; pause there and go on later.
    expect(
        &mut session,
        "LaunchDarkly: https://launchdarkly.example.com/checkout/flags/cart_v2_schema",
    );
    choose(&mut session, &["failed", "skipped", "pause (go on later)"]);
    expect(
        &mut session,
        "paused after 2 of 4 steps: the drill is saved in plans/checkout/v3.2/drills/.drill-in-progress.toml; run `backout drill checkout/v3.2` to go on",
    );
    assert_eq!(exit_code(&mut session), 0);
    assert!(
        repo.read(STATE)
            .contains("note = \"the old release was garbage-collected\"")
    );

    // Ctrl-C at a prompt pauses too (exit 130), and keeps what was answered.
    let mut session = spawn(&repo, EPOCH + 600, &["v3.2"]);
    expect(&mut session, "going on with the drill of checkout/v3.2");
    expect(&mut session, "Step 3 of 4");
    send(&mut session, "\u{3}");
    expect(&mut session, "paused after 2 of 4 steps");
    assert_eq!(exit_code(&mut session), 130);

    let mut session = spawn(&repo, EPOCH + 1200, &["v3.2"]);
    expect(&mut session, "Step 3 of 4");
    send(&mut session, ENTER);
    expect(&mut session, "Note");
    send(&mut session, ENTER);
    expect(&mut session, "Step 4 of 4");
    send(&mut session, ENTER);
    expect(&mut session, "Note");
    send(&mut session, ENTER);
    expect(
        &mut session,
        "drill of checkout/v3.2: fail, 3 of 4 steps done (1 failed) in 0m (planned 30m)",
    );
    assert_eq!(exit_code(&mut session), 1);
    let record = repo.read(RECORD);
    assert!(record.contains("result = \"fail\"\n"), "{record}");
    assert!(record.contains("paused = \"20m\"\n"), "{record}");
    assert!(
        record.contains("note = \"freeze took a minute\"\n"),
        "{record}"
    );
    assert!(!repo.exists(STATE));
}

#[test]
fn review_lists_what_a_drill_record_says_about_its_untouched_plan() {
    let repo = checkout_repo();
    let base = repo.head().to_string();
    let hash = current_hash(&repo);
    // The record alone changes: 38 minutes of drill for a 30 minute plan.
    repo.write(
        &format!("{DRILLS}/2025-11-20T09-00-00Z.toml"),
        record(&hash, "2025-11-20", "pass", "drill"),
    );
    repo.commit("record the staging drill");
    repo.run(&["review", "--base", &base])
        .code(0)
        .stdout_has("plans/checkout/v3.2/plan.md (not changed; findings caused by this change)")
        .stdout_has("warning[drill-slow]: the last passing drill took 38m, longer than the 30m `duration` says");
}

/// What a line of review output says, without what changes from run to run: commit ids,
/// digits, and the plan's name.
fn shape(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line.replace("payments/v1.5", "checkout/v3.2");
    while let Some(open) = rest.find('(') {
        let (before, after) = rest.split_at(open);
        out.push_str(before);
        match after[1..].find(')') {
            Some(close)
                if close >= 7 && after[1..=close].chars().all(|c| c.is_ascii_hexdigit()) =>
            {
                out.push_str("(commit)");
                rest = after[close + 2..].to_string();
            }
            _ => {
                out.push('(');
                rest = after[1..].to_string();
            }
        }
    }
    out.push_str(&rest);
    out.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

/// The review of a pull request that adds a drill record reads as docs/drill.md shows it.
#[test]
fn the_review_example_in_drill_md_is_what_review_prints() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/drill.md"))
        .unwrap_or_else(|e| panic!("docs/drill.md: {e}"));
    let example: Vec<&str> = docs
        .split("  $ backout review --base HEAD~1\n")
        .nth(1)
        .and_then(|rest| rest.split("  ```").next())
        .unwrap_or_else(|| panic!("docs/drill.md has no review example"))
        .lines()
        .map(|line| line.strip_prefix("  ").unwrap_or(line))
        .collect();

    let repo = checkout_repo();
    drill(
        &repo,
        "done\ndone\ndone\ndone\n",
        &[
            "v3.2",
            "--incident",
            "--env",
            "production",
            "--by",
            "Sam Okafor",
        ],
    )
    .code(0);
    repo.commit("checkout v3.2 rolled back in INC-4711");
    let run = repo.run(&["review", "--base", "HEAD~1"]);
    run.code(0);
    let printed: Vec<String> = run.stdout.lines().map(shape).collect();
    let documented: Vec<String> = example.iter().map(|line| shape(line)).collect();
    assert_eq!(printed, documented, "{}", run.stdout);
}

/// A team that calls its procedure `## Way back` through `[sections]` drills the same steps
/// that `check` counts.
#[test]
fn a_procedure_named_through_sections_is_drilled() {
    let repo = checkout_repo();
    repo.write(
        "backout.toml",
        "default_team = \"checkout\"\n[sections]\nprocedure = [\"Way back\"]\n",
    );
    repo.edit(PLAN, "## Procedure", "## Way back");
    check(&repo).code(0);
    drill(&repo, "done\ndone\ndone\ndone\n", &["v3.2"]).code(0);
    let record = repo.read(RECORD);
    assert_eq!(record.matches("[[steps]]").count(), 4, "{record}");
}

/// A `drills/` directory that is a symlink out of the repository is refused with what to do
/// about the link; `--restart` would meet the same link, so it is not offered.
#[test]
fn a_drills_symlink_out_of_the_repository_is_refused_without_restart_advice() {
    let repo = checkout_repo();
    let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        outside.path().join(".drill-in-progress.toml"),
        "kind = \"drill\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(outside.path(), repo.join(DRILLS)).unwrap_or_else(|e| panic!("{e}"));
    let run = drill(&repo, "done\n", &["v3.2", "--by", "Sam"]);
    run.code(2).stderr_has("outside the repository");
    assert!(!run.stderr.contains("--restart"), "{}", run.stderr);
    let kept = std::fs::read_to_string(outside.path().join(".drill-in-progress.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(kept, "kind = \"drill\"\n");
}

/// A pull request that adds a month of drill records gets a review comment that, when it must
/// be shortened, says how many records it left out and how many findings they held: the
/// lines that list the records are not findings.
#[test]
fn a_shortened_review_comment_counts_drill_records_and_their_findings_apart() {
    let repo = checkout_repo();
    let base = repo.head().to_string();
    let hash = current_hash(&repo);
    for day in 1..=29 {
        let day = format!("2025-10-{day:02}");
        repo.write(
            &format!("{DRILLS}/{day}T09-00-00Z.toml"),
            record(&hash, &day, "pass", "drill"),
        );
    }
    repo.write(
        &format!("{DRILLS}/2025-10-30T09-00-00Z.toml"),
        "kind = \"drill\"\nby = \"Mei Lin\"\n",
    );
    repo.commit("a month of nightly drills on staging");
    let args = ["review", "--base", &base, "--format", "markdown"];
    let full = repo.run(&args);
    full.code(1);
    assert_eq!(
        full.stdout
            .matches("(added): drill of checkout/v3.2")
            .count(),
        29
    );
    // The record written by hand lacks what `backout drill` writes: five findings.
    assert_eq!(full.stdout.matches("  - ❌ **invalid-plan**").count(), 5);
    let run = repo.run(&[&args[..], &["--max-bytes", "1000"]].concat());
    run.code(1)
        .stdout_has("### Drill records (evidence, not plan changes)\n\n_30 drill records left out (5 findings); `backout review` lists them._")
        .stdout_has("and the drill records. `backout diff")
        .stdout_lacks("30 findings left out")
        .stdout_lacks("35 findings left out");
    assert!(run.stdout.len() <= 1000, "{}", run.stdout);
}

#[test]
fn a_drill_in_progress_from_a_later_clock_is_not_recorded_out_of_order() {
    let repo = checkout_repo();
    // Started on a laptop whose clock was an hour ahead; gone on with on a runner that is
    // right: the record would have its steps before its start.
    drill_at(&repo, EPOCH + 3600, "done\n", &["v3.2"]).code(2);
    let run = drill_at(&repo, EPOCH, "done\ndone\ndone\n", &["v3.2"]);
    run.code(2).stderr_has(
        "error: the drill in progress of checkout/v3.2 was last saved at 2025-11-25T17:00:00Z, later than now (2025-11-25T16:00:00Z): this machine's clock is behind the one the drill ran on, or the saved state was edited; run it again when the clock has passed that time, or start over with `backout drill checkout/v3.2 --restart`",
    );
    let files: Vec<String> = std::fs::read_dir(repo.join(DRILLS))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        files,
        [".drill-in-progress.toml"],
        "kept, and nothing recorded"
    );
    // An hour and a minute later it goes on.
    drill_at(&repo, EPOCH + 3660, "done\ndone\ndone\n", &["v3.2"]).code(0);
    assert_eq!(check_at(&repo, EPOCH + 3660).rules(), Vec::<String>::new());
}
