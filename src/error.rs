//! The application error: one enum for everything that becomes a response. No axum here;
//! `http::error` turns it into HTML pages or problem+json.
//!
//! Rule (as in the registry backend): `anyhow` only at startup and in the CLI; library code
//! returns narrow errors; request handling returns [`AppError`].

use crate::store::StoreError;

/// Errors that reach a client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 404: the named thing does not exist (or must not be revealed).
    #[error("{0}")]
    NotFound(String),
    /// 400: the input is invalid; the message is German and meant for the user.
    #[error("{0}")]
    Invalid(String),
    /// 413: the input is too large.
    #[error("{0}")]
    TooLarge(String),
    /// 401: a login or API token is needed (or the one sent is invalid or expired).
    #[error("Bitte melden Sie sich an.")]
    Unauthenticated,
    /// 429: too many failed logins; try again later.
    #[error("{0}")]
    TooManyAttempts(String),
    /// 403: the request is not allowed (e.g. failed CSRF check).
    #[error("{0}")]
    Forbidden(String),
    /// 409: the write conflicts with the stored state.
    #[error("{0}")]
    Conflict(String),
    /// 503: the store could not make a write durable; the server refuses further writes.
    #[error("storage unavailable")]
    Unavailable,
    /// 503: semantic search was asked for but the model is not ready (missing, installing,
    /// loading or failed); the message says which and is meant for the user.
    #[error("{0}")]
    SemanticUnavailable(String),
    /// 500: the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// 500: a blocking task panicked or was cancelled.
    #[error("background task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    /// 500: anything else internal.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// HTTP status code as a number (the http layer maps it to its type).
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotFound(_) => 404,
            AppError::Invalid(_) => 400,
            AppError::TooLarge(_) => 413,
            AppError::Forbidden(_) => 403,
            AppError::Unauthenticated => 401,
            AppError::TooManyAttempts(_) => 429,
            AppError::Conflict(_) => 409,
            AppError::Unavailable | AppError::SemanticUnavailable(_) => 503,
            AppError::Store(_) | AppError::Join(_) | AppError::Internal(_) => 500,
        }
    }

    /// Stable machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "not_found",
            AppError::Invalid(_) => "invalid",
            AppError::TooLarge(_) => "too_large",
            AppError::Forbidden(_) => "forbidden",
            AppError::Unauthenticated => "unauthenticated",
            AppError::TooManyAttempts(_) => "too_many_attempts",
            AppError::Conflict(_) => "conflict",
            AppError::Unavailable => "unavailable",
            AppError::SemanticUnavailable(_) => "semantic_unavailable",
            AppError::Store(_) | AppError::Join(_) | AppError::Internal(_) => "internal",
        }
    }

    /// The message a user may see: internal details never leave the server.
    pub fn public_message(&self) -> String {
        match self.status() {
            503 if matches!(self, AppError::SemanticUnavailable(_)) => self.to_string(),
            503 => "Der Speicher ist nicht verfügbar. Bitte wenden Sie sich an die IT.".to_owned(),
            s if s >= 500 => "Interner Fehler. Bitte versuchen Sie es später erneut.".to_owned(),
            _ => self.to_string(),
        }
    }
}

impl From<crate::render::RenderError> for AppError {
    fn from(e: crate::render::RenderError) -> Self {
        match e {
            crate::render::RenderError::TooLarge { .. } => AppError::TooLarge(e.to_string()),
            crate::render::RenderError::TooDeep { .. } => AppError::Invalid(e.to_string()),
        }
    }
}

/// Result alias for request handling.
pub type Result<T, E = AppError> = std::result::Result<T, E>;
