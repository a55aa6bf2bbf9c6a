//! `review` for CI: the Markdown comment with its marker and byte budget, GitHub annotations
//! with the changed files first, and GitLab Code Quality.

use crate::harness::{TestRepo, add_release, manifest, service};

/// `plans` releases of the payments team at base; at head each plan's Procedure is
/// rewritten in prose (a long section diff) and its Decision left as TBD (a finding).
fn hundred_plan_change(plans: usize) -> (TestRepo, String) {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    for i in 0..plans {
        add_release(
            &repo,
            "payments",
            &format!("v2.{i}"),
            &[service(&format!("ledger-{i}"), "4.1.0", "4.0.3")],
        );
    }
    let base = repo.commit("base");
    for i in 0..plans {
        let path = format!("plans/payments/v2.{i}/plan.md");
        let mut runbook = String::new();
        for step in 1..=12 {
            runbook.push_str(&format!(
                "{step}. Drain node {step} of `ledger-{i}` before rolling it back: `kubectl drain ledger-{i}-{step} --ignore-daemonsets --delete-emptydir-data`, then wait for the pods to settle.\n"
            ));
        }
        repo.edit(&path, "## Procedure\n", &format!("## Procedure\n{runbook}"));
        repo.edit(&path, "The incident commander on call decides.", "TBD");
    }
    repo.commit("head: every plan rewritten");
    (repo, base)
}

#[test]
fn a_hundred_plan_review_fits_the_comment_budget() {
    let (repo, base) = hundred_plan_change(100);
    let run = repo.run(&["review", "--base", &base, "--format", "markdown"]);
    run.code(1);
    let text = &run.stdout;
    assert!(text.len() <= 60_000, "{} bytes", text.len());
    assert!(
        text.starts_with("<!-- backout:review -->\n## backout review\n"),
        "{}",
        &text[..200]
    );
    // The summary and every finding stay.
    assert!(
        text.contains("100 plans changed, 100 errors"),
        "{}",
        &text[..400]
    );
    assert_eq!(text.matches("**placeholder**").count(), 100);
    assert!(text.contains("| `payments/v2.99` | modified | 1 | 0 |"));
    // Diffs went first, and the comment says so.
    assert!(
        text.contains("_Left out to stay under 60000 bytes: the section diffs of "),
        "{}",
        &text[text.len() - 600..]
    );
    assert!(!text.contains("the findings of"));

    // A larger budget keeps every diff.
    let run = repo.run(&[
        "review",
        "--base",
        &base,
        "--format",
        "markdown",
        "--max-bytes",
        "10000000",
    ]);
    assert_eq!(
        run.stdout
            .matches("<summary>Section diff</summary>")
            .count(),
        100
    );
    assert!(!run.stdout.contains("Left out"));
    repo.run(&[
        "review",
        "--base",
        &base,
        "--format",
        "markdown",
        "--max-bytes",
        "10",
    ])
    .code(2)
    .stderr_has("--max-bytes");
}

#[test]
fn the_marker_starts_every_markdown_review() {
    let (repo, base) = hundred_plan_change(1);
    let run = repo.run(&["review", "--base", "HEAD", "--format", "markdown"]);
    run.code(0);
    assert!(
        run.stdout.starts_with("<!-- backout:review -->\n"),
        "{}",
        run.stdout
    );
    let run = repo.run(&["review", "--base", &base, "--format", "markdown"]);
    assert!(run.stdout.starts_with("<!-- backout:review -->\n"));
    assert_eq!(run.stdout.matches("<!-- backout:review -->").count(), 1);
}

#[test]
fn github_annotations_put_the_changed_files_first() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    // v2.1's manifest lists nothing yet (empty-manifest); the pull request edits its plan.
    add_release(&repo, "payments", "v2.1", &[]);
    let base = repo.commit("base");
    repo.edit(
        "plans/payments/v2.1/plan.md",
        "Rehearsed on staging.",
        "TODO rehearse",
    );
    repo.commit("v2.1");
    let summary_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let summary = summary_dir.path().join("summary.md");
    let summary_text = summary.to_string_lossy().into_owned();
    let run = repo.run_in_env(
        repo.path(),
        &[("GITHUB_STEP_SUMMARY", &summary_text)],
        &["review", "--base", &base, "--format", "github"],
    );
    run.code(1);
    let files: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.split("file=").nth(1))
        .filter_map(|l| l.split(',').next())
        .collect();
    // File order would put manifest.toml first; the changed plan.md comes first instead.
    assert_eq!(
        files.first().copied(),
        Some("plans/payments/v2.1/plan.md"),
        "{}",
        run.stdout
    );
    assert!(
        files.contains(&"plans/payments/v2.1/manifest.toml"),
        "{}",
        run.stdout
    );
    let written = std::fs::read_to_string(&summary).unwrap_or_else(|e| panic!("{e}"));
    assert!(written.starts_with("### backout review: "), "{written}");
}

#[test]
fn review_writes_gitlab_code_quality() {
    let (repo, base) = hundred_plan_change(3);
    let run = repo.run(&["review", "--base", &base, "--format", "gitlab"]);
    run.code(1);
    let issues = run.json();
    let issues = issues.as_array().cloned().unwrap_or_default();
    assert_eq!(issues.len(), 3);
    for issue in &issues {
        assert_eq!(issue["check_name"], "placeholder");
        assert_eq!(issue["severity"], "major");
        assert!(
            issue["location"]["lines"]["begin"]
                .as_u64()
                .is_some_and(|l| l > 0)
        );
    }
    let prints: std::collections::HashSet<_> = issues
        .iter()
        .map(|i| i["fingerprint"].to_string())
        .collect();
    assert_eq!(prints.len(), 3);
}

#[test]
fn a_comment_too_long_for_its_findings_counts_the_findings_it_leaves_out() {
    // A new team forks checkout's runbook for its first release; the review comment lists
    // each finding once and again under "what must still change": when the findings do not
    // fit, the note counts findings, not list lines.
    let repo = TestRepo::new();
    add_release(
        &repo,
        "checkout",
        "v3.1",
        &[service("cart-service", "3.1.0", "3.0.4")],
    );
    let base = repo.commit("checkout v3.1");
    repo.write(
        "plans/loyalty/v1.0/manifest.toml",
        manifest(
            "loyalty",
            "v1.0",
            &[service("points-ledger", "1.0.0", "0.9.0")],
        ),
    );
    repo.run(&["baseline", "loyalty/v1.0", "--from", "checkout/v3.1"])
        .code(0);
    repo.commit("loyalty v1.0, forked from checkout v3.1");
    let full = repo.run(&["review", "--base", &base, "--format", "json"]);
    full.code(1);
    let findings = full.json()["plans"][0]["findings"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(findings >= 2, "{}", full.stdout);
    let run = repo.run(&[
        "review",
        "--base",
        &base,
        "--format",
        "markdown",
        "--max-bytes",
        "1000",
    ]);
    run.code(1)
        .stdout_has(&format!("_{findings} findings left out._"));
}
