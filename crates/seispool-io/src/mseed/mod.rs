//! MiniSEED 2.4 and 3 codecs.

pub mod decode;
mod encoding;
mod reader;
pub mod record;

pub use encoding::DataEncoding;
mod steim_encode;
mod writer;
pub use decode::{SteimCheck, SteimError, decode_payload, decode_steim1, decode_steim2};
pub use reader::{MseedFile, ReadOptions, Record, RecordReader, is_mseed2, read_bytes, read_file, read_from};
pub use record::RecordHeader;
pub use steim_encode::{STEIM_FRAME_BYTES, SteimOverflow, SteimPacked, encode_steim1, encode_steim2, steim2_overflow};
pub use writer::{WriteOptions, sample_rate_factor_multiplier, write_file, write_to};
