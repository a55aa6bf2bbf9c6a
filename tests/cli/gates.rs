//! Status gates: publish refuses drafts, `[tags] deny_draft`, and `baseline --force` never
//! replaces a published plan.

use crate::harness::{TestRepo, migration, payments_repo};

const V15: &str = "plans/payments/v1.5/plan.md";

/// payments v1.4 (published) and v1.5 (a draft), committed.
fn payments() -> TestRepo {
    let repo = payments_repo(&[migration("0042_add_ledger_index")]);
    repo.set_status_tested("plans/payments/v1.4/plan.md", "published");
    repo.commit("payments v1.4 and v1.5");
    repo
}

fn publish(repo: &TestRepo, spec: &str) -> crate::harness::Run {
    repo.run_in_env(
        repo.path(),
        &[("SOURCE_DATE_EPOCH", "1764086400")],
        &["publish", spec],
    )
}

#[test]
fn publish_refuses_a_draft_and_writes_nothing() {
    let repo = payments();
    let before = repo.snapshot();
    publish(&repo, "v1.5")
        .code(1)
        .stderr_has("refusing to publish payments/v1.5: its status is \"draft\" in plans/payments/v1.5/plan.md; once the plan is reviewed, set `status = \"approved\"`, commit, and run `backout publish v1.5` again (or allow drafts with `allow_draft = true` under [publish] in backout.toml)");
    repo.run_in_env(
        repo.path(),
        &[("SOURCE_DATE_EPOCH", "1764086400")],
        &["publish", "v1.5", "--dry-run"],
    )
    .code(1)
    .stderr_has("its status is \"draft\"");
    assert!(repo.snapshot() == before, "a refused publish wrote files");
    assert!(!repo.exists("public"));

    // Approved, it publishes.
    repo.set_status_tested(V15, "approved");
    repo.commit("approve v1.5");
    publish(&repo, "v1.5")
        .code(0)
        .stdout_has("published payments/v1.5");
    assert!(repo.read(V15).contains("status = \"published\""));
}

#[test]
fn allow_draft_lets_a_draft_through() {
    let repo = payments();
    repo.write(
        "backout.toml",
        "default_team = \"payments\"\n\n[publish]\nallow_draft = true\n",
    );
    repo.commit("allow drafts");
    publish(&repo, "v1.5")
        .code(0)
        .stdout_has("published payments/v1.5");
    // A typo in the key is a config error naming the key, not a silent default.
    repo.write(
        "backout.toml",
        "default_team = \"payments\"\n\n[publish]\nallow_drafts = true\n",
    );
    repo.run(&["publish", "v1.5"]).code(2).stderr_has(
        "backout.toml:4:1: unknown key `allow_drafts` in [publish]; did you mean `allow_draft`?",
    );
    repo.write(
        "backout.toml",
        "default_team = \"payments\"\n\n[publish]\nallow_draft = \"yes\"\n",
    );
    repo.run(&["publish", "v1.5"])
        .code(2)
        .stderr_has("backout.toml:4:15:")
        .stderr_has("true or false");
}

#[test]
fn deny_draft_makes_a_draft_at_a_release_tag_an_error() {
    let repo = payments();
    repo.tag("v1.4", true);
    repo.tag("v1.5", false);
    // By default a draft is a warning.
    repo.run(&["tags"])
        .code(0)
        .stdout_has("v1.5  plans/payments/v1.5/plan.md  draft   the plan is still a draft");
    repo.write(
        "backout.toml",
        "default_team = \"payments\"\n[tags]\ndeny_draft = true\n",
    );
    repo.run(&["tags"])
        .code(1)
        .stdout_has("v1.5  plans/payments/v1.5/plan.md  draft   the plan is still a draft, and `deny_draft = true` in [tags] makes that an error")
        .stdout_has("2 release tags: 1 ok, 1 draft, 0 missing, 0 invalid");
    let github = repo.run(&["tags", "--format", "github"]);
    github.code(1).stdout_has(
        "::error file=plans/payments/v1.5/plan.md,title=draft plan for tag v1.5::the plan is still a draft",
    );
    let json = repo.run(&["tags", "--format", "json"]);
    json.code(1);
    assert_eq!(json.json()["draft"], 1);
    repo.write(
        "backout.toml",
        "default_team = \"payments\"\n[tags]\ndeny_drafts = true\n",
    );
    repo.run(&["tags"])
        .code(2)
        .stderr_has("unknown key `deny_drafts` in [tags]; did you mean `deny_draft`?");
}

#[test]
fn baseline_force_never_replaces_a_published_plan() {
    let repo = payments();
    let published = repo.read("plans/payments/v1.4/plan.md");
    for args in [
        &["baseline", "v1.4", "--from", "v1.5", "--force"][..],
        &["baseline", "v1.4", "--from", "v1.5", "--force", "--dry-run"][..],
    ] {
        repo.run(args)
            .code(2)
            .stderr_has("plans/payments/v1.4/plan.md is published, and a published plan is final: --force will not replace it; fork it into a new release instead (`backout baseline <release> --from payments/v1.4`), and publish that");
    }
    assert_eq!(repo.read("plans/payments/v1.4/plan.md"), published);
    // A draft or approved plan may still be replaced with --force.
    repo.run(&["baseline", "v1.5", "--from", "v1.4", "--force"])
        .code(0)
        .stdout_has("wrote plans/payments/v1.5/plan.md");
}

#[test]
fn new_and_import_force_never_replace_a_published_plan() {
    let repo = payments();
    let published = repo.read("plans/payments/v1.4/plan.md");
    for args in [
        &["new", "v1.4", "--force"][..],
        &["new", "payments/v1.4", "--force"][..],
    ] {
        repo.run(args)
            .code(2)
            .stderr_has("plans/payments/v1.4/plan.md is published, and a published plan is final: --force will not replace it; fork it into a new release instead (`backout baseline <release> --from payments/v1.4`), and publish that");
    }
    repo.write(
        "notes/rollback.md",
        "# Rollback\n\n## Procedure\n1. Roll back `payments-api`: `kubectl rollout undo deployment/payments-api`\n",
    );
    for args in [
        &["import", "notes/rollback.md", "v1.4", "--force"][..],
        &[
            "import",
            "notes/rollback.md",
            "v1.4",
            "--force",
            "--dry-run",
        ][..],
    ] {
        repo.run(args)
            .code(2)
            .stderr_has("plans/payments/v1.4/plan.md is published, and a published plan is final: --force will not replace it; import into a new release instead");
    }
    assert_eq!(repo.read("plans/payments/v1.4/plan.md"), published);
    // A draft is still replaced with --force.
    repo.run(&["new", "v1.5", "--force"])
        .code(0)
        .stdout_has("created plans/payments/v1.5/plan.md");
}
