//! Many teams, one repository: a published plan is checked against the manifests of the
//! commit it was published from, so no other team's later manifest can turn it red.

use crate::harness::{Item, Run, TestRepo, add_release, manifest, migration, service};

pub const PAYMENTS_V14: &str = "plans/payments/v1.4/plan.md";
pub const PAYMENTS_V15: &str = "plans/payments/v1.5/plan.md";
pub const CHECKOUT_V21_MANIFEST: &str = "plans/checkout/v2.1/manifest.toml";

/// An item of kind `other` or `config`, the way teams list checks and dashboards.
pub fn other<'a>(id: &'a str, kind: &'a str) -> Item<'a> {
    Item {
        id,
        kind,
        version: None,
        previous: None,
        reversible: true,
    }
}

pub fn publish(repo: &TestRepo, spec: &str) -> Run {
    repo.run_in_env(
        repo.path(),
        &[("SOURCE_DATE_EPOCH", "1764086400")],
        &["publish", spec],
    )
}

/// Three teams: payments (v1.4 published with `backout publish`, v1.5 a draft), checkout
/// (v2.0, v2.1) and search (v3.0). Both payments plans tell the on-call engineer to run the
/// smoke tests and watch the dashboard, as plans do. Returns the repository and the commit
/// payments/v1.4 was published from.
pub fn three_teams() -> (TestRepo, String) {
    let repo = TestRepo::new();
    add_release(
        &repo,
        "payments",
        "v1.4",
        &[
            service("payments-api", "2.3.1", "2.3.0"),
            migration("0041_split_ledger"),
        ],
    );
    add_release(
        &repo,
        "payments",
        "v1.5",
        &[service("payments-api", "2.4.0", "2.3.1")],
    );
    for plan in [PAYMENTS_V14, PAYMENTS_V15] {
        repo.edit(
            plan,
            "## Verification\nRun the smoke tests: `make smoke`.",
            "## Verification\nRun the smoke tests (`make smoke`) and watch the payments dashboard for 15 minutes:\nno 5xx above 0.5%, p99 under 800 ms.",
        );
    }
    add_release(
        &repo,
        "checkout",
        "v2.0",
        &[service("checkout-web", "5.0.0", "4.9.2")],
    );
    add_release(
        &repo,
        "checkout",
        "v2.1",
        &[service("checkout-web", "5.1.0", "5.0.0")],
    );
    add_release(
        &repo,
        "search",
        "v3.0",
        &[service("search-indexer", "3.0.0", "2.9.4")],
    );
    // Plans look ahead, too.
    repo.edit(
        PAYMENTS_V14,
        "Rehearsed on staging.",
        "Rehearsed on staging; v1.6 will drop the old ledger table.",
    );
    repo.set_status_tested(PAYMENTS_V14, "approved");
    repo.commit("three teams");
    publish(&repo, "payments/v1.4").code(0);
    let published_from = repo.head().to_string();
    repo.commit("publish payments/v1.4");
    (repo, published_from)
}

/// Checkout's newest manifest gains two items whose ids are everyday words.
pub fn add_smoke_and_dashboard(repo: &TestRepo) {
    repo.write(
        CHECKOUT_V21_MANIFEST,
        manifest(
            "checkout",
            "v2.1",
            &[
                service("checkout-web", "5.1.0", "5.0.0"),
                other("smoke", "other"),
                other("dashboard", "config"),
            ],
        ),
    );
}

fn rules_of(run: &Run, file: &str) -> Vec<String> {
    run.json()["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["file"] == file)
        .map(|f| format!("{} {}", f["rule"].as_str().unwrap_or_default(), f["line"]))
        .collect()
}

#[test]
fn a_new_item_of_another_team_leaves_published_plans_green_and_turns_drafts_red() {
    let (repo, published_from) = three_teams();
    assert!(
        repo.read(PAYMENTS_V14)
            .contains(&format!("commit = \"{published_from}\""))
    );
    repo.run(&["check"]).code(0);
    add_smoke_and_dashboard(&repo);
    let run = repo.run(&["check", "--format", "json"]);
    run.code(1);
    assert_eq!(rules_of(&run, PAYMENTS_V14), Vec::<String>::new());
    assert_eq!(
        rules_of(&run, PAYMENTS_V15),
        ["foreign-item 24", "foreign-item 24", "foreign-item 24"]
    );
    let human = repo.run(&["check", "payments/v1.5"]);
    human
        .code(1)
        .stdout_has("error[foreign-item]: `smoke` belongs to checkout/v2.1, not to payments/v1.5")
        .stdout_has(
            "error[foreign-item]: `dashboard` belongs to checkout/v2.1, not to payments/v1.5",
        );
    // The published plan alone: green, and no note, since its commit is here.
    let published = repo.run(&["check", "payments/v1.4"]);
    published
        .code(0)
        .stdout_has("checked 1 plan: no problems found");
    assert_eq!(published.stderr, "");
}

#[test]
fn a_published_plan_keeps_the_manifests_of_its_commit() {
    let (repo, _) = three_teams();
    // Its own manifest gains an item after publishing (review flags that change): the
    // published plan is still checked against the manifest it was published with.
    repo.write(
        "plans/payments/v1.4/manifest.toml",
        manifest(
            "payments",
            "v1.4",
            &[
                service("payments-api", "2.3.1", "2.3.0"),
                migration("0041_split_ledger"),
                service("fraud-scorer", "1.2.0", "1.1.0"),
            ],
        ),
    );
    // Another team's release, gone from the tree now, no longer names what it owned.
    repo.remove("plans/checkout/v2.0");
    repo.run(&["check", "payments/v1.4"]).code(0);
    // A release of its team added since does not count as one of the team's releases.
    add_release(
        &repo,
        "payments",
        "v1.6",
        &[service("payments-api", "2.5.0", "2.4.0")],
    );
    repo.run(&["check", "payments/v1.4"])
        .code(0)
        .stdout_lacks("foreign-release");
    // A draft written before v1.6 existed is told.
    repo.edit(
        PAYMENTS_V15,
        "Rehearsed on staging.",
        "Rehearsed on staging; v1.6 will drop the old ledger table.",
    );
    repo.run(&["check", "payments/v1.5"]).code(0).stdout_has(
        "warning[foreign-release]: names release v1.6 of payments, but this plan is for v1.5",
    );
}

#[test]
fn a_published_plan_stays_red_for_what_was_wrong_at_its_commit() {
    let repo = TestRepo::new();
    add_release(
        &repo,
        "checkout",
        "v1.9",
        &[
            service("checkout-web", "4.9.2", "4.9.1"),
            service("legacy-cart", "1.0.0", "0.9.0"),
        ],
    );
    add_release(
        &repo,
        "payments",
        "v1.4",
        &[service("payments-api", "2.3.1", "2.3.0")],
    );
    repo.edit(
        PAYMENTS_V14,
        "## Verification",
        "Drain `legacy-cart` first: `cartctl drain --all`.\n\n## Verification",
    );
    let at = repo.commit("checkout v1.9 still owns legacy-cart");
    // Stamped by hand (publish would have refused the foreign item).
    repo.set_status_tested(PAYMENTS_V14, "published");
    repo.edit(
        PAYMENTS_V14,
        "result = \"pass\"",
        &format!("result = \"pass\"\n[published]\nat = 2026-11-25T16:00:00Z\ncommit = \"{at}\""),
    );
    // checkout v1.9 drops legacy-cart afterwards: today nobody owns it.
    repo.write(
        "plans/checkout/v1.9/manifest.toml",
        manifest(
            "checkout",
            "v1.9",
            &[service("checkout-web", "4.9.2", "4.9.1")],
        ),
    );
    repo.commit("published by hand; legacy-cart retired");
    repo.run(&["check", "payments/v1.4"]).code(1).stdout_has(
        "error[foreign-item]: `legacy-cart` belongs to checkout/v1.9, not to payments/v1.4",
    );
}

#[test]
fn without_the_published_commit_content_rules_are_skipped_and_check_says_so() {
    let (repo, _) = three_teams();
    // A clone that does not have the commit: a shallow one.
    let missing = "0123456789abcdef0123456789abcdef01234567";
    let text = repo.read(PAYMENTS_V14);
    let start = text.find("commit = \"").unwrap_or(0) + "commit = \"".len();
    let stamped = &text[start..start + 40];
    repo.write(PAYMENTS_V14, text.replace(stamped, missing));
    // Make the plan red for a content rule, and for a rule that does not need manifests.
    repo.edit(
        PAYMENTS_V14,
        "## Verification",
        "5. Restart `checkout-web`: `kubectl rollout restart checkout-web`\n\n## Verification",
    );
    repo.edit(PAYMENTS_V14, "## Decision\n", "## Decision\nTBD\n");
    repo.commit("a commit nobody has");
    let head = repo.head().to_string();
    repo.write(".git/shallow", format!("{head}\n"));
    let run = repo.run(&["check", "--format", "json"]);
    run.code(1);
    assert_eq!(rules_of(&run, PAYMENTS_V14), ["placeholder 21"]);
    // Scripts reading the JSON learn it too, as from review's JSON.
    assert_eq!(run.json()["unpinned"], serde_json::json!(["payments/v1.4"]));
    assert_eq!(
        run.stderr,
        "warning: 1 published plan (payments/v1.4) was checked without the rules that compare a plan with the manifests (foreign-item, uncovered-item, irreversible-item, stale-version, foreign-release, and the manifest's own checks): this is a shallow clone without the commits they were published from; fetch the full history (`git fetch --unshallow`; GitHub Actions: `actions/checkout` with `fetch-depth: 0`)\n"
    );
    let github = repo.run(&["check", "--format", "github"]);
    github
        .code(1)
        .stdout_has("::warning title=published plans checked without their commit::1 published plan (payments/v1.4) was checked without");
    assert_eq!(github.stderr, "");
    // Not shallow: the commit is simply not in this repository.
    repo.remove(".git/shallow");
    repo.run(&["check"])
        .code(1)
        .stderr_has("the commits they were published from are not in this repository");
}

#[test]
fn a_published_commit_must_be_a_full_commit_id() {
    let (repo, published_from) = three_teams();
    repo.edit(PAYMENTS_V14, &published_from, &published_from[..12]);
    repo.run(&["check", "payments/v1.4"])
        .code(1)
        .stdout_has(&format!(
            "error[invalid-plan]: `commit` in [published] is \"{}\", not a full commit id",
            &published_from[..12]
        ));
}

fn plan_rows(run: &Run) -> Vec<(String, bool, u64)> {
    run.json()["plans"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                format!(
                    "{}/{}",
                    p["team"].as_str().unwrap_or_default(),
                    p["release"].as_str().unwrap_or_default()
                ),
                p["caused_by_change"].as_bool().unwrap_or_default(),
                p["errors"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn review_names_the_plans_a_new_manifest_item_breaks() {
    let (repo, _) = three_teams();
    // payments/v1.5 already names a checkout service: not this change's doing.
    repo.edit(
        PAYMENTS_V15,
        "## Contingencies\n",
        "## Contingencies\nIf `checkout-web` errors too, page the checkout on-call.\n",
    );
    let base = repo.commit("payments v1.5 talks about checkout");
    add_smoke_and_dashboard(&repo);
    repo.commit("checkout v2.1 deploys the smoke job and a dashboard");

    let human = repo.run(&["review", "--base", &base]);
    human
        .code(1)
        .stdout_has("1 plan changed, 2 more plans with findings caused by this change")
        .stdout_has("plans/checkout/v2.1/plan.md (manifest changed)")
        .stdout_has("plans/search/v3.0/plan.md (not changed; findings caused by this change)")
        .stdout_has("plans/payments/v1.5/plan.md (not changed; findings caused by this change)")
        .stdout_has("error[foreign-item]: `smoke` belongs to checkout/v2.1, not to payments/v1.5")
        .stdout_has(
            "error[foreign-item]: `dashboard` belongs to checkout/v2.1, not to payments/v1.5",
        )
        .stdout_lacks("`checkout-web` belongs to")
        .stdout_lacks("payments/v1.4")
        .stdout_has("reviewed 3 plans: 7 errors, 0 warnings");

    let json = repo.run(&["review", "--base", &base, "--format", "json"]);
    json.code(1);
    assert_eq!(
        plan_rows(&json),
        [
            ("checkout/v2.1".to_string(), false, 2),
            ("payments/v1.5".to_string(), true, 3),
            ("search/v3.0".to_string(), true, 2),
        ]
    );
    let doc = json.json();
    assert_eq!(doc["caused"], 2);
    assert_eq!(doc["plans"][1]["change"], serde_json::Value::Null);
    assert_eq!(doc["plans"][1]["path"], PAYMENTS_V15);
    assert_eq!(doc["plans"][1]["findings"][0]["line"], 24);

    let markdown = repo.run(&["review", "--base", &base, "--format", "markdown"]);
    markdown
        .code(1)
        .stdout_has("1 plan changed, 2 more plans with findings caused by this change, 7 errors, 0 warnings.")
        .stdout_has("| `payments/v1.5` | not changed; findings caused by this change | 3 | 0 |")
        .stdout_has("### `payments/v1.5` (not changed; findings caused by this change)")
        .stdout_has("- ❌ **foreign-item** `plans/payments/v1.5/plan.md:24`: `smoke` belongs to checkout/v2.1, not to payments/v1.5");

    let github = repo.run(&["review", "--base", &base, "--format", "github"]);
    github.code(1).stdout_has(
        "::error file=plans/payments/v1.5/plan.md,line=24,endLine=24,col=9,endColumn=14,title=foreign-item::",
    ).stdout_has(
        "::`smoke` belongs to checkout/v2.1, not to payments/v1.5 (caused by this change: payments/v1.5 itself did not change)",
    );
}

#[test]
fn review_of_a_config_change_rechecks_every_plan() {
    let (repo, _) = three_teams();
    repo.write("backout.toml", "[check]\nshared = [\"smoke\"]\n");
    add_smoke_and_dashboard(&repo);
    repo.edit(
        CHECKOUT_V21_MANIFEST,
        "\n[[items]]\nid = \"dashboard\"\nkind = \"config\"\n",
        "",
    );
    let base = repo.commit("smoke is shared");
    repo.write("backout.toml", "[check]\nshared = []\n");
    repo.commit("nothing is shared any more");
    let run = repo.run(&["review", "--base", &base, "--format", "json"]);
    run.code(1);
    assert_eq!(
        plan_rows(&run),
        [
            ("payments/v1.5".to_string(), true, 2),
            ("search/v3.0".to_string(), true, 2),
        ]
    );
}

#[test]
fn review_of_a_forked_plan_shows_its_diff_against_the_source() {
    let (repo, _) = three_teams();
    // The draft v1.5 looks ahead to v1.6; nothing is wrong with that until v1.6 exists.
    repo.edit(
        PAYMENTS_V15,
        "Rehearsed on staging.",
        "Rehearsed on staging; v1.6 will drop the old ledger table.",
    );
    let base = repo.commit("v1.5 looks ahead");
    // The pull request: v1.6's manifest, its plan forked from v1.5, one section rewritten.
    repo.write(
        "plans/payments/v1.6/manifest.toml",
        manifest(
            "payments",
            "v1.6",
            &[
                service("payments-api", "2.5.0", "2.4.0"),
                migration("0043_drop_old_ledger"),
            ],
        ),
    );
    repo.run(&["baseline", "payments/v1.6", "--from", "payments/v1.5"])
        .code(0);
    repo.edit(
        "plans/payments/v1.6/plan.md",
        "The incident commander on call decides.",
        "The payments incident commander decides, with the DBA on call for the ledger.",
    );
    repo.commit("payments v1.6");

    let human = repo.run(&["review", "--base", &base]);
    human
        .code(1)
        .stdout_has("plans/payments/v1.6/plan.md (added, forked from payments/v1.5, manifest changed)")
        .stdout_has(&format!(
            "forked from payments/v1.5@{}: the diff shows what changed since",
            &base[..10]
        ))
        .stdout_has(&format!("--- payments/v1.5@{}", &base[..10]))
        .stdout_has("## Decision: changed")
        .stdout_has("-The incident commander on call decides.")
        .stdout_has("+The payments incident commander decides, with the DBA on call for the ledger.")
        .stdout_has("## Procedure: unchanged")
        .stdout_has("manifest: 1 added, 0 removed, 1 changed")
        .stdout_has("  + 0043_drop_old_ledger (migration, irreversible)")
        .stdout_has("what must change in plans/payments/v1.6/plan.md:")
        .stdout_has("error[uncovered-item] manifest item `0043_drop_old_ledger` (migration) is not covered by any procedure step")
        .stdout_has("unchanged since payments/v1.5: confirm it still holds")
        // The untouched v1.5 now names a release that exists.
        .stdout_has("plans/payments/v1.5/plan.md (not changed; findings caused by this change)")
        .stdout_has("warning[foreign-release]: names release v1.6 of payments, but this plan is for v1.5");

    let json = repo.run(&["review", "--base", &base, "--format", "json"]);
    json.code(1);
    let doc = json.json();
    let v16 = &doc["plans"][0];
    assert_eq!(v16["release"], "v1.6");
    assert_eq!(v16["change"], "added");
    assert_eq!(v16["fork"]["from"], "payments/v1.5");
    assert_eq!(v16["diff"]["old"], format!("payments/v1.5@{}", &base[..10]));
    assert_eq!(
        v16["diff"]["manifest"]["added"][0]["id"],
        "0043_drop_old_ledger"
    );
    let places: Vec<String> = v16["fork"]["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            format!(
                "{} {}",
                c["place"].as_str().unwrap_or_default(),
                c["title"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert!(
        places.contains(&"section Procedure".to_string()),
        "{places:?}"
    );
    assert_eq!(doc["plans"][1]["caused_by_change"], true);

    let markdown = repo.run(&["review", "--base", &base, "--format", "markdown"]);
    markdown
        .code(1)
        .stdout_has("| `payments/v1.6` | added, forked from payments/v1.5, manifest changed |")
        .stdout_has("**Forked from `payments/v1.5`.** What must still change in `plans/payments/v1.6/plan.md`:")
        .stdout_has("- section **Procedure** (line 24)\n  - line 24:1: ❌ **uncovered-item**")
        .stdout_has("❌ **uncovered-item** manifest item `0043_drop_old_ledger` (migration) is not covered by any procedure step")
        .stdout_has("<details><summary>Section diff against the plan it was forked from</summary>")
        .stdout_has(&format!(
            "### Backout plan diff: `payments/v1.5@{}` → ",
            &base[..10]
        ))
        .stdout_has("+The payments incident commander decides, with the DBA on call for the ledger.");
}

#[test]
fn review_of_a_sibling_fork_points_at_the_source_team() {
    let (repo, _) = three_teams();
    let base = repo.head().to_string();
    repo.write(
        "plans/loyalty/v0.1/manifest.toml",
        manifest(
            "loyalty",
            "v0.1",
            &[service("loyalty-api", "0.1.0", "0.0.9")],
        ),
    );
    repo.run(&["baseline", "loyalty/v0.1", "--from", "payments/v1.5"])
        .code(0);
    repo.commit("loyalty's first release, forked from payments");
    repo.run(&["review", "--base", &base])
        .code(1)
        .stdout_has("plans/loyalty/v0.1/plan.md (added, forked from payments/v1.5, manifest changed)")
        .stdout_has("  line 28:50: warning[foreign-team] names payments, the team this plan was forked from (payments/v1.5), not loyalty")
        .stdout_has("  - payments-api")
        .stdout_has("  + loyalty-api (service 0.1.0)");
}

#[test]
fn review_checks_a_plan_published_in_the_change_against_its_commit() {
    let repo = TestRepo::new();
    add_release(
        &repo,
        "payments",
        "v1.4",
        &[service("payments-api", "2.3.1", "2.3.0")],
    );
    add_release(
        &repo,
        "checkout",
        "v2.1",
        &[service("checkout-web", "5.1.0", "5.0.0")],
    );
    repo.set_status_tested(PAYMENTS_V14, "approved");
    let base = repo.commit("approved");
    publish(&repo, "payments/v1.4").code(0);
    // The same pull request also adds `smoke` to checkout: the published plan was
    // published before that, so it stays green; the review still flags the manifest.
    add_smoke_and_dashboard(&repo);
    repo.commit("publish payments/v1.4; checkout deploys a smoke job");
    let run = repo.run(&["review", "--base", &base, "--format", "json"]);
    run.code(1);
    let doc = run.json();
    let v14 = &doc["plans"][1];
    assert_eq!(v14["release"], "v1.4");
    assert_eq!(v14["change"], "modified");
    assert_eq!(v14["caused_by_change"], false);
    assert_eq!(v14["findings"], serde_json::json!([]));
    assert_eq!(doc["plans"].as_array().map(Vec::len), Some(2));
    assert_eq!(run.stderr, "");
}

#[test]
fn review_sees_a_previous_release_change_in_an_untouched_plan() {
    let repo = TestRepo::new();
    for (release, version, previous) in [
        ("v1.4", "2.3.1", "2.3.0"),
        ("v1.5", "2.4.0", "2.3.1"),
        ("v1.6", "2.5.0", "2.4.0"),
    ] {
        add_release(
            &repo,
            "payments",
            release,
            &[service("payments-api", version, previous)],
        );
    }
    repo.edit(
        "plans/payments/v1.6/plan.md",
        "Rehearsed on staging.",
        "Rehearsed on staging; a rollback returns to v1.5.",
    );
    let base = repo.commit("three releases");
    repo.run(&["check"]).code(0).stdout_lacks("foreign-release");
    // v1.5 was never shipped: its plan goes, its directory (and manifest) stays.
    repo.remove("plans/payments/v1.5/plan.md");
    repo.commit("v1.5 was never released");
    let run = repo.run(&["review", "--base", &base]);
    run.code(0)
        .stdout_has("plans/payments/v1.5/plan.md (deleted)")
        .stdout_has("plans/payments/v1.6/plan.md (not changed; findings caused by this change)")
        .stdout_has("warning[foreign-release]: names release v1.5 of payments, but this plan is for v1.6 (previous: v1.4)")
        .stdout_lacks("plans/payments/v1.4/plan.md");
}

#[test]
fn a_published_plan_copied_by_hand_into_a_new_release_says_why_its_manifest_is_missing() {
    // Copying last release's plan is what teams do; copied with `cp`, the published plan
    // keeps its `[published]` stamp, whose commit knew no manifest of the new release.
    let (repo, published_from) = three_teams();
    repo.write(
        "plans/payments/v1.6/manifest.toml",
        manifest(
            "payments",
            "v1.6",
            &[service("payments-api", "2.5.0", "2.4.0")],
        ),
    );
    repo.write(
        "plans/payments/v1.6/plan.md",
        repo.read(PAYMENTS_V14)
            .replace("release = \"v1.4\"", "release = \"v1.6\""),
    );
    let run = repo.run(&["check", "payments/v1.6"]);
    run.code(1);
    let short = &published_from[..10];
    run.stdout_has(&format!(
        "error[invalid-plan]: the plan says it was published from commit {short}, which has no plans/payments/v1.6/manifest.toml: the plan was copied or moved here after it was published"
    ))
    .stdout_has("= help: a copy of another release's plan is a new draft: set `status = \"draft\"` and remove the [published] table (`backout baseline` makes such copies for you); a published plan itself must stay where it was published")
    .stdout_lacks("manifest.toml is missing");
    // Once it is a draft, it is checked against today's manifest like any other.
    let text = repo.read("plans/payments/v1.6/plan.md");
    let start = text.find("[published]").unwrap_or(0);
    let end = text[start..].find("+++").map_or(start, |i| start + i);
    repo.write(
        "plans/payments/v1.6/plan.md",
        format!("{}{}", &text[..start], &text[end..])
            .replace("status = \"published\"", "status = \"draft\""),
    );
    let run = repo.run(&["check", "payments/v1.6", "--format", "json"]);
    assert!(
        !run.rules().contains(&"invalid-plan".to_string()),
        "{}",
        run.stdout
    );
}
