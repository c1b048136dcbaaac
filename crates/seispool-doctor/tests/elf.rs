//! The ELF `DT_NEEDED` reader against binutils' `readelf -d` on real shared objects, on synthetic
//! images of every class and byte order, and on garbage and mutated images (it must never panic).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use seispool_doctor::elf::{ElfError, needed_libraries, parse_needed};
use seispool_testkit::{Rng, run_python};

/// `readelf -d`'s NEEDED entries, in order: the oracle.
fn readelf_needed(path: &Path) -> Vec<String> {
    let out = Command::new("readelf")
        .arg("-d")
        .arg(path)
        .output()
        .expect("run readelf");
    assert!(out.status.success(), "readelf -d {} failed", path.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| Some(l.split_once("Shared library: [")?.1.strip_suffix(']')?.to_string()))
        .collect()
}

/// Shared objects of the oracle venv: numpy's and scipy's extensions and bundled libraries.
fn venv_shared_objects() -> Vec<PathBuf> {
    let code = "import numpy, scipy, os, glob\n\
        roots = [os.path.dirname(numpy.__file__), os.path.dirname(scipy.__file__)]\n\
        roots += [r + '.libs' for r in roots]\n\
        files = sorted(f for r in roots for f in glob.glob(r + '/**/*.so*', recursive=True))\n\
        print('\\n'.join(files[::max(1, len(files) // 40)]))";
    run_python(code, &[]).lines().map(PathBuf::from).collect()
}

#[test]
fn elf_needed_matches_readelf_on_venv_shared_objects() {
    let files = venv_shared_objects();
    assert!(files.len() >= 20, "too few shared objects found: {files:?}");
    for f in &files {
        assert_eq!(needed_libraries(f).unwrap(), readelf_needed(f), "{}", f.display());
    }
}

fn put(buf: &mut [u8], at: usize, value: u64, size: usize, big: bool) {
    for i in 0..size {
        let shift = if big { 8 * (size - 1 - i) } else { 8 * i };
        buf[at + i] = (value >> shift) as u8;
    }
}

/// A minimal shared object: header, PT_LOAD (whole file at vaddr 0x10000) + PT_DYNAMIC, dynamic, strings.
fn synthetic_elf(wide: bool, big: bool, needed: &[&str]) -> Vec<u8> {
    let (ehsize, phentsize, dynsize, word) = if wide { (64, 56, 16, 8) } else { (52, 32, 8, 4) };
    let mut strtab = vec![0u8];
    let mut offsets = Vec::new();
    for n in needed {
        offsets.push(strtab.len() as u64);
        strtab.extend_from_slice(n.as_bytes());
        strtab.push(0);
    }
    let phoff = ehsize;
    let dyn_off = phoff + 2 * phentsize;
    let entries = needed.len() + 3;
    let str_off = dyn_off + entries * dynsize;
    let total = str_off + strtab.len();
    let mut b = vec![0u8; total];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = if wide { 2 } else { 1 };
    b[5] = if big { 2 } else { 1 };
    b[6] = 1;
    put(&mut b, 16, 3, 2, big); // ET_DYN
    let (phoff_at, phent_at, phnum_at) = if wide { (32, 54, 56) } else { (28, 42, 44) };
    put(&mut b, phoff_at, phoff as u64, word, big);
    put(&mut b, phent_at, phentsize as u64, 2, big);
    put(&mut b, phnum_at, 2, 2, big);
    let vaddr = 0x10000u64;
    // (type, offset, vaddr, filesz) at each class's field offsets.
    let segments = [
        (1u64, 0u64, vaddr, total as u64),
        (2, dyn_off as u64, vaddr + dyn_off as u64, (entries * dynsize) as u64),
    ];
    for (i, (kind, off, va, size)) in segments.into_iter().enumerate() {
        let at = phoff + i * phentsize;
        put(&mut b, at, kind, 4, big);
        let (o, v, s) = if wide { (8, 16, 32) } else { (4, 8, 16) };
        put(&mut b, at + o, off, word, big);
        put(&mut b, at + v, va, word, big);
        put(&mut b, at + s, size, word, big);
    }
    let mut dynamic: Vec<(u64, u64)> = offsets.iter().map(|&o| (1, o)).collect();
    dynamic.extend([(5, vaddr + str_off as u64), (10, strtab.len() as u64), (0, 0)]);
    for (i, (tag, val)) in dynamic.into_iter().enumerate() {
        let at = dyn_off + i * dynsize;
        put(&mut b, at, tag, word, big);
        put(&mut b, at + word, val, word, big);
    }
    b[str_off..].copy_from_slice(&strtab);
    b
}

#[test]
fn elf_synthetic_images_of_every_class_and_byte_order() {
    let needed = ["libgomp.so.1", "libscipy_openblas64_-32a4b2a6.so", "libc.so.6"];
    for wide in [false, true] {
        for big in [false, true] {
            let image = synthetic_elf(wide, big, &needed);
            assert_eq!(parse_needed(&image).unwrap(), needed, "wide={wide} big={big}");
            assert_eq!(
                parse_needed(&synthetic_elf(wide, big, &[])).unwrap(),
                Vec::<String>::new()
            );
        }
    }
}

#[test]
fn elf_truncated_images_are_errors_not_panics() {
    for wide in [false, true] {
        let image = synthetic_elf(wide, false, &["libgomp.so.1"]);
        for len in 0..image.len() {
            assert!(
                parse_needed(&image[..len]).is_err(),
                "wide={wide}: prefix of {len} bytes parsed"
            );
        }
    }
    assert_eq!(parse_needed(b"\x7fELF"), Err(ElfError::NotElf));
}

#[test]
fn elf_parser_survives_garbage_and_mutated_images() {
    let mut rng = Rng(0x5e15_9001);
    let mut images: Vec<Vec<u8>> = [(false, false), (false, true), (true, false), (true, true)]
        .into_iter()
        .map(|(w, b)| synthetic_elf(w, b, &["libgomp.so.1", "libm.so.6"]))
        .collect();
    let smallest = venv_shared_objects()
        .into_iter()
        .min_by_key(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0));
    images.push(std::fs::read(smallest.unwrap()).unwrap());
    for image in &images {
        for _ in 0..3000 {
            let mut m = image.clone();
            for _ in 0..1 + rng.below(8) {
                // Mostly hit the headers and tables, where the parser's decisions are.
                let at = if rng.below(4) == 0 {
                    rng.below(m.len())
                } else {
                    rng.below(m.len().min(512))
                };
                m[at] = rng.next_u64() as u8;
            }
            let _ = parse_needed(&m);
        }
    }
    for _ in 0..3000 {
        let mut junk: Vec<u8> = (0..rng.below(600)).map(|_| rng.next_u64() as u8).collect();
        if junk.len() >= 6 && rng.below(2) == 0 {
            junk[..4].copy_from_slice(b"\x7fELF");
            junk[4] = 1 + rng.below(2) as u8;
            junk[5] = 1 + rng.below(2) as u8;
        }
        let _ = parse_needed(&junk);
    }
}

#[test]
fn elf_unreadable_paths_are_errors() {
    assert!(matches!(
        needed_libraries(Path::new("/nonexistent/lib.so")),
        Err(ElfError::Io(_))
    ));
    assert!(needed_libraries(Path::new("/proc")).is_err());
    let script = seispool_testkit::oracle_script("doctor_crash_worker.py");
    assert_eq!(needed_libraries(&script), Err(ElfError::NotElf));
}
