//! What a new user tripped over in the first week: each test reproduces one of them.

use crate::harness::{TestRepo, add_release, manifest, migration, service};

/// payments v1.3 and v1.4 with plans; one commit.
fn payments_repo() -> TestRepo {
    let repo = crate::harness::payments_v13_v14();
    repo.commit("payments v1.3 and v1.4");
    repo
}

#[test]
fn a_hotfix_release_comes_after_its_release_and_forks_it() {
    let repo = payments_repo();
    repo.write(
        "plans/payments/v1.4-hotfix/manifest.toml",
        manifest(
            "payments",
            "v1.4-hotfix",
            &[service("payments-api", "2.3.2", "2.3.1")],
        ),
    );
    repo.run(&["baseline", "--dry-run"])
        .code(0)
        .stdout_has("forked payments/v1.4 (the previous release of payments with a plan) into payments/v1.4-hotfix\n");
    let list = repo.run(&["list"]);
    let releases: Vec<&str> = list
        .stdout
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().nth(1))
        .collect();
    assert_eq!(releases, ["v1.3", "v1.4"]);
    add_release(
        &repo,
        "payments",
        "v1.4-hotfix",
        &[service("payments-api", "2.3.2", "2.3.1")],
    );
    add_release(
        &repo,
        "payments",
        "v1.4.1",
        &[service("payments-api", "2.3.3", "2.3.2")],
    );
    let list = repo.run(&["list"]);
    let releases: Vec<&str> = list
        .stdout
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().nth(1))
        .collect();
    assert_eq!(releases, ["v1.3", "v1.4", "v1.4-hotfix", "v1.4.1"]);
}

#[test]
fn tested_keys_below_baseline_are_told_to_move_and_untested_shows_real_toml() {
    let repo = payments_repo();
    repo.write(
        "plans/payments/v1.5/manifest.toml",
        manifest(
            "payments",
            "v1.5",
            &[service("payments-api", "2.4.0", "2.3.1")],
        ),
    );
    repo.run(&["baseline", "v1.5", "--from", "v1.4"]).code(0);
    let plan = "plans/payments/v1.5/plan.md";
    repo.edit(plan, "status = \"draft\"", "status = \"approved\"");
    // What a user following the old docs wrote: the keys appended at the end.
    let text = repo.read(plan);
    let close = text[3..].find("+++\n").map_or(0, |i| i + 3);
    repo.write(
        plan,
        format!(
            "{}on = 2026-11-20\nresult = \"pass\"\n{}",
            &text[..close],
            &text[close..]
        ),
    );
    let run = repo.run(&["check", "v1.5", "--format", "json"]);
    run.code(1);
    let json = run.json();
    let helps: Vec<&str> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "invalid-plan")
        .filter_map(|f| f["help"].as_str())
        .collect();
    assert_eq!(helps.len(), 2, "{}", run.stdout);
    assert!(
        helps[0].contains(
            "move a `[tested]` line with `on = ...` and `result = ...` above `[baseline]`"
        ),
        "{helps:?}"
    );
    // The untested help shows the three real lines.
    let untested = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == "untested")
        .and_then(|f| f["help"].as_str())
        .unwrap_or_default()
        .to_string();
    assert!(
        untested.contains(
            "`[tested]`, `on = 2026-11-20` (the day you tried it) and `result = \"pass\"`"
        ),
        "{untested}"
    );
    // Unrelated keys get the list of known keys, not a far-fetched did-you-mean.
    repo.write(
        plan,
        text.replacen(
            "\n[baseline]",
            "\n[tested]\nby = \"alice\"\nenv = \"staging\"\n\n[baseline]",
            1,
        ),
    );
    let run = repo.run(&["check", "v1.5"]);
    run.code(1)
        .stdout_has("unknown key `by` in [tested]")
        .stdout_has("= help: known keys here: `on`, `result`")
        .stdout_lacks("did you mean");
}

/// payments v1.3 and v1.4 with plans, and v1.5's manifest.
fn with_v15_manifest() -> TestRepo {
    let repo = payments_repo();
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
    repo
}

#[test]
fn quiet_baseline_starts_with_the_list() {
    let repo = with_v15_manifest();
    let run = repo.run(&["baseline", "-q", "--dry-run"]);
    run.code(0);
    assert!(
        run.stdout
            .starts_with("what must change in plans/payments/v1.5/plan.md:\n"),
        "{:?}",
        run.stdout
    );
}

#[test]
fn baseline_over_a_named_release_does_not_ask_to_name_it() {
    let repo = with_v15_manifest();
    repo.run(&["baseline", "v1.5"]).code(0);
    let run = repo.run(&["baseline", "v1.5"]);
    run.code(2)
        .stderr_has("plans/payments/v1.5/plan.md already exists; pass --force to overwrite it\n");
    // Inferred, the release it chose can be named instead.
    repo.run(&["baseline"])
        .code(2)
        .stderr_has("(payments/v1.5 is the newest release of payments with a manifest); pass --force to overwrite it, or name the release to fork into");
}

#[test]
fn tables_line_up_by_display_width() {
    let repo = payments_repo();
    // A baseline written in another script (invalid, but shown as written).
    repo.edit(
        "plans/payments/v1.4/plan.md",
        "duration = \"45m\"",
        "duration = \"45m\"\n[baseline]\nfrom = \"支払い/v1.3\"",
    );
    let run = repo.run(&["list"]);
    run.code(1);
    let column_of = |line: &str, needle: &str| {
        let at = line
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in {line}"));
        unicode_width::UnicodeWidthStr::width(&line[..at])
    };
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[2].contains("支払い/v1.3"), "{}", run.stdout);
    let items = column_of(lines[0], "ITEMS");
    assert_eq!(column_of(lines[1], "1  "), items, "{}", run.stdout);
    assert_eq!(column_of(lines[2], "2  "), items, "{}", run.stdout);
}

/// Every mention of a docs page is the project's URL, never a path of the user's repository.
#[track_caller]
fn docs_are_urls(text: &str) {
    for (at, _) in text.match_indices("docs/") {
        assert!(
            text[..at].ends_with("https://github.com/backout-dev/backout/blob/main/"),
            "a path of ours at {at}: {text}"
        );
    }
}

#[test]
fn messages_point_at_the_docs_online_not_at_a_path() {
    let repo = TestRepo::new();
    repo.run(&["init", "--team", "payments"]).code(0);
    let config = repo.read("backout.toml");
    assert!(
        config.contains(
            "https://github.com/backout-dev/backout/blob/main/docs/format.md#backouttoml"
        ),
        "{config}"
    );
    docs_are_urls(&config);
    repo.run(&["new", "v1.5"]).code(0);
    repo.remove("plans/payments/v1.5/manifest.toml");
    repo.edit(
        "plans/payments/v1.5/plan.md",
        "refers = []",
        "refers = \"ledger-worker\"",
    );
    let run = repo.run(&["check"]);
    run.code(1)
        .stdout_has("blob/main/docs/format.md#manifesttoml")
        .stdout_has("(every key is listed at https://github.com/backout-dev/backout/blob/main/docs/format.md)");
    docs_are_urls(&run.stdout);
    let help = repo.run(&["publish", "--help"]);
    help.stdout_has("https://github.com/backout-dev/backout/blob/main/docs/publish.md");
    docs_are_urls(&help.stdout);
    for command in [
        "init",
        "new",
        "check",
        "list",
        "tags",
        "baseline",
        "diff",
        "review",
        "import",
        "manifest",
        "publish",
        "drill",
        "export",
        "schema",
        "man",
        "completions",
    ] {
        docs_are_urls(&repo.run(&[command, "--help"]).stdout);
    }
}

/// A v1.5 plan the way a team writes one: a title, prose, numbered steps with commands.
/// `procedure` replaces the steps.
fn v15_plan(title: &str, procedure: &str) -> String {
    format!(
        "+++
team = \"payments\"
release = \"v1.5\"
status = \"draft\"
window = \"72h\"
duration = \"45m\"
+++

# {title}

## Criteria
Roll back when the payment error rate stays above 2% for 10 minutes.

## Decision
The incident commander on call decides, after asking the payments lead.

## Responsibilities
The payments release engineer on call, within 15 minutes of the decision.

## Procedure
{procedure}
## Verification
Run the smoke tests: `make smoke ENV=prod`.

## Communication
Post in the release channel before and after; support is told by the incident commander.

## Contingencies
If the rollback fails, fail over to the standby region ([BCP](https://wiki.example.com/bcp)).

## Testing
Rehearsed on staging on 2026-10-01; the rollback took 38 minutes.
"
    )
}

const V15_PLAN: &str = "plans/payments/v1.5/plan.md";

#[test]
fn naming_an_irreversible_item_in_code_is_not_saying_how() {
    let repo = with_v15_manifest();
    repo.write(
        V15_PLAN,
        v15_plan(
            "Backout plan: payments v1.5",
            "1. Roll back `payments-api` from 2.4.0 to 2.3.1: `kubectl rollout undo deployment/payments-api`\n2. Migration `0042_add_ledger_index`.\n",
        ),
    );
    let run = repo.run(&["check", "v1.5"]);
    run.code(1)
        .stdout_has("error[irreversible-item]: irreversible item `0042_add_ledger_index` (migration) is covered neither by Contingencies nor by a step that says how")
        .stdout_has(&format!("--> {V15_PLAN}:22:1"));
    // A command that acts on it says how.
    repo.edit(
        V15_PLAN,
        "2. Migration `0042_add_ledger_index`.",
        "2. Leave migration `0042_add_ledger_index` in place: `psql -c 'select 1 from ledger limit 1'` proves the old code still reads it.",
    );
    repo.run(&["check", "v1.5"]).code(0);
}

#[test]
fn a_title_naming_another_release_is_foreign_even_the_previous_one() {
    let repo = with_v15_manifest();
    let steps = "1. Roll back `payments-api` from 2.4.0 to 2.3.1 (as in v1.4): `kubectl rollout undo deployment/payments-api`\n2. Leave `0042_add_ledger_index` in place; the old code ignores it ([runbook](https://wiki.example.com/payments/migrations)).\n";
    repo.write(V15_PLAN, v15_plan("Backout plan: payments v1.4", steps));
    let run = repo.run(&["check", "v1.5"]);
    run.code(0)
        .stdout_has("warning[foreign-release]: the title names release v1.4 of payments, but this plan is for v1.5")
        .stdout_has(&format!("--> {V15_PLAN}:9:26"))
        .stdout_has("= help: write v1.5 in the title");
    // The step's "as in v1.4" is the previous release: allowed.
    let json = repo.run(&["check", "v1.5", "--format", "json"]).json();
    assert_eq!(json["warnings"], 1, "{json}");
    repo.write(V15_PLAN, v15_plan("Backout plan: payments v1.3", steps));
    repo.run(&["check", "v1.5"])
        .stdout_has("the title names release v1.3 of payments");
    repo.write(V15_PLAN, v15_plan("Backout plan: payments v1.5", steps));
    repo.run(&["check", "v1.5", "--deny-warnings"]).code(0);
}

#[test]
fn a_sibling_fork_flags_the_sibling_team_in_code_channels_and_links() {
    let repo = payments_repo();
    repo.edit(
        "plans/payments/v1.4/plan.md",
        "The release engineer on call, within 15 minutes of the decision.",
        "The payments release engineer on call (page `payments-ic`), within 15 minutes.",
    );
    repo.edit(
        "plans/payments/v1.4/plan.md",
        "Post in #releases before and after.",
        "Post in #payments-releases before and after.\n<!-- payments asked for this channel -->",
    );
    repo.edit(
        "plans/payments/v1.4/plan.md",
        "(see the [BCP](https://wiki.example.com/bcp))",
        "(see the [BCP](https://wiki.example.com/payments/bcp))",
    );
    repo.write(
        "plans/checkout/v1.0/manifest.toml",
        manifest(
            "checkout",
            "v1.0",
            &[
                service("payments-api", "2.3.1", "2.3.0"),
                migration("0041_add_refunds"),
            ],
        ),
    );
    repo.commit("checkout's first manifest");
    repo.run(&["baseline", "checkout/v1.0", "--from", "payments/v1.4"])
        .code(0);
    let run = repo.run(&["check", "checkout/v1.0", "--format", "json"]);
    let json = run.json();
    let found: Vec<(u64, u64)> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "foreign-team")
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or_default(),
                f["column"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    let plan = repo.read("plans/checkout/v1.0/plan.md");
    let line = |needle: &str| {
        plan.lines()
            .position(|l| l.contains(needle))
            .map_or(0, |i| i as u64 + 1)
    };
    // The title, the people and the pager, the channel, the link; not the item
    // `payments-api` of checkout's own manifest, not the HTML comment.
    assert_eq!(
        found,
        [
            (line("# Backout plan: payments v1.4"), 17),
            (line("The payments release engineer"), 5),
            (line("The payments release engineer"), 46),
            (line("#payments-releases"), 10),
            (line("wiki.example.com/payments/bcp"), 96),
        ],
        "{plan}"
    );
    let human = repo.run(&["check", "checkout/v1.0"]);
    human
        .stdout_has("warning[foreign-team]: names payments, the team this plan was forked from (payments/v1.4), not checkout")
        .stdout_has("Post in #payments-releases before and after.");
    // A plan of the same team is not a sibling fork.
    repo.run(&["check", "payments/v1.4", "--format", "json"])
        .code(0);
}

#[test]
fn only_directories_with_a_plan_or_manifest_are_releases() {
    let repo = payments_repo();
    repo.write(
        "plans/payments/archive/2023-q4-notes.md",
        "Old rollback notes, kept for reference.\n",
    );
    repo.write("plans/payments/_drafts/ideas.md", "Maybe one day.\n");
    repo.edit(
        "plans/payments/v1.4/plan.md",
        "Rehearsed on staging.",
        "Rehearsed on staging; the notes of earlier rehearsals are in the archive.",
    );
    let run = repo.run(&["check"]);
    run.code(0)
        .stdout_lacks("foreign-release")
        .stdout_lacks("invalid-plan")
        .stdout_has("note: plans/payments/_drafts/ holds no plan.md or manifest.toml, so it is not a release; skipped\nnote: plans/payments/archive/ holds no plan.md or manifest.toml, so it is not a release; skipped\nchecked 2 plans: no problems found\n");
    assert_eq!(run.stdout.matches("archive/ holds").count(), 1);
    repo.run(&["check", "-q"]).code(0).stdout_lacks("note:");
    // Review reads the same directories from git and agrees.
    let base = repo.head().to_string();
    repo.commit("an archive of old notes");
    repo.run(&["review", "--base", &base])
        .code(0)
        .stdout_lacks("foreign-release");
    // The previous release skips it too: v1.5 forks v1.4.
    repo.write(
        "plans/payments/v1.5/manifest.toml",
        manifest(
            "payments",
            "v1.5",
            &[service("payments-api", "2.4.0", "2.3.1")],
        ),
    );
    repo.run(&["baseline", "--dry-run"])
        .code(0)
        .stdout_has("forked payments/v1.4");
    // A badly named directory that does hold a plan is still reported.
    repo.write("plans/payments/_drafts/plan.md", "+++\n+++\n");
    repo.run(&["check"])
        .code(1)
        .stdout_has("directory name `_drafts` must start with an ASCII letter or digit");
}

#[test]
fn a_procedure_missing_or_written_as_a_table_is_one_finding() {
    let repo = with_v15_manifest();
    let plan = v15_plan(
        "Backout plan: payments v1.5",
        "1. Roll back `payments-api` from 2.4.0 to 2.3.1: `kubectl rollout undo deployment/payments-api`\n2. Leave `0042_add_ledger_index` in place ([runbook](https://wiki.example.com/m)).\n",
    );
    // No Procedure at all: the missing section says it, not one error per item.
    let start = plan.find("## Procedure").unwrap_or_default();
    let end = plan.find("## Verification").unwrap_or_default();
    repo.write(V15_PLAN, format!("{}{}", &plan[..start], &plan[end..]));
    let run = repo.run(&["check", "v1.5", "--format", "json"]);
    run.code(1);
    assert_eq!(
        run.rules(),
        ["missing-section", "irreversible-item"],
        "{}",
        run.stdout
    );
    // Forty services rolled back in a table: one finding that says rows are not steps.
    let items: Vec<String> = (1..=40).map(|n| format!("svc-{n:02}")).collect();
    let manifest_items: Vec<crate::harness::Item<'_>> = items
        .iter()
        .map(|id| service(id, "1.1.0", "1.0.0"))
        .collect();
    repo.write(
        "plans/payments/v1.5/manifest.toml",
        manifest("payments", "v1.5", &manifest_items),
    );
    let mut table = String::from("| Service | Command |\n|---|---|\n");
    for id in &items {
        table.push_str(&format!("| `{id}` | `helm rollback {id} 0` |\n"));
    }
    repo.write(V15_PLAN, v15_plan("Backout plan: payments v1.5", &table));
    let run = repo.run(&["check", "v1.5"]);
    run.code(1)
        .stdout_has("error[uncovered-item]: `## Procedure` has no steps (rows of a table are not steps), so none of the 40 manifest items is covered")
        .stdout_has("= help: write the procedure as a numbered list, one step per manifest item naming it, with its command");
    assert_eq!(
        run.stdout.matches("uncovered-item").count(),
        1,
        "{}",
        run.stdout
    );
}

#[test]
fn tool_versions_are_not_stale_and_one_finding_can_be_ignored() {
    let repo = with_v15_manifest();
    let steps = "1. Roll back `payments-api` from 2.4.0 to 2.3.1 with kubectl 1.28 (Java 17.0.2 clients reconnect over TLS 1.2): `kubectl rollout undo deployment/payments-api`
2. Check `0042_add_ledger_index` with the postgres client 15.4: `psql -c '\\d ledger'` ([runbook](https://wiki.example.com/payments/migrations)).
";
    repo.write(V15_PLAN, v15_plan("Backout plan: payments v1.5", steps));
    repo.run(&["check", "v1.5", "--deny-warnings"])
        .code(0)
        .stdout_has("checked 1 plan: no problems found\n");
    // A stale version next to the item is still found.
    repo.edit(V15_PLAN, "to 2.3.1 with", "to 2.2.9 with");
    repo.run(&["check", "v1.5"])
        .code(0)
        .stdout_has("warning[stale-version]: version 2.2.9 matches no item referenced here");
    // The team says why 2.2.9 is right, and the finding is silenced: counted, not failing.
    repo.edit(
        V15_PLAN,
        "1. Roll back `payments-api`",
        "<!-- backout-ignore stale-version: 2.2.9 is the last build that ran on the old ledger -->\n1. Roll back `payments-api`",
    );
    repo.run(&["check", "v1.5", "--deny-warnings"])
        .code(0)
        .stdout_has("checked 1 plan: no problems found (1 suppressed by backout-ignore comments)\n")
        .stdout_lacks("stale-version");
    let json = repo.run(&["check", "v1.5", "--format", "json"]).json();
    assert_eq!(json["warnings"], 0);
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(0));
    let suppressed = &json["suppressed"][0];
    assert_eq!(suppressed["rule"], "stale-version");
    assert_eq!(suppressed["line"], 22);
    assert_eq!(
        suppressed["reason"],
        "2.2.9 is the last build that ran on the old ledger"
    );
    // Never for invalid-plan; a comment that silences nothing is reported.
    repo.edit(V15_PLAN, "status = \"draft\"", "status = \"final\"");
    repo.edit(
        V15_PLAN,
        "## Criteria",
        "<!-- backout-ignore invalid-plan: we like it -->\n## Criteria",
    );
    let run = repo.run(&["check", "v1.5", "--format", "json"]);
    run.code(1);
    assert_eq!(
        run.rules(),
        ["invalid-plan", "unused-ignore"],
        "{}",
        run.stdout
    );
}

#[test]
fn init_says_what_it_wrote_and_where() {
    let repo = TestRepo::new();
    repo.write("services/api/README.md", "The payments API.\n");
    let run = repo.run_in(&repo.join("services/api"), &["init", "--team", "payments"]);
    run.code(0);
    run.stdout_has("wrote backout.toml (default_team = \"payments\")\ncreated plans/\nboth at the work tree root, /");
    let root = run.stdout.lines().nth(2).unwrap_or_default();
    let root = root.trim_start_matches("both at the work tree root, ");
    assert_eq!(
        std::fs::canonicalize(root).ok(),
        std::fs::canonicalize(repo.path()).ok()
    );
    assert!(repo.exists("backout.toml") && !repo.exists("services/api/backout.toml"));
    repo.run(&["init", "--force"])
        .code(0)
        .stdout_has("replaced backout.toml\nkept plans/, which already exists\nnext:")
        .stdout_lacks("work tree root");
}

#[test]
fn check_takes_a_team_and_paths_copied_from_the_output() {
    let repo = with_v15_manifest();
    add_release(
        &repo,
        "checkout",
        "v2.0",
        &[service("checkout-api", "5.0.0", "4.9.0")],
    );
    // A team's name checks all its plans.
    repo.run(&["check", "payments"])
        .code(0)
        .stdout_has("checked 2 plans");
    repo.run(&["check", "checkout"])
        .code(0)
        .stdout_has("checked 1 plan");
    repo.run(&["check", "plans/payments"])
        .code(0)
        .stdout_has("checked 2 plans");
    // Commands that take one plan say a team is not one.
    repo.run(&["diff", "checkout"]).code(2).stderr_has(
        "`checkout` is a team, not a plan; name one of its plans as checkout/RELEASE, such as checkout/v2.0 (its newest: v2.0)",
    );
    repo.write("plans/search/notes/todo.md", "later\n");
    repo.run(&["check", "search"])
        .code(2)
        .stderr_has("team search has no plans yet; create one with `backout new search/<release>`");
    // Paths as the output prints them work from a subdirectory.
    let sub = repo.join("plans/checkout");
    repo.run_in(&sub, &["check", "plans/payments/v1.4/plan.md"])
        .code(0)
        .stdout_has("checked 1 plan");
    repo.run_in(&sub, &["check", "plans/payments/v1.4"]).code(0);
    repo.run_in(&repo.join("plans/payments/v1.4"), &["check", "."])
        .code(0)
        .stdout_has("checked 1 plan");
    // The root holds every plan.
    repo.run(&["check", "."])
        .code(0)
        .stdout_has("checked 3 plans");
}

#[test]
fn diff_publish_and_baseline_take_a_path_where_check_does() {
    let repo = with_v15_manifest();
    let v15 = repo.join("plans/payments/v1.5");
    // baseline . in the directory of the release being prepared.
    repo.run_in(&v15, &["baseline", ".", "--from", "v1.4"])
        .code(0)
        .stdout_has("forked payments/v1.4 (named with --from) into payments/v1.5");
    repo.run_in(&v15, &["diff", "."])
        .code(0)
        .stdout_has("comparing payments/v1.5 with payments/v1.4 (its baseline source)");
    repo.run_in(
        &repo.join("plans"),
        &["diff", "plans/payments/v1.5/plan.md"],
    )
    .code(0);
    let v14 = repo.join("plans/payments/v1.4");
    repo.set_status_tested("plans/payments/v1.4/plan.md", "approved");
    repo.commit("v1.4 approved");
    repo.run_in(&v14, &["publish", ".", "--dry-run"])
        .code(0)
        .stdout_has("payments/v1.4");
    repo.run_in(&v14, &["diff", ".."])
        .code(2)
        .stderr_has("is the directory of team payments, not a plan");
    // `drill .` in the plan's directory walks that plan (v1.4 has two steps).
    let drilled = repo.run_with_input(
        &v14,
        &[("SOURCE_DATE_EPOCH", "1764000000")],
        &["drill", ".", "--by", "alice"],
        Some("done\ndone\n"),
    );
    drilled.code(0);
    assert!(
        std::fs::read_dir(v14.join("drills")).is_ok_and(|mut d| d.next().is_some()),
        "{}{}",
        drilled.stdout,
        drilled.stderr
    );
    // `manifest .` too, in the directory of the release it derives.
    repo.write(
        "backout.toml",
        "default_team = \"payments\"\n[[derive]]\npath = \"services/{id}/\"\nkind = \"service\"\n",
    );
    repo.commit("derive rules");
    repo.tag("v1.4", true);
    repo.write("services/payments-api/main.go", "package main\n");
    repo.commit("payments-api changes");
    let derived = repo.run_in(&v15, &["manifest", ".", "--format", "json"]);
    derived.code(0).stdout_has("payments-api");
}

#[test]
fn a_tag_of_another_team_is_not_hinted_as_a_new_plan_of_the_default_team() {
    let repo = payments_repo();
    repo.set_status_tested("plans/payments/v1.4/plan.md", "approved");
    repo.commit("v1.4 approved");
    repo.tag("v1.4", true);
    add_release(
        &repo,
        "search",
        "v3.1",
        &[service("search-api", "3.1.0", "3.0.2")],
    );
    repo.commit("search v3.1");
    repo.tag("v3.1", true);
    let run = repo.run(&["tags", "--format", "json"]);
    run.code(1);
    let json = run.json();
    let message = json["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["tag"] == "v3.1")
        .and_then(|t| t["message"].as_str())
        .unwrap_or_default()
        .to_string();
    assert!(
        message.starts_with("no plan at plans/payments/v3.1/plan.md in the tagged commit "),
        "{message}"
    );
    assert!(
        message.contains("v3.1 is a release of search, not of payments, but with `format = \"{release}\"` every tag matching `glob` is a release of the default team: narrow `[tags] glob` to the tags of payments, or tag releases as TEAM/RELEASE"),
        "{message}"
    );
    assert!(!message.contains("backout new"), "{message}");
}

#[test]
fn tag_globs_take_braces_as_documented() {
    let repo = payments_repo();
    repo.write(
        "backout.toml",
        "default_team = \"payments\"\n[tags]\nglob = \"{v*,hotfix-*}\"\n",
    );
    repo.commit("two kinds of release tags");
    repo.tag("v1.4", true);
    repo.tag("hotfix-1.4.1", true);
    repo.tag("nightly", false);
    let json = repo.run(&["tags", "--format", "json"]).json();
    let tags: Vec<&str> = json["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["tag"].as_str())
        .collect();
    assert_eq!(tags, ["v1.4", "hotfix-1.4.1"]);
}

/// Every key of a JSON object, and of the objects inside it, recursively.
fn keys(value: &serde_json::Value, into: &mut std::collections::BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                into.insert(key.clone());
                keys(inner, into);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| keys(item, into)),
        _ => {}
    }
}

#[test]
fn ci_docs_name_every_key_of_the_review_and_diff_json() {
    let repo = with_v15_manifest();
    let base = repo.commit("v1.5 manifest");
    repo.run(&["baseline", "v1.5"]).code(0);
    repo.edit(
        "plans/payments/v1.4/manifest.toml",
        "version = \"2.3.1\"",
        "version = \"2.3.2\"",
    );
    repo.commit("v1.5 forked; v1.4's manifest fixed");
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ci.md"))
        .unwrap_or_default();
    let mut found = std::collections::BTreeSet::new();
    keys(
        &repo
            .run(&["review", "--base", &base, "--format", "json"])
            .json(),
        &mut found,
    );
    keys(
        &repo.run(&["diff", "v1.5", "--format", "json"]).json(),
        &mut found,
    );
    let missing: Vec<&String> = found
        .iter()
        .filter(|key| !docs.contains(&format!("`{key}`")))
        .collect();
    assert!(missing.is_empty(), "docs/ci.md does not name {missing:?}");
}
