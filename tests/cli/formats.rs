//! Output for CI systems, checked against what those systems require: SARIF against the
//! official 2.1.0 schema and GitHub code scanning's extra rules, GitHub annotations against
//! the display limits, GitLab Code Quality against its report format.

use std::collections::HashSet;
use std::path::PathBuf;

use serde_json::Value;

use crate::harness::{TestRepo, add_release, manifest, migration, plan, service};

/// The official SARIF 2.1.0 schema, from the shared/ folder that sits beside the checkout
/// (in CI and in every session). Outside that layout the schema test says so and fails
/// under CI.
fn sarif_schema() -> Option<Value> {
    let file = "shared/schemas/sarif-schema-2.1.0.json";
    let found: Option<PathBuf> = std::env::var_os("BACKOUT_SARIF_SCHEMA")
        .map(PathBuf::from)
        .or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .ancestors()
                .map(|dir| dir.join(file))
                .find(|path| path.is_file())
        });
    match found {
        Some(path) => {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
            Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}")))
        }
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{file} is not beside the checkout; set BACKOUT_SARIF_SCHEMA"
            );
            eprintln!("skipped: {file} not found (set BACKOUT_SARIF_SCHEMA)");
            None
        }
    }
}

#[track_caller]
fn assert_valid(schema: &Value, document: &Value) {
    let validator = jsonschema::validator_for(schema).unwrap_or_else(|e| panic!("schema: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// payments/v1.5 forked from v1.4 without being edited: the copy still names v1.4's items,
/// several times on one line, the typical rot backout reports.
fn forked_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    let v14 = [
        service("payments-api", "2.3.1", "2.3.0"),
        service("ledger-worker", "1.1.0", "1.0.0"),
        service("fraud-scorer", "0.9.2", "0.9.1"),
    ];
    add_release(&repo, "payments", "v1.4", &v14);
    let v15 = [
        service("payments-api", "2.4.0", "2.3.1"),
        migration("0042_add_ledger_index"),
    ];
    repo.write(
        "plans/payments/v1.5/manifest.toml",
        manifest("payments", "v1.5", &v15),
    );
    let copied = plan("payments", "v1.4", &v14)
        .replace("release = \"v1.4\"", "release = \"v1.5\"")
        .replace(
            "## Verification\n",
            "## Verification\nCheck `ledger-worker` lag, then `ledger-worker` and `fraud-scorer` health, then `ledger-worker` again.\n",
        );
    repo.write("plans/payments/v1.5/plan.md", copied);
    repo.commit("v1.5 forked from v1.4");
    repo
}

#[test]
fn sarif_passes_the_schema_and_github_code_scanning_rules() {
    let repo = forked_repo();
    let run = repo.run(&["check", "--format", "sarif"]);
    run.code(1);
    let sarif = run.json();
    if let Some(schema) = sarif_schema() {
        assert_valid(&schema, &sarif);
    }
    let tool = &sarif["runs"][0]["tool"]["driver"];
    let rules = tool["rules"].as_array().cloned().unwrap_or_default();
    assert!(!rules.is_empty());
    for rule in &rules {
        let id = rule["id"].as_str().unwrap_or_default();
        for field in [
            "name",
            "shortDescription",
            "fullDescription",
            "help",
            "helpUri",
        ] {
            assert!(!rule[field].is_null(), "rule {id} lacks {field}");
        }
        let markdown = rule["help"]["markdown"].as_str().unwrap_or_default();
        let text = rule["help"]["text"].as_str().unwrap_or_default();
        assert!(
            markdown.contains("**Fix.**") || markdown.contains("**Why.**"),
            "{id}: {markdown}"
        );
        assert!(
            text.contains("Why.") && !text.contains("**"),
            "{id}: {text}"
        );
        // Links in help must work far from docs/.
        assert!(!markdown.contains("](format.md"), "{id}");
    }
    let foreign = rules
        .iter()
        .find(|r| r["id"] == "foreign-item")
        .unwrap_or_else(|| panic!("no foreign-item rule"));
    assert_eq!(foreign["name"], "ForeignItem");
    assert!(
        foreign["help"]["markdown"]
            .as_str()
            .unwrap_or_default()
            .contains("refers = [\"ledger-worker\"]")
    );

    let results = sarif["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(results.len() >= 8, "{results:#?}");
    let mut fingerprints = HashSet::new();
    let mut places = HashSet::new();
    for result in &results {
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["endLine"], region["startLine"]);
        assert!(region["endColumn"].as_u64() > region["startColumn"].as_u64());
        let print = result["partialFingerprints"]["backoutSubject/v1"]
            .as_str()
            .unwrap_or_else(|| panic!("no fingerprint: {result}"));
        assert!(
            fingerprints.insert(print.to_string()),
            "fingerprint {print} twice"
        );
        places.insert((
            result["ruleId"].to_string(),
            region["startLine"].to_string(),
        ));
    }
    // Several findings share rule, file and line; their fingerprints still differ.
    assert!(
        places.len() < results.len(),
        "the fixture must repeat a rule on a line"
    );
}

#[test]
fn sarif_fingerprints_survive_edits_above_the_findings() {
    let repo = forked_repo();
    let prints = |repo: &TestRepo| -> Vec<String> {
        let sarif = repo.run(&["check", "--format", "sarif"]).json();
        let mut prints: Vec<String> = sarif["runs"][0]["results"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r["partialFingerprints"]["backoutSubject/v1"].to_string())
            .collect();
        prints.sort();
        prints
    };
    let before = prints(&repo);
    repo.edit(
        "plans/payments/v1.5/plan.md",
        "## Criteria\n",
        "## Criteria\nAgreed with the payments on-call rota in the release meeting.\n\n",
    );
    assert_eq!(prints(&repo), before);
}

/// A repository whose one plan has `errors` placeholders and `warnings` steps without a how.
fn many_findings_repo(errors: usize, warnings: usize) -> TestRepo {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"checkout\"\n");
    let items = [service("cart-api", "3.1.0", "3.0.4")];
    add_release(&repo, "checkout", "v3.1", &items);
    let mut steps = String::new();
    for i in 0..warnings {
        steps.push_str(&format!("{}. Tell the shop owners in region {i}.\n", i + 2));
    }
    let mut contingencies = String::new();
    for i in 0..errors {
        contingencies.push_str(&format!("- Fallback for region {i}: TBD\n"));
    }
    repo.edit(
        "plans/checkout/v3.1/plan.md",
        "## Verification\n",
        &format!("{steps}\n## Verification\n"),
    );
    repo.edit(
        "plans/checkout/v3.1/plan.md",
        "## Testing\n",
        &format!("{contingencies}\n## Testing\n"),
    );
    repo.commit("v3.1");
    repo
}

#[test]
fn github_annotations_count_what_github_hides_and_fill_the_job_summary() {
    let repo = many_findings_repo(14, 12);
    let summary_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let summary = summary_dir.path().join("step_summary.md");
    std::fs::write(&summary, "### an earlier step\n").unwrap_or_else(|e| panic!("{e}"));
    let summary_path = summary.to_string_lossy().into_owned();
    let run = repo.run_in_env(
        repo.path(),
        &[("GITHUB_STEP_SUMMARY", &summary_path)],
        &["check", "--format", "github"],
    );
    run.code(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "::notice title=backout::GitHub shows 10 error and 10 warning annotations per step, so 4 errors and 2 warnings are not annotated; the job summary lists them all."
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::error ")).count(),
        14
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::warning ")).count(),
        12
    );

    let written = std::fs::read_to_string(&summary).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        written.starts_with(
            "### an earlier step\n### backout check: 14 errors, 12 warnings in 1 plan\n"
        ),
        "{written}"
    );
    assert!(
        written.contains(
            "| `plans/checkout/v3.1/plan.md` | 14 | 12 | step-without-how, placeholder |"
        ),
        "{written}"
    );
    assert_eq!(
        written.matches(": error[placeholder]: ").count(),
        14,
        "{written}"
    );

    // Without a summary file, the notice points at the step's log, where every annotation
    // follows it (it is the first line, so not "above"); under the limit, no notice.
    let run = repo.run(&["check", "--format", "github"]);
    assert!(
        run.stdout
            .lines()
            .next()
            .is_some_and(|l| l.ends_with("the step's log lists them all, after this notice.")),
        "{}",
        run.stdout
    );
    let run = many_findings_repo(3, 2).run(&["check", "--format", "github"]);
    assert!(!run.stdout.contains("::notice"), "{}", run.stdout);
}

#[test]
fn a_summary_that_cannot_be_written_is_a_warning() {
    let repo = many_findings_repo(1, 0);
    let missing = repo
        .join("no/such/dir/summary.md")
        .to_string_lossy()
        .into_owned();
    let run = repo.run_in_env(
        repo.path(),
        &[("GITHUB_STEP_SUMMARY", &missing)],
        &["check", "--format", "github"],
    );
    run.code(1)
        .stderr_has("warning: could not append the job summary to");
    assert!(run.stdout.starts_with("::error "));
    assert!(!repo.exists("no"));
}

/// GitLab's Code Quality report format (docs.gitlab.com, "Code Quality report format"),
/// written down as a JSON Schema: an array of issues with these required fields.
fn gitlab_code_quality_schema() -> Value {
    serde_json::json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "array",
        "items": {
            "type": "object",
            "required": ["description", "check_name", "fingerprint", "severity", "location"],
            "properties": {
                "description": { "type": "string", "minLength": 1 },
                "check_name": { "type": "string", "minLength": 1 },
                "fingerprint": { "type": "string", "minLength": 1 },
                "severity": { "enum": ["info", "minor", "major", "critical", "blocker"] },
                "location": {
                    "type": "object",
                    "required": ["path", "lines"],
                    "properties": {
                        "path": { "type": "string", "pattern": "^[^/]" },
                        "lines": {
                            "type": "object",
                            "required": ["begin"],
                            "properties": {
                                "begin": { "type": "integer", "minimum": 1 },
                                "end": { "type": "integer", "minimum": 1 }
                            }
                        }
                    }
                }
            }
        }
    })
}

#[test]
fn gitlab_code_quality_report() {
    let repo = forked_repo();
    let run = repo.run(&["check", "--format", "gitlab"]);
    run.code(1);
    let report = run.json();
    assert_valid(&gitlab_code_quality_schema(), &report);
    let issues = report.as_array().cloned().unwrap_or_default();
    let json = repo.run(&["check", "--format", "json"]).json();
    assert_eq!(
        issues.len(),
        json["findings"].as_array().map_or(0, Vec::len)
    );
    let prints: HashSet<&str> = issues
        .iter()
        .filter_map(|i| i["fingerprint"].as_str())
        .collect();
    assert_eq!(
        prints.len(),
        issues.len(),
        "GitLab shows one issue per fingerprint"
    );
    let foreign = issues
        .iter()
        .find(|i| i["check_name"] == "foreign-item")
        .unwrap_or_else(|| panic!("{issues:#?}"));
    assert_eq!(foreign["severity"], "major");
    assert_eq!(foreign["location"]["path"], "plans/payments/v1.5/plan.md");

    let clean = TestRepo::new();
    add_release(
        &clean,
        "payments",
        "v2.0",
        &[service("payments-api", "3.0.0", "2.4.0")],
    );
    clean.commit("v2.0");
    clean.run(&["check", "--format", "gitlab"]).code(0);
    assert_eq!(clean.run(&["check", "--format", "gitlab"]).stdout, "[]\n");
}

#[test]
fn tags_count_hidden_annotations_and_fill_the_job_summary() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    add_release(
        &repo,
        "payments",
        "v1.0",
        &[service("payments-api", "1.0.0", "0.9.0")],
    );
    repo.commit("v1.0");
    repo.tag("v1.0", true);
    // Twelve hotfix tags cut without a plan.
    for patch in 1..=12 {
        repo.write("CHANGELOG.md", format!("1.0.{patch}\n"));
        repo.commit(&format!("1.0.{patch}"));
        repo.tag(&format!("v1.0.{patch}"), false);
    }
    let summary_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let summary = summary_dir.path().join("summary.md");
    let summary_text = summary.to_string_lossy().into_owned();
    let run = repo.run_in_env(
        repo.path(),
        &[("GITHUB_STEP_SUMMARY", &summary_text)],
        &["tags", "--format", "github"],
    );
    run.code(1);
    assert!(
        run.stdout.starts_with("::notice title=backout::GitHub shows 10 error and 10 warning annotations per step, so 2 errors are not annotated; the job summary lists them all.\n"),
        "{}",
        run.stdout
    );
    let written = std::fs::read_to_string(&summary).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        written.starts_with(
            "### backout tags: 13 release tags, 0 ok, 12 missing, 0 invalid, 1 draft\n"
        ),
        "{written}"
    );
    assert!(
        written.contains("| `v1.0.12` | missing | `plans/payments/v1.0.12/plan.md` | no plan at "),
        "{written}"
    );
    assert!(written.contains("| `v1.0` | draft | "), "{written}");
}
