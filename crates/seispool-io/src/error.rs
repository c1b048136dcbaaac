//! Errors of the format layer. Messages are lowercase, context first:
//! `file.mseed: record 12 at byte 6144: steim2 frame 3 has invalid nibble 0b00 in word 5`.

use std::path::{Path, PathBuf};

/// Bad bytes in a waveform file: where they are and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", path.display(), located(*record, *offset, what))]
pub struct FormatError {
    /// The file (or a label such as `<memory>` for in-memory buffers).
    pub path: PathBuf,
    /// 0-based record number, when the error is inside a record.
    pub record: Option<usize>,
    /// Byte offset from the start of the file.
    pub offset: u64,
    /// What was found and what was expected.
    pub what: String,
}

fn located(record: Option<usize>, offset: u64, what: &str) -> String {
    match record {
        Some(r) => format!("record {r} at byte {offset}: {what}"),
        None => format!("at byte {offset}: {what}"),
    }
}

impl FormatError {
    /// An error at `offset` of `path`, inside `record` when given.
    pub fn new(path: &Path, record: Option<usize>, offset: u64, what: impl Into<String>) -> Self {
        FormatError {
            path: path.to_path_buf(),
            record,
            offset,
            what: what.into(),
        }
    }
}

/// Any failure reading or writing a waveform file.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// The operating system refused (missing file, permissions, disk full).
    #[error("{}: {source}", path.display())]
    Os {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not valid for the format.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// A request the format cannot honour (e.g. writing text data as STEIM2).
    #[error("{}: {what}", path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What cannot be done.
        what: String,
    },
}

impl IoError {
    /// Wraps an OS error with the path it happened on.
    pub fn os(path: &Path, source: std::io::Error) -> Self {
        IoError::Os {
            path: path.to_path_buf(),
            source,
        }
    }
}
