//! TEST ONLY: an in-process OpenID Connect provider for integration tests.
//!
//! It serves discovery, JWKS, `/authorize` (redirects straight back with a code, as if
//! the configured user were already logged in), `/token` (checks client id, secret,
//! redirect URI and the PKCE verifier) and `/userinfo`, over real HTTP on
//! `127.0.0.1:0`. [`Misbehaviour`] makes it issue broken id_tokens for negative tests.
//!
//! Self-contained on purpose (axum, tokio, serde_json, jsonwebtoken, base64, sha2, url)
//! so it can be copied into `tests/integration/` of the main repo.
//!
//! The RSA keys below are fixed TEST ONLY keys, published here and worthless: ring
//! cannot generate RSA keys, and pulling in `rsa` just to generate 2048-bit keys per
//! run would cost build time and seconds of keygen in debug builds.
#![allow(dead_code)] // not every test binary uses every knob
#![allow(clippy::unwrap_used)] // test code: a panic is the right failure

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// TEST ONLY private key, published in JWKS as `key-a`. Never use outside tests.
const KEY_A_PEM: &str = "\
-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEAmGGjbTcNeZOEXJ+L9mWB4DbijS+EJin8h/60TN2xoG5FrZZm
CIc939NpV5+40KnGd8aSiXaP+ZSYoV3ei/t38Ob/Jrnk83oAq86xBDUTSREEaH3K
U7bRprtDfEJVxGvYJwglYOxy5zIWj/5rRdxAjr45bw/BwD9cOJ4dDw1KqmRaAPzi
MaSHF4XSZIfMcltqIiJwv6UlQ7rlGnsDc+i1GHg3r1nCu6epZBiFxeUmCQZlob7S
0EU4WnwVmn16U+p1wNMLzAgz4EL9isH9dHWJgo+PQa6P4943WpejSF9TNCgolixL
A/gAvSd6RmjUaAAunGOdN+hb1Bqn6bveGGf6FwIDAQABAoIBAEd9j2ne6UB/uBqo
c8bOyscBmPp6L3qkOiknkzl4zSwicChHpmkb4iiPjB2i/tdOv6FUFU3OxS9nys/y
NUXhXd000sI9dq/QLl5so1oA+KJQDIxlb7Yk0Glz8+5pRMnZetidFsRJSoMzWaiG
yZdGBTezAUkc0F68myyo6aM1LjGQF9DDGQN0TS6IYgmc0T8Xnmd9TtwAECKsOtrQ
JOG8UIkx+X1Vccp9ChlSoMu/BIa4Oj+tOnVg2pnR7J2wXjw1gVcIdcH/ZE3Bzh0E
98AOfkU2iSkuxq9xcmU9mVDqsCpQMjLtKdrKfySeF/w7wv7iEUkuTdFFayapOlCG
spGzAckCgYEAyu1vqcinYLEfG3S0pRUnn/Y+uiT+vbiyN9TrZFzu7YJVxNyKhPzf
eDlL7mrFXlpyIPDGHS5HmzhiDxKIvgPRvSiWHp3rZqd4CMErjzlVLa+cKVZFakKD
pj9lpqswAZMYXvbwoDwBF9kNpAwhH7JhKJqHSN8UC+2mv7WBFkFdSU0CgYEAwDwA
Cbi3VuI++mTsUO/GTGoWVSMfVJQhlXnBvyEXFb8xuJfJdj8DKy2B5caMRigEIw4T
zz8zLNwPEJm3LHWh5Vvzc33ZeZgXakK7ABgfLpda0h5VSmEmmOCDeAa3kKpXmF9i
3AelssVeHQvICouZaQsMND7TQm+2WU6BpH4l/vMCgYBQv1Y1ezCPGyvDoxbWsapI
zpV7QIlVOQ9BhCn+j7RLMheq9A7yiCTsE/CQ+E99EgRj8ysCJY48x5zNXpSm96IX
4PSLTk+DU5RB94u7vBaWzVAYasnIVJtKJePvBCNgHQYPk7eAKyBMOwRgiKsNj891
drfqWUoCzRgTJMgu8OeL6QKBgQC17tM2YCycPQnPnv6M5zDslybFsrTvLjbOqeo1
ApM/kLD0/Cq+D4rnLW2X0p5ls2+e4a7b4PuFBEv5sRFMMZRkZu70qfHOA6R9e+RR
hYLVbIeW/wBHocSOwUWLrgfDEYRPgE8m4NHwbJzSrpjHajFp2fvV4nO8l8+jnApU
bNN3AwKBgQCQ6lHSDk2bWRcW3KVBPqkqF8q7z9XSvCjXtangGIf2QeaeWAE0uKfC
3A9Tr6IaeRPmxWm8oF69dKKdxENGcXvyTdchFaGUZ7d0T3HwnOjgsEw4dSGMslno
/GD8AOCjkBAiyPkLnIPeoL2WT6qgVfNkGC/Oxqjx0zJ8Yl92BaVFAw==
-----END RSA PRIVATE KEY-----
";
const KEY_A_N: &str = "mGGjbTcNeZOEXJ-L9mWB4DbijS-EJin8h_60TN2xoG5FrZZmCIc939NpV5-40KnGd8aSiXaP-ZSYoV3ei_t38Ob_Jrnk83oAq86xBDUTSREEaH3KU7bRprtDfEJVxGvYJwglYOxy5zIWj_5rRdxAjr45bw_BwD9cOJ4dDw1KqmRaAPziMaSHF4XSZIfMcltqIiJwv6UlQ7rlGnsDc-i1GHg3r1nCu6epZBiFxeUmCQZlob7S0EU4WnwVmn16U-p1wNMLzAgz4EL9isH9dHWJgo-PQa6P4943WpejSF9TNCgolixLA_gAvSd6RmjUaAAunGOdN-hb1Bqn6bveGGf6Fw";
/// TEST ONLY private key `key-b`, published only after [`TestProvider::rotate_key`].
const KEY_B_PEM: &str = "\
-----BEGIN RSA PRIVATE KEY-----
MIIEpQIBAAKCAQEA39Vfd5KDPRL9ZqmNmwihokxSLSXOSNnfO3WfoUjYZ/AhLhNJ
caqqAWFuEtLPLrw6bjUCJaYWtdN/TM5n6DFACy57siNYBUbVkHBmoDU7cPIWNtQ5
GW0YmqtPEJOvkVGKwruUIjwbwL04ZYyY5zfUMcwgJy9ivE4GAAqDKEZpSeWN8t1c
6812KrwEvRkuoJRSu+hLxUGGZhpN162jFCxp4RPLktFxx4GSL6qZb3doPHfbsuUQ
ezlmSa9KDJWa1USPocCcDoDp6TzJbht/exUBQ2QXBpwQ1V4E68b+6hfQUzrr/qyF
EJ/8tuHemI5R3A1xZxbT1jT1HFVCUTKNrKMDmQIDAQABAoIBAB66/GITPcIV0wUp
mXpug0UgC1bizjaBoGdZF8hx6DF6Q2PrBqCnbghwfZycpWXk4R9zrE7KRcCYP+2l
7O1w+DpQxcTIRh5mAjjUEGhFxq++sj68K6FfsWASzZvDWvhYOfUlrF8i4is3ugAf
Kc2c2ZzYn0Ah/lacs7AvwUq3QrSqoLQI7oqrtmc/+f+g/r9ww2DjYhGxw1F9W6nd
qFxofz7hg7eCps1DhNGv1IkQiR2U36bPj9ol+gXQzHCkxoRECs5ctkTStONiE6i2
/Faj0SRmMCbMhX/s6v4hodB6V8xr4D2sxrP0DAdHoAr6qxm85ycUaysdtkAgzfyl
6T38PH0CgYEA+7dKQ2KPSsYuWYF1CiXOQCOyAkAyooDUsJ1v+f5CI3jsMg/58dP4
ChWaVrmrJleWEAq8GSJc2B6+kBb9hRyq1fCnZ6ZVuKLE+YaK6moCaDVB0D++ousj
QCkx3Clo+kyOCny1cpMyY4T4jrvWLw8A8MR9288EqfBooGXx64gEJG8CgYEA46SZ
xP+ChKWwEc20GkzngjiSxCxg7QpYKQ/UOwXJeG7xSX6QRDu9JBGfkOrvM1oTS4mu
msERBACK7/7pIUpTBUH/khViVLH6nQnjRXDRbjDuOPCrhDCDPNqT/80cpvbHrsC/
kik1VxeTKP+vb9ivfyCwcaxAI+58XimLv9I9LHcCgYEAvTnNzxhhphGTuF+Uj5ta
EGeFIyIFrpnwyhCgpCtapvX5gaz29a+mkFYrHzUWj41aVxbqzm5Bo4qBMSrHTPD/
EDOIdWfamyFpuDdHaO9mfdZDcnzpH+pqJoqRW/OZYkh4ozOa59X2FFBa1looqlm6
GEVuY/adh+8diC77DVfD3WsCgYEAw6fNokwZ2fiuhB7RFWnT8VC+lG2wQQwLCf/Y
4YHvz9tK92gYhwzxW/bptpy2SuS4gMwtjkUyYsY0pGHr7fj7siEvkFdg1HrEdATz
mdOFrbfQiJASWuN3aO5VFh8s6TRiHAj+nplchyZ0DWD1YKRU8mceQBVUa42mxyfe
PVhty7ECgYEA7Kbvi2NqApzyw9tOTp3ZEkpXnQotc+GIeYl0zrMeObdGpZfAL3ZJ
GMIvGnROxYIuoSbP3e4tVhmkc5IQ55CeshYmsM02dBQ2Sv/wwYaRwktu8PVyyzmP
YpQ9LTohS4zyGF0N5POvRSveQTKuUgVujzpPIN5q2AZwpmGgKnOHenQ=
-----END RSA PRIVATE KEY-----
";
const KEY_B_N: &str = "39Vfd5KDPRL9ZqmNmwihokxSLSXOSNnfO3WfoUjYZ_AhLhNJcaqqAWFuEtLPLrw6bjUCJaYWtdN_TM5n6DFACy57siNYBUbVkHBmoDU7cPIWNtQ5GW0YmqtPEJOvkVGKwruUIjwbwL04ZYyY5zfUMcwgJy9ivE4GAAqDKEZpSeWN8t1c6812KrwEvRkuoJRSu-hLxUGGZhpN162jFCxp4RPLktFxx4GSL6qZb3doPHfbsuUQezlmSa9KDJWa1USPocCcDoDp6TzJbht_exUBQ2QXBpwQ1V4E68b-6hfQUzrr_qyFEJ_8tuHemI5R3A1xZxbT1jT1HFVCUTKNrKMDmQ";

/// TEST ONLY P-256 private key (PKCS#8), published as `key-ec`. Never use outside tests.
const KEY_EC_PEM: &str = "\
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgIaap91rEDiihDfDm
KjVhyM0rfVS8BB2Z4IOrGN9eJn6hRANCAATPSCMuA4PhUAMnZuWe76oSH52dy7OB
S/JGDxB/s76P5b0furDSILdvG9511Pa9fgDUYryi0TYZfhu/NVZyiwCc
-----END PRIVATE KEY-----
";
const KEY_EC_X: &str = "z0gjLgOD4VADJ2blnu-qEh-dncuzgUvyRg8Qf7O-j-U";
const KEY_EC_Y: &str = "vR-6sNIgt28b3nXU9r1-ANRivKLRNhl-G781VnKLAJw";

/// Ways the provider can break its id_tokens (or discovery) on purpose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Misbehaviour {
    /// Behave.
    #[default]
    None,
    /// `aud` is another client.
    WrongAudience,
    /// `iss` differs from the discovered issuer.
    WrongIssuer,
    /// `exp` an hour in the past.
    Expired,
    /// `iat` an hour in the future.
    IssuedInFuture,
    /// `nonce` is not the one sent to `/authorize`.
    WrongNonce,
    /// Unsigned token with `alg: none`.
    AlgNone,
    /// HS256 signed with the client secret (the classic alg confusion).
    Hs256WithSecret,
    /// Header names `key-a` but the signature was made with another key.
    BadSignature,
    /// Signed with a key whose `kid` is never published.
    UnknownKid,
    /// `aud` lists two clients and `azp` is missing.
    MultipleAudiencesWithoutAzp,
    /// The discovery document names another issuer.
    DiscoveryIssuerMismatch,
}

/// The user the provider pretends is logged in.
#[derive(Clone, Debug)]
pub(crate) struct ProviderUser {
    pub(crate) subject: String,
    pub(crate) preferred_username: String,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) groups: Vec<String>,
}

/// Client registration and behaviour of the provider.
#[derive(Clone, Debug)]
pub(crate) struct ProviderSettings {
    pub(crate) client_id: String,
    /// `None` registers a public client.
    pub(crate) client_secret: Option<String>,
    pub(crate) redirect_uri: String,
    /// Advertised `token_endpoint_auth_methods_supported`.
    pub(crate) auth_methods: Vec<String>,
    pub(crate) user: ProviderUser,
    /// Put the groups into the id_token (else only userinfo has them).
    pub(crate) groups_in_id_token: bool,
    /// Sign id_tokens with ES256 (`key-ec`) instead of RS256.
    pub(crate) es256: bool,
    pub(crate) misbehaviour: Misbehaviour,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        Self {
            client_id: "stafette".to_owned(),
            client_secret: Some("test-secret".to_owned()),
            redirect_uri: "http://127.0.0.1:9/anmelden/oidc/callback".to_owned(),
            auth_methods: vec![
                "client_secret_basic".to_owned(),
                "client_secret_post".to_owned(),
            ],
            user: ProviderUser {
                subject: "f3c1a2b4-0000-4000-8000-000000000001".to_owned(),
                preferred_username: "erika".to_owned(),
                name: "Erika Mustermann".to_owned(),
                email: "erika@example.de".to_owned(),
                groups: vec!["redaktion".to_owned(), "stadt-alle".to_owned()],
            },
            groups_in_id_token: true,
            es256: false,
            misbehaviour: Misbehaviour::None,
        }
    }
}

struct Grant {
    redirect_uri: String,
    challenge: String,
    nonce: String,
}

struct ProviderState {
    settings: ProviderSettings,
    /// Codes are single use: removed on redemption.
    grants: HashMap<String, Grant>,
    access_tokens: HashSet<String>,
    next_id: u64,
    rotated: bool,
    jwks_fetches: usize,
    /// How the last token request authenticated: "basic", "post" or "none".
    last_client_auth: Option<&'static str>,
}

#[derive(Clone)]
struct Shared {
    issuer: String,
    state: Arc<Mutex<ProviderState>>,
}

/// A running provider; the server stops when this is dropped.
pub(crate) struct TestProvider {
    issuer: String,
    state: Arc<Mutex<ProviderState>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestProvider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestProvider {
    /// Binds `127.0.0.1:0` and serves a Keycloak-like realm path as issuer.
    pub(crate) async fn start(settings: ProviderSettings) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let issuer = format!(
            "http://{}/realms/test",
            listener.local_addr().expect("addr")
        );
        let state = Arc::new(Mutex::new(ProviderState {
            settings,
            grants: HashMap::new(),
            access_tokens: HashSet::new(),
            next_id: 0,
            rotated: false,
            jwks_fetches: 0,
            last_client_auth: None,
        }));
        let shared = Shared {
            issuer: issuer.clone(),
            state: state.clone(),
        };
        let realm = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state(shared);
        let app = Router::new().nest("/realms/test", realm);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            issuer,
            state,
            task,
        }
    }

    pub(crate) fn issuer(&self) -> &str {
        &self.issuer
    }

    pub(crate) fn set_misbehaviour(&self, misbehaviour: Misbehaviour) {
        self.state.lock().unwrap().settings.misbehaviour = misbehaviour;
    }

    /// From now on sign with `key-b` and publish both keys.
    pub(crate) fn rotate_key(&self) {
        self.state.lock().unwrap().rotated = true;
    }

    pub(crate) fn jwks_fetches(&self) -> usize {
        self.state.lock().unwrap().jwks_fetches
    }

    pub(crate) fn last_client_auth(&self) -> Option<&'static str> {
        self.state.lock().unwrap().last_client_auth
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn oauth_error(status: StatusCode, error: &str) -> Response {
    (status, axum::Json(json!({ "error": error }))).into_response()
}

async fn discovery(State(shared): State<Shared>) -> axum::Json<Value> {
    let state = shared.state.lock().unwrap();
    let base = &shared.issuer;
    let issuer = if state.settings.misbehaviour == Misbehaviour::DiscoveryIssuerMismatch {
        format!("{base}-evil")
    } else {
        base.clone()
    };
    axum::Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": state.settings.auth_methods,
    }))
}

fn rsa_jwk(kid: &str, n: &str) -> Value {
    json!({ "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": "AQAB" })
}

async fn jwks(State(shared): State<Shared>) -> axum::Json<Value> {
    let mut state = shared.state.lock().unwrap();
    state.jwks_fetches += 1;
    let ec = json!({
        "kty": "EC", "use": "sig", "alg": "ES256", "kid": "key-ec",
        "crv": "P-256", "x": KEY_EC_X, "y": KEY_EC_Y,
    });
    let mut keys = vec![rsa_jwk("key-a", KEY_A_N), ec];
    if state.rotated {
        keys.push(rsa_jwk("key-b", KEY_B_N));
    }
    axum::Json(json!({ "keys": keys }))
}

async fn authorize(
    State(shared): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut state = shared.state.lock().unwrap();
    let p = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let scopes: Vec<&str> = p("scope").split(' ').collect();
    if p("response_type") != "code"
        || p("client_id") != state.settings.client_id
        || p("redirect_uri") != state.settings.redirect_uri
        || p("code_challenge_method") != "S256"
        || p("code_challenge").len() != 43
        || p("state").is_empty()
        || !scopes.contains(&"openid")
    {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    }
    state.next_id += 1;
    let code = format!("code-{}", state.next_id);
    state.grants.insert(
        code.clone(),
        Grant {
            redirect_uri: p("redirect_uri").to_owned(),
            challenge: p("code_challenge").to_owned(),
            nonce: p("nonce").to_owned(),
        },
    );
    let mut location = url::Url::parse(p("redirect_uri")).unwrap();
    location
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", p("state"));
    Redirect::to(location.as_str()).into_response()
}

/// Client authentication: returns the method used, or `None` if it failed.
fn authenticate_client(
    settings: &ProviderSettings,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Option<&'static str> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let form_secret = form.get("client_secret");
    match (&settings.client_secret, basic, form_secret) {
        (None, None, None) => Some("none"),
        (Some(secret), Some(creds), None) => {
            let advertised = settings
                .auth_methods
                .iter()
                .any(|m| m == "client_secret_basic");
            // Test ids and secrets need no form-urldecoding.
            (advertised && creds == format!("{}:{secret}", settings.client_id)).then_some("basic")
        }
        (Some(secret), None, Some(given)) => {
            let advertised = settings
                .auth_methods
                .iter()
                .any(|m| m == "client_secret_post");
            (advertised && given == secret).then_some("post")
        }
        _ => None,
    }
}

async fn token(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut state = shared.state.lock().unwrap();
    let f = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if f("grant_type") != "authorization_code" {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let settings = state.settings.clone();
    if f("client_id") != settings.client_id {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let Some(method) = authenticate_client(&settings, &headers, &form) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    };
    state.last_client_auth = Some(method);
    let Some(grant) = state.grants.remove(f("code")) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(f("code_verifier").as_bytes()));
    if grant.redirect_uri != f("redirect_uri") || grant.challenge != challenge {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    }

    let access_token = format!("access-{}", f("code"));
    state.access_tokens.insert(access_token.clone());
    let id_token = id_token(&shared.issuer, &settings, &grant.nonce, state.rotated);
    axum::Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}

/// PEM to DER by hand, so the provider needs no `use_pem` feature of jsonwebtoken.
fn pem_to_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

fn id_token(issuer: &str, settings: &ProviderSettings, nonce: &str, rotated: bool) -> String {
    let user = &settings.user;
    let now = now();
    let mut claims = json!({
        "iss": issuer,
        "sub": user.subject,
        "aud": settings.client_id,
        "exp": now + 300,
        "iat": now,
        "nonce": nonce,
        "preferred_username": user.preferred_username,
        "name": user.name,
        "email": user.email,
    });
    if settings.groups_in_id_token {
        claims["groups"] = json!(user.groups);
    }
    let (mut kid, mut pem) = if rotated {
        ("key-b", KEY_B_PEM)
    } else {
        ("key-a", KEY_A_PEM)
    };
    match settings.misbehaviour {
        Misbehaviour::None | Misbehaviour::DiscoveryIssuerMismatch => {}
        Misbehaviour::WrongAudience => claims["aud"] = json!("another-app"),
        Misbehaviour::WrongIssuer => claims["iss"] = json!(format!("{issuer}-evil")),
        Misbehaviour::Expired => {
            claims["iat"] = json!(now - 7200);
            claims["exp"] = json!(now - 3600);
        }
        Misbehaviour::IssuedInFuture => claims["iat"] = json!(now + 3600),
        Misbehaviour::WrongNonce => claims["nonce"] = json!("not-the-nonce"),
        Misbehaviour::MultipleAudiencesWithoutAzp => {
            claims["aud"] = json!([settings.client_id, "another-app"]);
        }
        Misbehaviour::BadSignature => (kid, pem) = ("key-a", KEY_B_PEM),
        Misbehaviour::UnknownKid => (kid, pem) = ("key-never-published", KEY_B_PEM),
        Misbehaviour::AlgNone => {
            let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
            let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
            return format!("{header}.{payload}.");
        }
        Misbehaviour::Hs256WithSecret => {
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some(kid.to_owned());
            let secret = settings.client_secret.clone().unwrap_or_default();
            let key = EncodingKey::from_secret(secret.as_bytes());
            return jsonwebtoken::encode(&header, &claims, &key).unwrap();
        }
    }
    if settings.es256 {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some("key-ec".to_owned());
        let key = EncodingKey::from_ec_der(&pem_to_der(KEY_EC_PEM));
        return jsonwebtoken::encode(&header, &claims, &key).unwrap();
    }
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let key = EncodingKey::from_rsa_der(&pem_to_der(pem));
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

async fn userinfo(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    let state = shared.state.lock().unwrap();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match bearer {
        Some(token) if state.access_tokens.contains(token) => {
            let user = &state.settings.user;
            axum::Json(json!({
                "sub": user.subject,
                "preferred_username": user.preferred_username,
                "groups": user.groups,
            }))
            .into_response()
        }
        _ => oauth_error(StatusCode::UNAUTHORIZED, "invalid_token"),
    }
}
