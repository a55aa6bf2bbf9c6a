//! `backout tags`: every release tag needs a plan that parses.

use crate::harness::{TestRepo, add_release, service};

/// v1.0 (annotated, ok), v1.1 (lightweight, draft), nightly (not a release tag).
fn tagged_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    add_release(
        &repo,
        "payments",
        "v1.0",
        &[service("payments-api", "1.0.0", "0.9.0")],
    );
    repo.set_status_tested("plans/payments/v1.0/plan.md", "approved");
    repo.commit("v1.0");
    repo.tag("v1.0", true);
    add_release(
        &repo,
        "payments",
        "v1.1",
        &[service("payments-api", "1.1.0", "1.0.0")],
    );
    repo.commit("v1.1");
    repo.tag("v1.1", false);
    repo.tag("nightly", false);
    repo
}

#[test]
fn every_release_tag_has_a_plan() {
    let repo = tagged_repo();
    let run = repo.run(&["tags"]);
    run.code(0);
    assert_eq!(
        run.stdout,
        "TAG   PLAN                         STATUS  NOTE
v1.0  plans/payments/v1.0/plan.md  ok
v1.1  plans/payments/v1.1/plan.md  draft   the plan is still a draft
2 release tags: 1 ok, 1 draft, 0 missing, 0 invalid
"
    );
}

#[test]
fn a_plan_added_after_its_tag_does_not_count() {
    let repo = tagged_repo();
    repo.write("README.md", "no plan in this release\n");
    repo.commit("v1.2 without a plan");
    repo.tag("v1.2", true);
    add_release(&repo, "payments", "v1.2", &[]);
    repo.commit("plan for v1.2, too late");
    let run = repo.run(&["tags", "--format", "json"]);
    run.code(1);
    let json = run.json();
    assert_eq!(json["missing"], 1);
    let row = &json["tags"][2];
    assert_eq!(row["tag"], "v1.2");
    assert_eq!(row["status"], "missing");
    assert_eq!(row["path"], "plans/payments/v1.2/plan.md");
    assert_eq!(row["commit"].as_str().map(str::len), Some(40));
    let message = row["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("no plan at plans/payments/v1.2/plan.md in the tagged commit"),
        "{message}"
    );
    // At HEAD the plan exists.
    repo.run(&["tags", "--at", "head"]).code(0);
    // GitHub annotations for the failing and the draft tag.
    let github = repo.run(&["tags", "--format", "github"]);
    github.code(1);
    assert!(github.stdout.contains("::warning file=plans/payments/v1.1/plan.md,title=draft plan for tag v1.1::the plan is still a draft"), "{}", github.stdout);
    assert!(
        github.stdout.contains(
            "::error title=missing plan for tag v1.2::no plan at plans/payments/v1.2/plan.md"
        ),
        "{}",
        github.stdout
    );
}

#[test]
fn invalid_plans_fail_and_since_exempts_old_tags() {
    let repo = tagged_repo();
    repo.write(
        "plans/payments/v1.2/plan.md",
        "+++\nteam = \"payments\"\n+++\n",
    );
    repo.commit("broken plan");
    repo.tag("v1.2", false);
    repo.tag("v0.9", false);
    let run = repo.run(&["tags"]);
    run.code(1)
        .stdout_has("v1.2  plans/payments/v1.2/plan.md  invalid  the plan does not parse: `release` is missing (and 3 more problems)")
        .stdout_has("v0.9  plans/payments/v0.9/plan.md  missing");
    repo.write(
        "backout.toml",
        "default_team = \"payments\"\n[tags]\nsince = \"v1.0\"\n",
    );
    repo.commit("exempt old tags");
    repo.run(&["tags"]).code(1).stdout_has(
        "3 release tags: 1 ok, 1 draft, 0 missing, 1 invalid, 1 tag older than v1.0 exempt",
    );
}

#[test]
fn team_release_tags() {
    let repo = TestRepo::new();
    repo.write(
        "backout.toml",
        "[tags]\nglob = \"*/v*\"\nformat = \"{team}/{release}\"\n",
    );
    add_release(&repo, "payments", "v1.0", &[]);
    repo.set_status_tested("plans/payments/v1.0/plan.md", "approved");
    add_release(&repo, "checkout", "v2.0", &[]);
    repo.set_status_tested("plans/checkout/v2.0/plan.md", "approved");
    repo.commit("plans");
    repo.tag("payments/v1.0", true);
    repo.tag("checkout/v2.0", false);
    repo.tag("checkout/v2.1", false);
    repo.tag("v9.9", false);
    let run = repo.run(&["tags", "--format", "json"]);
    run.code(1);
    let json = run.json();
    let tags: Vec<(&str, &str)> = json["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            (
                t["tag"].as_str().unwrap_or_default(),
                t["status"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        tags,
        [
            ("checkout/v2.0", "ok"),
            ("checkout/v2.1", "missing"),
            ("payments/v1.0", "ok")
        ]
    );
}

#[test]
fn shallow_clones_and_missing_tags_are_explained() {
    let repo = TestRepo::new();
    add_release(&repo, "payments", "v1.0", &[]);
    let head = repo.commit("first");
    repo.run(&["tags"]).code(0).stderr_has(
        "warning: no git tag matches `v*` (0 other tags); if this is a CI checkout, fetch the tags",
    );
    repo.write(".git/shallow", format!("{head}\n"));
    repo.run(&["tags"])
        .code(2)
        .stderr_has("this is a shallow clone")
        .stderr_has("fetch-depth: 0");
}

#[test]
fn release_tags_need_a_default_team() {
    let repo = TestRepo::new();
    add_release(&repo, "payments", "v1.0", &[]);
    add_release(&repo, "checkout", "v1.0", &[]);
    repo.commit("two teams");
    repo.tag("v1.0", false);
    repo.run(&["tags"])
        .code(2)
        .stderr_has("there are several teams (checkout, payments) and no `default_team`");
}

#[test]
fn tags_never_write() {
    let repo = tagged_repo();
    let before = repo.snapshot();
    repo.run(&["tags"]);
    repo.run(&["tags", "--at", "head", "--format", "json"]);
    assert!(repo.snapshot() == before);
}

#[test]
fn a_tag_on_a_tree_is_invalid() {
    let repo = tagged_repo();
    let tree = repo
        .git
        .head()
        .and_then(|h| h.peel(git2::ObjectType::Tree))
        .unwrap_or_else(|e| panic!("{e}"));
    repo.git
        .tag_lightweight("v1.9", &tree, false)
        .unwrap_or_else(|e| panic!("{e}"));
    repo.run(&["tags"]).code(1).stdout_has(
        "v1.9  plans/payments/v1.9/plan.md  invalid  the tag points at a tree, not a commit",
    );
}

/// Tags on commits that share a team directory are looked up from one read of it (indexed
/// when there are three or more), the others each in their own: the verdicts are the same
/// whichever way a tree was read, in the tagged commits and at HEAD.
#[test]
fn verdicts_do_not_depend_on_how_trees_are_read() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    repo.write("README.md", "Payments service\n");
    repo.commit("start");
    repo.tag("v0.1", false); // no plans directory at all
    add_release(
        &repo,
        "payments",
        "v1.0",
        &[service("payments-api", "1.0.0", "0.9.0")],
    );
    repo.set_status_tested("plans/payments/v1.0/plan.md", "approved");
    repo.commit("v1.0");
    repo.tag("v1.0", true);
    repo.write("README.md", "Payments service, now with refunds\n");
    repo.commit("docs only: the team directory is the one of v1.0");
    repo.tag("v1.1", false).tag("v1.2", true).tag("v1.3", false);
    repo.write(
        "plans/payments/v1.4/manifest.toml",
        "[[services]]\nname = \"payments-api\"\nversion = \"1.4.0\"\nprevious = \"1.0.0\"\n",
    );
    repo.commit("v1.4: a manifest, but no plan");
    repo.tag("v1.4", true);
    repo.write("plans/payments/v1.5", "Rückbau wie in v1.4 beschrieben\n");
    repo.commit("v1.5: a file where the release directory should be");
    repo.tag("v1.5", false);
    add_release(
        &repo,
        "payments",
        "v1.6",
        &[service("payments-api", "1.6.0", "1.0.0")],
    );
    repo.commit("v1.6, still a draft");
    repo.tag("v1.6", false).tag("v1.6.1", true);
    // An annotated tag of an annotated tag names the same commit.
    let inner = repo
        .git
        .revparse_single("refs/tags/v1.6.1")
        .unwrap_or_else(|e| panic!("{e}"));
    let signature =
        git2::Signature::now("Release Bot", "bot@example.com").unwrap_or_else(|e| panic!("{e}"));
    repo.git
        .tag("v1.6.2", &inner, &signature, "re-tagged", false)
        .unwrap_or_else(|e| panic!("{e}"));

    let statuses = |args: &[&str]| {
        let json = repo.run(args).json();
        json["tags"]
            .as_array()
            .unwrap_or_else(|| panic!("no tags in {json}"))
            .iter()
            .map(|row| {
                format!(
                    "{} {}",
                    row["tag"].as_str().unwrap_or_default(),
                    row["status"].as_str().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
    };
    let expected = [
        "v0.1 missing",
        "v1.0 ok",
        "v1.1 missing",
        "v1.2 missing",
        "v1.3 missing",
        "v1.4 missing",
        "v1.5 missing",
        "v1.6 draft",
        "v1.6.1 missing",
        "v1.6.2 missing",
    ];
    assert_eq!(statuses(&["tags", "--format", "json"]), expected);
    let run = repo.run(&["tags"]);
    run.code(1)
        .stdout_has("v1.4    plans/payments/v1.4/plan.md    missing  no plan at plans/payments/v1.4/plan.md in the tagged commit")
        .stdout_has("10 release tags: 1 ok, 1 draft, 8 missing, 0 invalid");

    // At HEAD every tag is looked up in one team directory, indexed by name.
    assert_eq!(
        statuses(&["tags", "--format", "json", "--at", "head"]),
        expected
    );
}

/// A damaged team directory makes every tag whose plan is looked up in it invalid, with the
/// object and what to do, whether the directory was read for one tag or for several.
#[test]
fn a_damaged_team_directory_is_named_for_every_tag_that_needs_it() {
    let repo = tagged_repo();
    repo.tag("v1.1-rc1", false).tag("v1.1-rc2", true);
    let team = repo
        .git
        .head()
        .and_then(|h| h.peel_to_tree())
        .and_then(|t| t.get_path(std::path::Path::new("plans/payments")))
        .map(|e| e.id())
        .unwrap_or_else(|e| panic!("{e}"));
    let hex = team.to_string();
    let object = repo.join(&format!(".git/objects/{}/{}", &hex[..2], &hex[2..]));
    let _ = std::fs::set_permissions(
        &object,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o644),
    );
    std::fs::write(&object, b"Verzeichnis beschaedigt").unwrap_or_else(|e| panic!("{e}"));

    let run = repo.run(&["tags", "--format", "json"]);
    run.code(1);
    let json = run.json();
    assert_eq!(json["ok"], 1, "{json}"); // v1.0's commit has another team directory
    assert_eq!(json["invalid"], 3, "{json}");
    for row in json["tags"].as_array().into_iter().flatten() {
        if row["tag"] == "v1.0" {
            continue;
        }
        let message = row["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("cannot read the tagged commit ")
                && message.contains(&format!(": git object {hex} cannot be read ("))
                && message.ends_with(
                    "; check the repository with `git fsck`, and fetch or clone it again"
                ),
            "{message}"
        );
    }
    repo.run(&["tags", "--at", "head"])
        .code(1)
        .stdout_has(&format!(
            "cannot read HEAD: git object {hex} cannot be read ("
        ))
        .stdout_has("4 release tags: 0 ok, 0 draft, 0 missing, 4 invalid");
}

#[test]
fn tags_cut_before_the_plans_directory_moved_find_their_plans_where_they_were() {
    // Release v1.0 was cut while the plans lived in plans/; then the repository moved them
    // to ops/backout and cut v1.1 there.
    // v1.0 had no backout.toml yet: the default plans directory.
    let repo = TestRepo::new();
    add_release(
        &repo,
        "payments",
        "v1.0",
        &[service("payments-api", "1.0.0", "0.9.0")],
    );
    repo.set_status_tested("plans/payments/v1.0/plan.md", "approved");
    repo.commit("v1.0");
    repo.tag("v1.0", true);
    let plan = repo.read("plans/payments/v1.0/plan.md");
    let manifest = repo.read("plans/payments/v1.0/manifest.toml");
    repo.remove("plans");
    repo.write(
        "backout.toml",
        "plans_dir = \"ops/backout\"\ndefault_team = \"payments\"\n",
    );
    repo.write("ops/backout/payments/v1.0/plan.md", &plan);
    repo.write("ops/backout/payments/v1.0/manifest.toml", &manifest);
    add_release(
        &repo,
        "payments",
        "v1.1",
        &[service("payments-api", "1.1.0", "1.0.0")],
    );
    for file in ["plan.md", "manifest.toml"] {
        let text = repo.read(&format!("plans/payments/v1.1/{file}"));
        repo.write(&format!("ops/backout/payments/v1.1/{file}"), text);
    }
    repo.remove("plans");
    repo.set_status_tested("ops/backout/payments/v1.1/plan.md", "approved");
    repo.commit("plans move to ops/backout; v1.1");
    repo.tag("v1.1", false);

    let run = repo.run(&["tags"]);
    run.code(0);
    assert_eq!(
        run.stdout,
        "TAG   PLAN                               STATUS  NOTE
v1.0  plans/payments/v1.0/plan.md        ok
v1.1  ops/backout/payments/v1.1/plan.md  ok
2 release tags: 2 ok, 0 draft, 0 missing, 0 invalid
"
    );
    // A tag whose plan is in neither place names the place the current backout.toml says.
    repo.tag("v1.2", true);
    let run = repo.run(&["tags", "--format", "json"]);
    run.code(1);
    let json = run.json();
    assert_eq!(json["tags"][2]["status"], "missing");
    assert_eq!(json["tags"][2]["path"], "ops/backout/payments/v1.2/plan.md");
}
