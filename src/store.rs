//! The only module that reads and writes plan files: size limits, UTF-8, symlinks that
//! leave the repository, and atomic writes that never overwrite without being told.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::diag::{Finding, Rule, unreadable_finding};
use crate::error::{Error, Result};

/// Files larger than this are refused: a plan is read by a human at 3 a.m.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Why a file could not be read as text; the message completes "path: ...".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadProblem {
    pub line: usize,
    pub message: String,
    pub help: String,
}

impl ReadProblem {
    /// The file vanished between listing and reading.
    pub fn missing() -> Self {
        ReadProblem::new("is missing", "create it, or run the command again")
    }

    /// The `invalid-plan` finding for the file at `path` that could not be read.
    pub fn finding(&self, path: &str) -> Finding {
        let mut finding =
            unreadable_finding(path, Rule::InvalidPlan, format!("{path} {}", self.message))
                .with_help(self.help.clone());
        finding.line = self.line;
        finding
    }

    fn new(message: impl Into<String>, help: impl Into<String>) -> Self {
        ReadProblem {
            line: 1,
            message: message.into(),
            help: help.into(),
        }
    }
}

/// Whether `path` (inside `root`) resolves to somewhere inside `root`; symlinks are followed.
pub fn stays_inside(root: &Path, path: &Path) -> bool {
    match (fs::canonicalize(root), fs::canonicalize(path)) {
        (Ok(root), Ok(path)) => path.starts_with(root),
        _ => true,
    }
}

/// Reads a text file of the repository. `Ok(None)` when it does not exist.
pub fn read_text(root: &Path, path: &Path) -> Result<Option<String>, ReadProblem> {
    let metadata = match fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(unreadable(&error)),
    };
    if metadata.file_type().is_symlink() && !stays_inside(root, path) {
        return Err(ReadProblem::new(
            "is a symlink to a file outside the repository, which backout does not follow",
            "replace the symlink with a regular file",
        ));
    }
    let file = match fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(ReadProblem::new(
                "is a broken symlink",
                "point it at an existing file or remove it",
            ));
        }
        Err(error) => return Err(unreadable(&error)),
    };
    let metadata = file.metadata().map_err(|error| unreadable(&error))?;
    if metadata.is_dir() {
        return Err(ReadProblem::new(
            "is a directory, not a file",
            "move the directory away",
        ));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(too_big(metadata.len()));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| unreadable(&error))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    decode(bytes).map(Some)
}

/// Reads a text file from anywhere (a plan written elsewhere, to import): a regular file
/// of at most [`MAX_FILE_BYTES`], not binary, UTF-8.
pub fn read_source(path: &Path) -> Result<String, ReadProblem> {
    let file = match fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(ReadProblem::new(
                "does not exist",
                "name the Markdown or text file that holds the plan",
            ));
        }
        Err(error) => return Err(unreadable(&error)),
    };
    let metadata = file.metadata().map_err(|error| unreadable(&error))?;
    if metadata.is_dir() {
        return Err(ReadProblem::new(
            "is a directory, not a file",
            "name the Markdown or text file that holds the plan",
        ));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(too_big(metadata.len()));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| unreadable(&error))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(ReadProblem::new(
            "is UTF-16 text",
            "save it as UTF-8 (most editors offer this under \"Save as\" or \"Encoding\")",
        ));
    }
    // Like git: a NUL byte near the start means binary (a .docx, a PDF, an image).
    if bytes.iter().take(8000).any(|b| *b == 0) {
        return Err(ReadProblem::new(
            "is a binary file, not Markdown or text",
            "export the plan as Markdown or plain text (UTF-8) and import that file",
        ));
    }
    decode(bytes)
}

/// Why the operating system would not let backout read a file, and what to do.
fn unreadable(error: &io::Error) -> ReadProblem {
    let help = match error.kind() {
        io::ErrorKind::PermissionDenied => "give the user running backout read access",
        _ => "make it a readable regular file (not a symlink loop, a socket or a device)",
    };
    ReadProblem::new(format!("cannot be read: {error}"), help)
}

fn too_big(len: u64) -> ReadProblem {
    ReadProblem::new(
        format!(
            "is {:.1} MB, more than the {} MB backout reads",
            len as f64 / 1_048_576.0,
            MAX_FILE_BYTES / 1_048_576
        ),
        "a plan should be short enough to follow during an incident; move long material to linked runbooks",
    )
}

/// Turns bytes into text, naming the line of the first byte that is not UTF-8.
pub fn decode(bytes: Vec<u8>) -> Result<String, ReadProblem> {
    String::from_utf8(bytes).map_err(|error| {
        let valid = error.utf8_error().valid_up_to();
        let bytes = error.as_bytes();
        let line = bytes[..valid].iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = bytes[..valid]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let column = valid - line_start + 1;
        ReadProblem {
            line,
            message: format!("is not valid UTF-8 (line {line}, byte {column} of the line)"),
            help: "save the file as UTF-8".into(),
        }
    })
}

/// How to treat a file that already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    Refuse,
    Allow,
}

/// A file to write: repository-relative display path, absolute path, contents.
#[derive(Debug, Clone)]
pub struct FileWrite {
    pub display: String,
    pub path: PathBuf,
    pub contents: String,
}

/// Writes every file or none: checks all of them first, then writes each atomically
/// (temporary file in the same directory, fsync, rename).
pub fn write_all(files: &[FileWrite], overwrite: Overwrite) -> Result<()> {
    check_overwrite(files, overwrite)?;
    let mut created = Vec::new();
    let result = write_files(files, &mut created);
    if result.is_err() {
        // Leave no empty directory behind; non-empty ones are not ours to remove.
        for dir in created.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
    result
}

/// Refuses, before anything is written, when a file exists and may not be overwritten.
pub fn check_overwrite(files: &[FileWrite], overwrite: Overwrite) -> Result<()> {
    if overwrite == Overwrite::Refuse {
        if let Some(existing) = files.iter().find(|f| f.path.exists()) {
            return Err(Error::msg(format!(
                "{} already exists; pass --force to overwrite it",
                existing.display
            )));
        }
    }
    Ok(())
}

/// Creates missing parent directories (recording them in `created`) and writes the files.
fn write_files(files: &[FileWrite], created: &mut Vec<PathBuf>) -> Result<()> {
    for file in files {
        let Some(parent) = file.path.parent() else {
            continue;
        };
        let mut missing: Vec<&Path> = parent.ancestors().take_while(|dir| !dir.exists()).collect();
        missing.reverse();
        for dir in missing {
            fs::create_dir(dir).map_err(|e| Error::io("create directory", dir, e))?;
            created.push(dir.to_path_buf());
        }
    }
    for file in files {
        write_atomic(&file.path, file.contents.as_bytes())?;
    }
    Ok(())
}

/// Removes a file backout wrote; one that is already gone is fine.
pub fn remove(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => {
            Err(Error::io("remove", path, error))
        }
        _ => Ok(()),
    }
}

/// Writes `contents` to `path` through a temporary file in the same directory.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".backout-").suffix(".tmp");
    // Temporary files are private (0600); the file we write is not: like any editor, create
    // it with 0666 minus the umask.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a temporary file in", dir, e))?;
    // A file we replace keeps its permissions.
    if let Ok(existing) = fs::metadata(path) {
        temp.as_file()
            .set_permissions(existing.permissions())
            .map_err(|e| Error::io("set the permissions of", path, e))?;
    }

    temp.write_all(contents)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| Error::io("write", path, e))?;
    temp.persist(path)
        .map_err(|e| Error::io("write", path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn written_files_are_readable_and_replaced_files_keep_their_mode() -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().map_err(|e| Error::io("create", "tmp", e))?;
        let path = dir.path().join("plan.md");
        write_atomic(&path, b"one")?;
        let mode = |p: &Path| {
            fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0)
        };
        // Whatever the umask, the owner can read and write, and the file is not 0600-private
        // unless the umask says so: at least the default 022 leaves it world-readable.
        assert_eq!(mode(&path) & 0o600, 0o600);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640))
            .map_err(|e| Error::io("chmod", &path, e))?;
        write_atomic(&path, b"two")?;
        assert_eq!(mode(&path), 0o640);
        Ok(())
    }

    #[test]
    fn names_the_line_of_bad_utf8() {
        let problem = decode(b"ok\nstill ok\nbad \xff here".to_vec()).err();
        assert_eq!(problem.map(|p| p.line), Some(3));
    }

    #[test]
    fn refuses_big_files_without_reading_them() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("create", "tmp", e))?;
        let path = dir.path().join("big.md");
        let file = fs::File::create(&path).map_err(|e| Error::io("create", &path, e))?;
        file.set_len(MAX_FILE_BYTES + 1)
            .map_err(|e| Error::io("grow", &path, e))?;
        let problem = read_text(dir.path(), &path).err();
        assert!(problem.is_some_and(|p| p.message.contains("MB")));
        Ok(())
    }

    #[test]
    fn writes_nothing_when_one_file_exists() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("create", "tmp", e))?;
        let existing = dir.path().join("a");
        fs::write(&existing, "keep").map_err(|e| Error::io("write", &existing, e))?;
        let files = [
            FileWrite {
                display: "b".into(),
                path: dir.path().join("b"),
                contents: "new".into(),
            },
            FileWrite {
                display: "a".into(),
                path: existing.clone(),
                contents: "new".into(),
            },
        ];
        assert!(write_all(&files, Overwrite::Refuse).is_err());
        assert!(!dir.path().join("b").exists());
        write_all(&files, Overwrite::Allow)?;
        assert_eq!(fs::read_to_string(&existing).unwrap_or_default(), "new");
        Ok(())
    }
}
