//! Test helpers shared by the workspace's tests: the Python oracle (a venv with pinned ObsPy,
//! created by `scripts/test`), raw sample files exchanged with it, and the ObsPy test-data folder.
//!
//! Tests panic with a clear message when the oracle is missing: a test that cannot consult its
//! reference must fail, never pass silently.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use seispool_core::{ChannelId, Samples, Time};

pub use tempfile::{TempDir, tempdir};

/// The workspace root (the folder holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root exists")
}

/// The oracle interpreter: `$SEISPOOL_PYTHON`, else `<root>/.venv/bin/python`.
pub fn python() -> PathBuf {
    let p = std::env::var_os("SEISPOOL_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"));
    assert!(
        p.exists(),
        "oracle python {} not found: run ./scripts/test (it creates the venv with pinned ObsPy)",
        p.display()
    );
    p
}

/// Path of a script under `tests/oracle/`.
pub fn oracle_script(name: &str) -> PathBuf {
    workspace_root().join("tests/oracle").join(name)
}

/// Runs `python SCRIPT ARGS...`; returns stdout, panics with stderr on failure.
pub fn run_oracle(script: &str, args: &[&str]) -> String {
    let out = Command::new(python())
        .arg(oracle_script(script))
        .args(args)
        .output()
        .expect("spawn oracle python");
    assert!(
        out.status.success(),
        "oracle {script} {args:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("oracle prints utf-8")
}

/// Runs inline Python code with `args` in `sys.argv[1:]`; returns stdout, panics on failure.
pub fn run_python(code: &str, args: &[&str]) -> String {
    let out = Command::new(python())
        .arg("-c")
        .arg(code)
        .args(args)
        .output()
        .expect("spawn oracle python");
    assert!(
        out.status.success(),
        "python failed: {}\n{}\n--- code ---\n{code}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("python prints utf-8")
}

/// xorshift64*: the fixed-seed generator of the tests (failures reproduce; no external randomness).
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1) (the top 53 bits).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }

    /// An integer in lo..=hi.
    pub fn i32_in(&mut self, lo: i32, hi: i32) -> i32 {
        let span = (i64::from(hi) - i64::from(lo) + 1) as u64;
        (i64::from(lo) + (self.next_u64() % span) as i64) as i32
    }

    /// An index below `n` (> 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// `n` samples of noise of amplitude `amp` on an offset `dc` and a slow trend, with a few spikes: the
/// filters' test input (tests/sosfilt_blocks.rs, tests/stream_chain.rs).
pub fn noisy_trace(rng: &mut Rng, n: usize, amp: f64, dc: f64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let spike = if rng.next_f64() < 1e-5 { 50.0 * amp } else { 0.0 };
            dc + amp * (rng.next_f64() - 0.5) + spike + 1e-3 * amp * (i as f64 / n as f64)
        })
        .collect()
}

/// The `obspy` package folder inside the oracle venv (its `tests/data` folders hold the reference files).
pub fn obspy_package_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = run_python("import obspy, os; print(os.path.dirname(obspy.__file__))", &[]);
        PathBuf::from(out.trim())
    })
    .clone()
}

/// ObsPy's own MiniSEED test-data folder (`obspy/io/mseed/tests/data`) inside the oracle venv.
pub fn obspy_mseed_data() -> PathBuf {
    obspy_package_dir().join("io/mseed/tests/data")
}

/// Every file below `dir`, recursively, in sorted order (panics on an unreadable folder).
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let rd = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut entries: Vec<PathBuf> = rd.map(|e| e.expect("directory entry").path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out
}

/// Every `*.xml` below `dir` (sorted, recursively) that is StationXML with a `<Response>`.
pub fn stationxml_with_responses(dir: &Path) -> Vec<PathBuf> {
    files_below(dir)
        .into_iter()
        .filter(|p| {
            p.extension().is_some_and(|e| e == "xml")
                && std::fs::read(p).is_ok_and(|bytes| {
                    let text = String::from_utf8_lossy(&bytes);
                    text.contains("FDSNStationXML") && text.contains("<Response")
                })
        })
        .collect()
}

/// A file of little-endian complex128 values (numpy's `<c16`), as `(re, im)` pairs.
pub fn read_c128(path: &Path) -> Vec<(f64, f64)> {
    let b = std::fs::read(path).expect("oracle output");
    b.chunks_exact(16)
        .map(|c| {
            let re = f64::from_le_bytes(c[..8].try_into().expect("8 bytes"));
            let im = f64::from_le_bytes(c[8..].try_into().expect("8 bytes"));
            (re, im)
        })
        .collect()
}

/// Every channel response of `inv` with its `NET.STA.LOC.CHA` id, in document order.
pub fn inventory_responses(inv: &seispool_core::Inventory) -> Vec<(String, &seispool_core::Response)> {
    let mut v = Vec::new();
    for n in &inv.networks {
        for s in &n.stations {
            for c in &s.channels {
                if let Some(r) = &c.response {
                    v.push((format!("{}.{}.{}.{}", n.code, s.code, c.location_code, c.code), r));
                }
            }
        }
    }
    v
}

/// One trace as ObsPy read it.
#[derive(Debug, Clone, PartialEq)]
pub struct OracleTrace {
    /// Channel id.
    pub id: ChannelId,
    /// `stats.starttime.ns`.
    pub starttime: Time,
    /// `stats.sampling_rate`.
    pub sampling_rate: f64,
    /// `stats.npts`.
    pub npts: usize,
    /// `stats.mseed.encoding` when present.
    pub encoding: Option<String>,
    /// The samples in ObsPy's dtype.
    pub data: Samples,
}

#[derive(serde::Deserialize)]
struct MetaTrace {
    network: String,
    station: String,
    location: String,
    channel: String,
    starttime_ns: i64,
    sampling_rate: f64,
    npts: usize,
    dtype: String,
    encoding: Option<String>,
    file: String,
}

#[derive(serde::Deserialize)]
struct MetaFile {
    error: Option<String>,
    traces: Vec<MetaTrace>,
}

/// Reads every path with `obspy.read(path, **kwargs)` in one Python process. Each result is the traces
/// ObsPy read, or `Err(message)` where ObsPy raised. `kwargs` is a Python dict literal, e.g. `{"format": "MSEED"}`.
pub fn obspy_read_many(paths: &[PathBuf], kwargs: &str) -> Vec<Result<Vec<OracleTrace>, String>> {
    let dir = tempdir().expect("tempdir");
    let mut args: Vec<String> = vec![dir.path().display().to_string(), kwargs.to_string()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    run_oracle("obspy_read.py", &argv);
    (0..paths.len())
        .map(|i| {
            let sub = dir.path().join(i.to_string());
            let meta: MetaFile =
                serde_json::from_slice(&std::fs::read(sub.join("meta.json")).expect("meta.json")).expect("meta json");
            if let Some(e) = meta.error {
                return Err(e);
            }
            Ok(meta.traces.into_iter().map(|m| oracle_trace(&sub, m)).collect())
        })
        .collect()
}

/// `obspy.read(path)` of one file; panics if ObsPy raises.
pub fn obspy_read(path: &Path) -> Vec<OracleTrace> {
    obspy_read_many(&[path.to_path_buf()], "{}")
        .remove(0)
        .unwrap_or_else(|e| panic!("obspy.read({path:?}): {e}"))
}

fn oracle_trace(dir: &Path, m: MetaTrace) -> OracleTrace {
    let bytes = std::fs::read(dir.join(&m.file)).expect("oracle sample file");
    let data = match m.dtype.as_str() {
        "int32" => Samples::I32(le_chunks(&bytes, i32::from_le_bytes)),
        "float32" => Samples::F32(le_chunks(&bytes, f32::from_le_bytes)),
        "float64" => Samples::F64(le_chunks(&bytes, f64::from_le_bytes)),
        "text" => Samples::Text(bytes),
        other => panic!("oracle dtype {other} not handled"),
    };
    OracleTrace {
        id: ChannelId::new(&m.network, &m.station, &m.location, &m.channel),
        starttime: Time(m.starttime_ns),
        sampling_rate: m.sampling_rate,
        npts: m.npts,
        encoding: m.encoding,
        data,
    }
}

fn le_chunks<T, const N: usize>(bytes: &[u8], f: fn([u8; N]) -> T) -> Vec<T> {
    bytes
        .chunks_exact(N)
        .map(|c| f(c.try_into().expect("chunk size")))
        .collect()
}

/// Reads a little-endian f64 file (numpy `astype('<f8').tofile`).
pub fn read_f64_file(path: &Path) -> Vec<f64> {
    le_chunks(&std::fs::read(path).expect("read f64 file"), f64::from_le_bytes)
}

/// Writes a little-endian f64 file readable by `numpy.fromfile(path, '<f8')`.
pub fn write_f64_file(path: &Path, data: &[f64]) {
    let bytes: Vec<u8> = data.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(path, bytes).expect("write f64 file");
}

/// Max |a-b| / max(max|b|, tiny) — the relative error used for float64 processing (≤1e-9 required).
pub fn max_rel_err(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "length mismatch: {} vs {}", a.len(), b.len());
    let scale = b.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(f64::MIN_POSITIVE);
    a.iter().zip(b).fold(0.0f64, |m, (x, y)| m.max((x - y).abs())) / scale
}

/// Asserts `a` equals `b` to `tol` relative to max|b|, naming `what` on failure.
pub fn assert_close(what: &str, a: &[f64], b: &[f64], tol: f64) {
    let e = max_rel_err(a, b);
    assert!(e <= tol, "{what}: max relative error {e:e} > {tol:e}");
}
