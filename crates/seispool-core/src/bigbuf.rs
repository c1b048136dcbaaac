//! Trace-sized buffers backed by transparent huge pages where the kernel offers them.
//!
//! A one-trace run of `remove_response` on a 6-hour 100 Hz trace touches ~170 MB of fresh memory
//! (samples, FFT work buffers, the evaluated response). With 4 KiB pages that is ~43 000 page faults,
//! and the kernel's fault path (not the zeroing) was a quarter of the run's CPU time. Asking for huge
//! pages (`madvise(MADV_HUGEPAGE)`, honoured when `/sys/kernel/mm/transparent_hugepage/enabled` is
//! `always` or `madvise`) makes that one fault per 2 MiB. Contents and validity of the memory do not
//! change; elsewhere (or when the kernel declines) this is an ordinary `Vec::with_capacity`.
//!
//! Only the buffers that are worth it are advised. A global allocator advising every allocation of
//! 4 MiB or more (file bytes, encoder records, outputs too) was measured and reverted (issue 13,
//! round 2 session 8): 0.97× the seed job's wall time run back to back, but 1.15× after 3 s of idle,
//! because this VM hands idle 2 MiB blocks back to its host (free page reporting) and every huge page
//! is such a block, cold on first touch. Advising none at all was worse still (1.09× and 1.15×).

/// Bytes below which no advice is given (a huge page must fit inside the allocation twice over).
const MIN_BYTES: usize = 4 << 20;

/// An empty `Vec` with room for `n` values, its untouched pages advised to be huge pages.
pub fn with_capacity_huge<T>(n: usize) -> Vec<T> {
    let v: Vec<T> = Vec::with_capacity(n);
    advise(
        v.as_ptr() as usize,
        v.capacity().saturating_mul(std::mem::size_of::<T>()),
        Advice::Huge,
    );
    v
}

/// Advises a buffer that has just grown (a spare too small for its next use) to take no more huge
/// pages: the pages it has keep their size, the grown part faults in 4 KiB pages. Measured on the seed
/// job (round 2 session 10, alternating pairs against growth by copying): with the grown part in huge
/// pages, 0.92x the wall back to back but 1.06x after 3 s of idle, when every huge page is a 2 MiB
/// block this VM's host has taken back (docs/performance.md, "Session 8"); with it in small pages,
/// 0.94-0.97x back to back and 0.97-0.99x after idle.
pub(crate) fn advise_grown<T>(v: &[T], capacity: usize) {
    advise(
        v.as_ptr() as usize,
        capacity.saturating_mul(std::mem::size_of::<T>()),
        Advice::Small,
    );
}

/// Which pages [`advise`] asks for.
#[derive(Clone, Copy)]
enum Advice {
    /// Transparent huge pages (`MADV_HUGEPAGE`).
    Huge,
    /// No more huge pages (`MADV_NOHUGEPAGE`).
    Small,
}

/// Advises the pages of the allocation at `addr` (`len` bytes) to be huge pages, or no more huge
/// pages: every page the allocation touches, from the start of its first page to the end of its last.
///
/// An allocation this large is, with glibc, a memory map of its own whose chunk header sits at the
/// start of the first page, so those pages are (but for a rounding of glibc's in 15 sizes out of 4 096)
/// the whole map. Advising only the allocation's 2 MiB-aligned middle split the map into three (the
/// kernel keeps one set of flags per map), and glibc's `realloc` grows a split map by `mremap` in vain
/// (EFAULT): it then made a new map and copied the contents, faulting every page in afresh (round 2
/// session 10: a third of the seed job's page faults, the spares' growth from file bytes to an
/// encoded output). Only the allocation's own address range is used, so this holds for any global
/// allocator: where the pages are shared with other allocations, the advice is a hint about their
/// backing and changes nothing else.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn advise(addr: usize, len: usize, advice: Advice) {
    const PAGE: usize = 4096;
    if len < MIN_BYTES {
        return;
    }
    let start = addr / PAGE * PAGE;
    let end = addr.saturating_add(len).next_multiple_of(PAGE);
    // SAFETY: `start..end` are the pages of one live allocation of ours; MADV_HUGEPAGE and
    // MADV_NOHUGEPAGE only tell the kernel how to back pages (no data is changed or freed, no pointer
    // becomes invalid). A refusal (e.g. THP disabled) is harmless and ignored.
    unsafe {
        let advice = match advice {
            Advice::Huge => libc::MADV_HUGEPAGE,
            Advice::Small => libc::MADV_NOHUGEPAGE,
        };
        libc::madvise(start as *mut libc::c_void, end - start, advice);
    }
}

#[cfg(not(target_os = "linux"))]
fn advise(_addr: usize, _len: usize, _advice: Advice) {}

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

/// Hands the allocator's free memory back to the kernel now (glibc's `malloc_trim(0)`: every arena's
/// free pages). A run's worker threads leave their freed buffers in their arenas; the process's exit
/// would unmap them page by page after the last output is written (~4 ms of the seed job's wall on
/// this VM, ~75 MB of 4 KiB pages). The runner calls this once its workers have ended, while the
/// writers still write, so that work overlaps theirs. Nothing that is allocated changes. A no-op
/// without glibc.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn release_free_memory() {
    // SAFETY: malloc_trim only returns free heap memory to the kernel; it takes the allocator's own
    // locks and leaves every live allocation as it is.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Hands free memory back to the kernel (see the glibc version): a no-op here.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() {}

#[cfg(test)]
mod tests {
    #[test]
    fn huge_vec_is_an_ordinary_vec() {
        let mut v = super::with_capacity_huge::<f64>(1 << 20);
        assert!(v.is_empty() && v.capacity() >= 1 << 20);
        v.resize(1 << 20, 1.5);
        v.push(2.0);
        assert_eq!((v.len(), v[0], v[1 << 20]), ((1 << 20) + 1, 1.5, 2.0));
        assert!(super::with_capacity_huge::<u8>(0).is_empty());
    }

    /// The memory maps of this process: `(start, end)` of each line of `/proc/self/maps`.
    #[cfg(target_os = "linux")]
    fn maps() -> Vec<(usize, usize)> {
        let text = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
        text.lines()
            .filter_map(|l| {
                let (a, b) = l.split_whitespace().next()?.split_once('-')?;
                Some((usize::from_str_radix(a, 16).ok()?, usize::from_str_radix(b, 16).ok()?))
            })
            .collect()
    }

    /// Regression (round 2 session 10): advising only the 2 MiB-aligned middle of a buffer split its
    /// memory map in three, and glibc's `realloc` could then not grow it by `mremap` (EFAULT): it
    /// copied the contents into a new map, faulting every page in afresh. The whole buffer is one map
    /// after the advice, and one map again once grown, advised to small pages and grown again.
    #[test]
    #[cfg(target_os = "linux")]
    fn advising_huge_pages_leaves_the_buffer_one_map_that_grows_in_place() {
        let mut v = super::with_capacity_huge::<u8>(11 << 20);
        let first = v.as_ptr() as usize;
        v.resize(11 << 20, 7);
        let one_map = |v: &Vec<u8>| {
            let (a, b) = (v.as_ptr() as usize, v.as_ptr() as usize + v.capacity());
            maps().iter().any(|&(s, e)| s <= a && b <= e)
        };
        #[allow(unsafe_code)]
        // SAFETY: `first` is the start of a live allocation of the system allocator.
        let usable = unsafe { libc::malloc_usable_size(first as *mut libc::c_void) };
        if !((first - 16).is_multiple_of(4096) && (first + usable).is_multiple_of(4096)) {
            eprintln!("skipped: the allocator did not give this buffer a memory map of its own");
            return;
        }
        assert!(
            one_map(&v),
            "the advised buffer spans several memory maps: {:x?}",
            maps()
        );
        v.reserve_exact(14 << 20);
        assert!(one_map(&v), "the grown buffer spans several memory maps");
        // A spare that grew is advised to small pages, over its whole map too.
        super::advise_grown(&v, v.capacity());
        assert!(one_map(&v), "the grown buffer, advised, spans several memory maps");
        v.reserve_exact(20 << 20);
        assert!(one_map(&v), "the buffer grown twice spans several memory maps");
        assert!(v.iter().all(|&b| b == 7) && v.len() == 11 << 20);
    }
}
