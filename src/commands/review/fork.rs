//! A new plan forked with `backout baseline`, compared with the plan it was forked from.

use crate::baseline;
use crate::corpus::Corpus;
use crate::diag::Finding;
use crate::diff::{PlanDiff, Side};
use crate::manifest::Manifest;
use crate::names::{PlanId, Spec};
use crate::plan::Plan;
use crate::repo::Repo;
use crate::store;
use crate::workspace::{MANIFEST_FILE, PLAN_FILE};

use super::ForkReview;
use super::snapshot::Snapshot;

/// A new plan at head, to compare with the plan its `[baseline] from` names.
pub(super) struct Fork<'a> {
    pub(super) id: &'a PlanId,
    pub(super) path: &'a str,
    pub(super) text: &'a str,
    pub(super) plan: &'a Plan,
    /// Its check findings.
    pub(super) findings: &'a [Finding],
}

impl Fork<'_> {
    /// The diff against the source (as it was at `[baseline] commit` when this clone has
    /// that commit, else at head) and what must still change; `None` when the plan names
    /// no source, or the source cannot be found.
    pub(super) fn review(
        &self,
        repo: &Repo,
        new: &mut Snapshot<'_>,
        corpus: &Corpus,
        head_label: &str,
    ) -> Option<(PlanDiff, ForkReview)> {
        let baseline = self.plan.front.baseline.as_ref()?;
        let spec = Spec::parse(&baseline.from.as_ref()?.value).ok()?;
        let from = PlanId::new(
            spec.team.unwrap_or_else(|| self.id.team.clone()),
            spec.release,
        );
        let plan_path = new.path(&from, PLAN_FILE);
        let manifest_path = new.path(&from, MANIFEST_FILE);
        let at_commit = baseline.commit.as_ref().and_then(|commit| {
            let tree = repo.tree_of_commit(&commit.value)?;
            let text = new.files.read_path(tree, &plan_path).ok()??;
            let text = store::decode(text).ok()?;
            let short = commit.value.get(..10).unwrap_or(&commit.value).to_string();
            Some((tree, text, short))
        });
        let (tree, source_text, at) = match at_commit {
            Some(found) => found,
            None => {
                let text = new.read(&plan_path).ok()??;
                (new.tree, text, head_label.to_string())
            }
        };
        let source_manifest = new
            .files
            .read_path(tree, &manifest_path)
            .ok()
            .flatten()
            .and_then(|bytes| store::decode(bytes).ok())
            .map(|text| Manifest::parse(&text, &from))
            .filter(Manifest::is_valid);
        let old_label = format!("{from}@{at}");
        let new_label = format!("{}@{head_label}", self.id);
        let diff = PlanDiff::new(
            &Side {
                label: &old_label,
                text: &source_text,
                manifest: source_manifest.as_ref(),
            },
            &Side {
                label: &new_label,
                text: self.text,
                manifest: corpus.manifest(self.id).filter(|m| m.is_valid()),
            },
        );
        let source = baseline::Forked {
            id: &from,
            text: &source_text,
        };
        let changes = baseline::changes(self.text, self.path, self.id, self.findings, Some(source));
        Some((
            diff,
            ForkReview {
                from,
                source: old_label,
                changes,
            },
        ))
    }
}
