//! The crate's error type: user errors (the caller sent something we refuse, HTTP 400) are
//! kept apart from internal ones (our fault or the disk's, HTTP 500), as milli does.

/// Errors returned by this crate.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The search request cannot be served as given (e.g. paging far beyond the cap). → 400.
    ///
    /// Query *text* never produces this: malformed syntax degrades to plain terms.
    #[error("invalid search request: {0}")]
    InvalidQuery(String),
    /// A synonym list line could not be parsed. → 400 (admin input).
    #[error("invalid synonym list, line {line}: {reason}")]
    InvalidSynonyms {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// An evaluation data file could not be read or parsed (CLI input, never HTTP).
    #[error("evaluation data: {0}")]
    EvalData(String),
    /// tantivy failed. → 500.
    #[error(transparent)]
    Tantivy(#[from] tantivy::TantivyError),
    /// Opening the index directory failed. → 500.
    #[error(transparent)]
    OpenDirectory(#[from] tantivy::directory::error::OpenDirectoryError),
    /// File system error while creating or wiping the index directory. → 500.
    #[error("index directory: {0}")]
    Io(#[from] std::io::Error),
    /// A thread panicked while holding the index writer; the writer state is unknown. → 500.
    #[error("index writer lock poisoned")]
    Poisoned,
}

impl IndexError {
    /// Whether the caller (not the server) is at fault, i.e. the error maps to HTTP 400.
    pub fn is_user_error(&self) -> bool {
        matches!(self, Self::InvalidQuery(_) | Self::InvalidSynonyms { .. })
    }
}

/// Result type of this crate.
pub type Result<T, E = IndexError> = std::result::Result<T, E>;
