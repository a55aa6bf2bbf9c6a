//! The docs keep up with the code: every rule has its entry.

use backout::diag::Rule;

#[test]
fn every_rule_is_documented() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md"))
        .unwrap_or_else(|e| panic!("docs/rules.md: {e}"));
    for rule in Rule::ALL {
        let heading = format!("\n## `{}`\n", rule.code());
        assert!(
            docs.contains(&heading),
            "docs/rules.md has no section {heading:?}"
        );
        let row = format!(
            "| [`{}`](#{}) | {} |",
            rule.code(),
            rule.code(),
            rule.severity()
        );
        assert!(docs.contains(&row), "docs/rules.md table lacks {row:?}");
    }
}
