//! `Trace`: one contiguous, evenly sampled time series with its `Stats`.

use std::collections::BTreeMap;

use crate::{ChannelId, Time};

/// Sample storage; processing promotes to `F64` as ObsPy does.
#[derive(Clone, Debug, PartialEq)]
pub enum Samples {
    /// 32-bit integers (INT16/INT32/Steim/legacy integer encodings).
    I32(Vec<i32>),
    /// 32-bit floats.
    F32(Vec<f32>),
    /// 64-bit floats.
    F64(Vec<f64>),
    /// ASCII/text payload (MiniSEED encoding 0), one byte per "sample".
    Text(Vec<u8>),
}

/// The element type of a `Samples` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SampleType {
    /// i32 integers.
    I32,
    /// f32 floats.
    F32,
    /// f64 floats.
    F64,
    /// bytes of text.
    Text,
}

impl Default for Samples {
    fn default() -> Self {
        Samples::I32(Vec::new())
    }
}

impl Samples {
    /// Number of samples.
    pub fn len(&self) -> usize {
        match self {
            Samples::I32(v) => v.len(),
            Samples::F32(v) => v.len(),
            Samples::F64(v) => v.len(),
            Samples::Text(v) => v.len(),
        }
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element type.
    pub fn sample_type(&self) -> SampleType {
        match self {
            Samples::I32(_) => SampleType::I32,
            Samples::F32(_) => SampleType::F32,
            Samples::F64(_) => SampleType::F64,
            Samples::Text(_) => SampleType::Text,
        }
    }

    /// An empty value of the given type.
    pub fn empty(kind: SampleType) -> Samples {
        match kind {
            SampleType::I32 => Samples::I32(Vec::new()),
            SampleType::F32 => Samples::F32(Vec::new()),
            SampleType::F64 => Samples::F64(Vec::new()),
            SampleType::Text => Samples::Text(Vec::new()),
        }
    }

    /// Reserves room for `n` more samples.
    pub fn reserve(&mut self, n: usize) {
        match self {
            Samples::I32(v) => v.reserve(n),
            Samples::F32(v) => v.reserve(n),
            Samples::F64(v) => v.reserve(n),
            Samples::Text(v) => v.reserve(n),
        }
    }

    /// Appends `other`; both must have the same type (returns false and leaves `self` unchanged otherwise).
    pub fn extend_from(&mut self, other: &Samples) -> bool {
        self.extend_from_range(other, 0..other.len())
    }

    /// Appends `other[range]`; both must have the same type (returns false and leaves `self` unchanged
    /// otherwise). Panics if the range is out of bounds, like slicing.
    pub fn extend_from_range(&mut self, other: &Samples, range: std::ops::Range<usize>) -> bool {
        match (self, other) {
            (Samples::I32(a), Samples::I32(b)) => a.extend_from_slice(&b[range]),
            (Samples::F32(a), Samples::F32(b)) => a.extend_from_slice(&b[range]),
            (Samples::F64(a), Samples::F64(b)) => a.extend_from_slice(&b[range]),
            (Samples::Text(a), Samples::Text(b)) => a.extend_from_slice(&b[range]),
            _ => return false,
        }
        true
    }

    /// Keeps the first `n` samples (all when there are fewer), in place.
    pub fn truncate(&mut self, n: usize) {
        match self {
            Samples::I32(v) => v.truncate(n),
            Samples::F32(v) => v.truncate(n),
            Samples::F64(v) => v.truncate(n),
            Samples::Text(v) => v.truncate(n),
        }
    }

    /// Keeps `range` (clamped to the samples), in place: no new buffer.
    pub fn retain_range(&mut self, range: std::ops::Range<usize>) {
        match self {
            Samples::I32(v) => retain_range_of(v, range),
            Samples::F32(v) => retain_range_of(v, range),
            Samples::F64(v) => retain_range_of(v, range),
            Samples::Text(v) => retain_range_of(v, range),
        }
    }

    /// The samples as f64 (text bytes become their byte values).
    pub fn to_f64(&self) -> Vec<f64> {
        match self {
            Samples::I32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            Samples::F32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            Samples::F64(v) => v.clone(),
            Samples::Text(v) => v.iter().map(|&x| f64::from(x)).collect(),
        }
    }

    /// Promotes to f64 in place (like ObsPy's processing methods) and returns the f64 buffer. The buffer
    /// comes from this thread's [`recycle_f64`] spare when that is big enough (no fresh pages to fault in).
    pub fn make_f64(&mut self) -> &mut Vec<f64> {
        if !matches!(self, Samples::F64(_)) {
            let mut v = take_spare_f64(self.len());
            match self {
                Samples::I32(x) => {
                    v.extend(x.iter().map(|&s| f64::from(s)));
                    // The i32 buffer serves the next decode or merge on this thread.
                    recycle_i32(std::mem::take(x));
                }
                Samples::F32(x) => v.extend(x.iter().map(|&s| f64::from(s))),
                Samples::Text(x) => v.extend(x.iter().map(|&s| f64::from(s))),
                Samples::F64(_) => {}
            }
            *self = Samples::F64(v);
        }
        match self {
            Samples::F64(v) => v,
            _ => unreachable!("promoted to F64 just above"),
        }
    }
}

impl Samples {
    /// Replaces I32 samples by the f64 ones `f` computes from them, written into this thread's spare f64
    /// buffer: an op that reads integers and writes floats in one pass (e.g. linear detrend) skips
    /// [`Samples::make_f64`]'s separate conversion pass. Returns false, doing nothing, for other types.
    pub fn promote_i32_with(&mut self, f: impl FnOnce(&[i32], &mut Vec<f64>)) -> bool {
        let Samples::I32(x) = self else {
            return false;
        };
        let mut v = take_spare_f64(x.len());
        f(x, &mut v);
        recycle_i32(std::mem::take(x));
        *self = Samples::F64(v);
        true
    }

    /// Replaces I32 samples by the f32 ones `f` computes from them (about `len` of them), written into
    /// this thread's spare 4-byte buffer, when `f` returns true; when it returns false (or the samples
    /// are not I32) nothing changes and this returns false. For an op that ends a pipeline whose
    /// output is stored as FLOAT32: its f64 result then never exists.
    pub fn promote_i32_to_f32_with(&mut self, len: usize, f: impl FnOnce(&[i32], &mut Vec<f32>) -> bool) -> bool {
        let Samples::I32(x) = self else {
            return false;
        };
        let mut v = take_spare_f32(len);
        if !f(x, &mut v) {
            recycle_f32(v);
            return false;
        }
        recycle_i32(std::mem::take(x));
        *self = Samples::F32(v);
        true
    }
}

/// `r` clamped to `len` values, as a Python slice clamps it (an inverted range is empty).
pub(crate) fn clamp_range(r: std::ops::Range<usize>, len: usize) -> std::ops::Range<usize> {
    let end = r.end.min(len);
    r.start.min(end)..end
}

/// `v = v[r]` (clamped) in place: no new buffer.
pub(crate) fn retain_range_of<T>(v: &mut Vec<T>, r: std::ops::Range<usize>) {
    let r = clamp_range(r, v.len());
    v.truncate(r.end);
    v.drain(..r.start);
}

/// A thread's spare buffers of one type: up to [`SPARE_SLOTS`] freed buffers kept for the next request
/// on the same thread, so a worker going from one channel-day to the next reuses pages instead of
/// faulting fresh ones in (a 100 Hz day: ~17 k page faults as f64, ~8.6 k as i32).
type Spares<T> = std::cell::RefCell<[Vec<T>; SPARE_SLOTS]>;

/// Two per type: a day file with a gap decodes into two buffers at once, and merging them frees one.
const SPARE_SLOTS: usize = 2;

thread_local! {
    /// Spare f64 buffers, used by [`Samples::make_f64`] and [`Samples::promote_i32_with`].
    static SPARE_F64: Spares<f64> = const { std::cell::RefCell::new([Vec::new(), Vec::new()]) };
    /// Spare 4-byte buffers: decoded and merged integer samples (see [`take_spare_i32`]), and the f32
    /// samples cast for a FLOAT32 output (see [`take_spare_f32`]). One pool for both: by the time a
    /// unit casts to f32 its integers are f64 and their buffer is spare, so the cast needs no fresh
    /// pages (a 100 Hz day's 8.6 MB on every worker's first unit).
    static SPARE_I32: Spares<i32> = const { std::cell::RefCell::new([Vec::new(), Vec::new()]) };
    /// Spare byte buffers: whole files read by [`read_file_reusing`].
    static SPARE_BYTES: Spares<u8> = const { std::cell::RefCell::new([Vec::new(), Vec::new()]) };
}

/// Hands a no longer needed f64 buffer back for the next [`Samples::make_f64`] on this thread.
pub fn recycle_f64(v: Vec<f64>) {
    SPARE_F64.with(|spares| keep(spares, v));
}

/// Keeps `v` in an empty slot, or in place of a smaller spare (which is freed); else frees `v`.
fn keep<T>(spares: &Spares<T>, v: Vec<T>) {
    if v.capacity() == 0 {
        return;
    }
    let mut spares = spares.borrow_mut();
    if let Some(smallest) = spares.iter_mut().min_by_key(|s| s.capacity())
        && smallest.capacity() < v.capacity()
    {
        *smallest = v;
    }
}

/// An empty buffer with room for `len` values: the smallest spare that holds `len`; else the biggest
/// spare grown (a mapped block grows by remapping: its pages, already faulted in, are kept; the
/// grown part takes small pages, see [`crate::bigbuf::advise_grown`]), with 1/16 to spare so that
/// the next, slightly longer day fits; else a new one asking for huge pages (see
/// [`crate::with_capacity_huge`]).
fn take_spare<T>(spares: &Spares<T>, len: usize) -> Vec<T> {
    let mut spares = spares.borrow_mut();
    let fit = spares
        .iter()
        .enumerate()
        .filter(|(_, s)| s.capacity() >= len)
        .min_by_key(|(_, s)| s.capacity())
        .map(|(i, _)| i);
    let biggest = (0..SPARE_SLOTS).max_by_key(|&i| spares[i].capacity());
    match fit.or(biggest) {
        Some(i) if spares[i].capacity() > 0 => {
            let mut v = std::mem::take(&mut spares[i]);
            v.clear();
            if v.capacity() < len {
                v.reserve_exact(len.saturating_add(len / 16));
                crate::bigbuf::advise_grown(&v, v.capacity());
            }
            v
        }
        _ => crate::with_capacity_huge(len.saturating_add(len / 16)),
    }
}

/// An empty f64 buffer with room for `len` samples, from this thread's spares when it can be.
fn take_spare_f64(len: usize) -> Vec<f64> {
    SPARE_F64.with(|spares| take_spare(spares, len))
}

/// Hands a no longer needed f32 buffer back for [`take_spare_f32`] (or [`take_spare_i32`]) on this thread.
pub fn recycle_f32(v: Vec<f32>) {
    // i32 and f32 have the same size and alignment, so the cast always succeeds; were it ever to
    // fail, the buffer is simply freed.
    if let Ok(v) = bytemuck::allocation::try_cast_vec::<f32, i32>(v) {
        recycle_i32(v);
    }
}

/// An empty f32 buffer with room for `len` samples, from this thread's 4-byte spares (see
/// [`take_spare_i32`]) when it can be.
pub fn take_spare_f32(len: usize) -> Vec<f32> {
    let mut v = take_spare_i32(len);
    // `try_cast_vec` keeps the length: empty, as a spare is handed out.
    v.clear();
    bytemuck::allocation::try_cast_vec::<i32, f32>(v).unwrap_or_else(|_| Vec::with_capacity(len))
}

/// Hands a no longer needed i32 buffer back for [`take_spare_i32`] on this thread.
pub fn recycle_i32(v: Vec<i32>) {
    SPARE_I32.with(|spares| keep(spares, v));
}

/// An empty i32 buffer with room for `len` samples, from this thread's spares when it can be.
pub fn take_spare_i32(len: usize) -> Vec<i32> {
    SPARE_I32.with(|spares| take_spare(spares, len))
}

/// Reads the whole file at `path` into one of this thread's spare byte buffers (or a new one); hand it
/// back with [`recycle_bytes`] when done.
///
/// `check` sees the file's first `first` bytes (all of them when it is shorter) before the rest is
/// read, and its error ends the read: a file whose start already shows it is not what the caller
/// reads (a 10 GB file of something else in an archive) is refused on those bytes instead of being
/// read, and held, whole. A file too large to hold is an error, not an aborted process.
pub fn read_file_reusing<E>(
    path: &std::path::Path,
    first: usize,
    check: impl FnOnce(&[u8]) -> Result<(), E>,
    io_error: impl Fn(std::io::Error) -> E,
) -> Result<Vec<u8>, E> {
    use std::io::Read;
    let (mut file, size) = crate::limits::open_input(path).map_err(&io_error)?;
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    // Room for the whole file up front when that is a sane size (the usual day file: no regrowth);
    // a larger file gets room for its start until `check` has passed it.
    const ROOM_UP_FRONT: usize = 1 << 30;
    let room = if size <= ROOM_UP_FRONT { size } else { first };
    let mut v = SPARE_BYTES.with(|spares| take_spare(spares, room.saturating_add(1)));
    let prefix = (&mut file).take(first as u64).read_to_end(&mut v);
    if let Err(e) = prefix {
        recycle_bytes(v);
        return Err(io_error(e));
    }
    if let Err(e) = check(&v) {
        recycle_bytes(v);
        return Err(e);
    }
    if v.try_reserve_exact(size.saturating_sub(v.len()).saturating_add(1))
        .is_err()
    {
        recycle_bytes(v);
        return Err(io_error(std::io::Error::new(
            std::io::ErrorKind::OutOfMemory,
            format!("cannot hold the file's {size} bytes in memory"),
        )));
    }
    match file.read_to_end(&mut v) {
        Ok(_) => Ok(v),
        Err(e) => {
            recycle_bytes(v);
            Err(io_error(e))
        }
    }
}

/// An empty byte buffer with room for `len` bytes, from this thread's spare byte buffers (see
/// [`take_spare`]): an encoded output, which the process runner's writers hand back to the workers
/// once written.
pub fn take_spare_bytes(len: usize) -> Vec<u8> {
    SPARE_BYTES.with(|spares| take_spare(spares, len))
}

/// Hands a no longer needed byte buffer back for [`read_file_reusing`] and [`take_spare_bytes`] on this
/// thread.
pub fn recycle_bytes(v: Vec<u8>) {
    SPARE_BYTES.with(|spares| keep(spares, v));
}

/// A format-specific header value kept alongside the core stats (SAC headers, MiniSEED 3 extra headers).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum HeaderValue {
    /// Integer header.
    Int(i64),
    /// Floating-point header.
    Float(f64),
    /// Text header.
    Text(String),
}

/// MiniSEED facts about how a trace was stored (ObsPy's `stats.mseed`).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MseedInfo {
    /// Data encoding code of the first record (SEED table: 0 text, 1 INT16, 3 INT32, 4 FLOAT32, 5 FLOAT64, 10 STEIM1, 11 STEIM2, ...).
    pub encoding: u8,
    /// Record length in bytes of the first record.
    pub record_length: u32,
    /// Whether the data words were big-endian.
    pub big_endian: bool,
    /// Data quality indicator (D, R, Q, M).
    pub dataquality: char,
    /// Number of records that made this trace.
    pub number_of_records: usize,
    /// MiniSEED format version (2 or 3).
    pub version: u8,
}

/// Header information of a `Trace` (ObsPy's `Stats`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// Channel identifier.
    pub id: ChannelId,
    /// Time of the first sample.
    pub starttime: Time,
    /// Samples per second (0 for traces without a rate, e.g. log channels).
    pub sampling_rate: f64,
    /// Number of samples; equals `data.len()` except for header-only reads.
    pub npts: usize,
    /// MiniSEED storage facts, when read from MiniSEED.
    pub mseed: Option<MseedInfo>,
    /// Other format headers (SAC header fields by ObsPy's name, MiniSEED 3 extra headers under "extra").
    pub headers: BTreeMap<String, HeaderValue>,
}

impl Stats {
    /// Sample interval in seconds (0 when the rate is 0), as ObsPy's `stats.delta`.
    pub fn delta(&self) -> f64 {
        if self.sampling_rate == 0.0 {
            0.0
        } else {
            1.0 / self.sampling_rate
        }
    }

    /// Time of the last sample, computed exactly as ObsPy: `starttime + (npts - 1) * delta` rounded to ns.
    pub fn endtime(&self) -> Time {
        if self.npts == 0 {
            return self.starttime;
        }
        self.starttime.add_seconds((self.npts - 1) as f64 * self.delta())
    }
}

/// One contiguous, evenly sampled time series.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    /// Header information.
    pub stats: Stats,
    /// Samples.
    pub data: Samples,
}

impl Trace {
    /// A trace with the given id, start, rate and samples (npts taken from the samples).
    pub fn new(id: ChannelId, starttime: Time, sampling_rate: f64, data: Samples) -> Trace {
        let npts = data.len();
        Trace {
            stats: Stats {
                id,
                starttime,
                sampling_rate,
                npts,
                ..Stats::default()
            },
            data,
        }
    }

    /// `NET.STA.LOC.CHA`.
    pub fn id(&self) -> String {
        self.stats.id.to_string()
    }

    /// Time of the last sample.
    pub fn endtime(&self) -> Time {
        self.stats.endtime()
    }

    /// Replaces the samples and updates `npts`.
    pub fn set_data(&mut self, data: Samples) {
        self.stats.npts = data.len();
        self.data = data;
    }

    /// Promotes the samples to f64 in place and returns them (npts unchanged).
    pub fn data_f64_mut(&mut self) -> &mut Vec<f64> {
        self.data.make_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn make_f64_reuses_a_recycled_buffer_without_leftovers() {
        recycle_f64(vec![7.5; 100]);
        let mut s = Samples::I32(vec![1, -2, 3]);
        assert_eq!(s.make_f64(), &vec![1.0, -2.0, 3.0]);
        let Samples::F64(v) = s else { panic!("promoted") };
        assert!(v.capacity() >= 100, "the spare was reused");
        // A spare too small for the data is not used; the data is still right.
        recycle_f64(Vec::with_capacity(1));
        let mut s = Samples::F32(vec![0.5; 1000]);
        assert_eq!(s.make_f64().len(), 1000);
        assert!(s.to_f64().iter().all(|&x| x == 0.5));
    }

    /// The FLOAT32 cast of every worker's first unit faulted in fresh pages (8.6 MB for a 100 Hz
    /// day) while the unit's own integer buffer, converted to f64 by then, sat spare.
    #[test]
    fn f32_cast_took_fresh_pages_beside_a_spare_integer_buffer() {
        std::thread::spawn(|| {
            let ints: Vec<i32> = Vec::with_capacity(4096);
            let ptr = ints.as_ptr() as usize;
            recycle_i32(ints);
            let f = take_spare_f32(3000);
            assert_eq!(f.as_ptr() as usize, ptr, "the spare integer buffer serves the f32 cast");
            assert!(f.is_empty() && f.capacity() >= 4096);
            // And back: the f32 buffer serves the next unit's integers, without leftovers.
            let mut f = f;
            f.extend([1.5f32; 10]);
            recycle_f32(f);
            let i = take_spare_i32(100);
            assert_eq!((i.as_ptr() as usize, i.len()), (ptr, 0));
        })
        .join()
        .expect("spare test thread");
    }

    /// A day file with a gap decodes into two buffers at once, but only one spare was kept per thread,
    /// so the second trace of every such file faulted in fresh pages.
    #[test]
    fn a_second_buffer_of_a_gap_day_was_never_reused() {
        // Run on a thread of its own: the spares are per thread and other tests recycle too.
        std::thread::spawn(|| {
            recycle_i32(Vec::with_capacity(1000));
            recycle_i32(Vec::with_capacity(2000));
            let a = take_spare_i32(1500);
            let b = take_spare_i32(900);
            assert!(
                a.capacity() >= 2000 && b.capacity() >= 1000 && b.capacity() < 2000,
                "both spares served"
            );
            // With both taken, a new request gets a new buffer.
            assert!(take_spare_i32(10).capacity() >= 10);
            recycle_i32(b);
            recycle_i32(a);
            // A request bigger than every spare grows the biggest one; the other stays.
            assert!(take_spare_i32(5000).capacity() >= 5000);
            let c = take_spare_i32(500);
            assert!(
                c.capacity() >= 1000 && c.capacity() < 2000,
                "the smaller spare was kept"
            );
        })
        .join()
        .expect("spare test thread");
    }

    #[test]
    fn make_f64_hands_its_i32_buffer_to_the_next_decode() {
        let mut s = Samples::I32((0..1000).collect());
        assert_eq!(s.make_f64()[999], 999.0);
        let v = take_spare_i32(500);
        assert!(v.is_empty(), "a taken spare holds no stale samples");
        assert!(v.capacity() >= 1000, "the promoted i32 buffer was kept");
        // Too small a spare is not handed out.
        recycle_i32(vec![1; 10]);
        assert!(take_spare_i32(11).is_empty());
    }

    #[test]
    fn endtime_like_obspy() {
        let t = Trace::new(ChannelId::default(), Time(0), 100.0, Samples::I32(vec![0; 101]));
        assert_eq!(t.endtime(), Time(1_000_000_000));
        let t = Trace::new(ChannelId::default(), Time(0), 3.0, Samples::I32(vec![0; 2]));
        // 1/3 s = 333333333.33 ns rounds to 333333333.
        assert_eq!(t.endtime(), Time(333_333_333));
    }

    #[test]
    fn promotion_keeps_values() {
        let mut s = Samples::I32(vec![1, -2, i32::MAX]);
        assert_eq!(s.make_f64().as_slice(), &[1.0, -2.0, 2_147_483_647.0]);
        assert_eq!(s.sample_type(), SampleType::F64);
    }
}
