//! Hostile repositories and bad days: what a malicious pull request can put in a
//! repository (FIFOs, symlinks out of it, control and bidirectional characters, Markdown
//! meant for the bot's comment, a glob that breaks the regex engine), and what happens when
//! a write fails half way or two backouts write at once.

use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::Path;

use backout::diag::escape::is_hazard;

use crate::harness::{Run, TestRepo, manifest, migration, payments_repo, plan, service};

const V14: &str = "plans/payments/v1.4/plan.md";
const V15: &str = "plans/payments/v1.5/plan.md";
const V15_MANIFEST: &str = "plans/payments/v1.5/manifest.toml";
/// 2025-11-25T16:00:00Z
const EPOCH: &str = "1764086400";

/// payments v1.4 (draft) and v1.5 (approved and tested, ready to publish).
fn payments() -> TestRepo {
    let repo = payments_repo(&[migration("0042_add_ledger_index")]);
    repo.set_status_tested(V15, "approved");
    repo
}

fn publish(repo: &TestRepo, env: &[(&str, &str)], spec: &str) -> Run {
    let mut env = env.to_vec();
    env.push(("SOURCE_DATE_EPOCH", EPOCH));
    repo.run_guarded(&env, &["publish", spec])
}

fn mkfifo(repo: &TestRepo, rel: &str) {
    let path = repo.join(rel);
    if fs::symlink_metadata(&path).is_ok() {
        repo.remove(rel);
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir: {e}"));
    }
    let name = CString::new(path.as_os_str().as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(
        unsafe { libc::mkfifo(name.as_ptr(), 0o644) },
        0,
        "mkfifo {rel}"
    );
}

/// The id of a process that has exited: no process runs under it.
fn gone_pid() -> u32 {
    let mut child = std::process::Command::new("true")
        .spawn()
        .unwrap_or_else(|e| panic!("true: {e}"));
    let pid = child.id();
    let _ = child.wait();
    pid
}

/// Every file in `dir` (not recursive).
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_deeply_nested_tag_glob_is_a_config_error_not_a_panic() {
    let repo = payments();
    let glob = format!("{}v*{}", "{release-,".repeat(125), "}".repeat(125));
    repo.write(
        "backout.toml",
        format!("default_team = \"payments\"\n\n[tags]\nglob = \"{glob}\"\n"),
    );
    repo.commit("plans");
    for args in [&["check"][..], &["tags"], &["list"], &["publish", "v1.5"]] {
        let run = repo.run(args);
        run.code(2)
            .stderr_has("error: backout.toml:4:8: `glob` in [tags] is not a valid glob");
        assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn fifos_are_reported_not_waited_on() {
    let repo = payments();
    repo.commit("plans");
    mkfifo(&repo, V15);
    repo.run_guarded(&[], &["check"])
        .code(1)
        .stdout_has(
            "plans/payments/v1.5/plan.md is a FIFO (named pipe), not a regular file, so backout does not read it",
        )
        .stdout_has("help: replace it with a regular file");
    repo.run_guarded(&[], &["list"]).code(1);
    repo.run_guarded(&[], &["diff", "v1.5", "--against", "v1.4"])
        .code(2)
        .stderr_has("plans/payments/v1.5/plan.md is a FIFO (named pipe)");
    publish(&repo, &[], "v1.5")
        .code(2)
        .stderr_has("plans/payments/v1.5/plan.md is a FIFO (named pipe)");
    for args in [
        &["baseline", "v1.5", "--force", "--from", "v1.4"][..],
        &["new", "v1.5", "--force"],
    ] {
        repo.run_guarded(&[], args).code(2).stderr_has(
            "refusing to write plans/payments/v1.5/plan.md: it is a FIFO (named pipe), not a regular file",
        );
    }
    let restore = |rel: &str| {
        repo.remove(rel);
        repo.git
            .checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
            .unwrap_or_else(|e| panic!("checkout: {e}"));
    };
    restore(V15);

    mkfifo(&repo, V15_MANIFEST);
    repo.run_guarded(&[], &["check"])
        .code(1)
        .stdout_has("plans/payments/v1.5/manifest.toml is a FIFO (named pipe)");
    restore(V15_MANIFEST);

    mkfifo(&repo, "public/index.html");
    publish(&repo, &[], "v1.5").code(2).stderr_has(
        "public/index.html exists and was not written by backout publish; move it away or choose another --out",
    );
    assert!(!repo.read(V15).contains("[published]"));

    mkfifo(&repo, "backout.toml");
    for args in [&["check"][..], &["new", "v1.6"], &["tags"]] {
        repo.run_guarded(&[], args).code(2).stderr_has(
            "error: backout.toml:1: is a FIFO (named pipe), not a regular file, so backout does not read it; replace it with a regular file",
        );
    }
}

#[test]
fn writers_do_not_follow_symlinked_release_directories_out_of_the_repository() {
    let repo = payments();
    repo.write(
        "plans/payments/v1.7/manifest.toml",
        manifest(
            "payments",
            "v1.7",
            &[service("payments-api", "2.6.0", "2.5.0")],
        ),
    );
    let elsewhere = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let outside_plan = plan("payments", "v1.6", &[]);
    fs::write(elsewhere.path().join("plan.md"), &outside_plan).unwrap_or_else(|e| panic!("{e}"));
    fs::write(
        elsewhere.path().join("manifest.toml"),
        manifest("payments", "v1.6", &[]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    symlink(elsewhere.path(), repo.join("plans/payments/v1.6")).unwrap_or_else(|e| panic!("{e}"));

    repo.run(&["check"])
        .code(1)
        .stdout_has("plans/payments/v1.6 is a symlink to a directory outside the repository, which backout does not follow");
    let refusal = "refusing to write plans/payments/v1.6/plan.md: it leads outside the repository through the symlink plans/payments/v1.6, which backout does not follow; replace the symlink with a real directory or file inside the repository";
    repo.run(&["new", "v1.6", "--force"])
        .code(2)
        .stderr_has(refusal);
    repo.run(&["baseline", "v1.6", "--force", "--from", "v1.5"])
        .code(2)
        .stderr_has(refusal);
    repo.run(&["baseline", "v1.7", "--from", "v1.6"])
        .code(2)
        .stderr_has("plans/payments/v1.6/plan.md leads outside the repository through the symlink plans/payments/v1.6");
    repo.run(&["diff", "v1.5", "--against", "v1.6"])
        .code(2)
        .stderr_has("through the symlink plans/payments/v1.6");
    // import says why it will not write, with and without --force, dry run or not.
    repo.write(
        "notes/rollback.md",
        "# Rollback\n\n## Procedure\n1. `make rollback`\n",
    );
    for args in [
        &["import", "notes/rollback.md", "v1.6"][..],
        &["import", "notes/rollback.md", "v1.6", "--dry-run"],
        &["import", "notes/rollback.md", "v1.6", "--force"],
        &[
            "import",
            "notes/rollback.md",
            "v1.6",
            "--force",
            "--dry-run",
        ],
    ] {
        repo.run(args).code(2).stderr_has(refusal);
    }
    assert_eq!(names(elsewhere.path()), ["manifest.toml", "plan.md"]);
    assert_eq!(
        fs::read_to_string(elsewhere.path().join("plan.md")).unwrap_or_default(),
        outside_plan
    );
    assert!(!repo.exists("plans/payments/v1.7/plan.md"));

    // A link that points at nothing is not inside either: nothing is created at its target.
    symlink(
        repo.join("plans/payments/v1.9-gone"),
        repo.join("plans/payments/v1.8"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    repo.run(&["check"]).code(1).stdout_has(
        "plans/payments/v1.8 is a symlink that points at nothing, which backout does not follow",
    );
    for args in [
        &["new", "v1.8"][..],
        &["import", "notes/rollback.md", "v1.8"],
        &["import", "notes/rollback.md", "v1.8", "--dry-run"],
    ] {
        repo.run(args).code(2).stderr_has(
            "refusing to write plans/payments/v1.8/plan.md: it goes through the symlink plans/payments/v1.8, which points at nothing",
        );
    }
    assert!(!repo.exists("plans/payments/v1.9-gone"));
}

#[test]
fn a_plans_directory_reached_through_a_symlink_is_neither_read_nor_written() {
    let repo = TestRepo::new();
    let elsewhere = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let release = elsewhere.path().join("plans/payments/v1.5");
    fs::create_dir_all(&release).unwrap_or_else(|e| panic!("{e}"));
    fs::write(release.join("plan.md"), "+++\n+++\n").unwrap_or_else(|e| panic!("{e}"));
    repo.write(
        "backout.toml",
        "plans_dir = \"ops/plans\"\ndefault_team = \"payments\"\n",
    );
    symlink(elsewhere.path(), repo.join("ops")).unwrap_or_else(|e| panic!("{e}"));
    repo.run(&["check"])
        .code(1)
        .stdout_has("error[invalid-plan]: the plans directory ops/plans/ leads outside the repository through the symlink ops, which backout does not follow")
        .stdout_lacks("v1.5");
    repo.run(&["list"])
        .code(1)
        .stderr_has("the plans directory ops/plans/ leads outside the repository")
        .stdout_lacks("v1.5");
    repo.run(&["new", "v1.6"]).code(2).stderr_has(
        "refusing to write ops/plans/payments/v1.6/plan.md: it leads outside the repository through the symlink ops",
    );
    assert_eq!(names(&elsewhere.path().join("plans/payments")), ["v1.5"]);

    // `init` does not create the plans directory through a link either.
    let repo = TestRepo::new();
    symlink(elsewhere.path(), repo.join("plans")).unwrap_or_else(|e| panic!("{e}"));
    repo.run(&["init"]).code(2).stderr_has(
        "refusing to create plans/: it leads outside the repository through the symlink plans",
    );
    assert!(!repo.exists("backout.toml"));
}

#[test]
fn the_site_is_not_written_through_a_symlink_out_of_the_repository() {
    let repo = payments();
    repo.commit("plans");
    let elsewhere = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    symlink(elsewhere.path(), repo.join("public")).unwrap_or_else(|e| panic!("{e}"));
    let before = repo.read(V15);
    publish(&repo, &[], "v1.5").code(2).stderr_has(
        "refusing to write the site to public: it leads outside the repository through the symlink public",
    );
    assert!(names(elsewhere.path()).is_empty());
    assert_eq!(repo.read(V15), before);
    // Named on the command line, a directory outside the repository is the user's choice.
    let site = elsewhere.path().join("site");
    let out = site.to_string_lossy().into_owned();
    repo.run_in_env(
        repo.path(),
        &[("SOURCE_DATE_EPOCH", EPOCH)],
        &["publish", "v1.5", "--out", &out],
    )
    .code(0);
    assert_eq!(names(&site), ["index.html", "plans"]);
}

#[test]
fn a_symlinked_plan_is_neither_replaced_nor_written_through() {
    let repo = payments();
    repo.remove(V15);
    symlink("../v1.4/plan.md", repo.join(V15)).unwrap_or_else(|e| panic!("{e}"));
    let v14 = repo.read(V14);
    repo.run(&["baseline", "v1.5", "--force", "--from", "v1.4"])
        .code(2)
        .stderr_has("refusing to write plans/payments/v1.5/plan.md: it is a symlink (to ../v1.4/plan.md), and backout neither writes through symlinks nor replaces them; replace it with a regular file (or remove it) and run the command again");
    assert_eq!(repo.read(V14), v14);
    assert!(
        fs::symlink_metadata(repo.join(V15)).is_ok_and(|m| m.file_type().is_symlink()),
        "the link is still a link"
    );
    assert!(!repo.exists("plans/payments/v1.5/plan.md.lock"));
}

/// A `plan.md` committed as a symlink to the previous release's plan (a quick way to "reuse"
/// it) is the same finding everywhere: git stores the link, not the plan, so `review` and
/// `tags` cannot follow it, and `check` does not follow it in the work tree either.
#[test]
fn a_plan_that_is_a_symlink_inside_the_repository_is_reported_by_check_list_and_tags() {
    let repo = payments();
    repo.commit("payments v1.4 and v1.5");
    repo.tag("v1.4", true);
    repo.remove(V15);
    symlink("../v1.4/plan.md", repo.join(V15)).unwrap_or_else(|e| panic!("{e}"));
    repo.commit("v1.5 reuses the v1.4 plan through a link");
    repo.tag("v1.5", true);
    let said = "plans/payments/v1.5/plan.md is a symlink (to ../v1.4/plan.md), which backout does not follow";
    repo.run(&["check", "v1.5"])
        .code(1)
        .stdout_has("error[invalid-plan]")
        .stdout_has(said)
        .stdout_has("replace the symlink with a copy of the file")
        .stdout_lacks("front matter `release` is \"v1.4\"");
    repo.run(&["check"]).code(1).stdout_has(said);
    let tags = repo.run(&["tags"]);
    tags.code(1)
        .stdout_has("invalid")
        .stdout_has("plans/payments/v1.5/plan.md is a symlink in git")
        .stdout_lacks("add one with `backout new");
    let json = repo.run(&["tags", "--format", "json"]);
    assert_eq!(json.json()["invalid"], 1);
    assert_eq!(json.json()["missing"], 0);
    // The plan it points at is unharmed and still checked on its own.
    repo.run(&["check", "v1.4"]).stdout_lacks("symlink");
}

/// payments with v1.4 published (so publishing v1.5 replaces the plan, the index and the
/// v1.4 page, and adds the v1.5 page), all committed.
fn published_v14() -> TestRepo {
    let repo = payments();
    repo.set_status_tested(V14, "approved");
    repo.commit("plans");
    publish(&repo, &[], "v1.4").code(0);
    repo.commit("publish v1.4");
    repo
}

#[cfg(debug_assertions)]
#[test]
fn publish_writes_everything_or_nothing() {
    let repo = published_v14();
    let before = repo.snapshot();
    // Four files are staged (plan, two pages, index), three replaced ones kept as links,
    // four renamed: make each of them fail in turn.
    for fault in [
        "stage:1",
        "stage:2",
        "stage:4:full",
        "link:1",
        "link:3",
        "rename:1",
        "rename:2",
        "rename:3",
        "rename:4",
    ] {
        let run = publish(&repo, &[("BACKOUT_FAIL_WRITE", fault)], "v1.5");
        run.code(2).stderr_has("error: cannot ");
        assert!(
            repo.snapshot() == before,
            "BACKOUT_FAIL_WRITE={fault} left the work tree changed\n{}",
            run.stderr
        );
    }
    publish(&repo, &[], "v1.5")
        .code(0)
        .stdout_lacks("note: removed");
    assert!(repo.read(V15).contains("[published]"));
    assert!(repo.read("public/index.html").contains("v1.5.html"));
    assert_eq!(
        names(&repo.join("plans/payments/v1.5")),
        ["manifest.toml", "plan.md"]
    );
    assert_eq!(names(&repo.join("public")), ["index.html", "plans"]);
}

#[test]
fn a_read_only_plans_directory_leaves_the_site_untouched() {
    let repo = published_v14();
    let before = repo.snapshot();
    let dir = repo.join("plans/payments/v1.5");
    // SAFETY: geteuid cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    if root && !cfg!(debug_assertions) {
        // Root writes anywhere, and release builds have no seam to say otherwise.
        return;
    }
    let run = if root {
        // Root writes anywhere: the seam fails the first write as a read-only directory does.
        publish(&repo, &[("BACKOUT_FAIL_WRITE", "stage:1:readonly")], "v1.5")
    } else {
        use std::os::unix::fs::PermissionsExt;
        let lock_needs = fs::Permissions::from_mode(0o555);
        fs::set_permissions(&dir, lock_needs).unwrap_or_else(|e| panic!("{e}"));
        let run = publish(&repo, &[], "v1.5");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
        run
    };
    run.code(2).stderr_has("ermission denied");
    assert!(repo.snapshot() == before, "{}", run.stderr);
}

#[test]
fn a_second_writer_stops_while_the_plan_is_locked() {
    let repo = payments();
    repo.commit("plans");
    let before = repo.read(V15);
    let host = backout::store::lock::host_name();
    let lock = "plans/payments/v1.5/plan.md.lock";
    repo.write(lock, format!("pid {}\nhost {host}\n", std::process::id()));
    let held = format!(
        "error: another backout (process {} on {host}) is writing plans/payments/v1.5/plan.md: plans/payments/v1.5/plan.md.lock exists; run the command again when it has finished (if no backout is running, remove plans/payments/v1.5/plan.md.lock)",
        std::process::id()
    );
    repo.run(&["baseline", "v1.5", "--force", "--from", "v1.4"])
        .code(2)
        .stderr_has(&held);
    publish(&repo, &[], "v1.5").code(2).stderr_has(&held);
    repo.run(&["new", "v1.5", "--force"])
        .code(2)
        .stderr_has(&held);
    // Read-only commands and dry runs do not need the lock.
    repo.run(&["check", "v1.5"]).code(0);
    repo.run(&["baseline", "v1.5", "--force", "--from", "v1.4", "--dry-run"])
        .code(0);
    assert_eq!(repo.read(V15), before);
    assert!(repo.exists(lock), "another process's lock is not removed");

    let pid = gone_pid();
    repo.write(lock, format!("pid {pid}\nhost {host}\n"));
    repo.run(&["baseline", "v1.5", "--force", "--from", "v1.4"])
        .code(2)
        .stderr_has(&format!(
            "error: plans/payments/v1.5/plan.md.lock exists, but backout process {pid}, which created it, is no longer running (it was interrupted); check that no other backout is writing plans/payments/v1.5/plan.md, remove plans/payments/v1.5/plan.md.lock, and run the command again"
        ));
    repo.remove(lock);
    repo.run(&["baseline", "v1.5", "--force", "--from", "v1.4"])
        .code(0);
    assert!(!repo.exists(lock));
}

#[test]
fn baseline_racing_publish_never_loses_a_write() {
    let repo = payments();
    repo.commit("plans");
    let committed = repo.read(V15);
    let dir = repo.join("plans/payments/v1.5");
    for round in 0..10 {
        repo.write(V15, &committed);
        if repo.exists("public") {
            repo.remove("public");
        }
        let baseline = repo.spawn(&[], &["baseline", "v1.5", "--force", "--from", "v1.4"]);
        let publish = repo.spawn(&[("SOURCE_DATE_EPOCH", EPOCH)], &["publish", "v1.5"]);
        let baseline = baseline
            .wait_with_output()
            .unwrap_or_else(|e| panic!("{e}"));
        let publish = publish.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        let codes = (
            baseline.status.code().unwrap_or(-1),
            publish.status.code().unwrap_or(-1),
        );
        let text = repo.read(V15);
        let forked = text.contains("from = \"payments/v1.4\"");
        let stamped = text.contains("[published]");
        let why = format!(
            "round {round}: exit codes {codes:?}\n--- baseline\n{}\n--- publish\n{}",
            String::from_utf8_lossy(&baseline.stderr),
            String::from_utf8_lossy(&publish.stderr)
        );
        // Whoever reports success must find its write in the file: a baseline that exits 0
        // left its fork (a publish that ran first was replaced by it; one that ran after
        // refused the uncommitted fork); a publish that exits 0 while baseline did not left
        // its stamp.
        match codes {
            (0, _) => assert!(forked && !stamped, "{why}"),
            (_, 0) => assert!(stamped && !forked, "{why}"),
            _ => panic!("neither writer succeeded: {why}"),
        }
        // A baseline that lost says why: the other backout held the lock, or the publish
        // that ran first made the plan final.
        if codes.0 != 0 {
            let stderr = String::from_utf8_lossy(&baseline.stderr);
            assert!(
                stderr.contains("another backout")
                    || stderr.contains("is published, and a published plan is final"),
                "{why}"
            );
        }
        assert_eq!(names(&dir), ["manifest.toml", "plan.md"], "{why}");
    }
}

#[test]
fn temporary_files_of_an_interrupted_backout_are_removed_on_the_next_write() {
    let repo = payments();
    repo.commit("plans");
    let gone = gone_pid();
    let stale = format!("plans/payments/v1.5/.backout-{gone}-Xy12Zq.tmp");
    let live = format!(
        "plans/payments/v1.5/.backout-{}-Ab34Cd.tmp",
        std::process::id()
    );
    repo.write(&stale, "+++\nteam = \"payments\"\n");
    repo.write(&live, "being written");
    repo.run(&["baseline", "v1.5", "--force", "--from", "v1.4"])
        .code(0)
        .stdout_has(&format!(
            "note: removed {stale}, a temporary file left by a backout that was interrupted"
        ))
        .stdout_lacks("Ab34Cd");
    assert!(!repo.exists(&stale));
    assert!(repo.exists(&live), "a running backout's file stays");
}

/// Escape sequences of colour (`ESC [ ... m`) removed: what remains must hold no control.
fn without_colour(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\u{1b}[") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after[end..].starts_with('m') {
            rest = &after[end + 1..];
        } else {
            out.push_str(&rest[at..at + 2]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Nothing from the repository reached the output raw: no control character but line
/// breaks (and, with colour, backout's own colour codes), no bidirectional control, and no
/// line that starts a diagnostic backout did not make.
#[track_caller]
fn assert_inert(label: &str, run: &Run) {
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let shown = without_colour(text);
        let raw: Vec<String> = shown
            .chars()
            .filter(|c| !matches!(c, '\n' | '\t') && is_hazard(*c))
            .map(|c| format!("U+{:04X}", c as u32))
            .collect();
        assert!(raw.is_empty(), "{label}: {stream} holds {raw:?}:\n{text}");
        assert!(
            !shown
                .lines()
                .any(|line| line.trim_start().starts_with("error[fake-rule]")),
            "{label}: {stream} has a forged line:\n{text}"
        );
    }
}

/// A repository whose plan, manifest, directory names and config quote terminal escapes,
/// line breaks and bidirectional controls.
fn hostile_repo() -> (TestRepo, String) {
    let repo = payments();
    repo.commit("base");
    let base = repo.head().to_string();
    // TOML escapes put the characters in the values: OSC 52 (clipboard), OSC 0 (title),
    // clear screen, conceal, C1 CSI, NEL, line separator, right-to-left override.
    repo.edit(
        V15,
        "status = \"approved\"",
        "status = \"approved\\u001b]52;c;cm0gLXJmIH4=\\u0007\"\nrefers = [\"ledger\\u202eredgel\"]",
    );
    repo.edit(
        V15,
        "result = \"pass\"",
        "result = \"pass\"\n[baseline]\nfrom = \"payments/v1.4\\u001b]0;pwned\\u0007\"",
    );
    repo.edit(
        V15,
        "window = \"72h\"",
        "window = \"72h\\u001b[2J\\u009b8m\"",
    );
    repo.edit(
        V15,
        "Rehearsed on staging.",
        "Rehearsed on staging: `kubectl rollout undo deploy/payments-api\u{202E} # 2.3.1` and \u{1b}[8mhidden\u{1b}[0m text.",
    );
    repo.edit(
        V15_MANIFEST,
        "id = \"payments-api\"",
        "id = \"payments-api\\u001b[8m\"",
    );
    repo.edit(
        V15_MANIFEST,
        "kind = \"migration\"",
        "kind = \"migration\\u0085\\u2028x\"",
    );
    // A badly named directory with a plan is reported; an empty one is noted and skipped.
    repo.write(
        "plans/payments/v1.6\nerror[fake-rule]: forged/plan.md",
        plan("payments", "v1.6", &[]),
    );
    fs::create_dir_all(repo.join("plans/payments/v1.7\u{1b}]0;title\u{7}"))
        .unwrap_or_else(|e| panic!("{e}"));
    repo.commit("hostile v1.5");
    (repo, base)
}

#[test]
fn control_and_bidi_characters_in_every_quoted_value_are_escaped() {
    let (repo, base) = hostile_repo();
    repo.tag("v1.5", true);
    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("check", vec!["check"]),
        ("check json", vec!["check", "--format", "json"]),
        ("check github", vec!["check", "--format", "github"]),
        ("check sarif", vec!["check", "--format", "sarif"]),
        ("check gitlab", vec!["check", "--format", "gitlab"]),
        ("list", vec!["list"]),
        ("list json", vec!["list", "--format", "json"]),
        ("diff", vec!["diff", "v1.5", "--against", "v1.4"]),
        (
            "diff markdown",
            vec!["diff", "v1.5", "--against", "v1.4", "--format", "markdown"],
        ),
        (
            "diff json",
            vec!["diff", "v1.5", "--against", "v1.4", "--format", "json"],
        ),
        ("review", vec!["review", "--base", &base]),
        (
            "review markdown",
            vec!["review", "--base", &base, "--format", "markdown"],
        ),
        (
            "review github",
            vec!["review", "--base", &base, "--format", "github"],
        ),
        (
            "review json",
            vec!["review", "--base", &base, "--format", "json"],
        ),
        (
            "review gitlab",
            vec!["review", "--base", &base, "--format", "gitlab"],
        ),
        ("tags", vec!["tags"]),
        ("tags github", vec!["tags", "--format", "github"]),
        ("publish", vec!["publish", "v1.5"]),
        (
            "baseline",
            vec!["baseline", "v1.5", "--force", "--from", "v1.4", "--dry-run"],
        ),
        ("new", vec!["new", "v1.8\u{1b}]0;x\u{7}"]),
    ];
    for (label, args) in &runs {
        for color in ["always", "never"] {
            let mut all = vec!["--color", color];
            all.extend(args.iter().copied());
            let run = repo.run(&all);
            assert_inert(&format!("{label} --color {color}"), &run);
            if color == "never" {
                assert!(
                    !run.stdout.contains('\u{1b}') && !run.stderr.contains('\u{1b}'),
                    "{label}: an escape sequence with colour off:\n{}{}",
                    run.stdout,
                    run.stderr
                );
            }
        }
    }
    // The values are shown, escaped, where they stand.
    let check = repo.run(&["--color", "always", "check"]);
    for shown in [
        "`status` cannot be \"approved\\u{1B}]52;c;cm0gLXJmIH4=\\u{7}\"",
        "`from` in [baseline] is \"payments/v1.4\\u{1B}]0;pwned\\u{7}\"",
        "`window` \"72h\\u{1B}[2J\\u{9B}8m\" is not a duration",
        "item id \"payments-api\\u{1B}[8m\" is not a valid id",
        "item kind \"migration\\u{85}\\u{2028}x\" is not known",
        "`refers` holds \"ledger\\u{202E}redgel\"",
        "directory name `v1.6\\nerror[fake-rule]: forged` contains the control character U+000A",
        "error[bidi-control]",
        "deploy/payments-api\\u{202E} # 2.3.1",
        "and \\u{1B}[8mhidden\\u{1B}[0m text",
        "note: plans/payments/v1.7\\u{1B}]0;title\\u{7}/ holds no plan.md or manifest.toml",
    ] {
        check.stdout_has(shown);
    }
    let json = repo.run(&["check", "--format", "json"]).json();
    let messages: Vec<&str> = json["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["message"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("\"ledger\u{202E}redgel\"")),
        "JSON keeps the value itself, escaped as \\u202e: {messages:?}"
    );
    // A config value and a command-line argument are escaped too.
    repo.write(
        "backout.toml",
        "default_team = \"payments\"\n[tags]\nformat = \"{x}\\u001b]0;t\\u0007\\nerror[fake-rule]: y\"\n",
    );
    let run = repo.run(&["--color", "always", "check"]);
    run.code(2).stderr_has(
        "backout.toml:3:10: `format` in [tags] cannot be \"{x}\\u{1B}]0;t\\u{7}\\nerror[fake-rule]: y\"",
    );
    assert_inert("config", &run);
}

#[test]
fn review_comments_cannot_mention_link_or_embed() {
    let repo = TestRepo::new();
    // A plans directory with a backtick: paths must stay whole code spans.
    repo.write(
        "backout.toml",
        "plans_dir = \"ops`plans\"\ndefault_team = \"payments\"\n",
    );
    for (release, version, previous) in [("v1.4", "2.3.1", "2.3.0"), ("v1.5", "2.4.0", "2.3.1")] {
        let items = [service("payments-api", version, previous)];
        let dir = format!("ops`plans/payments/{release}");
        repo.write(
            &format!("{dir}/manifest.toml"),
            manifest("payments", release, &items),
        );
        repo.write(&format!("{dir}/plan.md"), plan("payments", release, &items));
    }
    let base = repo.commit("base");
    let plan_path = "ops`plans/payments/v1.5/plan.md";
    repo.edit(
        plan_path,
        "status = \"draft\"",
        "status = \"@octocat ![t](https://evil.example/pixel.png) [sign in](https://evil.example/login) <img src=x>\"",
    );
    repo.edit(
        plan_path,
        "## Contingencies",
        "## Contingencies @octocat #123 ![x](https://evil.example/x.png)",
    );
    repo.commit("hostile");
    let run = repo.run(&["review", "--base", &base, "--format", "markdown"]);
    run.code(1);
    let markdown = &run.stdout;

    use pulldown_cmark::{Event, Options, Parser, Tag};
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut code = Vec::new();
    // Text inside fenced blocks (the section diffs) is shown literally: GitHub neither
    // mentions nor links there.
    let mut in_block = false;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_block = true,
            Event::End(pulldown_cmark::TagEnd::CodeBlock) => in_block = false,
            Event::Text(_) if in_block => {}
            Event::Html(html) | Event::InlineHtml(html) => {
                assert!(
                    !html.contains("<img"),
                    "raw HTML in the comment:\n{markdown}"
                );
            }
            Event::Text(text) => {
                for hostile in ["@octocat", "#123", "https://", "evil.example"] {
                    assert!(
                        !text.contains(hostile),
                        "{hostile} outside code in {text:?}:\n{markdown}"
                    );
                }
            }
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => {
                panic!("a link or image in the comment:\n{markdown}")
            }
            Event::Code(text) => code.push(text.to_string()),
            _ => {}
        }
    }
    assert!(
        code.iter()
            .any(|c| c == "ops`plans/payments/v1.5/plan.md:4"),
        "the path is one code span: {code:?}\n{markdown}"
    );
    assert!(
        code.iter().any(|c| c
            == "\"@octocat ![t](https://evil.example/pixel.png) [sign in](https://evil.example/login) <img src=x>\""),
        "the value is shown whole, as code: {code:?}"
    );
    assert!(
        markdown.contains("#### Contingencies `@octocat` `#123` x (added)"),
        "{markdown}"
    );
}

#[test]
fn diff_says_when_a_front_matter_cannot_be_read() {
    let repo = payments();
    repo.edit(V14, "status = \"draft\"", "status = = \"draft\"");
    repo.run(&["diff", "v1.5", "--against", "v1.4"])
        .code(0)
        .stdout_has("front matter: not compared: it cannot be read in payments/v1.4 (no `+++` block, or not valid TOML; `backout check` says why)")
        .stdout_lacks("front matter: unchanged");
    let json = repo
        .run(&["diff", "v1.5", "--against", "v1.4", "--format", "json"])
        .json();
    assert_eq!(
        json["front_matter_unreadable"],
        serde_json::json!(["payments/v1.4"])
    );
}

#[test]
fn forking_a_newer_plan_into_an_older_release_is_refused() {
    let repo = payments();
    let before = repo.read(V14);
    repo.run(&["baseline", "v1.4", "--force", "--from", "v1.5"])
        .code(2)
        .stderr_has("error: payments/v1.5 is newer than payments/v1.4: a plan forked from a later release describes changes v1.4 does not have, and `check` cannot flag them");
    assert_eq!(repo.read(V14), before);
    assert_eq!(
        names(&repo.join("plans/payments/v1.4")),
        ["manifest.toml", "plan.md"]
    );
}

#[test]
fn unsupported_or_damaged_repositories_are_named() {
    // A SHA-256 repository.
    let repo = TestRepo::new();
    let config = repo.join(".git/config");
    let text = fs::read_to_string(&config)
        .unwrap_or_default()
        .replace("repositoryformatversion = 0", "repositoryformatversion = 1");
    fs::write(&config, text + "[extensions]\n\tobjectFormat = sha256\n")
        .unwrap_or_else(|e| panic!("{e}"));
    repo.run(&["check"])
        .code(2)
        .stderr_has("uses SHA-256 object ids, which backout does not support yet");

    // A damaged object: the plan's blob at the tagged commit.
    let repo = payments();
    repo.commit("plans");
    repo.tag("v1.5", false);
    let blob = repo
        .git
        .head()
        .and_then(|h| h.peel_to_tree())
        .and_then(|t| t.get_path(Path::new(V15)))
        .map(|e| e.id())
        .unwrap_or_else(|e| panic!("{e}"));
    let hex = blob.to_string();
    let object = repo.join(&format!(".git/objects/{}/{}", &hex[..2], &hex[2..]));
    let _ = fs::set_permissions(
        &object,
        <fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o644),
    );
    fs::write(&object, b"not zlib at all").unwrap_or_else(|e| panic!("{e}"));
    repo.run(&["tags"])
        .code(1)
        .stdout_has(&format!("git object {hex} cannot be read"))
        .stdout_has("check the repository with `git fsck`");
}

#[test]
fn odd_encodings_and_sizes_get_a_clear_message() {
    let repo = payments();
    let text = repo.read(V15);
    repo.write(V15, format!("\u{feff}\u{feff}{text}"));
    repo.run(&["check", "v1.5"])
        .code(1)
        .stdout_has("plans/payments/v1.5/plan.md starts with two byte-order marks (U+FEFF)")
        .stdout_has("help: remove one: save the file as UTF-8, with one byte-order mark at most");
    repo.write(V15, text.replace('\n', "\r"));
    repo.run(&["check", "v1.5"])
        .code(1)
        .stdout_has("plans/payments/v1.5/plan.md ends its lines with CR alone (classic Mac OS), so it reads as one long line")
        .stdout_has("help: save it with LF (or CRLF) line ends");

    repo.write(V15, &text);
    repo.write("backout.toml", "plans_dir = \"plans\\u0007\"\n");
    repo.run(&["check"]).code(2).stderr_has(
        "error: backout.toml:1:13: `plans_dir` contains a control character (a line break, an escape or a bidirectional control)",
    );
    let file = fs::File::create(repo.join("backout.toml")).unwrap_or_else(|e| panic!("{e}"));
    file.set_len(9 * 1024 * 1024)
        .unwrap_or_else(|e| panic!("{e}"));
    repo.run(&["check"]).code(2).stderr_has(
        "error: backout.toml:1: is 9.0 MB, more than the 8 MB backout reads; backout.toml holds a few settings, never megabytes",
    );
}

#[test]
fn derived_file_names_reach_the_terminal_escaped() {
    let repo = payments();
    repo.write(
        "backout.toml",
        "default_team = \"payments\"\n[[derive]]\npath = \"services/{id}/\"\nkind = \"service\"\n",
    );
    repo.write("services/payments-api/VERSION", "2.3.1\n");
    repo.commit("payments-api");
    repo.tag("v1.4", true);
    // A pull request names files with a right-to-left override, C1 CSI and a line break.
    repo.write("services/payments-api/main\u{202E}cod.rs", "fn main() {}\n");
    repo.write("services/pay\u{9B}8m\nerror[fake-rule]: x/lib.rs", "\n");
    repo.commit("odd names");
    for args in [
        &["--color", "always", "manifest", "v1.5"][..],
        &["manifest", "v1.5", "--format", "json"],
    ] {
        let run = repo.run(args);
        run.code(0);
        assert_inert(&args.join(" "), &run);
    }
    // JSON keeps the names themselves, as `\u` escapes.
    let json = repo.run(&["manifest", "v1.5", "--format", "json"]).json();
    assert_eq!(
        json["items"][0]["files"][0],
        "services/payments-api/main\u{202E}cod.rs"
    );
}

/// A name of raw bytes (not UTF-8) under `dir` of the repository.
fn raw_name(repo: &TestRepo, dir: &str, name: &[u8]) -> std::path::PathBuf {
    repo.join(dir).join(std::ffi::OsStr::from_bytes(name))
}

#[test]
fn names_that_are_not_utf8_read_the_same_in_check_and_review() {
    let repo = payments();
    let base = repo.commit("payments v1.4 and v1.5");
    // A rehearsal, recorded by backout, then renamed by a tool that wrote Latin-1: its name
    // is no longer UTF-8 (and no longer the drill's start time).
    repo.run_with_input(
        repo.path(),
        &[("SOURCE_DATE_EPOCH", EPOCH)],
        &["drill", "v1.5", "--by", "Jörg"],
        Some("done\ndone\n"),
    )
    .code(0);
    let drills = "plans/payments/v1.5/drills";
    fs::rename(
        repo.join(&format!("{drills}/2025-11-25T16-00-00Z.toml")),
        raw_name(&repo, drills, b"Probe J\xf6rg.toml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // A release directory named the same way, with a plan and a manifest.
    let release = raw_name(&repo, "plans/payments", b"v1.6-k\xfchl");
    fs::create_dir_all(&release).unwrap_or_else(|e| panic!("{e}"));
    fs::write(release.join("plan.md"), plan("payments", "v1.6", &[]))
        .unwrap_or_else(|e| panic!("{e}"));
    fs::write(
        release.join("manifest.toml"),
        manifest("payments", "v1.6", &[]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    repo.commit("a drill record and a release with Latin-1 names");

    let record = "the name of a file in plans/payments/v1.5/drills/ is not valid UTF-8; rename it to the time the drill started, as `backout drill` names its records (2026-11-27T10-15-00Z.toml)";
    let directory = "the name of a directory in plans/payments/ is not valid UTF-8; rename it to letters, digits, `.`, `_` and `-`";
    repo.run(&["check"])
        .code(1)
        .stdout_has(record)
        .stdout_has(directory);
    let review = repo.run(&["review", "--base", &base]);
    review
        .code(1)
        .stdout_has(record)
        .stdout_has(directory)
        // Not a file git lists and then cannot find.
        .stdout_lacks("is missing");
    // A record that cannot be named counts as no drill, at head as in the work tree.
    let list = repo.run(&["list", "--format", "json"]).json();
    let review = repo
        .run(&["review", "--base", &base, "--format", "json"])
        .json();
    assert!(
        !list.to_string().contains("Jörg") && !review.to_string().contains("Jörg"),
        "the renamed record counts as a drill:\n{list}\n{review}"
    );
}

#[test]
fn a_change_that_repairs_an_unreadable_plan_can_be_reviewed() {
    let repo = payments();
    // v1.5 saved by an editor in Latin-1 ("Jörg"), v1.6 committed as a link to v1.5's plan.
    let good = repo.read(V15);
    let mut latin1 = good
        .replace("Rehearsed on staging.\n", "Rehearsed on staging by J")
        .into_bytes();
    latin1.extend_from_slice(b"\xf6rg.\n");
    repo.write(V15, latin1);
    let v16 = "plans/payments/v1.6";
    repo.write(
        &format!("{v16}/manifest.toml"),
        manifest(
            "payments",
            "v1.6",
            &[service("payments-api", "2.4.1", "2.4.0")],
        ),
    );
    symlink("../v1.5/plan.md", repo.join(&format!("{v16}/plan.md")))
        .unwrap_or_else(|e| panic!("{e}"));
    let base = repo.commit("v1.5 in Latin-1, v1.6 a link");

    // The pull request that repairs both: UTF-8, and a plan of v1.6's own.
    repo.write(
        V15,
        good.replace("Rehearsed on staging.", "Rehearsed on staging by Jörg."),
    );
    repo.remove(&format!("{v16}/plan.md"));
    repo.write(
        &format!("{v16}/plan.md"),
        plan(
            "payments",
            "v1.6",
            &[service("payments-api", "2.4.1", "2.4.0")],
        ),
    );
    repo.commit("v1.5 in UTF-8, v1.6 a plan of its own");

    let review = repo.run(&["review", "--base", &base]);
    review
        .code(0)
        .stderr_has("warning: the base version of `plans/payments/v1.5/plan.md` cannot be read (it is not valid UTF-8 (line 38, byte 26 of the line)), so the change is not shown as a diff; its head version is checked as it is")
        .stderr_has("warning: the base version of `plans/payments/v1.6/plan.md` cannot be read (it is a symlink in git, which backout does not follow), so the change is not shown as a diff; its head version is checked as it is")
        .stdout_has("plans/payments/v1.6/plan.md (modified)")
        .stdout_lacks("renamed")
        .stdout_has("reviewed 2 plans: 0 errors");
    let markdown = repo.run(&["review", "--base", &base, "--format", "markdown"]);
    markdown
        .code(0)
        .stdout_has("the base version of `plans/payments/v1.6/plan.md` cannot be read");
    let json = repo
        .run(&["review", "--base", &base, "--format", "json"])
        .json();
    assert_eq!(json["notes"].as_array().map(Vec::len), Some(2), "{json}");

    // A head that is still unreadable is a finding, as `check` says it.
    repo.write(V15, b"+++\nteam = \"payments\"\xff\n+++\n");
    repo.commit("v1.5 broken again");
    repo.run(&["review", "--base", &base])
        .code(1)
        .stdout_has("error[invalid-plan]: plans/payments/v1.5/plan.md is not valid UTF-8");
}

#[test]
fn a_plan_md_that_is_a_directory_in_git_fails_review_and_tags_as_it_fails_check() {
    let repo = payments();
    let base = repo.commit("payments v1.4 and v1.5");
    repo.tag("v1.4", false).tag("v1.5", false);
    // A pull request moves v1.5's plan one level down, into a directory named plan.md, and
    // adds v1.6 the same way.
    let text = repo.read(V15);
    repo.remove(V15);
    repo.write("plans/payments/v1.5/plan.md/plan.md", &text);
    repo.write(
        "plans/payments/v1.6/plan.md/README.md",
        "The v1.6 plan goes here.\n",
    );
    repo.write(
        "plans/payments/v1.6/manifest.toml",
        manifest(
            "payments",
            "v1.6",
            &[service("payments-api", "2.4.1", "2.4.0")],
        ),
    );
    // And a drill record of v1.4 that is a directory of notes.
    repo.write(
        "plans/payments/v1.4/drills/2025-11-20T09-00-00Z.toml/notes.md",
        "Rehearsal notes.\n",
    );
    repo.commit("plans in directories");
    repo.tag("v1.6", false);

    let check = repo.run(&["check"]);
    check
        .code(1)
        .stdout_has("error[invalid-plan]: plans/payments/v1.5/plan.md is a directory, not a file")
        .stdout_has("error[invalid-plan]: plans/payments/v1.6/plan.md is a directory, not a file")
        .stdout_has("error[invalid-plan]: plans/payments/v1.4/drills/2025-11-20T09-00-00Z.toml is a directory, not a file");
    let review = repo.run(&["review", "--base", &base]);
    review
        .code(1)
        .stdout_has(
            "error[invalid-plan]: plans/payments/v1.5/plan.md is a directory in git, not a file",
        )
        .stdout_has(
            "error[invalid-plan]: plans/payments/v1.6/plan.md is a directory in git, not a file",
        )
        .stdout_has("help: move the directory away, and commit the plan as plan.md")
        .stdout_has("error[invalid-plan]: plans/payments/v1.4/drills/2025-11-20T09-00-00Z.toml is a directory in git, not a file")
        .stdout_has("plans/payments/v1.5/plan.md (modified)")
        .stdout_lacks("(deleted)")
        .stdout_lacks("renamed");
    let tags = repo
        .run(&["tags", "--at", "head", "--format", "json"])
        .json();
    let statuses: Vec<(&str, &str)> = tags["tags"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    (
                        r["tag"].as_str().unwrap_or_default(),
                        r["status"].as_str().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        statuses,
        [("v1.4", "draft"), ("v1.5", "invalid"), ("v1.6", "invalid")],
        "{tags}"
    );
}

/// Whether a SARIF plain-text message holds an embedded link (SARIF 2.1.0 §3.11.6): a `]`
/// that no backslash escapes, followed by `(`.
fn has_embedded_link(text: &str) -> bool {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(1)).any(|i| {
        let escapes = bytes[..i].iter().rev().take_while(|b| **b == b'\\').count();
        bytes[i] == b']' && bytes[i + 1] == b'(' && escapes % 2 == 0
    })
}

#[test]
fn sarif_messages_hold_no_links_or_placeholders_from_the_plan() {
    let repo = payments();
    repo.edit(
        V15,
        "status = \"approved\"",
        "status = \"[sign in](https://evil.example/login) [x\\\\\\\\](https://evil.example/2) {0}\"",
    );
    repo.commit("hostile status");
    let sarif = repo.run(&["check", "--format", "sarif"]);
    sarif.code(1);
    let log = sarif.json();
    let texts: Vec<String> = log["runs"][0]["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .filter_map(|r| r["message"]["text"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let status = texts
        .iter()
        .find(|t| t.contains("evil.example/login"))
        .unwrap_or_else(|| panic!("no message quotes the status: {texts:?}"));
    assert!(
        !texts.iter().any(|t| has_embedded_link(t)),
        "a SARIF viewer would render a link: {texts:?}"
    );
    // Literal braces are doubled (§3.11.5), so `{0}` is no placeholder.
    assert!(status.contains("{{0}}"), "{status}");
    assert!(
        status.contains("[sign in\\](https://evil.example/login)"),
        "{status}"
    );
    assert!(
        status.contains("[x\\\\\\](https://evil.example/2)"),
        "{status}"
    );
}

#[test]
fn the_tags_step_summary_cannot_mention_or_link() {
    let repo = payments();
    repo.edit(
        V15,
        "status = \"approved\"",
        "status = \"@octocat see #123 and [sign in](https://evil.example/login) or www.evil.example\"",
    );
    repo.commit("hostile status");
    repo.tag("v1.5", true);
    let summary = repo.join("summary.md");
    let summary_path = summary.to_string_lossy().into_owned();
    repo.run_in_env(
        repo.path(),
        &[("GITHUB_STEP_SUMMARY", summary_path.as_str())],
        &["tags", "--format", "github"],
    )
    .code(1);
    let markdown = fs::read_to_string(&summary).unwrap_or_else(|e| panic!("{e}"));
    assert!(markdown.contains("| `v1.5` | invalid |"), "{markdown}");

    use pulldown_cmark::{Event, Options, Parser, Tag};
    let mut code = Vec::new();
    for event in Parser::new_ext(&markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Text(text) => {
                for hostile in ["@octocat", "#123", "://", "www."] {
                    assert!(
                        !text.contains(hostile),
                        "{hostile} outside code in {text:?}:\n{markdown}"
                    );
                }
            }
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => {
                panic!("a link or image in the summary:\n{markdown}")
            }
            Event::Code(text) => code.push(text.to_string()),
            _ => {}
        }
    }
    // The value is shown whole, as code.
    assert!(
        code.iter().any(|c| c
            == "\"@octocat see #123 and [sign in](https://evil.example/login) or www.evil.example\""),
        "{code:?}"
    );
}

/// A pull request can make a plan of thousands of empty steps: every finding is still
/// reported, once, in every format, however the output is cut into blocks to print.
#[test]
fn thousands_of_findings_in_one_plan_are_each_reported_once() {
    let repo = payments();
    let steps = "- restart\n".repeat(3000);
    repo.edit(V14, "## Procedure\n", &format!("## Procedure\n{steps}\n"));
    let human = repo.run(&["check", "payments/v1.4"]);
    human.code(0);
    assert_eq!(
        human.stdout.matches("warning[step-without-how]").count(),
        3000
    );
    let lines: Vec<usize> = human
        .stdout
        .lines()
        .filter_map(|line| {
            line.trim_start()
                .strip_prefix("--> plans/payments/v1.4/plan.md:")
        })
        .filter_map(|at| at.split(':').next()?.parse().ok())
        .collect();
    assert_eq!(lines.len(), 3000);
    assert!(
        lines.windows(2).all(|pair| pair[0] < pair[1]),
        "in order, none twice"
    );
    human.stdout_has("3000 warnings");

    let github = repo.run(&["check", "payments/v1.4", "--format", "github"]);
    github.code(0);
    assert_eq!(
        github
            .stdout
            .lines()
            .filter(|line| line.starts_with("::warning file=plans/payments/v1.4/plan.md"))
            .count(),
        3000
    );
    let json = repo
        .run(&["check", "payments/v1.4", "--format", "json"])
        .json();
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(3000));
}

/// A manifest.toml that a pull request turns into a directory is the same finding in `check`
/// and in `review` ("is a directory"), not "missing" in one of them.
#[test]
fn a_manifest_that_is_a_directory_in_git_reads_the_same_in_check_and_review() {
    let repo = payments();
    let base = repo.commit("payments v1.4 and v1.5");
    let text = repo.read(V15_MANIFEST);
    repo.remove(V15_MANIFEST);
    repo.write("plans/payments/v1.5/manifest.toml/manifest.toml", &text);
    repo.commit("the manifest one level down");
    let finding =
        "error[invalid-plan]: plans/payments/v1.5/manifest.toml is a directory, not a file";
    repo.run(&["check", "v1.5"])
        .code(1)
        .stdout_has(finding)
        .stdout_lacks("manifest.toml is missing:");
    repo.run(&["review", "--base", &base])
        .code(1)
        .stdout_has(finding)
        .stdout_has("help: move the directory away")
        .stdout_lacks("manifest.toml is missing:");
}
