//! `manifest-drift`: an item the `[[derive]]` rules find in the release's git changes that
//! its manifest lacks.

use std::collections::HashSet;

use crate::derive::{Derivation, ItemChange, escape};
use crate::diag::{Finding, Rule, Severity, SourceFile};
use crate::manifest::Manifest;
use crate::names::PlanId;

/// What the rules found in the release's range: what the manifest is compared with.
pub struct Found<'a> {
    pub derivation: &'a Derivation,
    /// Where the range starts and ends, as users name them: `v1.4`, `HEAD`.
    pub from: &'a str,
    pub to: &'a str,
    /// `[check] drift`.
    pub severity: Severity,
}

/// One finding per derived item the manifest lacks, on the manifest's `release` line.
pub fn check(
    id: &PlanId,
    file: &SourceFile<'_>,
    manifest: &Manifest,
    found: &Found<'_>,
) -> Vec<Finding> {
    let listed: HashSet<&str> = manifest.items.iter().map(|i| i.id.as_str()).collect();
    let at = manifest.release.as_ref().map_or(0..0, |r| r.span.clone());
    let range = format!("between {} and {}", escape(found.from), escape(found.to));
    found
        .derivation
        .items
        .iter()
        .filter(|item| !listed.contains(item.id.as_str()))
        .map(|item| {
            let first = item.files.first().map(|f| escape(f)).unwrap_or_default();
            let files = match item.files.len() {
                0 | 1 => first,
                n => format!("{first} and {} more", n - 1),
            };
            let what = match item.change {
                ItemChange::Added => "was added",
                ItemChange::Changed => "changed",
                ItemChange::Removed => "was removed",
            };
            let consequence = match item.change {
                ItemChange::Removed => "; a rollback brings it back",
                _ => "",
            };
            let mut finding = file
                .finding(
                    Rule::ManifestDrift,
                    at.clone(),
                    format!(
                        "`{}` ({}) {what} {range} ({files}) but is not in the manifest{consequence}",
                        item.id, item.kind
                    ),
                )
                .with_help(format!(
                    "add it as an [[items]] entry with kind = \"{}\", or run `backout manifest {id} --write`",
                    item.kind
                ));
            finding.severity = found.severity;
            finding
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::DerivedItem;
    use crate::manifest::Kind;

    #[test]
    fn reports_derived_items_the_manifest_lacks() {
        let id = PlanId::new("payments", "v1.5");
        let text = "team = \"payments\"\nrelease = \"v1.5\"\n[[items]]\nid = \"api\"\nkind = \"service\"\n";
        let manifest = Manifest::parse(text, &id);
        let item = |id: &str, kind, change| DerivedItem {
            id: id.into(),
            kind,
            version: None,
            previous: None,
            reversible: None,
            change,
            rule: 1,
            files: vec![format!("x/{id}.sql"), "x/\u{1b}[2J".into()],
        };
        let derivation = Derivation {
            items: vec![
                item("api", Kind::Service, ItemChange::Changed),
                item("0043", Kind::Migration, ItemChange::Added),
                item("legacy", Kind::Service, ItemChange::Removed),
            ],
            ..Derivation::default()
        };
        let found = Found {
            derivation: &derivation,
            from: "v1.4",
            to: "HEAD",
            severity: Severity::Error,
        };
        let file = SourceFile::new("m.toml", text);
        let findings = check(&id, &file, &manifest, &found);
        let messages: Vec<_> = findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`0043` (migration) was added between v1.4 and HEAD (x/0043.sql and 1 more) but is not in the manifest",
                "`legacy` (service) was removed between v1.4 and HEAD (x/legacy.sql and 1 more) but is not in the manifest; a rollback brings it back",
            ]
        );
        assert!(
            findings
                .iter()
                .all(|f| f.severity == Severity::Error && f.line == 2)
        );
    }
}
