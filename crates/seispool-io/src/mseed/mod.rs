//! MiniSEED 2.4 and 3 codecs.
