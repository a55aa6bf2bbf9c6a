//! Proof that a path stays inside the work tree before backout reads or writes it.
//!
//! A pull request can add symlinks: `plans/payments/v1.5 -> /elsewhere`, a `plans`
//! directory that is a link, a dangling link. Every existing component of a path below the
//! root is looked at; a symlink must resolve (dangling ones do not count as inside) to a
//! place under the real root. Components that do not exist yet are plain names backout is
//! about to create.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::RwLock;

/// Why a path is not provably inside the work tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Escape {
    /// A symlink on the way resolves outside the root; `link` is root-relative.
    Outside { link: String },
    /// A symlink on the way points at nothing (or loops).
    Dangling { link: String },
    /// The path is not below the root at all, or climbs out with `..`.
    NotBelow,
    /// A component could not be looked at.
    Unreadable { part: String, error: String },
}

impl Escape {
    /// The end of a sentence that starts with the path.
    pub fn describe(&self) -> String {
        match self {
            Escape::Outside { link } => format!(
                "leads outside the repository through the symlink {link}, which backout does not follow"
            ),
            Escape::Dangling { link } => format!(
                "goes through the symlink {link}, which points at nothing; backout does not follow it"
            ),
            Escape::NotBelow => "is not inside the repository".to_string(),
            Escape::Unreadable { part, error } => {
                format!("cannot be checked: {part} cannot be read ({error})")
            }
        }
    }

    /// How to fix it.
    pub fn help(&self) -> &'static str {
        match self {
            Escape::Outside { .. } | Escape::Dangling { .. } => {
                "replace the symlink with a real directory or file inside the repository"
            }
            Escape::NotBelow => "keep plans and output inside the repository",
            Escape::Unreadable { .. } => "give the user running backout access to it",
        }
    }
}

/// The canonical form of the last root asked about: one `realpath` per run, not per file.
/// Read-mostly, from every worker at once: a read lock does not make them wait in turn.
static REAL_ROOT: RwLock<Option<(PathBuf, PathBuf)>> = RwLock::new(None);

fn real_root(root: &Path) -> io::Result<PathBuf> {
    if let Ok(cache) = REAL_ROOT.read()
        && let Some((asked, real)) = cache.as_ref()
        && asked == root
    {
        return Ok(real.clone());
    }
    let real = fs::canonicalize(root)?;
    if let Ok(mut cache) = REAL_ROOT.write() {
        *cache = Some((root.to_path_buf(), real.clone()));
    }
    Ok(real)
}

/// Directories already proven to be real directories inside the root (not symlinks), by
/// their path below the real root: `check` reads 20,000 plans and manifests in a few
/// thousand directories, and needs to look at each directory once.
/// Kept as the paths' bytes, hashed with foldhash: hashing a `Path` goes component by
/// component, which showed in profiles. A path written another way (`a//b`) is only not
/// found, and then proven again.
static PROVEN_DIRS: RwLock<Option<ProvenDirs>> = RwLock::new(None);

type ProvenDirs = HashSet<OsString, foldhash::fast::RandomState>;

/// Real directories that listings found and that are not in `PROVEN_DIRS` yet: by the key
/// of the directory listed, the names of its real subdirectories joined by `/` (which no
/// name holds). A listed directory's are proven when one of them is first asked about: a
/// one-plan run reads in one release directory of thousands.
static PENDING: RwLock<Option<HashMap<OsString, String, foldhash::fast::RandomState>>> =
    RwLock::new(None);

fn is_proven(dir: &Path) -> bool {
    if is_proven_now(dir) {
        return true;
    }
    let Some(parent) = dir.parent() else {
        return false;
    };
    let pending = PENDING.read().is_ok_and(|pending| {
        pending
            .as_ref()
            .is_some_and(|pending| pending.contains_key(parent.as_os_str()))
    });
    if !pending {
        return false;
    }
    let names = match PENDING.write() {
        Ok(mut pending) => pending
            .as_mut()
            .and_then(|pending| pending.remove(parent.as_os_str())),
        Err(_) => None,
    };
    if let Some(names) = names {
        prove(
            names
                .split('/')
                .filter(|name| !name.is_empty())
                .map(|name| parent.join(name))
                .collect(),
        );
    }
    is_proven_now(dir)
}

fn is_proven_now(dir: &Path) -> bool {
    PROVEN_DIRS.read().is_ok_and(|dirs| {
        dirs.as_ref()
            .is_some_and(|dirs| dirs.contains(dir.as_os_str()))
    })
}

fn prove(dirs: Vec<PathBuf>) {
    if dirs.is_empty() {
        return;
    }
    if let Ok(mut proven) = PROVEN_DIRS.write() {
        proven
            .get_or_insert_with(ProvenDirs::default)
            .extend(dirs.into_iter().map(PathBuf::into_os_string));
    }
}

/// Records the subdirectories `names` of `dir` (a directory below `root`, proven inside)
/// that a listing found to be real directories (not symlinks), so reading their files needs
/// no second look. They are proven when one of them is first asked about (`PENDING`).
pub fn mark_real_dirs<'n>(root: &Path, dir: &Path, names: impl IntoIterator<Item = &'n str>) {
    let Ok(real_root) = real_root(root) else {
        return;
    };
    let Some(key) = key_below(root, &real_root, dir) else {
        return;
    };
    let mut joined = String::new();
    for name in names {
        if name.is_empty() || name.contains('/') {
            continue;
        }
        joined.push_str(name);
        joined.push('/');
    }
    if joined.is_empty() {
        return;
    }
    if let Ok(mut pending) = PENDING.write() {
        pending
            .get_or_insert_with(Default::default)
            .entry(key.into_os_string())
            .or_default()
            .push_str(&joined);
    }
}

/// The path of `dir` (below `root` by name) below the real root, as `is_proven` keeps it.
fn key_below(root: &Path, real_root: &Path, dir: &Path) -> Option<PathBuf> {
    #[cfg(unix)]
    if let Some(key) = plain_key_below(root, real_root, dir) {
        return Some(key);
    }
    dir.strip_prefix(root).ok().map(|rel| real_root.join(rel))
}

/// `key_below` for the usual paths (`root/plans/team/release`), on their bytes: going
/// component by component (`strip_prefix`, `join`) showed in profiles of reading 20,000
/// files. `None` for a path it cannot take so simply (`.`, `..`, `//`, a trailing `/`).
#[cfg(unix)]
fn plain_key_below(root: &Path, real_root: &Path, dir: &Path) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    let mut key = Vec::new();
    plain_key_into(root, real_root, dir, &mut key).then(|| PathBuf::from(OsString::from_vec(key)))
}

/// Writes `plain_key_below`'s key into `key` (cleared first); false when there is none.
#[cfg(unix)]
fn plain_key_into(root: &Path, real_root: &Path, dir: &Path, key: &mut Vec<u8>) -> bool {
    use std::os::unix::ffi::OsStrExt;
    // git gives the work tree with a trailing `/` (`/src/repo/`), a user may not.
    let root = root.as_os_str().as_bytes();
    let Some(below) = dir.as_os_str().as_bytes().strip_prefix(root) else {
        return false;
    };
    let relative = match (root.ends_with(b"/"), below.strip_prefix(b"/")) {
        (true, _) => below,
        (false, Some(relative)) => relative,
        (false, None) => return false,
    };
    if !is_plain(relative) {
        return false;
    }
    key.clear();
    let real_root = real_root.as_os_str().as_bytes();
    key.reserve(real_root.len() + 1 + relative.len());
    key.extend_from_slice(real_root);
    if !key.ends_with(b"/") {
        key.push(b'/');
    }
    key.extend_from_slice(relative);
    true
}

/// Whether a relative path is plain: components separated by single `/`, none empty, `.`
/// or `..` (one pass over the bytes, as it runs for every file read).
#[cfg(unix)]
fn is_plain(relative: &[u8]) -> bool {
    let mut start = 0;
    loop {
        let end = memchr::memchr(b'/', &relative[start..]).map_or(relative.len(), |n| start + n);
        let part = &relative[start..end];
        if part.is_empty() || part == b"." || part == b".." {
            return false;
        }
        if end == relative.len() {
            return true;
        }
        start = end + 1;
    }
}

/// Whether `dir` (below `root` by name) was proven a real directory inside the work tree by
/// a listing or an earlier check in this run.
pub fn is_proven_dir(root: &Path, dir: &Path) -> bool {
    // The real root is read under the lock, not copied, for the usual paths.
    // The key is built in a buffer of the thread's: `check` asks this for every file it
    // reads, and allocating a path for each showed in profiles.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        thread_local! {
            static KEY: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let found = KEY.with(|key| {
            let mut key = key.try_borrow_mut().ok()?;
            let cache = REAL_ROOT.read().ok()?;
            let (asked, real) = cache.as_ref()?;
            if asked != root || !plain_key_into(root, real, dir, &mut key) {
                return None;
            }
            drop(cache);
            Some(is_proven(Path::new(std::ffi::OsStr::from_bytes(&key))))
        });
        if let Some(found) = found {
            return found;
        }
    }
    let (Ok(relative), Ok(real_root)) = (dir.strip_prefix(root), real_root(root)) else {
        return false;
    };
    is_proven(&real_root.join(relative))
}

/// Proves that `path`, which must be below `root` by name, resolves inside `root`: every
/// existing component is a real directory or file, or a symlink that resolves inside.
pub fn check(root: &Path, path: &Path) -> Result<(), Escape> {
    check_file(root, path).map(|_| ())
}

/// Like [`check`], and gives what the path itself is (followed when it is a symlink, which
/// then resolves inside): `None` when it does not exist.
pub fn check_file(root: &Path, path: &Path) -> Result<Option<fs::Metadata>, Escape> {
    let relative = path.strip_prefix(root).map_err(|_| Escape::NotBelow)?;
    let real_root = real_root(root).map_err(|e| Escape::Unreadable {
        part: root.display().to_string(),
        error: e.to_string(),
    })?;
    let mut current = real_root.clone();
    let mut shown = Vec::new();
    let mut proven = Vec::new();
    let result = walk(&real_root, relative, &mut current, &mut shown, &mut proven);
    prove(proven);
    result
}

/// Walks the components below the real root; gives the metadata of the last one.
fn walk(
    real_root: &Path,
    relative: &Path,
    current: &mut PathBuf,
    shown: &mut Vec<String>,
    proven: &mut Vec<PathBuf>,
) -> Result<Option<fs::Metadata>, Escape> {
    let mut last = None;
    for component in relative.components() {
        let Component::Normal(name) = component else {
            if component == Component::CurDir {
                continue;
            }
            return Err(Escape::NotBelow);
        };
        current.push(name);
        shown.push(name.to_string_lossy().into_owned());
        if is_proven(current) {
            last = None;
            continue;
        }
        let metadata = match fs::symlink_metadata(&*current) {
            Ok(metadata) => metadata,
            // The rest does not exist yet: plain names below an inside directory.
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(Escape::Unreadable {
                    part: shown.join("/"),
                    error: error.to_string(),
                });
            }
        };
        if metadata.file_type().is_symlink() {
            let link = shown.join("/");
            match fs::canonicalize(&*current) {
                Ok(real) if real.starts_with(real_root) => *current = real,
                Ok(_) => return Err(Escape::Outside { link }),
                Err(_) => return Err(Escape::Dangling { link }),
            }
            last = None;
        } else {
            if metadata.is_dir() {
                proven.push(current.clone());
            }
            last = Some(metadata);
        }
    }
    match last {
        Some(metadata) => Ok(Some(metadata)),
        // Ended on a symlink that resolves inside, or on a directory proven before.
        None => Ok(fs::metadata(&*current).ok()),
    }
}

/// Whether `path` (below `root` by name) resolves inside `root`; dangling symlinks do not.
pub fn stays_inside(root: &Path, path: &Path) -> bool {
    check(root, path).is_ok()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn follows_links_only_while_they_stay_inside() -> io::Result<()> {
        let outside = tempfile::tempdir()?;
        let repo = tempfile::tempdir()?;
        let root = repo.path();
        fs::create_dir_all(root.join("plans/payments/v1.4"))?;
        symlink("v1.4", root.join("plans/payments/v1.4-copy"))?;
        symlink(outside.path(), root.join("plans/payments/v1.5"))?;
        symlink(root.join("nowhere"), root.join("plans/payments/v1.6"))?;

        assert_eq!(
            check(root, &root.join("plans/payments/v1.4/plan.md")),
            Ok(())
        );
        assert_eq!(
            check(root, &root.join("plans/payments/v1.4-copy/plan.md")),
            Ok(())
        );
        assert_eq!(check(root, &root.join("plans/new/v1/plan.md")), Ok(()));
        assert_eq!(
            check(root, &root.join("plans/payments/v1.5/plan.md")),
            Err(Escape::Outside {
                link: "plans/payments/v1.5".into()
            })
        );
        assert_eq!(
            check(root, &root.join("plans/payments/v1.6")),
            Err(Escape::Dangling {
                link: "plans/payments/v1.6".into()
            })
        );
        assert_eq!(
            check(root, &root.join("plans/../../etc")),
            Err(Escape::NotBelow)
        );
        assert_eq!(check(root, outside.path()), Err(Escape::NotBelow));
        Ok(())
    }

    #[test]
    fn real_directories_a_listing_found_are_proven_when_first_asked_about() -> io::Result<()> {
        let repo = tempfile::tempdir()?;
        let root = repo.path();
        let team = root.join("plans/ledger-marked");
        for release in ["v2.0", "v2.1", "v2.2"] {
            fs::create_dir_all(team.join(release))?;
        }
        assert!(!is_proven_dir(root, &team.join("v2.1")));
        // The listing saw v2.0 and v2.1 as real directories; v2.2 was not among them.
        mark_real_dirs(root, &team, ["v2.0", "v2.1", "a/b", ""]);
        assert!(is_proven_dir(root, &team.join("v2.1")));
        assert!(is_proven_dir(root, &team.join("v2.0")));
        assert!(!is_proven_dir(root, &team.join("v2.2")));
        assert!(!is_proven_dir(root, &team.join("a")));
        // Files in them read as inside without another look; the rest is walked as before.
        assert_eq!(check(root, &team.join("v2.0/plan.md")), Ok(()));
        assert_eq!(check(root, &team.join("v2.2/plan.md")), Ok(()));
        Ok(())
    }

    #[test]
    fn a_key_is_read_from_the_bytes_whether_or_not_the_root_ends_in_a_slash() {
        let real = Path::new("/real/repo");
        for root in ["/src/repo", "/src/repo/"] {
            let root = Path::new(root);
            let dir = root.join("plans/payments/v1.4");
            let expected = Some(PathBuf::from("/real/repo/plans/payments/v1.4"));
            assert_eq!(plain_key_below(root, real, &dir), expected, "{root:?}");
            assert_eq!(key_below(root, real, &dir), expected, "{root:?}");
            assert_eq!(plain_key_below(root, real, root), None, "{root:?}");
        }
        let root = Path::new("/src/repo/");
        assert_eq!(
            plain_key_below(root, real, Path::new("/src/repo/plans/../x")),
            None
        );
        assert_eq!(
            plain_key_below(Path::new("/src/repo"), real, Path::new("/src/repository/x")),
            None
        );
    }
}
