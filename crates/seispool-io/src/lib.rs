//! seispool's waveform formats. Every reader streams records and reports bad input as a
//! [`FormatError`] naming the file, the record and the byte offset — never a panic.

mod error;
mod format;
pub mod mseed;
pub mod npz;
pub mod sac;
pub mod sds;
pub mod stationxml;

pub use error::{FormatError, IoError};
pub use format::{
    Format, ReadOptions, ReadResult, SNIFF_BYTES, WriteSpec, detect, detect_file, encode, read, read_in_pool, write,
};
pub use stationxml::{parse_stationxml, read_inventory};
