//! Trace-sized buffers backed by transparent huge pages where the kernel offers them.
//!
//! A one-trace run of `remove_response` on a 6-hour 100 Hz trace touches ~170 MB of fresh memory
//! (samples, FFT work buffers, the evaluated response). With 4 KiB pages that is ~43 000 page faults,
//! and the kernel's fault path (not the zeroing) was a quarter of the run's CPU time. Asking for huge
//! pages (`madvise(MADV_HUGEPAGE)`, honoured when `/sys/kernel/mm/transparent_hugepage/enabled` is
//! `always` or `madvise`) makes that one fault per 2 MiB. Contents and validity of the memory do not
//! change; elsewhere (or when the kernel declines) this is an ordinary `Vec::with_capacity`.

/// Bytes below which no advice is given (a huge page must fit inside the allocation twice over).
const MIN_BYTES: usize = 4 << 20;

/// An empty `Vec` with room for `n` values, its untouched pages advised to be huge pages.
pub fn with_capacity_huge<T>(n: usize) -> Vec<T> {
    let v: Vec<T> = Vec::with_capacity(n);
    advise_huge(
        v.as_ptr() as usize,
        v.capacity().saturating_mul(std::mem::size_of::<T>()),
    );
    v
}

/// The system allocator, with every allocation of at least 4 MiB advised to be backed by huge pages
/// as [`with_capacity_huge`] does (issue 13).
///
/// Set as the global allocator of the `seispool` binary and of the Python extension, so that every
/// large buffer is covered, not only those allocated through [`with_capacity_huge`]: the decoder's
/// file bytes, the encoder's records and the writer's output among them. On the seed job (6 day-long
/// channels, `--jobs 2`) this took the page faults from ~26 000 to ~15 000 (the kernel's fault path and
/// the zeroing of each fresh page were ~20 % of the run's CPU on a VM whose memory the host backs on
/// first touch). Allocation, freeing and the memory's contents are the system allocator's; the advice
/// is one `madvise` call per large allocation and is ignored where refused.
pub struct HugePageAlloc;

// SAFETY: every method forwards to `System` with the caller's arguments, and only adds advice about
// how the kernel backs the pages of an allocation it returned (see `advise_huge`).
#[allow(unsafe_code)]
unsafe impl std::alloc::GlobalAlloc for HugePageAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { std::alloc::System.alloc(layout) };
        if !p.is_null() {
            advise_huge(p as usize, layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { std::alloc::System.alloc_zeroed(layout) };
        if !p.is_null() {
            advise_huge(p as usize, layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { std::alloc::System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            advise_huge(p as usize, new_size);
        }
        p
    }
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn advise_huge(addr: usize, len: usize) {
    const HUGE: usize = 2 << 20;
    if len < MIN_BYTES {
        return;
    }
    let start = addr.next_multiple_of(HUGE);
    let end = addr.saturating_add(len) / HUGE * HUGE;
    if end > start {
        // SAFETY: `start..end` lies inside one live allocation of ours; MADV_HUGEPAGE only tells the
        // kernel how to back its pages (no data is changed or freed, no pointer becomes invalid). A
        // refusal (e.g. THP disabled) is harmless and ignored.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge(_addr: usize, _len: usize) {}

/// Asks the kernel to start writing bytes `offset .. offset + len` of `file` back to the device now,
/// without waiting (Linux `sync_file_range(SYNC_FILE_RANGE_WRITE)`): the device works while the rest of
/// the file is written, and the `fdatasync` that makes it durable then waits for less. Only a hint: it
/// guarantees nothing (the `fdatasync` does), and errors are ignored. A no-op elsewhere.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub fn start_writeback(file: &std::fs::File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (offset.try_into(), len.try_into()) else {
        return;
    };
    // SAFETY: the descriptor is open for the duration of the call (`file` is borrowed); the call only
    // schedules I/O of the file's own dirty pages and touches no memory of ours.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

/// Asks the kernel to start writing a file range back (see the Linux version): a no-op here.
#[cfg(not(target_os = "linux"))]
pub fn start_writeback(_file: &std::fs::File, _offset: u64, _len: u64) {}

#[cfg(test)]
mod tests {
    /// The `hg` (MADV_HUGEPAGE) flag of the mapping holding `addr`, from `/proc/self/smaps`.
    #[cfg(target_os = "linux")]
    fn advised_huge(addr: usize) -> bool {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
        let mut inside = false;
        for line in smaps.lines() {
            let range = line.split_whitespace().next().unwrap_or("");
            if let Some((lo, hi)) = range.split_once('-')
                && let (Ok(lo), Ok(hi)) = (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
            {
                inside = (lo..hi).contains(&addr);
            } else if inside && let Some(flags) = line.strip_prefix("VmFlags:") {
                return flags.split_whitespace().any(|f| f == "hg");
            }
        }
        false
    }

    /// The global allocator's large allocations (fresh, grown, zeroed) are advised huge, and the
    /// memory behaves as the system allocator's.
    #[cfg(target_os = "linux")]
    #[test]
    #[allow(unsafe_code)]
    fn large_allocations_of_the_huge_page_allocator_are_advised_huge() {
        use std::alloc::{GlobalAlloc, Layout};
        let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap_or_default();
        if !(thp.contains("[always]") || thp.contains("[madvise]")) {
            eprintln!("skipped: transparent huge pages are off here ({thp:?})");
            return;
        }
        let a = super::HugePageAlloc;
        let big = Layout::from_size_align(16 << 20, 8).unwrap();
        // SAFETY: non-zero layouts; every pointer is freed with the layout (or size) it was made with.
        unsafe {
            let p = a.alloc(big);
            assert!(!p.is_null());
            // The middle of the allocation lies in a whole 2 MiB page of it.
            assert!(
                advised_huge(p as usize + (8 << 20)),
                "a 16 MiB allocation was not advised"
            );
            p.add(12345).write(7);
            let q = a.realloc(p, big, 32 << 20);
            assert!(!q.is_null() && q.add(12345).read() == 7);
            assert!(
                advised_huge(q as usize + (24 << 20)),
                "a grown allocation was not advised"
            );
            a.dealloc(q, Layout::from_size_align(32 << 20, 8).unwrap());
            let z = a.alloc_zeroed(big);
            assert!(!z.is_null() && z.add(9 << 20).read() == 0);
            assert!(
                advised_huge(z as usize + (8 << 20)),
                "a zeroed allocation was not advised"
            );
            a.dealloc(z, big);
        }
    }

    #[test]
    fn huge_vec_is_an_ordinary_vec() {
        let mut v = super::with_capacity_huge::<f64>(1 << 20);
        assert!(v.is_empty() && v.capacity() >= 1 << 20);
        v.resize(1 << 20, 1.5);
        v.push(2.0);
        assert_eq!((v.len(), v[0], v[1 << 20]), ((1 << 20) + 1, 1.5, 2.0));
        assert!(super::with_capacity_huge::<u8>(0).is_empty());
    }
}
