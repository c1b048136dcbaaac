//! Draws a PPSD picture from a text dump of an ObsPy PPSD (title; centres; edges; dB edges; histogram;
//! mode; mean; windows; NLNM periods; NLNM dB; NHNM periods; NHNM dB — one line each, space separated).
//! Used to compare our picture with `PPSD.plot()`: `cargo run --example ppsd_text -- IN.txt OUT.png`.

use seispool_plot::ppsd::{PpsdPicture, write_ppsd_png};

fn nums(line: &str) -> Vec<f64> {
    line.split_whitespace().filter_map(|x| x.parse().ok()).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(out)) = (args.get(1), args.get(2)) else {
        return Err("usage: ppsd_text IN.txt OUT.png".into());
    };
    let text = std::fs::read_to_string(input)?;
    let l: Vec<&str> = text.lines().collect();
    if l.len() < 12 {
        return Err("expected 12 lines".into());
    }
    let hist: Vec<u64> = nums(l[4]).iter().map(|&x| x as u64).collect();
    let pairs = |a: &str, b: &str| nums(a).into_iter().zip(nums(b)).collect::<Vec<_>>();
    let (nl, nh) = (pairs(l[8], l[9]), pairs(l[10], l[11]));
    let (c, e, d, mode, mean) = (nums(l[1]), nums(l[2]), nums(l[3]), nums(l[5]), nums(l[6]));
    let pic = PpsdPicture {
        title: l[0],
        period_bin_centers: &c,
        period_bin_edges: &e,
        db_bin_edges: &d,
        histogram: &hist,
        windows: l[7].trim().parse()?,
        mode_db: Some(&mode),
        mean_db: Some(&mean),
        nlnm: Some(&nl),
        nhnm: Some(&nh),
        width: 800,
        height: 600,
    };
    write_ppsd_png(&pic, std::path::Path::new(out))?;
    Ok(())
}
