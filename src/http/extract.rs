//! Request extractors with our own rejections: JSON and query errors become problem+json,
//! and the page context (language, CSRF token) is available to every HTML handler.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::csrf::CsrfToken;
use super::error::{ApiError, HtmlError};
use super::i18n::Lang;
use super::views::Layout;
use crate::error::AppError;

/// `axum::Json` with problem+json rejections in German.
#[derive(Debug)]
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => {
                let msg = match rejection.status().as_u16() {
                    415 => "Erwartet wird Content-Type: application/json.".to_owned(),
                    413 => {
                        return Err(ApiError(AppError::TooLarge(
                            "Die Anfrage ist zu groß.".to_owned(),
                        )));
                    }
                    _ => format!("Ungültiges JSON: {}", rejection.body_text()),
                };
                Err(ApiError(AppError::Invalid(msg)))
            }
        }
    }
}

/// `axum::extract::Query` with problem+json rejections.
#[derive(Debug)]
pub(crate) struct ApiQuery<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|r| {
                ApiError(AppError::Invalid(format!(
                    "Ungültige Parameter: {}",
                    r.body_text()
                )))
            })
    }
}

fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl<S: Send + Sync> FromRequestParts<S> for Layout {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let lang = Lang::negotiate(
            cookie(parts, "lang"),
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        let mut layout = Layout::new(lang, csrf, path);
        layout.user = parts
            .extensions
            .get::<crate::service::Actor>()
            .and_then(super::views::LayoutUser::of);
        Ok(layout)
    }
}

impl Layout {
    /// Wraps an error as an HTML error page in this layout.
    pub(crate) fn error(&self, error: impl Into<AppError>) -> HtmlError {
        HtmlError {
            error: error.into(),
            layout: self.clone(),
        }
    }
}

/// `axum::Form` whose rejection is an HTML error page.
#[derive(Debug)]
pub(crate) struct HtmlForm<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for HtmlForm<T> {
    type Rejection = HtmlError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Ok(layout) = Layout::from_request_parts(&mut parts, state).await;
        let req = Request::from_parts(parts, body);
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|f| HtmlForm(f.0))
            .map_err(|r| {
                layout.error(AppError::Invalid(format!(
                    "Ungültige Formulardaten: {}",
                    r.body_text()
                )))
            })
    }
}
