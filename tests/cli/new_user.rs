//! What a release engineer meeting backout for the first time trips over: each test is a
//! step of the README or docs/ that did something a careful user would not expect.

use crate::harness::{TestRepo, add_release, migration, service};

const V15: &str = "plans/payments/v1.5/plan.md";

/// `manifest --write` creates a missing manifest "from the template of `backout new`"
/// (docs/manifest.md): the `#:schema` line editors read, and the team's language.
#[test]
fn manifest_write_creates_the_manifest_new_would_write() {
    let repo = TestRepo::new();
    repo.write(
        "backout.toml",
        r#"default_team = "lager"
language = "de"

[[derive]]
path = "dienste/{id}/"
kind = "service"
version_file = "dienste/{id}/VERSION"
"#,
    );
    repo.write("dienste/lager-api/VERSION", "1.9.4\n");
    repo.commit("Lagerverwaltung 1.9");
    repo.tag("v1.9", true);
    repo.write("dienste/lager-api/VERSION", "2.0.0\n");
    repo.write("plans/lager/v2.0/.keep", "");
    repo.commit("Lagerverwaltung 2.0: neue Kommissionierung");

    repo.run(&["manifest", "v2.0", "--write"])
        .code(0)
        .stdout_has("created plans/lager/v2.0/manifest.toml");
    let written = repo.read("plans/lager/v2.0/manifest.toml");

    // The same file as `backout new` writes for a release of this team, plus the item.
    repo.remove("plans/lager/v2.0/manifest.toml");
    repo.run(&["new", "v2.0"]).code(0);
    let from_new = repo.read("plans/lager/v2.0/manifest.toml");
    assert!(
        written.starts_with(&from_new),
        "manifest --write did not start from the template of `new`:\n--- written\n{written}\n--- new\n{from_new}"
    );
    assert!(written.starts_with("#:schema "), "{written}");
    assert!(
        written.contains("# Was lager/v2.0 ausliefert."),
        "{written}"
    );
    assert!(
        written.contains(
            "id = \"lager-api\"\nkind = \"service\"\nversion = \"2.0.0\"\nprevious = \"1.9.4\"\n"
        ),
        "{written}"
    );
}

/// The draft gate of `publish` is about the plan as committed: "set `status = "approved"`,
/// commit, and run `backout publish` again". A draft in HEAD with an approval only in the
/// work tree is a plan that is not committed, not one to stamp as published from HEAD.
#[test]
fn publish_refuses_an_approval_that_is_not_committed() {
    let repo = crate::harness::payments_repo(&[migration("0042_add_ledger_index")]);
    repo.edit(
        V15,
        "duration = \"45m\"\n",
        "duration = \"45m\"\n[tested]\non = 2026-11-20\nresult = \"pass\"\n",
    );
    repo.commit("payments v1.5 plan, still a draft");
    repo.edit(V15, "status = \"draft\"", "status = \"approved\"");
    let before = repo.snapshot();

    repo.run_in_env(
        repo.path(),
        &[("SOURCE_DATE_EPOCH", "1764086400")],
        &["publish", "v1.5"],
    )
    .code(1)
    .stderr_has("plans/payments/v1.5/plan.md has changes that are not committed");
    assert!(repo.snapshot() == before, "a refused publish wrote files");

    // Committed, the same approval publishes.
    repo.commit("approve payments v1.5");
    repo.run_in_env(
        repo.path(),
        &[("SOURCE_DATE_EPOCH", "1764086400")],
        &["publish", "v1.5"],
    )
    .code(0);
    assert!(repo.read(V15).contains("status = \"published\""));
}

/// An earlier stamp, not yet committed, still publishes again (docs/publish.md), and so does
/// a draft in HEAD where `[publish] allow_draft = true` lets drafts through.
#[test]
fn publish_still_accepts_an_earlier_stamp_and_allowed_drafts() {
    let repo = TestRepo::new();
    repo.write(
        "backout.toml",
        "default_team = \"payments\"\n\n[publish]\nallow_draft = true\n",
    );
    add_release(
        &repo,
        "payments",
        "v1.5",
        &[service("payments-api", "2.4.0", "2.3.1")],
    );
    repo.commit("payments v1.5, a draft");
    let env = [("SOURCE_DATE_EPOCH", "1764086400")];
    repo.run_in_env(repo.path(), &env, &["publish", "v1.5"])
        .code(0);
    repo.run_in_env(repo.path(), &env, &["publish", "v1.5"])
        .code(0);
}

/// A backout plan sent as an e-mail: no headings, no labels, one paragraph per answer, in
/// the words people write (`we roll back if`, `runs the rollback ... of the decision`,
/// `before and after`). Each answer lands in its section.
#[test]
fn import_places_the_paragraphs_of_a_prose_mail() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"search\"\n");
    repo.write(
        "mail/search-8.0.txt",
        "Hi all,

for the search 8.0 release we roll back if p95 query latency stays above 800 ms for 15 minutes or the zero-results rate doubles.

The search product owner decides, after hearing the on-call engineer.

The search on-call engineer runs the rollback, starting within 10 minutes of the decision.

To roll back, point the alias back to the old index with `curl -XPOST localhost:9200/_aliases -d @alias-v7.json`, then redeploy search-api 7.9.2 with `helm rollback search-api 22`.

Afterwards, run the relevance smoke suite (`make relevance-smoke`) and check the dashboard.

We tell #search and the support leads before and after the rollback.

We rehearsed this on staging last Tuesday; it took 25 minutes.

Cheers, Mia
",
    );
    let run = repo.run(&["import", "mail/search-8.0.txt", "v8.0"]);
    run.code(0);
    for (section, line) in [
        ("criteria", 3),
        ("decision", 5),
        ("responsibilities", 7),
        ("procedure", 9),
        ("verification", 11),
        ("communication", 13),
        ("testing", 15),
    ] {
        let wanted = format!("{section:<18}line {line}: paragraph");
        assert!(
            run.stdout.lines().any(|l| l.starts_with(&wanted)),
            "{section} is not from line {line}:\n{}",
            run.stdout
        );
    }
    let plan = repo.read("plans/search/v8.0/plan.md");
    let under = |title: &str, text: &str| {
        let section = plan
            .split(&format!("## {title}\n"))
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap_or_else(|| panic!("no ## {title}:\n{plan}"));
        assert!(section.contains(text), "## {title} lacks {text:?}:\n{plan}");
    };
    under("Criteria", "we roll back if p95 query latency");
    under(
        "Responsibilities",
        "runs the rollback, starting within 10 minutes",
    );
    under("Communication", "We tell #search and the support leads");
}

/// The backout field of a Jira change ticket, pasted as it is: Jira's wiki markup, where
/// `h3.` is a heading, `#` a numbered item and `{code}` a code block. Read as Markdown, its
/// steps were level-1 headings that ended the procedure.
#[test]
fn import_reads_a_jira_backout_field_as_the_markup_it_is() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"pricing\"\n");
    repo.write(
        "tickets/CHG-4711-backout.txt",
        "h3. Backout criteria
Roll back if order intake drops by more than 20% within the first hour after go-live.

h3. Who decides
Change manager on duty (CAB delegate).

h3. Backout steps
# Disable the new pricing engine: {{pricectl disable v2}}
# Redeploy pricing-service 4.1.7:
{code:bash}
helm rollback pricing-service 12 -n pricing
{code}
# Purge the CDN cache, see [the CDN runbook|https://wiki.example.com/cdn/purge]
## Wait until {{cdnctl status}} says idle

h3. Verification
Place a test order in production with the QA account.
",
    );
    let run = repo.run(&["import", "tickets/CHG-4711-backout.txt", "v4.2"]);
    run.code(0)
        .stdout_has("Jira wiki markup")
        .stdout_has("line 1: heading `Backout criteria`")
        .stdout_has("line 4: heading `Who decides`")
        .stdout_has("line 7: heading `Backout steps` (3 steps)")
        .stdout_has("line 16: heading `Verification`");
    let plan = repo.read("plans/pricing/v4.2/plan.md");
    assert!(
        plan.contains(
            "## Backout steps
1. Disable the new pricing engine: `pricectl disable v2`
1. Redeploy pricing-service 4.1.7:
   ```bash
   helm rollback pricing-service 12 -n pricing
   ```
1. Purge the CDN cache, see [the CDN runbook](https://wiki.example.com/cdn/purge)
   1. Wait until `cdnctl status` says idle
"
        ),
        "{plan}"
    );
    // Every step says how: a command, a code block, a link.
    let check = repo.run(&["check", "v4.2", "--format", "json"]);
    assert!(
        !check.rules().iter().any(|r| r == "step-without-how"),
        "{}",
        check.stdout
    );
}

/// One repository, several teams, one of them German-speaking: `language` in backout.toml
/// is the whole repository's, so the German team names its own with `new --language de`.
#[test]
fn new_writes_a_german_plan_for_one_team_of_an_english_repository() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    add_release(
        &repo,
        "payments",
        "v1.5",
        &[service("payments-api", "2.4.0", "2.3.1")],
    );
    repo.commit("payments v1.5");

    repo.run(&["new", "lager/v2.0", "--language", "de"])
        .code(0)
        .stdout_has("created plans/lager/v2.0/plan.md");
    let plan = repo.read("plans/lager/v2.0/plan.md");
    for title in [
        "## Kriterien",
        "## Ablauf",
        "## Notfallmaßnahmen",
        "## Tests",
    ] {
        assert!(plan.contains(&format!("\n{title}\n")), "{title}:\n{plan}");
    }
    assert!(plan.contains("# Backout-Plan: lager v2.0"), "{plan}");
    let manifest = repo.read("plans/lager/v2.0/manifest.toml");
    assert!(
        manifest.contains("# Was lager/v2.0 ausliefert."),
        "{manifest}"
    );
    // The repository's own language is untouched: payments still gets English.
    repo.run(&["new", "v1.6"]).code(0);
    assert!(
        repo.read("plans/payments/v1.6/plan.md")
            .contains("\n## Criteria\n")
    );
    // `check` reads the German titles: every section is there, unanswered.
    let check = repo.run(&["check", "lager/v2.0", "--format", "json"]);
    check.code(1);
    assert!(
        !check.rules().iter().any(|r| r == "missing-section"),
        "{}",
        check.stdout
    );
    repo.run(&["new", "lager/v2.1", "--language", "fr"])
        .code(2)
        .stderr_has("possible values: en, de");
}

/// A German runbook whose procedure is titled `## Rückbau`, a word backout does not know as
/// the procedure: import keeps it (nothing is lost) and adds an empty procedure, and says how
/// to make `Rückbau` the procedure, which then imports with its steps.
#[test]
fn import_names_the_kept_section_that_holds_the_steps() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"zv\"\n");
    repo.write(
        "wiki/zahlungsverkehr.md",
        "# Rückfallplan Zahlungsverkehr v4.2

**Wann rollen wir zurück?** Wenn mehr als 1 % der Zahlungen abgelehnt werden.

**Wer entscheidet?** Der Incident Manager.

## Rückbau

Schritt 1: Feature-Flag abschalten

```sh
flagctl set sepa-instant off
```

Schritt 2: Dienst zurücksetzen mit `helm rollback zahlung-api 17`.

## Wer wird informiert?

Fachbereich per Mail.
",
    );
    repo.run(&["import", "wiki/zahlungsverkehr.md", "v4.2"])
        .code(0)
        .stdout_has("also kept         `## Rückbau` (line 7)")
        .stdout_has(
            "hint: `## Rückbau` holds steps; if it is the procedure, add `procedure = [\"Rückbau\"]` under [sections] in backout.toml and import again with --force",
        );
    repo.write(
        "backout.toml",
        "default_team = \"zv\"\n\n[sections]\nprocedure = [\"Rückbau\"]\n",
    );
    repo.run(&["import", "wiki/zahlungsverkehr.md", "v4.2", "--force"])
        .code(0)
        .stdout_has("procedure         line 7: heading `Rückbau` (2 steps)")
        .stdout_lacks("hint:");
}

/// `backout init` writes a `[check]` table; a user who appends `[check]` with
/// `drill_max_age` (as docs/drill.md suggests) gets a duplicate table. The error says which
/// table and the fix, not only "duplicate key".
#[test]
fn a_table_opened_twice_in_backout_toml_is_named_with_the_fix() {
    let repo = TestRepo::new();
    repo.run(&["init", "--team", "payments"]).code(0);
    let config = repo.read("backout.toml");
    let line = config.lines().count() + 2;
    repo.write(
        "backout.toml",
        format!("{config}\n[check]\ndrill_max_age = \"90d\"\n"),
    );
    repo.run(&["check"]).code(2).stderr_has(&format!(
        "backout.toml:{line}:2: not valid TOML: duplicate key; `[check]` is already a table above: put these keys in it instead of opening it again"
    ));
    // A key set twice in a plan's front matter.
    add_release(
        &repo,
        "payments",
        "v1.5",
        &[service("payments-api", "2.4.0", "2.3.1")],
    );
    repo.edit(
        "plans/payments/v1.5/plan.md",
        "window = \"72h\"\n",
        "window = \"72h\"\nwindow = \"48h\"\n",
    );
    repo.write("backout.toml", "default_team = \"payments\"\n");
    repo.run(&["check"])
        .code(1)
        .stdout_has("= help: `window` is set twice in the same table: keep one of them");
}

/// The German team's plan in an English repository: `check` asks its questions, and names
/// the sections it lacks, in the plan's language (as `export` already speaks it), not in
/// English headings the team would paste into a German plan.
#[test]
fn check_speaks_the_language_of_a_german_plan_in_an_english_repository() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    repo.run(&["new", "lager/v2.0", "--language", "de"]).code(0);
    let plan = "plans/lager/v2.0/plan.md";
    repo.edit(
        plan,
        "<!-- Unter welchen Umständen",
        "Fehlerquote der Kommissionierung über 3 %.\n<!-- Unter welchen Umständen",
    );
    // The team dropped its Notfallmaßnahmen section.
    let text = repo.read(plan);
    let start = text
        .find("## Notfallmaßnahmen")
        .unwrap_or_else(|| panic!("{text}"));
    let end = text.find("## Tests").unwrap_or_else(|| panic!("{text}"));
    repo.write(plan, format!("{}{}", &text[..start], &text[end..]));

    let run = repo.run(&["check", "lager/v2.0"]);
    run.code(1)
        .stdout_has("error[unanswered-section]: section `## Ablauf` is unanswered")
        .stdout_has(
            "= help: answer: Welche Schritte, manuell und automatisiert, führen den Rollback aus?",
        )
        .stdout_has("error[missing-section]: section `## Notfallmaßnahmen` is missing")
        .stdout_lacks("Which steps")
        .stdout_lacks("## Contingencies");
    // An English plan in the same repository still hears English.
    repo.run(&["new", "v1.5"]).code(0);
    repo.run(&["check", "v1.5"])
        .code(1)
        .stdout_has("= help: answer: Which steps, manual and automated, execute the rollback?");
}

/// `baseline v1.9 --from v1.4` before v1.9 has a manifest: the error's "run ... again" keeps
/// `--from`, since without it the same command would fork v1.5 (the previous release).
#[test]
fn baseline_without_a_manifest_says_to_run_the_same_fork_again() {
    let repo = crate::harness::payments_repo(&[]);
    repo.commit("payments v1.4 and v1.5");
    repo.run(&["baseline", "v1.9", "--from", "v1.4", "--dry-run"])
        .code(2)
        .stderr_has("plans/payments/v1.9/manifest.toml is missing")
        .stderr_has(
            "then run `backout baseline payments/v1.9 --from payments/v1.4 --dry-run` again",
        );
    repo.run(&["baseline", "v1.9"])
        .code(2)
        .stderr_has("then run `backout baseline payments/v1.9` again");
}

/// A wiki page saved as HTML ("Export to HTML", "Save page as") is not Markdown: read as
/// Markdown its headings and steps are raw HTML, and import found nothing in it while
/// exiting 0. It is refused like a .docx, with the fix.
#[test]
fn import_refuses_an_html_page_with_the_fix() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"checkout\"\n");
    repo.write(
        "wiki/checkout-rollback.html",
        "\u{feff}\n<!DOCTYPE html>\n<html><head><title>Checkout rollback</title></head>\n<body>\n<h2>Who decides?</h2>\n<p>The checkout incident commander.</p>\n<h2>Rollback steps</h2>\n<ol><li>Disable the flag: <code>flagctl set new-checkout off</code></li></ol>\n</body></html>\n",
    );
    repo.write(
        "wiki/Checkout.htm",
        "<HTML>\n<BODY><H2>Rollback steps</H2></BODY></HTML>\n",
    );
    let before = repo.snapshot();
    for file in ["wiki/checkout-rollback.html", "wiki/Checkout.htm"] {
        repo.run(&["import", file, "v2.4"])
            .code(2)
            .stderr_has(&format!(
                "{file} is an HTML page, not Markdown or text; export the page as Markdown, or convert it (`pandoc -f html -t gfm"
            ));
    }
    assert!(repo.snapshot() == before, "a refused import wrote files");
    // Markdown that merely holds some HTML is Markdown.
    repo.write(
        "wiki/notes.md",
        "<!-- exported from the wiki -->\n## Rollback steps\n\n1. Disable the flag: `flagctl set new-checkout off`\n",
    );
    repo.run(&["import", "wiki/notes.md", "v2.4"]).code(0);
}

/// A list of contacts is not a procedure: no hint points at it.
#[test]
fn import_does_not_take_a_list_of_contacts_for_steps() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"cart\"\n");
    repo.write(
        "wiki/cart.md",
        "# Cart 5.3\n\n**Who decides?** The shop incident commander.\n\n## Contacts\n\n- Cart team: #team-cart\n- Payments: #team-payments\n",
    );
    repo.run(&["import", "wiki/cart.md", "v5.3"])
        .code(0)
        .stdout_has("also kept         `## Contacts` (line 5)")
        .stdout_lacks("hint:");
}

/// In a fresh repository without backout.toml, `check` and `list` suggested
/// `backout new <release>`, which then fails for want of a team.
#[test]
fn the_first_plan_hint_names_a_team_when_there_is_no_default() {
    let repo = TestRepo::new();
    repo.write("README.md", "# Payments\n");
    for command in ["check", "list"] {
        repo.run(&[command])
            .code(0)
            .stdout_has("create one with `backout new <team>/<release>`");
    }
    repo.run(&["init"])
        .code(0)
        .stdout_has("next: `backout new <team>/<release>` for your next release");
    repo.run(&["new", "payments/v1.0"]).code(0);
    repo.remove("plans/payments");
    repo.write("backout.toml", "default_team = \"payments\"\n");
    for command in ["check", "list"] {
        repo.run(&[command])
            .code(0)
            .stdout_has("create one with `backout new <release>`");
    }
}

/// A plain-text runbook puts a step's command on the next line, indented. Markdown would
/// run it on as the step's sentence (a step without a command); import makes it the code
/// block it is, inside the step.
#[test]
fn import_keeps_an_indented_command_under_its_step_line() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"billing\"\n");
    repo.write(
        "runbooks/billing-7.0.txt",
        "BILLING RELEASE 7.0 - BACKOUT RUNBOOK

ROLLBACK PROCEDURE
Step 1: Pause the dunning scheduler with `billingctl scheduler pause dunning`.
Step 2: Redeploy invoice-engine 6.9.3:
    deployctl deploy invoice-engine --version 6.9.3
    deployctl wait invoice-engine
Step 3: Resume the scheduler: `billingctl scheduler resume dunning`.
",
    );
    repo.run(&["import", "runbooks/billing-7.0.txt", "v7.0"])
        .code(0)
        .stdout_has("(3 steps)");
    let plan = repo.read("plans/billing/v7.0/plan.md");
    assert!(
        plan.contains(
            "- Step 2: Redeploy invoice-engine 6.9.3:\n\n      deployctl deploy invoice-engine --version 6.9.3\n      deployctl wait invoice-engine\n- Step 3:"
        ),
        "{plan}"
    );
    let export = repo.run(&["export", "v7.0", "--format", "json", "--allow-errors"]);
    let json = export.json();
    assert_eq!(
        json["steps"][1]["commands"],
        serde_json::json!([
            "deployctl deploy invoice-engine --version 6.9.3\ndeployctl wait invoice-engine"
        ]),
        "{}",
        export.stdout
    );
}

/// The German team's next `new` speaks German without the flag: a plan's language follows
/// the team's previous plan, and the repository's `language` only where there is none.
#[test]
fn new_follows_the_language_of_the_teams_previous_plan() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    repo.run(&["new", "lager/v2.0", "--language", "de"]).code(0);
    repo.run(&["new", "lager/v2.1"]).code(0);
    let plan = repo.read("plans/lager/v2.1/plan.md");
    assert!(plan.contains("\n## Ablauf\n"), "{plan}");
    assert!(
        repo.read("plans/lager/v2.1/manifest.toml")
            .contains("# Was lager/v2.1 ausliefert.")
    );
    // The flag still wins, and other teams keep the repository's language.
    repo.run(&["new", "lager/v2.2", "--language", "en"]).code(0);
    assert!(
        repo.read("plans/lager/v2.2/plan.md")
            .contains("\n## Procedure\n")
    );
    repo.run(&["new", "v1.0"]).code(0);
    assert!(
        repo.read("plans/payments/v1.0/plan.md")
            .contains("\n## Procedure\n")
    );
}
