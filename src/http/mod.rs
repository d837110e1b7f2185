//! The HTTP face: the only module that imports axum. Each resource module exposes
//! `router()`; this module merges them and adds the layers (tracing, CSRF, security
//! headers, body limits, timeouts).

mod admin;
mod api;
mod articles;
mod assets;
mod csrf;
mod error;
mod extract;
mod history;
mod home;
mod i18n;
mod openapi;
mod search;
mod views;

use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::IntoResponse;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::state::AppState;

/// Largest request body (a 512 KiB article, URL-encoded, plus form fields).
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Strict policy: only our own scripts and styles, no inline script, no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Builds the application router over `state`.
pub fn app(state: AppState) -> Router {
    let headers = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    let mut router = Router::new()
        .merge(home::router())
        .merge(articles::router())
        .merge(history::router())
        .merge(api::router())
        .merge(api::spaces_router())
        .merge(search::router())
        .merge(admin::router())
        .merge(openapi::router())
        .merge(assets::router())
        .fallback(not_found)
        .layer(middleware::from_fn(csrf::protect));
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(60)))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let matched = req.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
            tracing::debug_span!("request", method = %req.method(), uri = %req.uri(), matched_path = matched)
        }))
        .with_state(state)
}

async fn not_found(req: Request) -> axum::response::Response {
    let err = crate::error::AppError::NotFound("Diese Seite gibt es nicht.".to_owned());
    if req.uri().path().starts_with("/api/") {
        error::ApiError(err).into_response()
    } else {
        let lang = i18n::Lang::negotiate(
            None,
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        error::HtmlError {
            error: err,
            layout: views::Layout::new(lang, String::new(), "/".to_owned()),
        }
        .into_response()
    }
}
