//! The HTTP face: the only module that imports axum. Each resource module exposes
//! `router()`; this module merges them and adds the layers (tracing, CSRF, security
//! headers, body limits, timeouts).

mod account;
mod account_api;
mod admin;
mod api;
mod articles;
mod assets;
mod auth;
mod csrf;
mod error;
mod extract;
mod history;
mod home;
mod i18n;
mod multipart;
mod openapi;
mod processes;
mod processes_api;
mod processes_openapi;
mod processes_review;
mod processes_texts;
mod retention;
mod retention_api;
mod search;
mod users;
mod users_api;
mod views;

use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use tower_http::timeout::TimeoutLayer;
use tracing::Instrument;

use crate::state::AppState;

/// Strict policy: only our own scripts and styles, no inline script, no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Builds the application router over `state`.
pub fn app(state: AppState) -> Router {
    let router = Router::new()
        .merge(account::router())
        .merge(account_api::router())
        .merge(users::router())
        .merge(users_api::router())
        .merge(home::router())
        .merge(articles::router())
        .merge(history::router())
        .merge(api::router())
        .merge(api::spaces_router())
        .merge(search::router())
        .merge(processes::router())
        .merge(processes_api::router())
        .merge(retention::router())
        .merge(retention_api::router())
        .merge(admin::router(state.clone()))
        .merge(openapi::router())
        .merge(assets::router())
        .fallback(not_found);
    // Request bodies: axum's extractors refuse more than 2 MiB (DefaultBodyLimit), the CSRF
    // check buffers at most that much, so no extra limit layer is needed.
    router
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(middleware::from_fn(observe))
        .with_state(state)
}

/// The edge of the application, as one layer (each layer costs per request, and
/// tower-http's `TraceLayer` alone cost about a fifth of the article page's throughput even
/// with its events filtered out): the CSRF guard, a request span only when debug logging
/// is on, an error log line with the request line for every 5xx, and the security headers.
async fn observe(req: Request, next: Next) -> axum::response::Response {
    let (method, uri) = (req.method().clone(), req.uri().clone());
    let (req, passed) = match csrf::guard(req).await {
        Ok(ok) => ok,
        Err(mut refused) => {
            security_headers(refused.headers_mut());
            return refused;
        }
    };
    let mut res = if tracing::enabled!(tracing::Level::DEBUG) {
        let matched = req
            .extensions()
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_owned());
        let span = tracing::debug_span!("request", %method, %uri, matched_path = matched);
        let res = next.run(req).instrument(span.clone()).await;
        span.in_scope(|| tracing::debug!(status = res.status().as_u16(), "response"));
        res
    } else {
        next.run(req).await
    };
    if res.status().is_server_error() {
        tracing::error!(%method, %uri, status = res.status().as_u16(), "request failed");
    }
    csrf::finish(&mut res, &passed);
    security_headers(res.headers_mut());
    res
}

/// Headers every response carries unless a handler set them. A handler that sets its
/// own Content-Security-Policy (the embeddable widget, with `frame-ancestors` from the
/// configuration) decides about framing itself, so `X-Frame-Options` is left out then.
fn security_headers(h: &mut axum::http::HeaderMap) {
    let own_csp = h.contains_key(header::CONTENT_SECURITY_POLICY);
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
    for (name, value) in headers {
        if own_csp && name == header::X_FRAME_OPTIONS {
            continue;
        }
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
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
