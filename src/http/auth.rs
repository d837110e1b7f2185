//! Authentication at the edge: resolves who is calling (API token, session cookie, or
//! nobody) once per request, puts the [`Actor`] into the request extensions, and turns
//! away anonymous requests to anything but the public pages: the API answers 401, pages
//! redirect to the login form. What an authenticated actor may see or change is decided
//! in the service layer, not here.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::error::ApiError;
use crate::error::AppError;
use crate::service::auth::{Actor, Via, sessions, settings, tokens, users};
use crate::service::blocking;
use crate::state::AppState;

/// Session cookie name over https (`__Host-`: Secure, Path=/, no Domain, so no other host
/// or path can set or shadow it).
pub(crate) const SECURE_COOKIE: &str = "__Host-stafette_session";
/// Session cookie name over plain http (development, loopback).
pub(crate) const PLAIN_COOKIE: &str = "stafette_session";
/// Header the command line sends to reach the admin endpoints of a running server.
pub(crate) const CLI_HEADER: &str = "x-stafette-cli";

/// The raw session secret of this request, if it sent one.
#[derive(Debug, Clone)]
pub(crate) struct SessionSecret(pub(crate) String);

/// Finds the session secret among the request's cookies.
pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, v)| {
            (*k == SECURE_COOKIE || *k == PLAIN_COOKIE)
                && v.len() == 64
                && v.bytes().all(|b| b.is_ascii_hexdigit())
        })
        .map(|(_, v)| v.to_owned())
}

/// Whether this request reached us over https (directly or via a trusted proxy).
pub(crate) fn is_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.https()
        || (state.config.trust_proxy
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|p| p.eq_ignore_ascii_case("https")))
}

/// The `Set-Cookie` value for a new session.
pub(crate) fn session_set_cookie(
    state: &AppState,
    headers: &HeaderMap,
    secret: &str,
) -> Option<HeaderValue> {
    let v = if is_https(state, headers) {
        format!("{SECURE_COOKIE}={secret}; Path=/; HttpOnly; Secure; SameSite=Lax")
    } else {
        format!("{PLAIN_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax")
    };
    HeaderValue::from_str(&v).ok()
}

/// `Set-Cookie` values that delete the session cookie (both names).
pub(crate) fn session_clear_cookies() -> [HeaderValue; 2] {
    [
        HeaderValue::from_static(
            "__Host-stafette_session=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0",
        ),
        HeaderValue::from_static("stafette_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    ]
}

/// The client's socket address (`None` when the app runs without a socket, as in tests)
/// and the session secret the request carried, if any.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) addr: Option<SocketAddr>,
    pub(crate) secret: Option<String>,
}

impl Caller {
    /// The address as text for login throttling.
    pub(crate) fn addr_text(&self) -> String {
        self.addr
            .map_or_else(|| "lokal".to_owned(), |a| a.ip().to_string())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Caller {
            addr: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
            secret: parts.extensions.get::<SessionSecret>().map(|s| s.0.clone()),
        })
    }
}

/// Paths anyone may open without logging in.
fn public_path(path: &str) -> bool {
    matches!(
        path,
        "/anmelden" | "/abmelden" | "/einrichten" | "/healthz" | "/sprache"
    ) || path.starts_with("/anmelden/")
        || path.starts_with("/static/")
        || path.starts_with("/api/v1/admin/")
        || path == "/api/v1/openapi.json"
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

fn unauthenticated(api: bool, path_and_query: &str) -> Response {
    if api {
        let mut res = ApiError(AppError::Unauthenticated).into_response();
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"stafette\""),
        );
        res
    } else {
        let next: String =
            url::form_urlencoded::byte_serialize(path_and_query.as_bytes()).collect();
        Redirect::to(&format!("/anmelden?weiter={next}")).into_response()
    }
}

/// Whether the request comes from the loopback interface with the command line's secret.
pub(crate) fn cli_caller(state: &AppState, req: &Request) -> bool {
    let local = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|c| c.0.ip().is_loopback());
    local
        && req
            .headers()
            .get(CLI_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| crate::service::auth::same_secret(v, &state.auth.cli_secret))
}

/// Resolves the actor and enforces "logged in or explicitly public".
pub(crate) async fn authenticate(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let api = path.starts_with("/api/");
    let pq = req
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.as_str().to_owned());
    // The command line on this machine (it read the secret from the data directory).
    if cli_caller(&state, &req) {
        req.extensions_mut().insert(Actor::system("cli"));
        return next.run(req).await;
    }
    let store = state.store.clone();
    let timeouts = state.auth.timeouts;
    let token = bearer(req.headers()).map(str::to_owned);
    let secret = session_cookie(req.headers());
    let had_token = token.is_some();
    let resolved = {
        let secret = secret.clone();
        blocking(move || {
            if let Some(t) = token {
                return tokens::resolve_blocking(&store, &t);
            }
            if let Some(s) = secret {
                return Ok(sessions::resolve_blocking(&store, &s, timeouts)?.map(|(a, _)| a));
            }
            Ok(None)
        })
        .await
    };
    let actor = match resolved {
        Ok(Some(actor)) => actor,
        // A token that does not work is an error, never a silent downgrade to anonymous.
        Ok(None) if had_token => return unauthenticated(true, &pq),
        Ok(None) => Actor::anonymous(),
        Err(e) => return ApiError(e).into_response(),
    };
    if let (Via::Token(crate::domain::TokenScope::Read), false) = (
        actor.via,
        matches!(*req.method(), Method::GET | Method::HEAD),
    ) {
        return ApiError(AppError::Forbidden(
            "Dieses API-Token darf nur lesen.".to_owned(),
        ))
        .into_response();
    }
    if !actor.is_authenticated() && !public_path(&path) {
        let store = state.store.clone();
        let (anon_ok, has_admin) = match blocking(move || {
            Ok((settings::anonymous_read(&store)?, users::has_admin(&store)?))
        })
        .await
        {
            Ok(v) => v,
            Err(e) => return ApiError(e).into_response(),
        };
        if !has_admin && !api {
            return Redirect::to("/einrichten").into_response();
        }
        let reading = matches!(*req.method(), Method::GET | Method::HEAD);
        if !(anon_ok && reading) {
            return unauthenticated(api, &pq);
        }
    }
    if let Some(s) = secret {
        req.extensions_mut().insert(SessionSecret(s));
    }
    req.extensions_mut().insert(actor);
    next.run(req).await
}

impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Actor>()
            .cloned()
            .unwrap_or_else(Actor::anonymous))
    }
}

/// A local path to continue at after login: only same-site absolute paths, so the login
/// form cannot be abused as an open redirect (`//evil`, `/\evil`, `https://…`).
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.contains(['\r', '\n'])
                && !n.starts_with("/anmelden")
                && !n.starts_with("/abmelden") =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("/artikel/x?a=1")), "/artikel/x?a=1");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "javascript:x",
            "/anmelden",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
