//! Resource limits shared by every crate: the largest trace an operation may produce, and allocation
//! that fails with an error instead of aborting the process.
//!
//! A hostile or mistyped parameter (`resample(1e9)` on a 100 Hz trace, `interpolate(sampling_rate=1e7)`)
//! would otherwise ask for hundreds of GiB; Rust aborts the whole process when an allocation fails,
//! losing every other unit of a run (and the Python interpreter). Every size computed from user
//! parameters or file headers goes through [`check_samples`] before anything is allocated, and
//! data-sized buffers are made with [`try_filled`].

/// Most samples one trace may hold after an operation: 2^28 (2 GiB of f64), three times a day of
/// 1 kHz data. Larger outputs are refused before allocating.
pub const MAX_SAMPLES: usize = 1 << 28;

/// `Ok` when an output of `n` samples is within [`MAX_SAMPLES`]; else an error saying what asked for it.
pub fn check_samples(what: &str, n: usize) -> Result<(), String> {
    if n > MAX_SAMPLES {
        return Err(format!(
            "{what} would produce {n} samples, more than the limit of {MAX_SAMPLES} samples per trace \
             ({} GiB as float64); check the parameters",
            (MAX_SAMPLES * 8) >> 30
        ));
    }
    Ok(())
}

/// Like [`check_samples`] for a size computed in floating point (which may be huge or not finite).
pub fn check_samples_f64(what: &str, n: f64) -> Result<(), String> {
    if n.is_nan() || n > MAX_SAMPLES as f64 {
        return Err(format!(
            "{what} would produce {n:.0} samples, more than the limit of {MAX_SAMPLES} samples per trace \
             ({} GiB as float64); check the parameters",
            (MAX_SAMPLES * 8) >> 30
        ));
    }
    Ok(())
}

/// `vec![value; n]`, but a failed allocation is an error instead of a process abort.
pub fn try_filled<T: Clone>(what: &str, n: usize, value: T) -> Result<Vec<T>, String> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| format!("{what}: cannot allocate {n} elements of {} bytes", size_of::<T>()))?;
    v.resize(n, value);
    Ok(v)
}

/// Opens an input file for reading without ever blocking on it, with its size in bytes (from the one
/// `fstat` the check makes): a named pipe (FIFO) or socket given as an input would otherwise hang the
/// run in `open` until some other process writes to it. Such files are an error naming what they are;
/// devices and regular files open as usual.
pub fn open_input(path: &std::path::Path) -> std::io::Result<(std::fs::File, u64)> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    let what = if kind.is_fifo() {
        "a named pipe (FIFO)"
    } else if kind.is_socket() {
        "a socket"
    } else {
        return Ok((file, meta.len()));
    };
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("not a waveform file but {what}; give regular files"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_refuses_one_past_and_accepts_the_limit() {
        assert!(check_samples("x", MAX_SAMPLES).is_ok());
        let e = check_samples("resample", MAX_SAMPLES + 1).unwrap_err();
        assert!(e.starts_with("resample would produce 268435457 samples"), "{e}");
        assert!(check_samples_f64("x", f64::NAN).is_err());
        assert!(check_samples_f64("x", 1e300).is_err());
        assert!(check_samples_f64("x", 10.0).is_ok());
    }

    /// A FIFO given as an input hung the run in `open` (no writer ever came).
    #[test]
    #[allow(unsafe_code)]
    fn a_named_pipe_as_an_input_hung_the_run_in_open() {
        let dir = seispool_testkit::tempdir().expect("temp dir");
        let fifo = dir.path().join("pipe.mseed");
        let c = std::ffi::CString::new(fifo.to_str().expect("utf-8 path")).expect("no NUL");
        // SAFETY: a valid NUL-terminated path.
        let made = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
        assert_eq!(made, 0, "mkfifo");
        let err = open_input(&fifo).expect_err("a FIFO opened");
        assert!(err.to_string().contains("named pipe"), "{err}");
        let file = dir.path().join("x");
        std::fs::write(&file, b"abc").expect("write");
        assert_eq!(open_input(&file).expect("a file").1, 3);
    }

    #[test]
    fn allocation_failure_is_an_error_not_an_abort() {
        let e = try_filled("buffer", usize::MAX / 2, 0u64).unwrap_err();
        assert!(e.contains("cannot allocate"), "{e}");
        assert_eq!(try_filled("buffer", 3, 7u8).unwrap(), vec![7, 7, 7]);
    }
}
