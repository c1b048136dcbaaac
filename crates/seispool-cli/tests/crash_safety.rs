//! Crash safety of `seispool process`: SIGKILL at several points then `--resume`, a full disk, a
//! read-only output directory. Outputs are atomic (temp name, then rename), so whatever happens no
//! partial file is ever visible under a final name, and the inputs are never touched.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use seispool_testkit::tempdir;

mod common;
use common::{s, seispool, seispool_exit, tree_bytes};

const PIPELINE: &str = r#"detrend("linear"); taper(0.05); filter("lowpass", freq=0.5)"#;

/// The shared input: a 2-day, 2-station, 3-channel SDS archive at 2 Hz (12 day files; ~0.5 s to
/// process in debug), and its uninterrupted output. Made once for all tests of this file.
struct Fixture {
    input: PathBuf,
    reference: Vec<(String, Vec<u8>)>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        // Under cargo's per-target temp dir, replaced on every run (a static is never dropped).
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("crash_safety_fixture");
        let _ = std::fs::remove_dir_all(&root);
        let d = root.join("demo");
        seispool_exit(
            &[
                "demo",
                "--dir",
                s(&d),
                "--days",
                "2",
                "--stations",
                "2",
                "--no-process",
                "--quiet",
                "--sampling-rate",
                "2",
            ],
            0,
        );
        let input = d.join("archive");
        let reference_dir = root.join("ref");
        seispool_exit(&process_args(&input, &reference_dir), 0);
        let reference = tree_bytes(&reference_dir);
        assert_eq!(reference.len(), 12);
        Fixture { input, reference }
    })
}

fn process_args<'a>(input: &'a Path, out: &'a Path) -> Vec<&'a str> {
    vec![
        "process",
        s(input),
        "--out",
        s(out),
        "--pipeline",
        PIPELINE,
        "--jobs",
        "2",
        "--quiet",
    ]
}

/// Files under `root` whose name marks them as temporaries (`NAME.tmp-<pid>`).
fn temp_files(root: &Path) -> Vec<String> {
    tree_bytes(root)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.contains(".tmp-"))
        .collect()
}

/// Every file under a final name in `out` is byte-identical to the reference output.
fn assert_no_partial(out: &Path, reference: &[(String, Vec<u8>)], when: &str) {
    for (rel, bytes) in tree_bytes(out) {
        if rel.contains(".tmp-") {
            continue;
        }
        let want = reference.iter().find(|(r, _)| *r == rel);
        let want = want.unwrap_or_else(|| panic!("{when}: unexpected output {rel}"));
        assert!(
            want.1 == bytes,
            "{when}: {rel} differs from the uninterrupted run (partial output)"
        );
    }
}

/// Deterministic pseudo-random kill delays in 0..700 ms (a fixed-seed LCG, so failures reproduce).
fn kill_delays(seed: u64, n: usize) -> Vec<u64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) % 700
        })
        .collect()
}

#[test]
fn sigkill_at_random_points_then_resume_gives_identical_output() {
    let dir = tempdir().unwrap();
    let (input, reference) = (&fixture().input, &fixture().reference);
    let inputs_before = tree_bytes(input);

    // One output directory killed again and again (each time resuming), then finished.
    let out = dir.path().join("out");
    let mut killed_running = 0;
    for (round, delay) in kill_delays(0x005e_ed15, 5).into_iter().enumerate() {
        let mut args = process_args(input, &out);
        args.push("--resume");
        let mut child = Command::new(env!("CARGO_BIN_EXE_seispool"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        if child.try_wait().unwrap().is_none() {
            killed_running += 1;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert_no_partial(&out, reference, &format!("after kill {round} at {delay} ms"));
    }
    let mut args = process_args(input, &out);
    args.push("--resume");
    seispool_exit(&args, 0);
    assert_eq!(
        &tree_bytes(&out),
        reference,
        "resumed output differs from the uninterrupted run"
    );
    assert_eq!(temp_files(&out), Vec::<String>::new(), "temp files left behind");
    assert_eq!(tree_bytes(input), inputs_before, "inputs were modified");
    // At least one kill must have hit a running process, or the test proved nothing.
    assert!(killed_running >= 1, "no kill interrupted a running process");
    eprintln!("sigkill/resume: {killed_running} of 5 kills interrupted a running process");
}

/// Mounts a tmpfs of `size` at `dir` (needs root and CAP_SYS_ADMIN); whether it worked.
fn mount_tmpfs(dir: &Path, opts: &str) -> bool {
    std::fs::create_dir_all(dir).unwrap();
    Command::new("mount")
        .args(["-t", "tmpfs", "-o", opts, "tmpfs", s(dir)])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|st| st.success())
}

fn umount(dir: &Path) {
    let _ = Command::new("umount").arg(s(dir)).status();
}

/// Runs `process` where writes fail for lack of space: on a 300 KiB tmpfs when the test may mount
/// one, otherwise under a 300 KiB file-size rlimit (SIGXFSZ ignored, so writes fail with EFBIG).
fn process_on_full_disk(input: &Path, out: &Path) -> (std::process::Output, &'static str) {
    if mount_tmpfs(out, "size=300k") {
        let o = seispool(&process_args(input, out));
        (o, "tmpfs")
    } else {
        let bin = env!("CARGO_BIN_EXE_seispool");
        let mut args = vec!["-c", "trap '' XFSZ; ulimit -f 300; exec \"$@\"", "sh", bin];
        args.extend(process_args(input, out));
        (Command::new("sh").args(&args).output().unwrap(), "rlimit")
    }
}

#[test]
fn full_disk_is_a_clear_error_with_nothing_partial_visible() {
    let dir = tempdir().unwrap();
    let (input, reference) = (&fixture().input, &fixture().reference);
    let inputs_before = tree_bytes(input);

    let out = dir.path().join("full");
    let (o, how) = process_on_full_disk(input, &out);
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    let listing = (tree_bytes(&out), temp_files(&out));
    if how == "tmpfs" {
        umount(&out);
    }
    assert_eq!(o.status.code(), Some(1), "{how}: exit code; stderr: {stderr}");
    assert!(
        stderr.contains("No space left on device") || stderr.contains("File too large"),
        "{how}: the OS reason is not reported: {stderr}"
    );
    assert!(stderr.contains("cannot write output"), "{how}: {stderr}");
    // Some outputs fit before the disk filled; every visible one is complete.
    let (files, temps) = listing;
    assert!(files.len() < reference.len(), "{how}: the disk never filled");
    for (rel, bytes) in &files {
        let want = reference
            .iter()
            .find(|(r, _)| r == rel)
            .unwrap_or_else(|| panic!("unexpected {rel}"));
        assert!(want.1 == *bytes, "{how}: {rel} is partial");
    }
    assert_eq!(temps, Vec::<String>::new(), "{how}: temp files left on the full disk");
    assert_eq!(tree_bytes(input), inputs_before, "inputs were modified");
}

#[test]
fn read_only_output_directory_is_a_clear_error() {
    let dir = tempdir().unwrap();
    let input = &fixture().input;
    let out = dir.path().join("ro");
    let mounted = mount_tmpfs(&out, "ro,size=64k");
    if !mounted {
        std::fs::create_dir_all(&out).unwrap();
        let mut perm = std::fs::metadata(&out).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o555);
        std::fs::set_permissions(&out, perm).unwrap();
        if std::fs::write(out.join("probe"), b"x").is_ok() {
            // Root without mount rights: permission bits do not stop root, nothing to test here.
            eprintln!("read-only output: cannot make a read-only directory here (root, no mount)");
            return;
        }
    }
    let o = seispool(&process_args(input, &out));
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    let files = tree_bytes(&out);
    if mounted {
        umount(&out);
    }
    assert_ne!(o.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("Read-only file system") || stderr.contains("Permission denied"),
        "no clear reason: {stderr}"
    );
    assert!(stderr.contains(s(&out)), "the output path is not named: {stderr}");
    assert!(files.is_empty());
}
