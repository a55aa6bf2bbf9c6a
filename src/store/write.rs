//! Writing several files all or nothing.
//!
//! 1. Refuse before touching anything: a path that leaves the work tree, a target that is a
//!    symlink, a FIFO or a directory, a file that exists when overwriting is not allowed.
//! 2. Remove temporary files that an interrupted backout left in the target directories.
//! 3. Stage every file as a temporary file next to its target, synced to disk.
//! 4. Keep a hard link to each file about to be replaced, then rename the staged files into
//!    place, in the order given.
//! 5. Sync the directories. On any failure in 3–4 the files already renamed get their old
//!    contents back (or are removed when they are new), and the temporary files go.
//!
//! A crash (power loss, `kill -9`) between two renames can still leave some files new and
//! some old; callers order their files so that the state in between is one a rerun
//! completes (publish stamps the plan first and writes the index last).

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::TempPath;

use super::fault::{self, Step};
use super::{FileWrite, Overwrite, inside, temp};
use crate::error::{Error, Result};

/// What a write did besides writing.
#[derive(Debug, Default)]
pub struct Written {
    /// Temporary files left by an interrupted backout that were removed, as shown to users.
    pub cleaned: Vec<String>,
}

/// Writes every file or none; see the module documentation. `root` is the work tree: every
/// path below it by name must resolve inside it.
pub fn write_all(root: &Path, files: &[FileWrite], overwrite: Overwrite) -> Result<Written> {
    let mut replaced = Vec::with_capacity(files.len());
    for file in files {
        replaced.push(check_target(root, file, overwrite)?);
    }
    let mut created = Vec::new();
    let result = write_checked(root, files, &replaced, &mut created);
    if result.is_err() {
        // Leave no empty directory behind; non-empty ones are not ours to remove.
        for dir in created.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
    result
}

/// Refuses what `write_all` would refuse before writing (for dry runs, and to refuse
/// before other work): a path out of the work tree, a symlink, a FIFO or a directory, an
/// existing file when overwriting is not allowed.
pub fn check_writable(root: &Path, files: &[FileWrite], overwrite: Overwrite) -> Result<()> {
    for file in files {
        check_target(root, file, overwrite)?;
    }
    Ok(())
}

/// Refuses, before anything is written, when a file exists and may not be overwritten.
pub fn check_overwrite(files: &[FileWrite], overwrite: Overwrite) -> Result<()> {
    if overwrite == Overwrite::Refuse
        && let Some(existing) = files.iter().find(|f| fs::symlink_metadata(&f.path).is_ok())
    {
        return Err(Error::msg(format!(
            "{} already exists; pass --force to overwrite it",
            existing.display
        )));
    }
    Ok(())
}

/// Whether the target exists (and will be replaced); an error when it may not be written.
fn check_target(root: &Path, file: &FileWrite, overwrite: Overwrite) -> Result<bool> {
    let display = &file.display;
    if file.path.starts_with(root) {
        inside::check(root, &file.path).map_err(|escape| {
            Error::msg(format!(
                "refusing to write {display}: it {}; {}",
                escape.describe(),
                escape.help()
            ))
        })?;
    }
    let metadata = match fs::symlink_metadata(&file.path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(Error::io("look at", &file.path, error)),
    };
    let kind = metadata.file_type();
    if kind.is_symlink() {
        let target = fs::read_link(&file.path)
            .map(|t| {
                format!(
                    " (to {})",
                    crate::diag::escape::inline(&t.display().to_string())
                )
            })
            .unwrap_or_default();
        return Err(Error::msg(format!(
            "refusing to write {display}: it is a symlink{target}, and backout neither writes through symlinks nor replaces them; replace it with a regular file (or remove it) and run the command again"
        )));
    }
    if !kind.is_file() {
        return Err(Error::msg(format!(
            "refusing to write {display}: it is {}, not a regular file; move it away and run the command again",
            super::describe_type(&metadata)
        )));
    }
    if overwrite == Overwrite::Refuse {
        return Err(Error::msg(format!(
            "{display} already exists; pass --force to overwrite it"
        )));
    }
    Ok(true)
}

fn write_checked(
    root: &Path,
    files: &[FileWrite],
    replaced: &[bool],
    created: &mut Vec<PathBuf>,
) -> Result<Written> {
    for file in files {
        if let Some(parent) = file.path.parent() {
            create_dirs(parent, created)?;
        }
    }
    let dirs: BTreeSet<&Path> = files.iter().filter_map(|f| f.path.parent()).collect();
    let mut written = Written::default();
    for dir in &dirs {
        for path in temp::clean_stale(dir) {
            written.cleaned.push(show(root, &path));
        }
    }

    let mut staged = Vec::with_capacity(files.len());
    for file in files {
        staged.push(stage(file)?);
    }
    let mut backups = Vec::with_capacity(files.len());
    for (file, replaces) in files.iter().zip(replaced) {
        backups.push(if *replaces { Some(keep(file)?) } else { None });
    }
    let mut done: Vec<(&FileWrite, Option<TempPath>)> = Vec::with_capacity(files.len());
    // On an early return the staged files and links not yet used are dropped: deleted.
    for ((file, temp), backup) in files.iter().zip(staged).zip(backups) {
        let renamed = match fault::check(Step::Rename) {
            Ok(()) => temp.persist(&file.path).map_err(|failed| failed.error),
            Err(error) => Err(error),
        };
        if let Err(error) = renamed {
            roll_back(done);
            return Err(Error::io("write", &file.path, error));
        }
        done.push((file, backup));
    }
    for dir in &dirs {
        sync_dir(dir);
    }
    // The kept links go when `done` is dropped.
    Ok(written)
}

/// Gives every renamed file its old contents back, or removes it when it was new.
fn roll_back(done: Vec<(&FileWrite, Option<TempPath>)>) {
    for (file, backup) in done.into_iter().rev() {
        match backup {
            Some(backup) => {
                let _ = backup.persist(&file.path);
            }
            None => {
                let _ = fs::remove_file(&file.path);
            }
        }
    }
}

/// Creates the missing directories above a file, recording each.
pub(super) fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>) -> Result<()> {
    let mut missing: Vec<&Path> = dir
        .ancestors()
        .take_while(|d| fs::symlink_metadata(d).is_err())
        .collect();
    missing.reverse();
    for dir in missing {
        fs::create_dir(dir).map_err(|e| Error::io("create directory", dir, e))?;
        created.push(dir.to_path_buf());
    }
    Ok(())
}

/// Writes a file's contents to a temporary file next to it, synced to disk.
fn stage(file: &FileWrite) -> Result<TempPath> {
    let dir = file.path.parent().unwrap_or(Path::new("."));
    let mut builder = temp::builder();
    // Temporary files are private (0600); the file we write is not: like any editor, create
    // it with 0666 minus the umask.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    fault::check(Step::Stage).map_err(|e| Error::io("create a temporary file in", dir, e))?;
    let mut temp = builder
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a temporary file in", dir, e))?;
    // A file we replace keeps its permissions.
    if let Ok(existing) = fs::metadata(&file.path) {
        temp.as_file()
            .set_permissions(existing.permissions())
            .map_err(|e| Error::io("set the permissions of", &file.path, e))?;
    }
    temp.write_all(file.contents.as_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| Error::io("write", &file.path, e))?;
    Ok(temp.into_temp_path())
}

/// A hard link to the file about to be replaced, to put it back if a later rename fails.
/// Where links are not supported, a copy.
fn keep(file: &FileWrite) -> Result<TempPath> {
    let dir = file.path.parent().unwrap_or(Path::new("."));
    let kept = temp::builder().make_in(dir, |path| {
        fault::check(Step::Link)?;
        match fs::hard_link(&file.path, path) {
            Err(error) if error.kind() != io::ErrorKind::AlreadyExists => {
                fs::copy(&file.path, path).map(|_| ())
            }
            other => other,
        }
    });
    kept.map(|temp| temp.into_temp_path())
        .map_err(|e| Error::io("keep a copy of", &file.path, e))
}

/// Syncs a directory so the renames in it survive a power loss; best effort, as not every
/// file system can.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// A path as shown to users: relative to the work tree when inside it.
fn show(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(relative) => relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => path.display().to_string(),
    }
}
