//! The only module that talks to git (through libgit2): finding the work tree, reading
//! revisions, trees, blobs and tags.

use std::path::{Path, PathBuf};

use git2::{ErrorCode, Repository};

use crate::error::{Error, Result};

/// An open repository with a work tree.
pub struct Repo {
    repo: Repository,
    root: PathBuf,
}

impl Repo {
    /// Finds the git work tree that holds `dir`, looking upwards.
    pub fn discover(dir: &Path) -> Result<Repo> {
        let repo = Repository::discover(dir).map_err(|error| match error.code() {
            ErrorCode::NotFound => Error::msg(format!(
                "{} is not inside a git work tree; run backout in your repository, or pass -C <dir>",
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

    /// The underlying libgit2 repository, for the modules that read history.
    pub fn git(&self) -> &Repository {
        &self.repo
    }
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
        let object = self.repo.revparse_single(revision).map_err(|e| {
            Error::git(
                format!("unknown revision `{revision}`; name a branch, tag or commit that exists here (in CI, fetch it first)"),
                e,
            )
        })?;
        let commit = object
            .peel_to_commit()
            .map_err(|e| Error::git(format!("revision `{revision}` is not a commit"), e))?;
        Ok(commit.id())
    }
}

/// Reads files out of trees by path, keeping recently used trees by object id, so lookups
/// that share trees (many tags on one commit, every tag at HEAD) load each tree once.
pub struct TreeFiles<'r> {
    repo: &'r Repository,
    trees: std::collections::HashMap<git2::Oid, git2::Tree<'r>>,
}

/// How many trees `TreeFiles` keeps; bounded so 10,000 distinct large trees do not pile up.
const TREE_CACHE: usize = 256;

impl<'r> TreeFiles<'r> {
    pub fn new(repo: &'r Repository) -> Self {
        TreeFiles {
            repo,
            trees: std::collections::HashMap::new(),
        }
    }

    /// The commit a tag or other object finally points at, and its tree.
    pub fn peel(&self, target: git2::Oid) -> Result<(git2::Oid, git2::Oid), git2::Error> {
        let commit = self.repo.find_object(target, None)?.peel_to_commit()?;
        Ok((commit.id(), commit.tree_id()))
    }

    fn tree(&mut self, oid: git2::Oid) -> Result<&git2::Tree<'r>, git2::Error> {
        if !self.trees.contains_key(&oid) {
            if self.trees.len() >= TREE_CACHE {
                self.trees.clear();
            }
            let tree = self.repo.find_tree(oid)?;
            self.trees.insert(oid, tree);
        }
        self.trees
            .get(&oid)
            .ok_or_else(|| git2::Error::from_str("tree cache lost a tree"))
    }

    /// The blob at `path` (with `/` separators) in `tree`, if there is a file there.
    pub fn find(&mut self, tree: git2::Oid, path: &str) -> Result<Option<git2::Oid>, git2::Error> {
        let mut current = tree;
        let mut parts = path.split('/').peekable();
        while let Some(part) = parts.next() {
            let entry = self
                .tree(current)?
                .get_name(part)
                .map(|e| (e.id(), e.kind()));
            match (entry, parts.peek().is_some()) {
                (Some((id, Some(git2::ObjectType::Tree))), true) => current = id,
                (Some((id, Some(git2::ObjectType::Blob))), false) => return Ok(Some(id)),
                _ => return Ok(None),
            }
        }
        Ok(None)
    }

    /// A blob's bytes.
    pub fn read(&self, blob: git2::Oid) -> Result<Vec<u8>, git2::Error> {
        Ok(self.repo.find_blob(blob)?.content().to_vec())
    }
}
