//! `backout publish`: refusals, the stamp, the site, the sanitiser on a hostile plan, and
//! the page in a real browser.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Run, TestRepo, add_release, manifest, migration, service};

/// 2025-11-25T16:00:00Z
const EPOCH: &str = "1764086400";
const AT: &str = "2025-11-25T16:00:00Z";

const V15: &str = "plans/payments/v1.5/plan.md";
const V15_MANIFEST: &str = "plans/payments/v1.5/manifest.toml";
const PAGE: &str = "public/plans/payments/v1.5.html";

fn publish(repo: &TestRepo, args: &[&str]) -> Run {
    publish_in(repo, repo.path(), args)
}

fn publish_in(repo: &TestRepo, dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["publish"];
    all.extend_from_slice(args);
    repo.run_in_env(dir, &[("SOURCE_DATE_EPOCH", EPOCH)], &all)
}

/// payments v1.4 (draft) and v1.5 (approved, tested, with comments in its front matter).
fn payments_repo() -> TestRepo {
    let repo = crate::harness::payments_repo(&[migration("0042_add_ledger_index")]);
    repo.edit(V15,
        "status = \"draft\"\n",
        "status = \"approved\"     # draft | approved | published\n# Reviewed by SRE on 2026-11-19.\n",
    );
    repo.edit(V15,
        "duration = \"45m\"\n",
        "duration = \"45m\"   # measured on staging\n[tested]\non = 2026-11-20\nresult = \"pass\"  # pass | fail\n",
    );
    // Trailing spaces, a tab and a line without a final newline must all survive.
    repo.edit(
        V15,
        "Post in #releases before and after.",
        "Post in #releases before and after.   \n\tIndented with a tab.",
    );
    let text = repo.read(V15);
    repo.write(V15, text.trim_end_matches('\n'));
    repo
}

fn head(repo: &TestRepo) -> String {
    repo.head().to_string()
}

#[test]
fn stamps_only_the_status_and_published_keys() {
    let repo = payments_repo();
    repo.commit("plans");
    let before = repo.read(V15);
    publish(&repo, &["v1.5"])
        .code(0)
        .stdout_has(&format!(
            "published payments/v1.5: set status = \"published\", [published] at = {AT}, commit = \"{}\" in {V15}",
            head(&repo)
        ))
        .stdout_has("wrote public/index.html")
        .stdout_has("wrote public/plans/payments/v1.5.html");
    let expected = before
        .replacen(
            "status = \"approved\"     # draft",
            "status = \"published\"     # draft",
            1,
        )
        .replacen(
            "result = \"pass\"  # pass | fail\n+++\n",
            &format!(
                "result = \"pass\"  # pass | fail\n[published]\nat = {AT}\ncommit = \"{}\"\n+++\n",
                head(&repo)
            ),
            1,
        );
    assert_ne!(expected, before);
    assert_eq!(repo.read(V15), expected);
    // The stamped plan still passes check.
    repo.run(&["check", "v1.5"]).code(0);
}

#[test]
fn republishing_replaces_the_stamp() {
    let repo = payments_repo();
    let first = repo.commit("plans");
    publish(&repo, &["v1.5"]).code(0);
    // Publishing again before committing the stamp is fine: only the stamp differs.
    publish(&repo, &["v1.5"]).code(0);
    assert_eq!(repo.read(V15).matches("[published]").count(), 1);
    repo.commit("publish v1.5");
    let second = head(&repo);
    assert_ne!(first, second);
    repo.run_in_env(
        repo.path(),
        &[("SOURCE_DATE_EPOCH", "1764090000")],
        &["publish", "v1.5"],
    )
    .code(0);
    let text = repo.read(V15);
    assert_eq!(text.matches("[published]").count(), 1);
    assert!(text.contains(&format!("commit = \"{second}\"")), "{text}");
    assert!(text.contains("at = 2025-11-25T17:00:00Z"), "{text}");
    assert!(!text.contains(&first));
}

#[test]
fn refuses_while_check_finds_errors() {
    let repo = payments_repo();
    repo.edit(V15, "## Decision\n", "## Decision\nTBD\n");
    repo.commit("plans");
    let before = repo.snapshot();
    publish(&repo, &["v1.5"])
        .code(1)
        .stdout_has("error[placeholder]")
        .stdout_has(&format!("--> {V15}:"))
        .stderr_has("refusing to publish payments/v1.5: check found 1 error; fix it and run `backout publish v1.5` again");
    publish(&repo, &["v1.5", "--dry-run"]).code(1);
    assert!(
        repo.snapshot() == before,
        "publish wrote files while refusing"
    );
    assert!(!repo.exists("public"));
}

#[test]
fn refuses_changes_that_are_not_committed() {
    let repo = payments_repo();
    repo.commit("plans");
    repo.edit(V15, "Rehearsed on staging.", "Rehearsed on staging twice.");
    let before = repo.snapshot();
    publish(&repo, &["v1.5"])
        .code(1)
        .stderr_has(&format!(
            "refusing to publish payments/v1.5: {V15} has changes that are not committed, so HEAD ("
        ))
        .stderr_has("commit it and run `backout publish v1.5` again");
    assert!(repo.snapshot() == before);

    repo.commit("edit");
    repo.edit(V15_MANIFEST, "version = \"2.4.0\"", "version = \"2.4.1\"");
    publish(&repo, &["v1.5"]).code(1).stderr_has(&format!(
        "{V15_MANIFEST} has changes that are not committed"
    ));
    repo.commit("manifest");
    publish(&repo, &["v1.5"]).code(0);
}

#[test]
fn refuses_a_plan_that_was_never_committed() {
    let repo = payments_repo();
    repo.write("README.md", "hello\n");
    let mut index = repo.git.index().unwrap_or_else(|e| panic!("index: {e}"));
    index
        .add_path(Path::new("README.md"))
        .unwrap_or_else(|e| panic!("add: {e}"));
    index.write().unwrap_or_else(|e| panic!("index: {e}"));
    // Commit only README.md: the plans stay untracked.
    let tree = repo
        .git
        .find_tree(index.write_tree().unwrap_or_else(|e| panic!("tree: {e}")))
        .unwrap_or_else(|e| panic!("tree: {e}"));
    let signature = git2::Signature::now("T", "t@example.com").unwrap_or_else(|e| panic!("{e}"));
    repo.git
        .commit(Some("HEAD"), &signature, &signature, "readme", &tree, &[])
        .unwrap_or_else(|e| panic!("commit: {e}"));
    publish(&repo, &["v1.5"]).code(1).stderr_has(&format!(
        "{V15} and {V15_MANIFEST} have changes that are not committed"
    ));
    assert!(!repo.exists("public"));
}

#[test]
fn needs_a_commit_to_stamp() {
    let repo = payments_repo();
    let before = repo.snapshot();
    publish(&repo, &["v1.5"])
        .code(2)
        .stderr_has("HEAD has no commit yet")
        .stderr_has(
            "commit plans/payments/v1.5/plan.md and run `backout publish payments/v1.5` again",
        );
    assert!(repo.snapshot() == before);
}

#[test]
fn bad_specs_and_missing_plans_are_usage_errors() {
    let repo = payments_repo();
    repo.commit("plans");
    publish(&repo, &["../v1.5"])
        .code(2)
        .stderr_has("is not a plan name");
    publish(&repo, &["v9"])
        .code(2)
        .stderr_has("there is no plan at plans/payments/v9/plan.md");
    repo.run_in_env(
        repo.path(),
        &[("SOURCE_DATE_EPOCH", "soon")],
        &["publish", "v1.5"],
    )
    .code(2)
    .stderr_has("SOURCE_DATE_EPOCH is \"soon\"");
    assert!(!repo.exists("public"));
}

#[test]
fn dry_run_says_what_it_would_do_and_writes_nothing() {
    let repo = payments_repo();
    repo.commit("plans");
    let before = repo.snapshot();
    publish(&repo, &["v1.5", "--dry-run"])
        .code(0)
        .stdout_has("dry run: nothing was written")
        .stdout_has(&format!(
            "would publish payments/v1.5: set status = \"published\", [published] at = {AT}, commit = \"{}\" in {V15}",
            head(&repo)
        ))
        .stdout_has("would write public/index.html")
        .stdout_has("would write public/plans/payments/v1.5.html")
        .stdout_lacks("wrote ");
    assert!(repo.snapshot() == before, "--dry-run wrote files");
}

#[test]
fn warns_when_a_published_plan_was_never_tested() {
    let repo = TestRepo::new();
    add_release(
        &repo,
        "payments",
        "v1.5",
        &[service("payments-api", "2.4.0", "2.3.1")],
    );
    repo.edit(V15, "status = \"draft\"", "status = \"approved\"");
    repo.commit("plans");
    publish(&repo, &["v1.5"])
        .code(0)
        .stdout_has("warning[untested]")
        .stdout_has("published payments/v1.5");
    let page = repo.read(PAGE);
    assert!(
        page.contains("<span class=\"warn\">Not tested</span>"),
        "{page}"
    );
}

/// Every team and release: payments v1.4 draft, v1.5 to publish, v1.6 without a plan;
/// checkout v2.0 approved, forked from payments/v1.4.
fn catalog_repo() -> TestRepo {
    let repo = payments_repo();
    repo.write(
        "plans/payments/v1.6/manifest.toml",
        manifest(
            "payments",
            "v1.6",
            &[service("payments-api", "2.5.0", "2.4.0")],
        ),
    );
    add_release(
        &repo,
        "checkout",
        "v2.0",
        &[service("checkout-web", "5.0.0", "4.9.2")],
    );
    repo.edit("plans/checkout/v2.0/plan.md",
        "status = \"draft\"\nwindow = \"72h\"\nduration = \"45m\"\n",
        "status = \"approved\"\nwindow = \"72h\"\nduration = \"45m\"\n[baseline]\nfrom = \"payments/v1.4\"\ncommit = \"89abcdef0123456789abcdef0123456789abcdef\"\n[tested]\non = 2026-10-01\nresult = \"fail\"\n",
    );
    repo
}

#[test]
fn index_lists_every_team_and_release() {
    let repo = catalog_repo();
    repo.commit("plans");
    publish(&repo, &["payments/v1.5"]).code(0);
    let index = repo.read("public/index.html");
    for needle in [
        "<h2>checkout</h2>",
        "<h2>payments</h2>",
        "<a href=\"plans/payments/v1.5.html\">v1.5</a>",
        "<span class=\"badge published\">Published</span>",
        "<tr><th scope=\"row\">v1.4</th><td><span class=\"badge draft\">Draft</span>",
        "<tr><th scope=\"row\">v1.6</th><td><span class=\"badge missing\">No plan</span>",
        "<tr><th scope=\"row\">v2.0</th><td><span class=\"badge approved\">Approved</span>",
        "2026-11-20 <span class=\"pass\">passed</span>",
        "2026-10-01 <span class=\"warn\">failed</span>",
        "payments/v1.4 <span class=\"muted\">at</span> <code title=\"89abcdef0123456789abcdef0123456789abcdef\">89abcdef0123</code>",
        "<td>72h</td><td>45m</td>",
        "1 published plan of 4 releases",
        "Generated 2025-11-25 16:00 UTC",
    ] {
        assert!(index.contains(needle), "index lacks {needle:?}:\n{index}");
    }
    // Newest release first within a team.
    let order: Vec<usize> = ["v1.6", "v1.5", "v1.4"]
        .iter()
        .map(|r| index.find(&format!(">{r}<")).unwrap_or(usize::MAX))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    // Only published plans get a page.
    assert!(!index.contains("href=\"plans/payments/v1.4.html\""));
    assert!(!repo.exists("public/plans/payments/v1.4.html"));
    assert!(!repo.exists("public/plans/checkout/v2.0.html"));
    assert_self_contained(&index);
}

/// The files of the page may not load anything or run anything.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; script-src 'none';"));
    for banned in [
        "<script", "<img", "<link", "<iframe", "<object", "<embed", "<base",
    ] {
        assert!(!html.contains(banned), "page has {banned:?}");
    }
    let style = html
        .split_once("<style>")
        .and_then(|(_, rest)| rest.split_once("</style>"))
        .map(|(style, _)| style)
        .unwrap_or_default();
    assert!(style.len() > 1000 && !style.contains("url(") && !style.contains("@import"));
    assert_eq!(html.matches("<style>").count(), 1);
}

#[test]
fn page_has_header_manifest_sections_and_checklist() {
    let repo = catalog_repo();
    repo.commit("plans");
    let commit = head(&repo);
    publish(&repo, &["payments/v1.5"]).code(0);
    let page = repo.read(PAGE);
    assert_self_contained(&page);
    for needle in [
        "<title>payments v1.5 backout plan</title>",
        "<h1><span class=\"team\">payments</span> <span class=\"release\">v1.5</span> <span class=\"badge published\">Published</span></h1>",
        "<dt>Rollback window</dt><dd>72h <span class=\"muted\">after deployment</span></dd>",
        "<dt>Expected duration</dt><dd>45m</dd>",
        "<dt>Who decides</dt><dd><p>The incident commander on call decides.</p>",
        "<dt>Tested</dt><dd>2026-11-20 <span class=\"pass\">passed</span></dd>",
        "<dt>Baseline</dt><dd><span class=\"muted\">none</span></dd>",
        &format!(
            "<dt>Published</dt><dd>2025-11-25 16:00 UTC <span class=\"muted\">from</span> <code title=\"{commit}\">{}</code></dd>",
            &commit[..12]
        ),
        "<strong class=\"flag\">1 irreversible</strong>",
        "<a href=\"../../index.html\">All backout plans</a>",
        // The manifest, the irreversible item marked.
        "<table class=\"manifest\">",
        "<tr><th scope=\"row\"><code>payments-api</code></th><td>service</td><td><code>2.4.0</code></td><td><code>2.3.1</code></td><td>yes</td></tr>",
        "<tr class=\"irreversible\"><th scope=\"row\"><code>0042_add_ledger_index</code></th><td>migration</td>",
        "<strong class=\"flag\">Irreversible</strong>",
        // Every section, in order, with its id.
        "<section class=\"section procedure\" id=\"procedure\">",
        // The checklist: a checkbox and a number per step, commands as code.
        "<ol class=\"checklist\">",
        "<li class=\"step\" id=\"step-1\"><input type=\"checkbox\" class=\"tick\" id=\"done-1\" aria-label=\"Step 1 done\"><label class=\"num\" for=\"done-1\">1</label><div class=\"step-body\">Roll back <code>payments-api</code> to 2.3.1: <code>deploy payments-api 2.3.1</code>",
        "<li class=\"step\" id=\"step-2\">",
        &format!("Published from commit <code>{commit}</code>"),
        "@media print{",
        "<a href=\"https://wiki.example.com/bcp\">BCP</a>",
    ] {
        assert!(page.contains(needle), "page lacks {needle:?}:\n{page}");
    }
    assert!(!page.contains("step-3"));
    let sections = [
        "criteria",
        "decision",
        "responsibilities",
        "procedure",
        "verification",
        "communication",
        "contingencies",
        "testing",
    ];
    let positions: Vec<usize> = sections
        .iter()
        .map(|id| {
            page.find(&format!(" id=\"{id}\">"))
                .unwrap_or_else(|| panic!("no section {id}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
    assert!(page.contains("Post in #releases before and after.<br />\nIndented with a tab."));
}

#[test]
fn out_is_resolved_from_the_current_directory() {
    let repo = payments_repo();
    repo.commit("plans");
    // Default: public/ at the repository root, wherever backout runs.
    publish_in(&repo, &repo.join("plans/payments"), &["v1.5"])
        .code(0)
        .stdout_has("wrote public/index.html")
        .stdout_has("then host public/ (see");
    assert!(repo.exists(PAGE));
    // A relative --out is taken from the current directory, like any other CLI.
    repo.write("docs/.keep", "");
    publish_in(&repo, &repo.join("docs"), &["v1.5", "--out", "site"])
        .code(0)
        .stdout_has("wrote docs/site/index.html");
    assert!(repo.exists("docs/site/plans/payments/v1.5.html"));
    publish_in(&repo, &repo.join("docs"), &["v1.5", "--out", "../www/"])
        .code(0)
        .stdout_has("wrote www/plans/payments/v1.5.html");
    // -C counts as the current directory.
    repo.run_in_env(
        repo.path(),
        &[("SOURCE_DATE_EPOCH", EPOCH)],
        &["-C", "docs", "publish", "v1.5", "--out", "c"],
    )
    .code(0);

    assert!(repo.exists("docs/c/index.html"));
    // An absolute --out outside the repository is shown as it is.
    let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = outside.path().join("site");
    let out_text = out.display().to_string();
    publish(&repo, &["v1.5", "--out", &out_text])
        .code(0)
        .stdout_has(&format!("wrote {out_text}/index.html"));
    assert!(out.join("plans/payments/v1.5.html").exists());
}

#[test]
fn never_writes_outside_out_or_over_foreign_files() {
    let repo = payments_repo();
    repo.commit("plans");
    let plan = repo.read(V15);
    // A file publish did not write is never replaced.
    repo.write("public/index.html", "<html>my own page</html>\n");
    let before = repo.snapshot();
    publish(&repo, &["v1.5"])
        .code(2)
        .stderr_has("public/index.html exists and was not written by backout publish; move it away or choose another --out");
    assert!(repo.snapshot() == before);
    repo.remove("public");

    // Symlinks inside the output directory are not followed.
    let elsewhere = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(repo.join("public")).unwrap_or_else(|e| panic!("{e}"));
    symlink(elsewhere.path(), &repo.join("public/plans"));
    publish(&repo, &["v1.5"]).code(2).stderr_has("is a symlink");
    assert_eq!(
        std::fs::read_dir(elsewhere.path()).map(|d| d.count()).ok(),
        Some(0)
    );
    assert_eq!(repo.read(V15), plan);
    repo.remove("public/plans");

    // The output cannot be the plans directory or .git.
    publish(&repo, &["v1.5", "--out", "plans/site"])
        .code(2)
        .stderr_has("--out plans/site is inside the plans directory plans/");
    publish(&repo, &["v1.5", "--out", ".git/site"])
        .code(2)
        .stderr_has("inside .git");
    // The repository root as --out would put pages into plans/.
    publish(&repo, &["v1.5", "--out", "."]).code(2).stderr_has(
        "refusing to write plans/payments/v1.5.html: it would be inside the plans directory plans/",
    );
    publish(&repo, &["v1.5", "--out", "backout.toml"])
        .code(2)
        .stderr_has("--out backout.toml is a file, not a directory");
    assert!(!repo.exists("plans/site") && !repo.exists(".git/site"));
    assert!(!repo.exists("index.html") && !repo.exists("plans/payments/v1.5.html"));

    // Publishing over its own earlier output is fine.
    publish(&repo, &["v1.5"]).code(0);
    publish(&repo, &["v1.5"]).code(0);
}

#[test]
fn bad_directory_names_never_become_paths() {
    let repo = payments_repo();
    repo.write("plans/payments/..v2/plan.md", "x");
    repo.write("plans/bad team/v1/plan.md", "x");
    repo.commit("plans");
    publish(&repo, &["v1.5"]).code(0);
    let mut files: Vec<String> = repo
        .snapshot()
        .into_iter()
        .map(|(path, _)| path)
        .filter(|p| p.starts_with("public"))
        .collect();
    files.sort();
    assert_eq!(files, ["public/index.html", PAGE]);
    let index = repo.read("public/index.html");
    assert!(!index.contains("bad team") && !index.contains("..v2"));
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap_or_else(|e| panic!("symlink: {e}"));
}

#[cfg(not(unix))]
fn symlink(_: &Path, _: &Path) {}

/// Hostile Markdown a pull request could carry, placed in the Criteria of a plan that
/// otherwise passes check.
const HOSTILE: &str = r#"
<script>document.title='PWNED';document.body.insertAdjacentHTML('beforeend','<p id=pwned>ran</p>')</script>

<img src=x onerror="document.body.setAttribute('data-pwned','1')">

<div onmouseover="document.title='PWNED'">hover me</div>

<iframe src="https://evil.example/"></iframe>

<object data="https://evil.example/x.swf"></object>

<style>body{display:none}</style>

<meta http-equiv="refresh" content="0;url=https://evil.example/">

Inline <b onclick="document.title='PWNED'">bold</b>, <svg onload="document.title='PWNED'"></svg>, <a href="javascript:alert(1)">raw link</a>.

Links: [js](javascript:alert(1)), [mixed](JaVaScRiPt:alert(1)), [entity](java&#115;cript:alert(1)), [hex](&#x6A;avascript:alert(1)), [tab](<java	script:alert(1)>), [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==), [vb](vbscript:msgbox(1)), [VB](VBScript:msgbox(1)), [ref][bad], <javascript:alert(1)>, <data:text/html,x>, and a good one <https://ok.example/auto>.

Images: ![pixel](https://evil.example/pixel.png) ![js](javascript:alert(1)) ![data](data:image/svg+xml;base64,PHN2Zz4=)

<!-- --><script>document.title='PWNED'</script><!-- -->

<!-- <img src=x onerror="document.title='PWNED'"> -->

<!--><img src=x onerror="document.body.setAttribute('data-pwned','1')">

Title attribute: [t](https://ok.example "a&quot; onmouseover=&quot;alert(1)")

[bad]: javascript:alert(1)
"#;

fn hostile_repo() -> TestRepo {
    let repo = payments_repo();
    repo.edit(
        V15,
        "Error rate above 2% for 10 minutes after deployment.\n",
        &format!("Error rate above 2% for 10 minutes after deployment.\n{HOSTILE}"),
    );
    // A drill record from the same pull request, with markup for a name and a place.
    repo.write(
        "plans/payments/v1.5/drills/2025-11-20T09-00-00Z.toml",
        HOSTILE_DRILL,
    );
    repo.commit("hostile plan");
    repo
}

const HOSTILE_DRILL: &str = r#"kind = "incident"
by = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"
env = "<script>document.title='PWNED'</script>"
started = 2025-11-20T09:00:00Z
finished = 2025-11-20T09:52:00Z
result = "pass"
procedure = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

[[steps]]
number = 1
text = "Roll back"
outcome = "done"
at = 2025-11-20T09:52:00Z
"#;

/// Start tags and their attribute names and values, read as a browser tokenises them.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let tag = rest[..end].to_ascii_lowercase();
        rest = &rest[end..];
        let mut attributes = Vec::new();
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
            if rest.is_empty() || rest.starts_with('>') {
                break;
            }
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '=' || c == '>')
                .unwrap_or(rest.len());
            let name = rest[..end].to_ascii_lowercase();
            rest = &rest[end..];
            let mut value = String::new();
            if let Some(after) = rest.strip_prefix('=') {
                let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'');
                let body = &after[quote.map_or(0, |_| 1)..];
                let end = match quote {
                    Some(q) => body.find(q).unwrap_or(body.len()),
                    None => body
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(body.len()),
                };
                value = body[..end].replace("&quot;", "\"").replace("&amp;", "&");
                rest = &body[(end + quote.map_or(0, |_| 1)).min(body.len())..];
            }
            attributes.push((name, value));
        }
        out.push((tag, attributes));
    }
    out
}

fn assert_inert(html: &str) {
    assert_self_contained(html);
    let allowed_tags = [
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "div",
        "header",
        "nav",
        "main",
        "footer",
        "section",
        "p",
        "a",
        "span",
        "code",
        "pre",
        "strong",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "ul",
        "ol",
        "li",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "br",
        "dl",
        "dt",
        "dd",
        "input",
        "label",
        "sup",
        "del",
        "blockquote",
        "hr",
    ];
    for (tag, attributes) in tags(html) {
        assert!(allowed_tags.contains(&tag.as_str()), "page has <{tag}>");
        for (name, value) in attributes {
            assert!(!name.starts_with("on"), "<{tag}> has {name}={value:?}");
            assert!(
                !["src", "style", "srcdoc", "formaction", "action"].contains(&name.as_str()),
                "<{tag}> has {name}"
            );
            if name == "href" {
                let scheme = value.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
                let relative = value.starts_with(['#', '.', '/']) || !value.contains(':');
                assert!(
                    relative || matches!(scheme.as_deref(), Some("http" | "https" | "mailto")),
                    "<{tag}> links to {value:?}"
                );
            }
            if name == "http-equiv" {
                assert_eq!(value, "Content-Security-Policy");
            }
        }
    }
}

#[test]
fn hostile_markdown_is_inert_on_the_page() {
    let repo = hostile_repo();
    publish(&repo, &["v1.5"]).code(0);
    let page = repo.read(PAGE);
    assert_inert(&page);
    assert_inert(&repo.read("public/index.html"));
    for needle in [
        // Raw HTML is shown as text, so a reviewer sees what the plan tried.
        "&lt;script&gt;document.title=",
        "&lt;img src=x onerror=",
        "Inline &lt;b onclick=",
        // Unsafe links keep their text and lose their link.
        "<span class=\"removed\" title=\"link removed: only http, https, mailto and relative links are kept\">js</span>",
        ">entity</span>",
        ">hex</span>",
        ">data</span>",
        ">vb</span>",
        ">VB</span>",
        ">ref</span>",
        "<a href=\"https://ok.example/auto\">https://ok.example/auto</a>",
        // Images are links to the image, never loaded.
        "<a href=\"https://evil.example/pixel.png\"><span class=\"kind\">image</span> pixel</a>",
    ] {
        assert!(page.contains(needle), "page lacks {needle:?}:\n{page}");
    }
    // What an HTML comment hid is gone, not shown and not live.
    assert!(!page.contains("&lt;!--"));
}

// ---------------------------------------------------------------------------------------
// The page in a real browser.

/// Debian's chromium: /usr/bin/chromium, or `chromium` on PATH.
fn chromium() -> Option<PathBuf> {
    // BACKOUT_CHROMIUM names another Chromium or Chrome binary (as GitHub's setup-chrome gives).
    if let Some(path) = std::env::var_os("BACKOUT_CHROMIUM").map(PathBuf::from) {
        return path.is_file().then_some(path);
    }
    let fixed = PathBuf::from("/usr/bin/chromium");

    if fixed.is_file() {
        return Some(fixed);
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("chromium"))
            .find(|candidate| candidate.is_file())
    })
}

/// Runs headless chromium with `args` (fresh profile, no network chatter) and returns
/// its standard output.
fn browse(browser: &Path, args: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let profile_arg = format!("--user-data-dir={}", profile.path().display());
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            &profile_arg,
        ])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", browser.display()));
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            _ => {
                let _ = child.kill();
                panic!("chromium did not finish within 90 s: {args:?}");
            }
        }
    }
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("chromium: {e}"));
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn dump_dom(browser: &Path, file: &Path) -> String {
    let url = format!("file://{}", file.display());
    browse(browser, &["--virtual-time-budget=3000", "--dump-dom", &url])
}

fn browser_or_skip() -> Option<PathBuf> {
    let browser = chromium();
    if browser.is_none() {
        assert!(
            std::env::var("BACKOUT_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "BACKOUT_REQUIRE_BROWSER=1 but chromium is not installed: apt-get install -y chromium"
        );
        eprintln!(
            "note: skipping the browser check: chromium is not installed (apt-get install -y chromium)"
        );
    }
    browser
}

#[test]
fn browser_shows_the_checklist_and_runs_no_plan_script() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let repo = hostile_repo();
    publish(&repo, &["v1.5"]).code(0);
    let page = repo.join(PAGE);

    // The control: this browser does run scripts and load-error handlers, so the
    // checks below would see them if the page let them through.
    let control = repo.join("control.html");
    std::fs::write(
        &control,
        "<!DOCTYPE html><html><head><title>control</title></head><body><script>document.title='PWNED';document.body.insertAdjacentHTML('beforeend','<p id=pwned>ran</p>')</script><img src=x onerror=\"document.body.setAttribute('data-pwned','1')\"></body></html>",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dom = dump_dom(&browser, &control);
    assert!(
        dom.contains("<title>PWNED</title>"),
        "the control script did not run:\n{dom}"
    );
    assert!(dom.contains("<p id=\"pwned\">ran</p>"), "{dom}");
    assert!(dom.contains("data-pwned=\"1\""), "{dom}");

    let dom = dump_dom(&browser, &page);
    assert_rendered_and_inert(&dom);

    // Defence in depth: without the Content-Security-Policy the escaping alone holds.
    let bare = repo.join("public/plans/payments/bare.html");
    let html = std::fs::read_to_string(&page).unwrap_or_default();
    let csp = html
        .lines()
        .find(|l| l.contains("Content-Security-Policy"))
        .unwrap_or_default()
        .to_string();
    assert!(!csp.is_empty());
    std::fs::write(&bare, html.replace(&csp, "")).unwrap_or_else(|e| panic!("{e}"));
    let dom = dump_dom(&browser, &bare);
    assert!(!dom.contains("Content-Security-Policy"));
    assert_rendered_and_inert(&dom);
}

fn assert_rendered_and_inert(dom: &str) {
    for needle in [
        "<title>payments v1.5 backout plan</title>",
        "<ol class=\"checklist\">",
        "<li class=\"step\" id=\"step-1\"><input type=\"checkbox\" class=\"tick\" id=\"done-1\"",
        "<li class=\"step\" id=\"step-2\">",
        "<table class=\"manifest\">",
        "<tr class=\"irreversible\">",
        "<code>0042_add_ledger_index</code>",
        // The last drill: a real backout, its names shown as text, slower than planned.
        "<dt>Last drill</dt><dd><span class=\"used\">Used for real</span> 2025-11-20 09:00 UTC <span class=\"muted\">by</span> &lt;img src=x onerror=\"document.body.setAttribute('data-pwned','1')\"&gt; <span class=\"muted\">on</span> &lt;script&gt;document.title='PWNED'&lt;/script&gt;; took <span class=\"warn\">52m</span>, longer than the planned 45m<br><span class=\"warn\">The procedure changed since.</span></dd>",
    ] {
        assert!(
            dom.contains(needle),
            "the browser's DOM lacks {needle:?}:\n{dom}"
        );
    }
    for effect in [
        "<title>PWNED",
        "id=\"pwned\"",
        "data-pwned=\"1\"",
        "<iframe",
        "<img",
        "<svg",
    ] {
        assert!(
            !dom.contains(effect),
            "a plan's markup ran in the browser ({effect}):\n{dom}"
        );
    }
}

/// The sample plan of docs/publish.md and its screenshot.
fn sample_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    add_release(
        &repo,
        "payments",
        "v1.4",
        &[service("payments-api", "2.3.1", "2.3.0")],
    );
    repo.write(
        V15_MANIFEST,
        r#"team = "payments"
release = "v1.5"

[[items]]
id = "payments-api"
kind = "service"
version = "2.4.0"
previous = "2.3.1"

[[items]]
id = "ledger-worker"
kind = "service"
version = "1.8.0"
previous = "1.7.2"

[[items]]
id = "checkout-new-flow"
kind = "flag"

[[items]]
id = "0042_add_ledger_index"
kind = "migration"
reversible = false
"#,
    );
    repo.write(V15, SAMPLE_PLAN);
    repo.commit("payments v1.5 plan");
    repo
}

const SAMPLE_PLAN: &str = r#"+++
team = "payments"
release = "v1.5"
status = "approved"     # draft | approved | published
refers = []
window = "72h"          # how long after deployment a rollback is still possible
duration = "45m"        # expected time to complete the rollback
[baseline]
from = "payments/v1.4"
commit = "5f0c1e2d3b4a59687766554433221100ffeeddcc"
[tested]
on = 2026-11-20
result = "pass"         # pass | fail
+++

# Backout plan: payments v1.5

## Criteria
<!-- Under what circumstances is a rollback required? When is the deployment a success? -->
Roll back when any of these holds for 10 minutes within the window:

- checkout error rate above **2%** ([Payments overview](https://grafana.example.com/d/payments))
- p99 latency of `payments-api` above 800 ms
- ledger lag above 5 minutes

The release is a success after 72 hours without any of them.

## Decision
The **incident commander** on call decides (PagerDuty schedule `payments-ic`); if they cannot be reached within 10 minutes, the head of payments engineering.

## Responsibilities
The release engineer on call rolls back within 15 minutes of the decision; the DBA on call joins for the migration step.

## Procedure
### Stop the damage
1. Turn the new checkout flow off: `flagctl set checkout-new-flow off`
2. Announce the rollback in #payments-incidents ([message template](https://wiki.example.com/payments/comms)).

### Roll back
3. Roll back `payments-api` to 2.3.1:
   ```sh
   kubectl -n payments rollout undo deployment/payments-api
   kubectl -n payments rollout status deployment/payments-api --timeout=10m
   ```
4. Roll back `ledger-worker` to 1.7.2: `deploy ledger-worker 1.7.2`
5. Leave the migration `0042_add_ledger_index` in place (the old version ignores the index); confirm with `psql -c '\d ledger_entries'`.

## Verification
Run the smoke suite, then watch the dashboard for 15 minutes:

```sh
make -C ops smoke ENV=prod
```

## Communication
| When | Who | Channel |
|------|-----|---------|
| Before | Support leads | #support-escalations |
| After | Everyone | Status page and #payments |

## Contingencies
If the rollback fails, fail over to the standby region ([BCP](https://wiki.example.com/bcp)). `0042_add_ledger_index` cannot be undone online: if it blocks writes, restore `ledger_entries` from the nightly snapshot.

## Testing
Rehearsed on staging on 2026-11-20: the full rollback took 38 minutes.
"#;

#[test]
fn sample_plan_publishes_cleanly() {
    let repo = sample_repo();
    publish(&repo, &["v1.5"]).code(0).stdout_lacks("warning");
    let page = repo.read(PAGE);
    assert_inert(&page);
    assert_eq!(page.matches("<li class=\"step\"").count(), 5);
    assert!(page.contains("<h3>Stop the damage</h3>\n<ol class=\"checklist\">"));
    assert!(page.contains("<pre><code class=\"language-sh\">kubectl -n payments rollout undo deployment/payments-api\n"));
    assert!(page.contains("<dt>Manifest</dt><dd><a href=\"#manifest\">4 items</a>, <strong class=\"flag\">1 irreversible</strong></dd>"));
    // Set BACKOUT_SCREENSHOT=<file.png> to refresh docs/publish-screenshot.png.
    if let Ok(target) = std::env::var("BACKOUT_SCREENSHOT") {
        let Some(browser) = browser_or_skip() else {
            return;
        };
        let url = format!("file://{}", repo.join(PAGE).display());
        let shot = format!("--screenshot={target}");
        browse(&browser, &[&shot, "--window-size=1200,2200", &url]);
        assert!(Path::new(&target).is_file());
    }
}

/// A passing drill record of the given kind, with no markup.
fn drill_record(kind: &str, day: &str) -> String {
    format!(
        "kind = \"{kind}\"\nby = \"Dana\"\nenv = \"staging\"\nstarted = {day}T09:00:00Z\nfinished = {day}T09:40:00Z\nresult = \"pass\"\nprocedure = \"sha256:{}\"\n\n[[steps]]\nnumber = 1\ntext = \"Roll back\"\noutcome = \"done\"\nat = {day}T09:40:00Z\n",
        "0".repeat(64)
    )
}

#[test]
fn index_shows_the_drills_of_every_other_plan_in_its_own_row() {
    let repo = catalog_repo();
    repo.write(
        "plans/checkout/v2.0/drills/2025-11-20T09-00-00Z.toml",
        drill_record("drill", "2025-11-20"),
    );
    repo.write(
        "plans/payments/v1.4/drills/2025-11-21T09-00-00Z.toml",
        drill_record("incident", "2025-11-21"),
    );
    repo.commit("plans and drills");
    publish(&repo, &["payments/v1.5"]).code(0);
    let index = repo.read("public/index.html");
    let row = |release: &str| {
        index
            .lines()
            .find(|line| line.starts_with(&format!("<tr><th scope=\"row\">{release}<")))
            .or_else(|| {
                index
                    .lines()
                    .find(|line| line.contains(&format!(">{release}</a></th>")))
            })
            .unwrap_or_else(|| panic!("no row for {release}:\n{index}"))
            .to_string()
    };
    assert!(
        row("v2.0").contains("drill 2025-11-20 <span class=\"pass\">passed</span>"),
        "{}",
        row("v2.0")
    );
    assert!(
        row("v1.4").contains("used for real 2025-11-21 <span class=\"pass\">passed</span>"),
        "{}",
        row("v1.4")
    );
    for release in ["v1.5", "v1.6"] {
        assert!(!row(release).contains("drill"), "{}", row(release));
        assert!(!row(release).contains("used for real"), "{}", row(release));
    }
}
