//! Fuzz targets for backout: each takes arbitrary bytes, runs a parser or a whole check and
//! its renderers, and asserts what must hold for every input (beyond "does not panic"):
//! positions are 1-based and inside the text, rendered output holds no raw control or
//! bidirectional character, published pages hold no script.
//!
//! The same functions are driven by `cargo fuzz` (nightly, `fuzz_targets/`) and by the
//! stable smoke runner (`tests/smoke.rs`), which mutates the seeds in `corpus/`.

pub mod mutate;

use backout::baseline::{self, Provenance};
use backout::config::Config;
use backout::corpus::{Corpus, ManifestSource};
use backout::diag::escape::{self, is_hazard};
use backout::diag::{self, Finding, HumanStyle, Rule};
use backout::diff::{self, DiffStyle, PlanDiff, Side};
use backout::export::{self, Format};
use backout::manifest::Manifest;
use backout::names::PlanId;
use backout::plan::Plan;
use backout::publish::{self, Entry, Origin};
use backout::sections::{Language, Sections};
use backout::workspace::{Catalog, Release};

/// A fuzz target: any bytes in, a panic when something that must hold does not.
pub type Target = fn(&[u8]);

/// Every target, by name, as the smoke runner and `corpus/` know them.
pub const TARGETS: &[(&str, Target)] = &[
    ("plan", plan),
    ("manifest", manifest),
    ("config", config),
    ("check", check),
    ("page", page),
    ("diff", diff),
    ("baseline", baseline),
    ("escape", escape),
    ("import", import),
    ("export", export),
];

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Splits an input in two at its first NUL byte: a plan and a manifest, or two plans.
fn split(data: &[u8]) -> (String, String) {
    match data.iter().position(|b| *b == 0) {
        Some(at) => (text(&data[..at]), text(&data[at + 1..])),
        None => (text(data), String::new()),
    }
}

fn id() -> PlanId {
    PlanId::new("payments", "v1.5")
}

/// Output that reached a terminal, an annotation or a comment: no hazard but the line
/// breaks (and tabs, which diff lines keep) the renderer itself writes.
#[track_caller]
fn assert_no_hazard(what: &str, output: &str) {
    if let Some(c) = output
        .chars()
        .find(|c| !matches!(c, '\n' | '\t') && is_hazard(*c))
    {
        panic!("{what} holds the raw U+{:04X}:\n{output}", c as u32);
    }
}

#[track_caller]
fn assert_located(findings: &[Finding]) {
    for finding in findings {
        assert!(finding.line >= 1 && finding.column >= 1, "{finding:?}");
        assert!(finding.end_column > finding.column, "{finding:?}");
    }
}

/// The front matter and body of a plan.
pub fn plan(data: &[u8]) {
    let text = text(data);
    let plan = Plan::parse(&text, &id());
    assert!(plan.body_start <= text.len());
    for problem in &plan.problems {
        assert!(problem.span.start <= problem.span.end && problem.span.end <= text.len());
    }
    for section in &plan.body.sections {
        assert!(text.get(section.heading.clone()).is_some(), "{section:?}");
    }
}

/// A manifest.
pub fn manifest(data: &[u8]) {
    let text = text(data);
    let manifest = Manifest::parse(&text, &id());
    for problem in &manifest.problems {
        assert!(problem.span.end <= text.len());
    }
}

/// backout.toml: parsed, and the tag glob it accepts compiles.
pub fn config(data: &[u8]) {
    let text = text(data);
    match Config::parse("backout.toml", &text) {
        Ok(config) => {
            let matcher = config.tags.matcher();
            assert!(matcher.is_ok(), "an accepted glob must compile");
        }
        Err(error) => {
            for sentence in error.sentences() {
                assert!(sentence.starts_with("backout.toml:"), "{sentence}");
            }
        }
    }
}

/// A whole check of a plan (before the first NUL) against a manifest (after it), in a
/// corpus with an older release, and every renderer of its findings.
pub fn check(data: &[u8]) {
    let (plan_text, manifest_text) = split(data);
    let mut catalog = Catalog::default();
    let release = |name: &str| Release::known(name, true, true);
    catalog
        .teams
        .insert("payments".into(), vec![release("v1.4"), release("v1.5")]);
    let older = "team = \"payments\"\nrelease = \"v1.4\"\n[[items]]\nid = \"payments-api\"\nkind = \"service\"\nversion = \"2.3.1\"\n";
    let sources: Vec<ManifestSource> = vec![
        (
            PlanId::new("payments", "v1.4"),
            "plans/payments/v1.4/manifest.toml".into(),
            Ok(older.into()),
        ),
        (
            id(),
            "plans/payments/v1.5/manifest.toml".into(),
            Ok(manifest_text),
        ),
    ];
    let corpus = Corpus::build(catalog, sources, &["postgres-main".into()]);
    let checked = corpus.check(
        &id(),
        "plans/payments/v1.5/plan.md",
        &plan_text,
        "plans/payments/v1.5/manifest.toml",
    );
    let findings = checked.findings;
    assert_located(&findings);
    assert_no_hazard(
        "human",
        &diag::render_human(&findings, &HumanStyle::plain()),
    );
    assert_no_hazard("github", &diag::render_github(&findings));
    let json = diag::render_json(&findings, 1);
    assert_no_hazard("json", &json);
    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
    assert_no_hazard("sarif", &diag::render_sarif(&findings, Rule::ALL));
    for finding in &findings {
        assert_no_hazard("markdown", &escape::markdown_message(&finding.message));
    }
}

/// The published page of a plan (before the first NUL) with a manifest (after it).
pub fn page(data: &[u8]) {
    let (plan_text, manifest_text) = split(data);
    let id = id();
    let plan = Plan::parse(&plan_text, &id);
    let manifest = Manifest::parse(&manifest_text, &id);
    let facts = publish::site::IndexFacts::of(&plan_text, &plan);
    let entries = [Entry {
        id: &id,
        facts: Some(&facts),
        plan: Some((&plan_text, &plan)),
        manifest: Some(&manifest),
        drills: &[],
    }];
    let origin = Origin {
        at: "2026-11-25T16:00:00Z",
        commit: "0123456789abcdef0123456789abcdef01234567",
    };
    let Ok(files) = publish::build(&entries, &origin) else {
        return;
    };
    for file in files {
        let html = file.contents.to_ascii_lowercase();
        assert!(!html.contains("<script"), "{}", file.contents);
        for scheme in ["javascript:", "vbscript:", "data:"] {
            assert!(
                !html.contains(&format!("href=\"{scheme}")),
                "{}",
                file.contents
            );
        }
        assert!(
            !file.contents.chars().any(|c| escape::is_bidi_control(c)
                || (c.is_control() && !matches!(c, '\n' | '\t' | '\r'))),
            "hidden characters on the page"
        );
    }
}

/// Two plans compared, rendered in every format.
pub fn diff(data: &[u8]) {
    let (old, new) = split(data);
    let side = |label, text| Side {
        label,
        text,
        manifest: None,
    };
    let plan_diff = PlanDiff::new(&side("payments/v1.4", &old), &side("payments/v1.5", &new));
    assert_no_hazard("diff", &diff::render_human(&plan_diff, &DiffStyle::plain()));
    assert_no_hazard("diff markdown", &diff::render_markdown(&plan_diff));
    let json = diff::render_json(&plan_diff);
    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
}

/// A plan forked into another release; the fork of a plan that forks parses.
pub fn baseline(data: &[u8]) {
    let source = text(data);
    let from = PlanId::new("payments", "v1.4");
    let provenance = Provenance {
        from: &from,
        commit: Some("0123456789abcdef0123456789abcdef01234567"),
    };
    if let Ok(forked) = baseline::fork(&source, &id(), Some(provenance)) {
        let plan = Plan::parse_front_matter(&forked, &id());
        assert!(plan.front_span.is_some(), "a fork keeps its front matter");
    }
}

/// The escapes: nothing hazardous survives, JSON keeps the value.
pub fn escape(data: &[u8]) {
    let text = text(data);
    assert_no_hazard("inline", &escape::inline(&text));
    assert_no_hazard("markdown text", &escape::markdown_text(&text));
    assert_no_hazard("markdown message", &escape::markdown_message(&text));
    assert_no_hazard("code", &escape::code(&text));
    let json = escape::json(serde_json::to_string(&text).unwrap_or_default());
    assert_no_hazard("json", &json);
    assert_eq!(
        serde_json::from_str::<String>(&json).ok().as_deref(),
        Some(text.as_str())
    );
}

/// Any text adopted with `backout import`: the plan written always parses and has its
/// front matter, whatever shape (or garbage) the source had.
pub fn import(data: &[u8]) {
    let source = text(data);
    let imported = backout::import::import(&source, &id(), Sections::builtin(), "rollback.md");
    let plan = Plan::parse(&imported.text, &id());
    assert!(plan.is_valid(), "{:?}\n{}", plan.problems, imported.text);
}

/// A plan (before the first NUL) with its manifest (after it) exported in every format: the
/// JSON documents parse, and no output holds a raw control or bidirectional character.
pub fn export(data: &[u8]) {
    let (plan_text, manifest_text) = split(data);
    let id = id();
    let plan = Plan::parse(&plan_text, &id);
    let manifest = Manifest::parse(&manifest_text, &id);
    let source = export::Source {
        id: &id,
        file: "plans/payments/v1.5/plan.md",
        text: &plan_text,
        plan: &plan,
        manifest: Some(("plans/payments/v1.5/manifest.toml", &manifest)),
        drills: &[],
        findings: &[],
        language: Language::En,
    };
    for format in [
        Format::Json,
        Format::Text,
        Format::Markdown,
        Format::Servicenow,
    ] {
        let out = export::render(&source, format);
        assert_no_hazard(&format!("export {format:?}"), &out);
        if matches!(format, Format::Json | Format::Servicenow) {
            assert!(
                serde_json::from_str::<serde_json::Value>(&out).is_ok(),
                "{out}"
            );
        }
    }
}
