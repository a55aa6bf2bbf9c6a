//! Found by trying the tool as a new user would (QA pass C): each test pins one thing that
//! was wrong, on a real repository with the real binary.

use crate::harness::{TestRepo, migration, payments_repo};

const V15: &str = "plans/payments/v1.5/plan.md";

/// payments v1.4 and v1.5, v1.5 approved and tested: a plan `export` takes without
/// `--allow-errors`.
fn payments() -> TestRepo {
    let repo = payments_repo(&[migration("0042_add_ledger_index")]);
    repo.set_status_tested(V15, "approved");
    repo
}

/// Raw HTML blocks of megabytes, full of `<` that never close (comment openers, tag starts)
/// or of script elements, are read once, not once per `<` or per element: every export
/// format finishes, as check does.
#[test]
fn export_reads_unclosed_html_in_one_pass() {
    let repo = payments();
    let plan = repo.read(V15);
    repo.write(
        V15,
        format!(
            "{plan}\n## Notes\n\n{}\n\n{}\n",
            "<Script>x</SCRIPT>".repeat(50_000),
            "<!--<x ".repeat(150_000)
        ),
    );
    repo.commit("a plan with a long unterminated HTML block");
    repo.run_guarded(&[], &["check", "v1.5"]).code(0);
    for format in ["json", "text", "markdown", "servicenow"] {
        repo.run_guarded(&[], &["export", "v1.5", "--format", format])
            .code(0);
    }
}

/// The release directory a user just made (manifest written, plan not yet) is a name for
/// the plan `new` and `import` write, as it is for `baseline`: `.` in it, or the path the
/// output prints, from the work tree root.
#[test]
fn new_and_import_take_the_release_directory() {
    let repo = payments();
    repo.write(
        "plans/payments/v1.6/manifest.toml",
        "team = \"payments\"\nrelease = \"v1.6\"\n\n[[items]]\nid = \"payments-api\"\nkind = \"service\"\n",
    );
    repo.commit("payments v1.6 manifest");
    let v16 = repo.join("plans/payments/v1.6");
    repo.run_in(&v16, &["import", "../v1.5/plan.md", ".", "--dry-run"])
        .code(0)
        .stdout_has("into plans/payments/v1.6/plan.md");
    repo.run_in(&v16, &["new", "."])
        .code(0)
        .stdout_has("created plans/payments/v1.6/plan.md");
    assert!(
        repo.read("plans/payments/v1.6/plan.md")
            .contains("release = \"v1.6\"")
    );
    repo.run(&["new", "plans/payments/v1.6"])
        .code(2)
        .stderr_has("plans/payments/v1.6/plan.md already exists");
    repo.run(&[
        "import",
        V15,
        "plans/payments/v1.6/",
        "--force",
        "--dry-run",
    ])
    .code(0)
    .stdout_has("into plans/payments/v1.6/plan.md");
    // A team's name is not taken as a release of the default team.
    repo.run(&["new", "payments"])
        .code(2)
        .stderr_has("`payments` is a team, not a plan");
    assert!(!repo.exists("plans/payments/payments"));
}

/// What `import` quotes from the source (a heading, a question, the phrase a window came
/// from) reaches the terminal with bidirectional controls and line separators shown as
/// escapes, as every other message quotes plan text.
#[test]
fn import_quotes_the_source_escaped() {
    let repo = payments();
    repo.write(
        "wiki/rollback.md",
        "# Rollback\n\n## Who decides\u{202E}?\n\nThe incident commander.\n\n## Steps\n\n1. Roll back `payments-api`: `helm rollback payments-api 41`\n\nA rollback is possible within 72\u{2028}hours of the\u{2066} deployment.\n",
    );
    let run = repo.run(&["import", "wiki/rollback.md", "v1.7", "--dry-run"]);
    run.code(0)
        .stdout_has("question `Who decides\\u{202E}?`")
        .stdout_has("\\u{2066}");
    for hazard in ['\u{202E}', '\u{2066}', '\u{2028}'] {
        assert!(
            !run.stdout.contains(hazard),
            "{hazard:?} raw in:\n{}",
            run.stdout
        );
    }
}
