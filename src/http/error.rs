//! Turning [`AppError`] into responses: problem+json (RFC 9457) for the API, a German
//! (or English) HTML page for the UI. Server errors are logged here, once.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::views::Layout;
use crate::error::AppError;

/// An error rendered as `application/problem+json`.
#[derive(Debug)]
pub(crate) struct ApiError(pub(crate) AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize)]
pub(crate) struct Problem {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) title: &'static str,
    pub(crate) status: u16,
    pub(crate) detail: String,
    pub(crate) code: &'static str,
}

fn status_of(e: &AppError) -> StatusCode {
    StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn log(e: &AppError) {
    // A missing model is a known state (shown on /healthz), not a failure to log per request.
    if e.status() >= 500 && !matches!(e, AppError::SemanticUnavailable(_)) {
        tracing::error!(error = ?e, "request failed");
    }
}

impl Problem {
    pub(crate) fn from_error(e: &AppError) -> Self {
        let status = status_of(e);
        Problem {
            kind: format!("/api/v1/problems/{}", e.code()),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: e.public_message(),
            code: e.code(),
        }
    }
}

/// Wraps any serialisable problem body with the right status and content type.
pub(crate) fn problem_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let mut res = (status, Json(body)).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log(&self.0);
        problem_response(status_of(&self.0), &Problem::from_error(&self.0))
    }
}

/// An error rendered as an HTML page in the user's language.
#[derive(Debug)]
pub(crate) struct HtmlError {
    pub(crate) error: AppError,
    pub(crate) layout: Layout,
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorView {
    l: Layout,
    status: u16,
    message: String,
}

impl IntoResponse for HtmlError {
    fn into_response(self) -> Response {
        if matches!(self.error, AppError::Unauthenticated) {
            let next: String =
                url::form_urlencoded::byte_serialize(self.layout.path.as_bytes()).collect();
            return axum::response::Redirect::to(&format!("/anmelden?weiter={next}"))
                .into_response();
        }
        log(&self.error);
        let status = status_of(&self.error);
        let mut l = self.layout;
        l.title = l.lang.t("error.title").to_owned();
        let view = ErrorView {
            l,
            status: status.as_u16(),
            message: self.error.public_message(),
        };
        (status, view).into_response()
    }
}
