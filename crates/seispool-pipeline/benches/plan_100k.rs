//! Listing and planning a large SDS archive (issue 20): 100,000 empty day files (100 stations × 3
//! channels × 334 days under one network), then `list_inputs`, `list_inputs_matching` with a one-station
//! `--select`, and `plan` with that selection. Prints wall time per step (best of 3) and the process's
//! peak resident memory (`VmHWM`) before and after, so the growth due to the listing shows.
//!
//! Run: `cargo bench -p seispool-pipeline --bench plan_100k` (the tree goes to a temporary directory;
//! `SEISPOOL_BENCH_TREE=dir` reuses one).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use seispool_pipeline::parse_pipeline;
use seispool_pipeline::process::{ProcessSpec, list_inputs, list_inputs_matching, plan};

const STATIONS: usize = 100;
const CHANNELS: [&str; 3] = ["HHZ", "HHN", "HHE"];
const DAYS: u32 = 334;

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn make_tree(root: &Path) -> usize {
    let mut n = 0;
    for st in 0..STATIONS {
        for cha in CHANNELS {
            let dir = root.join(format!("2024/XX/S{st:03}/{cha}.D"));
            std::fs::create_dir_all(&dir).unwrap();
            for doy in 1..=DAYS {
                let name = format!("XX.S{st:03}.00.{cha}.D.2024.{doy:03}");
                std::fs::File::create(dir.join(name)).unwrap();
                n += 1;
            }
        }
    }
    n
}

fn best<T>(f: impl Fn() -> T) -> (f64, T) {
    let mut t_best = f64::INFINITY;
    let mut out = None;
    for _ in 0..3 {
        let t = Instant::now();
        let r = f();
        t_best = t_best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (t_best, out.unwrap())
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let root: PathBuf = std::env::var_os("SEISPOOL_BENCH_TREE").map_or_else(|| tmp.path().join("sds"), PathBuf::from);
    if !root.join("2024").exists() {
        let t = Instant::now();
        let n = make_tree(&root);
        println!("made {n} empty day files in {:.1} s", t.elapsed().as_secs_f64());
    }
    let roots = [root.clone()];
    let before = vm_hwm_kib();
    let (t_all, all) = best(|| list_inputs(&roots, None, None).unwrap());
    let after_list = vm_hwm_kib();
    let (t_sel, sel) = best(|| list_inputs_matching(&roots, None, None, Some("XX.S042.*.*"), false).unwrap());
    let mut spec = ProcessSpec::new(parse_pipeline("detrend(\"demean\")").unwrap());
    spec.select = Some("XX.S042.*.*".into());
    let (t_plan_sel, units_sel) = best(|| plan(&roots, &spec).unwrap());
    let (t_plan_all, units_all) = best(|| {
        plan(
            &roots,
            &ProcessSpec::new(parse_pipeline("detrend(\"demean\")").unwrap()),
        )
        .unwrap()
    });
    let after = vm_hwm_kib();
    println!(
        "list_inputs (all):                  {:>7} files  {:.3} s",
        all.len(),
        t_all
    );
    println!(
        "list_inputs_matching (one station): {:>7} files  {:.3} s",
        sel.len(),
        t_sel
    );
    println!(
        "plan (one station):                 {:>7} units  {:.3} s",
        units_sel.len(),
        t_plan_sel
    );
    println!(
        "plan (all):                         {:>7} units  {:.3} s",
        units_all.len(),
        t_plan_all
    );
    println!(
        "peak RSS: {} MiB before, {} MiB after listing, {} MiB after planning",
        before / 1024,
        after_list / 1024,
        after / 1024
    );
}
