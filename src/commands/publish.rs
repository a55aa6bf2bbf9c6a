//! `backout publish`: refuse while the plan has check errors or changes that are not
//! committed, stamp it as published from HEAD, render the site, and write it all at once.

use std::fs;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::cache::Cache;
use crate::commands::check;
use crate::corpus::Corpus;
use crate::diag::Finding;
use crate::error::{Error, Result};
use crate::names::PlanId;
use crate::plan::{Plan, Status};
use crate::publish::site::{self, Entry, GENERATOR_MARK, IndexFacts, Origin, SiteFile};
use crate::publish::stamp::{self, Stamp};
use crate::repo::Repo;
use crate::store::stamp::FileStamp;
use crate::store::{self, FileWrite, Overwrite};
use crate::workspace::{MANIFEST_FILE, PLAN_FILE, Workspace};

/// The output directory when `--out` is not given, relative to the work tree root.
pub const DEFAULT_OUT: &str = "public";

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// RELEASE or TEAM/RELEASE.
    pub spec: &'a str,
    /// `--out`; a relative path is taken from the current directory (after `-C`).
    pub out: Option<&'a Path>,
    pub dry_run: bool,
    /// The publish time, in seconds since the Unix epoch.
    pub now: i64,
}

/// How publishing ended.
#[derive(Debug)]
pub enum Outcome {
    /// `check` found errors in the plan; nothing was written.
    Refused {
        id: PlanId,
        findings: Vec<Finding>,
    },
    /// The plan's status is `draft` and `[publish] allow_draft` is not set; nothing was
    /// written.
    Draft {
        id: PlanId,
        path: String,
    },
    /// The plan or its manifest differ from HEAD, so HEAD would not be an honest stamp;
    /// nothing was written.
    Uncommitted {
        id: PlanId,
        files: Vec<String>,
        commit: String,
    },
    Published(Published),
}

/// What was (or, with `--dry-run`, would be) stamped and written.
#[derive(Debug)]
pub struct Published {
    pub id: PlanId,
    /// The plan file, repository-relative.
    pub plan_file: String,
    /// `[published] at`, RFC 3339.
    pub at: String,
    /// `[published] commit`.
    pub commit: String,
    /// Warnings of the plan as published.
    pub warnings: Vec<Finding>,
    /// The output directory as shown to the user.
    pub out_dir: String,
    /// The site's files as shown to the user, index first.
    pub files: Vec<String>,
    /// The published plan's page as shown to the user.
    pub page: String,
    pub dry_run: bool,
    /// Temporary files of an interrupted backout that were removed.
    pub cleaned: Vec<String>,
}

pub fn run(workspace: &Workspace, options: &Options<'_>) -> Result<Outcome> {
    let at = stamp::utc(options.now).ok_or_else(|| {
        Error::msg(format!(
            "the publish time ({} seconds since 1970) is not between 1970 and 9999; check the system clock or SOURCE_DATE_EPOCH",
            options.now
        ))
    })?;
    // The index shows every plan's drill records: whether each release has any is looked
    // up with the listing.
    let (catalog, id) =
        super::existing_plan_in(workspace, options.spec, workspace.catalog_with_drills()?)?;
    let plan_file = workspace.display_path(&id, PLAN_FILE);
    let repo = workspace.repo()?;
    let commit = repo.head_commit().ok_or_else(|| {
        Error::msg(format!(
            "HEAD has no commit yet, and publish stamps the commit a plan is published from; commit {plan_file} and run `backout publish {id}` again"
        ))
    })?;
    let out = OutDir::resolve(workspace, options.out)?;
    // The plan is locked from before it is read until its stamp is written, so another
    // writer (a `baseline --force`) cannot slip in between and have its write lost.
    let _plan_lock = match options.dry_run {
        true => None,
        false => Some(store::Lock::acquire(
            workspace.root(),
            &workspace.path(&id, PLAN_FILE),
            &plan_file,
        )?),
    };
    let mut cache = crate::cache::Cache::open(workspace, &catalog);
    let focus = check::focus_on(workspace, &catalog, std::slice::from_ref(&id));
    let corpus = check::load_corpus_with(workspace, catalog, cache.as_mut(), focus)?;
    let stamp = Stamp { at, commit };
    let ready = match prepare(workspace, &repo, &corpus, id, &stamp)? {
        Ok(ready) => ready,
        Err(refusal) => return Ok(refusal),
    };
    // The site is locked before the other plans are read for the index: two publishes of
    // different plans each list the other's as it is.
    let _site_lock = match options.dry_run {
        true => None,
        false => Some(store::Lock::acquire(
            workspace.root(),
            &out.path.join(site::INDEX),
            &out.display_file(site::INDEX),
        )?),
    };
    let at = stamp.at.to_string();
    let origin = Origin {
        at: &at,
        commit: &stamp.commit,
    };
    let mut site_writes = Vec::new();
    let site = render(workspace, &corpus, &ready, &origin, cache.as_mut());
    if let Some(cache) = cache {
        cache.save(corpus.catalog());
    }
    crate::teardown::discard(corpus);
    for file in site? {
        site_writes.push(out.file(&file.path, file.contents)?);
    }
    let files: Vec<String> = site_writes.iter().map(|w| w.display.clone()).collect();
    // Written in this order: the stamp, the pages, the index. A crash between two renames
    // leaves a stamped plan that publishing again completes, never an index linking to a
    // page that is not there.
    let mut writes = vec![FileWrite {
        display: plan_file.clone(),
        path: workspace.path(&ready.id, PLAN_FILE),
        contents: ready.text,
    }];
    let index = site_writes.remove(0);
    writes.extend(site_writes);
    writes.push(index);
    let cleaned = if options.dry_run {
        Vec::new()
    } else {
        store::write_all(workspace.root(), &writes, Overwrite::Allow)?.cleaned
    };
    let page = site::page_path(&ready.id).ok_or_else(|| {
        Error::msg(format!(
            "plan `{}` has a name that cannot be a file name",
            ready.id
        ))
    })?;
    Ok(Outcome::Published(Published {
        page: out.display_file(&page),
        id: ready.id,
        plan_file,
        at,
        commit: stamp.commit,
        warnings: ready.warnings,
        out_dir: out.display,
        files,
        dry_run: options.dry_run,
        cleaned,
    }))
}

/// A plan that passed every gate, stamped.
struct Ready {
    id: PlanId,
    /// The stamped text of plan.md, and its parse.
    text: String,
    plan: Plan,
    warnings: Vec<Finding>,
}

/// Checks the plan and that it is committed, then stamps it; `Err` is the refusal.
fn prepare(
    workspace: &Workspace,
    repo: &Repo,
    corpus: &Corpus,
    id: PlanId,
    stamp: &Stamp,
) -> Result<Result<Ready, Outcome>> {
    let plan_file = workspace.display_path(&id, PLAN_FILE);
    let manifest_file = workspace.display_path(&id, MANIFEST_FILE);
    let text = super::read_release_file(workspace, &id, PLAN_FILE)?;
    let mut checked = corpus.check(&id, &plan_file, &text, &manifest_file);
    checked
        .findings
        .extend(super::manifest::drift_of(workspace, corpus, &id));
    if checked.findings.iter().any(Finding::is_error) {
        let findings = checked.findings;
        return Ok(Err(Outcome::Refused { id, findings }));
    }
    if checked.plan.status() == Status::Draft && !workspace.config.publish.allow_draft {
        return Ok(Err(Outcome::Draft {
            id,
            path: plan_file,
        }));
    }
    let stamped = stamp::stamp(&text, stamp).map_err(|problem| {
        Error::msg(format!(
            "{plan_file}: the front matter {problem}; fix it and run `backout publish {id}` again"
        ))
    })?;
    let files = uncommitted(repo, workspace, &id, &text, stamp)?;
    if !files.is_empty() {
        let commit = stamp.commit.clone();
        return Ok(Err(Outcome::Uncommitted { id, files, commit }));
    }
    let published = corpus.check(&id, &plan_file, &stamped, &manifest_file);
    if published.findings.iter().any(Finding::is_error) {
        let findings = published.findings;
        return Ok(Err(Outcome::Refused { id, findings }));
    }
    Ok(Ok(Ready {
        id,
        text: stamped,
        plan: published.plan,
        warnings: warnings(checked.findings, published.findings),
    }))
}

/// The site's files: every release of the corpus, the ready plan as stamped. The index
/// needs only each plan's front matter (kept in the cache between runs); a published plan
/// is read whole for its page.
fn render(
    workspace: &Workspace,
    corpus: &Corpus,
    ready: &Ready,
    origin: &Origin<'_>,
    cache: Option<&mut Cache>,
) -> Result<Vec<SiteFile>> {
    let catalog = corpus.catalog();
    // For each release: the stamp of its plan.md when it has a plan other than the one
    // being published. What the cache holds of it is looked up and decoded in parallel.
    type Release = (PlanId, Option<Option<FileStamp>>);
    let releases: Vec<Release> = catalog
        .all()
        .map(|(id, release)| {
            let other_plan = release.has_plan() && id != ready.id;
            (id, other_plan.then(|| release.plan.stamp()))
        })
        .collect();
    let stored = cache.as_deref();
    let listed: Vec<Listed> = releases
        .into_par_iter()
        .map(|(id, stamp)| {
            let cached = match (stored, stamp) {
                (Some(cache), Some(Some(stamp))) => cache.plan(&id, &stamp),
                _ => None,
            };
            list(workspace, corpus, id, stamp, cached)
        })
        .collect();
    if let Some(cache) = cache {
        for plan in &listed {
            if let (Some(stamp), Some(facts)) = (plan.fresh, &plan.facts) {
                cache.put_plan(&plan.id, stamp, facts.clone());
            }
        }
    }
    // Each release's drill records (one `lstat` for most), in parallel and in the
    // catalog's order, which is the order of `listed`.
    let drills = corpus.all_drills();
    let in_order = drills.len() == listed.len();
    let ready_facts = IndexFacts::of(&ready.text, &ready.plan);
    let entries: Vec<Entry<'_>> = listed
        .iter()
        .enumerate()
        .map(|(at, plan)| {
            let is_ready = plan.id == ready.id;
            let page = if is_ready {
                Some((ready.text.as_str(), &ready.plan))
            } else {
                plan.page.as_ref().map(|page| (page.0.as_str(), &page.1))
            };
            Entry {
                id: &plan.id,
                facts: if is_ready {
                    Some(&ready_facts)
                } else {
                    plan.facts.as_ref()
                },
                manifest: page.and_then(|_| corpus.manifest(&plan.id)),
                plan: page,
                drills: match in_order {
                    true => drills[at].files,
                    false => corpus.drills(&plan.id).files,
                },
            }
        })
        .collect();
    let built = site::build(&entries, origin).map_err(Error::msg);
    // Ten thousand releases' names and facts: left to the end of the process.
    crate::teardown::discard(entries);
    crate::teardown::discard(listed);
    built
}

/// A release as the site shows it.
struct Listed {
    id: PlanId,
    /// What the index shows of its plan; `None` without a plan (or for the plan being
    /// published, which is shown as stamped).
    facts: Option<IndexFacts>,
    /// A published plan, read whole for its page. Boxed: a parsed plan is large, and 10,000
    /// releases are collected, most without one (unboxed, the memory they took was ~2,400
    /// of a warm run's ~6,200 page faults).
    page: Option<Box<(String, Plan)>>,
    /// The stamp of a plan.md read in this run, for the cache.
    fresh: Option<FileStamp>,
}

/// Reads what the site shows of a release's plan: its front matter (unless cached), and
/// the whole plan when it is published.
fn list(
    workspace: &Workspace,
    corpus: &Corpus,
    id: PlanId,
    stamp: Option<Option<FileStamp>>,
    cached: Option<IndexFacts>,
) -> Listed {
    let Some(stamp) = stamp else {
        return Listed {
            id,
            facts: None,
            page: None,
            fresh: None,
        };
    };
    if let Some(facts) = cached.filter(|facts| facts.status != Some(Status::Published)) {
        return Listed {
            id,
            facts: Some(facts),
            page: None,
            fresh: None,
        };
    }
    // Another plan that cannot be read is listed as invalid: it is not what this command
    // publishes.
    let path = workspace.path(&id, PLAN_FILE);
    let read = store::read_listed(workspace.root(), &path, stamp.as_ref());
    let fresh = match &read {
        Ok(Some(_)) => stamp,
        _ => None,
    };
    let text = read.ok().flatten().unwrap_or_default();
    let mut plan = Plan::parse_front_matter(&text, &id);
    let facts = IndexFacts::of(&text, &plan);
    let page = (plan.status() == Status::Published && facts.status.is_some()).then(|| {
        plan.parse_body_with(&text, corpus.sections());
        Box::new((text, plan))
    });
    Listed {
        id,
        facts: Some(facts),
        page,
        fresh,
    }
}

/// The plan's warnings: those of the plan as it was, and those that only the published
/// status brings (a published plan that was never tested).
fn warnings(before: Vec<Finding>, after: Vec<Finding>) -> Vec<Finding> {
    let mut warnings = before;
    for finding in after {
        if !warnings.iter().any(|w| w.rule == finding.rule) {
            warnings.push(finding);
        }
    }
    warnings
}

/// The files of the release that differ from HEAD, apart from the stamp itself: a plan
/// published before and not yet committed can be published again. A plan that is a draft
/// in HEAD (where drafts are refused) differs, whatever the work tree says.
fn uncommitted(
    repo: &Repo,
    workspace: &Workspace,
    id: &PlanId,
    text: &str,
    stamp: &Stamp,
) -> Result<Vec<String>> {
    let mut files = Vec::new();
    let plan_file = workspace.display_path(id, PLAN_FILE);
    let committed_plan = head_text(repo, &plan_file)?;
    let same_plan = committed_plan.is_some_and(|committed| {
        let committed = unix_newlines(&committed);
        // The stamp sets the status, so it would hide a draft in HEAD approved only in the
        // work tree: the draft gate is about the plan as committed.
        let gate_passed_in_head = workspace.config.publish.allow_draft
            || Plan::parse_front_matter(&committed, id).status() != Status::Draft;
        let ours = stamp::stamp(&unix_newlines(text), stamp);
        let theirs = stamp::stamp(&committed, stamp);
        gate_passed_in_head && ours.is_ok() && ours == theirs
    });
    if !same_plan {
        files.push(plan_file);
    }
    let manifest_file = workspace.display_path(id, MANIFEST_FILE);
    let manifest = super::read_release_file(workspace, id, MANIFEST_FILE)?;
    let same_manifest = head_text(repo, &manifest_file)?
        .is_some_and(|committed| unix_newlines(&committed) == unix_newlines(&manifest));
    if !same_manifest {
        files.push(manifest_file);
    }
    Ok(files)
}

/// Text with `\r\n` as `\n`, so a checkout with `core.autocrlf` compares equal to HEAD.
fn unix_newlines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// The text of a file in HEAD's tree; `None` when HEAD does not have it.
fn head_text(repo: &Repo, path: &str) -> Result<Option<String>> {
    let git = repo.git();
    let tree = git
        .head()
        .and_then(|head| head.peel_to_tree())
        .map_err(|e| Error::git("cannot read the tree of HEAD", e))?;
    let Ok(entry) = tree.get_path(Path::new(path)) else {
        return Ok(None);
    };
    let object = entry
        .to_object(git)
        .map_err(|e| Error::git(format!("cannot read {path} at HEAD"), e))?;
    Ok(object
        .as_blob()
        .map(|blob| String::from_utf8_lossy(blob.content()).into_owned()))
}

/// The output directory, resolved, with how to show paths inside it.
struct OutDir {
    path: PathBuf,
    display: String,
    /// Where no site file may go, resolved: the plans directory and `.git`.
    forbidden: Vec<(PathBuf, String)>,
}

impl OutDir {
    fn resolve(workspace: &Workspace, out: Option<&Path>) -> Result<OutDir> {
        let path = match out {
            Some(out) => normalize(&workspace.cwd.join(out)),
            None => normalize(&workspace.root().join(DEFAULT_OUT)),
        };
        let root = normalize(&real(workspace.root()));
        // A directory inside the work tree (the default, or named) must stay inside it: a
        // pull request could make `public` a symlink to anywhere. One outside was named by
        // whoever runs backout, and is used as it is.
        if path.starts_with(workspace.root()) {
            store::inside::check(workspace.root(), &path).map_err(|escape| {
                let shown = path
                    .strip_prefix(workspace.root())
                    .map_or_else(|_| path.display().to_string(), slashes);
                Error::msg(format!(
                    "refusing to write the site to {shown}: it {}; {}, or choose another --out",
                    escape.describe(),
                    escape.help()
                ))
            })?;
        }
        let real_out = real(&path);
        let display = match real_out.strip_prefix(&root) {
            Ok(relative) if relative.as_os_str().is_empty() => ".".to_string(),
            Ok(relative) => slashes(relative),
            Err(_) => path.display().to_string(),
        };
        let forbidden = vec![
            (
                real(&workspace.plans_dir()),
                format!("the plans directory {}/", workspace.config.plans_dir),
            ),
            (root.join(".git"), ".git".to_string()),
        ];
        if let Some((_, name)) = forbidden.iter().find(|(dir, _)| real_out.starts_with(dir)) {
            return Err(Error::msg(format!(
                "--out {display} is inside {name}; choose a directory outside the plans and .git, such as {DEFAULT_OUT}"
            )));
        }
        if path.exists() && !path.is_dir() {
            return Err(Error::msg(format!(
                "--out {display} is a file, not a directory; choose a directory"
            )));
        }
        Ok(OutDir {
            path,
            display,
            forbidden,
        })
    }

    fn display_file(&self, relative: &str) -> String {
        if self.display == "." {
            relative.to_string()
        } else {
            format!("{}/{relative}", self.display.trim_end_matches('/'))
        }
    }

    /// The write of one site file. The path must stay inside the output directory
    /// (plain names only, no symlinks on the way) and may only replace a file that
    /// publish wrote before.
    fn file(&self, relative: &str, contents: String) -> Result<FileWrite> {
        let display = self.display_file(relative);
        let mut path = self.path.clone();
        for part in relative.split('/') {
            let plain = matches!(
                Path::new(part).components().collect::<Vec<_>>().as_slice(),
                [Component::Normal(name)] if *name == part
            );
            if !plain || part.contains(['\\', ':']) {
                return Err(Error::msg(format!(
                    "refusing to write {display}: the path would leave the output directory"
                )));
            }
            path.push(part);
            if fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(Error::msg(format!(
                    "refusing to write {display}: {} is a symlink, and publish writes only inside the output directory; remove it",
                    path.display()
                )));
            }
        }
        if !path.starts_with(&self.path) {
            return Err(Error::msg(format!(
                "refusing to write {display}: the path would leave the output directory"
            )));
        }
        let real_path = real(&path);
        if let Some((_, name)) = self
            .forbidden
            .iter()
            .find(|(dir, _)| real_path.starts_with(dir))
        {
            return Err(Error::msg(format!(
                "refusing to write {display}: it would be inside {name}; choose another --out, such as {DEFAULT_OUT}"
            )));
        }
        if path.exists() && !written_by_publish(&path) {
            return Err(Error::msg(format!(
                "{display} exists and was not written by backout publish; move it away or choose another --out"
            )));
        }
        Ok(FileWrite {
            display,
            path,
            contents,
        })
    }
}

/// Whether a file starts like a page publish wrote (its generator mark is in the head). A
/// FIFO or device is read without blocking, and is not.
fn written_by_publish(path: &Path) -> bool {
    store::read_head(path, 4096)
        .is_some_and(|head| String::from_utf8_lossy(&head).contains(GENERATOR_MARK))
}

/// A path with `.` and `..` resolved by name (the directory may not exist yet).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The path with symlinks resolved as far as it exists, the rest appended by name.
fn real(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = fs::canonicalize(&existing) {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return path.to_path_buf(),
        }
    }
}

fn slashes(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}
