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
