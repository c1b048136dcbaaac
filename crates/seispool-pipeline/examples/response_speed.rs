//! Times `remove_response` on a synthetic 100 Hz trace: `response_speed XML NET.STA.LOC.CHA HOURS`.
/// CPU seconds used by this process (the machine is shared: wall time says little).
fn cpu() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec we own.
    #[allow(unsafe_code)]
    unsafe {
        libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts);
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

use seispool_core::{ChannelId, Time};
use seispool_dsp::response::{RemoveOptions, ResponseRemover, npts2nfft};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let inv = seispool_io::read_inventory(std::path::Path::new(&args[1]))?;
    let id = ChannelId::parse(&args[2])?;
    let hours: f64 = args[3].parse()?;
    let t = Time::parse(args.get(4).map_or("2020-01-01", |s| s.as_str()))?;
    let (_, _, resp) = inv.find_response(&id, t).ok_or("no response")?;
    let npts = (hours * 3600.0 * 100.0) as usize;
    let data: Vec<f64> = (0..npts).map(|i| ((i * 7919) % 1000) as f64).collect();
    let mut rm = ResponseRemover::new(RemoveOptions::default())?;
    let t0 = cpu();
    let m = rm.multiplier(resp, 0.01, npts2nfft(npts))?;
    let t1 = cpu();
    let out = rm.apply(&data, &m)?;
    let t2 = cpu();
    println!(
        "npts {npts} nfft {} cpu: evaluate {:.3}s apply {:.3}s total {:.3}s ({})",
        npts2nfft(npts),
        t1 - t0,
        t2 - t1,
        t2 - t0,
        out[npts / 2]
    );
    Ok(())
}
