//! `manifest-drift` a change causes in plans it does not touch. A release without a tag of
//! its own has changes that end at the reviewed revision, so a pull request that adds a
//! service or a migration, and no manifest item, gives that release's plan new drift
//! findings (errors with `[check] drift = "error"`): `check` would fail after the merge.

use std::collections::{BTreeMap, HashSet};

use crate::commands::manifest::Drift;
use crate::corpus::Corpus;
use crate::diag::Finding;
use crate::error::Result;
use crate::names::PlanId;
use crate::plan::Plan;
use crate::repo::Repo;
use crate::review;

use super::snapshot::{Listing, Snapshot};

/// One side of the review: the revision's commit and how it is named.
pub(super) struct End<'s, 'r> {
    pub(super) snapshot: &'s mut Snapshot<'r>,
    pub(super) commit: git2::Oid,
    pub(super) label: &'s str,
}

/// The untouched plans whose drift at head is not what it was at base: their new findings.
pub(super) fn drifted(
    repo: &Repo,
    (old, new): (End<'_, '_>, End<'_, '_>),
    (corpus, listing): (&Corpus, &Listing),
    touched: &HashSet<PlanId>,
) -> Result<BTreeMap<PlanId, Vec<Finding>>> {
    let mut found = BTreeMap::new();
    // Only files outside the plans directory (or the rules themselves) move what the rules
    // find; a change of plans alone cannot.
    let config_changed = old.snapshot.config_blob != new.snapshot.config_blob;
    if new.snapshot.config.derive.is_empty()
        || !(config_changed
            || repo.changed_outside(old.commit, new.commit, &new.snapshot.config.plans_dir)?)
    {
        return Ok(found);
    }
    let head_end = Some((new.commit, new.label.to_string()));
    let Ok(mut at_head) = Drift::open(repo, &new.snapshot.config, corpus.catalog(), head_end)
    else {
        return Ok(found);
    };
    let suspects: Vec<(PlanId, git2::Oid)> = listing
        .plans()
        .filter(|(id, _)| !touched.contains(id) && !at_head.has_release_tag(id))
        .collect();
    if suspects.is_empty() {
        return Ok(found);
    }
    let base_listing = old.snapshot.listing()?;
    let base_catalog = base_listing.catalog();
    let base_end = Some((old.commit, old.label.to_string()));
    // Without rules at base (the change adds them), every drift at head is new.
    let mut at_base = Drift::open(repo, &old.snapshot.config, &base_catalog, base_end).ok();
    for (id, blob) in suspects {
        // An untouched plan and manifest read the same at both revisions.
        let Ok(text) = new.snapshot.read_blob(blob) else {
            continue;
        };
        let status = Some(Plan::parse_front_matter(&text, &id).status());
        let manifest = corpus.manifest_source(&id);
        let Ok(after) = at_head.check(&id, status, manifest) else {
            continue;
        };
        if after.is_empty() {
            continue;
        }
        let before = match at_base.as_mut() {
            Some(drift) if base_listing.release(&id).is_some() => {
                drift.check(&id, status, manifest).unwrap_or_default()
            }
            _ => Vec::new(),
        };
        let new_findings = review::new_findings(&before, after);
        if !new_findings.is_empty() {
            found.insert(id, new_findings);
        }
    }
    Ok(found)
}
