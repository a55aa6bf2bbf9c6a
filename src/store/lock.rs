//! `plan.md.lock`: one backout at a time writes a file, like git's `index.lock`.
//!
//! A writer creates `<file>.lock` next to the file with `O_EXCL` before it reads what it will
//! change, and removes it when done, whether it wrote or failed. A second writer finds the
//! lock and stops (exit 2) instead of silently losing one of the two writes. The lock holds
//! the process id and host name of its owner, so a lock left by a killed backout is told
//! apart from a live one; backout never removes another process's lock itself (the user
//! does, after checking that no backout is running).

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A held lock; dropping it removes the lock file, and the directories created for it
/// when nothing was written into them.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    created: Vec<PathBuf>,
}

impl Lock {
    /// Takes the lock of `file` (`display` is how users see it). A file below `root` by name
    /// must resolve inside it; missing directories above it are created.
    pub fn acquire(root: &Path, file: &Path, display: &str) -> Result<Lock> {
        if file.starts_with(root) {
            super::inside::check(root, file).map_err(|escape| {
                Error::msg(format!(
                    "refusing to write {display}: it {}; {}",
                    escape.describe(),
                    escape.help()
                ))
            })?;
        }
        let mut lock = Lock {
            path: lock_path(file),
            created: Vec::new(),
        };
        if let Some(dir) = file.parent() {
            super::write::create_dirs(dir, &mut lock.created)?;
        }
        let lock_display = format!("{display}.lock");
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        match options.open(&lock.path) {
            Ok(mut handle) => {
                let owner = format!("pid {}\nhost {}\n", std::process::id(), host_name());
                // The owner lines are a courtesy for whoever finds a stale lock.
                let _ = handle.write_all(owner.as_bytes());
                Ok(lock)
            }
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                let message = held_message(&lock.path, display, &lock_display);
                // Not ours: it must survive this guard's drop.
                lock.path = PathBuf::new();
                Err(Error::msg(message))
            }
            Err(error) => {
                let path = std::mem::take(&mut lock.path);
                Err(Error::io("create the lock file", path, error))
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.path);
        }
        for dir in self.created.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

/// `plan.md` → `plan.md.lock`.
pub fn lock_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    file.with_file_name(name)
}

/// What to say when the lock is there: whether its owner still runs, and what to do.
fn held_message(path: &Path, display: &str, lock_display: &str) -> String {
    let mut owner = String::new();
    if let Ok(file) = fs::File::open(path) {
        let _ = file.take(256).read_to_string(&mut owner);
    }
    let field = |key: &str| {
        owner
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .map(|v| v.trim().to_string())
    };
    let pid = field("pid ").and_then(|p| p.parse::<u32>().ok());
    let host = field("host ");
    match (pid, host) {
        (Some(pid), Some(host)) if host == host_name() && !process_runs(pid) => format!(
            "{lock_display} exists, but backout process {pid}, which created it, is no longer running (it was interrupted); check that no other backout is writing {display}, remove {lock_display}, and run the command again"
        ),
        (Some(pid), Some(host)) => format!(
            "another backout (process {pid} on {}) is writing {display}: {lock_display} exists; run the command again when it has finished (if no backout is running, remove {lock_display})",
            crate::diag::escape::inline(&host)
        ),
        _ => format!(
            "another backout is writing {display}: {lock_display} exists; run the command again when it has finished (if no backout is running, remove {lock_display})"
        ),
    }
}

/// This machine's name, to tell whether a lock's process id means anything here.
pub fn host_name() -> String {
    #[cfg(unix)]
    {
        let mut buffer = [0u8; 256];
        // SAFETY: the buffer is valid for its length; gethostname writes at most that.
        let result =
            unsafe { libc::gethostname(buffer.as_mut_ptr().cast::<libc::c_char>(), buffer.len()) };
        if result == 0 {
            let end = buffer.iter().position(|b| *b == 0).unwrap_or(buffer.len());
            return String::from_utf8_lossy(&buffer[..end]).into_owned();
        }
    }
    String::from("localhost")
}

/// Whether a process with this id runs on this machine (when that cannot be told: yes).
pub fn process_runs(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        if pid <= 0 {
            return true;
        }
        // SAFETY: signal 0 only asks whether the process exists; nothing is sent.
        let result = unsafe { libc::kill(pid, 0) };
        if result == 0 {
            return true;
        }
        io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_until_the_first_is_done() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("create", "tmp", e))?;
        let file = dir.path().join("plan.md");
        let first = Lock::acquire(dir.path(), &file, "plans/p/v1/plan.md")?;
        let second = Lock::acquire(dir.path(), &file, "plans/p/v1/plan.md").err();
        let message = second.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.starts_with(&format!(
                "another backout (process {} on ",
                std::process::id()
            )),
            "{message}"
        );
        drop(first);
        assert!(!lock_path(&file).exists());
        assert!(Lock::acquire(dir.path(), &file, "plans/p/v1/plan.md").is_ok());
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_of_a_process_that_is_gone_is_called_stale() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("create", "tmp", e))?;
        let file = dir.path().join("plan.md");
        // A child that has exited and been waited for: its id runs no process.
        let mut child = std::process::Command::new("true")
            .spawn()
            .map_err(|e| Error::io("run", "true", e))?;
        let pid = child.id();
        let _ = child.wait();
        let lock = format!("pid {pid}\nhost {}\n", host_name());
        fs::write(lock_path(&file), lock).map_err(|e| Error::io("write", "lock", e))?;
        let message = Lock::acquire(dir.path(), &file, "plans/p/v1/plan.md")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("is no longer running (it was interrupted)"),
            "{message}"
        );
        assert!(
            lock_path(&file).exists(),
            "a stale lock is left to the user"
        );
        Ok(())
    }
}
