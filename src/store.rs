//! The only module that reads and writes plan files: size limits, UTF-8, file types,
//! paths proven inside the work tree, locks, and writes that are all or nothing and never
//! overwrite without being told.

mod fault;
pub mod inside;
pub mod lock;
pub mod stamp;
pub(crate) mod temp;
mod write;

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::diag::{Finding, Rule, unreadable_finding};
use crate::error::{Error, Result};

pub use inside::stays_inside;
pub use lock::Lock;
pub use write::{Written, check_overwrite, check_writable, write_all};

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

    /// A directory where a file belongs (in the work tree, or in git for `review`).
    pub fn directory() -> Self {
        ReadProblem::new("is a directory, not a file", "move the directory away")
    }

    /// The `invalid-plan` finding for the file at `path` that could not be read.
    pub fn finding(&self, path: &str) -> Finding {
        let mut finding =
            unreadable_finding(path, Rule::InvalidPlan, format!("{path} {}", self.message))
                .with_help(self.help.clone());
        finding.line = self.line;
        finding
    }

    /// A file larger than [`MAX_FILE_BYTES`]; `help` says why that file should be small.
    pub fn too_big(len: u64, help: impl Into<String>) -> Self {
        ReadProblem::new(
            format!(
                "is {:.1} MB, more than the {} MB backout reads",
                len as f64 / 1_048_576.0,
                MAX_FILE_BYTES / 1_048_576
            ),
            help,
        )
    }

    /// Whether this is the problem of a file too big to read.
    pub fn is_too_big(&self) -> bool {
        self.message.contains(" MB backout reads")
    }

    fn new(message: impl Into<String>, help: impl Into<String>) -> Self {
        ReadProblem {
            line: 1,
            message: message.into(),
            help: help.into(),
        }
    }
}

/// What kind of thing a path is, for "it is a FIFO (named pipe), not a regular file".
pub fn describe_type(metadata: &fs::Metadata) -> &'static str {
    let kind = metadata.file_type();
    if kind.is_dir() {
        return "a directory";
    }
    if kind.is_symlink() {
        return "a symlink";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    "not a regular file"
}

fn not_regular(metadata: &fs::Metadata) -> ReadProblem {
    let what = describe_type(metadata);
    if metadata.is_dir() {
        return ReadProblem::directory();
    }
    ReadProblem::new(
        format!("is {what}, not a regular file, so backout does not read it"),
        "replace it with a regular file",
    )
}

/// Reads a text file of the repository. `Ok(None)` when it does not exist.
///
/// The path must resolve inside `root` (a symlink on the way that leads out, or points at
/// nothing, is refused), and be a regular file: the type is checked before opening, and the
/// file is opened without blocking, so a FIFO cannot hang the command.
pub fn read_text(root: &Path, path: &Path) -> Result<Option<String>, ReadProblem> {
    let metadata = match inside::check_file(root, path) {
        Ok(Some(metadata)) => metadata,
        Ok(None) => return Ok(None),
        Err(escape) => return Err(escaped(root, path, &escape)),
    };
    if let Some(link) = own_symlink(path) {
        return Err(link);
    }
    if !metadata.is_file() {
        return Err(not_regular(&metadata));
    }
    let (file, len) = open_regular(path)?;
    read_opened(file, len).map(Some)
}

/// The problem of a file that is itself a symlink (resolving inside the work tree; one that
/// leads out or nowhere is reported by [`escaped`]). Not followed even so: git stores a
/// symlink as a link, so `review` and `tags`, which read git, cannot follow it, and a file
/// must mean the same in the work tree as in a commit.
fn own_symlink(path: &Path) -> Option<ReadProblem> {
    let metadata = fs::symlink_metadata(path).ok()?;
    if !metadata.file_type().is_symlink() {
        return None;
    }
    let target = fs::read_link(path)
        .map(|target| format!(" (to {})", target.to_string_lossy()))
        .unwrap_or_default();
    Some(ReadProblem::new(
        format!(
            "is a symlink{target}, which backout does not follow: git stores it as a link, so `review` and `tags` could not read the file"
        ),
        "replace the symlink with a copy of the file it points to",
    ))
}

/// Reads a text file whose directory a listing proved inside the work tree (a catalog's
/// release directory), with what `lstat` said of it then. `Ok(None)` when it does not exist.
///
/// Fast where `read_text` is careful: the file is opened without following a symlink and
/// must still be the regular file that was listed (same inode and device), so what is read
/// is that file in that directory, with no lookup of the path's components. Anything else
/// (a symlink, a replaced file, a directory not proven) is read by `read_text`.
pub fn read_listed(
    root: &Path,
    path: &Path,
    listed: Option<&stamp::FileStamp>,
) -> Result<Option<String>, ReadProblem> {
    #[cfg(unix)]
    if let Some(listed) = listed.filter(|stamp| stamp.is_file()) {
        let proven = path
            .parent()
            .is_some_and(|dir| inside::is_proven_dir(root, dir));
        if proven && let Some(read) = read_unfollowed(path, listed) {
            return read;
        }
    }
    let _ = listed;
    read_text(root, path)
}

/// Opens the listed regular file without following a symlink and reads it; `None` when it
/// is no longer the file that was listed.
#[cfg(unix)]
fn read_unfollowed(
    path: &Path,
    listed: &stamp::FileStamp,
) -> Option<Result<Option<String>, ReadProblem>> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
        .ok()?;
    let opened = stamp::FileStamp::of(&file.metadata().ok()?);
    if !opened.is_file() || opened.inode != listed.inode || opened.device != listed.device {
        return None;
    }
    Some(read_opened(file, opened.len).map(Some))
}

/// Reads an opened regular file of `len` bytes as text, within the size limit.
fn read_opened(file: fs::File, len: u64) -> Result<String, ReadProblem> {
    decode(read_bytes_within_limit(file, len)?)
}

/// The bytes of an opened regular file said to be `len` long, refused past
/// [`MAX_FILE_BYTES`] whether it said so before reading or grew while read.
fn read_bytes_within_limit(file: fs::File, len: u64) -> Result<Vec<u8>, ReadProblem> {
    if len > MAX_FILE_BYTES {
        return Err(ReadProblem::too_big(len, TOO_BIG_HELP));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| unreadable(&error))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadProblem::too_big(bytes.len() as u64, TOO_BIG_HELP));
    }
    Ok(bytes)
}

/// Reads at most `limit` bytes of a regular file (a FIFO or device gives `None`).
pub fn read_head(path: &Path, limit: u64) -> Option<Vec<u8>> {
    let (file, _) = open_regular(path).ok()?;
    let mut head = Vec::new();
    file.take(limit).read_to_end(&mut head).ok()?;
    Some(head)
}

/// Reads a text file from anywhere (a plan written elsewhere, to import): a regular file
/// of at most [`MAX_FILE_BYTES`], not binary, UTF-8. Opened like every file backout reads:
/// without blocking, and only when it is a regular file.
pub fn read_source(path: &Path) -> Result<String, ReadProblem> {
    let (file, len) = match open_regular(path) {
        Ok(opened) => opened,
        Err(problem) if problem == ReadProblem::missing() => {
            return Err(ReadProblem::new(
                "does not exist",
                "name the Markdown or text file that holds the plan",
            ));
        }
        Err(problem) if problem.message.starts_with("is a directory") => {
            return Err(ReadProblem::new(
                "is a directory, not a file",
                "name the Markdown or text file that holds the plan",
            ));
        }
        Err(problem) => return Err(problem),
    };
    let bytes = read_bytes_within_limit(file, len)?;
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
    let text = decode(bytes)?;
    if is_html_page(&text) {
        return Err(ReadProblem::new(
            "is an HTML page, not Markdown or text",
            "export the page as Markdown, or convert it (`pandoc -f html -t gfm PAGE.html -o plan.md`), and import that file",
        ));
    }
    Ok(text)
}

/// Whether a text is a whole HTML page (a wiki page saved as HTML) rather than Markdown,
/// which may hold HTML but does not open with a document type or an `<html>` element.
fn is_html_page(text: &str) -> bool {
    let start = text.trim_start_matches(|c: char| c == '\u{feff}' || c.is_whitespace());
    let head: String = start
        .chars()
        .take(14)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// Said of any file too big to read: plans, manifests, drill records and backout.toml alike.
pub const TOO_BIG_HELP: &str = "shorten it (a plan should be short enough to follow during an incident: move long material to linked runbooks)";

/// Opens a file for reading without blocking (a FIFO opened for reading waits for a writer),
/// then makes sure what was opened is a regular file; gives it with its length.
fn open_regular(path: &Path) -> Result<(fs::File, u64), ReadProblem> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(ReadProblem::missing());
        }
        Err(error) => return Err(unreadable(&error)),
    };
    let metadata = file.metadata().map_err(|error| unreadable(&error))?;
    if !metadata.is_file() {
        return Err(not_regular(&metadata));
    }
    Ok((file, metadata.len()))
}

/// The problem of a path that is not provably inside the repository.
fn escaped(root: &Path, path: &Path, escape: &inside::Escape) -> ReadProblem {
    let own = path
        .strip_prefix(root)
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default();
    match escape {
        inside::Escape::Outside { link } if *link == own => ReadProblem::new(
            "is a symlink to a file outside the repository, which backout does not follow",
            "replace the symlink with a regular file",
        ),
        inside::Escape::Dangling { link } if *link == own => ReadProblem::new(
            "is a broken symlink",
            "point it at an existing file or remove it",
        ),
        other => ReadProblem::new(other.describe(), other.help()),
    }
}

/// Why the operating system would not let backout read a file, and what to do.
fn unreadable(error: &io::Error) -> ReadProblem {
    let help = match error.kind() {
        io::ErrorKind::PermissionDenied => "give the user running backout read access",
        _ => "make it a readable regular file (not a symlink loop, a socket or a device)",
    };
    ReadProblem::new(format!("cannot be read: {error}"), help)
}

/// Turns bytes into text, naming the line of the first byte that is not UTF-8; a file that
/// starts with two byte-order marks, or whose lines end in CR alone, is refused with what to
/// do (a parser would only see one line, or no front matter).
pub fn decode(bytes: Vec<u8>) -> Result<String, ReadProblem> {
    let text = String::from_utf8(bytes).map_err(|error| {
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
    })?;
    if text.starts_with("\u{feff}\u{feff}") {
        return Err(ReadProblem::new(
            "starts with two byte-order marks (U+FEFF)",
            "remove one: save the file as UTF-8, with one byte-order mark at most",
        ));
    }
    if !text.contains('\n') && text.trim_end_matches('\r').contains('\r') {
        return Err(ReadProblem::new(
            "ends its lines with CR alone (classic Mac OS), so it reads as one long line",
            "save it with LF (or CRLF) line ends",
        ));
    }
    Ok(text)
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

/// Removes a file backout wrote; one that is already gone is fine.
pub fn remove(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => {
            Err(Error::io("remove", path, error))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_one(root: &Path, path: &Path, contents: &str) -> Result<Written> {
        let file = FileWrite {
            display: "plan.md".into(),
            path: path.to_path_buf(),
            contents: contents.into(),
        };
        write_all(root, &[file], Overwrite::Allow)
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_readable_and_replaced_files_keep_their_mode() -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().map_err(|e| Error::io("create", "tmp", e))?;
        let path = dir.path().join("plan.md");
        write_one(dir.path(), &path, "one")?;
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
        write_one(dir.path(), &path, "two")?;
        assert_eq!(mode(&path), 0o640);
        // Nothing of the write is left next to the file.
        let names: Vec<_> = fs::read_dir(dir.path())
            .map_err(|e| Error::io("list", dir.path(), e))?
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["plan.md"]);
        Ok(())
    }

    #[test]
    fn two_byte_order_marks_and_cr_line_ends_are_named() {
        let message = |bytes: &[u8]| decode(bytes.to_vec()).err().map(|p| p.message);
        assert_eq!(
            message("\u{feff}\u{feff}+++\n".as_bytes()),
            Some("starts with two byte-order marks (U+FEFF)".into())
        );
        assert!(message(b"+++\rteam = 1\r+++\r").is_some_and(|m| m.contains("CR alone")));
        assert_eq!(message("\u{feff}+++\r\nok\r\n".as_bytes()), None);
        assert_eq!(message(b"one line\r"), None);
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
        assert!(write_all(dir.path(), &files, Overwrite::Refuse).is_err());
        assert!(!dir.path().join("b").exists());
        write_all(dir.path(), &files, Overwrite::Allow)?;
        assert_eq!(fs::read_to_string(&existing).unwrap_or_default(), "new");
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn fifos_are_refused_without_blocking() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("create", "tmp", e))?;
        let path = dir.path().join("plan.md");
        let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|e| Error::msg(e.to_string()))?;
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0);
        let problem = read_text(dir.path(), &path).err();
        assert_eq!(
            problem.map(|p| p.message),
            Some("is a FIFO (named pipe), not a regular file, so backout does not read it".into())
        );
        assert!(read_head(&path, 10).is_none());
        let refused = write_one(dir.path(), &path, "x")
            .err()
            .map(|e| e.to_string());
        assert!(refused.is_some_and(|e| e.contains("it is a FIFO (named pipe)")));
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_neither_written_through_nor_replaced() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("create", "tmp", e))?;
        let real = dir.path().join("v1.4.md");
        fs::write(&real, "keep").map_err(|e| Error::io("write", &real, e))?;
        let link = dir.path().join("plan.md");
        std::os::unix::fs::symlink("v1.4.md", &link).map_err(|e| Error::io("link", &link, e))?;
        let refused = write_one(dir.path(), &link, "new")
            .err()
            .map(|e| e.to_string());
        assert!(
            refused
                .as_deref()
                .is_some_and(|e| e.contains("it is a symlink (to v1.4.md)")),
            "{refused:?}"
        );
        assert_eq!(fs::read_to_string(&real).unwrap_or_default(), "keep");
        assert!(fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink()));
        Ok(())
    }
}
