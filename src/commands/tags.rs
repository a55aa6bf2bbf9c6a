//! `backout tags`: every release tag has a plan, in the tagged commit or at HEAD.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::config::{self, Config, TagFormat};
use crate::error::{Error, Result};
use crate::names::PlanId;
use crate::repo::{FSCK_HINT, ObjectError, Repo, TagRef, TreeFiles};
use crate::tags::{self, At, TagRow, TagStatus};
use crate::version;
use crate::workspace::{PLAN_FILE, Workspace};

/// What `tags` found.
#[derive(Debug)]
pub struct TagsReport {
    pub rows: Vec<TagRow>,
    /// Release tags older than `[tags] since`, which need no plan.
    pub exempt: usize,
    /// Tags that do not match `[tags] glob`.
    pub ignored: usize,
    pub glob: String,
    /// `[tags] deny_draft`: a draft plan at a release tag fails the command.
    pub deny_draft: bool,
}

impl TagsReport {
    /// Whether a row fails `backout tags`.
    pub fn fails(&self, row: &TagRow) -> bool {
        row.status.fails(self.deny_draft)
    }
}

/// A release tag waiting for its verdict.
struct Pending {
    tag: TagRef,
    id: PlanId,
    path: String,
}

pub fn run(workspace: &Workspace, at: At) -> Result<TagsReport> {
    let repo = workspace.repo()?;
    if repo.is_shallow() {
        return Err(Error::msg(
            "this is a shallow clone, so tagged commits and tags may be missing and `backout tags` cannot vouch for them; fetch the full history with `git fetch --unshallow --tags` (GitHub Actions: `actions/checkout` with `fetch-depth: 0`)",
        ));
    }
    let config = &workspace.config;
    let matcher = config.tags.matcher()?;
    let all = repo.tags()?;
    let total = all.len();
    // `{release}` tags belong to the default team: without one, nothing can be checked.
    let needs_team =
        config.tags.format == TagFormat::Release && all.iter().any(|t| matcher.is_match(&t.name));
    let default_team = if needs_team {
        Some(workspace.default_team(&workspace.teams()?)?)
    } else {
        None
    };

    let mut rows = Vec::new();
    let mut pending = Vec::new();
    let mut exempt = 0;
    for tag in all.into_iter().filter(|t| matcher.is_match(&t.name)) {
        match tags::plan_of(&tag.name, config.tags.format, default_team.as_deref()) {
            Ok(id) => {
                let is_old = config
                    .tags
                    .since
                    .as_deref()
                    .is_some_and(|since| version::compare(&id.release, since).is_lt());
                if is_old {
                    exempt += 1;
                    continue;
                }
                let path = workspace.display_path(&id, PLAN_FILE);
                pending.push(Pending { tag, id, path });
            }
            Err(message) => rows.push(TagRow {
                tag: tag.name,
                team: None,
                release: None,
                path: None,
                commit: None,
                status: TagStatus::Invalid,
                message,
            }),
        }
    }
    let matched = rows.len() + pending.len() + exempt;
    rows.extend(match at {
        At::Tag => at_tags(&repo, pending)?,
        At::Head => at_head(&repo, pending)?,
    });
    if at == At::Tag {
        look_where_the_tagged_commit_kept_plans(&repo, &config.plans_dir, &mut rows)?;
    }
    if config.tags.deny_draft {
        for row in rows.iter_mut().filter(|r| r.status == TagStatus::Draft) {
            row.message = "the plan is still a draft, and `deny_draft = true` in [tags] makes that an error; approve the plan (`status = \"approved\"`) before tagging the release".into();
        }
    }
    if needs_team && rows.iter().any(|r| r.status == TagStatus::Missing) {
        explain_other_teams(workspace, &mut rows);
    }
    rows.sort_by(|a, b| {
        a.team
            .cmp(&b.team)
            .then_with(|| {
                version::compare(
                    a.release.as_deref().unwrap_or(""),
                    b.release.as_deref().unwrap_or(""),
                )
            })
            .then_with(|| a.tag.cmp(&b.tag))
    });
    Ok(TagsReport {
        rows,
        exempt,
        ignored: total - matched,
        glob: config.tags.glob.clone(),
        deny_draft: config.tags.deny_draft,
    })
}

/// With `format = "{release}"` every release tag is the default team's: a missing plan
/// whose release is another team's is explained, instead of hinted as a new plan of the
/// default team. Only a hint: a work tree that cannot be listed leaves the messages be.
fn explain_other_teams(workspace: &Workspace, rows: &mut [TagRow]) {
    let Ok(catalog) = workspace.catalog() else {
        return;
    };
    for row in rows.iter_mut().filter(|r| r.status == TagStatus::Missing) {
        let (Some(team), Some(release)) = (&row.team, &row.release) else {
            continue;
        };
        let id = PlanId::new(team.clone(), release.clone());
        if let Some(fix) = other_team_fix(&catalog, &id) {
            row.message = row.message.replace(&add_hint(&id), &fix);
        }
    }
}

/// The fix `lookup` suggests for a missing plan.
fn add_hint(id: &PlanId) -> String {
    format!("add one with `backout new {id}`")
}

/// Why a tag's plan is not the default team's to add, when its release is another team's.
fn other_team_fix(catalog: &crate::workspace::Catalog, id: &PlanId) -> Option<String> {
    let others: Vec<&str> = catalog
        .teams
        .keys()
        .filter(|team| {
            **team != id.team
                && catalog
                    .release(&PlanId::new(team.as_str(), id.release.as_str()))
                    .is_some()
        })
        .map(String::as_str)
        .collect();
    if others.is_empty() {
        return None;
    }
    Some(format!(
        "{} is a release of {}, not of {}, but with `format = \"{{release}}\"` every tag matching `glob` is a release of the default team: narrow `[tags] glob` to the tags of {}, or tag releases as TEAM/RELEASE with `format = \"{{team}}/{{release}}\"`",
        id.release,
        others.join(" and "),
        id.team,
        id.team
    ))
}

/// A plan missing where the current `plans_dir` puts it may be where the tagged commit's
/// own `backout.toml` put it: the plans directory moved after the release was cut. Only
/// missing rows are looked at again, so the usual run reads nothing more.
fn look_where_the_tagged_commit_kept_plans(
    repo: &Repo,
    plans_dir: &str,
    rows: &mut [TagRow],
) -> Result<()> {
    let missing = |row: &TagRow| row.status == TagStatus::Missing && row.commit.is_some();
    let todo: Vec<usize> = (0..rows.len()).filter(|&i| missing(&rows[i])).collect();
    if todo.is_empty() {
        return Ok(());
    }
    // In parallel, each worker with its own repository handle: a release train has many
    // missing tags (a hotfix tag without a plan), and each needs its commit and root tree.
    let git_dir = repo.git_dir().to_path_buf();
    let shared: &[TagRow] = rows;
    let found: Vec<(usize, (TagStatus, String), String)> = todo
        .par_chunks(MIN_CHUNK)
        .map_init(
            || git2::Repository::open(&git_dir),
            |git, chunk| {
                let Ok(git) = git else {
                    return Vec::new();
                };
                let Ok(mut files) = TreeFiles::new(git) else {
                    return Vec::new();
                };
                // The plans directory each backout.toml names, by its blob id (no file: the
                // default), read once.
                let mut dirs: HashMap<Option<git2::Oid>, Option<String>> = HashMap::new();
                chunk
                    .iter()
                    .filter_map(|&i| {
                        let row = &shared[i];
                        let (commit, team, release) = (
                            row.commit.as_ref()?,
                            row.team.as_ref()?,
                            row.release.as_ref()?,
                        );
                        let oid = git2::Oid::from_str(commit).ok()?;
                        let tree = git.find_commit(oid).ok()?.tree_id();
                        let config_blob = files.find(tree, config::FILE_NAME).ok()?;
                        let dir = dirs
                            .entry(config_blob)
                            .or_insert_with(|| {
                                let bytes = match config_blob {
                                    Some(blob) => files.read(blob).ok()?,
                                    None => Vec::new(),
                                };
                                let text = String::from_utf8(bytes).ok()?;
                                Some(Config::parse(config::FILE_NAME, &text).ok()?.plans_dir)
                            })
                            .clone()
                            .filter(|dir| dir != plans_dir)?;
                        let path = format!("{dir}/{team}/{release}/{PLAN_FILE}");
                        let blob = files.find(tree, &path).ok()??;
                        let id = PlanId::new(team.clone(), release.clone());
                        let verdict = match files.read(blob) {
                            Ok(bytes) => tags::judge(bytes, &id),
                            Err(error) => (
                                TagStatus::Invalid,
                                format!("cannot read the plan: {}; {FSCK_HINT}", error.what()),
                            ),
                        };
                        Some((i, verdict, path))
                    })
                    .collect()
            },
        )
        .flatten()
        .collect();
    for (i, (status, message), path) in found {
        if let Some(row) = rows.get_mut(i) {
            (row.status, row.message) = (status, message);
            row.path = Some(path);
        }
    }
    Ok(())
}

fn row(pending: &Pending, commit: Option<String>, status: TagStatus, message: String) -> TagRow {
    TagRow {
        tag: pending.tag.name.clone(),
        team: Some(pending.id.team.clone()),
        release: Some(pending.id.release.clone()),
        path: Some(pending.path.clone()),
        commit,
        status,
        message,
    }
}

/// Looks every plan up in HEAD's tree, in parallel.
fn at_head(repo: &Repo, pending: Vec<Pending>) -> Result<Vec<TagRow>> {
    let head = repo.head_tree()?;
    in_parallel(repo, pending, Some(head))
}

/// Looks every plan up in the tree of its tagged commit, in parallel.
fn at_tags(repo: &Repo, pending: Vec<Pending>) -> Result<Vec<TagRow>> {
    in_parallel(repo, pending, None)
}

/// Looks plans up in `head`, or in each tag's commit when there is none, in chunks handled in
/// parallel: each worker opens the repository once, and caches trees and verdicts by id for
/// a chunk.
fn in_parallel(
    repo: &Repo,
    mut pending: Vec<Pending>,
    head: Option<git2::Oid>,
) -> Result<Vec<TagRow>> {
    let git_dir = repo.git_dir().to_path_buf();
    // In release order, each chunk is a stretch of history: consecutive commits' trees are
    // stored as deltas of one another, so their common base stays in libgit2's delta cache,
    // and tags whose commits share a team directory fall into one chunk.
    pending.sort_by(|a, b| version::compare(&a.id.release, &b.id.release));
    // Several chunks per thread: later tags may have larger trees, so balance the load. A
    // few hundred tags are one chunk: a worker costs more than it saves there.
    let workers = rayon::current_num_threads().max(1) * 4;
    let chunk = pending.len().div_ceil(workers).max(MIN_CHUNK);
    let open = || git2::Repository::open(&git_dir);
    let chunks: Vec<Result<Vec<TagRow>>> = pending
        .par_chunks(chunk)
        .map_init(open, |git, chunk| match git {
            Ok(git) => check_chunk(git, chunk, head),
            Err(error) => Err(Error::msg(format!(
                "cannot open the repository at {}: {}",
                git_dir.display(),
                error.message()
            ))),
        })
        .collect();
    let mut rows = Vec::with_capacity(pending.len());
    for chunk in chunks {
        rows.extend(chunk?);
    }
    Ok(rows)
}

/// The fewest tags a worker looks up.
const MIN_CHUNK: usize = 256;

/// A plan being looked up: where, and the tree of the directory that holds its release
/// directory (`plans/<team>`).
struct Located<'p> {
    pending: &'p Pending,
    commit: Option<String>,
    place: String,
    release: &'p str,
    file: &'p str,
}

fn check_chunk(
    git: &git2::Repository,
    chunk: &[Pending],
    head: Option<git2::Oid>,
) -> Result<Vec<TagRow>> {
    let mut files =
        TreeFiles::new(git).map_err(|e| Error::git("cannot read the object database", e))?;
    let mut rows = Vec::with_capacity(chunk.len());
    // First the team directory of every plan; plans in one directory tree (all of them at
    // HEAD, tags on commits that did not touch the plans) are then looked up with one read of
    // it, which is indexed when there are enough lookups to pay for it.
    let mut located = Vec::with_capacity(chunk.len());
    let mut groups: Vec<(git2::Oid, Vec<usize>)> = Vec::new();
    let mut group_of: HashMap<git2::Oid, usize> = HashMap::new();
    for pending in chunk {
        let (commit, root, place) = match head {
            Some(root) => (None, root, "HEAD".to_string()),
            None => match files.peel(pending.tag.target) {
                Ok((commit, tree)) => {
                    let short = commit.to_string();
                    let place = format!("the tagged commit {}", &short[..short.len().min(10)]);
                    (Some(short), tree, place)
                }
                Err(message) => {
                    rows.push(row(pending, None, TagStatus::Invalid, message));
                    continue;
                }
            },
        };
        // `display_path` is `<plans_dir>/<team>/<release>/plan.md`.
        let mut parts = pending.path.rsplitn(3, '/');
        let (Some(file), Some(release), Some(dir)) = (parts.next(), parts.next(), parts.next())
        else {
            rows.push(row(
                pending,
                commit,
                TagStatus::Missing,
                missing(pending, &place),
            ));
            continue;
        };
        let located_plan = Located {
            pending,
            commit,
            place,
            release,
            file,
        };
        match files.find_tree(root, dir) {
            Ok(Some(tree)) => {
                let group = *group_of.entry(tree).or_insert_with(|| {
                    groups.push((tree, Vec::new()));
                    groups.len() - 1
                });
                groups[group].1.push(located.len());
            }
            Ok(None) => rows.push(located_row(
                &located_plan,
                (TagStatus::Missing, missing(pending, &located_plan.place)),
            )),
            Err(error) => rows.push(located_row(
                &located_plan,
                unreadable(&located_plan.place, &error),
            )),
        }
        located.push(located_plan);
    }
    drop(group_of);

    let mut verdicts = HashMap::new();
    for (tree, members) in groups {
        // The release directories, from one read of the team directory.
        let releases: Vec<std::result::Result<Option<git2::Oid>, String>> =
            match files.lookups(tree, members.len()) {
                Ok(lookup) => members
                    .iter()
                    .map(|i| Ok(lookup.tree(located[*i].release)))
                    .collect(),
                Err(error) => members.iter().map(|_| Err(error.what())).collect(),
            };
        for (i, release) in members.into_iter().zip(releases) {
            let plan = &located[i];
            let verdict = match release {
                Ok(Some(release)) => match files.file_in(release, plan.file) {
                    Ok(Some(blob)) => judged(&files, &mut verdicts, blob, plan.pending),
                    // A plan committed as a symlink is there, but not a plan (as review and
                    // check say); only a missing plan is looked at again.
                    Ok(None) => match files.special_at(release, plan.file) {
                        Some(crate::repo::DIRECTORY) => (
                            TagStatus::Invalid,
                            format!(
                                "{} is a directory in git in {}, not a file; move the directory away, and commit the plan as {}",
                                plan.pending.path, plan.place, plan.file
                            ),
                        ),
                        Some(what) => (
                            TagStatus::Invalid,
                            format!(
                                "{} is {what} in git in {}, which backout does not follow; commit the file itself instead",
                                plan.pending.path, plan.place
                            ),
                        ),
                        None => (TagStatus::Missing, missing(plan.pending, &plan.place)),
                    },
                    Err(error) => unreadable(&plan.place, &error),
                },
                Ok(None) => (TagStatus::Missing, missing(plan.pending, &plan.place)),
                Err(what) => (
                    TagStatus::Invalid,
                    format!("cannot read {}: {what}; {FSCK_HINT}", plan.place),
                ),
            };
            rows.push(located_row(plan, verdict));
        }
    }
    Ok(rows)
}

fn located_row(plan: &Located<'_>, (status, message): (TagStatus, String)) -> TagRow {
    row(plan.pending, plan.commit.clone(), status, message)
}

/// The message of a tag whose plan is not in `place`.
fn missing(pending: &Pending, place: &str) -> String {
    format!(
        "no plan at {} in {place}; {}",
        pending.path,
        add_hint(&pending.id)
    )
}

/// The verdict of a tag whose plan could not be looked for in `place`.
fn unreadable(place: &str, error: &ObjectError) -> (TagStatus, String) {
    (
        TagStatus::Invalid,
        format!("cannot read {place}: {}; {FSCK_HINT}", error.what()),
    )
}

/// Judges the plan in `blob`; verdicts are cached by blob id, since unchanged plans repeat.
fn judged(
    files: &TreeFiles<'_>,
    verdicts: &mut HashMap<(git2::Oid, PlanId), (TagStatus, String)>,
    blob: git2::Oid,
    pending: &Pending,
) -> (TagStatus, String) {
    let key = (blob, pending.id.clone());
    if let Some(verdict) = verdicts.get(&key) {
        return verdict.clone();
    }
    let verdict = match files.read(blob) {
        Ok(bytes) => tags::judge(bytes, &pending.id),
        Err(error) => (
            TagStatus::Invalid,
            format!("cannot read the plan: {}; {FSCK_HINT}", error.what()),
        ),
    };
    verdicts.insert(key, verdict.clone());
    verdict
}
