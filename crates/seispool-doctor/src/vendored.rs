//! Static scan of site-packages: which installed package ships or links which thread runtime,
//! found from auditwheel/delocate library folders (`numpy.libs/`, `.dylibs/`) and ELF `DT_NEEDED`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::elf;
use crate::runtime::{RuntimeKind, file_name, package_of};

/// Bounds on the walk, so a huge or cyclic tree cannot stall the doctor.
const MAX_DEPTH: usize = 8;
const MAX_FILES: usize = 50_000;

/// A thread runtime that an installed package brings with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VendoredRuntime {
    /// Installed package (top-level name in site-packages, or the module given with `--import`).
    pub package: String,
    /// Which runtime.
    pub kind: RuntimeKind,
    /// The runtime's library file name.
    pub library: String,
    /// The file bundled in the package's `.libs`/`.dylibs` folder, when it is there.
    pub bundled: Option<PathBuf>,
    /// The first of the package's extension modules that lists it in `DT_NEEDED`.
    pub linked_from: Option<PathBuf>,
}

/// Runtimes found so far, keyed by package and library file name.
type Found = BTreeMap<(String, String), VendoredRuntime>;

/// Scans every site-packages folder and the given extension modules (`(package, file)`).
pub(crate) fn scan(site_dirs: &[PathBuf], modules: &[(String, PathBuf)]) -> Vec<VendoredRuntime> {
    let mut found: Found = BTreeMap::new();
    let mut budget = MAX_FILES;
    for dir in site_dirs {
        walk(dir, 0, &mut budget, &mut |path| inspect_file(path, None, &mut found));
    }
    for (package, file) in modules {
        inspect_file(file, Some(package), &mut found);
    }
    found.into_values().collect()
}

fn walk(dir: &Path, depth: usize, budget: &mut usize, visit: &mut dyn FnMut(&Path)) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        // file_type() does not follow symlinks: linked folders are skipped, which also rules out cycles.
        let Ok(kind) = entry.file_type() else { continue };
        let path = entry.path();
        if kind.is_dir() && depth < MAX_DEPTH {
            walk(&path, depth + 1, budget, visit);
        } else if kind.is_file() || kind.is_symlink() {
            visit(&path);
        }
    }
}

fn inspect_file(path: &Path, package: Option<&String>, found: &mut Found) {
    let Some(name) = file_name(path) else { return };
    if !is_shared_library(name) {
        return;
    }
    let Some(package) = package.cloned().or_else(|| package_of(path)) else {
        return;
    };
    let bundled = in_bundle_folder(path).then_some(name);
    if let Some(v) = bundled.and_then(|name| entry(found, &package, name)) {
        v.bundled = Some(path.to_path_buf());
    }
    // A runtime's own DT_NEEDED (e.g. OpenBLAS needing libgfortran) says nothing new, so skip those.
    if RuntimeKind::from_library_name(name).is_none() {
        for needed in elf::needed_libraries(path).unwrap_or_default() {
            if let Some(v) = entry(found, &package, &needed) {
                v.linked_from.get_or_insert_with(|| path.to_path_buf());
            }
        }
    }
}

/// The record of `library` for `package`, created on first sight; None when it is no thread runtime.
fn entry<'a>(found: &'a mut Found, package: &str, library: &str) -> Option<&'a mut VendoredRuntime> {
    let kind = RuntimeKind::from_library_name(library)?;
    let key = (package.to_string(), library.to_string());
    Some(found.entry(key).or_insert_with(|| VendoredRuntime {
        package: package.to_string(),
        kind,
        library: library.to_string(),
        bundled: None,
        linked_from: None,
    }))
}

fn is_shared_library(name: &str) -> bool {
    name.ends_with(".so") || name.contains(".so.") || name.ends_with(".dylib")
}

fn in_bundle_folder(path: &Path) -> bool {
    path.parent()
        .and_then(file_name)
        .is_some_and(|dir| dir.ends_with(".libs") || dir == ".dylibs")
}
