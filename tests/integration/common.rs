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
    /// API token of the admin `admin` (sent by default on `/api/` requests).
    pub(crate) admin_token: String,
    /// Session secret of the admin (sent by default as cookie on pages).
    pub(crate) admin_session: String,
}

/// Who a request is sent as.
#[derive(Debug, Clone)]
pub(crate) enum As {
    /// Nobody logged in.
    Anonymous,
    /// A bearer token.
    Token(String),
    /// A session cookie (secret).
    Session(String),
}

/// Creates a user directly in the store (no password hashing: fast) and returns
/// (write token, session secret).
pub(crate) fn make_user(
    state: &AppState,
    login: &str,
    role: &str,
    groups: &[&str],
) -> (String, String) {
    use stafette::service::auth::{sessions, tokens, users};
    let input = users::NewUser {
        login: login.to_owned(),
        display_name: login.to_owned(),
        unit: "Testamt".to_owned(),
        role: Some(role.parse().unwrap()),
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        password: None,
        email: None,
    };
    let user = users::create_blocking(&state.store, "test", &input, None).unwrap();
    let (_, token) = tokens::create_blocking(
        &state.store,
        "test",
        login,
        "test",
        stafette::domain::TokenScope::Write,
    )
    .unwrap();
    let (secret, _) = sessions::start_blocking(&state.store, &user, "test", "test").unwrap();
    (token, secret)
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
        Self::with_config(dir, config)
    }

    /// An app over `config` (whose data directory is `dir`) with the admin `admin`.
    pub(crate) fn with_config(dir: TempDir, config: Config) -> Self {
        let mut app = Self::without_admin(dir, config);
        let (admin_token, admin_session) = make_user(&app.state, "admin", "admin", &[]);
        app.admin_token = admin_token;
        app.admin_session = admin_session;
        app
    }

    /// An app over `config` without any account (first-run state).
    pub(crate) fn without_admin(dir: TempDir, config: Config) -> Self {
        let state = stafette::open_state(config).unwrap();
        stafette::start_background(&state);
        let router = stafette::app(state.clone());
        TestApp {
            state,
            router,
            dir,
            admin_token: String::new(),
            admin_session: String::new(),
        }
    }

    /// The CSRF token that belongs to a session.
    pub(crate) fn csrf_for(secret: &str) -> String {
        stafette::service::auth::sessions::csrf_token(secret)
    }

    /// Sends as the admin: a bearer token on the API, the session cookie on pages, unless
    /// the request carries its own credentials.
    pub(crate) async fn send(&self, req: Request<Body>) -> Res {
        let has_auth = req.headers().contains_key(header::AUTHORIZATION)
            || req
                .headers()
                .get(header::COOKIE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|c| c.contains("stafette_session="));
        let who = if has_auth {
            As::Anonymous
        } else if req.uri().path().starts_with("/api/") {
            As::Token(self.admin_token.clone())
        } else {
            As::Session(self.admin_session.clone())
        };
        self.send_as(req, who).await
    }

    /// Sends with the given credentials added (`Anonymous` adds none).
    pub(crate) async fn send_as(&self, mut req: Request<Body>, who: As) -> Res {
        match who {
            As::Anonymous => {}
            As::Token(t) => {
                req.headers_mut().insert(
                    header::AUTHORIZATION,
                    format!("Bearer {t}").parse().unwrap(),
                );
            }
            As::Session(s) => {
                let existing = req
                    .headers()
                    .get(header::COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let cookie = match existing {
                    Some(c) => format!("{c}; stafette_session={s}"),
                    None => format!("stafette_session={s}"),
                };
                req.headers_mut()
                    .insert(header::COOKIE, cookie.parse().unwrap());
            }
        }
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

    /// Posts a browser form as the admin, with the session's CSRF token.
    pub(crate) async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Res {
        let secret = self.admin_session.clone();
        self.post_form_as(path, fields, Some(&secret)).await
    }

    /// Posts a browser form with a valid CSRF token, logged in with `session` or anonymous.
    pub(crate) async fn post_form_as(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        session: Option<&str>,
    ) -> Res {
        let token = session.map_or_else(|| CSRF.to_owned(), Self::csrf_for);
        let mut all: Vec<(&str, &str)> = vec![("_csrf", &token)];
        all.extend_from_slice(fields);
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(all)
            .finish();
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("stafette_csrf={CSRF}"))
            .body(Body::from(body))
            .unwrap();
        let who = session.map_or(As::Anonymous, |s| As::Session(s.to_owned()));
        self.send_as(req, who).await
    }

    /// GET as someone else.
    pub(crate) async fn get_as(&self, path: &str, who: As) -> Res {
        self.send_as(Request::get(path).body(Body::empty()).unwrap(), who)
            .await
    }

    /// JSON request as someone else.
    pub(crate) async fn json_as(&self, method: &str, path: &str, body: Value, who: As) -> Res {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send_as(req, who).await
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
