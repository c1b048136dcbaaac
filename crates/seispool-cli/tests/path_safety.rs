//! Security of paths and child processes: symlinks in an input tree are not followed out of it,
//! outputs stay inside `--out`, and the doctor hands user data to children as argv, never to a shell.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use seispool_testkit::{obspy_mseed_data, python, tempdir};

mod common;
use common::{s, seispool, seispool_exit, tree_bytes};

fn names(root: &Path) -> Vec<String> {
    tree_bytes(root).into_iter().map(|(p, _)| p).collect()
}

#[test]
fn symlinked_file_leading_out_of_the_input_tree_is_not_followed() {
    let dir = tempdir().unwrap();
    let input = dir.path().join("in");
    let secret = dir.path().join("elsewhere");
    std::fs::create_dir_all(input.join("sub")).unwrap();
    std::fs::create_dir_all(&secret).unwrap();
    let src = obspy_mseed_data().join("test.mseed");
    std::fs::copy(&src, input.join("sub/real.mseed")).unwrap();
    std::fs::copy(&src, secret.join("secret.mseed")).unwrap();
    // One link out of the tree (refused), one inside it (a file of the tree, kept).
    std::os::unix::fs::symlink(secret.join("secret.mseed"), input.join("leak.mseed")).unwrap();
    std::os::unix::fs::symlink(input.join("sub/real.mseed"), input.join("alias.mseed")).unwrap();
    let out = dir.path().join("out");
    seispool_exit(
        &[
            "process",
            s(&input),
            "--out",
            s(&out),
            "--pipeline",
            "detrend()",
            "--quiet",
        ],
        0,
    );
    assert_eq!(names(&out), vec!["alias.mseed", "sub/real.mseed"]);
}

#[test]
fn follow_symlinks_reads_linked_files_and_directories_out_of_the_tree_when_asked() {
    // An SDS archive whose year directory is a link onto another disk, plus a linked file.
    let dir = tempdir().unwrap();
    let input = dir.path().join("in");
    let disk2 = dir.path().join("disk2");
    std::fs::create_dir_all(input.join("2023")).unwrap();
    std::fs::create_dir_all(disk2.join("2024/XX")).unwrap();
    let src = obspy_mseed_data().join("test.mseed");
    std::fs::copy(&src, input.join("2023/real.mseed")).unwrap();
    std::fs::copy(&src, disk2.join("2024/XX/far.mseed")).unwrap();
    std::fs::copy(&src, disk2.join("file.mseed")).unwrap();
    std::os::unix::fs::symlink(disk2.join("2024"), input.join("2024")).unwrap();
    std::os::unix::fs::symlink(disk2.join("file.mseed"), input.join("linked.mseed")).unwrap();
    // A cycle back to the root is entered once, not forever.
    std::os::unix::fs::symlink(&input, input.join("2023/loop")).unwrap();
    let run = |out: &Path, follow: bool| {
        let mut args = vec![
            "process",
            s(&input),
            "--out",
            s(out),
            "--pipeline",
            "detrend()",
            "--quiet",
        ];
        if follow {
            args.push("--follow-symlinks");
        }
        seispool_exit(&args, 0);
    };
    let out = dir.path().join("out");
    run(&out, false);
    assert_eq!(names(&out), vec!["2023/real.mseed"]);
    let out_followed = dir.path().join("out-followed");
    run(&out_followed, true);
    assert_eq!(
        names(&out_followed),
        vec!["2023/real.mseed", "2024/XX/far.mseed", "linked.mseed"]
    );
    // `info` takes the same flag.
    let o = seispool(&["info", s(&input), "--json", "--follow-symlinks"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("far.mseed") && text.contains("linked.mseed"), "{text}");
    // Inputs untouched: the links are still links.
    assert!(
        std::fs::symlink_metadata(input.join("2024"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn output_directory_inside_the_input_tree_is_refused() {
    // Outputs mirror input paths; an --out inside the input would be read back as input next run.
    let dir = tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(obspy_mseed_data().join("test.mseed"), input.join("a.mseed")).unwrap();
    let o = seispool(&[
        "process",
        s(&input),
        "--out",
        s(&input.join("out")),
        "--pipeline",
        "detrend()",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!input.join("out").exists());
}

#[test]
fn doctor_passes_user_data_as_argv_never_through_a_shell() {
    let dir = tempdir().unwrap();
    // An interpreter path and a module name full of shell syntax: a shell would run `touch`.
    let odd = dir.path().join("py; touch PWNED1 #");
    std::os::unix::fs::symlink(python(), &odd).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_seispool"))
        .args(["doctor", "--json", "--timeout", "60", "--python", s(&odd)])
        .args([
            "--import",
            "os; import pathlib; pathlib.Path('PWNED2').touch() #$(touch PWNED3)",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    for f in ["PWNED1", "PWNED2", "PWNED3"] {
        assert!(
            !dir.path().join(f).exists(),
            "{f} created: user data reached a shell or an eval"
        );
    }
    // The odd path itself was run (named in the report) and the odd module name reached Python's
    // importer as one literal name.
    let all = format!("{stdout}{stderr}");
    assert!(
        all.contains("py; touch PWNED1 #"),
        "doctor did not examine the given interpreter: {all}"
    );
    assert!(all.contains("No module named 'os; import pathlib; pathlib'"), "{all}");
}
