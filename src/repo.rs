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
