//! The plans a change did not touch but may still break: which ones it can reach, and
//! their findings at head that they did not have at base.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;

use crate::commands::pinned;
use crate::corpus::Corpus;
use crate::error::Result;
use crate::manifest::Manifest;
use crate::names::PlanId;
use crate::plan::Plan;
use crate::repo::ObjectError;
use crate::review;
use crate::vocab::Vocabulary;
use crate::workspace::{Catalog, MANIFEST_FILE, PLAN_FILE};

use super::snapshot::{ListedRelease, Listing, Snapshot, releases_of};
use super::{ReviewedPlan, Touched};

/// Which plans the change did not touch could still read differently: what changed in
/// the vocabulary, in the teams' release names, and in backout.toml.
pub(super) struct Impact {
    /// backout.toml changed: every plan may read differently.
    everything: bool,
    /// Ids whose set of releases changed (added to or removed from a manifest).
    ids: Vocabulary,
    /// Release names that appeared or disappeared, by team.
    names: HashMap<String, Vec<String>>,
    /// Untouched plans whose previous release changed.
    previous: HashSet<PlanId>,
    /// Releases whose drill records changed (evidence the drill rules weigh).
    drilled: HashSet<PlanId>,
    /// The releases the change touched.
    touched: HashSet<PlanId>,
}

impl Impact {
    pub(super) fn of(
        old: &mut Snapshot<'_>,
        new: &mut Snapshot<'_>,
        corpus: &Corpus,
        touched: &BTreeMap<PlanId, Touched>,
        drilled: HashSet<PlanId>,
    ) -> Result<Impact> {
        let mut changed_ids: HashSet<String> = HashSet::new();
        let mut names: HashMap<String, Vec<String>> = HashMap::new();
        let mut teams_with_new_plans = HashSet::new();
        for (id, touched) in touched {
            if touched.manifest {
                let base_ids: HashSet<String> = old
                    .read(&old.path(id, MANIFEST_FILE))
                    .ok()
                    .flatten()
                    .map(|text| Manifest::parse(&text, id))
                    .map(|m| m.items.into_iter().map(|item| item.id.into()).collect())
                    .unwrap_or_default();
                let head_ids: HashSet<String> = corpus
                    .manifest(id)
                    .map(|m| m.items.iter().map(|item| item.id.to_string()).collect())
                    .unwrap_or_default();
                changed_ids.extend(base_ids.symmetric_difference(&head_ids).cloned());
            }
            let dir = |snapshot: &mut Snapshot<'_>| -> Result<(bool, bool)> {
                let path = format!("{}/{}/{}", snapshot.config.plans_dir, id.team, id.release);
                let git = |e: ObjectError| e.while_("cannot list the plans at a revision");
                let tree = snapshot.files.tree_at(snapshot.tree, &path).map_err(git)?;
                let has_plan = match tree {
                    Some(tree) => snapshot
                        .files
                        .file_in(tree, PLAN_FILE)
                        .map_err(git)?
                        .is_some(),
                    None => false,
                };
                Ok((tree.is_some(), has_plan))
            };
            let (base_dir, base_plan) = dir(old)?;
            let (head_dir, head_plan) = dir(new)?;
            if base_dir != head_dir {
                names
                    .entry(id.team.clone())
                    .or_default()
                    .push(id.release.clone());
            }
            if base_plan != head_plan {
                teams_with_new_plans.insert(id.team.clone());
            }
        }
        let mut previous = HashSet::new();
        for team in teams_with_new_plans {
            let catalog = |releases: Vec<ListedRelease>| {
                let mut catalog = Catalog::default();
                catalog.teams.insert(team.clone(), releases_of(&releases));
                catalog
            };
            let (before, after) = (catalog(old.team(&team)?), catalog(new.team(&team)?));
            for release in after.releases(&team) {
                let id = PlanId::new(team.clone(), release.name.clone());
                if release.has_plan() && before.previous(&id) != after.previous(&id) {
                    previous.insert(id);
                }
            }
        }
        let mut ids = Vocabulary::builder();
        ids.add(PlanId::new("", ""), changed_ids.iter().map(String::as_str));
        Ok(Impact {
            everything: old.config_blob != new.config_blob,
            ids: ids.build(),
            names,
            previous,
            drilled,
            touched: touched.keys().cloned().collect(),
        })
    }

    /// Whether nothing outside the touched plans can read differently.
    fn is_none(&self) -> bool {
        !self.everything
            && self.ids.is_empty()
            && self.names.is_empty()
            && self.previous.is_empty()
            && self.drilled.is_empty()
    }

    /// Whether the change can reach the plan `id` at all, before its text is read.
    fn may_reach(&self, id: &PlanId) -> bool {
        !self.touched.contains(id)
            && (self.everything
                || !self.ids.is_empty()
                || self.names.contains_key(&id.team)
                || self.previous.contains(id)
                || self.drilled.contains(id))
    }

    /// Whether the untouched plan `id` with this text may have new findings. Errs towards
    /// yes: the text is searched whole, front matter and comments included.
    fn may_affect(&self, id: &PlanId, text: &str) -> bool {
        if self.touched.contains(id) {
            return false;
        }
        self.everything
            || self.previous.contains(id)
            || self.drilled.contains(id)
            || !self
                .ids
                .find(text, std::slice::from_ref(&(0..text.len())))
                .is_empty()
            || self
                .names
                .get(&id.team)
                .is_some_and(|names| names.iter().any(|name| text.contains(name.as_str())))
    }
}

/// The plans the change did not touch that have findings at head they did not have at base.
pub(super) fn caused(
    old: &mut Snapshot<'_>,
    new: &mut Snapshot<'_>,
    corpus: &Corpus,
    listing: &Listing,
    impact: &Impact,
) -> Result<Vec<ReviewedPlan>> {
    if impact.is_none() {
        return Ok(Vec::new());
    }
    let mut suspects = Vec::new();
    for (id, blob) in listing.plans() {
        if !impact.may_reach(&id) {
            continue;
        }
        // An unreadable plan says so at both revisions: nothing new.
        let Ok(text) = new.read_blob(blob) else {
            continue;
        };
        if impact.may_affect(&id, &text) {
            suspects.push((id, text));
        }
    }
    if suspects.is_empty() {
        return Ok(Vec::new());
    }
    let base_listing = old.listing()?;
    let base_corpus = old.corpus(&base_listing, None)?;
    let (old_dir, new_dir) = (&old.config.plans_dir, &new.config.plans_dir);
    let at =
        |dir: &str, id: &PlanId, file: &str| format!("{dir}/{}/{}/{file}", id.team, id.release);
    let mut caused: Vec<ReviewedPlan> = suspects
        .into_par_iter()
        .filter_map(|(id, text)| {
            let plan = Plan::parse_with(&text, &id, corpus.sections());
            // A published plan reads against its own commit, whatever changed since.
            if pinned::commit_of(&plan).is_some() {
                return None;
            }
            let path = at(new_dir, &id, PLAN_FILE);
            let base_path = at(old_dir, &id, PLAN_FILE);
            // A release at head whose directory base did not have is a touched one.
            base_listing.release(&id)?;
            // Each revision reads the plan with its own backout.toml's section titles; with
            // the same backout.toml, one parse serves both.
            let base_plan = if impact.everything {
                Plan::parse_with(&text, &id, base_corpus.sections())
            } else {
                plan.clone()
            };
            let base_manifest = at(old_dir, &id, MANIFEST_FILE);
            let before =
                base_corpus.check_parsed(&id, &base_path, &text, base_plan, &base_manifest);
            let head_manifest = at(new_dir, &id, MANIFEST_FILE);
            let after = corpus.check_parsed(&id, &path, &text, plan, &head_manifest);
            let findings = review::new_findings(&before.findings, after.findings);
            if findings.is_empty() {
                return None;
            }
            Some(ReviewedPlan::caused(id, path, findings))
        })
        .collect();
    caused.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(caused)
}
