//! Rules about the release's manifest itself.

use crate::diag::{Finding, Rule, SourceFile};
use crate::manifest::Manifest;
use crate::names::PlanId;

/// `empty-manifest`: a manifest that lists nothing. A release that deploys nothing needs no
/// plan; one whose manifest was never filled in has a plan nobody can check.
pub fn empty(file: &SourceFile<'_>, id: &PlanId, manifest: &Manifest) -> Option<Finding> {
    if !manifest.items.is_empty() {
        return None;
    }
    let span = manifest.release.as_ref().map_or(0..0, |r| r.span.clone());
    Some(
        file.finding(
            Rule::EmptyManifest,
            span,
            format!("the manifest of {id} lists no items, so nothing in the plan can be checked against it"),
        )
        .with_help(format!(
            "add one [[items]] table (`id` and `kind`: service, migration, config, flag, infra, data or other) per thing {} deploys",
            id.release
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_without_items_is_reported_at_its_release() {
        let id = PlanId::new("payments", "v1.5");
        let text = "team = \"payments\"\nrelease = \"v1.5\"\n";
        let manifest = Manifest::parse(text, &id);
        let file = SourceFile::new("m.toml", text);
        let finding = empty(&file, &id, &manifest).map(|f| (f.rule, f.line, f.column));
        assert_eq!(finding, Some((Rule::EmptyManifest, 2, 11)));
        let text = "team = \"payments\"\nrelease = \"v1.5\"\n[[items]]\nid = \"api\"\nkind = \"service\"\n";
        let manifest = Manifest::parse(text, &id);
        assert!(empty(&SourceFile::new("m.toml", text), &id, &manifest).is_none());
    }
}
