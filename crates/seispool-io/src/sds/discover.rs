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

/// [`discover_inputs`], following symlinked files out of the trees when `follow_symlinks` is set.
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
            if seen.insert(file.clone()) {
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

/// Every file under `dir`, sorted by path. Symlinked directories are not entered (no cycles). A
/// symlinked file counts only when it resolves inside `dir`, unless `follow_outside`: a link in an
/// input tree must not pull in (or, through outputs mirroring inputs, expose) files from elsewhere.
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
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| IoError::os(&d, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| IoError::os(&d, e))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| IoError::os(&path, e))?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() || linked_file_allowed(&path, root.as_deref()) {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}
