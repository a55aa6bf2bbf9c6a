//! `backout diff`: what it compares with, every format, colour, and bad input.

use crate::harness::{Item, TestRepo, add_release, manifest, migration, service};

const V1: &str = "+++
team = \"payments\"
release = \"v1\"
status = \"draft\"
window = \"72h\"
duration = \"45m\"
+++

## Criteria
Errors above 2%.

## Procedure
1. Roll back `api`: `deploy api 1.0`

## Testing
Tried.
";

const V2: &str = "+++
team = \"payments\"
release = \"v2\"
status = \"draft\"
window = \"72h\"
duration = \"1h\"
+++

## Procedure
1. Roll back `api`: `deploy api 2.0`
2. Run `make smoke`

## criteria
Errors above 2%.

## Rollout
Canary.
";

fn flag(id: &str) -> Item<'_> {
    Item {
        id,
        kind: "flag",
        version: None,
        previous: None,
        reversible: true,
    }
}

/// payments/v1 and payments/v2, small plans that differ in every way a diff can show.
fn small_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("plans/payments/v1/plan.md", V1);
    repo.write(
        "plans/payments/v1/manifest.toml",
        manifest(
            "payments",
            "v1",
            &[service("api", "1.0", "0.9"), flag("old-flag")],
        ),
    );
    repo.write("plans/payments/v2/plan.md", V2);
    repo.write(
        "plans/payments/v2/manifest.toml",
        manifest(
            "payments",
            "v2",
            &[service("api", "2.0", "1.0"), migration("db")],
        ),
    );
    repo.commit("two releases");
    repo
}

const HUMAN: &str = "comparing payments/v2 with payments/v1 (its previous release)
--- payments/v1
+++ payments/v2

front matter:
  release: \"v1\" -> \"v2\"
  duration: \"45m\" -> \"1h\"

## Procedure: changed
@@ -13,1 +10,2 @@
-1. Roll back `api`: `deploy api 1.0`
+1. Roll back `api`: `deploy api 2.0`
+2. Run `make smoke`

## criteria: changed
@@ -9,2 +13,2 @@
-## Criteria
+## criteria
 Errors above 2%.

## Rollout: added
@@ -0,0 +16,2 @@
+## Rollout
+Canary.

## Testing: removed
@@ -15,2 +0,0 @@
-## Testing
-Tried.

manifest: 1 added, 1 removed, 1 changed
  + db (migration, irreversible)
  - old-flag (flag)
  ~ api: version: 1.0 -> 2.0; previous: 0.9 -> 1.0
";

#[test]
fn human_output_is_a_section_diff() {
    let repo = small_repo();
    let run = repo.run(&["diff", "v2"]);
    run.code(0);
    assert_eq!(run.stdout, HUMAN);
    // The newest plan is the default; --against names the other side.
    let run = repo.run(&["diff", "--against", "v1"]);
    run.code(0);
    assert_eq!(
        run.stdout,
        HUMAN.replace("(its previous release)", "(named with --against)")
    );
    // Quiet leaves out the first line only.
    let run = repo.run(&["diff", "-q"]);
    assert_eq!(run.stdout, HUMAN.split_once('\n').map_or("", |p| p.1));
}

#[test]
fn colour_only_when_asked_or_in_a_terminal() {
    let repo = small_repo();
    repo.run(&["diff"]).code(0).stdout_lacks("\u{1b}[");
    repo.run(&["diff", "--color", "always"])
        .code(0)
        .stdout_has("\u{1b}[32m+2. Run `make smoke`");
    repo.run(&["diff", "--color", "always", "--format", "markdown"])
        .code(0)
        .stdout_lacks("\u{1b}[");
}

#[test]
fn markdown_wraps_hunks_in_diff_fences() {
    let repo = small_repo();
    let run = repo.run(&["diff", "v2", "--format", "markdown"]);
    run.code(0)
        .stdout_has("### Backout plan diff: `payments/v1` → `payments/v2`\n")
        .stdout_has("| `duration` | `\"45m\"` | `\"1h\"` |\n")
        .stdout_has(
            "| Section | Change |\n| --- | --- |\n| Procedure | changed |\n| criteria | changed |\n| Rollout | added |\n| Testing | removed |\n",
        )
        .stdout_has(
            "#### Procedure (changed)\n\n```diff\n@@ -13,1 +10,2 @@\n-1. Roll back `api`: `deploy api 1.0`\n+1. Roll back `api`: `deploy api 2.0`\n+2. Run `make smoke`\n```\n",
        )
        .stdout_has("#### Testing (removed)\n\n```diff\n@@ -15,2 +0,0 @@\n-## Testing\n-Tried.\n```\n")
        .stdout_has("- added `db` (migration, irreversible)\n- removed `old-flag` (flag)\n- changed `api`: version `1.0` → `2.0`; previous `0.9` → `1.0`\n")
        .stdout_has("#### criteria (changed)\n\n```diff\n@@ -9,2 +13,2 @@\n-## Criteria\n+## criteria\n Errors above 2%.\n```\n")
        .stdout_lacks("comparing");
}

#[test]
fn json_has_sections_hunks_and_the_manifest_delta() {
    let repo = small_repo();
    let json = repo.run(&["diff", "v2", "--format", "json"]).json();
    assert_eq!(json["version"], 1);
    assert_eq!(json["old"], "payments/v1");
    assert_eq!(json["new"], "payments/v2");
    assert_eq!(json["front_matter"][1]["key"], "duration");
    assert_eq!(json["front_matter"][1]["old"], "\"45m\"");
    let sections = json["sections"].as_array().cloned().unwrap_or_default();
    let statuses: Vec<(&str, &str)> = sections
        .iter()
        .map(|s| {
            (
                s["title"].as_str().unwrap_or_default(),
                s["status"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("Procedure", "changed"),
            ("criteria", "changed"),
            ("Rollout", "added"),
            ("Testing", "removed")
        ]
    );
    let procedure = &sections[0];
    assert_eq!(procedure["old_line"], 12);
    assert_eq!(procedure["new_line"], 9);
    let hunk = &procedure["hunks"][0];
    assert_eq!(
        (
            &hunk["old_start"],
            &hunk["old_lines"],
            &hunk["new_start"],
            &hunk["new_lines"]
        ),
        (
            &serde_json::json!(13),
            &serde_json::json!(1),
            &serde_json::json!(10),
            &serde_json::json!(2)
        )
    );
    assert_eq!(hunk["lines"][2]["kind"], "added");
    assert_eq!(hunk["lines"][2]["text"], "2. Run `make smoke`");
    // Matched by title ignoring case; the heading's own change is shown.
    assert_eq!(sections[1]["hunks"][0]["lines"][0]["text"], "## Criteria");
    let manifest = &json["manifest"];
    assert_eq!(manifest["added"][0]["id"], "db");
    assert_eq!(manifest["added"][0]["reversible"], false);
    assert_eq!(manifest["removed"][0]["id"], "old-flag");
    assert_eq!(manifest["changed"][0]["id"], "api");
    assert_eq!(manifest["changed"][0]["fields"][0]["key"], "version");
}

#[test]
fn compares_with_the_baseline_source_by_default() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    add_release(
        &repo,
        "checkout",
        "v2.0",
        &[service("checkout-api", "5.0.0", "4.9.0")],
    );
    add_release(
        &repo,
        "payments",
        "v0.9",
        &[service("payments-api", "0.9.0", "0.8.0")],
    );
    repo.write(
        "plans/payments/v1.0/manifest.toml",
        manifest(
            "payments",
            "v1.0",
            &[service("payments-api", "1.0.0", "0.9.0")],
        ),
    );
    repo.commit("releases");
    repo.run(&["baseline", "--from", "checkout/v2.0"]).code(0);
    repo.run(&["diff"])
        .code(0)
        .stdout_has("comparing payments/v1.0 with checkout/v2.0 (its baseline source)\n")
        .stdout_has("## Procedure: unchanged\n")
        .stdout_has("  + payments-api (service 1.0.0)\n  - checkout-api (service 5.0.0)\n");
    repo.run(&["diff", "v1.0", "--against", "v0.9"])
        .code(0)
        .stdout_has("comparing payments/v1.0 with payments/v0.9 (named with --against)\n");
    // --against another team's plan.
    repo.run(&["diff", "v0.9", "--against", "checkout/v2.0"])
        .code(0)
        .stdout_has("--- checkout/v2.0\n+++ payments/v0.9\n");
}

#[test]
fn a_missing_manifest_leaves_the_delta_out() {
    let repo = small_repo();
    repo.remove("plans/payments/v1/manifest.toml");
    repo.run(&["diff", "v2"])
        .code(0)
        .stdout_has("manifest: not compared (a manifest.toml is missing or unreadable)\n");
    let json = repo.run(&["diff", "v2", "--format", "json"]).json();
    assert!(json["manifest"].is_null());
}

#[test]
fn a_broken_manifest_is_not_compared() {
    let repo = small_repo();
    let path = "plans/payments/v2/manifest.toml";
    repo.write(path, repo.read(path) + "garbage = [\n");
    repo.run(&["diff", "v2"])
        .code(0)
        .stdout_has("manifest: not compared (a manifest.toml is missing or unreadable)\n");
}

#[test]
fn errors_exit_2_and_diff_never_writes() {
    let repo = small_repo();
    let before = repo.snapshot();
    repo.run(&["diff", "v1"])
        .code(2)
        .stderr_has("plans/payments/v1/plan.md has no [baseline] from and payments has no earlier plan, so there is nothing to compare it with; pass --against TEAM/RELEASE");
    repo.run(&["diff", "v3"])
        .code(2)
        .stderr_has("there is no plan at plans/payments/v3/plan.md; name a plan that exists (plans of payments: v1, v2)");
    repo.run(&["diff", "v2", "--against", "v0"])
        .code(2)
        .stderr_has("there is no plan at plans/payments/v0/plan.md");
    for args in [&["diff", "../x"][..], &["diff", "--against", "../x"]] {
        repo.run(args).code(2).stderr_has("is not a plan name");
    }
    repo.run(&["diff", "--format", "sarif"]).code(2);
    // A baseline source that is gone.
    repo.write(
        "plans/payments/v2/plan.md",
        V2.replace(
            "duration = \"1h\"\n",
            "duration = \"1h\"\n[baseline]\nfrom = \"payments/v0\"\n",
        ),
    );
    let before_gone = repo.snapshot();
    repo.run(&["diff", "v2"])
        .code(2)
        .stderr_has("plans/payments/v2/plan.md:8:8: [baseline] from = \"payments/v0\" but plans/payments/v0/plan.md does not exist any more; pass --against");
    assert_eq!(repo.snapshot(), before_gone);
    repo.write("plans/payments/v2/plan.md", V2);
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn line_endings_alone_are_no_change() {
    // A colleague on Windows saved last release's plan with CRLF line ends and committed it
    // that way; the review of that change must not show every line removed and added again.
    let repo = crate::harness::payments_repo(&[]);
    let v14 = "plans/payments/v1.4/plan.md";
    // A blank line under each heading, as most plans have.
    let spaced: String = repo
        .read(v14)
        .lines()
        .map(|line| match line.starts_with("## ") {
            true => format!("{line}\n\n"),
            false => format!("{line}\n"),
        })
        .collect();
    repo.write(v14, &spaced);
    let base = repo.commit("base");
    repo.write(v14, spaced.replace('\n', "\r\n"));
    repo.commit("saved on Windows");
    let run = repo.run(&["review", "--base", &base]);
    run.code(0)
        .stdout_has("## Procedure: unchanged")
        .stdout_lacks(": changed")
        .stdout_lacks("\n-Run the smoke tests");
}
