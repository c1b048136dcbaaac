//! Atomic outputs: bytes go to `NAME.tmp-<pid>` in the target directory, then are renamed over `NAME`,
//! so a killed run never leaves a partial file under a final name.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Refuses an output name that could leave the output directory: it must be relative and made only of
/// plain components (no `..`, no root, no prefix, nothing empty). Output names may come from input
/// paths or header fields, so this is checked for every unit before anything is written.
pub fn check_output_name(rel: &Path) -> Result<(), String> {
    use std::path::Component;
    let plain = rel.components().all(|c| matches!(c, Component::Normal(_)));
    if rel.as_os_str().is_empty() || !plain {
        return Err(format!(
            "refusing output name {}: it must be a relative path without '..' that stays inside --out",
            rel.display()
        ));
    }
    Ok(())
}

/// The failure message of a unit whose processing panicked (a bug: the message says so).
pub(crate) fn panic_failure(panic: &(dyn std::any::Any + Send)) -> String {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("internal error (a bug in seispool, please report it): {what}")
}

/// The temp name used for `path` by this process.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// Bytes sent to the device at a time by [`write_atomic`].
const WRITEBACK_CHUNK: usize = 2 << 20;

/// Bytes per `write` call of [`write_atomic`]. The kernel fills the page cache with folios as large
/// as a write (up to 2 MiB on ext4 here), and large free blocks are what a VM with free page
/// reporting (this one: `dmesg`, "Free page reporting enabled") hands back to its host when idle, so
/// each 2 MiB write's copy touched host-cold memory: 18 MiB in 2 MiB writes took 50 ms after 2.5 s
/// idle, in 64 KiB writes 6.7 ms (256 KiB: 31 ms, 16 KiB: 11 ms). The seed job at `--jobs 2`: 0.89×
/// the wall back to back, 0.81× after 3 s idle (paired runs, bench/README.md, "Session 8").
const WRITE_PIECE: usize = 64 << 10;

/// Writes `bytes` to `path` atomically (temp file in the same directory, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = temp_path(path);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        // In chunks, each sent on its way to the device as soon as it is in the page cache: the
        // device writes while the next chunk is copied, so the sync waits for less (a day's 8.6 MB
        // output: ~20 ms instead of ~23 ms here, and the last unit's write is on the run's wall).
        let mut offset = 0u64;
        for chunk in bytes.chunks(WRITEBACK_CHUNK) {
            for piece in chunk.chunks(WRITE_PIECE) {
                f.write_all(piece)?;
            }
            seispool_core::start_writeback(&f, offset, chunk.len() as u64);
            offset += chunk.len() as u64;
        }
        f.sync_data()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        // Best effort: never leave our own temp file behind on failure.
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes temp files left next to `path` by killed runs (`NAME.tmp-*`).
pub fn remove_stale_temps(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return;
    };
    let prefix = format!("{name}.tmp-");
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        if e.file_name().to_str().is_some_and(|n| n.starts_with(&prefix)) {
            let _ = fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a/b/out.mseed");
        write_atomic(&p, b"hello").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"hello");
        let names: Vec<_> = fs::read_dir(p.parent().unwrap())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.mseed")]);
    }

    /// Outputs of every size around the write pieces and the writeback chunks come out whole.
    #[test]
    fn atomic_write_keeps_every_byte_across_pieces_and_chunks() {
        let d = tempfile::tempdir().unwrap();
        for len in [
            0,
            1,
            WRITE_PIECE - 1,
            WRITE_PIECE,
            WRITE_PIECE + 1,
            WRITEBACK_CHUNK + 3 * WRITE_PIECE + 7,
        ] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
            let p = d.path().join(format!("out-{len}.mseed"));
            write_atomic(&p, &bytes).unwrap();
            assert!(fs::read(&p).unwrap() == bytes, "{len} bytes written differ");
        }
    }

    #[test]
    fn stale_temps_are_removed() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out.mseed");
        fs::write(d.path().join("out.mseed.tmp-999999"), b"partial").unwrap();
        fs::write(d.path().join("other.mseed.tmp-1"), b"keep").unwrap();
        remove_stale_temps(&p);
        assert!(!d.path().join("out.mseed.tmp-999999").exists());
        assert!(d.path().join("other.mseed.tmp-1").exists());
    }
}
