//! Section titles in the team's words: built-in English and German titles, numbering and
//! punctuation ignored, `[sections]`, `language = "de"`, and near misses named.

use crate::harness::{TestRepo, add_release, manifest, migration, service};

const PLAN: &str = "plans/kasse/v3.2/plan.md";

fn kasse_items() -> Vec<crate::harness::Item<'static>> {
    vec![
        service("kasse-api", "3.2.0", "3.1.4"),
        migration("0107_bon_archiv"),
    ]
}

/// A plan a German team writes, with the titles of the German template.
const GERMAN_PLAN: &str = r#"+++
team = "kasse"
release = "v3.2"
status = "draft"
window = "48h"
duration = "30m"
+++

# Backout-Plan: Kasse v3.2

## Kriterien
Fehlerquote der Kasse über 1 % für zehn Minuten, oder Bons ohne Steuernummer.

## Entscheidung
Die Incident-Leitung im Bereitschaftsdienst (erreichbar über PagerDuty, Dienst „Kasse“).

## Verantwortlichkeiten
Das Release-Team der Kasse, spätestens 15 Minuten nach der Entscheidung.

## Ablauf
1. Wartungsseite einschalten: `kassectl maintenance on`
2. `kasse-api` auf 3.1.4 zurücksetzen: `helm rollback kasse-api 57`
3. `0107_bon_archiv` bleibt bestehen; die alte Version ignoriert die Tabelle: siehe [Runbook](https://wiki.example.com/kasse/bon-archiv)

## Verifikation
Smoke-Tests laufen lassen: `make smoke ENV=prod`, danach einen Testbon drucken.

## Kommunikation
Vorher und nachher im Kanal #kasse-betrieb; die Filialleitungen per Rundmail.

## Notfallmaßnahmen
Scheitert der Rollback, Kassen auf Offline-Modus umstellen; `0107_bon_archiv` wird aus dem nächtlichen Snapshot wiederhergestellt.

## Tests
Am 12.11. auf der Staging-Umgebung geprobt, in 22 Minuten.
"#;

#[test]
fn a_german_team_gets_a_german_template_and_a_green_check() {
    let repo = TestRepo::new();
    repo.run(&["init", "--team", "kasse"]).code(0);
    repo.edit("backout.toml", "language = \"en\"", "language = \"de\"");
    repo.run(&["new", "v3.2"]).code(0);
    let template = repo.read(PLAN);
    for title in [
        "Kriterien",
        "Entscheidung",
        "Verantwortlichkeiten",
        "Ablauf",
        "Verifikation",
        "Kommunikation",
        "Notfallmaßnahmen",
        "Tests",
    ] {
        assert!(
            template.contains(&format!("\n## {title}\n\n<!-- ")),
            "{title}\n{template}"
        );
    }
    assert!(template.contains("<!-- Wer ist befugt, den Rollback zu beschließen"));
    // The manifest beside it speaks German too; its keys stay the format's.
    let written = repo.read("plans/kasse/v3.2/manifest.toml");
    assert!(
        written.contains("Jedes Item braucht einen Schritt im Abschnitt „Ablauf“ des Plans."),
        "{written}"
    );
    assert!(
        written.contains("# reversible = true       # false für Änderungen"),
        "{written}"
    );
    // The fresh German plan is unanswered, in German.
    repo.run(&["check", "v3.2"])
        .code(1)
        .stdout_has("error[unanswered-section]: section `## Ablauf` is unanswered")
        .stdout_has("= help: answer: Welche Schritte, manuell und automatisiert");

    repo.write(
        "plans/kasse/v3.2/manifest.toml",
        manifest("kasse", "v3.2", &kasse_items()),
    );
    repo.write(PLAN, GERMAN_PLAN);
    repo.run(&["check", "v3.2"])
        .code(0)
        .stdout_has("checked 1 plan: no problems found");
}

#[test]
fn baseline_without_any_plan_forks_the_german_template() {
    let repo = TestRepo::new();
    repo.write(
        "backout.toml",
        "default_team = \"kasse\"\nlanguage = \"de\"\n",
    );
    repo.write(
        "plans/kasse/v3.2/manifest.toml",
        manifest("kasse", "v3.2", &kasse_items()),
    );
    repo.run(&["baseline", "v3.2"]).code(0);
    assert!(repo.read(PLAN).contains("\n## Notfallmaßnahmen\n"));
}

#[test]
fn titles_in_other_words_numbers_and_punctuation_are_accepted() {
    let repo = TestRepo::new();
    add_release(&repo, "kasse", "v3.2", &kasse_items());
    let renamed = GERMAN_PLAN
        .replace("## Kriterien", "## 1. Rollback-Kriterien:")
        .replace("## Entscheidung", "## 2) Wer entscheidet?")
        .replace("## Verantwortlichkeiten", "## **Roles & Responsibilities**")
        .replace("## Ablauf", "## Step 4: Rollback steps")
        .replace("## Verifikation", "## POST-ROLLBACK CHECKS")
        .replace("## Kommunikation", "## Wer wird informiert?")
        .replace("## Notfallmaßnahmen", "## Notfallmassnahmen")
        .replace("## Tests", "## Has this plan been tested?");
    repo.write(PLAN, renamed);
    repo.run(&["check"]).code(0).stdout_has("no problems found");
}

#[test]
fn sections_from_the_config_are_accepted_and_validated() {
    let repo = TestRepo::new();
    add_release(&repo, "kasse", "v3.2", &kasse_items());
    repo.write(PLAN, GERMAN_PLAN.replace("## Ablauf", "## Rückbau"));
    // Unknown title: the procedure is missing and its steps are no steps; the missing
    // section says so, not one uncovered item after another.
    let run = repo.run(&["check", "--format", "json"]);
    run.code(1);
    let rules = run.rules();
    assert!(rules.contains(&"missing-section".to_string()), "{rules:?}");
    assert!(!rules.contains(&"uncovered-item".to_string()), "{rules:?}");

    repo.write(
        "backout.toml",
        "default_team = \"kasse\"\n[sections]\nprocedure = [\"Rückbau\"]\n",
    );
    repo.run(&["check"]).code(0).stdout_has("no problems found");

    repo.write(
        "backout.toml",
        "[sections]\nprocedure = [\"Verifikation\"]\nverfication = [\"Checks\"]\n",
    );
    repo.run(&["check"])
        .code(2)
        .stderr_has("backout.toml:2:14: `procedure` in [sections] holds \"Verifikation\", which already names the section `verification`")
        .stderr_has("backout.toml:3:1: unknown key `verfication` in [sections]; did you mean `verification`?");
    repo.write("backout.toml", "language = \"fr\"\n");
    repo.run(&["list"]).code(2).stderr_has(
        "backout.toml:1:12: `language` cannot be \"fr\"; use \"en\" (English) or \"de\" (German)",
    );
}

#[test]
fn a_missing_section_names_the_heading_that_nearly_matches() {
    let repo = TestRepo::new();
    add_release(
        &repo,
        "payments",
        "v1.5",
        &[service("payments-api", "2.4.0", "2.3.1")],
    );
    let path = "plans/payments/v1.5/plan.md";
    let plan = repo.read(path);

    // A typo.
    repo.write(path, plan.replace("## Procedure", "## Procdure"));
    repo.run(&["check"])
        .code(1)
        .stdout_has("error[missing-section]: section `## Procedure` is missing; is `## Procdure` here meant to be it?")
        .stdout_has("= help: rename it to `## Procedure`")
        .stdout_has("| ## Procdure");

    // A heading whose words hint at the section: the config can accept it.
    repo.write(path, plan.replace("## Procedure", "## Rollback"));
    repo.run(&["check"])
        .code(1)
        .stdout_has("section `## Procedure` is missing; is `## Rollback` here meant to be it?")
        .stdout_has(
            "accept its title with `procedure = [\"Rollback\"]` under [sections] in backout.toml",
        );

    // The right title at the wrong level.
    repo.write(path, plan.replace("## Procedure", "### Rollback steps"));
    repo.run(&["check"])
        .code(1)
        .stdout_has("section `## Procedure` is missing; the level-3 heading `Rollback steps` here would be it at level 2")
        .stdout_has("= help: write it as `## Rollback steps`");

    // Nothing like it: the question to answer.
    repo.write(path, plan.replace("## Procedure", "## Anhang"));
    repo.run(&["check"])
        .code(1)
        .stdout_has("section `## Procedure` is missing\n")
        .stdout_has("= help: add a `## Procedure` section that answers: Which steps");
}

#[test]
fn a_published_page_follows_the_teams_titles() {
    let repo = TestRepo::new();
    repo.write(
        "backout.toml",
        "default_team = \"kasse\"\nlanguage = \"de\"\n[sections]\nprocedure = [\"Rückbau\"]\n",
    );
    add_release(&repo, "kasse", "v3.2", &kasse_items());
    let plan = GERMAN_PLAN
        .replace("## Ablauf", "## Rückbau")
        .replace("## Entscheidung", "## Wer entscheidet?")
        .replace("status = \"draft\"", "status = \"approved\"")
        .replace(
            "duration = \"30m\"",
            "duration = \"30m\"\n[tested]\non = 2026-11-12\nresult = \"pass\"",
        );
    repo.write(PLAN, plan);
    repo.commit("kasse v3.2");
    repo.run_in_env(
        repo.path(),
        &[("SOURCE_DATE_EPOCH", "1764086400")],
        &["publish", "v3.2"],
    )
    .code(0);
    let page = repo.read("public/plans/kasse/v3.2.html");
    assert!(
        page.contains("<dt>Who decides</dt><dd><p>Die Incident-Leitung im Bereitschaftsdienst"),
        "{page}"
    );
    for step in 1..=3 {
        assert!(
            page.contains(&format!("<li class=\"step\" id=\"step-{step}\">")),
            "step {step}"
        );
    }
}

/// A plan that answers "who decides" twice (the template's `## Decision` kept, a question
/// heading added below) or holds two procedures gets a `duplicate-section` warning at the
/// second heading, naming the first; rollback and success criteria under two different
/// titles are one answer in two halves and pass.
#[test]
fn a_required_section_written_twice_is_a_warning() {
    let repo = TestRepo::new();
    add_release(
        &repo,
        "payments",
        "v1.5",
        &[service("payments-api", "2.4.0", "2.3.1")],
    );
    let plan = "plans/payments/v1.5/plan.md";
    repo.edit(
        plan,
        "## Responsibilities\n",
        "## Who decides?\nThe head of payments operations, reached through PagerDuty.\n\n## Responsibilities\n",
    );
    repo.edit(
        plan,
        "## Verification\n",
        "## Rollback steps\n1. Drain the canary: `kubectl scale deploy/payments-api-canary --replicas=0`\n\n## Verification\n",
    );
    let run = repo.run(&["check"]);
    run.code(0)
        .stdout_has("warning[duplicate-section]: `## Who decides?` is a second Decision section; the first is `## Decision` at line 14")
        .stdout_has("warning[duplicate-section]: `## Rollback steps` is a second Procedure section; the first is `## Procedure` at line 23")
        .stdout_has("help: merge it into `## Decision`");
    repo.run(&["check", "--deny-warnings"]).code(1);
    assert_eq!(
        run.stdout.matches("duplicate-section").count(),
        2,
        "{}",
        run.stdout
    );

    // Criteria split into when to roll back and when the deployment is a success.
    let repo = TestRepo::new();
    add_release(
        &repo,
        "payments",
        "v1.5",
        &[service("payments-api", "2.4.0", "2.3.1")],
    );
    repo.edit(
        plan,
        "## Criteria\nError rate above 2% for 10 minutes after deployment.\n",
        "## Rollback criteria\nError rate above 2% for 10 minutes after deployment.\n\n## Success criteria\nCard authorisations back at their usual rate within an hour.\n",
    );
    repo.run(&["check", "--deny-warnings"])
        .code(0)
        .stdout_lacks("duplicate-section");
    // The same title twice is a copy, even for Criteria.
    repo.edit(plan, "## Success criteria\n", "## Rollback criteria\n");
    repo.run(&["check"])
        .code(0)
        .stdout_has("warning[duplicate-section]: `## Rollback criteria` is a second Criteria section; the first is `## Rollback criteria` at line 11");
}
