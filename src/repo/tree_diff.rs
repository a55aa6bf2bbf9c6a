//! Which paths differ between two trees, found by reading only the subtrees whose ids
//! differ: the cost follows the size of the change, not of the trees. libgit2's tree diff
//! reads every subtree of both sides (a review of one plan in a repository of 10,000 read
//! 20,000 trees), so backout finds the paths here and hands libgit2 only those, to describe
//! and to pair renames exactly as it does for a whole diff.

use std::collections::HashMap;

use super::ObjectError;

/// One entry of a raw tree object: its mode as written, and its object id.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Entry<'a> {
    mode: &'a [u8],
    id: git2::Oid,
}

impl Entry<'_> {
    fn is_tree(&self) -> bool {
        matches!(self.mode, b"40000" | b"040000")
    }
}

/// The entries of a raw tree object (`<octal mode> <name>\0<20-byte id>`), by name. A
/// malformed tail ends the list, as libgit2 would refuse the tree.
fn entries(data: &[u8]) -> HashMap<&[u8], Entry<'_>> {
    let mut map = HashMap::new();
    let mut rest = data;
    while let Some(space) = memchr::memchr(b' ', rest) {
        let after = &rest[space + 1..];
        let Some(nul) = memchr::memchr(0, after) else {
            break;
        };
        let Some(id) = after
            .get(nul + 1..nul + 21)
            .and_then(|id| git2::Oid::from_bytes(id).ok())
        else {
            break;
        };
        map.insert(
            &after[..nul],
            Entry {
                mode: &rest[..space],
                id,
            },
        );
        rest = &after[nul + 21..];
    }
    map
}

/// Every path that differs between the trees `old` and `new` (either may be missing), as
/// `dir` followed by the path inside them: files, links and submodules whose id or mode
/// differ or that stand on one side only (all of a tree on one side only). A name that is a
/// tree on one side and a file on the other gives the file and everything in the tree.
/// Paths are bytes as git stores them; their order is unspecified.
pub(super) fn differing_paths(
    odb: &git2::Odb<'_>,
    dir: &[u8],
    old: Option<git2::Oid>,
    new: Option<git2::Oid>,
) -> Result<Vec<Vec<u8>>, ObjectError> {
    let read = |id: git2::Oid| {
        odb.read(id)
            .map_err(|source| ObjectError { oid: id, source })
    };
    let mut paths = Vec::new();
    // A stack, not recursion: a tree may be nested as deep as whoever made it liked.
    let mut pending = vec![(dir.to_vec(), old, new)];
    while let Some((dir, old, new)) = pending.pop() {
        if old == new {
            continue;
        }
        let old_object = old.map(read).transpose()?;
        let new_object = new.map(read).transpose()?;
        let mut old_entries = old_object
            .as_ref()
            .map(|o| entries(o.data()))
            .unwrap_or_default();
        let new_entries = new_object
            .as_ref()
            .map(|o| entries(o.data()))
            .unwrap_or_default();
        let path = |name: &[u8]| {
            let mut path = Vec::with_capacity(dir.len() + 1 + name.len());
            path.extend_from_slice(&dir);
            if !dir.is_empty() {
                path.push(b'/');
            }
            path.extend_from_slice(name);
            path
        };
        // A name whose entries differ: two trees are compared further, two files are a
        // path, and otherwise each side stands alone (a file is a path, a tree all of its).
        let mut differs =
            |path: Vec<u8>, old: Option<Entry<'_>>, new: Option<Entry<'_>>| match (old, new) {
                (Some(o), Some(n)) if o.is_tree() && n.is_tree() => {
                    pending.push((path, Some(o.id), Some(n.id)));
                }
                (Some(o), Some(n)) if !o.is_tree() && !n.is_tree() => paths.push(path),
                (old, new) => {
                    let trees = (
                        old.filter(Entry::is_tree).map(|e| e.id),
                        new.filter(Entry::is_tree).map(|e| e.id),
                    );
                    if old.is_some_and(|e| !e.is_tree()) || new.is_some_and(|e| !e.is_tree()) {
                        paths.push(path.clone());
                    }
                    if trees != (None, None) {
                        pending.push((path, trees.0, trees.1));
                    }
                }
            };
        for (name, new_entry) in new_entries {
            let old_entry = old_entries.remove(name);
            if old_entry != Some(new_entry) {
                differs(path(name), old_entry, Some(new_entry));
            }
        }
        for (name, old_entry) in old_entries {
            differs(path(name), Some(old_entry), None);
        }
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value, or the test fails with the error.
    fn ok<T, E: std::fmt::Debug>(result: Result<T, E>) -> T {
        result.unwrap_or_else(|error| panic!("{error:?}"))
    }

    fn commit(repo: &git2::Repository, files: &[(&str, &str)]) -> git2::Oid {
        let mut index = ok(git2::Index::new());
        for (path, text) in files {
            let blob = ok(repo.blob(text.as_bytes()));
            let mut entry = git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: if path.ends_with(".sh") {
                    0o100755
                } else {
                    0o100644
                },
                uid: 0,
                gid: 0,
                file_size: 0,
                id: blob,
                flags: 0,
                flags_extended: 0,
                path: path.as_bytes().to_vec(),
            };
            entry.flags = path.len().min(0xfff) as u16;
            ok(index.add(&entry));
        }
        ok(index.write_tree_to(repo))
    }

    fn differing(
        repo: &git2::Repository,
        dir: &str,
        old: git2::Oid,
        new: git2::Oid,
    ) -> Vec<String> {
        let odb = ok(repo.odb());
        let tree_at = |tree: git2::Oid| {
            let tree = ok(repo.find_tree(tree));
            if dir.is_empty() {
                return Some(tree.id());
            }
            tree.get_path(std::path::Path::new(dir))
                .ok()
                .map(|e| e.id())
        };
        let mut paths: Vec<String> = ok(differing_paths(
            &odb,
            dir.as_bytes(),
            tree_at(old),
            tree_at(new),
        ))
        .into_iter()
        .map(|p| ok(String::from_utf8(p)))
        .collect();
        paths.sort();
        paths
    }

    #[test]
    fn finds_what_differs_and_nothing_else() {
        let dir = ok(tempfile::tempdir());
        let repo = ok(git2::Repository::init(dir.path()));
        let old = commit(
            &repo,
            &[
                ("README.md", "readme"),
                ("plans/payments/v1.4/plan.md", "plan 1.4"),
                ("plans/payments/v1.4/manifest.toml", "ids 1.4"),
                ("plans/payments/v1.5/plan.md", "plan 1.5"),
                ("plans/search/v2.0/plan.md", "search"),
                ("plans/search/v2.0/notes", "a file that becomes a directory"),
                ("plans/gone/v1/plan.md", "gone"),
                ("plans/tools/run.txt", "mode changes"),
            ],
        );
        let new = commit(
            &repo,
            &[
                ("README.md", "changed outside plans/"),
                ("plans/payments/v1.4/plan.md", "plan 1.4, edited"),
                ("plans/payments/v1.4/manifest.toml", "ids 1.4"),
                ("plans/payments/v1.5/plan.md", "plan 1.5"),
                ("plans/payments/v1.6/plan.md", "new release"),
                ("plans/search/v2.0/plan.md", "search"),
                ("plans/search/v2.0/notes/one.md", "now a directory"),
                ("plans/tools/run.sh", "mode changes"),
            ],
        );
        assert_eq!(
            differing(&repo, "plans", old, new),
            [
                "plans/gone/v1/plan.md",
                "plans/payments/v1.4/plan.md",
                "plans/payments/v1.6/plan.md",
                "plans/search/v2.0/notes",
                "plans/search/v2.0/notes/one.md",
                "plans/tools/run.sh",
                "plans/tools/run.txt",
            ]
        );
        assert_eq!(differing(&repo, "plans", old, old), Vec::<String>::new());
        assert!(differing(&repo, "", old, new).contains(&"README.md".to_string()));
    }

    #[test]
    fn a_mode_change_alone_is_a_difference() {
        let dir = ok(tempfile::tempdir());
        let repo = ok(git2::Repository::init(dir.path()));
        let old = commit(&repo, &[("plans/a/v1/run", "same bytes")]);
        let mut index = ok(git2::Index::new());
        ok(index.read_tree(&ok(repo.find_tree(old))));
        let mut entry = index.get(0).unwrap_or_else(|| panic!("an empty index"));
        entry.mode = 0o100755;
        ok(index.add(&entry));
        let new = ok(index.write_tree_to(&repo));
        assert_eq!(differing(&repo, "plans", old, new), ["plans/a/v1/run"]);
    }

    #[test]
    fn a_deep_tree_does_not_overflow_the_stack() {
        let dir = ok(tempfile::tempdir());
        let repo = ok(git2::Repository::init(dir.path()));
        let deep = vec!["d"; 3000].join("/") + "/file";
        let old = commit(&repo, &[("plans/x", "x")]);
        let new = commit(&repo, &[(&format!("plans/{deep}"), "deep")]);
        let paths = differing(&repo, "plans", old, new);
        assert_eq!(paths.len(), 2);
    }
}
