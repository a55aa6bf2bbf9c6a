//! `backout review`: plan changes between two revisions, as a pull request sees them.

use crate::harness::{TestRepo, add_release, manifest, payments_repo, service};

const V15: &str = "plans/payments/v1.5/plan.md";

/// A base commit with payments v1.4 and v1.5; returns the repository and the base sha.
fn base_repo() -> (TestRepo, String) {
    let repo = payments_repo(&[]);
    let base = repo.commit("base");
    (repo, base)
}

#[test]
fn a_changed_plan_shows_its_section_diff_and_findings() {
    let (repo, base) = base_repo();
    repo.edit(
        V15,
        "The incident commander on call decides.",
        "The TODO decides.",
    );
    repo.commit("edit v1.5");
    let run = repo.run(&["review", "--base", &base]);
    run.code(1)
        .stdout_has("plans/payments/v1.5/plan.md (modified)")
        .stdout_has("## Decision: changed")
        .stdout_has("-The incident commander on call decides.")
        .stdout_has("+The TODO decides.")
        .stdout_has("error[placeholder]: placeholder `TODO` left in the plan")
        .stdout_has("reviewed 1 plan: 1 error, 0 warnings")
        .stdout_lacks("v1.4");
}

#[test]
fn a_clean_change_passes_and_no_change_says_so() {
    let (repo, base) = base_repo();
    repo.run(&["review", "--base", &base])
        .code(0)
        .stdout_has("no plan or manifest changed");
    repo.write("README.md", "unrelated\n");
    repo.commit("unrelated");
    repo.run(&["review", "--base", &base, "--head", "HEAD"])
        .code(0)
        .stdout_has("no plan or manifest changed");
    repo.edit(V15, "Rehearsed on staging.", "Rehearsed on staging, twice.");
    repo.commit("edit");
    repo.run(&["review", "--base", &base])
        .code(0)
        .stdout_has("reviewed 1 plan: 0 errors, 0 warnings");
}

#[test]
fn published_plans_must_not_change_or_disappear() {
    let (repo, _) = base_repo();
    repo.set_status_tested(V15, "published");
    let published = repo.commit("publish v1.5");
    repo.edit(V15, "Rehearsed on staging.", "Rehearsed on staging, twice.");
    repo.commit("edit a published plan");
    let run = repo.run(&["review", "--base", &published, "--format", "json"]);
    run.code(1);
    assert_eq!(
        run.rules(),
        Vec::<String>::new(),
        "json has plans, not findings, at the top"
    );
    let json = run.json();
    let rules: Vec<&str> = json["plans"][0]["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["rule"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(rules, ["published-changed"]);
    assert_eq!(json["errors"], 1);
    // Deleting it is the same error, on the deleted file.
    repo.remove("plans/payments/v1.5");
    repo.commit("delete v1.5");
    let run = repo.run(&["review", "--base", &published]);
    run.code(1)
        .stdout_has("plans/payments/v1.5/plan.md (deleted")
        .stdout_has("error[published-changed]: this plan was published and must not be deleted");
}

#[test]
fn a_published_plan_saved_with_other_line_ends_has_not_changed() {
    // A Windows editor (or a .gitattributes rule) turns every LF into CRLF: the page it
    // publishes reads the same, and the diff shows nothing changed.
    let (repo, _) = base_repo();
    repo.set_status_tested(V15, "published");
    let published = repo.commit("publish v1.5");
    let text = repo.read(V15);
    repo.write(V15, text.replace('\n', "\r\n"));
    repo.commit("line ends");
    repo.run(&["review", "--base", &published])
        .code(0)
        .stdout_lacks("published-changed");
    // A real edit on top of it still is one.
    repo.edit(V15, "Rehearsed on staging.", "Rehearsed on staging, twice.");
    repo.commit("edit a published plan");
    repo.run(&["review", "--base", &published])
        .code(1)
        .stdout_has("error[published-changed]: this plan was published");
}

#[test]
fn publishing_straight_from_draft_is_a_warning() {
    let (repo, base) = base_repo();
    repo.set_status_tested(V15, "published");
    repo.commit("publish without approval");
    let run = repo.run(&["review", "--base", &base]);
    run.code(0)
        .stdout_has("warning[status-skipped]: the plan went from draft to published in one change");
    // Approved first, then published: no warning.
    let (repo, _) = base_repo();
    repo.set_status_tested(V15, "approved");
    let approved = repo.commit("approve");
    repo.edit(V15, "status = \"approved\"", "status = \"published\"");
    repo.commit("publish");
    repo.run(&["review", "--base", &approved])
        .code(0)
        .stdout_lacks("status-skipped");
}

#[test]
fn renames_and_manifest_changes_are_reviewed() {
    let (repo, base) = base_repo();
    // v1.5 becomes v1.6: moved, with its names updated.
    let plan = repo.read(V15).replace("v1.5", "v1.6");
    let manifest_text = repo
        .read("plans/payments/v1.5/manifest.toml")
        .replace("v1.5", "v1.6");
    repo.remove("plans/payments/v1.5");
    repo.write("plans/payments/v1.6/plan.md", plan);
    repo.write("plans/payments/v1.6/manifest.toml", manifest_text);
    // v1.4's manifest gains an item its plan does not cover.
    repo.write(
        "plans/payments/v1.4/manifest.toml",
        manifest(
            "payments",
            "v1.4",
            &[
                service("payments-api", "2.3.1", "2.3.0"),
                service("ledger", "1.0.0", "0.9.0"),
            ],
        ),
    );
    repo.commit("rename and extend");
    let run = repo.run(&["review", "--base", &base, "--format", "json"]);
    run.code(1);
    let json = run.json();
    let plans: Vec<(&str, &str, bool)> = json["plans"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["path"].as_str().unwrap_or_default(),
                p["change"].as_str().unwrap_or_default(),
                p["manifest_changed"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        plans,
        [
            ("plans/payments/v1.4/plan.md", "", true),
            ("plans/payments/v1.5/plan.md", "deleted", true),
            ("plans/payments/v1.6/plan.md", "renamed", true),
        ]
    );
    assert_eq!(json["plans"][1]["moved_to"], "plans/payments/v1.6/plan.md");
    assert_eq!(json["plans"][2]["renamed_from"], V15);
    assert_eq!(
        json["plans"][2]["diff"]["old"],
        format!("payments/v1.5@{base} ({})", &base[..10])
    );

    assert_eq!(json["plans"][0]["findings"][0]["rule"], "uncovered-item");
    assert_eq!(
        json["plans"][0]["diff"]["manifest"]["added"][0]["id"],
        "ledger"
    );
}

#[test]
fn markdown_is_a_pull_request_comment_and_github_annotates() {
    let (repo, base) = base_repo();
    repo.edit(
        V15,
        "The incident commander on call decides.",
        "The TODO decides.",
    );
    repo.commit("edit");
    let markdown = repo.run(&["review", "--base", &base, "--format", "markdown"]);
    markdown.code(1)
        .stdout_has("## backout review")
        .stdout_has("| `payments/v1.5` | modified | 1 | 0 |")
        .stdout_has("- ❌ **placeholder** `plans/payments/v1.5/plan.md:15`: placeholder `TODO` left in the plan")
        .stdout_has("```diff\n")
        .stdout_has("+The TODO decides.");
    let github = repo.run(&["review", "--base", &base, "--format", "github"]);
    github.code(1);
    assert!(
        github
            .stdout
            .starts_with("::error file=plans/payments/v1.5/plan.md,line=15,"),
        "{}",
        github.stdout
    );
}

#[test]
fn unknown_revisions_exit_2_and_review_never_writes() {
    let (repo, base) = base_repo();
    let before = repo.snapshot();
    repo.run(&["review", "--base", "origin/nope"])
        .code(2)
        .stderr_has("unknown revision `origin/nope`");
    repo.run(&["review", "--base", &base, "--head", "nope"])
        .code(2)
        .stderr_has("unknown revision `nope`");
    repo.run(&["review"]).code(2).stderr_has("--base");
    repo.run(&["review", "--base", &base]);
    assert!(repo.snapshot() == before);
}

#[test]
fn a_published_plan_replaced_by_a_new_one_is_two_changes() {
    let (repo, _) = base_repo();
    repo.set_status_tested(V15, "published");
    let published = repo.commit("publish v1.5");
    // git sees v1.5's plan renamed to v1.9: v1.5 was deleted, v1.9 is new.
    let text = repo.read(V15).replace("v1.5", "v1.9");
    let manifest_text = repo
        .read("plans/payments/v1.5/manifest.toml")
        .replace("v1.5", "v1.9");
    repo.remove("plans/payments/v1.5");
    repo.write("plans/payments/v1.9/plan.md", text);
    repo.write("plans/payments/v1.9/manifest.toml", manifest_text);
    repo.commit("replace v1.5 by v1.9");
    let run = repo.run(&["review", "--base", &published]);
    run.code(1)
        .stdout_has("plans/payments/v1.5/plan.md (deleted: git sees it renamed to plans/payments/v1.9/plan.md")
        .stdout_has("error[published-changed]: this plan was published and must not move (git sees it renamed to plans/payments/v1.9/plan.md)")
        .stdout_has("plans/payments/v1.9/plan.md (renamed from plans/payments/v1.5/plan.md")
        .stdout_lacks("status-skipped")
        .stdout_has("reviewed 2 plans: 1 error, 0 warnings");
}

#[test]
fn a_new_plan_published_at_once_skips_approval() {
    let (repo, base) = base_repo();
    add_release(
        &repo,
        "payments",
        "v1.6",
        &[service("payments-api", "2.5.0", "2.4.0")],
    );
    repo.set_status_tested("plans/payments/v1.6/plan.md", "published");
    repo.commit("v1.6, published at once");
    repo.run(&["review", "--base", &base])
        .code(0)
        .stdout_has("plans/payments/v1.6/plan.md (added, manifest changed)")
        .stdout_has("warning[status-skipped]: a new plan went straight to published, without being approved");
}

#[test]
fn manifest_changes_of_published_plans_and_releases_without_plans() {
    let (repo, _) = base_repo();
    repo.set_status_tested(V15, "published");
    let published = repo.commit("publish v1.5");
    repo.edit(
        "plans/payments/v1.5/manifest.toml",
        "version = \"2.4.0\"",
        "version = \"2.4.1\"",
    );
    repo.write(
        "plans/payments/v1.7/manifest.toml",
        manifest("payments", "v1.7", &[]),
    );
    repo.commit("change a published manifest; a release with only a manifest");
    let run = repo.run(&["review", "--base", &published, "--format", "json"]);
    run.code(1);
    let json = run.json();
    let v15 = &json["plans"][0];
    assert_eq!(v15["change"], serde_json::Value::Null);
    assert_eq!(v15["has_plan"], true);
    let rules: Vec<&str> = v15["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["rule"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(rules, ["published-changed"]);
    assert_eq!(
        v15["findings"][0]["file"],
        "plans/payments/v1.5/manifest.toml"
    );
    assert_eq!(v15["diff"]["manifest"]["changed"][0]["id"], "payments-api");
    let v17 = &json["plans"][1];
    assert_eq!(v17["has_plan"], false);
    assert_eq!(v17["path"], "plans/payments/v1.7/manifest.toml");
    repo.run(&["review", "--base", &published]).stdout_has(
        "plans/payments/v1.7/manifest.toml (manifest changed; the release has no plan yet)",
    );
}

#[test]
fn a_directory_check_cannot_use_fails_review_as_it_fails_check() {
    let (repo, base) = base_repo();
    // A release directory whose name is not a release name, holding a plan: `check` after
    // the merge reports it, so the pull request that adds it must not pass review.
    add_release(
        &repo,
        "payments",
        "v1.6 beta",
        &[service("payments-api", "2.5.0", "2.4.0")],
    );
    repo.write("plans/Zahlungsverkehr Team/v1.0/plan.md", "+++\n+++\n");
    // A folder of notes with an odd name is not a release: neither check nor review mind.
    repo.write("plans/payments/old notes/2019.md", "notes\n");
    repo.commit("payments v1.6 beta, a team with a space");
    repo.run(&["check"])
        .code(1)
        .stdout_has("error[invalid-plan]: directory name `v1.6 beta` contains a space");
    let run = repo.run(&["review", "--base", &base]);
    run.code(1)
        .stdout_has("plans/payments/v1.6 beta (added)")
        .stdout_has("error[invalid-plan]: directory name `v1.6 beta` contains a space, but only ASCII letters, digits, `.`, `_` and `-` are allowed")
        .stdout_has("error[invalid-plan]: directory name `Zahlungsverkehr Team` contains a space")
        .stdout_lacks("old notes");
    let json = repo.run(&["review", "--base", &base, "--format", "json"]);
    json.code(1);
    assert_eq!(json.json()["errors"], 2, "{}", json.stdout);
    repo.run(&["review", "--base", &base, "--format", "github"])
        .code(1)
        .stdout_has("::error file=plans/payments/v1.6 beta,");
    repo.run(&["review", "--base", &base, "--format", "markdown"])
        .code(1)
        .stdout_has("| `payments/v1.6 beta` | added | 1 | 0 |");
    // Already there at base: not this change's doing, as for every finding.
    let later = repo.commit("nothing");
    repo.write(
        "plans/payments/v1.6 beta/plan.md",
        "+++\nteam = \"payments\"\n+++\n",
    );
    repo.commit("edit inside the odd directory");
    repo.run(&["review", "--base", &later])
        .code(0)
        .stdout_lacks("invalid-plan");
}

#[test]
fn a_change_that_repairs_the_base_config_can_be_reviewed() {
    let (repo, _) = base_repo();
    // Someone pushed a backout.toml that does not parse; every command fails on it.
    repo.write(
        "backout.toml",
        "default_team = \"payments\"\n[check]\nshraed = [\"postgres-main\"]\n",
    );
    let broken = repo.commit("shared ids (typo)");
    repo.run(&["check"]).code(2);
    // The pull request that repairs it, and touches a plan, is reviewed with its own
    // backout.toml on both sides, and says so.
    repo.write(
        "backout.toml",
        "default_team = \"payments\"\n[check]\nshared = [\"postgres-main\"]\n",
    );
    repo.edit(
        V15,
        "The incident commander on call decides.",
        "The TODO decides.",
    );
    repo.commit("repair backout.toml");
    let note = "backout.toml at ";
    let run = repo.run(&["review", "--base", &broken]);
    run.code(1)
        .stdout_has("plans/payments/v1.5/plan.md (modified)")
        .stdout_has("error[placeholder]")
        .stderr_has(note)
        .stderr_has("unknown key `shraed` in [check]; did you mean `shared`?")
        .stderr_has("so both revisions are read with the reviewed head's backout.toml");
    let json = repo.run(&["review", "--base", &broken, "--format", "json"]);
    json.code(1);
    assert!(
        json.json()["notes"][0]
            .as_str()
            .is_some_and(|n| n.contains("the base's backout.toml cannot be used")),
        "{}",
        json.stdout
    );
    repo.run(&["review", "--base", &broken, "--format", "markdown"])
        .code(1)
        .stdout_has("so both revisions are read with the reviewed head's backout.toml");
    repo.run(&["review", "--base", &broken, "--format", "github"])
        .code(1)
        .stdout_has("::warning title=backout.toml at the base::");
    // The other way round, the change that breaks it cannot be reviewed: exit 2, as check.
    let repaired = repo.head().to_string();
    repo.run(&["review", "--base", &repaired, "--head", &broken])
        .code(2)
        .stderr_has("unknown key `shraed` in [check]");
}

/// A pull request that commits a plan or a drill record as a symlink does not pass review:
/// backout reads regular files only (as `check` says of the work tree), and review says it is
/// a symlink rather than that the file is missing or that the release has no plan.
#[cfg(unix)]
#[test]
fn a_plan_or_drill_record_committed_as_a_symlink_does_not_pass_review() {
    let repo = payments_repo(&[]);
    let base = repo.commit("payments v1.4 and v1.5");
    std::fs::create_dir_all(repo.join("plans/payments/v1.5/drills"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(
        "/etc/hostname",
        repo.join("plans/payments/v1.5/drills/2026-12-27T10-00-00Z.toml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    repo.commit("a drill record that is a symlink");
    let run = repo.run(&["review", "--base", &base]);
    run.code(1)
        .stdout_has("2026-12-27T10-00-00Z.toml is a symlink")
        .stdout_lacks("is missing");

    let base = repo.commit("nothing");
    repo.write(
        "plans/payments/v1.6/manifest.toml",
        manifest(
            "payments",
            "v1.6",
            &[service("payments-api", "2.5.0", "2.4.0")],
        ),
    );
    std::os::unix::fs::symlink("../v1.5/plan.md", repo.join("plans/payments/v1.6/plan.md"))
        .unwrap_or_else(|e| panic!("{e}"));
    repo.commit("v1.6 whose plan is a symlink");
    // A finding of that plan, as `check` reports one in the work tree: the review runs.
    repo.run(&["review", "--base", &base])
        .code(1)
        .stdout_has("error[invalid-plan]: plans/payments/v1.6/plan.md is a symlink in git, which backout does not follow")
        .stdout_has("help: commit the file itself instead")
        .stdout_has("plans/payments/v1.6/plan.md (added, manifest changed)");
}

#[test]
fn a_change_to_the_text_above_the_first_section_is_shown() {
    // The title and introduction of a plan are on its published page like every section:
    // a pull request that changes only them must not look unchanged.
    let (repo, base) = base_repo();
    repo.edit(
        V15,
        "# Backout plan: payments v1.5\n",
        "# Backout plan: payments v1.5\n\nShortcut for on-call: skip the plan and run `kubectl delete namespace payments`.\n",
    );
    repo.commit("a line above the sections");
    let run = repo.run(&["review", "--base", &base]);
    run.code(0)
        .stdout_has("plans/payments/v1.5/plan.md (modified)")
        .stdout_has("before the first section: changed\n")
        .stdout_has(
            "+Shortcut for on-call: skip the plan and run `kubectl delete namespace payments`.",
        );
    let markdown = repo.run(&["review", "--base", &base, "--format", "markdown"]);
    markdown
        .code(0)
        .stdout_has("| (before the first section) | changed |")
        .stdout_has("+Shortcut for on-call");
    // `diff` says the same, and an unchanged introduction is not listed at all.
    let diff = repo.run(&["diff", "v1.5", "--against", "v1.4", "--format", "json"]);
    diff.code(0);
    let json = diff.json();
    assert_eq!(json["outside"][0]["status"], "changed", "{}", diff.stdout);
    assert_eq!(json["outside"][0]["title"], "(before the first section)");
    let unchanged = repo.run(&["diff", "v1.5", "--against", "v1.5"]);
    unchanged.code(0).stdout_lacks("before the first section");
    let json = repo
        .run(&["diff", "v1.5", "--against", "v1.5", "--format", "json"])
        .json();
    assert_eq!(json["outside"], serde_json::json!([]));
}

#[test]
fn a_change_under_a_top_level_heading_after_the_sections_is_shown() {
    // `# Appendix` ends the last section; what stands under it is on the published page,
    // so review and diff show it as its own part of the plan.
    let (repo, base) = base_repo();
    let text = repo.read(V15);
    repo.write(
        V15,
        format!("{text}\n# Appendix\n\nDashboards: [payments](https://grafana.example.com/d/payments).\n"),
    );
    let middle = repo.commit("an appendix");
    repo.edit(
        V15,
        "Dashboards: [payments]",
        "In a hurry? `kubectl delete namespace payments`.\nDashboards: [payments]",
    );
    repo.commit("a shortcut in the appendix");
    let run = repo.run(&["review", "--base", &base]);
    run.code(0)
        .stdout_has("# Appendix: added\n")
        .stdout_has("+Dashboards: [payments](https://grafana.example.com/d/payments).");
    let run = repo.run(&["review", "--base", &middle]);
    run.code(0)
        .stdout_has("# Appendix: changed\n")
        .stdout_has("+In a hurry? `kubectl delete namespace payments`.")
        .stdout_lacks("before the first section");
    let json = repo
        .run(&["diff", "v1.5", "--against", "v1.5", "--format", "json"])
        .json();
    assert_eq!(json["outside"], serde_json::json!([]));
}

#[test]
fn moving_the_plans_directory_moves_plans_it_does_not_delete_them() {
    // The repository reorganises: plans/ becomes ops/backout, with `plans_dir` set in the
    // same change. A published plan that moved with it, unchanged, is not deleted.
    let (repo, _) = crate::teams::three_teams();
    let base = repo.head().to_string();
    for (from, to) in [
        ("plans/payments", "ops/backout/payments"),
        ("plans/checkout", "ops/backout/checkout"),
        ("plans/search", "ops/backout/search"),
    ] {
        std::fs::create_dir_all(repo.join("ops/backout")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::rename(repo.join(from), repo.join(to)).unwrap_or_else(|e| panic!("{e}"));
    }
    repo.write("backout.toml", "plans_dir = \"ops/backout\"\n");
    repo.commit("plans move to ops/backout");
    let run = repo.run(&["review", "--base", &base]);
    run.code(0)
        .stdout_lacks("deleted")
        .stdout_lacks("published-changed")
        .stdout_has("ops/backout/payments/v1.4/plan.md (renamed from plans/payments/v1.4/plan.md)");
    // Moved and edited in the same change, a published plan has changed.
    repo.edit(
        "ops/backout/payments/v1.4/plan.md",
        "Error rate above 2%",
        "Error rate above 5%",
    );
    repo.commit("and a looser criterion");
    repo.run(&["review", "--base", &base])
        .code(1)
        .stdout_has("error[published-changed]: this plan was published");
}

/// A CI checkout of one commit has no `HEAD~1` and no base branch: the error says the clone
/// is shallow and how to fetch more, not only that the revision is unknown.
#[test]
fn an_unknown_base_in_a_shallow_clone_says_how_to_fetch_it() {
    let (repo, _) = base_repo();
    repo.run(&["review", "--base", "origin/main"])
        .code(2)
        .stderr_has("unknown revision `origin/main`; name a branch, tag or commit");
    let head = repo.head().to_string();
    repo.write(".git/shallow", format!("{head}\n"));
    repo.run(&["review", "--base", "origin/main"])
        .code(2)
        .stderr_has("unknown revision `origin/main`; this clone is shallow")
        .stderr_has("fetch-depth: 0");
}

/// The head's vocabulary is built of only the ids the touched plans can name; a plan the
/// change reaches through a manifest is still checked against every id.
#[test]
fn a_manifest_change_reaches_a_plan_whose_text_the_touched_plans_do_not_cover() {
    let (repo, _) = base_repo();
    repo.edit(
        V15,
        "## Verification\n",
        "## Verification\nWatch the `ledger-worker` queue drain.\n",
    );
    let base = repo.commit("v1.5 watches the ledger worker");
    repo.write(
        "plans/payments/v1.4/manifest.toml",
        manifest(
            "payments",
            "v1.4",
            &[
                service("payments-api", "2.3.1", "2.3.0"),
                service("ledger-worker", "1.1.0", "1.0.0"),
            ],
        ),
    );
    repo.commit("v1.4 ships the ledger worker too");
    repo.run(&["review", "--base", &base]).code(1).stdout_has(
        "error[foreign-item]: `ledger-worker` belongs to payments/v1.4, not to payments/v1.5",
    );
}
