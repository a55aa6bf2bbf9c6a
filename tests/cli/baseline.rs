//! `backout baseline`: choosing target and source, the fork itself, provenance, the report
//! of what must change, refusals, dry runs and bad input.

use crate::harness::{TestRepo, add_release, manifest, migration, service};

const V14: &str = "plans/payments/v1.4/plan.md";
const V15: &str = "plans/payments/v1.5/plan.md";
const V15_MANIFEST: &str = "plans/payments/v1.5/manifest.toml";

/// payments/v1.4 with a plan; payments/v1.5 with only its manifest; one commit.
fn payments_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    add_release(
        &repo,
        "payments",
        "v1.4",
        &[
            service("payments-api", "2.3.1", "2.3.0"),
            migration("0041_add_refunds"),
        ],
    );
    repo.write(
        V15_MANIFEST,
        manifest(
            "payments",
            "v1.5",
            &[
                service("payments-api", "2.4.0", "2.3.1"),
                migration("0042_add_ledger_index"),
            ],
        ),
    );
    repo.commit("payments v1.4 and the v1.5 manifest");
    repo
}

/// The text after the closing `+++` line.
fn body(text: &str) -> &str {
    let close = text[3..].find("\n+++\n").map_or(0, |i| i + 3 + 5);
    &text[close..]
}

/// The 1-based line of the first line of `text` holding `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|line| line.contains(needle))
        .map_or(0, |i| i + 1)
}

#[test]
fn from_the_same_team_keeps_the_body_and_records_provenance() {
    let repo = payments_repo();
    let head = repo.head().to_string();
    repo.run(&["baseline", "--from", "v1.4"])
        .code(0)
        .stdout_has("forked payments/v1.4 (named with --from) into payments/v1.5\n")
        .stdout_has(&format!("wrote {V15}\n"))
        .stdout_has(&format!(
            "[baseline] from = \"payments/v1.4\", commit = \"{head}\"\n"
        ));
    let source = repo.read(V14);
    let forked = repo.read(V15);
    assert_eq!(body(&forked), body(&source));
    assert!(forked.starts_with(&format!(
        "+++\nteam = \"payments\"\nrelease = \"v1.5\"\nstatus = \"draft\"\nwindow = \"72h\"\nduration = \"45m\"\n\n[baseline]\nfrom = \"payments/v1.4\"\ncommit = \"{head}\"\n+++\n"
    )));
    assert_eq!(head.len(), 40);
    // `list` shows the provenance (and exits 1: the fork still has errors to fix).
    repo.run(&["list", "--format", "json"])
        .code(1)
        .stdout_has("\"baseline\": \"payments/v1.4\"");
}

#[test]
fn front_matter_edits_keep_comments_and_formatting() {
    let repo = payments_repo();
    let source = "+++
# The payments team's plan; ask #payments-oncall.
team    = \"payments\"        # owner
release = \"v1.4\"            # this release
status  = \"published\"       # draft | approved | published
refers  = []                # nothing foreign on purpose
window  = \"72h\"             # agreed with support
duration = \"45m\"

[tested]                    # rehearsal evidence
on = 2026-10-01
result = \"pass\"

[published]
at = 2026-10-02T09:00:00Z
commit = \"1111111111111111111111111111111111111111\"
+++
";
    let old = repo.read(V14);
    let body_text = body(&old).to_string();
    repo.write(V14, format!("{source}{body_text}"));
    let head = repo.commit("published v1.4");
    repo.run(&["baseline", "v1.5", "--from", "payments/v1.4"])
        .code(0);
    assert_eq!(
        repo.read(V15),
        format!(
            "+++
# The payments team's plan; ask #payments-oncall.
team    = \"payments\"        # owner
release = \"v1.5\"            # this release
status  = \"draft\"       # draft | approved | published
refers  = []                # nothing foreign on purpose
window  = \"72h\"             # agreed with support
duration = \"45m\"

[baseline]
from = \"payments/v1.4\"
commit = \"{head}\"
+++
{body_text}"
        )
    );
}

#[test]
fn an_existing_baseline_is_replaced_in_place() {
    let repo = payments_repo();
    repo.edit(V14,
        "duration = \"45m\"\n",
        "duration = \"45m\"\n[baseline]   # provenance\nfrom = \"payments/v1.3\"   # forked\ncommit = \"2222222222222222222222222222222222222222\"\n",
    );
    let head = repo.commit("v1.4 with provenance");
    repo.run(&["baseline"]).code(0);
    assert!(repo.read(V15).contains(&format!(
        "duration = \"45m\"\n[baseline]   # provenance\nfrom = \"payments/v1.4\"   # forked\ncommit = \"{head}\"\n+++\n"
    )));
}

#[test]
fn from_a_sibling_team() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    add_release(
        &repo,
        "checkout",
        "v2.0",
        &[service("checkout-api", "5.0.0", "4.9.0")],
    );
    repo.edit(
        "plans/checkout/v2.0/plan.md",
        "The incident commander on call decides.",
        "The checkout incident commander decides.",
    );
    repo.write(
        "plans/payments/v1.0/manifest.toml",
        manifest(
            "payments",
            "v1.0",
            &[service("payments-api", "1.0.0", "0.9.0")],
        ),
    );
    repo.commit("checkout v2.0, payments v1.0 manifest");
    let run = repo.run(&["baseline", "payments/v1.0", "--from", "checkout/v2.0"]);
    run.code(0)
        .stdout_has("forked checkout/v2.0 (named with --from) into payments/v1.0\n")
        .stdout_lacks("ranked");
    let forked = repo.read("plans/payments/v1.0/plan.md");
    assert!(forked.starts_with("+++\nteam = \"payments\"\nrelease = \"v1.0\"\n"));
    assert!(forked.contains("[baseline]\nfrom = \"checkout/v2.0\"\n"));
    let title = line_of(&forked, "# Backout plan: checkout v2.0");
    let decision = line_of(&forked, "The checkout incident commander");
    let procedure = line_of(&forked, "## Procedure");
    run.stdout_has(&format!(
        "before the first section (line {})\n  line {title}:17: warning[foreign-team] names checkout, the team this plan was forked from (checkout/v2.0), not payments\n  line {title}:26: note heading names v2.0, the release of checkout/v2.0 this plan was forked from: write v1.0\n",
        title - 1
    ))
    .stdout_has(&format!(
        "  line {decision}:5: warning[foreign-team] names checkout, the team this plan was forked from (checkout/v2.0), not payments\n"
    ))
    // `check` reports the sibling's name, so baseline does not note it a second time.
    .stdout_lacks("note names checkout")
    .stdout_has(&format!(
        "## Procedure (line {procedure})\n  line {procedure}:1: error[uncovered-item] manifest item `payments-api` (service 1.0.0) is not covered by any procedure step\n  line {}:15: error[foreign-item] `checkout-api` belongs to checkout/v2.0, not to payments/v1.0\n",
        procedure + 1
    ));
}

#[test]
fn infers_the_newest_target_and_the_previous_release_by_version_order() {
    let repo = TestRepo::new();
    for release in ["v1.2", "v1.8", "v1.9"] {
        add_release(
            &repo,
            "payments",
            release,
            &[service("payments-api", "1.0.0", "0.9.0")],
        );
    }
    // v1.10 is newer than v1.9, though it sorts before it as text.
    repo.write(
        "plans/payments/v1.10/manifest.toml",
        manifest(
            "payments",
            "v1.10",
            &[service("payments-api", "1.1.0", "1.0.0")],
        ),
    );
    repo.commit("releases");
    repo.run(&["baseline", "--dry-run"])
        .code(0)
        .stdout_has("forked payments/v1.9 (the previous release of payments with a plan) into payments/v1.10\n")
        .stdout_has("dry run: would write plans/payments/v1.10/plan.md (nothing written)\n");
    repo.run(&["baseline"]).code(0);
    assert!(
        repo.read("plans/payments/v1.10/plan.md")
            .contains("from = \"payments/v1.9\"")
    );
    // Now v1.10 has a plan: the inferred target is refused, naming why it was chosen.
    repo.run(&["baseline"])
        .code(2)
        .stderr_has("plans/payments/v1.10/plan.md already exists (payments/v1.10 is the newest release of payments with a manifest); pass --force");
}

#[test]
fn a_first_release_forks_the_sibling_with_the_most_similar_manifest() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    let infra = |id| crate::harness::Item {
        id,
        kind: "infra",
        version: None,
        previous: None,
        reversible: true,
    };
    add_release(
        &repo,
        "checkout",
        "v2.0",
        &[
            infra("pg-main"),
            service("checkout-api", "5.0.0", "4.9.0"),
            migration("0007_carts"),
        ],
    );
    add_release(
        &repo,
        "billing",
        "v3.0",
        &[
            infra("billing-db"),
            service("billing-api", "3.0.0", "2.9.0"),
            migration("0100_invoices"),
        ],
    );
    let flag = crate::harness::Item {
        id: "search-flag",
        kind: "flag",
        version: None,
        previous: None,
        reversible: true,
    };
    add_release(&repo, "search", "v3.1", &[flag]);
    repo.write(
        "plans/payments/v1.0/manifest.toml",
        manifest(
            "payments",
            "v1.0",
            &[
                infra("pg-main"),
                service("payments-api", "1.0.0", "0.9.0"),
                migration("0001_init"),
            ],
        ),
    );
    repo.commit("three teams and payments' first manifest");
    repo.run(&["baseline"])
        .code(0)
        .stdout_has(
            "payments has no plan before v1.0; sibling teams ranked by how alike their latest manifest is to payments/v1.0's
(score = 0.75 × shared ids + 0.25 × kinds):
  1. checkout  0.40  manifest checkout/v2.0: 1 of 5 ids shared (pg-main); kinds 1.00 (service, migration, infra)  <- chosen
  2. billing   0.25  manifest billing/v3.0: no shared ids (of 6); kinds 1.00 (service, migration, infra)
  3. search    0.00  manifest search/v3.1: no shared ids (of 4); no shared kinds
forked checkout/v2.0 (the latest plan of checkout) into payments/v1.0
",
        );
    assert!(
        repo.read("plans/payments/v1.0/plan.md")
            .contains("[baseline]\nfrom = \"checkout/v2.0\"\n")
    );
}

#[test]
fn without_any_plan_it_starts_from_the_template() {
    let repo = TestRepo::new();
    repo.write(
        V15_MANIFEST,
        manifest(
            "payments",
            "v1.5",
            &[service("payments-api", "2.4.0", "2.3.1")],
        ),
    );
    repo.commit("a manifest");
    repo.run(&["baseline"])
        .code(0)
        .stdout_has("no plan to fork in this repository: payments/v1.5 starts from the template of `backout new`\n")
        .stdout_lacks("[baseline]");
    let text = repo.read(V15);
    assert!(text.contains("## Criteria\n\n<!-- Under what circumstances"));
    assert!(!text.contains("[baseline]"));
}

#[test]
fn it_says_what_must_change_section_by_section() {
    let repo = payments_repo();
    let run = repo.run(&["baseline"]);
    run.code(0);
    let text = repo.read(V15);
    let procedure = line_of(&text, "## Procedure");
    let step1 = line_of(&text, "1. Roll back `payments-api`");
    let step2 = line_of(&text, "2. Roll back `0041_add_refunds`");
    let contingency = line_of(&text, "- `0041_add_refunds` cannot be undone");
    run.stdout_has(&format!("what must change in {V15}:\n"))
        .stdout_has(&format!(
            "## Criteria (line {})\n  unchanged since payments/v1.4: confirm it still holds\n",
            line_of(&text, "## Criteria")
        ))
        .stdout_has(&format!(
            "## Procedure (line {procedure})
  line {procedure}:1: error[uncovered-item] manifest item `0042_add_ledger_index` (migration) is not covered by any procedure step
  line {procedure}:1: error[irreversible-item] irreversible item `0042_add_ledger_index` (migration) is covered neither by Contingencies nor by a step that says how
  line {step1}:32: warning[stale-version] version 2.3.0 matches no item referenced here: `payments-api` deploys 2.4.0, rolls back to 2.3.1
  line {step1}:60: warning[stale-version] version 2.3.0 matches no item referenced here: `payments-api` deploys 2.4.0, rolls back to 2.3.1
  line {step2}:15: error[foreign-item] `0041_add_refunds` belongs to payments/v1.4, not to payments/v1.5
  line {step2}:65: error[foreign-item] `0041_add_refunds` belongs to payments/v1.4, not to payments/v1.5
  unchanged since payments/v1.4: confirm it still holds
"
        ))
        .stdout_has(&format!(
            "  line {contingency}:4: error[foreign-item] `0041_add_refunds` belongs to payments/v1.4, not to payments/v1.5\n"
        ))
        .stdout_has(&format!(
            "  line {}:26: warning[foreign-release] the title names release v1.4 of payments, but this plan is for v1.5\n",
            line_of(&text, "# Backout plan")
        ))
        // `check` reports the title, so it is not noted a second time.
        .stdout_lacks("note heading names v1.4")
        .stdout_has("5 errors, 3 warnings; 8 sections unchanged since payments/v1.4\n")
        .stdout_has("next: edit plans/payments/v1.5/plan.md, then `backout check payments/v1.5`");
    // `check` agrees.
    let check = repo.run(&["check", "v1.5", "--format", "json"]);
    check.code(1);
    assert_eq!(check.rules().len(), 8);
}

#[test]
fn quiet_prints_only_what_must_change() {
    let repo = payments_repo();
    repo.run(&["baseline", "-q"])
        .code(0)
        .stdout_lacks("forked payments/v1.4")
        .stdout_lacks("next:")
        .stdout_has("error[foreign-item]");
}

#[test]
fn refuses_to_overwrite_without_force() {
    let repo = payments_repo();
    repo.write(V15, "+++\n# mine\n+++\n");
    let before = repo.snapshot();
    repo.run(&["baseline", "v1.5", "--from", "v1.4"])
        .code(2)
        .stderr_has("plans/payments/v1.5/plan.md already exists; pass --force to overwrite it");
    repo.run(&["baseline", "v1.5", "--from", "v1.4", "--dry-run"])
        .code(2);
    assert_eq!(repo.snapshot(), before);
    repo.run(&["baseline", "v1.5", "--from", "v1.4", "--force"])
        .code(0)
        .stdout_has(&format!("wrote {V15}"));
    assert!(repo.read(V15).contains("from = \"payments/v1.4\""));
    repo.run(&["baseline", "v1.5", "--from", "v1.5", "--force"])
        .code(2)
        .stderr_has("cannot fork payments/v1.5 into itself");
}

#[test]
fn dry_run_writes_nothing() {
    let repo = payments_repo();
    let before = repo.snapshot();
    repo.run(&["baseline", "--dry-run"])
        .code(0)
        .stdout_has("dry run: would write plans/payments/v1.5/plan.md (nothing written)\n")
        .stdout_has("error[foreign-item] `0041_add_refunds` belongs to payments/v1.4")
        .stdout_has("next: run it again without --dry-run");
    assert_eq!(repo.snapshot(), before);
    assert!(!repo.exists(V15));
}

#[test]
fn bad_names_exit_2_and_write_nothing() {
    let repo = payments_repo();
    let before = repo.snapshot();
    for args in [
        &["baseline", "../x"][..],
        &["baseline", "--from", "../x"],
        &["baseline", ".."],
        &["baseline", "payments/.hidden"],
    ] {
        repo.run(args).code(2).stderr_has("is not a plan name");
    }
    repo.run(&["baseline", "../x"])
        .stderr_has("`../x` is not a plan name: team name `..` contains `..`");
    // Two slashes make a path, as for every plan argument: one that does not exist.
    repo.run(&["baseline", "v1.5", "--from", "a/b/c"])
        .code(2)
        .stderr_has("a/b/c does not exist (neither here nor at the work tree root)");
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn missing_or_broken_inputs_are_errors() {
    let repo = payments_repo();
    let before = repo.snapshot();
    repo.run(&["baseline", "--from", "v1.3"])
        .code(2)
        .stderr_has("there is no plan at plans/payments/v1.3/plan.md to fork from; name one that exists with --from (plans of payments: v1.4)");
    repo.run(&["baseline", "v1.6"])
        .code(2)
        .stderr_has("plans/payments/v1.6/manifest.toml is missing, so there is nothing to check the new plan against");
    assert_eq!(repo.snapshot(), before);

    // An unparseable target manifest.
    repo.edit(V15_MANIFEST, "kind = \"migration\"", "kind = migration");
    let before = repo.snapshot();
    repo.run(&["baseline"])
        .code(2)
        .stderr_has("plans/payments/v1.5/manifest.toml:")
        .stderr_has("not valid TOML");
    assert_eq!(repo.snapshot(), before);
    repo.edit(V15_MANIFEST, "kind = migration", "kind = \"migraton\"");
    repo.run(&["baseline"]).code(2).stderr_has(
        "item kind \"migraton\" is not known; did you mean \"migration\"? The kinds are service, ",
    );
    repo.edit(V15_MANIFEST, "kind = \"migraton\"", "kind = \"migration\"");

    // An unparseable source plan.
    repo.edit(V14, "window = \"72h\"", "window = 72h\"");
    let before = repo.snapshot();
    repo.run(&["baseline"])
        .code(2)
        .stderr_has("plans/payments/v1.4/plan.md:5:")
        .stderr_has("the front matter is not valid TOML");
    repo.write(V14, "# no front matter\n");
    repo.run(&["baseline"])
        .code(2)
        .stderr_has("plans/payments/v1.4/plan.md:1:1: the plan has no `+++` front matter to fork");
    assert_eq!(repo.snapshot().len(), before.len());
    assert!(!repo.exists(V15));

    // No team to infer.
    let empty = TestRepo::new();
    empty
        .run(&["baseline"])
        .code(2)
        .stderr_has("no team directory under plans/");
}

#[test]
fn without_commits_no_commit_is_recorded() {
    let repo = TestRepo::new();
    add_release(
        &repo,
        "payments",
        "v1.4",
        &[service("payments-api", "2.3.1", "2.3.0")],
    );
    repo.write(
        V15_MANIFEST,
        manifest(
            "payments",
            "v1.5",
            &[service("payments-api", "2.4.0", "2.3.1")],
        ),
    );
    repo.run(&["baseline"])
        .code(0)
        .stdout_has("[baseline] from = \"payments/v1.4\"\nnote: the repository has no commits yet, so [baseline] records no commit\n");
    let text = repo.read(V15);
    assert!(text.contains("[baseline]\nfrom = \"payments/v1.4\"\n+++\n"));
}

#[test]
fn a_forked_plan_can_be_made_clean() {
    let repo = payments_repo();
    repo.run(&["baseline"]).code(0);
    repo.edit(V15, "payments v1.4", "payments v1.5");
    repo.edit(V15, "2.3.0", "2.3.1");
    repo.edit(V15, "0041_add_refunds", "0042_add_ledger_index");
    repo.run(&["check", "v1.5"])
        .code(0)
        .stdout_has("checked 1 plan: no problems found");
}
