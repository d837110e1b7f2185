//! Test helpers: a real app on a temporary data directory, driven through `oneshot`.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use serde_json::Value;
use stafette::config::Config;
use stafette::state::AppState;
use tempfile::TempDir;
use tower::ServiceExt;

/// A fixed CSRF token the tests send as cookie and form field (double submit).
pub(crate) const CSRF: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

pub(crate) struct TestApp {
    pub(crate) state: AppState,
    pub(crate) router: Router,
    pub(crate) dir: TempDir,
}

#[derive(Debug)]
pub(crate) struct Res {
    pub(crate) status: u16,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) text: String,
}

impl Res {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    pub(crate) fn new() -> Self {
        Self::build(false)
    }

    /// A test app with a synthetic embedding model (real file format, meaningless vectors)
    /// at the default model path, so semantic search runs without the real 72 MB model.
    pub(crate) fn with_model() -> Self {
        Self::build(true)
    }

    fn build(model: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::for_dir(dir.path());
        if model {
            std::fs::create_dir_all(config.model_path.parent().unwrap()).unwrap();
            let spec = stafette_index::embed::SyntheticSpec {
                max_pos: 512,
                ..Default::default()
            };
            std::fs::write(
                &config.model_path,
                stafette_index::embed::synthetic_model_bytes(&spec),
            )
            .unwrap();
        }
        let state = stafette::open_state(config).unwrap();
        stafette::start_background(&state);
        let router = stafette::app(state.clone());
        TestApp { state, router, dir }
    }

    pub(crate) async fn send(&self, req: Request<Body>) -> Res {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Res {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Res {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub(crate) async fn json(&self, method: &str, path: &str, body: Value) -> Res {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(req).await
    }

    pub(crate) async fn post_json(&self, path: &str, body: Value) -> Res {
        self.json("POST", path, body).await
    }

    pub(crate) async fn put_json(&self, path: &str, body: Value) -> Res {
        self.json("PUT", path, body).await
    }

    pub(crate) async fn delete(&self, path: &str) -> Res {
        self.send(Request::delete(path).body(Body::empty()).unwrap())
            .await
    }

    /// Posts a browser form with a valid CSRF cookie and field.
    pub(crate) async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Res {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", CSRF)];
        all.extend_from_slice(fields);
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(all)
            .finish();
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("stafette_csrf={CSRF}"))
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Creates an article through the API and returns its JSON.
    pub(crate) async fn create(&self, title: &str, body: &str) -> Value {
        let res = self
            .post_json(
                "/api/v1/articles",
                serde_json::json!({ "title": title, "body": body }),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
        res.json()
    }
}
