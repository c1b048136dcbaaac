//! The resume manifest: `OUT/.seispool/manifest.jsonl`, one JSON line per finished unit, appended only after
//! the unit's output was renamed into place. `--resume` skips a unit when its output exists and the last
//! line for it carries the same fingerprint (input sizes + mtimes, pipeline text, options, seispool version).

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

/// What must be unchanged for an existing output to be reused.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fingerprint {
    /// Each input as (path, size in bytes, mtime in ns).
    pub inputs: Vec<(String, u64, i128)>,
    /// Pipeline text, output options and seispool version.
    pub config: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    output: String,
    fingerprint: Fingerprint,
}

/// Fingerprint of `inputs` under `config`; None when an input cannot be stat'ed (then the unit is redone).
pub fn fingerprint(inputs: &[PathBuf], config: &str) -> Option<Fingerprint> {
    let mut v = Vec::with_capacity(inputs.len());
    for p in inputs {
        let md = fs::metadata(p).ok()?;
        let mtime = md.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos() as i128;
        v.push((p.display().to_string(), md.len(), mtime));
    }
    Some(Fingerprint {
        inputs: v,
        config: config.to_string(),
    })
}

/// The manifest of one output directory.
pub struct Manifest {
    path: PathBuf,
    done: HashMap<String, Fingerprint>,
    writer: Mutex<Option<fs::File>>,
}

impl Manifest {
    /// Location of the manifest under `out`.
    pub fn location(out: &Path) -> PathBuf {
        out.join(".seispool").join("manifest.jsonl")
    }

    /// Loads the manifest of `out` (missing or unreadable lines are ignored: those units are redone).
    pub fn load(out: &Path) -> Manifest {
        let path = Self::location(out);
        let mut done = HashMap::new();
        if let Ok(f) = fs::File::open(&path) {
            for line in std::io::BufReader::new(f).lines().map_while(Result::ok) {
                if let Ok(e) = serde_json::from_str::<Entry>(&line) {
                    done.insert(e.output, e.fingerprint);
                }
            }
        }
        Manifest {
            path,
            done,
            writer: Mutex::new(None),
        }
    }

    /// Whether `output` (relative) was finished with exactly `fp`.
    pub fn is_done(&self, output: &str, fp: &Fingerprint) -> bool {
        self.done.get(output) == Some(fp)
    }

    /// Appends a finished unit (called after its output is in place).
    pub fn record(&self, output: &str, fp: &Fingerprint) -> std::io::Result<()> {
        let mut line = serde_json::to_string(&Entry {
            output: output.to_string(),
            fingerprint: fp.clone(),
        })
        .map_err(std::io::Error::other)?;
        // One write(2) per line: other processes append to the same file (O_APPEND keeps whole writes whole).
        line.push('\n');
        let mut guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            if let Some(dir) = self.path.parent() {
                fs::create_dir_all(dir)?;
            }
            *guard = Some(fs::OpenOptions::new().create(true).append(true).open(&self.path)?);
        }
        match guard.as_mut() {
            Some(f) => f.write_all(line.as_bytes()).and_then(|_| f.flush()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_then_load_matches_only_same_fingerprint() {
        let d = tempfile::tempdir().unwrap();
        let input = d.path().join("in.mseed");
        fs::write(&input, b"abc").unwrap();
        let fp = fingerprint(std::slice::from_ref(&input), "detrend()").unwrap();
        Manifest::load(d.path()).record("x/out.mseed", &fp).unwrap();
        let m = Manifest::load(d.path());
        assert!(m.is_done("x/out.mseed", &fp));
        assert!(!m.is_done("x/other.mseed", &fp));
        let other = fingerprint(std::slice::from_ref(&input), "detrend('linear')").unwrap();
        assert!(!m.is_done("x/out.mseed", &other));
        fs::write(&input, b"abcd").unwrap();
        let grown = fingerprint(&[input], "detrend()").unwrap();
        assert!(!m.is_done("x/out.mseed", &grown));
    }

    #[test]
    fn concurrent_writers_interleave_manifest_lines() {
        // Several processes (Dask workers, two CLI runs) append to one manifest: each line must be one write.
        let d = tempfile::tempdir().unwrap();
        let input = d.path().join("in.mseed");
        fs::write(&input, b"abc").unwrap();
        let fp = fingerprint(std::slice::from_ref(&input), "detrend()").unwrap();
        std::thread::scope(|s| {
            for w in 0..4 {
                let (dir, fp) = (d.path(), &fp);
                s.spawn(move || {
                    let m = Manifest::load(dir); // its own file handle, like another process
                    for i in 0..500 {
                        m.record(&format!("w{w}/{i}"), fp).unwrap();
                    }
                });
            }
        });
        let m = Manifest::load(d.path());
        assert_eq!(m.done.len(), 2000);
    }
}
