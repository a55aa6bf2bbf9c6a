//! What a new user tripped over in the first week: each test reproduces one of them.

use crate::harness::{TestRepo, add_release, manifest, migration, service};

/// payments v1.3 and v1.4 with plans; one commit.
fn payments_repo() -> TestRepo {
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
    repo.commit("payments v1.3 and v1.4");
    repo
}

#[test]
fn a_hotfix_release_comes_after_its_release_and_forks_it() {
    let repo = payments_repo();
    repo.write(
        "plans/payments/v1.4-hotfix/manifest.toml",
        manifest(
            "payments",
            "v1.4-hotfix",
            &[service("payments-api", "2.3.2", "2.3.1")],
        ),
    );
    repo.run(&["baseline", "--dry-run"])
        .code(0)
        .stdout_has("forked payments/v1.4 (the previous release of payments with a plan) into payments/v1.4-hotfix\n");
    let list = repo.run(&["list"]);
    let releases: Vec<&str> = list
        .stdout
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().nth(1))
        .collect();
    assert_eq!(releases, ["v1.3", "v1.4"]);
    add_release(
        &repo,
        "payments",
        "v1.4-hotfix",
        &[service("payments-api", "2.3.2", "2.3.1")],
    );
    add_release(
        &repo,
        "payments",
        "v1.4.1",
        &[service("payments-api", "2.3.3", "2.3.2")],
    );
    let list = repo.run(&["list"]);
    let releases: Vec<&str> = list
        .stdout
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().nth(1))
        .collect();
    assert_eq!(releases, ["v1.3", "v1.4", "v1.4-hotfix", "v1.4.1"]);
}
