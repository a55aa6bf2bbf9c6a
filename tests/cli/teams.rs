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
    assert_eq!(
        run.stderr,
        "warning: 1 published plan (payments/v1.4) was checked without the rules that compare a plan with the manifests (foreign-item, uncovered-item, irreversible-item, stale-version, foreign-release): this is a shallow clone without the commits they were published from; fetch the full history (`git fetch --unshallow`; GitHub Actions: `actions/checkout` with `fetch-depth: 0`)\n"
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
