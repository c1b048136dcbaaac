//! MiniSEED 2.4 and 3 codecs.

mod encoding;

pub use encoding::DataEncoding;
