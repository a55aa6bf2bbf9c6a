//! Builds real temporary git repositories and runs the real `backout` binary in them.
// Not every test module uses every helper.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use git2::{Oid, Repository, Signature, Time};
use tempfile::TempDir;

/// A temporary git repository with a work tree.
pub struct TestRepo {
    dir: TempDir,
    home: TempDir,
    pub git: Repository,
    /// Seconds since the epoch for the next commit; advances so commits order.
    clock: std::cell::Cell<i64>,
}

/// What a run of the binary left behind.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stdout.contains(needle),
            "stdout has {needle:?}\n--- stdout\n{}",
            self.stdout
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Standard output parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// The rule codes of a `--format json` run, in output order.
    #[track_caller]
    pub fn rules(&self) -> Vec<String> {
        self.json()["findings"]
            .as_array()
            .map(|findings| {
                findings
                    .iter()
                    .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl TestRepo {
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let home = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let git = Repository::init(dir.path()).unwrap_or_else(|e| panic!("git init: {e}"));
        TestRepo {
            dir,
            home,
            git,
            clock: std::cell::Cell::new(1_764_000_000),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> &Self {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir {rel}: {e}"));
        }
        fs::write(&path, contents).unwrap_or_else(|e| panic!("write {rel}: {e}"));
        self
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Replaces every `from` in a file with `to`; the file must hold `from`.
    #[track_caller]
    pub fn edit(&self, rel: &str, from: &str, to: &str) -> &Self {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} lacks {from:?}");
        self.write(rel, text.replace(from, to))
    }

    /// Gives a fixture plan a status and a passing `[tested]` record.
    pub fn set_status_tested(&self, rel: &str, status: &str) -> &Self {
        self.edit(rel, "status = \"draft\"", &format!("status = \"{status}\""));
        self.edit(
            rel,
            "duration = \"45m\"",
            "duration = \"45m\"\n[tested]\non = 2026-11-20\nresult = \"pass\"",
        )
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.join(rel).exists()
    }

    pub fn remove(&self, rel: &str) -> &Self {
        let path = self.join(rel);
        if path.is_dir() {
            fs::remove_dir_all(&path).unwrap_or_else(|e| panic!("rm {rel}: {e}"));
        } else {
            fs::remove_file(&path).unwrap_or_else(|e| panic!("rm {rel}: {e}"));
        }
        self
    }

    /// Every file under the work tree (except .git) with its contents, to prove nothing changed.
    pub fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        let mut stack = vec![self.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("ls: {e}"))
                .flatten()
            {
                let path = entry.path();
                if path.file_name().is_some_and(|n| n == ".git") {
                    continue;
                }
                if path.is_dir() && !path.is_symlink() {
                    stack.push(path);
                } else {
                    let rel = path
                        .strip_prefix(self.path())
                        .map(|p| p.display().to_string());
                    files.push((rel.unwrap_or_default(), fs::read(&path).unwrap_or_default()));
                }
            }
        }
        files.sort();
        files
    }

    fn signature(&self) -> Signature<'static> {
        let time = self.clock.get();
        self.clock.set(time + 60);
        Signature::new("Test", "test@example.com", &Time::new(time, 0))
            .unwrap_or_else(|e| panic!("signature: {e}"))
    }

    /// Stages everything in the work tree (including deletions) and commits it.
    pub fn commit(&self, message: &str) -> String {
        let mut index = self.git.index().unwrap_or_else(|e| panic!("index: {e}"));
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap_or_else(|e| panic!("add: {e}"));
        index
            .update_all(["*"], None)
            .unwrap_or_else(|e| panic!("update: {e}"));
        index.write().unwrap_or_else(|e| panic!("index write: {e}"));
        let tree_id = index.write_tree().unwrap_or_else(|e| panic!("tree: {e}"));
        let tree = self
            .git
            .find_tree(tree_id)
            .unwrap_or_else(|e| panic!("tree: {e}"));
        let signature = self.signature();
        let parent = self.git.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        let oid = self
            .git
            .commit(
                Some("HEAD"),
                &signature,
                &signature,
                message,
                &tree,
                &parents,
            )
            .unwrap_or_else(|e| panic!("commit: {e}"));
        oid.to_string()
    }

    /// Tags HEAD, annotated or lightweight.
    pub fn tag(&self, name: &str, annotated: bool) -> &Self {
        let head = self
            .git
            .head()
            .and_then(|h| h.peel(git2::ObjectType::Commit))
            .unwrap_or_else(|e| panic!("head: {e}"));
        if annotated {
            let signature = self.signature();
            self.git
                .tag(name, &head, &signature, &format!("release {name}"), false)
                .unwrap_or_else(|e| panic!("tag: {e}"));
        } else {
            self.git
                .tag_lightweight(name, &head, false)
                .unwrap_or_else(|e| panic!("tag: {e}"));
        }
        self
    }

    pub fn head(&self) -> Oid {
        self.git
            .head()
            .ok()
            .and_then(|h| h.target())
            .unwrap_or(Oid::ZERO_SHA1)
    }

    /// Runs `backout` with `args` in the repository root.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_in(self.path(), args)
    }

    /// Runs `backout` with `args` in `dir`, with colour off and git isolated from the user.
    pub fn run_in(&self, dir: &Path, args: &[&str]) -> Run {
        self.run_in_env(dir, &[], args)
    }

    /// Runs `backout` with `args` in `dir` and extra environment variables.
    pub fn run_in_env(&self, dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
        self.run_with_input(dir, env, args, None)
    }

    /// The `backout` binary, to be started in `dir` with colour off and git isolated from
    /// the user (for tests that drive it themselves, such as through a pseudo-terminal).
    pub fn command(&self, dir: &Path) -> std::process::Command {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("backout"));
        command
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path())
            .env("XDG_CACHE_HOME", self.home.path().join("cache"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("RUST_BACKTRACE");
        command
    }

    /// Runs `backout` with `args` in `dir`, extra environment variables, and `input` as its
    /// standard input (none: empty).
    pub fn run_with_input(
        &self,
        dir: &Path,
        env: &[(&str, &str)],
        args: &[&str],
        input: Option<&str>,
    ) -> Run {
        let mut command = Command::from_std(self.command(dir));
        command.args(args).envs(env.iter().copied());
        if let Some(input) = input {
            command.write_stdin(input);
        }
        let output = command.output().unwrap_or_else(|e| panic!("run: {e}"));
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Like `run_in_env` in the repository root, but a run that has not ended after a
    /// minute is killed (and fails its exit-code assertion): for inputs that once made
    /// backout hang.
    pub fn run_guarded(&self, env: &[(&str, &str)], args: &[&str]) -> Run {
        let mut command = Command::from_std(self.command(self.path()));
        command
            .args(args)
            .envs(env.iter().copied())
            .timeout(std::time::Duration::from_secs(60));
        let output = command.output().unwrap_or_else(|e| panic!("run: {e}"));
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Starts `backout` with `args` in the repository root without waiting for it: for
    /// runs that race each other.
    pub fn spawn(&self, env: &[(&str, &str)], args: &[&str]) -> std::process::Child {
        self.command(self.path())
            .args(args)
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn: {e}"))
    }
}

/// One manifest item for fixtures.
#[derive(Clone, Copy)]
pub struct Item<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub version: Option<&'a str>,
    pub previous: Option<&'a str>,
    pub reversible: bool,
}

pub fn service<'a>(id: &'a str, version: &'a str, previous: &'a str) -> Item<'a> {
    Item {
        id,
        kind: "service",
        version: Some(version),
        previous: Some(previous),
        reversible: true,
    }
}

pub fn migration(id: &str) -> Item<'_> {
    Item {
        id,
        kind: "migration",
        version: None,
        previous: None,
        reversible: false,
    }
}

pub fn manifest(team: &str, release: &str, items: &[Item<'_>]) -> String {
    let mut text = format!("team = \"{team}\"\nrelease = \"{release}\"\n");
    for item in items {
        text.push_str(&format!(
            "\n[[items]]\nid = \"{}\"\nkind = \"{}\"\n",
            item.id, item.kind
        ));
        if let Some(v) = item.version {
            text.push_str(&format!("version = \"{v}\"\n"));
        }
        if let Some(p) = item.previous {
            text.push_str(&format!("previous = \"{p}\"\n"));
        }
        if !item.reversible {
            text.push_str("reversible = false\n");
        }
    }
    text
}

/// A plan that passes every rule for a manifest of `items`: each item gets a step with a
/// command, irreversible ones also a contingency.
pub fn plan(team: &str, release: &str, items: &[Item<'_>]) -> String {
    let mut steps = String::new();
    let mut contingencies = String::from(
        "If the rollback fails, fail over to the standby region (see the [BCP](https://wiki.example.com/bcp)).\n",
    );
    for (i, item) in items.iter().enumerate() {
        let target = item.previous.unwrap_or("the last good state");
        steps.push_str(&format!(
            "{}. Roll back `{}` to {target}: `deploy {} {target}`\n",
            i + 1,
            item.id,
            item.id
        ));
        if !item.reversible {
            contingencies.push_str(&format!(
                "- `{}` cannot be undone: restore from the nightly snapshot.\n",
                item.id
            ));
        }
    }
    if steps.is_empty() {
        steps.push_str("1. Nothing to roll back: `true`\n");
    }
    format!(
        "+++
team = \"{team}\"
release = \"{release}\"
status = \"draft\"
window = \"72h\"
duration = \"45m\"
+++

# Backout plan: {team} {release}

## Criteria
Error rate above 2% for 10 minutes after deployment.

## Decision
The incident commander on call decides.

## Responsibilities
The release engineer on call, within 15 minutes of the decision.

## Procedure
{steps}
## Verification
Run the smoke tests: `make smoke`.

## Communication
Post in #releases before and after.

## Contingencies
{contingencies}
## Testing
Rehearsed on staging.
"
    )
}

/// Writes a plan and its manifest for `team/release`.
pub fn add_release(repo: &TestRepo, team: &str, release: &str, items: &[Item<'_>]) {
    let dir = format!("plans/{team}/{release}");
    repo.write(
        &format!("{dir}/manifest.toml"),
        manifest(team, release, items),
    );
    repo.write(&format!("{dir}/plan.md"), plan(team, release, items));
}

/// A repository with `default_team = "payments"` and two plans, not committed: payments
/// v1.4 (payments-api 2.3.0 → 2.3.1) and v1.5 (payments-api 2.3.1 → 2.4.0, then `v15_extra`).
pub fn payments_repo(v15_extra: &[Item<'_>]) -> TestRepo {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    add_release(
        &repo,
        "payments",
        "v1.4",
        &[service("payments-api", "2.3.1", "2.3.0")],
    );
    let mut v15 = vec![service("payments-api", "2.4.0", "2.3.1")];
    v15.extend_from_slice(v15_extra);
    add_release(&repo, "payments", "v1.5", &v15);
    repo
}

/// A repository with `default_team = "payments"` and two plans, not committed: payments
/// v1.3 (payments-api 2.2.9 → 2.3.0) and v1.4 (payments-api 2.3.0 → 2.3.1, migration
/// `0041_add_refunds`).
pub fn payments_v13_v14() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    add_release(
        &repo,
        "payments",
        "v1.3",
        &[service("payments-api", "2.3.0", "2.2.9")],
    );
    add_release(
        &repo,
        "payments",
        "v1.4",
        &[
            service("payments-api", "2.3.1", "2.3.0"),
            migration("0041_add_refunds"),
        ],
    );
    repo
}

/// checkout v3.2's manifest: a service and a feature flag.
pub const CHECKOUT_V32_MANIFEST: &str = r#"team = "checkout"
release = "v3.2"

[[items]]
id = "cart-service"
kind = "service"
version = "3.2.0"
previous = "3.1.4"

[[items]]
id = "cart_v2_schema"
kind = "flag"
"#;
