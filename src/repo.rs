//! The only module that talks to git (through libgit2): finding the work tree, reading
//! revisions, trees, blobs and tags.

use std::path::{Path, PathBuf};

use git2::{ErrorCode, Repository};

use crate::error::{Error, Result};

mod tree_diff;
mod tree_index;

use tree_index::TreeCache;
pub use tree_index::{Offsets, TreeIndex};

/// An open repository with a work tree.
pub struct Repo {
    repo: Repository,
    root: PathBuf,
}

impl Repo {
    /// Finds the git work tree that holds `dir`, looking upwards.
    pub fn discover(dir: &Path) -> Result<Repo> {
        // Like git itself, do not re-hash every object read: zlib already checksums the
        // data, and SHA-1 with collision detection was 60% of `backout tags` on 10,000 tags.
        git2::opts::strict_hash_verification(false);

        let repo = Repository::discover(dir).map_err(|error| match error.code() {
            ErrorCode::NotFound => Error::msg(format!(
                "{} is not inside a git work tree; run backout in your repository, or pass -C <dir>",
                dir.display()
            )),
            _ if error.message().contains("object format") => Error::msg(format!(
                "the repository at {} uses SHA-256 object ids, which backout does not support yet (its git library reads SHA-1 repositories only); run backout in a SHA-1 repository",
                dir.display()
            )),
            ErrorCode::Owner => Error::msg(format!(
                "git refuses the repository at {} because another user owns it; run `git config --global --add safe.directory '*'` (or name the directory) and try again",
                dir.display()
            )),
            _ => Error::git(format!("cannot open the git repository at {}", dir.display()), error),
        })?;
        let Some(root) = repo.workdir().map(Path::to_path_buf) else {
            return Err(Error::msg(format!(
                "{} is a bare repository; backout needs a work tree with the plans checked out",
                dir.display()
            )));
        };
        Ok(Repo { repo, root })
    }

    /// The work tree root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The full id of the commit HEAD points at, if there is one yet.
    pub fn head_commit(&self) -> Option<String> {
        let head = self.repo.head().ok()?;
        head.peel_to_commit()
            .ok()
            .map(|commit| commit.id().to_string())
    }

    /// git's `user.name` (repository, user and system configuration), when it is set.
    pub fn user_name(&self) -> Option<String> {
        let config = self.repo.config().ok()?;
        config
            .get_string("user.name")
            .ok()
            .map(|name| name.trim().to_string())
            .filter(|name| !name.is_empty())
    }

    /// The underlying libgit2 repository, for the modules that read history.
    pub fn git(&self) -> &Repository {
        &self.repo
    }

    /// The tree of the commit a full hex id names, if this clone has that commit (a
    /// shallow clone may not; history may have been rewritten).
    pub fn tree_of_commit(&self, id: &str) -> Option<git2::Oid> {
        let oid = git2::Oid::from_str(id).ok()?;
        self.repo
            .find_commit(oid)
            .ok()
            .map(|commit| commit.tree_id())
    }
}

/// The id git gives a file with these bytes (`git hash-object`), to tell whether a file of
/// the work tree is the one a commit holds without reading the commit's copy.
pub fn blob_id(bytes: &[u8]) -> Result<git2::Oid> {
    git2::Oid::hash_object(git2::ObjectType::Blob, bytes)
        .map_err(|e| Error::git("cannot hash a file as git does", e))
}

/// A git tag: its short name and the object it points at (not yet peeled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRef {
    pub name: String,
    pub target: git2::Oid,
}

impl Repo {
    /// Whether this is a shallow clone, whose history (and tagged commits) may be missing.
    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }

    /// The `.git` directory, to open the repository again on other threads.
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// Every tag under refs/tags/, with its short name.
    pub fn tags(&self) -> Result<Vec<TagRef>> {
        let references = self
            .repo
            .references_glob("refs/tags/*")
            .map_err(|e| Error::git("cannot list the repository's tags", e))?;
        let mut tags = Vec::new();
        for reference in references {
            let reference = reference.map_err(|e| Error::git("cannot read a tag", e))?;
            let (Ok(name), Some(target)) = (reference.name(), reference.target()) else {
                continue;
            };
            if let Some(short) = name.strip_prefix("refs/tags/") {
                tags.push(TagRef {
                    name: short.to_string(),
                    target,
                });
            }
        }
        Ok(tags)
    }

    /// The tree of the commit HEAD points at.
    pub fn head_tree(&self) -> Result<git2::Oid> {
        let head = self
            .repo
            .head()
            .and_then(|head| head.peel_to_commit())
            .map_err(|e| {
                Error::git("HEAD does not point at a commit; commit something first", e)
            })?;
        Ok(head.tree_id())
    }

    /// Resolves a revision (`origin/main`, `HEAD~2`, a sha, a tag) to a commit id.
    pub fn resolve_commit(&self, revision: &str) -> Result<git2::Oid> {
        // libgit2's own wording adds nothing to these sentences, so it is not chained.
        let object = self.repo.revparse_single(revision).map_err(|_| {
            // The usual CI case: a checkout of one commit cannot see `HEAD~1` or the base.
            let fix = if self.repo.is_shallow() {
                "this clone is shallow, so older commits and other branches are missing: fetch them (`git fetch --deepen=50 origin`, or `actions/checkout` with `fetch-depth: 0`)"
            } else {
                "name a branch, tag or commit that exists here (in CI, fetch it first)"
            };
            Error::msg(format!("unknown revision `{revision}`; {fix}"))
        })?;
        let commit = object.peel_to_commit().map_err(|_| {
            Error::msg(format!(
                "revision `{revision}` is not a commit; name a branch, tag or commit"
            ))
        })?;

        Ok(commit.id())
    }
}

/// An object of the repository that could not be read: missing from this clone, or damaged.
#[derive(Debug)]
pub struct ObjectError {
    pub oid: git2::Oid,
    pub source: git2::Error,
}

impl ObjectError {
    /// "git object 1a2b… cannot be read (libgit2's reason)": the start of a sentence that
    /// callers end with what to do.
    pub fn what(&self) -> String {
        format!(
            "git object {} cannot be read ({})",
            self.oid,
            self.source.message().trim_end_matches('.')
        )
    }
}

/// What to do about an object that cannot be read.
pub const FSCK_HINT: &str = "check the repository with `git fsck`, and fetch or clone it again";

impl ObjectError {
    /// The error of a command that needed the object while doing `what` ("cannot list the
    /// plans at a revision"): one sentence with the object and what to do.
    pub fn while_(&self, what: &str) -> Error {
        Error::msg(format!("{what}: {}; {FSCK_HINT}", self.what()))
    }
}

/// Reads files out of trees by path, straight from the object database.
///
/// A tree is scanned for the one name wanted, without building its entry list (a team
/// directory of 10,000 releases changes in every commit, so most trees are read once or twice).
/// A tree read a third time (all tags at HEAD, several tags on one commit) is indexed by name
/// and kept, within a fixed memory budget (see `tree_index`). Callers that know how many
/// names they will look up in one tree read it once with `lookups`.
pub struct TreeFiles<'r> {
    repo: &'r Repository,
    odb: git2::Odb<'r>,
    trees: TreeCache,
}

/// A tree read for several lookups: scanned for each name when there are few, searched by
/// the offsets of its entries sorted by name (no copy of the tree) when there are more.
pub enum TreeLookup<'o> {
    Read(git2::OdbObject<'o>, Option<Offsets>),
    Indexed(&'o TreeIndex),
}

/// Lookups in one tree from which sorting its entries pays: sorting costs about two scans.
const INDEX_FROM_LOOKUPS: usize = 3;

impl TreeLookup<'_> {
    fn entry(&self, name: &[u8]) -> Option<(git2::Oid, EntryKind)> {
        match self {
            TreeLookup::Read(object, Some(offsets)) => offsets.get(object.data(), name),
            TreeLookup::Read(object, None) => scan(object.data(), name),
            TreeLookup::Indexed(index) => index.get(name),
        }
    }

    /// The tree named `name` directly in this tree, if there is one.
    pub fn tree(&self, name: &str) -> Option<git2::Oid> {
        match self.entry(name.as_bytes()) {
            Some((id, EntryKind::Tree)) => Some(id),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    Tree,
    File,
    Other,
}

impl<'r> TreeFiles<'r> {
    /// The repository's git directory, to open another handle on it.
    pub fn git_dir(&self) -> std::path::PathBuf {
        self.repo.path().to_path_buf()
    }

    pub fn new(repo: &'r Repository) -> Result<Self, git2::Error> {
        Ok(TreeFiles {
            repo,
            odb: repo.odb()?,
            trees: TreeCache::default(),
        })
    }

    /// The commit a tag or other object finally points at, and its tree; the error is the
    /// end of a sentence about the tag.
    pub fn peel(&self, target: git2::Oid) -> Result<(git2::Oid, git2::Oid), String> {
        if let Some(found) = self.peel_raw(target) {
            return Ok(found);
        }
        let object = self.repo.find_object(target, None).map_err(|_| {
            "the tag points at an object this clone does not have; fetch it (`git fetch --tags`), or delete the tag".to_string()
        })?;
        let commit = object.peel_to_commit().map_err(|_| {
            let kind = object
                .peel(git2::ObjectType::Any)
                .ok()
                .and_then(|o| o.kind())
                .or(object.kind())
                .map_or("object", |kind| kind.str());
            format!("the tag points at a {kind}, not a commit; a release tag must tag the released commit")
        })?;
        Ok((commit.id(), commit.tree_id()))
    }

    /// `peel` for well-formed tags and commits, from the raw objects (whose first line names
    /// the tagged object, or the commit's tree) without parsing them whole; `None` leaves the
    /// rest, and the explanations, to libgit2.
    fn peel_raw(&self, target: git2::Oid) -> Option<(git2::Oid, git2::Oid)> {
        let mut id = target;
        // Tags of tags are rare; a few levels are followed here.
        for _ in 0..4 {
            let object = self.odb.read(id).ok()?;
            match object.kind() {
                git2::ObjectType::Commit => {
                    return Some((id, header_oid(object.data(), b"tree ")?));
                }
                git2::ObjectType::Tag => id = header_oid(object.data(), b"object ")?,
                _ => return None,
            }
        }
        None
    }

    /// The entry `name` of `tree`.
    fn entry(
        &mut self,
        tree: git2::Oid,
        name: &[u8],
    ) -> Result<Option<(git2::Oid, EntryKind)>, ObjectError> {
        if let Some(index) = self.trees.get(tree) {
            return Ok(index.get(name));
        }
        let object = self
            .odb
            .read(tree)
            .map_err(|source| ObjectError { oid: tree, source })?;
        let data = object.data();
        if self.trees.read(tree)
            && let Some(index) = TreeIndex::new(data)
        {
            let found = index.get(name);
            self.trees.insert(tree, index);
            return Ok(found);
        }
        Ok(scan(data, name))
    }

    /// Reads `tree` once for `count` lookups of names in it: indexed when that pays.
    pub fn lookups(&self, tree: git2::Oid, count: usize) -> Result<TreeLookup<'_>, ObjectError> {
        if let Some(index) = self.trees.get(tree) {
            return Ok(TreeLookup::Indexed(index));
        }
        let object = self
            .odb
            .read(tree)
            .map_err(|source| ObjectError { oid: tree, source })?;
        let offsets = (count >= INDEX_FROM_LOOKUPS)
            .then(|| Offsets::new(object.data()))
            .flatten();
        Ok(TreeLookup::Read(object, offsets))
    }

    /// The blob at `path` (with `/` separators) in `tree`, if there is a file there.
    pub fn find(&mut self, tree: git2::Oid, path: &str) -> Result<Option<git2::Oid>, ObjectError> {
        let mut current = tree;
        let mut parts = path.split('/').peekable();
        while let Some(part) = parts.next() {
            let last = parts.peek().is_none();
            match (self.entry(current, part.as_bytes())?, last) {
                (Some((id, EntryKind::Tree)), false) => current = id,
                (Some((id, EntryKind::File)), true) => return Ok(Some(id)),
                _ => return Ok(None),
            }
        }
        Ok(None)
    }

    /// The tree at `path` (with `/` separators), if there is one: as `find` walks a path,
    /// every part a name (an empty part names nothing).
    pub fn find_tree(
        &mut self,
        tree: git2::Oid,
        path: &str,
    ) -> Result<Option<git2::Oid>, ObjectError> {
        let mut current = tree;
        for part in path.split('/') {
            match self.entry(current, part.as_bytes())? {
                Some((id, EntryKind::Tree)) => current = id,
                _ => return Ok(None),
            }
        }
        Ok(Some(current))
    }

    /// The tree at `path` (with `/` separators; empty for `tree` itself), if there is one.
    pub fn tree_at(
        &mut self,
        tree: git2::Oid,
        path: &str,
    ) -> Result<Option<git2::Oid>, ObjectError> {
        let mut current = tree;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            match self.entry(current, part.as_bytes())? {
                Some((id, EntryKind::Tree)) => current = id,
                _ => return Ok(None),
            }
        }
        Ok(Some(current))
    }

    /// The entries of a tree: name, object id and whether it is a tree (files and trees
    /// only; submodules and symlinks are left out).
    pub fn entries(&self, tree: git2::Oid) -> Result<Vec<(String, git2::Oid, bool)>, ObjectError> {
        let object = self
            .odb
            .read(tree)
            .map_err(|source| ObjectError { oid: tree, source })?;
        Ok(TreeEntries {
            data: object.data(),
        }
        .filter(|(_, _, kind)| *kind != EntryKind::Other)
        .map(|(name, oid, kind)| {
            (
                String::from_utf8_lossy(name).into_owned(),
                oid,
                kind == EntryKind::Tree,
            )
        })
        .collect())
    }

    /// The entry of `tree` whose name is not UTF-8 and reads as `shown` (with U+FFFD for the
    /// bytes that are not): its object id and whether it is a tree. `entries` and the paths
    /// of changes show such a name so, and a lookup by the shown name finds nothing.
    pub fn entry_not_utf8(
        &self,
        tree: git2::Oid,
        shown: &str,
    ) -> Result<Option<(git2::Oid, bool)>, ObjectError> {
        if !shown.contains(char::REPLACEMENT_CHARACTER) {
            return Ok(None);
        }
        let object = self
            .odb
            .read(tree)
            .map_err(|source| ObjectError { oid: tree, source })?;
        Ok(TreeEntries {
            data: object.data(),
        }
        .filter(|(name, _, kind)| {
            *kind != EntryKind::Other
                && std::str::from_utf8(name).is_err()
                && String::from_utf8_lossy(name) == shown
        })
        .map(|(_, oid, kind)| (oid, kind == EntryKind::Tree))
        .next())
    }

    /// What the entry at `path` in `tree` is when it is there but is not a file ("a
    /// symlink", "a submodule", [`DIRECTORY`]), which the file lookups pass over as absent.
    pub fn special_at(&self, tree: git2::Oid, path: &str) -> Option<&'static str> {
        let entry = self
            .repo
            .find_tree(tree)
            .ok()?
            .get_path(std::path::Path::new(path))
            .ok()?;
        match entry.filemode() {
            0o120000 => Some("a symlink"),
            0o160000 => Some("a submodule"),
            0o040000 => Some(DIRECTORY),
            _ => None,
        }
    }

    /// The blob named `name` directly in `tree`, if it is a file there.
    pub fn file_in(
        &mut self,
        tree: git2::Oid,
        name: &str,
    ) -> Result<Option<git2::Oid>, ObjectError> {
        Ok(match self.entry(tree, name.as_bytes())? {
            Some((id, EntryKind::File)) => Some(id),
            _ => None,
        })
    }

    /// A blob's bytes.
    pub fn read(&self, blob: git2::Oid) -> Result<Vec<u8>, ObjectError> {
        self.odb
            .read(blob)
            .map(|object| object.data().to_vec())
            .map_err(|source| ObjectError { oid: blob, source })
    }

    /// The bytes of the file at `path` in `tree`, if there is one.
    pub fn read_path(
        &mut self,
        tree: git2::Oid,
        path: &str,
    ) -> Result<Option<Vec<u8>>, ObjectError> {
        match self.find(tree, path)? {
            Some(blob) => self.read(blob).map(Some),
            None => Ok(None),
        }
    }

    /// The subdirectories and files directly under `path` in `tree` (empty when `path` is not
    /// a directory there), as (name, is directory).
    pub fn list(
        &mut self,
        tree: git2::Oid,
        path: &str,
    ) -> Result<Vec<(String, bool)>, ObjectError> {
        let mut current = tree;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            match self.entry(current, part.as_bytes())? {
                Some((id, EntryKind::Tree)) => current = id,
                _ => return Ok(Vec::new()),
            }
        }
        let object = self.odb.read(current).map_err(|source| ObjectError {
            oid: current,
            source,
        })?;
        Ok(TreeEntries {
            data: object.data(),
        }
        .filter(|(_, _, kind)| *kind != EntryKind::Other)
        .map(|(name, _, kind)| {
            (
                String::from_utf8_lossy(name).into_owned(),
                kind == EntryKind::Tree,
            )
        })
        .collect())
    }
}

/// How a file changed between two commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Deleted,
    Modified,
    Renamed,
}

/// A file that differs between two commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub change: Change,
    /// Path in the base commit (`None` when added).
    pub old_path: Option<String>,
    /// Path in the head commit (`None` when deleted).
    pub new_path: Option<String>,
}

impl Repo {
    /// Whether any file outside `dir/` differs between two commits (equal subtrees are
    /// skipped, so the cost follows the size of the change).
    pub fn changed_outside(&self, base: git2::Oid, head: git2::Oid, dir: &str) -> Result<bool> {
        let (old, new) = (self.commit_tree(base)?, self.commit_tree(head)?);
        let prefix = format!("{dir}/");
        Ok(self
            .differing_paths("", Some(old), Some(new))?
            .iter()
            .any(|path| !path.starts_with(prefix.as_bytes())))
    }

    /// The tree object of a commit, to compare with another.
    fn tree_of(&self, commit: git2::Oid) -> Result<git2::Tree<'_>> {
        self.repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(|e| {
                Error::git(
                    format!("cannot read the tree of commit {commit}; {FSCK_HINT}"),
                    e,
                )
            })
    }

    /// The tree of a commit.
    pub fn commit_tree(&self, commit: git2::Oid) -> Result<git2::Oid> {
        let commit = self
            .repo
            .find_commit(commit)
            .map_err(|e| Error::git(format!("cannot read commit {commit}; {FSCK_HINT}"), e))?;
        Ok(commit.tree_id())
    }

    /// Files under `prefix/` that differ between two commits, renames detected.
    pub fn changed_files(
        &self,
        base: git2::Oid,
        head: git2::Oid,
        prefix: &str,
    ) -> Result<Vec<FileChange>> {
        let (old, new) = (self.tree_of(base)?, self.tree_of(head)?);
        let subtree = |tree: &git2::Tree<'_>| {
            tree.get_path(Path::new(prefix))
                .ok()
                .filter(|entry| entry.kind() == Some(git2::ObjectType::Tree))
                .map(|entry| entry.id())
        };
        let paths = self.differing_paths(prefix, subtree(&old), subtree(&new))?;
        if paths.is_empty() {
            return Ok(Vec::new());
        }
        let mut options = git2::DiffOptions::new();
        options.skip_binary_check(true).disable_pathspec_match(true);
        for path in paths {
            options.pathspec(path);
        }
        let mut diff = self
            .repo
            .diff_tree_to_tree(Some(&old), Some(&new), Some(&mut options))
            .map_err(|e| Error::git(format!("cannot compare the two revisions; {FSCK_HINT}"), e))?;
        diff.find_similar(Some(git2::DiffFindOptions::new().renames(true)))
            .map_err(|e| Error::git("cannot detect renames between the two revisions", e))?;
        let path =
            |file: git2::DiffFile<'_>| file.path().map(|p| p.to_string_lossy().replace('\\', "/"));
        let mut changes = Vec::new();
        for delta in diff.deltas() {
            let change = match delta.status() {
                git2::Delta::Added | git2::Delta::Copied => Change::Added,
                git2::Delta::Deleted => Change::Deleted,
                git2::Delta::Renamed => Change::Renamed,
                git2::Delta::Modified | git2::Delta::Typechange => Change::Modified,
                _ => continue,
            };
            changes.push(FileChange::of(change, &delta, path));
        }
        Ok(changes)
    }

    /// The paths that differ between two trees under `dir` (see `tree_diff`).
    fn differing_paths(
        &self,
        dir: &str,
        old: Option<git2::Oid>,
        new: Option<git2::Oid>,
    ) -> Result<Vec<Vec<u8>>> {
        let odb = self
            .repo
            .odb()
            .map_err(|e| Error::git("cannot read the object database", e))?;
        tree_diff::differing_paths(&odb, dir.as_bytes(), old, new)
            .map_err(|e| e.while_("cannot compare the two revisions"))
    }
}

impl FileChange {
    /// One delta of a diff: its old path unless the file was added, its new path unless it
    /// was deleted, each as `path` reads it.
    fn of(
        change: Change,
        delta: &git2::DiffDelta<'_>,
        path: impl Fn(git2::DiffFile<'_>) -> Option<String>,
    ) -> FileChange {
        FileChange {
            change,
            old_path: (change != Change::Added)
                .then(|| path(delta.old_file()))
                .flatten(),
            new_path: (change != Change::Deleted)
                .then(|| path(delta.new_file()))
                .flatten(),
        }
    }
}

impl Repo {
    /// Every file that differs between the trees of two commits, as `git diff --name-only`
    /// lists them: the two trees are compared, not the commits between them, and identical
    /// subtrees are skipped by id, so the cost follows the size of the difference. Renames
    /// are not looked for: a renamed file is its old path deleted and its new path added.
    pub fn changed_paths(&self, from: git2::Oid, to: git2::Oid) -> Result<Vec<FileChange>> {
        let (old, new) = (self.tree_of(from)?, self.tree_of(to)?);
        let paths = self.differing_paths("", Some(old.id()), Some(new.id()))?;
        if paths.is_empty() {
            return Ok(Vec::new());
        }
        let mut options = git2::DiffOptions::new();
        options.skip_binary_check(true).disable_pathspec_match(true);
        for path in paths {
            options.pathspec(path);
        }
        let diff = self
            .repo
            .diff_tree_to_tree(Some(&old), Some(&new), Some(&mut options))
            .map_err(|e| Error::git("cannot compare the two revisions", e))?;
        let path = |file: git2::DiffFile<'_>| {
            file.path_bytes()
                .map(|p| String::from_utf8_lossy(p).into_owned())
        };
        let mut changes = Vec::with_capacity(diff.deltas().len());
        for delta in diff.deltas() {
            let change = match delta.status() {
                git2::Delta::Added => Change::Added,
                git2::Delta::Deleted => Change::Deleted,
                _ => Change::Modified,
            };
            changes.push(FileChange::of(change, &delta, path));
        }
        Ok(changes)
    }

    /// The commit a tag finally points at (through annotated tags).
    pub fn tag_commit(&self, tag: &TagRef) -> Result<git2::Oid> {
        self.repo
            .find_object(tag.target, None)
            .and_then(|object| object.peel_to_commit())
            .map(|commit| commit.id())
            .map_err(|e| {
                Error::git(
                    format!(
                        "tag `{}` does not point at a commit this clone has; fetch it (`git fetch --tags`)",
                        tag.name
                    ),
                    e,
                )
            })
    }
}

impl TreeFiles<'_> {
    /// Whether a file or directory exists at `path` in `tree`.
    pub fn exists(&mut self, tree: git2::Oid, path: &str) -> Result<bool, ObjectError> {
        let mut current = tree;
        let mut parts = path.split('/').filter(|p| !p.is_empty()).peekable();
        while let Some(part) = parts.next() {
            match self.entry(current, part.as_bytes())? {
                None => return Ok(false),
                Some((_, _)) if parts.peek().is_none() => return Ok(true),
                Some((id, EntryKind::Tree)) => current = id,
                Some(_) => return Ok(false),
            }
        }
        Ok(true)
    }
}

/// The object id on the first line of a raw commit (`tree <hex>`) or tag (`object <hex>`).
fn header_oid(data: &[u8], key: &[u8]) -> Option<git2::Oid> {
    let hex = data.strip_prefix(key)?.get(..40)?;
    if data.get(key.len() + 40) != Some(&b'\n') {
        return None;
    }
    git2::Oid::from_str(std::str::from_utf8(hex).ok()?).ok()
}

/// What [`TreeFiles::special_at`] says of a directory where a file was looked for.
pub const DIRECTORY: &str = "a directory";

/// The modes git writes in trees (and `040000`, which old tools wrote).
const MODES: [&[u8]; 7] = [
    b"40000", b"100644", b"100755", b"120000", b"160000", b"040000", b"100664",
];

fn entry_kind(mode: &[u8]) -> EntryKind {
    match mode {
        b"40000" | b"040000" => EntryKind::Tree,
        b"100644" | b"100755" | b"100664" => EntryKind::File,
        _ => EntryKind::Other,
    }
}

/// Finds `name` in a raw tree object with one substring search for ` name\0`, checking
/// that the hit starts an entry (a mode, and the previous entry's name end 21 bytes before
/// it) so bytes inside an object id cannot pass for an entry.
fn scan(data: &[u8], name: &[u8]) -> Option<(git2::Oid, EntryKind)> {
    let mut pattern = Vec::with_capacity(name.len() + 2);
    pattern.push(b' ');
    pattern.extend_from_slice(name);
    pattern.push(0);
    let finder = memchr::memmem::Finder::new(&pattern);
    let mut from = 0;
    while let Some(found) = finder.find(&data[from..]) {
        let space = from + found;
        // The mode cannot be found by walking back over digits: the previous entry's id
        // may end in bytes that are ASCII digits. Try each mode git writes instead.
        let entry_start = MODES.iter().find_map(|mode| {
            let start = space.checked_sub(mode.len())?;
            let starts_entry = start == 0 || (start >= 21 && data[start - 21] == 0);
            (starts_entry && &data[start..space] == *mode).then_some(start)
        });
        if let Some(start) = entry_start {
            let kind = entry_kind(&data[start..space]);
            let id_start = space + pattern.len();
            let id = data.get(id_start..id_start + 20)?;
            return git2::Oid::from_bytes(id).ok().map(|oid| (oid, kind));
        }

        from = space + 1;
    }
    None
}

/// Iterates the entries of a raw tree object: `<octal mode> <name>\0<20-byte id>`.
struct TreeEntries<'a> {
    data: &'a [u8],
}

impl<'a> Iterator for TreeEntries<'a> {
    type Item = (&'a [u8], git2::Oid, EntryKind);

    fn next(&mut self) -> Option<Self::Item> {
        let space = self.data.iter().position(|b| *b == b' ')?;
        let rest = &self.data[space + 1..];
        let nul = rest.iter().position(|b| *b == 0)?;
        let id = rest.get(nul + 1..nul + 21)?;
        let kind = entry_kind(&self.data[..space]);
        let item = (&rest[..nul], git2::Oid::from_bytes(id).ok()?, kind);
        self.data = &rest[nul + 21..];
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(mode: &str, name: &str, id: [u8; 20]) -> Vec<u8> {
        let mut bytes = format!("{mode} {name}\0").into_bytes();
        bytes.extend_from_slice(&id);
        bytes
    }

    #[test]
    fn scans_raw_trees() {
        // The first id holds bytes that look like an entry for "v1.1".
        let mut tricky = [7u8; 20];
        tricky[2..9].copy_from_slice(b" v1.1\0\0");
        // An id ending in ASCII digits must not hide the next entry's mode.
        let mut digits = [9u8; 20];
        digits[17..].copy_from_slice(b"123");
        let mut data = entry("100644", "README.md", tricky);
        data.extend(entry("100644", "a", digits));

        data.extend(entry("40000", "v1.0", [1; 20]));
        data.extend(entry("40000", "v1.1", [2; 20]));
        data.extend(entry("100644", "v1.10", [3; 20]));
        let found =
            |name: &str| scan(&data, name.as_bytes()).map(|(oid, kind)| (oid.as_bytes()[0], kind));
        assert_eq!(found("v1.1"), Some((2, EntryKind::Tree)));
        assert_eq!(found("v1.10"), Some((3, EntryKind::File)));
        assert_eq!(found("README.md"), Some((7, EntryKind::File)));
        assert_eq!(found("v1"), None);
        let all: Vec<_> = TreeEntries { data: &data }
            .map(|(name, _, _)| name.to_vec())
            .collect();
        assert_eq!(all.len(), 5);
        assert_eq!(found("a"), Some((9, EntryKind::File)));
    }
}
