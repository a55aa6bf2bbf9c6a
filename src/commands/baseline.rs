//! `backout baseline`: choose the release to fork into and the plan to fork from, fork it,
//! check the new plan against the target manifest, and write it (unless a dry run).

use crate::baseline::{self, Candidate, ChangeGroup, Provenance, Sibling};
use crate::commands::check::load_corpus;
use crate::corpus::Corpus;
use crate::diag::{Finding, Rule, SourceFile};
use crate::error::{Error, Result};
use crate::fields::Problem;
use crate::manifest::Manifest;
use crate::names::PlanId;
use crate::plan;
use crate::store::{self, FileWrite, Overwrite};
use crate::vocab::Focus;
use crate::workspace::{Catalog, MANIFEST_FILE, PLAN_FILE, Workspace};

/// What the user asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// SPEC: the release to fork into; default the newest release with a manifest.
    pub target: Option<&'a str>,
    /// `--from SPEC`: the plan to fork; a bare RELEASE is of the target's team.
    pub from: Option<&'a str>,
    pub force: bool,
    pub dry_run: bool,
}

/// Where the new plan came from, and why that one.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// Named with `--from`.
    Named(PlanId),
    /// The previous release of the target's team that has a plan.
    Previous(PlanId),
    /// The latest plan of the sibling team whose latest manifest is most like the target's;
    /// `ranking` is every sibling with a plan, best first (the first is the one chosen).
    Sibling {
        plan: PlanId,
        ranking: Vec<Candidate>,
    },
    /// No plan anywhere to fork: the template of `backout new`.
    Template,
}

impl Source {
    /// The plan forked, unless the template was used.
    pub fn plan(&self) -> Option<&PlanId> {
        match self {
            Source::Named(id) | Source::Previous(id) => Some(id),
            Source::Sibling { plan, .. } => Some(plan),
            Source::Template => None,
        }
    }
}

/// What `baseline` did, or would do on a dry run.
#[derive(Debug)]
pub struct Forked {
    pub target: PlanId,
    /// Whether the target was inferred (no SPEC given).
    pub inferred_target: bool,
    /// Repository-relative path of the new plan.
    pub path: String,
    pub source: Source,
    /// The commit recorded in `[baseline]`; `None` when the source is the template or the
    /// repository has no commits yet.
    pub commit: Option<String>,
    /// The new plan's text.
    pub text: String,
    /// Every check finding of the new plan.
    pub findings: Vec<Finding>,
    /// The findings by section, and the sections still identical to the source.
    pub changes: Vec<ChangeGroup>,
    /// `refers` kept from the source: ids the source referred to on purpose.
    pub refers: Vec<String>,
    /// Whether the plan was written (false on a dry run).
    pub written: bool,
    /// Temporary files of an interrupted backout that were removed.
    pub cleaned: Vec<String>,
}

impl Forked {
    /// Whether the repository had no commit to record.
    pub fn no_commit(&self) -> bool {
        self.commit.is_none() && self.source.plan().is_some()
    }
}

pub fn run(workspace: &Workspace, options: &Options<'_>) -> Result<Forked> {
    let catalog = workspace.catalog()?;
    let (target, inferred_target) = match options.target {
        Some(text) => (workspace.resolve_arg(text, &catalog)?, false),
        None => (infer_target(workspace, &catalog)?, true),
    };
    let from = options
        .from
        .map(|text| workspace.resolve_arg_of_team(text, &catalog, &target.team))
        .transpose()?;
    let path = workspace.display_path(&target, PLAN_FILE);
    // Held until the plan is written, so a publish of the same plan cannot interleave.
    let _lock = if options.dry_run {
        None
    } else {
        Some(store::Lock::acquire(
            workspace.root(),
            &workspace.path(&target, PLAN_FILE),
            &path,
        )?)
    };
    if !options.force && catalog.release(&target).is_some_and(|r| r.has_plan()) {
        // Naming another release only helps when the release was inferred.
        let message = if inferred_target {
            format!(
                "{path} already exists ({target} is the newest release of {} with a manifest); pass --force to overwrite it, or name the release to fork into",
                target.team
            )
        } else {
            format!("{path} already exists; pass --force to overwrite it")
        };
        return Err(Error::msg(message));
    }
    if options.force && catalog.release(&target).is_some_and(|r| r.has_plan()) {
        refuse_published(workspace, &target, &path)?;
    }
    let manifest_path = workspace.display_path(&target, MANIFEST_FILE);
    // The same fork again, once the manifest is there.
    let again = format!(
        "backout baseline {target}{}{}{}",
        from.as_ref()
            .map(|f| format!(" --from {f}"))
            .unwrap_or_default(),
        if options.force { " --force" } else { "" },
        if options.dry_run { " --dry-run" } else { "" }
    );
    let manifest = read_target_manifest(workspace, &target, &manifest_path, &again)?;
    // Focused on nothing until the forked text is known (`refocus` below): choosing what to
    // fork reads manifests, not ids in text.
    let mut corpus = load_corpus(workspace, catalog, Some(Focus::default()))?;
    let source = match from {
        Some(from) => Source::Named(from),
        None => infer_source(&corpus, &target, &manifest),
    };
    if source.plan() == Some(&target) {
        return Err(Error::msg(format!(
            "cannot fork {target} into itself; name an earlier plan with --from"
        )));
    }
    if let Some(from) = source.plan() {
        refuse_newer(from, &target)?;
    }
    let (source_text, commit) = match source.plan() {
        Some(id) => (
            read_source(workspace, corpus.catalog(), id)?,
            workspace.repo()?.head_commit(),
        ),
        None => (plan::template_in(&target, workspace.config.language), None),
    };
    let provenance = source.plan().map(|from| Provenance {
        from,
        commit: commit.as_deref(),
    });
    let text = baseline::fork(&source_text, &target, provenance).map_err(|problem| {
        let source_path = source
            .plan()
            .map_or_else(|| path.clone(), |id| workspace.display_path(id, PLAN_FILE));
        located(&source_path, &source_text, &problem)
    })?;
    // A text too large to focus on is checked against the whole vocabulary.
    if let Some(focus) = Focus::of_small(&[text.as_str()]) {
        corpus.refocus(focus);
    }
    let mut checked = corpus.check(&target, &path, &text, &manifest_path);
    // The items git says this release holds and its manifest lacks: part of what must change.
    let drift = super::manifest::drift_of(workspace, &corpus, &target);
    if !drift.is_empty() {
        checked.findings.extend(drift);
        crate::diag::sort(&mut checked.findings);
    }
    let forked_from = source.plan().map(|id| baseline::Forked {
        id,
        text: &source_text,
    });
    let changes = baseline::changes(&text, &path, &target, &checked.findings, forked_from);
    let refers = match source.plan() {
        Some(_) => checked
            .plan
            .front
            .refers
            .iter()
            .map(|r| r.value.clone())
            .collect(),
        None => Vec::new(),
    };
    let cleaned = if options.dry_run {
        Vec::new()
    } else {
        write(workspace, &target, &path, &text, options.force)?.cleaned
    };
    crate::teardown::discard(corpus);
    Ok(Forked {
        target,
        inferred_target,
        path,
        source,
        commit,
        text,
        findings: checked.findings,
        changes,
        refers,
        written: !options.dry_run,
        cleaned,
    })
}

/// A published plan is final: `--force` does not replace it (`new --force` neither).
pub(crate) fn refuse_published(workspace: &Workspace, target: &PlanId, path: &str) -> Result<()> {
    // A plan that cannot be read is not known to be published; --force may replace it.
    let Ok(Some(text)) = store::read_text(workspace.root(), &workspace.path(target, PLAN_FILE))
    else {
        return Ok(());
    };
    if plan::Plan::parse_front_matter(&text, target).status() != plan::Status::Published {
        return Ok(());
    }
    Err(Error::msg(format!(
        "{path} is published, and a published plan is final: --force will not replace it; fork it into a new release instead (`backout baseline <release> --from {target}`), and publish that"
    )))
}

/// A plan of a later release of the same team describes changes the target does not have,
/// and `check` cannot flag them: a plan's vocabulary leaves out its team's newer releases.
fn refuse_newer(from: &PlanId, target: &PlanId) -> Result<()> {
    if from.team == target.team && crate::version::compare(&from.release, &target.release).is_gt() {
        return Err(Error::msg(format!(
            "{from} is newer than {target}: a plan forked from a later release describes changes {} does not have, and `check` cannot flag them (a plan's check leaves out its team's newer releases); fork an earlier plan with --from, or start from the template with `backout new {target}`",
            target.release
        )));
    }
    Ok(())
}

/// Writes the new plan atomically; refuses to replace one without `force`.
fn write(
    workspace: &Workspace,
    target: &PlanId,
    path: &str,
    text: &str,
    force: bool,
) -> Result<store::Written> {
    let file = FileWrite {
        display: path.to_string(),
        path: workspace.path(target, PLAN_FILE),
        contents: text.to_string(),
    };
    let overwrite = if force {
        Overwrite::Allow
    } else {
        Overwrite::Refuse
    };
    store::write_all(workspace.root(), &[file], overwrite)
}

/// An error at a problem's place in a file.
fn located(path: &str, text: &str, problem: &Problem) -> Error {
    let file = SourceFile::new(path, text);
    let mut finding = file.finding(
        Rule::InvalidPlan,
        problem.span.clone(),
        problem.message.clone(),
    );
    finding.help = problem.help.clone();
    Error::from(finding)
}

/// The newest release (version order) of the default team that has a manifest.
fn infer_target(workspace: &Workspace, catalog: &Catalog) -> Result<PlanId> {
    let team = workspace.default_team(catalog)?;
    catalog
        .releases(&team)
        .iter()
        .rev()
        .find(|release| release.has_manifest)
        .map(|release| PlanId::new(team.clone(), release.name.clone()))
        .ok_or_else(|| {
            Error::msg(format!(
                "no release of {team} has a {MANIFEST_FILE}, so there is no release to fork into; create {}/{team}/<release>/{MANIFEST_FILE} listing what the release deploys, or name the release: `backout baseline <release>`",
                workspace.config.plans_dir
            ))
        })
}

/// The previous release of the target's team; else the most similar sibling's latest plan;
/// else the template.
fn infer_source(corpus: &Corpus, target: &PlanId, manifest: &Manifest) -> Source {
    let catalog = corpus.catalog();
    if let Some(previous) = catalog.previous(target) {
        return Source::Previous(PlanId::new(target.team.clone(), previous));
    }
    let siblings: Vec<Sibling<'_>> = catalog
        .teams
        .iter()
        .filter(|(team, _)| **team != target.team)
        .filter_map(|(team, releases)| {
            let plan = releases.iter().rev().find(|r| r.has_plan())?;
            let manifest = releases
                .iter()
                .rev()
                .find(|r| r.has_manifest)
                .map(|r| PlanId::new(team.clone(), r.name.clone()))
                .and_then(|id| corpus.manifest(&id).map(|m| (id, m)));
            Some(Sibling {
                team: team.clone(),
                plan: PlanId::new(team.clone(), plan.name.clone()),
                manifest,
            })
        })
        .collect();
    let ranking = baseline::rank(manifest, siblings);
    match ranking.first() {
        Some(best) => Source::Sibling {
            plan: best.plan.clone(),
            ranking,
        },
        None => Source::Template,
    }
}

/// The target's manifest, which must exist and parse without problems: the new plan is
/// checked against it.
fn read_target_manifest(
    workspace: &Workspace,
    target: &PlanId,
    display: &str,
    again: &str,
) -> Result<Manifest> {
    let text = match store::read_text(workspace.root(), &workspace.path(target, MANIFEST_FILE)) {
        Ok(Some(text)) => text,
        Ok(None) => {
            return Err(Error::msg(format!(
                "{display} is missing, so there is nothing to check the new plan against; create it listing what {target} deploys (team, release and one [[items]] entry per service, migration, flag...), then run `{again}` again"
            )));
        }
        Err(problem) => {
            return Err(Error::msg(format!(
                "{display} {}; {}",
                problem.message, problem.help
            )));
        }
    };
    let manifest = Manifest::parse(&text, target);
    match manifest.problems.first() {
        Some(problem) => Err(located(display, &text, problem)),
        None => Ok(manifest),
    }
}

fn read_source(workspace: &Workspace, catalog: &Catalog, id: &PlanId) -> Result<String> {
    let display = workspace.display_path(id, PLAN_FILE);
    let missing = || {
        let known: Vec<String> = catalog
            .releases(&id.team)
            .iter()
            .filter(|r| r.has_plan())
            .map(|r| r.name.clone())
            .collect();
        let hint = if known.is_empty() {
            format!("{} has no plans yet", id.team)
        } else {
            format!("plans of {}: {}", id.team, known.join(", "))
        };
        Error::msg(format!(
            "there is no plan at {display} to fork from; name one that exists with --from ({hint})"
        ))
    };
    match store::read_text(workspace.root(), &workspace.path(id, PLAN_FILE)) {
        Ok(Some(text)) => Ok(text),
        Ok(None) => Err(missing()),
        Err(problem) => Err(Error::msg(format!(
            "{display} {}; {}",
            problem.message, problem.help
        ))),
    }
}
