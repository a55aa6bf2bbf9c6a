//! `backout manifest` and `manifest-drift`: a release's items derived from its git changes,
//! in real repositories with real commits and tags.

use serde_json::Value;

use crate::harness::{Item, TestRepo, add_release, manifest, migration, plan, service};

const RULES: &str = r#"default_team = "payments"

[[derive]]
path = "services/{id}/"
kind = "service"
version_file = "services/{id}/VERSION"

[[derive]]
path = "db/migrations/{id}.sql"
kind = "migration"
reversible_if = "db/migrations/{id}.down.sql"
"#;

const V15_MANIFEST: &str = "plans/payments/v1.5/manifest.toml";

/// payments as released at v1.4 (an annotated tag): three services, one migration with its
/// down script, and the v1.4 plan.
fn monorepo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("backout.toml", RULES);
    repo.write("README.md", "# Payments\n");
    repo.write("services/ledger-api/VERSION", "2.3.1\n");
    repo.write(
        "services/ledger-api/src/main.rs",
        "fn main() { ledger::serve(); }\n",
    );
    repo.write("services/refunds-worker/VERSION", "1.8.0\n");
    repo.write(
        "services/refunds-worker/src/main.rs",
        "fn main() { refunds::run(); }\n",
    );
    repo.write("services/statements-export/VERSION", "0.9.2\n");
    repo.write(
        "services/statements-export/export.py",
        "print('statements')\n",
    );
    repo.write(
        "db/migrations/0041_create_ledger.sql",
        "CREATE TABLE ledger (id bigint);\n",
    );
    repo.write(
        "db/migrations/0041_create_ledger.down.sql",
        "DROP TABLE ledger;\n",
    );
    add_release(
        &repo,
        "payments",
        "v1.4",
        &[service("ledger-api", "2.3.1", "2.3.0")],
    );
    repo.commit("payments v1.4");
    repo.tag("v1.4", true);
    repo
}

/// What v1.5 changes: ledger-api 2.4.0, two migrations (one with a down script), the
/// statements export removed, the README edited. refunds-worker is untouched.
fn v15_changes(repo: &TestRepo) {
    repo.write("services/ledger-api/VERSION", "2.4.0\n");
    repo.write(
        "services/ledger-api/src/main.rs",
        "fn main() { ledger::serve_with_index(); }\n",
    );
    repo.write(
        "db/migrations/0042_add_ledger_index.sql",
        "CREATE INDEX CONCURRENTLY ledger_by_account ON ledger (account_id);\n",
    );
    repo.write(
        "db/migrations/0043_refund_reasons.sql",
        "ALTER TABLE refunds ADD COLUMN reason text;\n",
    );
    repo.write(
        "db/migrations/0043_refund_reasons.down.sql",
        "ALTER TABLE refunds DROP COLUMN reason;\n",
    );
    repo.remove("services/statements-export");
    repo.write("README.md", "# Payments\n\nNow with refund reasons.\n");
}

/// Every v1.5 item, as the rules derive them.
fn v15_items() -> Vec<Item<'static>> {
    vec![
        service("ledger-api", "2.4.0", "2.3.1"),
        Item {
            id: "statements-export",
            kind: "service",
            version: None,
            previous: Some("0.9.2"),
            reversible: true,
        },
        migration("0042_add_ledger_index"),
        Item {
            reversible: true,
            ..migration("0043_refund_reasons")
        },
    ]
}

/// `(id, kind, version, previous, reversible, change)` of each derived item.
fn items(json: &Value) -> Vec<(String, String, Value, Value, Value, String)> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    json["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {json}"))
        .iter()
        .map(|item| {
            (
                text(&item["id"]),
                text(&item["kind"]),
                item["version"].clone(),
                item["previous"].clone(),
                item["reversible"].clone(),
                text(&item["change"]),
            )
        })
        .collect()
}

fn item(
    id: &str,
    kind: &str,
    version: Option<&str>,
    previous: Option<&str>,
    reversible: Option<bool>,
    change: &str,
) -> (String, String, Value, Value, Value, String) {
    let opt = |v: Option<&str>| v.map_or(Value::Null, |v| Value::String(v.into()));
    (
        id.into(),
        kind.into(),
        opt(version),
        opt(previous),
        reversible.map_or(Value::Null, Value::Bool),
        change.into(),
    )
}

fn expected_v15() -> Vec<(String, String, Value, Value, Value, String)> {
    vec![
        item(
            "ledger-api",
            "service",
            Some("2.4.0"),
            Some("2.3.1"),
            None,
            "changed",
        ),
        item(
            "statements-export",
            "service",
            None,
            Some("0.9.2"),
            None,
            "removed",
        ),
        item(
            "0042_add_ledger_index",
            "migration",
            None,
            None,
            Some(false),
            "added",
        ),
        item(
            "0043_refund_reasons",
            "migration",
            None,
            None,
            Some(true),
            "added",
        ),
    ]
}

#[test]
fn services_and_migrations_changed_between_two_tags_become_items() {
    let repo = monorepo();
    v15_changes(&repo);
    // The release's own plan and manifest, committed with it, are not what it deploys.
    add_release(&repo, "payments", "v1.5", &v15_items());
    repo.commit("payments v1.5");
    repo.tag("v1.5", false);
    // After the release: refunds-worker changes, but not in v1.5.
    repo.write("services/refunds-worker/VERSION", "1.9.0\n");
    repo.commit("refunds-worker 1.9.0");

    let run = repo.run(&["manifest", "v1.5", "--format", "json"]);
    run.code(0);
    let json = run.json();
    assert_eq!(items(&json), expected_v15());
    assert_eq!(json["from"]["rev"], "v1.4");
    assert_eq!(json["from"]["how"], "previous-tag");
    assert_eq!(json["to"]["rev"], "v1.5");
    assert_eq!(json["to"]["how"], "release-tag");
    // ledger-api (2), statements-export (2), three migration files, the README; not the
    // plans directory.
    assert_eq!(json["changed_files"], 8);
    assert_eq!(json["unmatched_files"], 1);
    assert_eq!(
        json["items"][0]["files"],
        serde_json::json!([
            "services/ledger-api/VERSION",
            "services/ledger-api/src/main.rs"
        ])
    );

    // The TOML output is a manifest that parses, with the same items, and says where from.
    let run = repo.run(&["manifest", "payments/v1.5"]);
    run.code(0)
        .stdout_has("# payments/v1.5, derived by `backout manifest` from the files changed between v1.4 (")
        .stdout_has("# removed (a rollback brings it back): services/statements-export/VERSION and 1 more (rule 1)")
        .stdout_lacks("refunds-worker");
    let parsed: toml::Table = run
        .stdout
        .parse()
        .unwrap_or_else(|e| panic!("{e}\n{}", run.stdout));
    let ids: Vec<&str> = parsed["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        ids,
        [
            "ledger-api",
            "statements-export",
            "0042_add_ledger_index",
            "0043_refund_reasons"
        ]
    );
    assert_eq!(parsed["items"][2]["reversible"].as_bool(), Some(false));
}

#[test]
fn an_untagged_release_ends_at_head() {
    let repo = monorepo();
    v15_changes(&repo);
    repo.commit("payments v1.5");
    let json = repo.run(&["manifest", "v1.5", "--format", "json"]).json();
    assert_eq!(json["to"]["rev"], "HEAD");
    assert_eq!(json["to"]["how"], "head");
    assert_eq!(items(&json), expected_v15());

    // Once v1.5 is tagged, v1.6 starts there: only what changed since.
    repo.tag("v1.5", true);
    repo.write("services/refunds-worker/VERSION", "1.9.0\n");
    repo.commit("refunds-worker 1.9.0");
    let json = repo.run(&["manifest", "v1.6", "--format", "json"]).json();
    assert_eq!(json["from"]["rev"], "v1.5");
    assert_eq!(
        items(&json),
        [item(
            "refunds-worker",
            "service",
            Some("1.9.0"),
            Some("1.8.0"),
            None,
            "changed"
        )]
    );

    // Without SPEC: the newest release directory of the default team.
    repo.write(V15_MANIFEST, manifest("payments", "v1.5", &[]));
    let json = repo.run(&["manifest", "--format", "json"]).json();
    assert_eq!(json["release"], "v1.5");
    repo.write(
        "plans/payments/v1.6/manifest.toml",
        manifest("payments", "v1.6", &[]),
    );
    let json = repo.run(&["manifest", "--format", "json"]).json();
    assert_eq!(json["release"], "v1.6");
}

#[test]
fn from_and_to_name_any_range() {
    let repo = monorepo();
    v15_changes(&repo);
    let v15 = repo.commit("payments v1.5");
    repo.write("services/refunds-worker/VERSION", "1.9.0\n");
    repo.commit("refunds-worker 1.9.0");
    let json = repo
        .run(&["manifest", "v1.5", "--to", &v15, "--format", "json"])
        .json();
    assert_eq!(json["to"]["how"], "named");
    assert_eq!(items(&json), expected_v15());
    let json = repo
        .run(&["manifest", "v1.6", "--from", &v15, "--format", "json"])
        .json();
    assert_eq!(json["from"]["commit"], v15.as_str());
    assert_eq!(items(&json).len(), 1);
}

/// A manifest the release manager wrote: comments, spacing, a hand-bumped version, an item
/// no rule derives.
const HAND_WRITTEN: &str = "# payments v1.5: what this release deploys.
# Reviewed with the DBA on 2026-11-18.
team    = \"payments\"
release = \"v1.5\"

[[items]]
id       = \"ledger-api\"   # public API, blue/green
kind     = \"service\"
version  = \"2.4.0-rc2\"    # still the release candidate
previous = \"2.3.1\"

[[items]]
id   = \"postgres-main\"    # shared: owned by the platform team
kind = \"infra\"

# Flags are toggled by hand in LaunchDarkly; see the plan's Procedure.
";

#[test]
fn write_adds_what_is_missing_and_keeps_hand_edits_byte_for_byte() {
    let repo = monorepo();
    v15_changes(&repo);
    repo.write(V15_MANIFEST, HAND_WRITTEN);
    repo.commit("payments v1.5");

    let run = repo.run(&["manifest", "v1.5", "--write"]);
    run.code(0)
        .stdout_has("wrote plans/payments/v1.5/manifest.toml: 3 items added, 1 field updated, 1 other item kept as written")
        .stdout_has("  added    0042_add_ledger_index (migration, reversible = false)")
        .stdout_has("  updated  ledger-api version: 2.4.0-rc2 -> 2.4.0");
    let expected = HAND_WRITTEN.replace(
        "version  = \"2.4.0-rc2\"    # still",
        "version  = \"2.4.0\"    # still",
    ) + "
[[items]]
id = \"statements-export\"
kind = \"service\"
previous = \"0.9.2\"

[[items]]
id = \"0042_add_ledger_index\"
kind = \"migration\"
reversible = false

[[items]]
id = \"0043_refund_reasons\"
kind = \"migration\"
";
    assert_eq!(repo.read(V15_MANIFEST), expected);

    // Nothing left to do: nothing written, the file stays as it is.
    repo.run(&["manifest", "v1.5", "--write"])
        .code(0)
        .stdout_has("already lists every derived item with its derived fields: nothing written");
    assert_eq!(repo.read(V15_MANIFEST), expected);
    // And the written manifest is one `check` reads without a problem or any drift.
    repo.write(
        "plans/payments/v1.5/plan.md",
        plan("payments", "v1.5", &v15_items()),
    );
    let run = repo.run(&["check", "v1.5", "--format", "json"]);
    let rules = run.rules();
    assert!(
        !rules
            .iter()
            .any(|r| r == "invalid-plan" || r == "manifest-drift"),
        "{rules:?}"
    );
}

#[test]
fn write_never_makes_an_item_reversible_and_creates_a_missing_manifest() {
    let repo = monorepo();
    v15_changes(&repo);
    repo.commit("payments v1.5");
    // No manifest yet: it is created from the template, with the items.
    repo.run(&["manifest", "v1.5", "--write"])
        .code(0)
        .stdout_has("created plans/payments/v1.5/manifest.toml: 4 items added");
    let created = repo.read(V15_MANIFEST);
    // The template of `backout new`: the `#:schema` line, then the comments.
    assert!(created.starts_with("#:schema "), "{created}");
    assert!(
        created.contains("\n# What payments/v1.5 deploys."),
        "{created}"
    );
    assert!(created.contains("# [[items]]\n# id = \"payments-api\""));
    // The DBA knows the down script of 0043 loses data: their `false` stays.
    repo.write(
        V15_MANIFEST,
        created.replace(
            "id = \"0043_refund_reasons\"\nkind = \"migration\"\n",
            "id = \"0043_refund_reasons\"\nkind = \"migration\"\nreversible = false # the down script drops the reasons\n",
        ),
    );
    let before = repo.read(V15_MANIFEST);
    repo.run(&["manifest", "v1.5", "--write"])
        .code(0)
        .stdout_has("nothing written");
    assert_eq!(repo.read(V15_MANIFEST), before);
}

#[test]
fn write_leaves_a_published_plan_and_a_broken_manifest_alone() {
    let repo = monorepo();
    v15_changes(&repo);
    add_release(&repo, "payments", "v1.5", &v15_items()[..1]);
    repo.set_status_tested("plans/payments/v1.5/plan.md", "published");
    repo.commit("payments v1.5");
    repo.write(
        "plans/payments/v1.6/manifest.toml",
        "team = \"payments\"\n[[items]\n",
    );
    let before = repo.snapshot();
    repo.run(&["manifest", "v1.5", "--write"])
        .code(2)
        .stderr_has("plans/payments/v1.5/plan.md is published, so plans/payments/v1.5/manifest.toml is final");
    repo.run(&["manifest", "v1.6", "--write"])
        .code(2)
        .stderr_has("plans/payments/v1.6/manifest.toml is not valid TOML");
    assert!(repo.snapshot() == before, "nothing written");
}

#[test]
fn without_rules_or_a_start_it_says_what_to_configure_or_pass() {
    let repo = monorepo();
    v15_changes(&repo);
    let v15 = repo.commit("payments v1.5");
    // v1.4 is the first release: no earlier tag.
    repo.run(&["manifest", "v1.4"])
        .code(2)
        .stderr_has("no release tag of payments is older than v1.4")
        .stderr_has("pass --from REV");
    repo.run(&["manifest", "v1.5", "--from", "v1.3"])
        .code(2)
        .stderr_has("unknown revision `v1.3`");
    // A team no tag names.
    repo.run(&["manifest", "checkout/v2.0"])
        .code(2)
        .stderr_has("no git tag matching [tags] glob \"v*\" names a release of checkout")
        .stderr_has("tags name releases of the default team, payments");
    // Naming the start works for a first release too.
    repo.run(&["manifest", "v1.5", "--from", "v1.4", "--to", &v15])
        .code(0);
    repo.write("backout.toml", "default_team = \"payments\"\n");
    repo.run(&["manifest", "v1.5"])
        .code(2)
        .stderr_has("backout.toml has no [[derive]] rules");
    repo.write(
        "backout.toml",
        "[[derive]]\npath = \"services/{service}/\"\nkind = \"service\"\n",
    );
    repo.run(&["manifest", "v1.5"]).code(2).stderr_has(
        "backout.toml:2:8: `path` holds `{service}`, but `{id}` is the only placeholder",
    );
}

#[test]
fn renames_merges_and_reverted_changes() {
    let repo = monorepo();
    // A feature branch adds a migration and a scratch file it removes again.
    let base = repo.head();
    repo.write(
        "db/migrations/0044_payouts.sql",
        "CREATE TABLE payouts ();\n",
    );
    repo.write("db/migrations/0045_scratch.sql", "SELECT 1;\n");
    repo.commit("payouts");
    repo.remove("db/migrations/0045_scratch.sql");
    let feature = repo.commit("drop the scratch migration");
    // Meanwhile main renames refunds-worker.
    let commit = repo.git.find_commit(base).unwrap_or_else(|e| panic!("{e}"));
    repo.git
        .reset(commit.as_object(), git2::ResetType::Hard, None)
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::rename(
        repo.join("services/refunds-worker"),
        repo.join("services/refunds-processor"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    repo.commit("rename refunds-worker to refunds-processor");
    merge(&repo, &feature);

    let json = repo.run(&["manifest", "v1.5", "--format", "json"]).json();
    let ids: Vec<(String, String)> = items(&json)
        .into_iter()
        .map(|(id, _, _, _, _, change)| (id, change))
        .collect();
    assert_eq!(
        ids,
        [
            ("refunds-processor".to_string(), "added".to_string()),
            ("refunds-worker".to_string(), "removed".to_string()),
            ("0044_payouts".to_string(), "added".to_string()),
        ]
    );
}

/// Merges `branch` into HEAD with a merge commit (the trees do not conflict).
fn merge(repo: &TestRepo, branch: &str) {
    let git = &repo.git;
    let ours = git
        .head()
        .and_then(|h| h.peel_to_commit())
        .unwrap_or_else(|e| panic!("{e}"));
    let theirs = git
        .find_commit(git2::Oid::from_str(branch).unwrap_or_else(|e| panic!("{e}")))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut index = git
        .merge_commits(&ours, &theirs, None)
        .unwrap_or_else(|e| panic!("{e}"));
    let tree = index
        .write_tree_to(git)
        .and_then(|id| git.find_tree(id))
        .unwrap_or_else(|e| panic!("{e}"));
    let signature = git2::Signature::new(
        "Test",
        "test@example.com",
        &git2::Time::new(1_764_100_000, 0),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    git.commit(
        Some("HEAD"),
        &signature,
        &signature,
        "merge payouts",
        &tree,
        &[&ours, &theirs],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    git.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .unwrap_or_else(|e| panic!("{e}"));
}

/// v1.4 tagged, v1.5 committed (untagged) with a plan and a manifest of `items`.
fn drift_repo(config: &str, items: &[Item<'_>]) -> TestRepo {
    let repo = monorepo();
    repo.write("backout.toml", format!("{RULES}{config}"));
    v15_changes(&repo);
    add_release(&repo, "payments", "v1.5", items);
    repo.commit("payments v1.5");
    repo
}

fn severities(run: &crate::harness::Run, rule: &str) -> Vec<String> {
    run.json()["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .filter(|f| f["rule"] == rule)
                .map(|f| f["severity"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn drift_is_a_warning_on_the_manifest_by_default() {
    let repo = drift_repo("", &v15_items()[..1]);
    let run = repo.run(&["check", "v1.5"]);
    run.code(0)
        .stdout_has("warning[manifest-drift]: `0042_add_ledger_index` (migration) was added between v1.4 and HEAD (db/migrations/0042_add_ledger_index.sql) but is not in the manifest")
        .stdout_has("warning[manifest-drift]: `statements-export` (service) was removed between v1.4 and HEAD (services/statements-export/VERSION and 1 more) but is not in the manifest; a rollback brings it back")
        .stdout_has(" --> plans/payments/v1.5/manifest.toml:2:11")
        .stdout_has("= help: add it as an [[items]] entry with kind = \"migration\", or run `backout manifest payments/v1.5 --write`")
        .stdout_has("checked 1 plan: 0 errors, 3 warnings")
        .stdout_lacks("ledger-api` (service)");
    repo.run(&["check", "v1.5", "--deny-warnings"]).code(1);
    // The whole manifest: no drift.
    let repo = drift_repo("", &v15_items());
    repo.run(&["check"])
        .code(0)
        .stdout_has("checked 2 plans: no problems found");
}

#[test]
fn drift_severity_and_silence_follow_the_config() {
    let repo = drift_repo("\n[check]\ndrift = \"error\"\n", &v15_items()[..1]);
    let run = repo.run(&["check", "--format", "json"]);
    run.code(1);
    assert_eq!(
        severities(&run, "manifest-drift"),
        ["error", "error", "error"]
    );
    let run = repo.run(&["check", "--format", "sarif"]);
    run.code(1).stdout_has("manifest-drift");

    let repo = drift_repo("\n[check]\ndrift = \"off\"\n", &v15_items()[..1]);
    let run = repo.run(&["check", "--format", "json"]);
    run.code(0);
    assert!(severities(&run, "manifest-drift").is_empty());
    assert_eq!(
        run.json()["notes"],
        serde_json::json!([{"rule": "manifest-drift", "message": "not run: [check] drift = \"off\""}])
    );

    // Without rules, drift is quiet, and says why once.
    let repo = drift_repo("", &v15_items()[..1]);
    repo.write("backout.toml", "default_team = \"payments\"\n");
    let run = repo.run(&["check", "--format", "json"]);
    run.code(0);
    assert!(run.rules().is_empty(), "{:?}", run.rules());
    let notes = run.json()["notes"].clone();
    assert_eq!(notes.as_array().map(Vec::len), Some(1), "{notes}");
    assert!(
        notes[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no [[derive]] rules")
    );
    repo.run(&["check"]).code(0).stdout_lacks("note");
}

#[test]
fn drift_says_where_it_did_not_run() {
    let repo = drift_repo("", &v15_items()[..1]);
    // v1.4 is the first release; a published plan is final.
    repo.set_status_tested("plans/payments/v1.5/plan.md", "published");
    repo.commit("publish v1.5");
    let run = repo.run(&["check", "--format", "json"]);
    run.code(0);
    assert!(!run.rules().iter().any(|r| r == "manifest-drift"));
    assert_eq!(
        run.json()["notes"],
        serde_json::json!([
            {"rule": "manifest-drift", "plan": "payments/v1.4", "message": "not run: no release tag of payments is older than v1.4 (tags matching [tags] glob \"v*\"), so its changes have no start"},
            {"rule": "manifest-drift", "plan": "payments/v1.5", "message": "not run: the plan is published, so its manifest is final"},
        ])
    );
    repo.run(&["-v", "check"])
        .code(0)
        .stdout_has("note[manifest-drift]: payments/v1.4: not run: no release tag of payments is older than v1.4")
        .stdout_has("note[manifest-drift]: payments/v1.5: not run: the plan is published");
    repo.run(&["check"]).code(0).stdout_lacks("note[");
}

#[test]
fn review_reports_drift_at_the_reviewed_head() {
    let repo = drift_repo("", &v15_items());
    let base = repo.commit("v1.5 complete");
    // The pull request adds a migration and bumps ledger-api, but forgets the manifest item.
    repo.write(
        "db/migrations/0044_payouts.sql",
        "CREATE TABLE payouts (id bigint);\n",
    );
    repo.edit(V15_MANIFEST, "2.4.0", "2.4.1");
    repo.write("services/ledger-api/VERSION", "2.4.1\n");
    let head = repo.commit("payouts");
    // HEAD moves on after the pull request; review judges the pull request's head.
    repo.write("db/migrations/0045_later.sql", "SELECT 1;\n");
    repo.commit("later");
    let run = repo.run(&["review", "--base", &base, "--head", &head]);
    run.code(0)
        .stdout_has(
            "warning[manifest-drift]: `0044_payouts` (migration) was added between v1.4 and ",
        )
        .stdout_lacks("0045_later");
}

#[test]
fn review_reports_drift_a_change_causes_in_a_plan_it_does_not_touch() {
    let repo = drift_repo("\n[check]\ndrift = \"error\"\n", &v15_items());
    let base = repo.commit("v1.5 complete");
    repo.run(&["review", "--base", &base]).code(0);
    // The pull request adds a migration and touches no plan or manifest: `check` on main
    // would fail after the merge, so review fails, naming the plan.
    repo.write(
        "db/migrations/0044_payouts.sql",
        "CREATE TABLE payouts (id bigint);\n",
    );
    repo.commit("payouts");
    repo.run(&["check"]).code(1);
    let run = repo.run(&["review", "--base", &base]);
    run.code(1)
        .stdout_has("plans/payments/v1.5/plan.md (not changed; findings caused by this change)")
        .stdout_has(
            "error[manifest-drift]: `0044_payouts` (migration) was added between v1.4 and HEAD",
        )
        .stdout_has(" --> plans/payments/v1.5/manifest.toml:")
        .stdout_lacks("ledger-api` (service)")
        .stdout_lacks("v1.4/plan.md");
    let json = repo.run(&["review", "--base", &base, "--format", "json"]);
    json.code(1);
    assert_eq!(json.json()["caused"], 1);
    repo.run(&["review", "--base", &base, "--format", "github"])
        .code(1)
        .stdout_has("title=manifest-drift::`0044_payouts` (migration) was added between v1.4 and HEAD (db/migrations/0044_payouts.sql) but is not in the manifest (caused by this change: payments/v1.5 itself did not change)");
    // Drift the plan already had at base is not repeated; what this change adds is new.
    let later = repo.commit("nothing");
    repo.write("services/refunds-worker/README.md", "Refunds.\n");
    repo.commit("refunds-worker docs");
    let run = repo.run(&["review", "--base", &later]);
    run.code(1)
        .stdout_has("error[manifest-drift]: `refunds-worker` (service)")
        .stdout_lacks("0044_payouts");
    // A change that touches only plans cannot move a release's changes.
    let quiet = repo.commit("nothing either");
    repo.edit(
        "plans/payments/v1.4/plan.md",
        "Rehearsed on staging.",
        "Rehearsed on staging, twice.",
    );
    repo.commit("v1.4 wording");
    repo.run(&["review", "--base", &quiet])
        .code(0)
        .stdout_lacks("manifest-drift");
}

#[test]
fn baseline_lists_the_items_the_target_manifest_lacks() {
    let repo = monorepo();
    v15_changes(&repo);
    repo.write(
        V15_MANIFEST,
        manifest("payments", "v1.5", &v15_items()[..1]),
    );
    repo.commit("payments v1.5");
    let run = repo.run(&["baseline", "v1.5", "--dry-run"]);
    run.code(0)
        .stdout_has("what must change in plans/payments/v1.5/plan.md:")
        .stdout_has("plans/payments/v1.5/manifest.toml\n")
        .stdout_has("warning[manifest-drift] `0043_refund_reasons` (migration) was added between v1.4 and HEAD (db/migrations/0043_refund_reasons.sql) but is not in the manifest");
}

#[test]
fn service_per_repo_with_cargo_and_helm_versions() {
    let repo = TestRepo::new();
    repo.write(
        "backout.toml",
        r#"default_team = "ledger"

[tags]
glob = "ledger-v*"

[[derive]]
path = "src/"
id = "ledger-api"
kind = "service"
version_file = "Cargo.toml"

[[derive]]
path = "charts/ledger/"
id = "ledger-chart"
kind = "infra"
version_file = "charts/ledger/Chart.yaml"

[[derive]]
path = "migrations/{id}/up.sql"
kind = "migration"
reversible_if = "migrations/{id}/down.sql"
"#,
    );
    let cargo = |version: &str| {
        format!(
            "[package]\nname = \"ledger-api\"\nversion = \"{version}\"\nedition = \"2021\"\n\n[dependencies]\ntokio = {{ version = \"1\" }}\n"
        )
    };
    repo.write("Cargo.toml", cargo("3.2.0"));
    repo.write("src/main.rs", "fn main() {}\n");
    repo.write(
        "charts/ledger/Chart.yaml",
        "apiVersion: v2\nname: ledger\nversion: 0.14.0\nappVersion: \"3.2.0\"\n",
    );
    repo.commit("ledger 3.2.0");
    repo.tag("ledger-v3.2.0", true);
    repo.write("Cargo.toml", cargo("3.3.0"));
    repo.write("src/main.rs", "fn main() { payouts(); }\n");
    repo.write(
        "migrations/2026-11-20-payouts/up.sql",
        "CREATE TABLE payouts ();\n",
    );
    repo.write(
        "migrations/2026-11-20-payouts/down.sql",
        "DROP TABLE payouts;\n",
    );
    repo.commit("ledger 3.3.0");
    let json = repo
        .run(&["manifest", "ledger-v3.3.0", "--format", "json"])
        .json();
    assert_eq!(json["from"]["rev"], "ledger-v3.2.0");
    assert_eq!(
        items(&json),
        [
            item(
                "ledger-api",
                "service",
                Some("3.3.0"),
                Some("3.2.0"),
                None,
                "changed"
            ),
            item(
                "2026-11-20-payouts",
                "migration",
                None,
                None,
                Some(true),
                "added"
            ),
        ]
    );
}

#[test]
fn publish_refuses_while_drift_is_an_error() {
    let repo = drift_repo("\n[check]\ndrift = \"error\"\n", &v15_items()[..1]);
    repo.set_status_tested("plans/payments/v1.5/plan.md", "approved");
    repo.commit("approve v1.5");
    let run = repo.run(&["publish", "v1.5", "--dry-run"]);
    run.code(1);
    assert!(
        format!("{}{}", run.stdout, run.stderr).contains("error[manifest-drift]"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    // As a warning, drift does not stop publishing.
    repo.write("backout.toml", RULES);
    repo.commit("drift is a warning");
    repo.run(&["publish", "v1.5", "--dry-run"]).code(0);
}

#[test]
fn each_team_starts_at_its_own_previous_tag() {
    let repo = TestRepo::new();
    repo.write(
        "backout.toml",
        "[tags]\nformat = \"{team}/{release}\"\nglob = \"*/v*\"\n\n[[derive]]\npath = \"payments/{id}/\"\nkind = \"service\"\nversion_file = \"payments/{id}/VERSION\"\nteam = \"payments\"\n\n[[derive]]\npath = \"checkout/{id}/\"\nkind = \"service\"\nversion_file = \"checkout/{id}/VERSION\"\nteam = \"checkout\"\n",
    );
    repo.write("payments/payments-api/VERSION", "1.4.0\n");
    repo.write("checkout/checkout-web/VERSION", "2.0.0\n");
    repo.commit("first releases");
    repo.tag("payments/v1.4", true).tag("checkout/v2.0", true);
    repo.write("checkout/checkout-web/VERSION", "2.1.0\n");
    repo.commit("checkout 2.1");
    repo.tag("checkout/v2.1", true);
    repo.write("payments/payments-api/VERSION", "1.5.0\n");
    repo.commit("payments 1.5");
    // payments/v1.5 starts at payments/v1.4; the range holds checkout's 2.1 too, but only
    // payments' rules apply to a payments release.
    let json = repo
        .run(&["manifest", "payments/v1.5", "--format", "json"])
        .json();
    assert_eq!(json["from"]["rev"], "payments/v1.4");
    let ids: Vec<String> = items(&json).into_iter().map(|i| i.0).collect();
    assert_eq!(ids, ["payments-api"]);
    assert_eq!(json["unmatched_files"], 1);
    repo.run(&["manifest", "search/v1.0", "--from", "checkout/v2.0"])
        .code(2)
        .stderr_has("every [[derive]] rule in backout.toml has a `team` other than search");
    // ...while checkout/v2.1 is its own tag's range.
    let json = repo
        .run(&["manifest", "checkout/v2.1", "--format", "json"])
        .json();
    assert_eq!(
        (json["from"]["rev"].as_str(), json["to"]["rev"].as_str()),
        (Some("checkout/v2.0"), Some("checkout/v2.1"))
    );
    assert_eq!(
        items(&json),
        [item(
            "checkout-web",
            "service",
            Some("2.1.0"),
            Some("2.0.0"),
            None,
            "changed"
        )]
    );
}

/// A manifest written as one inline array, an item per line with comments, saved by a
/// Windows editor with a byte-order mark: `--write` puts each new item on a line of its own
/// after the last one (its comment stays on its line), keeps the closing bracket and the BOM.
#[test]
fn write_into_an_inline_array_keeps_one_item_per_line_and_the_byte_order_mark() {
    let repo = monorepo();
    v15_changes(&repo);
    let hand_written = "\u{feff}team = \"payments\"\nrelease = \"v1.5\"\nitems = [\n    { id = \"ledger-api\", kind = \"service\", version = \"2.4.0\", previous = \"2.3.1\" },  # the public API\n    { id = \"statements-export\", kind = \"service\", previous = \"0.9.2\" }  # retired in v1.5\n]\n";
    repo.write(V15_MANIFEST, hand_written);
    repo.commit("payments v1.5");

    repo.run(&["manifest", "v1.5", "--write"])
        .code(0)
        .stdout_has("2 items added");
    let expected = "\u{feff}team = \"payments\"\nrelease = \"v1.5\"\nitems = [\n    { id = \"ledger-api\", kind = \"service\", version = \"2.4.0\", previous = \"2.3.1\" },  # the public API\n    { id = \"statements-export\", kind = \"service\", previous = \"0.9.2\" },  # retired in v1.5\n    { id = \"0042_add_ledger_index\", kind = \"migration\", reversible = false },\n    { id = \"0043_refund_reasons\", kind = \"migration\" }\n]\n";
    assert_eq!(repo.read(V15_MANIFEST), expected);
    repo.run(&["manifest", "v1.5", "--write"])
        .code(0)
        .stdout_has("nothing written");
    assert_eq!(repo.read(V15_MANIFEST), expected);
}
