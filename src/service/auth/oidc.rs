//! OpenID Connect relying party: owns the login flow against an external identity
//! provider (Keycloak, Authentik, …) — discovery, the authorization-code flow with
//! PKCE (S256), id_token validation and the mapping of claims to an [`Identity`].
//!
//! It does not own sessions or accounts: the caller stores the [`PendingLogin`]
//! (e.g. in a short-lived signed cookie) between [`OidcClient::begin`] and
//! [`OidcClient::finish`], and turns the returned [`Identity`] into a local account.
//!
//! # Choices
//! - **JWT verification with `jsonwebtoken` 9** rather than hand-rolled `rsa` + `sha2`:
//!   it covers RS256/RS384/RS512/PS*/ES256/ES384 from JWKs, checks that the key type
//!   matches the algorithm, and verifies with `ring`, which rustls already links, so it
//!   adds no second crypto library. Claim checks specific to OIDC (nonce, `azp`, `iat`)
//!   are done here.
//! - **Plain http only for loopback issuers.** Tokens and client secrets travel over
//!   these connections, so production issuers must be https. Loopback traffic never
//!   leaves the host, which is what the in-test provider and local Keycloak setups
//!   need. The same rule applies to every endpoint named in the discovery document,
//!   and redirects are not followed, so a provider cannot downgrade us to http.
//! - Nothing here logs tokens, codes or secrets; `OidcConfig`'s `Debug` redacts the
//!   client secret.

use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use url::{Host, Url};

/// How long a [`PendingLogin`] stays valid: long enough to type a password and do
/// 2FA at the provider, short enough that a leaked state cookie is soon useless.
pub const PENDING_MAX_AGE_SECS: i64 = 600;
/// Clock skew tolerated between us and the provider.
const LEEWAY_SECS: i64 = 60;
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Signature algorithms accepted for id_tokens. `none` cannot even be parsed by
/// `jsonwebtoken`; HS* is excluded because it would make the client secret (or a
/// public JWK) a signing key.
const ALLOWED_ALGS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// Errors of the OIDC login flow.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The configuration cannot work (bad URL, http to a non-loopback host). Startup error.
    #[error("invalid OIDC configuration: {0}")]
    Config(String),
    /// The provider's discovery document or JWKS is unusable. Startup error / 502.
    #[error("OIDC discovery failed: {0}")]
    Discovery(String),
    /// The `state` returned to the callback is not the one we issued (CSRF or a
    /// second login tab). The user should start again: 400.
    #[error("login state does not match")]
    StateMismatch,
    /// The pending login is older than [`PENDING_MAX_AGE_SECS`]. Start again: 400.
    #[error("login attempt expired")]
    Expired,
    /// The token endpoint answered with an error (bad code, PKCE mismatch, bad
    /// client credentials). `body` is a short excerpt of the provider's error JSON: 502.
    #[error("token endpoint returned {status}: {body}")]
    TokenEndpoint {
        /// HTTP status returned by the provider.
        status: u16,
        /// First characters of the response body.
        body: String,
    },
    /// The id_token (or userinfo answer) failed validation: 502, and worth a warning.
    #[error("invalid id token: {0}")]
    InvalidToken(String),
    /// Transport failure or undecodable response from the provider: 502.
    #[error("request to identity provider failed: {0}")]
    Http(#[from] reqwest::Error),
}

/// `[auth.oidc]` section of the server config.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// Issuer URL exactly as the provider reports it, e.g. `https://login.example.de/realms/stadt`.
    pub issuer: String,
    /// Client id registered at the provider.
    pub client_id: String,
    /// Secret of a confidential client; `None` for a public client (PKCE only).
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Our callback URL, registered at the provider.
    pub redirect_url: String,
    /// Requested scopes; `openid` is added if missing.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Claim carrying the user's groups (an array of strings).
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    /// Label of the login button.
    #[serde(default = "default_display_name")]
    pub display_name: String,
    /// Role of accounts created on first SSO login (default: autor).
    #[serde(default = "default_role")]
    pub default_role: crate::domain::Role,
}

fn default_display_name() -> String {
    "Anmelden mit Single Sign-on".to_owned()
}

fn default_role() -> crate::domain::Role {
    crate::domain::Role::Autor
}

fn default_scopes() -> Vec<String> {
    ["openid", "profile", "email"].map(String::from).to_vec()
}

fn default_groups_claim() -> String {
    "groups".to_owned()
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("redirect_url", &self.redirect_url)
            .field("scopes", &self.scopes)
            .field("groups_claim", &self.groups_claim)
            .field("display_name", &self.display_name)
            .field("default_role", &self.default_role)
            .finish()
    }
}

/// What the caller keeps between [`OidcClient::begin`] and [`OidcClient::finish`].
/// It holds the PKCE verifier, so store it where only the user's browser session
/// can reach it (server side, or an encrypted cookie).
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct PendingLogin {
    /// Anti-CSRF value echoed back by the provider.
    pub state: String,
    /// Binds the id_token to this login attempt.
    pub nonce: String,
    /// PKCE code verifier (43 chars, base64url of 32 random bytes).
    pub verifier: String,
    /// Unix seconds when the login began.
    pub created: i64,
}

/// The authenticated user as asserted by the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// Issuer; together with `subject` the stable key for the local account.
    pub issuer: String,
    /// `sub` claim: stable and unique per issuer. Usernames and emails can change.
    pub subject: String,
    /// `preferred_username` claim.
    pub preferred_username: Option<String>,
    /// `name` claim.
    pub name: Option<String>,
    /// `email` claim (not necessarily verified).
    pub email: Option<String>,
    /// Groups from the configured groups claim; empty if the provider sends none.
    pub groups: Vec<String>,
}

/// The parts of the discovery document we use.
#[derive(Clone, Debug, Deserialize)]
struct ProviderMetadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

/// How the client authenticates at the token endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClientAuth {
    /// Public client: PKCE is the only proof.
    None,
    Basic,
    Post,
}

/// Relying party for one provider. Cloning is shallow (an `Arc`), so clones share
/// the JWKS cache and the HTTP connection pool.
#[derive(Clone, Debug)]
pub struct OidcClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: OidcConfig,
    metadata: ProviderMetadata,
    authorize_url: Url,
    auth: ClientAuth,
    http: reqwest::Client,
    /// std lock: only held for lookups and swaps, never across an `.await`.
    jwks: RwLock<JwkSet>,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    access_token: Option<String>,
}

/// Claims we read beyond those `jsonwebtoken` checks (`exp`, `nbf`, `iss`, `aud`).
#[derive(Deserialize)]
struct IdClaims {
    sub: String,
    azp: Option<String>,
    iat: i64,
    nonce: Option<String>,
    preferred_username: Option<String>,
    name: Option<String>,
    email: Option<String>,
}

impl OidcClient {
    /// Fetches `{issuer}/.well-known/openid-configuration` and the JWKS, checks that
    /// the document names exactly our issuer and that all endpoints are allowed URLs.
    pub async fn discover(config: OidcConfig) -> Result<Self, OidcError> {
        let issuer = Url::parse(&config.issuer)
            .map_err(|e| OidcError::Config(format!("issuer is not a URL: {e}")))?;
        check_transport(&issuer).map_err(OidcError::Config)?;
        Url::parse(&config.redirect_url)
            .map_err(|e| OidcError::Config(format!("redirect_url is not a URL: {e}")))?;

        let http = reqwest::Client::builder()
            .timeout(HTTP_TIMEOUT)
            .connect_timeout(HTTP_TIMEOUT)
            // A redirect could lead to a plain-http URL that `check_transport` never saw.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;

        let well_known = format!(
            "{}/.well-known/openid-configuration",
            config.issuer.trim_end_matches('/')
        );
        let response = http.get(&well_known).send().await?;
        if !response.status().is_success() {
            return Err(OidcError::Discovery(format!(
                "{well_known} returned {}",
                response.status()
            )));
        }
        let metadata: ProviderMetadata = response.json().await?;
        // OIDC Discovery §4.3: must be identical, otherwise a provider could mint
        // tokens for another issuer that we would then accept.
        if metadata.issuer != config.issuer {
            return Err(OidcError::Discovery(format!(
                "issuer mismatch: configured {:?}, provider says {:?}",
                config.issuer, metadata.issuer
            )));
        }
        let mut endpoints = vec![
            &metadata.authorization_endpoint,
            &metadata.token_endpoint,
            &metadata.jwks_uri,
        ];
        endpoints.extend(metadata.userinfo_endpoint.as_ref());
        for endpoint in endpoints {
            let url = Url::parse(endpoint)
                .map_err(|e| OidcError::Discovery(format!("bad endpoint {endpoint:?}: {e}")))?;
            check_transport(&url).map_err(OidcError::Discovery)?;
        }
        let authorize_url = Url::parse(&metadata.authorization_endpoint)
            .map_err(|e| OidcError::Discovery(e.to_string()))?;
        let auth = choose_client_auth(&config, &metadata)?;
        let jwks = fetch_jwks(&http, &metadata.jwks_uri).await?;

        Ok(Self {
            inner: Arc::new(Inner {
                config,
                metadata,
                authorize_url,
                auth,
                http,
                jwks: RwLock::new(jwks),
            }),
        })
    }

    /// The configured provider settings (e.g. for the login button label).
    pub fn config(&self) -> &OidcConfig {
        &self.inner.config
    }

    /// Starts a login: returns the provider URL to redirect the browser to and the
    /// [`PendingLogin`] to keep until the callback.
    pub fn begin(&self) -> (String, PendingLogin) {
        let pending = PendingLogin {
            state: random_token(),
            nonce: random_token(),
            verifier: random_token(),
            created: now_unix(),
        };
        let config = &self.inner.config;
        let mut scopes: Vec<&str> = config.scopes.iter().map(String::as_str).collect();
        if !scopes.contains(&"openid") {
            scopes.insert(0, "openid");
        }
        let mut url = self.inner.authorize_url.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &config.client_id)
            .append_pair("redirect_uri", &config.redirect_url)
            .append_pair("scope", &scopes.join(" "))
            .append_pair("state", &pending.state)
            .append_pair("nonce", &pending.nonce)
            .append_pair("code_challenge", &pkce_challenge(&pending.verifier))
            .append_pair("code_challenge_method", "S256");
        (url.into(), pending)
    }

    /// Completes a login from the callback's `state` and `code`: redeems the code,
    /// validates the id_token and returns who logged in.
    pub async fn finish(
        &self,
        pending: &PendingLogin,
        returned_state: &str,
        code: &str,
    ) -> Result<Identity, OidcError> {
        if !constant_time_eq(pending.state.as_bytes(), returned_state.as_bytes()) {
            return Err(OidcError::StateMismatch);
        }
        let age = now_unix() - pending.created;
        if !(-LEEWAY_SECS..=PENDING_MAX_AGE_SECS).contains(&age) {
            return Err(OidcError::Expired);
        }

        let tokens = self.redeem_code(pending, code).await?;
        let id_token = tokens
            .id_token
            .ok_or_else(|| OidcError::InvalidToken("token response has no id_token".to_owned()))?;
        let (id, claims) = self.validate_id_token(&id_token, &pending.nonce).await?;

        let claim = &self.inner.config.groups_claim;
        let groups = match (claims.get(claim), &self.inner.metadata.userinfo_endpoint) {
            (Some(value), _) => groups_from(value),
            (None, Some(userinfo)) => match &tokens.access_token {
                Some(access_token) => {
                    self.userinfo_groups(userinfo, access_token, &id.sub)
                        .await?
                }
                None => Vec::new(),
            },
            (None, None) => Vec::new(),
        };

        Ok(Identity {
            issuer: self.inner.config.issuer.clone(),
            subject: id.sub,
            preferred_username: id.preferred_username,
            name: id.name,
            email: id.email,
            groups,
        })
    }

    async fn redeem_code(
        &self,
        pending: &PendingLogin,
        code: &str,
    ) -> Result<TokenResponse, OidcError> {
        let config = &self.inner.config;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", config.redirect_url.as_str()),
            ("client_id", config.client_id.as_str()),
            ("code_verifier", pending.verifier.as_str()),
        ];
        let mut request = self.inner.http.post(&self.inner.metadata.token_endpoint);
        match (self.inner.auth, &config.client_secret) {
            (ClientAuth::Post, Some(secret)) => form.push(("client_secret", secret)),
            (ClientAuth::Basic, Some(secret)) => {
                // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
                let user: String =
                    url::form_urlencoded::byte_serialize(config.client_id.as_bytes()).collect();
                let pass: String =
                    url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
                let basic = STANDARD.encode(format!("{user}:{pass}"));
                request = request.header(reqwest::header::AUTHORIZATION, format!("Basic {basic}"));
            }
            _ => {}
        }
        let response = request.form(&form).send().await?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(OidcError::TokenEndpoint {
                status: status.as_u16(),
                body: body.chars().take(200).collect(),
            });
        }
        Ok(response.json().await?)
    }

    /// Verifies signature and claims; also returns all claims as JSON so the
    /// configurable groups claim can be read.
    async fn validate_id_token(
        &self,
        token: &str,
        nonce: &str,
    ) -> Result<(IdClaims, Value), OidcError> {
        let invalid = |reason: &str| OidcError::InvalidToken(reason.to_owned());
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| OidcError::InvalidToken(format!("header: {e}")))?;
        if !ALLOWED_ALGS.contains(&header.alg) {
            return Err(OidcError::InvalidToken(format!(
                "algorithm {:?} not allowed",
                header.alg
            )));
        }
        let jwk = match self.find_key(header.kid.as_deref(), header.alg) {
            Some(jwk) => jwk,
            None => {
                // Unknown kid: the provider probably rotated its keys. Refetch once per
                // token; the token came straight from the token endpoint over a
                // checked connection, so this cannot be driven by a third party.
                tracing::info!(issuer = %self.inner.config.issuer, "unknown signing key, refetching JWKS");
                let fresh = fetch_jwks(&self.inner.http, &self.inner.metadata.jwks_uri).await?;
                if let Ok(mut cache) = self.inner.jwks.write() {
                    *cache = fresh;
                }
                self.find_key(header.kid.as_deref(), header.alg)
                    .ok_or_else(|| invalid("no matching key in JWKS"))?
            }
        };
        let key = DecodingKey::from_jwk(&jwk)
            .map_err(|e| OidcError::InvalidToken(format!("unusable JWK: {e}")))?;

        let config = &self.inner.config;
        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECS.unsigned_abs();
        validation.validate_nbf = true;
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.client_id]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
            .map_err(|e| OidcError::InvalidToken(e.to_string()))?
            .claims;

        let id: IdClaims = serde_json::from_value(claims.clone())
            .map_err(|e| OidcError::InvalidToken(format!("claims: {e}")))?;
        if id.iat > now_unix() + LEEWAY_SECS {
            return Err(invalid("iat is in the future"));
        }
        if id.sub.is_empty() {
            return Err(invalid("empty sub"));
        }
        // OIDC Core §3.1.3.7 items 4 and 5.
        let multiple_audiences = claims["aud"].as_array().is_some_and(|list| list.len() > 1);
        match &id.azp {
            Some(azp) if azp != &config.client_id => return Err(invalid("azp is another client")),
            None if multiple_audiences => return Err(invalid("multiple audiences without azp")),
            _ => {}
        }
        match &id.nonce {
            Some(n) if constant_time_eq(n.as_bytes(), nonce.as_bytes()) => {}
            _ => return Err(invalid("nonce mismatch")),
        }
        Ok((id, claims))
    }

    /// Looks up a signing key by `kid`; without a `kid` only an unambiguous single key is used.
    fn find_key(&self, kid: Option<&str>, alg: Algorithm) -> Option<Jwk> {
        let cache = self.inner.jwks.read().ok()?;
        let usable = |jwk: &&Jwk| {
            let for_signing = !matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption));
            let alg_fits = jwk
                .common
                .key_algorithm
                .is_none_or(|ka| ka.to_string().parse::<Algorithm>().ok() == Some(alg));
            for_signing && alg_fits
        };
        let mut candidates = cache.keys.iter().filter(usable);
        match kid {
            Some(kid) => candidates
                .find(|jwk| jwk.common.key_id.as_deref() == Some(kid))
                .cloned(),
            None => match (candidates.next(), candidates.next()) {
                (Some(only), None) => Some(only.clone()),
                _ => None,
            },
        }
    }

    async fn userinfo_groups(
        &self,
        endpoint: &str,
        access_token: &str,
        subject: &str,
    ) -> Result<Vec<String>, OidcError> {
        let response = self
            .inner
            .http
            .get(endpoint)
            .bearer_auth(access_token)
            .send()
            .await?;
        let info: Value = response.error_for_status()?.json().await?;
        // OIDC Core §5.3.2: the userinfo `sub` must match the id_token's.
        if info.get("sub").and_then(Value::as_str) != Some(subject) {
            return Err(OidcError::InvalidToken("userinfo sub mismatch".to_owned()));
        }
        Ok(info
            .get(&self.inner.config.groups_claim)
            .map(groups_from)
            .unwrap_or_default())
    }
}

/// Confidential clients use what the provider advertises, preferring
/// `client_secret_basic`, which is also the spec default when nothing is advertised.
fn choose_client_auth(
    config: &OidcConfig,
    meta: &ProviderMetadata,
) -> Result<ClientAuth, OidcError> {
    if config.client_secret.is_none() {
        return Ok(ClientAuth::None);
    }
    let Some(methods) = &meta.token_endpoint_auth_methods_supported else {
        return Ok(ClientAuth::Basic);
    };
    if methods.iter().any(|m| m == "client_secret_basic") {
        Ok(ClientAuth::Basic)
    } else if methods.iter().any(|m| m == "client_secret_post") {
        Ok(ClientAuth::Post)
    } else {
        Err(OidcError::Discovery(format!(
            "provider supports neither client_secret_basic nor client_secret_post: {methods:?}"
        )))
    }
}

async fn fetch_jwks(http: &reqwest::Client, uri: &str) -> Result<JwkSet, OidcError> {
    let response = http.get(uri).send().await?;
    if !response.status().is_success() {
        return Err(OidcError::Discovery(format!(
            "JWKS returned {}",
            response.status()
        )));
    }
    Ok(response.json().await?)
}

/// https everywhere, plain http only to loopback (see the module doc).
fn check_transport(url: &Url) -> Result<(), String> {
    let loopback = match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        scheme => Err(format!(
            "{url} must use https (got {scheme}; http is only allowed for loopback)"
        )),
    }
}

/// Accepts an array of strings (non-strings skipped) or a single string.
fn groups_from(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Value::String(one) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// 32 random bytes, base64url: 43 characters, the PKCE minimum length (RFC 7636 §4.1).
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Comparison time does not depend on where the inputs differ, so the state cannot be
/// guessed byte by byte. Lengths are public (always 43 for values we issue).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_matches_rfc7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_tokens_are_43_chars_and_differ() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }

    #[test]
    fn http_is_only_allowed_for_loopback() {
        let ok = |s: &str| check_transport(&Url::parse(s).unwrap()).is_ok();
        assert!(ok("https://login.example.de/realms/stadt"));
        assert!(ok("http://127.0.0.1:8080/realms/x"));
        assert!(ok("http://127.3.4.5/"));
        assert!(ok("http://[::1]:9000/"));
        assert!(ok("http://localhost:8080/"));
        assert!(!ok("http://login.example.de/"));
        assert!(!ok("http://10.0.0.1/"));
        assert!(!ok("ftp://127.0.0.1/"));
    }

    #[test]
    fn groups_accept_array_or_single_string() {
        assert_eq!(groups_from(&serde_json::json!(["a", 1, "b"])), ["a", "b"]);
        assert_eq!(groups_from(&serde_json::json!("a")), ["a"]);
        assert!(groups_from(&serde_json::json!({"a": 1})).is_empty());
    }

    #[test]
    fn config_defaults_and_debug_redacts_secret() {
        let config: OidcConfig = serde_json::from_value(serde_json::json!({
            "issuer": "https://login.example.de/realms/stadt",
            "client_id": "wiki",
            "client_secret": "hunter2",
            "redirect_url": "https://wiki.example.de/anmelden/oidc/callback",
            "display_name": "Anmelden mit Stadt-Login",
        }))
        .unwrap();
        assert_eq!(config.scopes, ["openid", "profile", "email"]);
        assert_eq!(config.groups_claim, "groups");
        let debug = format!("{config:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
    }

    #[test]
    fn client_auth_follows_discovery() {
        let config = |secret: Option<&str>| OidcConfig {
            issuer: "https://idp".to_owned(),
            client_id: "wiki".to_owned(),
            client_secret: secret.map(str::to_owned),
            redirect_url: "https://wiki/cb".to_owned(),
            scopes: default_scopes(),
            groups_claim: default_groups_claim(),
            display_name: "x".to_owned(),
            default_role: crate::domain::Role::Autor,
        };
        let meta = |methods: Option<&[&str]>| ProviderMetadata {
            issuer: "https://idp".to_owned(),
            authorization_endpoint: "https://idp/auth".to_owned(),
            token_endpoint: "https://idp/token".to_owned(),
            jwks_uri: "https://idp/jwks".to_owned(),
            userinfo_endpoint: None,
            token_endpoint_auth_methods_supported: methods
                .map(|m| m.iter().map(|s| (*s).to_owned()).collect()),
        };
        let pick = |s, m| choose_client_auth(&config(s), &meta(m)).ok();
        assert_eq!(
            pick(None, Some(&["client_secret_post"])),
            Some(ClientAuth::None)
        );
        assert_eq!(pick(Some("s"), None), Some(ClientAuth::Basic));
        assert_eq!(
            pick(Some("s"), Some(&["client_secret_post"])),
            Some(ClientAuth::Post)
        );
        assert_eq!(
            pick(
                Some("s"),
                Some(&["client_secret_post", "client_secret_basic"])
            ),
            Some(ClientAuth::Basic)
        );
        assert_eq!(pick(Some("s"), Some(&["private_key_jwt"])), None);
    }
}
