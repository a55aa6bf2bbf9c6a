//! `backout schema`: the JSON Schemas agree with the parsers. Every fixture — backout's own
//! files, the templates `init` and `new` write, the examples in docs/format.md, and files
//! with every key or with one mistake — gets the same verdict from the parser, from the
//! serde mirror the schema is generated from, and from the schema itself; and an unknown key
//! in any table is rejected by all three.

use std::fs;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use backout::config::Config;
use backout::manifest::Manifest;
use backout::names::PlanId;
use backout::plan::Plan;
use backout::schema::{self, ConfigFile, FrontMatterFile, ManifestFile, Which};

use crate::harness::{TestRepo, manifest, migration, service};
use crate::workflows::fenced_blocks;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(rel: &str) -> String {
    fs::read_to_string(Path::new(ROOT).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// TOML as JSON, dates and date-times as the strings taplo validates them as.
fn to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, to_json(v))).collect())
        }
    }
}

/// The three verdicts on one TOML document: (parser, serde mirror, JSON Schema).
fn verdicts(which: Which, toml_text: &str) -> (bool, bool, bool) {
    let value: toml::Value = match toml::from_str(toml_text) {
        Ok(value) => value,
        Err(e) => panic!("fixture is not TOML ({e}):\n{toml_text}"),
    };
    let name = |key: &str| {
        value
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("x")
            .to_string()
    };
    let id = PlanId::new(name("team"), name("release"));
    let (parser, mirror) = match which {
        Which::Config => (
            Config::parse("backout.toml", toml_text).is_ok(),
            mirrors::<ConfigFile>(toml_text),
        ),
        Which::Manifest => (
            Manifest::parse(toml_text, &id).is_valid(),
            mirrors::<ManifestFile>(toml_text),
        ),
        Which::Plan => {
            let plan = Plan::parse_front_matter(&format!("+++\n{toml_text}+++\n"), &id);
            (plan.is_valid(), mirrors::<FrontMatterFile>(toml_text))
        }
    };
    let validator = jsonschema::validator_for(&schema::schema(which))
        .unwrap_or_else(|e| panic!("{}: {e}", which.name()));
    (parser, mirror, validator.is_valid(&to_json(value)))
}

fn mirrors<T: DeserializeOwned>(text: &str) -> bool {
    toml::from_str::<T>(text).is_ok()
}

#[track_caller]
fn assert_agree(which: Which, text: &str, valid: bool) {
    let (parser, mirror, schema) = verdicts(which, text);
    assert_eq!(
        (parser, mirror, schema),
        (valid, valid, valid),
        "{} fixture: (parser, mirror, schema) should all be {valid}:\n{text}",
        which.name()
    );
}

/// Every table of a TOML document, as the key paths to reach it (arrays of tables by index).
fn tables(value: &toml::Value, path: Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        toml::Value::Table(table) => {
            out.push(path.clone());
            for (key, child) in table {
                let mut next = path.clone();
                next.push(key.clone());
                tables(child, next, out);
            }
        }
        toml::Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                let mut next = path.clone();
                next.push(index.to_string());
                tables(child, next, out);
            }
        }
        _ => {}
    }
}

/// `text` with `unknwn_key = 1` added to the table at `path`.
fn with_unknown_key(text: &str, path: &[String]) -> String {
    let mut value: toml::Value = toml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
    let mut table = &mut value;
    for part in path {
        table = match table {
            toml::Value::Array(items) => &mut items[part.parse::<usize>().unwrap_or_default()],
            toml::Value::Table(t) => t.get_mut(part).unwrap_or_else(|| panic!("{part}")),
            _ => panic!("{part} is not a table"),
        };
    }
    if let toml::Value::Table(t) = table {
        t.insert("unknwn_key".into(), toml::Value::Integer(1));
    }
    toml::to_string(&value).unwrap_or_else(|e| panic!("{e}"))
}

#[track_caller]
fn assert_unknown_keys_rejected(which: Which, text: &str) {
    let value: toml::Value = toml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
    let mut paths = Vec::new();
    tables(&value, Vec::new(), &mut paths);
    for path in paths {
        let changed = with_unknown_key(text, &path);
        let (parser, mirror, schema) = verdicts(which, &changed);
        assert_eq!(
            (parser, mirror, schema),
            (false, false, false),
            "{} with an unknown key in [{}]: (parser, mirror, schema) should all reject:\n{changed}",
            which.name(),
            path.join(".")
        );
    }
}

/// The TOML of a plan's front matter.
fn front_matter(plan: &str) -> String {
    let body = plan.trim_start_matches('\u{feff}');
    let rest = body
        .strip_prefix("+++\n")
        .unwrap_or_else(|| panic!("no front matter"));
    let end = rest
        .find("\n+++")
        .unwrap_or_else(|| panic!("front matter never closed"));
    format!("{}\n", &rest[..end])
}

const FULL_CONFIG: &str = r#"plans_dir = "ops/plans"
default_team = "payments"
language = "de"

[sections]
procedure = ["Rollback steps", "Runbook"]
criteria = ["Go/no-go"]

[tags]
glob = "release-*"
format = "{team}/{release}"
since = "v1.0"

[check]
shared = ["postgres-main", "kafka-orders"]
drift = "error"
drill_max_age = "90d"

[[derive]]
path = "services/{id}/"
kind = "service"
version_file = "services/{id}/VERSION"
team = "payments"

[[derive]]
path = "db/migrations/{id}.sql"
kind = "migration"
id = "db-{id}"
reversible_if = "db/migrations/{id}.down.sql"
"#;

const FULL_FRONT_MATTER: &str = r#"team = "payments"
release = "v1.5"
status = "published"
refers = ["ledger-worker", "postgres-main"]
window = "3d"
duration = "1h30m"

[baseline]
from = "payments/v1.4"
commit = "0123456789abcdef0123456789abcdef01234567"

[tested]
on = 2026-11-20
result = "pass"

[published]
at = 2026-11-25T10:00:00Z
commit = "89abcdef0123456789abcdef0123456789abcdef"
"#;

fn fixtures() -> Vec<(Which, String)> {
    let mut all = vec![
        (Which::Config, read("backout.toml")),
        (Which::Config, FULL_CONFIG.to_string()),
        (Which::Config, String::new()),
        (Which::Manifest, read("plans/backout/v0.1.0/manifest.toml")),
        (
            Which::Manifest,
            manifest(
                "payments",
                "v1.5",
                &[
                    service("payments-api", "2.4.0", "2.3.1"),
                    migration("0042_add_ledger_index"),
                ],
            ),
        ),
        (
            Which::Plan,
            front_matter(&read("plans/backout/v0.1.0/plan.md")),
        ),
        (Which::Plan, FULL_FRONT_MATTER.to_string()),
    ];
    // What `init` and `new` write.
    let repo = TestRepo::new();
    repo.run(&["init", "--team", "payments"]).code(0);
    repo.run(&["new", "v1.5"]).code(0);
    all.push((Which::Config, repo.read("backout.toml")));
    all.push((
        Which::Manifest,
        repo.read("plans/payments/v1.5/manifest.toml"),
    ));
    all.push((
        Which::Plan,
        front_matter(&repo.read("plans/payments/v1.5/plan.md")),
    ));
    all
}

#[test]
fn every_fixture_gets_one_verdict_from_parser_mirror_and_schema() {
    for (which, text) in fixtures() {
        assert_agree(which, &text, true);
    }
}

#[test]
fn the_format_docs_examples_get_one_verdict() {
    let blocks = fenced_blocks(&read("docs/format.md"), "toml");
    assert!(blocks.len() >= 3, "docs/format.md lost its examples");
    for block in blocks {
        let (which, text) = if block.starts_with("+++") {
            (Which::Plan, front_matter(&block))
        } else if block.contains("[[items]]") {
            (Which::Manifest, block)
        } else {
            (Which::Config, block)
        };
        let (parser, mirror, schema) = verdicts(which, &text);
        assert!(
            parser == mirror && mirror == schema,
            "docs/format.md {} example: parser {parser}, mirror {mirror}, schema {schema}:\n{text}",
            which.name()
        );
    }
}

#[test]
fn unknown_keys_are_rejected_by_parser_mirror_and_schema() {
    for (which, text) in fixtures() {
        assert_unknown_keys_rejected(which, &text);
    }
}

#[test]
fn wrong_values_are_rejected_by_all_three() {
    let plan = |from: &str, to: &str| {
        assert!(FULL_FRONT_MATTER.contains(from), "{from}");
        FULL_FRONT_MATTER.replacen(from, to, 1)
    };
    for text in [
        plan("status = \"published\"", "status = \"final\""),
        plan("window = \"3d\"", "window = \"3 days\""),
        plan("duration = \"1h30m\"", "duration = \"30m1h\""),
        plan("duration = \"1h30m\"", "duration = 90"),
        plan("result = \"pass\"", "result = \"passed\""),
        plan("on = 2026-11-20", "on = \"last Tuesday\""),
        plan("from = \"payments/v1.4\"", "from = \"v1.4\""),
        plan(
            "commit = \"0123456789abcdef0123456789abcdef01234567\"",
            "commit = \"HEAD\"",
        ),
        plan("\"ledger-worker\", ", "\"ledger worker\", "),
        plan("team = \"payments\"\n", ""),
    ] {
        assert_agree(Which::Plan, &text, false);
    }
    // Placeholders are not invalid: `check` reports them as placeholders.
    assert_agree(
        Which::Plan,
        &plan("window = \"3d\"", "window = \"TBD\""),
        true,
    );

    let config = |from: &str, to: &str| FULL_CONFIG.replacen(from, to, 1);
    for text in [
        config(
            "format = \"{team}/{release}\"",
            "format = \"{team}-{release}\"",
        ),
        config("drift = \"error\"", "drift = \"fatal\""),
        config(
            "default_team = \"payments\"",
            "default_team = \"pay ments\"",
        ),
        config("since = \"v1.0\"", "since = \"v1..0\""),
        config("kind = \"migration\"", "kind = \"database\""),
        config("language = \"de\"", "language = \"fr\""),
        config("drill_max_age = \"90d\"", "drill_max_age = \"quarterly\""),
        config("criteria = [\"Go/no-go\"]", "kriterien = [\"Go/no-go\"]"),
        config(
            "shared = [\"postgres-main\", \"kafka-orders\"]",
            "shared = \"postgres-main\"",
        ),
    ] {
        assert_agree(Which::Config, &text, false);
    }

    let good = manifest(
        "payments",
        "v1.5",
        &[service("payments-api", "2.4.0", "2.3.1")],
    );
    for (from, to) in [
        ("kind = \"service\"", "kind = \"microservice\""),
        ("id = \"payments-api\"", "id = \"-payments-api\""),
        ("version = \"2.4.0\"", "version = 2.4"),
        ("release = \"v1.5\"\n", ""),
    ] {
        assert_agree(Which::Manifest, &good.replacen(from, to, 1), false);
    }
    assert_agree(
        Which::Manifest,
        &good.replacen(
            "previous = \"2.3.1\"",
            "previous = \"2.3.1\"\nreversible = \"no\"",
            1,
        ),
        false,
    );
}

#[test]
fn the_command_prints_the_schemas_the_repository_publishes() {
    let repo = TestRepo::new();
    for which in Which::ALL {
        let run = repo.run(&["schema", which.name()]);
        run.code(0);
        let printed: Value = run.json();
        assert_eq!(
            printed["$schema"],
            "http://json-schema.org/draft-07/schema#"
        );
        assert_eq!(printed["additionalProperties"], false);
        // schemas/ is what `#:schema` lines point at (at the version's tag): regenerate it
        // with `backout schema NAME > schemas/NAME.schema.json` when a format changes.
        let published = read(&format!("schemas/{}.schema.json", which.name()));
        assert_eq!(
            run.stdout,
            published,
            "schemas/{}.schema.json is stale",
            which.name()
        );
    }
    // No repository needed.
    let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    repo.run_in(outside.path(), &["schema", "config"]).code(0);
    repo.run(&["schema", "front-matter"]).code(2);
}

#[test]
fn init_new_and_import_point_taplo_at_the_schemas() {
    let repo = TestRepo::new();
    repo.run(&["init", "--team", "payments"]).code(0);
    repo.run(&["new", "v1.5"]).code(0);
    // The manifest import writes beside an adopted plan is the same template.
    repo.write(
        "wiki/rollback.md",
        "# Rollback\n\n## Rollback steps\n\n1. `helm rollback payments-api 41`\n",
    );
    repo.run(&["import", "wiki/rollback.md", "v1.6"]).code(0);
    let version = env!("CARGO_PKG_VERSION");
    for (file, name) in [
        ("backout.toml", "config"),
        ("plans/payments/v1.5/manifest.toml", "manifest"),
        ("plans/payments/v1.6/manifest.toml", "manifest"),
    ] {
        let first = repo.read(file).lines().next().map(str::to_string);
        assert_eq!(
            first.as_deref(),
            Some(format!(
                "#:schema https://raw.githubusercontent.com/backout-dev/backout/v{version}/schemas/{name}.schema.json"
            ).as_str()),
            "{file}"
        );
    }
}
