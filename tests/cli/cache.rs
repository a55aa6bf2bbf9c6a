//! The cache of manifest ids and plan front matter (docs/performance.md): kept outside the
//! repository, never serving a file that changed, rebuilt when damaged, safe with runs side
//! by side, and no error where it cannot be written. Output is the same with it and without.
//!
//! A file is only cached once it is settled (its last change more than a second before the
//! run, git's "racily clean" rule), so the tests that need cache entries wait that second.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::harness::{Run, TestRepo, add_release, manifest, service};

const V14_MANIFEST: &str = "plans/payments/v1.4/manifest.toml";
const V14: &str = "plans/payments/v1.4/plan.md";
const V15: &str = "plans/payments/v1.5/plan.md";
const FOREIGN: &str =
    "error[foreign-item]: `ledger-worker` belongs to payments/v1.4, not to payments/v1.5";

/// payments v1.4 (with `ledger-worker`) and v1.5, whose plan names `ledger-worker` too: a
/// `foreign-item` that only v1.4's manifest, read through the cache, can tell.
fn payments_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    add_release(
        &repo,
        "payments",
        "v1.4",
        &[
            service("payments-api", "2.3.1", "2.3.0"),
            service("ledger-worker", "1.1.0", "1.0.0"),
        ],
    );
    add_release(
        &repo,
        "payments",
        "v1.5",
        &[service("payments-api", "2.4.0", "2.3.1")],
    );
    repo.edit(
        V15,
        "## Verification\n",
        "## Verification\nWatch the `ledger-worker` queue drain.\n",
    );
    repo
}

/// `payments_repo` with v1.6 added, and v1.5 (no longer naming `ledger-worker`) and v1.6
/// approved and tested: ready to publish, not committed.
fn publishable_repo() -> TestRepo {
    let repo = payments_repo();
    add_release(
        &repo,
        "payments",
        "v1.6",
        &[service("payments-api", "2.5.0", "2.4.0")],
    );
    repo.edit(
        V15,
        "Watch the `ledger-worker` queue drain.\n",
        "Watch the queue drain.\n",
    );
    for plan in [V15, "plans/payments/v1.6/plan.md"] {
        repo.set_status_tested(plan, "approved");
    }
    repo
}

/// Edits a file and puts its modification time back (its size kept by the caller).
fn edit_keeping_mtime(repo: &TestRepo, file: &str, from: &str, to: &str) {
    let path = repo.join(file);
    let modified = fs::metadata(&path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("mtime: {e}"));
    repo.edit(file, from, to);
    fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|file| file.set_modified(modified))
        .unwrap_or_else(|e| panic!("set mtime: {e}"));
}

/// Waits until every file written so far is settled (changed over a second ago).
fn settle() {
    std::thread::sleep(Duration::from_millis(1300));
}

/// Runs backout with its cache in `cache` (as `XDG_CACHE_HOME`) and more variables.
fn run(repo: &TestRepo, cache: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let dir = cache.to_string_lossy().into_owned();
    let mut all = vec![("XDG_CACHE_HOME", dir.as_str())];
    all.extend_from_slice(env);
    repo.run_in_env(repo.path(), &all, args)
}

/// The files in the cache directory (`backout/` under `XDG_CACHE_HOME`).
fn cache_files(cache: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(cache.join("backout"))
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// The one cache file of the work tree (not its `.trees` file), which must exist.
#[track_caller]
fn cache_file(cache: &Path) -> PathBuf {
    let files: Vec<PathBuf> = cache_files(cache)
        .into_iter()
        .filter(|file| !is_trees(file))
        .collect();
    assert_eq!(
        files.len(),
        1,
        "one cache file, no temporary ones: {files:?}"
    );
    files[0].clone()
}

fn is_trees(file: &Path) -> bool {
    file.extension().is_some_and(|ext| ext == "trees")
}

/// The file of team listings read from git, which must exist.
#[track_caller]
fn trees_file(cache: &Path) -> PathBuf {
    let files: Vec<PathBuf> = cache_files(cache)
        .into_iter()
        .filter(|file| is_trees(file))
        .collect();
    assert_eq!(files.len(), 1, "one file of listings: {files:?}");
    files[0].clone()
}

fn holds(file: &Path, needle: &str) -> bool {
    let bytes = fs::read(file).unwrap_or_default();
    bytes
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

fn same(a: &Run, b: &Run) {
    assert_eq!(
        a.code, b.code,
        "{}\n{}\n{}\n{}",
        a.stdout, a.stderr, b.stdout, b.stderr
    );
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.stderr, b.stderr);
}

#[test]
fn the_cache_is_kept_outside_the_repository_and_changes_no_output() {
    let repo = payments_repo();
    repo.commit("plans");
    settle();
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let before = repo.snapshot();

    let without = run(&repo, cache.path(), &[], &["--no-cache", "check", "v1.5"]);
    without.code(1).stdout_has(FOREIGN);
    assert!(
        cache_files(cache.path()).is_empty(),
        "--no-cache wrote a cache"
    );
    let off = run(
        &repo,
        cache.path(),
        &[("BACKOUT_NO_CACHE", "1")],
        &["check", "v1.5"],
    );
    same(&without, &off);
    assert!(
        cache_files(cache.path()).is_empty(),
        "BACKOUT_NO_CACHE wrote a cache"
    );

    // The first run fills the cache, the second reads it: the same findings both times.
    let filling = run(&repo, cache.path(), &[], &["check", "v1.5"]);
    same(&without, &filling);
    let file = cache_file(cache.path());
    assert!(holds(&file, "ledger-worker"), "the ids are cached");
    let cached = run(&repo, cache.path(), &[], &["check", "v1.5"]);
    same(&without, &cached);
    // A value the variable does not take as true leaves the cache on.
    let on = run(
        &repo,
        cache.path(),
        &[("BACKOUT_NO_CACHE", "0")],
        &["check", "v1.5"],
    );
    same(&without, &on);
    for args in [
        &["check"][..],
        &["check", "--format", "json"],
        &["list"],
        &["baseline", "v1.5", "--from", "v1.4", "--dry-run"],
    ] {
        let mut no_cache = vec!["--no-cache"];
        no_cache.extend_from_slice(args);
        let expected = run(&repo, cache.path(), &[], &no_cache);
        same(&expected, &run(&repo, cache.path(), &[], args));
        same(&expected, &run(&repo, cache.path(), &[], args));
    }
    assert_eq!(
        repo.snapshot(),
        before,
        "a read-only command wrote in the work tree"
    );
    cache_file(cache.path());
}

#[test]
fn a_manifest_changed_without_its_size_or_modification_time_is_read_again() {
    let repo = payments_repo();
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    // Files changed within the last second are not trusted to the cache yet: an edit in the
    // same tick of the clock could leave every stamp as it was.
    run(&repo, cache.path(), &[], &["check", "v1.5"])
        .code(1)
        .stdout_has(FOREIGN);
    let unsettled = cache_files(cache.path());
    assert!(
        unsettled.iter().all(|file| !holds(file, "ledger-worker")),
        "a file changed just now was cached"
    );
    settle();
    run(&repo, cache.path(), &[], &["check", "v1.5"])
        .code(1)
        .stdout_has(FOREIGN);
    assert!(holds(&cache_file(cache.path()), "ledger-worker"));

    // Rename the item in place, same length, and put the modification time back.
    let path = repo.join(V14_MANIFEST);
    let metadata = fs::metadata(&path).unwrap_or_else(|e| panic!("stat: {e}"));
    let modified = metadata.modified().unwrap_or_else(|e| panic!("mtime: {e}"));
    let text = repo
        .read(V14_MANIFEST)
        .replace("ledger-worker", "ledger-wurker");
    let file = fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("open: {e}"));
    std::io::Write::write_all(&mut &file, text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    file.set_modified(modified)
        .unwrap_or_else(|e| panic!("set mtime: {e}"));
    drop(file);
    let after = fs::metadata(&path).unwrap_or_else(|e| panic!("stat: {e}"));
    assert_eq!(after.len(), metadata.len());
    assert_eq!(after.modified().ok(), Some(modified));

    let run_after = run(&repo, cache.path(), &[], &["check", "v1.5"]);
    run_after.stdout_lacks("belongs to payments/v1.4");
    same(
        &run(&repo, cache.path(), &[], &["--no-cache", "check", "v1.5"]),
        &run_after,
    );
}

#[test]
fn the_index_of_publish_shows_another_plan_as_it_is_now() {
    let repo = publishable_repo();
    repo.commit("plans");
    settle();
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let epoch = [("SOURCE_DATE_EPOCH", "1764086400")];
    run(&repo, cache.path(), &epoch, &["publish", "v1.5"]).code(0);
    assert!(repo.read("public/index.html").contains("<td>72h</td>"));
    assert!(
        holds(&cache_file(cache.path()), "72h"),
        "v1.4's window is cached"
    );

    // v1.4's window changes in place, its size and modification time kept.
    edit_keeping_mtime(&repo, V14, "window = \"72h\"", "window = \"48h\"");
    repo.commit("v1.4: a shorter window");
    run(&repo, cache.path(), &epoch, &["publish", "v1.6"]).code(0);
    let index = repo.read("public/index.html");
    assert!(index.contains("<td>48h</td>"), "{index}");
}

#[test]
fn a_damaged_cache_file_is_ignored_and_rebuilt() {
    let repo = payments_repo();
    settle();
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let expected = run(&repo, cache.path(), &[], &["check", "v1.5"]);
    expected.code(1).stdout_has(FOREIGN);
    let file = cache_file(cache.path());
    let good = fs::read(&file).unwrap_or_else(|e| panic!("read: {e}"));
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x20;
    let damaged: [(&str, Vec<u8>); 5] = [
        ("empty", Vec::new()),
        ("cut short", good[..good.len() / 3].to_vec()),
        ("one byte changed", flipped),
        ("text", b"payments/v1.4 ledger-worker\n".to_vec()),
        ("zeros", vec![0; good.len()]),
    ];
    for (what, bytes) in damaged {
        fs::write(&file, &bytes).unwrap_or_else(|e| panic!("write: {e}"));
        same(
            &expected,
            &run(&repo, cache.path(), &[], &["check", "v1.5"]),
        );
        let rebuilt = fs::read(cache_file(cache.path())).unwrap_or_default();
        assert!(rebuilt.starts_with(b"bkcache"), "{what}: not rebuilt");
        assert!(holds(&file, "ledger-worker"), "{what}: not rebuilt");
    }
    // A directory where the file should be: no error, and no cache.
    fs::remove_file(&file).unwrap_or_else(|e| panic!("rm: {e}"));
    fs::create_dir(&file).unwrap_or_else(|e| panic!("mkdir: {e}"));
    same(
        &expected,
        &run(&repo, cache.path(), &[], &["check", "v1.5"]),
    );
}

#[test]
fn runs_side_by_side_each_leave_a_whole_cache() {
    let repo = payments_repo();
    for release in ["v1.6", "v1.7", "v1.8"] {
        add_release(
            &repo,
            "checkout",
            release,
            &[service("checkout-web", "3.0.0", "2.9.0")],
        );
    }
    settle();
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let dir = cache.path().to_string_lossy().into_owned();
    let env = [("XDG_CACHE_HOME", dir.as_str())];
    let expected = [
        run(&repo, cache.path(), &[], &["--no-cache", "check", "v1.5"]),
        run(&repo, cache.path(), &[], &["--no-cache", "check"]),
    ];
    for _ in 0..3 {
        let children: Vec<_> = (0..6)
            .map(|i| {
                let args: &[&str] = if i % 2 == 0 {
                    &["check", "v1.5"]
                } else {
                    &["check"]
                };
                (i % 2, repo.spawn(&env, args))
            })
            .collect();
        for (which, child) in children {
            let output = child
                .wait_with_output()
                .unwrap_or_else(|e| panic!("wait: {e}"));
            assert_eq!(output.status.code(), Some(expected[which].code));
            assert_eq!(
                String::from_utf8_lossy(&output.stdout),
                expected[which].stdout
            );
        }
        let file = cache_file(cache.path());
        assert!(holds(&file, "ledger-worker") && holds(&file, "checkout-web"));
    }
    same(
        &expected[0],
        &run(&repo, cache.path(), &[], &["check", "v1.5"]),
    );
}

#[test]
fn a_cache_directory_that_cannot_be_written_is_no_error() {
    let repo = payments_repo();
    settle();
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let expected = run(&repo, home.path(), &[], &["--no-cache", "check", "v1.5"]);
    expected.code(1).stdout_has(FOREIGN);

    // A file where the cache directory would be.
    let blocked = home.path().join("blocked");
    fs::create_dir(&blocked).unwrap_or_else(|e| panic!("mkdir: {e}"));
    fs::write(blocked.join("backout"), "not a directory").unwrap_or_else(|e| panic!("{e}"));
    same(&expected, &run(&repo, &blocked, &[], &["check", "v1.5"]));
    same(&expected, &run(&repo, &blocked, &[], &["check", "v1.5"]));

    // A read-only cache directory holding a cache written before, and a manifest that is
    // not in it: read, never written (root writes all the same; the output is the one
    // without a cache either way).
    let read_only = home.path().join("read-only");
    run(&repo, &read_only, &[], &["check", "v1.5"]);
    let file = cache_file(&read_only);
    repo.write(
        "plans/checkout/v2.0/manifest.toml",
        manifest(
            "checkout",
            "v2.0",
            &[service("checkout-web", "3.0.0", "2.9.0")],
        ),
    );
    settle();
    let expected = run(&repo, home.path(), &[], &["--no-cache", "check", "v1.5"]);
    set_read_only(&read_only.join("backout"), true);
    same(&expected, &run(&repo, &read_only, &[], &["check", "v1.5"]));
    same(&expected, &run(&repo, &read_only, &[], &["check", "v1.5"]));
    set_read_only(&read_only.join("backout"), false);
    assert!(holds(&file, "ledger-worker"));
}

#[cfg(unix)]
fn set_read_only(dir: &Path, read_only: bool) {
    use std::os::unix::fs::PermissionsExt;
    let mode = if read_only { 0o500 } else { 0o700 };
    fs::set_permissions(dir, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod: {e}"));
}

#[cfg(not(unix))]
fn set_read_only(dir: &Path, read_only: bool) {
    let mut permissions = fs::metadata(dir)
        .unwrap_or_else(|e| panic!("stat: {e}"))
        .permissions();
    permissions.set_readonly(read_only);
    fs::set_permissions(dir, permissions).unwrap_or_else(|e| panic!("chmod: {e}"));
}

#[test]
fn review_takes_the_ids_of_unchanged_manifests_from_the_cache_by_content() {
    let repo = payments_repo();
    repo.edit(
        V15,
        "Watch the `ledger-worker` queue drain.\n",
        "Watch the queue drain.\n",
    );
    add_release(
        &repo,
        "checkout",
        "v3.1",
        &[service("checkout-web", "3.1.0", "3.0.0")],
    );
    let base = repo.commit("plans");
    // v1.5 names ledger-worker again; v1.4's manifest gains an id checkout's plan names.
    repo.edit(
        V15,
        "Watch the queue drain.\n",
        "Watch the `ledger-worker` queue drain.\n",
    );
    repo.edit(
        "plans/checkout/v3.1/plan.md",
        "## Verification\n",
        "## Verification\nCheck `payments-audit` for refunds.\n",
    );
    repo.commit("v1.5 names ledger-worker, checkout names payments-audit");
    let text = repo.read(V14_MANIFEST);
    repo.write(
        V14_MANIFEST,
        format!("{text}\n[[items]]\nid = \"payments-audit\"\nkind = \"service\"\nversion = \"1.0.0\"\nprevious = \"0.9.0\"\n"),
    );
    repo.commit("v1.4 deploys payments-audit");
    settle();
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    // The cache holds the work tree's manifests, which are head's.
    run(&repo, cache.path(), &[], &["check"]).code(1);
    assert!(holds(&cache_file(cache.path()), "payments-audit"));
    for args in [
        &["review", "--base", base.as_str()][..],
        &["review", "--base", base.as_str(), "--format", "json"],
        &["review", "--base", "HEAD~1"],
        &["review", "--base", base.as_str(), "--head", "HEAD~1"],
    ] {
        let mut no_cache = vec!["--no-cache"];
        no_cache.extend_from_slice(args);
        let expected = run(&repo, cache.path(), &[], &no_cache);
        assert!(expected.code == 1, "{}{}", expected.stdout, expected.stderr);
        same(&expected, &run(&repo, cache.path(), &[], args));
    }
    let json = run(
        &repo,
        cache.path(),
        &[],
        &["review", "--base", &base, "--format", "json"],
    );
    json.stdout_has("ledger-worker")
        .stdout_has("payments-audit");
}

#[test]
fn a_cache_directory_inside_the_work_tree_is_not_used() {
    // CI jobs often point XDG_CACHE_HOME into the checkout, to save it between runs: the
    // read-only commands must still write nothing into the repository.
    let repo = crate::harness::payments_repo(&[]);
    repo.commit("payments");
    settle();
    // Outside the work tree, the same runs keep a cache.
    let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    run(&repo, outside.path(), &[], &["check"]).code(0);
    cache_file(outside.path());
    let before = repo.snapshot();
    let inside = repo.join(".cache");
    let inside = inside.to_string_lossy();
    for args in [&["check"][..], &["list"], &["check", "v1.5"]] {
        repo.run_in_env(repo.path(), &[("XDG_CACHE_HOME", &inside)], args)
            .code(0);
    }
    assert!(
        !repo.exists(".cache"),
        "a read-only command wrote into the work tree"
    );
    assert_eq!(repo.snapshot(), before);
}

/// The file's modification time and inode: whether a run wrote it again.
fn written(file: &Path) -> (std::time::SystemTime, u64) {
    let metadata = fs::metadata(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let modified = metadata
        .modified()
        .unwrap_or_else(|e| panic!("no modification time: {e}"));
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&metadata);
    #[cfg(not(unix))]
    let inode = 0;
    (modified, inode)
}

#[test]
fn a_run_that_reads_nothing_new_leaves_the_cache_file_and_a_removed_release_leaves_it() {
    let repo = payments_repo();
    repo.commit("plans");
    settle();
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    run(&repo, cache.path(), &[], &["check", "v1.5"])
        .code(1)
        .stdout_has(FOREIGN);
    let file = cache_file(cache.path());
    let first = written(&file);
    // Nothing changed: the cache answers everything, and the file is not written again.
    run(&repo, cache.path(), &[], &["check", "v1.5"])
        .code(1)
        .stdout_has(FOREIGN);
    run(&repo, cache.path(), &[], &["check"]).code(1);
    assert_eq!(
        written(&file),
        first,
        "a run with nothing new rewrote the cache"
    );
    assert!(holds(&file, "ledger-worker"));

    // v1.4 goes: its ids leave the cache with it, and v1.5 no longer names a foreign item.
    repo.remove(V14_MANIFEST).remove(V14);
    let after = run(&repo, cache.path(), &[], &["check", "v1.5"]);
    assert!(!after.stdout.contains("foreign-item"), "{}", after.stdout);
    let file = cache_file(cache.path());
    assert!(
        !holds(&file, "ledger-worker"),
        "the ids of a release that is gone stayed in the cache"
    );
    let expected = run(&repo, cache.path(), &[], &["--no-cache", "check", "v1.5"]);
    same(&expected, &after);
}

#[test]
fn review_takes_team_listings_from_the_cache_by_tree_and_ignores_a_damaged_file() {
    let repo = payments_repo();
    add_release(
        &repo,
        "checkout",
        "v3.1",
        &[service("checkout-web", "3.1.0", "3.0.0")],
    );
    let base = repo.commit("plans");
    // checkout's tree changes, payments' does not; a release is added on the way.
    repo.edit(
        "plans/checkout/v3.1/plan.md",
        "## Verification\n",
        "## Verification\nCheck `ledger-worker` for refunds.\n",
    );
    add_release(
        &repo,
        "checkout",
        "v3.2",
        &[service("checkout-web", "3.2.0", "3.1.0")],
    );
    repo.commit("checkout v3.1 names ledger-worker; v3.2");
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let review = ["review", "--base", base.as_str()];
    let expected = run(
        &repo,
        cache.path(),
        &[],
        &["--no-cache", "review", "--base", &base],
    );
    assert!(expected.code == 1, "{}{}", expected.stdout, expected.stderr);
    assert!(
        expected.stdout.contains("ledger-worker"),
        "{}",
        expected.stdout
    );
    same(&expected, &run(&repo, cache.path(), &[], &review));
    let file = trees_file(cache.path());
    let first = written(&file);
    // Every team's listing now comes from the file: the same review, and no rewrite.
    same(&expected, &run(&repo, cache.path(), &[], &review));
    assert_eq!(
        written(&file),
        first,
        "a review with nothing new rewrote it"
    );
    // Another pair of revisions: the teams it has not listed are read from git.
    let other = run(
        &repo,
        cache.path(),
        &[],
        &["review", "--base", "HEAD", "--head", "HEAD"],
    );
    same(
        &run(
            &repo,
            cache.path(),
            &[],
            &["--no-cache", "review", "--base", "HEAD", "--head", "HEAD"],
        ),
        &other,
    );
    for damage in [&b"bkcache\x01 not a listing"[..], b"", &[0xff; 64]] {
        fs::write(&file, damage).unwrap_or_else(|e| panic!("{e}"));
        same(&expected, &run(&repo, cache.path(), &[], &review));
        let rebuilt = fs::read(&file).unwrap_or_default();
        assert!(rebuilt.len() > 64, "the damaged file was not rebuilt");
    }
}

#[test]
fn a_check_of_one_plan_keeps_what_the_cache_holds_of_plans_it_did_not_look_at() {
    let repo = publishable_repo();
    // v1.4's window is its own: what the cache holds of it can be told apart.
    repo.edit(V14, "window = \"72h\"", "window = \"96h\"");
    repo.commit("plans");
    settle();
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let epoch = [("SOURCE_DATE_EPOCH", "1764086400")];
    run(&repo, cache.path(), &epoch, &["publish", "v1.5"]).code(0);
    assert!(holds(&cache_file(cache.path()), "96h"));

    // A check of one plan looks at the manifests, not at the other plans' files. v1.4's
    // manifest changes, so the cache file is written again: v1.4's plan keeps its entry.
    repo.edit(V14_MANIFEST, "[[items]]", "# ids of v1.4\n[[items]]");
    repo.commit("v1.4: a comment");
    settle();
    let file = cache_file(cache.path());
    let before = written(&file);
    run(&repo, cache.path(), &[], &["check", "v1.6"]).code(0);
    let file = cache_file(cache.path());
    assert_ne!(written(&file), before, "the cache was not written again");
    assert!(holds(&file, "96h"), "v1.4's plan lost its entry");

    // The entry kept is still checked against the file when read: v1.4's window changes in
    // place, its size and modification time kept, and the index shows the new one.
    edit_keeping_mtime(&repo, V14, "window = \"96h\"", "window = \"48h\"");
    repo.commit("v1.4: a shorter window");
    run(&repo, cache.path(), &[], &["check", "v1.6"]).code(0);
    run(&repo, cache.path(), &epoch, &["publish", "v1.6"]).code(0);
    let index = repo.read("public/index.html");
    assert!(index.contains("<td>48h</td>"), "{index}");
    assert!(!index.contains("<td>96h</td>"), "{index}");
}
