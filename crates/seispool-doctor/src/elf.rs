//! Minimal ELF reader: the `DT_NEEDED` entries of a shared object, to tell which packages bring which
//! thread runtime without loading anything. Bounded reads, checked arithmetic, never panics.
//!
//! | what              | where                                      | used fields                          |
//! |-------------------|--------------------------------------------|--------------------------------------|
//! | ELF header        | byte 0 (52 B for ELF32, 64 B for ELF64)    | magic, class, byte order, phoff/phentsize/phnum |
//! | program headers   | `phoff`, `phnum` × `phentsize`             | `PT_LOAD` (vaddr→offset), `PT_DYNAMIC` |
//! | dynamic section   | `PT_DYNAMIC` offset/filesz                 | `DT_NEEDED`, `DT_STRTAB`, `DT_STRSZ`  |
//! | dynamic strings   | `DT_STRTAB` vaddr mapped through `PT_LOAD` | NUL-terminated names                  |

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_STRTAB: u64 = 5;
const DT_STRSZ: u64 = 10;
/// Caps that keep a hostile file from making us allocate much.
const MAX_PHNUM: u64 = 4096;
const MAX_DYNAMIC_BYTES: u64 = 1 << 20;
const MAX_STRTAB_BYTES: u64 = 16 << 20;

/// Why a file's `DT_NEEDED` entries could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    /// The file does not start with the ELF magic.
    #[error("not an elf file")]
    NotElf,
    /// A header field holds a value this reader does not accept.
    #[error("bad elf header: {0}")]
    BadHeader(&'static str),
    /// A structure points outside the file.
    #[error("elf structure at byte {offset} (+{len}) lies beyond the end of the file")]
    Truncated {
        /// Where the read started.
        offset: u64,
        /// How many bytes were wanted.
        len: u64,
    },
    /// The file could not be read.
    #[error("read failed: {0}")]
    Io(String),
}

/// Random access to the bytes of an ELF image.
trait Source {
    fn read_at(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, ElfError>;
}

impl Source for &[u8] {
    fn read_at(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, ElfError> {
        let end = offset.checked_add(len).ok_or(ElfError::Truncated { offset, len })?;
        let range = usize::try_from(offset).ok().zip(usize::try_from(end).ok());
        match range.and_then(|(a, b)| self.get(a..b)) {
            Some(bytes) => Ok(bytes.to_vec()),
            None => Err(ElfError::Truncated { offset, len }),
        }
    }
}

struct FileSource {
    file: File,
    size: u64,
}

impl Source for FileSource {
    fn read_at(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, ElfError> {
        // Check against the file size first so a bogus length never becomes an allocation.
        if offset.checked_add(len).is_none_or(|end| end > self.size) {
            return Err(ElfError::Truncated { offset, len });
        }
        let n = usize::try_from(len).map_err(|_| ElfError::Truncated { offset, len })?;
        let mut buf = vec![0; n];
        self.file
            .seek(SeekFrom::Start(offset))
            .map_err(|e| ElfError::Io(e.to_string()))?;
        self.file
            .read_exact(&mut buf)
            .map_err(|e| ElfError::Io(e.to_string()))?;
        Ok(buf)
    }
}

/// The `DT_NEEDED` library names of the ELF file at `path`, reading only the parts needed.
pub fn needed_libraries(path: &Path) -> Result<Vec<String>, ElfError> {
    let file = File::open(path).map_err(|e| ElfError::Io(e.to_string()))?;
    let size = file.metadata().map_err(|e| ElfError::Io(e.to_string()))?.len();
    needed_from(&mut FileSource { file, size })
}

/// The `DT_NEEDED` library names of an ELF image held in memory.
pub fn parse_needed(bytes: &[u8]) -> Result<Vec<String>, ElfError> {
    let mut src = bytes;
    needed_from(&mut src)
}

/// Class and byte order of the image: how to read its words.
#[derive(Clone, Copy)]
struct Layout {
    wide: bool,
    big: bool,
}

impl Layout {
    fn uint(self, b: &[u8], at: usize, size: usize) -> u64 {
        let mut v = 0u64;
        for i in 0..size {
            let byte = u64::from(b.get(at + i).copied().unwrap_or(0));
            v |= if self.big {
                byte << (8 * (size - 1 - i))
            } else {
                byte << (8 * i)
            };
        }
        v
    }
    /// An address-sized field (`Elf32_Addr`/`Elf64_Addr`).
    fn word(self, b: &[u8], at: usize) -> u64 {
        self.uint(b, at, if self.wide { 8 } else { 4 })
    }
}

struct Segment {
    kind: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
}

fn needed_from(src: &mut impl Source) -> Result<Vec<String>, ElfError> {
    let ident = src.read_at(0, 16).map_err(|_| ElfError::NotElf)?;
    if ident.get(0..4) != Some(b"\x7fELF".as_slice()) {
        return Err(ElfError::NotElf);
    }
    let wide = match ident[4] {
        1 => false,
        2 => true,
        _ => return Err(ElfError::BadHeader("class is neither elf32 nor elf64")),
    };
    let big = match ident[5] {
        1 => false,
        2 => true,
        _ => return Err(ElfError::BadHeader("byte order is neither little nor big endian")),
    };
    let l = Layout { wide, big };
    let segments = program_headers(src, l)?;
    let Some(dynamic) = segments.iter().find(|s| s.kind == PT_DYNAMIC) else {
        return Ok(Vec::new()); // statically linked: needs nothing
    };
    if dynamic.filesz > MAX_DYNAMIC_BYTES {
        return Err(ElfError::BadHeader("dynamic section larger than 1 MiB"));
    }
    let dyn_bytes = src.read_at(dynamic.offset, dynamic.filesz)?;
    let (needed, strtab, strsz) = dynamic_entries(&dyn_bytes, l);
    if needed.is_empty() {
        return Ok(Vec::new());
    }
    let strtab = strtab.ok_or(ElfError::BadHeader("DT_NEEDED without DT_STRTAB"))?;
    let strsz = strsz.ok_or(ElfError::BadHeader("DT_NEEDED without DT_STRSZ"))?;
    if strsz > MAX_STRTAB_BYTES {
        return Err(ElfError::BadHeader("dynamic string table larger than 16 MiB"));
    }
    let str_offset = vaddr_to_offset(&segments, strtab).ok_or(ElfError::BadHeader("DT_STRTAB outside PT_LOAD"))?;
    let strings = src.read_at(str_offset, strsz)?;
    needed.iter().map(|&at| c_string(&strings, at)).collect()
}

fn program_headers(src: &mut impl Source, l: Layout) -> Result<Vec<Segment>, ElfError> {
    let header = src.read_at(0, if l.wide { 64 } else { 52 })?;
    let (phoff, phentsize, phnum) = if l.wide {
        (l.uint(&header, 32, 8), l.uint(&header, 54, 2), l.uint(&header, 56, 2))
    } else {
        (l.uint(&header, 28, 4), l.uint(&header, 42, 2), l.uint(&header, 44, 2))
    };
    let min_entry = if l.wide { 56 } else { 32 };
    if phnum > MAX_PHNUM {
        return Err(ElfError::BadHeader("more than 4096 program headers"));
    }
    if phnum > 0 && phentsize < min_entry {
        return Err(ElfError::BadHeader("program header entries too small"));
    }
    let table = src.read_at(phoff, phentsize * phnum)?;
    let entry = usize::try_from(phentsize).map_err(|_| ElfError::BadHeader("program header size"))?;
    Ok(table.chunks_exact(entry.max(1)).map(|e| segment(e, l)).collect())
}

fn segment(e: &[u8], l: Layout) -> Segment {
    let kind = l.uint(e, 0, 4) as u32;
    if l.wide {
        Segment {
            kind,
            offset: l.uint(e, 8, 8),
            vaddr: l.uint(e, 16, 8),
            filesz: l.uint(e, 32, 8),
        }
    } else {
        Segment {
            kind,
            offset: l.uint(e, 4, 4),
            vaddr: l.uint(e, 8, 4),
            filesz: l.uint(e, 16, 4),
        }
    }
}

/// `DT_NEEDED` string offsets, `DT_STRTAB` address and `DT_STRSZ`, up to `DT_NULL`.
fn dynamic_entries(bytes: &[u8], l: Layout) -> (Vec<u64>, Option<u64>, Option<u64>) {
    let size = if l.wide { 16 } else { 8 };
    let (mut needed, mut strtab, mut strsz) = (Vec::new(), None, None);
    for e in bytes.chunks_exact(size) {
        let (tag, val) = (l.word(e, 0), l.word(e, size / 2));
        match tag {
            DT_NULL => break,
            DT_NEEDED => needed.push(val),
            DT_STRTAB => strtab = Some(val),
            DT_STRSZ => strsz = Some(val),
            _ => {}
        }
    }
    (needed, strtab, strsz)
}

fn vaddr_to_offset(segments: &[Segment], vaddr: u64) -> Option<u64> {
    segments
        .iter()
        .filter(|s| s.kind == PT_LOAD)
        .find(|s| vaddr >= s.vaddr && vaddr - s.vaddr < s.filesz)
        .and_then(|s| s.offset.checked_add(vaddr - s.vaddr))
}

fn c_string(table: &[u8], at: u64) -> Result<String, ElfError> {
    let start = usize::try_from(at).ok().filter(|&a| a < table.len());
    let rest = start
        .and_then(|a| table.get(a..))
        .ok_or(ElfError::BadHeader("DT_NEEDED name outside DT_STRTAB"))?;
    let end = rest
        .iter()
        .position(|&b| b == 0)
        .ok_or(ElfError::BadHeader("unterminated DT_NEEDED name"))?;
    Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elf_needed_of_own_test_binary_includes_libc() {
        // The test binary itself is a dynamically linked ELF that needs libc.
        let exe = std::env::current_exe().unwrap_or_default();
        let needed = needed_libraries(&exe).unwrap_or_default();
        assert!(needed.iter().any(|n| n.starts_with("libc.so")), "{needed:?}");
    }

    #[test]
    fn elf_rejects_short_and_foreign_input() {
        assert_eq!(parse_needed(b""), Err(ElfError::NotElf));
        assert_eq!(parse_needed(b"\x7fEL"), Err(ElfError::NotElf));
        assert_eq!(parse_needed(b"#!/bin/sh\necho hi\n"), Err(ElfError::NotElf));
        let mut bad_class = *b"\x7fELF\x03\x01\x01\0\0\0\0\0\0\0\0\0";
        assert!(matches!(parse_needed(&bad_class), Err(ElfError::BadHeader(_))));
        bad_class[4] = 2;
        assert!(matches!(parse_needed(&bad_class), Err(ElfError::Truncated { .. })));
    }
}
