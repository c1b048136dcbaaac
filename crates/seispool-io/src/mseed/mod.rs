//! MiniSEED 2.4 and 3 codecs: reading (`reader`, with `records`, `first_record`, `join`, `fill`),
//! decoding (`decode`, `steim_table`) and writing (`writer` for v2, `v3write` for v3).

pub mod decode;
mod encoding;
mod fill;
mod first_record;
mod headonly;
mod join;
mod reader;
pub mod record;
mod records;
mod steim_table;

pub use encoding::DataEncoding;
mod sid;
mod steim_encode;
mod v3read;
mod v3write;
mod writer;
pub use decode::{SteimCheck, SteimError, decode_payload, decode_steim1, decode_steim2};
pub use fill::PARALLEL_MIN_SAMPLES;
pub use reader::{
    MseedFile, ReadOptions, is_mseed2, read_bytes, read_bytes_in_pool, read_file, read_file_in_pool, read_from,
};
pub use record::RecordHeader;
pub use records::{Record, RecordReader};
pub use sid::{id_to_sid, sid_to_id};
pub use steim_encode::{STEIM_FRAME_BYTES, SteimOverflow, SteimPacked, encode_steim1, encode_steim2, steim2_overflow};
pub use steim_table::{SteimIntoError, decode_steim_into};
pub use v3read::{EXTRA_HEADERS_KEY, FIXED_HEADER3, FLAGS_KEY, PUBVERSION_KEY, is_mseed3};
pub use v3write::{MAX_RECORD_LENGTH3, WriteOptions3, write_file3, write_to3};
pub use writer::{
    MAX_RECORD_LENGTH, MIN_RECORD_LENGTH, WriteOptions, sample_rate_factor_multiplier, write_file, write_to,
};
