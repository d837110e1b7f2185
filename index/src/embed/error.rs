//! The error type of this crate.
//!
//! Everything here is an operator problem (a missing, corrupt or wrong model file), never the
//! caller's text: any `&str` can be tokenized and embedded.

use std::path::{Path, PathBuf};

/// Errors from loading a model or embedding text.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The model file could not be read.
    #[error("cannot read model file {}: {source}", path.display())]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The bytes are not a valid `E5S1` model (bad magic, version, sizes, offsets, …).
    #[error("invalid model file: {0}")]
    Format(String),
    /// The file's sha256 differs from the expected one (corrupt or wrong download).
    #[error("model checksum mismatch: expected sha256 {expected}, file has {actual}")]
    Checksum {
        /// The expected hex digest.
        expected: String,
        /// The digest of the file.
        actual: String,
    },
    /// A bug in this crate (an invariant did not hold).
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl EmbedError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> EmbedError {
        EmbedError::Io {
            path: path.to_owned(),
            source,
        }
    }
}
