//! Temporary files: named `.backout-<pid>-<random>.tmp` after the process that made them,
//! so that the next write in a directory can tell one left by a backout that was killed
//! (its process is gone) from one a running backout is using, and remove it.

use std::fs;
use std::path::{Path, PathBuf};

use super::lock::process_runs;

const PREFIX: &str = ".backout-";
const SUFFIX: &str = ".tmp";

/// A builder for this process's temporary files.
pub fn builder() -> tempfile::Builder<'static, 'static> {
    static OURS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let prefix = OURS.get_or_init(|| format!("{PREFIX}{}-", std::process::id()));
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(SUFFIX).rand_bytes(6);
    builder
}

/// The process that made a temporary file of ours, if the name is one of ours.
fn owner(name: &str) -> Option<u32> {
    let middle = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let (pid, random) = middle.split_once('-')?;
    if random.is_empty() || random.contains('-') {
        return None;
    }
    pid.parse().ok()
}

/// Removes the temporary files in `dir` whose process no longer runs; returns them.
pub fn clean_stale(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(owner) else {
            continue;
        };
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && pid != std::process::id() && !process_runs(pid) {
            let path = entry.path();
            if fs::remove_file(&path).is_ok() {
                removed.push(path);
            }
        }
    }
    removed.sort();
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_owner_from_the_name() {
        assert_eq!(owner(".backout-4242-Ab12Cd.tmp"), Some(4242));
        assert_eq!(owner(".backout-Ab12Cd.tmp"), None);
        assert_eq!(owner(".backout-42-.tmp"), None);
        assert_eq!(owner("plan.md"), None);
    }

    #[cfg(unix)]
    #[test]
    fn removes_only_what_a_finished_process_left() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let mut child = std::process::Command::new("true").spawn()?;
        let gone = child.id();
        let _ = child.wait();
        let stale = dir.path().join(format!(".backout-{gone}-aaaaaa.tmp"));
        let live = dir
            .path()
            .join(format!(".backout-{}-bbbbbb.tmp", std::process::id()));
        let other = dir.path().join("notes.tmp");
        for path in [&stale, &live, &other] {
            fs::write(path, "x")?;
        }
        assert_eq!(clean_stale(dir.path()), vec![stale.clone()]);
        assert!(!stale.exists() && live.exists() && other.exists());
        Ok(())
    }
}
