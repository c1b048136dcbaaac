//! A channel's PPSD to and from ObsPy's npz layout, and its picture.

use std::path::Path;

use seispool_core::Time;
use seispool_dsp::ppsd::{PpsdSetup, histogram, nhnm, nlnm};
use seispool_io::npz::PpsdNpz;
use seispool_plot::ppsd::{Coverage, PpsdPicture, PpsdStyle, write_ppsd_png_styled};

use super::ChannelPpsd;

/// What the npz's `obspy_version` records: the writer, and the ObsPy release whose PPSD it reproduces.
pub const WRITER_VERSION: &str = concat!("seispool ", env!("CARGO_PKG_VERSION"), " (ObsPy 1.5.1 PPSD)");

/// The npz contents of `ppsd` (ObsPy's `save_npz` keys).
pub fn npz_of(ppsd: &ChannelPpsd) -> PpsdNpz {
    let s = &ppsd.setup;
    PpsdNpz {
        id: ppsd.id.clone(),
        sampling_rate: s.sampling_rate,
        skip_on_gaps: s.params.skip_on_gaps,
        ppsd_length: s.params.ppsd_length,
        overlap: s.params.overlap,
        special_handling: s.params.special_handling.map(|h| h.name().to_string()),
        len: s.len as i64,
        nlap: s.nlap as i64,
        nfft: s.nfft as i64,
        db_bin_edges: s.db_bin_edges.clone(),
        psd_periods: s.psd_periods.clone(),
        period_binning: s.period_binning.clone(),
        times_data: ppsd.times_data.clone(),
        times_gaps: ppsd.times_gaps.clone(),
        times_processed: ppsd.times_processed.clone(),
        binned_psds: ppsd.binned_psds.clone(),
        obspy_version: WRITER_VERSION.into(),
        numpy_version: String::new(),
        matplotlib_version: String::new(),
    }
}

/// A loaded npz as the starting state for more windows; like ObsPy's `add_npz`, every stored setting
/// must equal this run's (the first that differs is named).
pub fn state_from_npz(npz: &PpsdNpz, id: &str, setup: PpsdSetup) -> Result<ChannelPpsd, String> {
    let p = &setup.params;
    let special = p.special_handling.map(|h| h.name().to_string());
    let mismatch = |key: &str, stored: String, now: String| {
        Err(format!(
            "existing file was computed with {key} = {stored}, this run has {now}; write to another output directory or use the same parameters"
        ))
    };
    let checks: [(&str, String, String); 9] = [
        ("id", npz.id.clone(), id.to_string()),
        (
            "sampling_rate",
            npz.sampling_rate.to_string(),
            setup.sampling_rate.to_string(),
        ),
        ("skip_on_gaps", npz.skip_on_gaps.to_string(), p.skip_on_gaps.to_string()),
        ("ppsd_length", npz.ppsd_length.to_string(), p.ppsd_length.to_string()),
        ("overlap", npz.overlap.to_string(), p.overlap.to_string()),
        (
            "special_handling",
            format!("{:?}", npz.special_handling),
            format!("{special:?}"),
        ),
        ("_len", npz.len.to_string(), setup.len.to_string()),
        ("_nlap", npz.nlap.to_string(), setup.nlap.to_string()),
        ("_nfft", npz.nfft.to_string(), setup.nfft.to_string()),
    ];
    for (key, stored, now) in checks {
        if stored != now {
            return mismatch(key, stored, now);
        }
    }
    if npz.db_bin_edges != setup.db_bin_edges {
        return mismatch("_db_bin_edges", "other dB bins".into(), format!("{:?}", p.db_bins));
    }
    if npz.psd_periods != setup.psd_periods || npz.period_binning != setup.period_binning {
        return mismatch(
            "_period_binning",
            "other period bins".into(),
            "this run's period binning".into(),
        );
    }
    Ok(ChannelPpsd {
        setup,
        id: id.to_string(),
        times_data: npz.times_data.clone(),
        times_gaps: npz.times_gaps.clone(),
        times_processed: npz.times_processed.clone(),
        binned_psds: npz.binned_psds.clone(),
    })
}

/// Draws the probability density with the noise models, mode and mean, and the data coverage bar under
/// it (ObsPy's `PPSD.plot()` look).
pub fn picture_png(ppsd: &ChannelPpsd, path: &Path) -> Result<(), String> {
    let s = &ppsd.setup;
    if ppsd.times_processed.is_empty() {
        return Err("no windows processed".into());
    }
    let h = histogram(s, &ppsd.binned_psds);
    let centers = s.db_bin_centers();
    let mode = h.mode(&centers);
    let mean = h.mean(&centers);
    let mut edges = vec![s.period_binning[1][0]];
    edges.extend_from_slice(&s.period_binning[3]);
    let (lo, hi) = (nlnm(), nhnm());
    let first = Time(ppsd.times_processed[0]);
    let last = Time(ppsd.times_processed[ppsd.times_processed.len() - 1]).add_seconds(s.params.ppsd_length);
    let title = format!(
        "{}  {} – {}  ({} windows)",
        ppsd.id,
        first.format_iso(0),
        last.format_iso(0),
        ppsd.times_processed.len()
    );
    let picture = PpsdPicture {
        title: &title,
        period_bin_centers: &s.period_binning[2],
        period_bin_edges: &edges,
        db_bin_edges: &s.db_bin_edges,
        histogram: &h.counts,
        windows: h.windows,
        mode_db: Some(&mode),
        mean_db: Some(&mean),
        nlnm: Some(&lo),
        nhnm: Some(&hi),
        width: 1000,
        height: 750,
    };
    let len_ns = (s.params.ppsd_length * 1e9).round() as i64;
    let style = PpsdStyle {
        coverage: Some(Coverage {
            processed: ppsd.times_processed.iter().map(|&t| [t, t + len_ns]).collect(),
            data: ppsd.times_data.clone(),
            gaps: ppsd.times_gaps.clone(),
        }),
        ..PpsdStyle::default()
    };
    write_ppsd_png_styled(&picture, &style, path).map_err(|e| e.to_string())
}
