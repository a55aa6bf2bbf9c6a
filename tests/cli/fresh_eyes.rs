//! Found by trying the tool as a new user would (QA pass C): each test pins one thing that
//! was wrong, on a real repository with the real binary.

use crate::harness::{TestRepo, add_release, migration, service};

const V15: &str = "plans/payments/v1.5/plan.md";

/// payments v1.5, approved and tested: a plan `export` takes without `--allow-errors`.
fn payments() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    add_release(
        &repo,
        "payments",
        "v1.5",
        &[
            service("payments-api", "2.4.0", "2.3.1"),
            migration("0042_add_ledger_index"),
        ],
    );
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
