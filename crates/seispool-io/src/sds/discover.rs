//! Listing an SDS archive, and expanding loose input paths.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::ChannelDay;
use crate::IoError;

/// A day file found in an archive.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SdsFile {
    /// Which channel and day it holds.
    pub day: ChannelDay,
    /// Its path.
    pub path: PathBuf,
}

/// Everything under an archive root: the day files and the files that do not fit the SDS scheme.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Discovery {
    /// Day files at their SDS place, sorted by channel, day, then path.
    pub days: Vec<SdsFile>,
    /// Other files (wrong name or wrong place), sorted by path; callers may read them as loose files.
    pub others: Vec<PathBuf>,
}

/// One input file: given explicitly or found under a given directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// The file.
    pub path: PathBuf,
    /// Its SDS channel-day when the file name is an SDS day-file name.
    pub sds: Option<ChannelDay>,
}

/// Walks `root` and sorts its files into SDS day files and others.
pub fn discover(root: &Path) -> Result<Discovery, IoError> {
    let mut found = Discovery::default();
    for path in walk_files(root)? {
        let day = path.strip_prefix(root).ok().and_then(ChannelDay::from_relative_path);
        match day {
            Some(day) => found.days.push(SdsFile { day, path }),
            None => found.others.push(path),
        }
    }
    found.days.sort();
    found.others.sort();
    Ok(found)
}

/// Expands `paths`: directories recursively (sorted), files as given, each path once, in order.
/// Symlinked files that lead out of a directory tree are left out (see [`discover_inputs_with`]).
pub fn discover_inputs(paths: &[PathBuf]) -> Result<Vec<Input>, IoError> {
    discover_inputs_with(paths, false)
}

/// [`discover_inputs`], following symlinks (files and directories, wherever they lead) when
/// `follow_symlinks` is set: an SDS archive whose year directories are links onto other disks.
pub fn discover_inputs_with(paths: &[PathBuf], follow_symlinks: bool) -> Result<Vec<Input>, IoError> {
    let mut seen = HashSet::new();
    let mut inputs = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| IoError::os(path, e))?;
        let files = if meta.is_dir() {
            walk_files_with(path, follow_symlinks)?
        } else {
            vec![path.clone()]
        };
        for file in files {
            // One walk yields each path once: only several inputs can repeat one.
            if paths.len() == 1 || seen.insert(file.clone()) {
                let sds = file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(ChannelDay::from_file_name);
                inputs.push(Input { path: file, sds });
            }
        }
    }
    Ok(inputs)
}

/// Every file under `dir`, sorted by path. Symlinked directories are not entered, and a symlinked
/// file counts only when it resolves inside `dir`, unless `follow_outside`: a link in an input tree
/// must not pull in (or, through outputs mirroring inputs, expose) files from elsewhere unless asked.
/// When asked, symlinked directories are entered too, each real directory once (a link cycle ends
/// there), and symlinked files count wherever they lead.
///
/// Each directory's entries are sorted by name and walked depth first in that order, which yields the
/// paths already in `Path` order (component by component) without sorting full paths: listing 100,000
/// day files stays a matter of directory reads (`benches/plan_100k.rs` in seispool-pipeline).
fn walk_files(dir: &Path) -> Result<Vec<PathBuf>, IoError> {
    walk_files_with(dir, false)
}

/// A symlink (or other non-regular entry) counts when it leads to a regular file inside `root`
/// (anywhere when `root` is `None`).
fn linked_file_allowed(path: &Path, root: Option<&Path>) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
        && root.is_none_or(|r| std::fs::canonicalize(path).is_ok_and(|t| t.starts_with(r)))
}

fn walk_files_with(dir: &Path, follow_outside: bool) -> Result<Vec<PathBuf>, IoError> {
    let root = if follow_outside {
        None
    } else {
        Some(std::fs::canonicalize(dir).map_err(|e| IoError::os(dir, e))?)
    };
    let mut files = Vec::new();
    // Real directories entered so far, when links are followed: a link cycle is entered once.
    let mut entered = HashSet::new();
    // (path, is a directory); children are pushed in reverse name order so that they pop in order.
    let mut stack = vec![(dir.to_path_buf(), true)];
    while let Some((path, is_dir)) = stack.pop() {
        if !is_dir {
            files.push(path);
            continue;
        }
        if follow_outside && !entered.insert(std::fs::canonicalize(&path).map_err(|e| IoError::os(&path, e))?) {
            continue;
        }
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(&path).map_err(|e| IoError::os(&path, e))? {
            let entry = entry.map_err(|e| IoError::os(&path, e))?;
            let kind = entry.file_type().map_err(|e| IoError::os(&entry.path(), e))?;
            entries.push((entry.file_name(), kind));
        }
        entries.sort_unstable_by(|a, b| b.0.cmp(&a.0));
        for (name, kind) in entries {
            let child = path.join(&name);
            let linked_dir =
                || follow_outside && kind.is_symlink() && std::fs::metadata(&child).is_ok_and(|m| m.is_dir());
            if kind.is_dir() || linked_dir() {
                stack.push((child, true));
            } else if kind.is_file() || linked_file_allowed(&child, root.as_deref()) {
                stack.push((child, false));
            }
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_yields_paths_in_path_order_without_sorting_them_whole() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        for f in ["a/x", "a/y/z", "a-b", "a0", "b", "a.d/q", "A"] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, b"").expect("write");
        }
        let walked = walk_files(root).expect("walk");
        let mut sorted = walked.clone();
        sorted.sort();
        assert_eq!(walked, sorted);
        assert_eq!(walked.len(), 7);
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_directories_are_entered_only_when_asked_and_a_link_cycle_ends() {
        let dir = tempfile::tempdir().expect("temp dir");
        let tree = dir.path().join("tree");
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(tree.join("2024")).expect("mkdir");
        std::fs::create_dir_all(elsewhere.join("XX")).expect("mkdir");
        std::fs::write(tree.join("2024/a"), b"").expect("write");
        std::fs::write(elsewhere.join("XX/b"), b"").expect("write");
        std::os::unix::fs::symlink(&elsewhere, tree.join("2025")).expect("link");
        // A cycle: a link back to the tree's root.
        std::os::unix::fs::symlink(&tree, tree.join("2024/loop")).expect("link");
        let plain = walk_files_with(&tree, false).expect("walk");
        assert_eq!(plain, vec![tree.join("2024/a")]);
        let followed = walk_files_with(&tree, true).expect("walk");
        assert_eq!(followed, vec![tree.join("2024/a"), tree.join("2025/XX/b")]);
    }
}
