//! Deterministic replay of the committed fuzz corpora (`fuzz/corpus/<target>/`) and of the inputs that
//! once broke a check (`fuzz/regressions/`): every file goes through every target's checks, so a
//! regression found by any target is caught by `cargo test` without libFuzzer.

use std::path::{Path, PathBuf};

use seispool_fuzzcheck::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Every file directly under the corpus and regression directories, sorted.
fn corpus_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for sub in ["corpus", "regressions"] {
        let Ok(dirs) = std::fs::read_dir(fuzz_dir().join(sub)) else {
            continue;
        };
        for dir in dirs.flatten() {
            if let Ok(entries) = std::fs::read_dir(dir.path()) {
                files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_corpus_file_passes_every_target() {
    let files = corpus_files();
    // Each target has a committed corpus; an empty list would make this test pass vacuously.
    for (name, _) in TARGETS {
        let dir = fuzz_dir().join("corpus").join(name);
        let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        assert!(
            n >= 3,
            "{} has {n} files; the corpus of every target is committed",
            dir.display()
        );
    }
    let mut failures = Vec::new();
    for file in &files {
        // A corpus being minimised by a running fuzzer may lose a file meanwhile.
        let Ok(data) = std::fs::read(file) else { continue };
        for (name, check) in TARGETS {
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                failures.push(format!("{name}: {}", file.display()));
            }
        }
    }
    assert!(failures.is_empty(), "checks failed:\n{}", failures.join("\n"));
}

#[test]
fn the_checks_can_fail() {
    // A check that never panics would make the replay meaningless: the error check refuses an error
    // that is not a located format error.
    let err = seispool_io::IoError::Unsupported {
        path: "x".into(),
        what: "y".into(),
    };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        seispool_fuzzcheck::assert_format_error_for_tests(&err, 10)
    }));
    assert!(r.is_err(), "a non-format error passed the format-error check");
}
