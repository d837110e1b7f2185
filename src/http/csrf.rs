//! CSRF protection for every state-changing request.
//!
//! Two independent checks:
//! 1. Cross-origin writes are refused outright: `Sec-Fetch-Site: cross-site` or an `Origin`
//!    header that does not match `Host`.
//! 2. Browser forms and the editor's fetch calls must echo the per-browser token from the
//!    `stafette_csrf` cookie (double submit), as form field `_csrf` or header
//!    `X-CSRF-Token`. Once logged in, the token is derived from the session secret instead
//!    (see `sessions::csrf_token`). API clients that send no cookies (bearer tokens) carry
//!    no ambient authority and only need check 1.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};

use super::error::{ApiError, HtmlError};
use super::i18n::Lang;
use super::views::Layout;
use crate::error::AppError;

/// Cookie holding the token.
pub(crate) const COOKIE: &str = "stafette_csrf";
/// Form field carrying the token.
pub(crate) const FIELD: &str = "_csrf";
/// Header carrying the token.
pub(crate) const HEADER: &str = "x-csrf-token";
/// Largest form body we buffer to find the token (an article body is capped at 512 KiB,
/// URL-encoding can triple it).
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;
/// Largest multipart form (a BPMN upload plus its fields) we buffer to find the token.
const MAX_MULTIPART_BYTES: usize = crate::service::processes::MAX_UPLOAD_BYTES + 64 * 1024;

/// The current browser's token, put into request extensions for templates.
#[derive(Debug, Clone)]
pub(crate) struct CsrfToken(pub(crate) String);

fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

fn cookie_token(req: &Request) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, v)| *k == COOKIE && v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|(_, v)| v.to_owned())
}

fn cross_origin(req: &Request) -> bool {
    let h = req.headers();
    if h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    origin_host != Some(host)
}

fn refuse(req: &Request, message: &str) -> Response {
    let err = AppError::Forbidden(message.to_owned());
    if req.uri().path().starts_with("/api/") {
        ApiError(err).into_response()
    } else {
        let lang = Lang::negotiate(
            None,
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        HtmlError {
            error: err,
            layout: Layout::new(lang, String::new(), "/".to_owned()),
        }
        .into_response()
    }
}

/// What [`guard`] decided for a request that may proceed.
#[derive(Debug)]
pub(crate) struct Passed {
    /// A token minted for a browser without one; [`finish`] sets it as cookie.
    new_token: Option<String>,
}

/// Enforces both checks and puts the browser's token into the request extensions. Returns
/// the (possibly rebuilt) request, or the refusal to send instead.
pub(crate) async fn guard(mut req: Request) -> Result<(Request, Passed), Response> {
    // Logged in: the token is bound to the session (derived from its secret), so a token
    // planted in the browser before login, or by a sibling host, is worthless.
    let session = super::auth::session_cookie(req.headers());
    let cookie = cookie_token(&req);
    let existing = match &session {
        Some(secret) => Some(crate::service::auth::sessions::csrf_token(secret)),
        None => cookie.clone(),
    };
    let token = existing.clone().unwrap_or_else(new_token);
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method {
        if cross_origin(&req) {
            return Err(refuse(
                &req,
                "Anfragen von fremden Websites sind nicht erlaubt.",
            ));
        }
        let is_api = req.uri().path().starts_with("/api/");
        let header_token = req
            .headers()
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // The API demands the token whenever the browser's session cookie comes along
        // (ambient authority); bearer-token clients send no cookies and need only check 1.
        let needs_token =
            !is_api || session.is_some() || (existing.is_some() && header_token.is_some());
        if needs_token {
            let supplied = match header_token {
                Some(t) => Some(t),
                None => {
                    let is_form = req
                        .headers()
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
                    let multipart = req
                        .headers()
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .and_then(super::multipart::boundary);
                    if is_form {
                        let (parts, body) = req.into_parts();
                        let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
                            let r = Request::from_parts(parts, Body::empty());
                            return Err(refuse(&r, "Das Formular ist zu groß."));
                        };
                        let field = form_urlencoded_field(&bytes, FIELD);
                        req = Request::from_parts(parts, Body::from(bytes));
                        field
                    } else if let Some(boundary) = multipart {
                        // File uploads (BPMN import): the token is one of the parts.
                        let (parts, body) = req.into_parts();
                        let Ok(bytes) = to_bytes(body, MAX_MULTIPART_BYTES).await else {
                            let r = Request::from_parts(parts, Body::empty());
                            return Err(refuse(&r, "Die Datei ist zu groß."));
                        };
                        let field = super::multipart::parse(&bytes, &boundary)
                            .and_then(|p| super::multipart::field(&p, FIELD));
                        req = Request::from_parts(parts, Body::from(bytes));
                        field
                    } else {
                        None
                    }
                }
            };
            let ok = matches!((&existing, &supplied), (Some(c), Some(s)) if crate::service::auth::same_secret(c, s));
            if !ok {
                return Err(refuse(
                    &req,
                    "Die Sicherheitsprüfung (CSRF) ist fehlgeschlagen. Bitte laden Sie die Seite neu und versuchen Sie es erneut.",
                ));
            }
        }
    }
    req.extensions_mut().insert(CsrfToken(token.clone()));
    Ok((
        req,
        Passed {
            new_token: (session.is_none() && cookie.is_none()).then_some(token),
        },
    ))
}

/// Sets the cookie for a freshly minted token on the response.
pub(crate) fn finish(res: &mut Response, passed: &Passed) {
    if let Some(token) = &passed.new_token
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
        ))
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_exactly() {
        let t = new_token();
        assert_eq!(t.len(), 64);
        assert!(crate::service::auth::same_secret(&t, &t.clone()));
        assert!(!crate::service::auth::same_secret(&t, &new_token()));
        assert!(!crate::service::auth::same_secret(&t, &t[..63]));
    }

    #[test]
    fn form_field_is_found() {
        assert_eq!(
            form_urlencoded_field(b"a=1&_csrf=abc&b=2", "_csrf").as_deref(),
            Some("abc")
        );
        assert_eq!(form_urlencoded_field(b"a=1", "_csrf"), None);
    }
}
