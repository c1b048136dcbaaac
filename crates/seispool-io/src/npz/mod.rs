//! ObsPy's PPSD file (`PPSD.save_npz`, format version 3): a zip of `.npy` arrays that
//! `obspy.signal.PPSD.load_npz` loads and `PPSD.add_npz` accumulates.
//!
//! Zip handling uses the `zip` crate (the maintained, widely used Rust zip implementation, reading both
//! stored and deflated members, so files that ObsPy's `np.savez_compressed` wrote can be read back too);
//! members are written deflated as numpy's `savez_compressed` does. The `.npy` members are a short
//! Python-literal header plus raw data, written and parsed in `npy.rs`.

mod npy;

pub use npy::Npy;

use std::io::{Cursor, Read, Write};
use std::path::Path;

use crate::{FormatError, IoError};

/// `PPSD._CURRENT_VERSION` of ObsPy 1.5.1.
pub const PPSD_NPZ_VERSION: i64 = 3;

/// Everything `PPSD.save_npz` stores.
#[derive(Clone, Debug, PartialEq)]
pub struct PpsdNpz {
    /// `NET.STA.LOC.CHA`.
    pub id: String,
    /// Hz.
    pub sampling_rate: f64,
    /// `skip_on_gaps`.
    pub skip_on_gaps: bool,
    /// `ppsd_length` in s.
    pub ppsd_length: f64,
    /// `overlap`.
    pub overlap: f64,
    /// `special_handling` (`None` is stored as `''`, as ObsPy maps it).
    pub special_handling: Option<String>,
    /// `_len`, `_nlap`, `_nfft`.
    pub len: i64,
    pub nlap: i64,
    pub nfft: i64,
    /// `_db_bin_edges`.
    pub db_bin_edges: Vec<f64>,
    /// `_psd_periods`.
    pub psd_periods: Vec<f64>,
    /// `_period_binning`, 5 rows of equal length.
    pub period_binning: [Vec<f64>; 5],
    /// `_times_data`: [start, end] ns of each trace added.
    pub times_data: Vec<[i64; 2]>,
    /// `_times_gaps`: [start, end] ns of each gap.
    pub times_gaps: Vec<[i64; 2]>,
    /// `_times_processed`: window start times in ns, ascending.
    pub times_processed: Vec<i64>,
    /// `_binned_psds`: one float32 row per processed window.
    pub binned_psds: Vec<Vec<f32>>,
    /// Version strings stored with the file.
    pub obspy_version: String,
    pub numpy_version: String,
    pub matplotlib_version: String,
}

fn pairs(v: &[[i64; 2]]) -> Npy {
    // ObsPy stores an empty list as numpy's default float64 `array([])`.
    if v.is_empty() {
        return Npy::F64(vec![0], Vec::new());
    }
    Npy::I64(vec![v.len(), 2], v.iter().flatten().copied().collect())
}

impl PpsdNpz {
    /// The npz bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, IoError> {
        let np = self.period_binning[0].len();
        let mut members: Vec<(&str, Npy)> = vec![
            (
                "_db_bin_edges",
                Npy::F64(vec![self.db_bin_edges.len()], self.db_bin_edges.clone()),
            ),
            (
                "_psd_periods",
                Npy::F64(vec![self.psd_periods.len()], self.psd_periods.clone()),
            ),
            ("_period_binning", Npy::F64(vec![5, np], self.period_binning.concat())),
            ("_times_data", pairs(&self.times_data)),
            ("_times_gaps", pairs(&self.times_gaps)),
        ];
        if self.times_processed.is_empty() {
            members.push(("_times_processed", Npy::F64(vec![0], Vec::new())));
            members.push(("_binned_psds", Npy::F64(vec![0], Vec::new())));
        } else {
            members.push((
                "_times_processed",
                Npy::I64(vec![self.times_processed.len()], self.times_processed.clone()),
            ));
            let rows = self.binned_psds.len();
            members.push(("_binned_psds", Npy::F32(vec![rows, np], self.binned_psds.concat())));
        }
        members.extend([
            ("id", Npy::Str(self.id.clone())),
            ("sampling_rate", Npy::F64(Vec::new(), vec![self.sampling_rate])),
            ("skip_on_gaps", Npy::Bool(self.skip_on_gaps)),
            ("ppsd_length", Npy::F64(Vec::new(), vec![self.ppsd_length])),
            ("overlap", Npy::F64(Vec::new(), vec![self.overlap])),
            (
                "special_handling",
                Npy::Str(self.special_handling.clone().unwrap_or_default()),
            ),
            ("_len", Npy::I64(Vec::new(), vec![self.len])),
            ("_nlap", Npy::I64(Vec::new(), vec![self.nlap])),
            ("_nfft", Npy::I64(Vec::new(), vec![self.nfft])),
            ("ppsd_version", Npy::I64(Vec::new(), vec![PPSD_NPZ_VERSION])),
            ("obspy_version", Npy::Str(self.obspy_version.clone())),
            ("numpy_version", Npy::Str(self.numpy_version.clone())),
            ("matplotlib_version", Npy::Str(self.matplotlib_version.clone())),
        ]);
        let label = Path::new("<npz>");
        let zerr = |e: zip::result::ZipError| IoError::Unsupported {
            path: label.to_path_buf(),
            what: format!("zip: {e}"),
        };
        let mut zw = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(false);
        for (name, arr) in members {
            zw.start_file(format!("{name}.npy"), opts).map_err(zerr)?;
            zw.write_all(&arr.to_bytes()).map_err(|e| IoError::os(label, e))?;
        }
        Ok(zw.finish().map_err(zerr)?.into_inner())
    }

    /// Reads a PPSD npz (ours or ObsPy's, format version 2 or 3).
    pub fn read(path: &Path) -> Result<PpsdNpz, IoError> {
        let bytes = std::fs::read(path).map_err(|e| IoError::os(path, e))?;
        let bad = |what: String| IoError::Format(FormatError::new(path, None, 0, what));
        let mut zr = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(format!("not a zip (npz): {e}")))?;
        let mut get = |key: &str| -> Result<Npy, IoError> {
            let mut f = zr
                .by_name(&format!("{key}.npy"))
                .map_err(|_| bad(format!("member {key}.npy missing (expected an ObsPy PPSD npz)")))?;
            // Members of a PPSD file are small next to the windows they describe; refuse absurd sizes.
            if f.size() > 1 << 34 {
                return Err(bad(format!("member {key}.npy claims {} bytes", f.size())));
            }
            let mut buf = Vec::new();
            f.read_to_end(&mut buf).map_err(|e| bad(format!("{key}.npy: {e}")))?;
            Npy::from_bytes(&buf).map_err(|e| bad(format!("{key}.npy: {e}")))
        };
        let version = scalar_i64(get("ppsd_version")?).ok_or_else(|| bad("ppsd_version is not an integer".into()))?;
        if !(2..=PPSD_NPZ_VERSION).contains(&version) {
            return Err(bad(format!("ppsd_version {version} (expected 2 or 3)")));
        }
        let f64s = |a: Npy, key: &str| match a {
            Npy::F64(_, v) => Ok(v),
            Npy::I64(_, v) => Ok(v.into_iter().map(|x| x as f64).collect()),
            other => Err(bad(format!("{key}: expected float64 array, got {other:?}"))),
        };
        let scalar_f = |a: Npy, key: &str| -> Result<f64, IoError> {
            f64s(a, key)?
                .first()
                .copied()
                .ok_or_else(|| bad(format!("{key}: empty")))
        };
        let string = |a: Npy, key: &str| match a {
            Npy::Str(s) => Ok(s),
            other => Err(bad(format!("{key}: expected a string, got {other:?}"))),
        };
        let ints = |a: Npy, key: &str| match a {
            Npy::I64(_, v) => Ok(v),
            Npy::F64(s, v) if v.is_empty() && s == [0] => Ok(Vec::new()),
            other => Err(bad(format!("{key}: expected int64 array, got {other:?}"))),
        };
        let pb = f64s(get("_period_binning")?, "_period_binning")?;
        if pb.len() % 5 != 0 {
            return Err(bad(format!("_period_binning has {} values, not 5 rows", pb.len())));
        }
        let np = pb.len() / 5;
        let period_binning: [Vec<f64>; 5] = std::array::from_fn(|r| pb[r * np..(r + 1) * np].to_vec());
        let to_pairs = |v: Vec<i64>| v.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
        let times_processed = ints(get("_times_processed")?, "_times_processed")?;
        let binned_psds: Vec<Vec<f32>> = match get("_binned_psds")? {
            Npy::F32(_, v) if np > 0 => v.chunks(np).map(<[f32]>::to_vec).collect(),
            Npy::F64(_, v) if v.is_empty() => Vec::new(),
            other => return Err(bad(format!("_binned_psds: expected float32 rows, got {other:?}"))),
        };
        if binned_psds.len() != times_processed.len() {
            return Err(bad(format!(
                "{} binned PSDs for {} processed times",
                binned_psds.len(),
                times_processed.len()
            )));
        }
        let special = string(get("special_handling")?, "special_handling")?;
        Ok(PpsdNpz {
            id: string(get("id")?, "id")?,
            sampling_rate: scalar_f(get("sampling_rate")?, "sampling_rate")?,
            skip_on_gaps: matches!(get("skip_on_gaps")?, Npy::Bool(true)),
            ppsd_length: scalar_f(get("ppsd_length")?, "ppsd_length")?,
            overlap: scalar_f(get("overlap")?, "overlap")?,
            special_handling: (!special.is_empty()).then_some(special),
            len: scalar_i64(get("_len")?).ok_or_else(|| bad("_len is not an integer".into()))?,
            nlap: scalar_i64(get("_nlap")?).ok_or_else(|| bad("_nlap is not an integer".into()))?,
            nfft: scalar_i64(get("_nfft")?).ok_or_else(|| bad("_nfft is not an integer".into()))?,
            db_bin_edges: f64s(get("_db_bin_edges")?, "_db_bin_edges")?,
            psd_periods: f64s(get("_psd_periods")?, "_psd_periods")?,
            period_binning,
            times_data: to_pairs(ints(get("_times_data")?, "_times_data")?),
            times_gaps: to_pairs(ints(get("_times_gaps")?, "_times_gaps")?),
            times_processed,
            binned_psds,
            obspy_version: string(get("obspy_version")?, "obspy_version")?,
            numpy_version: string(get("numpy_version")?, "numpy_version")?,
            matplotlib_version: string(get("matplotlib_version")?, "matplotlib_version")?,
        })
    }
}

fn scalar_i64(a: Npy) -> Option<i64> {
    match a {
        Npy::I64(_, v) => v.first().copied(),
        _ => None,
    }
}
