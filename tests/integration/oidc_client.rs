//! End-to-end login flows between `OidcClient` and `TestProvider`.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns: a panic is the right failure
use std::collections::HashMap;

use stafette::service::auth::oidc::{OidcClient, OidcConfig, OidcError, PendingLogin};
use url::Url;

use crate::oidc_provider::{Misbehaviour, ProviderSettings, TestProvider};

fn config_for(provider: &TestProvider, settings: &ProviderSettings) -> OidcConfig {
    OidcConfig {
        issuer: provider.issuer().to_owned(),
        client_id: settings.client_id.clone(),
        client_secret: settings.client_secret.clone(),
        redirect_url: settings.redirect_uri.clone(),
        scopes: vec![
            "openid".into(),
            "profile".into(),
            "email".into(),
            "groups".into(),
        ],
        groups_claim: "groups".into(),
        display_name: "Anmelden mit Stadt-Login".into(),
        default_role: stafette::domain::Role::Autor,
    }
}

async fn setup(settings: ProviderSettings) -> (TestProvider, OidcClient) {
    let provider = TestProvider::start(settings.clone()).await;
    let client = OidcClient::discover(config_for(&provider, &settings))
        .await
        .unwrap();
    (provider, client)
}

/// Plays the browser: opens the authorize URL without following the redirect and
/// returns what the callback would receive.
async fn authorize(client: &OidcClient) -> (PendingLogin, String, String) {
    let (url, pending) = client.begin();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = browser.get(&url).send().await.unwrap();
    assert!(
        response.status().is_redirection(),
        "authorize returned {}",
        response.status()
    );
    let location = response.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap();
    assert!(
        location.starts_with(&client.config().redirect_url),
        "{location}"
    );
    let params: HashMap<String, String> = Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    (pending, params["code"].clone(), params["state"].clone())
}

async fn login(client: &OidcClient) -> Result<stafette::service::auth::oidc::Identity, OidcError> {
    let (pending, code, state) = authorize(client).await;
    client.finish(&pending, &state, &code).await
}

#[tokio::test]
async fn login_returns_identity_with_groups() {
    let settings = ProviderSettings::default();
    let (provider, client) = setup(settings.clone()).await;
    let identity = login(&client).await.unwrap();
    assert_eq!(identity.issuer, provider.issuer());
    assert_eq!(identity.subject, settings.user.subject);
    assert_eq!(identity.preferred_username.as_deref(), Some("erika"));
    assert_eq!(identity.name.as_deref(), Some("Erika Mustermann"));
    assert_eq!(identity.email.as_deref(), Some("erika@example.de"));
    assert_eq!(identity.groups, ["redaktion", "stadt-alle"]);
    assert_eq!(provider.last_client_auth(), Some("basic"));
}

#[tokio::test]
async fn client_secret_post_is_used_when_only_post_is_advertised() {
    let settings = ProviderSettings {
        auth_methods: vec!["client_secret_post".into()],
        ..ProviderSettings::default()
    };
    let (provider, client) = setup(settings).await;
    login(&client).await.unwrap();
    assert_eq!(provider.last_client_auth(), Some("post"));
}

#[tokio::test]
async fn public_client_logs_in_with_pkce_only() {
    let settings = ProviderSettings {
        client_secret: None,
        ..ProviderSettings::default()
    };
    let (provider, client) = setup(settings).await;
    login(&client).await.unwrap();
    assert_eq!(provider.last_client_auth(), Some("none"));
}

#[tokio::test]
async fn groups_fall_back_to_userinfo() {
    let settings = ProviderSettings {
        groups_in_id_token: false,
        ..ProviderSettings::default()
    };
    let (_provider, client) = setup(settings).await;
    let identity = login(&client).await.unwrap();
    assert_eq!(identity.groups, ["redaktion", "stadt-alle"]);
}

#[tokio::test]
async fn wrong_client_secret_is_a_token_endpoint_error() {
    let settings = ProviderSettings::default();
    let provider = TestProvider::start(settings.clone()).await;
    let mut config = config_for(&provider, &settings);
    config.client_secret = Some("wrong".into());
    let client = OidcClient::discover(config).await.unwrap();
    let err = login(&client).await.unwrap_err();
    assert!(
        matches!(err, OidcError::TokenEndpoint { status: 401, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn state_mismatch_is_rejected() {
    let (_provider, client) = setup(ProviderSettings::default()).await;
    let (pending, code, _state) = authorize(&client).await;
    let (_, other) = client.begin();
    let err = client
        .finish(&pending, &other.state, &code)
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::StateMismatch), "{err:?}");
}

#[tokio::test]
async fn pending_login_older_than_ten_minutes_is_expired() {
    let (_provider, client) = setup(ProviderSettings::default()).await;
    let (mut pending, code, state) = authorize(&client).await;
    pending.created -= 11 * 60;
    let err = client.finish(&pending, &state, &code).await.unwrap_err();
    assert!(matches!(err, OidcError::Expired), "{err:?}");
}

#[tokio::test]
async fn wrong_pkce_verifier_is_rejected_by_provider() {
    let (_provider, client) = setup(ProviderSettings::default()).await;
    let (mut pending, code, state) = authorize(&client).await;
    pending.verifier = client.begin().1.verifier;
    let err = client.finish(&pending, &state, &code).await.unwrap_err();
    match err {
        OidcError::TokenEndpoint { status, body } => {
            assert_eq!(status, 400);
            assert!(body.contains("invalid_grant"), "{body}");
        }
        other => panic!("expected TokenEndpoint, got {other:?}"),
    }
}

#[tokio::test]
async fn code_cannot_be_redeemed_twice() {
    let (_provider, client) = setup(ProviderSettings::default()).await;
    let (pending, code, state) = authorize(&client).await;
    client.finish(&pending, &state, &code).await.unwrap();
    let err = client.finish(&pending, &state, &code).await.unwrap_err();
    assert!(
        matches!(err, OidcError::TokenEndpoint { status: 400, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn misbehaving_id_tokens_are_rejected() {
    let (provider, client) = setup(ProviderSettings::default()).await;
    for (misbehaviour, reason) in [
        (Misbehaviour::WrongAudience, "InvalidAudience"),
        (Misbehaviour::WrongIssuer, "InvalidIssuer"),
        (Misbehaviour::Expired, "ExpiredSignature"),
        (Misbehaviour::IssuedInFuture, "iat is in the future"),
        (Misbehaviour::WrongNonce, "nonce mismatch"),
        (Misbehaviour::AlgNone, "unknown variant `none`"),
        (Misbehaviour::Hs256WithSecret, "HS256 not allowed"),
        (Misbehaviour::BadSignature, "InvalidSignature"),
        (Misbehaviour::UnknownKid, "no matching key"),
        (
            Misbehaviour::MultipleAudiencesWithoutAzp,
            "multiple audiences without azp",
        ),
    ] {
        provider.set_misbehaviour(misbehaviour);
        match login(&client).await {
            Err(OidcError::InvalidToken(why)) => {
                assert!(why.contains(reason), "{misbehaviour:?}: {why}")
            }
            other => panic!("{misbehaviour:?}: expected InvalidToken, got {other:?}"),
        }
    }
    // The same client logs in once the provider behaves again.
    provider.set_misbehaviour(Misbehaviour::None);
    login(&client).await.unwrap();
}

#[tokio::test]
async fn es256_id_tokens_are_accepted() {
    let settings = ProviderSettings {
        es256: true,
        ..ProviderSettings::default()
    };
    let (_provider, client) = setup(settings).await;
    let identity = login(&client).await.unwrap();
    assert_eq!(identity.preferred_username.as_deref(), Some("erika"));
}

#[tokio::test]
async fn unknown_kid_refetches_jwks_only_once() {
    let (provider, client) = setup(ProviderSettings::default()).await;
    assert_eq!(provider.jwks_fetches(), 1);
    provider.set_misbehaviour(Misbehaviour::UnknownKid);
    login(&client).await.unwrap_err();
    assert_eq!(provider.jwks_fetches(), 2);
}

#[tokio::test]
async fn rotated_signing_key_is_picked_up() {
    let (provider, client) = setup(ProviderSettings::default()).await;
    login(&client).await.unwrap();
    provider.rotate_key();
    let identity = login(&client).await.unwrap();
    assert_eq!(identity.groups, ["redaktion", "stadt-alle"]);
    assert_eq!(provider.jwks_fetches(), 2);
    // The refreshed JWKS is cached and shared by clones.
    login(&client.clone()).await.unwrap();
    assert_eq!(provider.jwks_fetches(), 2);
}

#[tokio::test]
async fn discovery_rejects_issuer_mismatch() {
    let settings = ProviderSettings {
        misbehaviour: Misbehaviour::DiscoveryIssuerMismatch,
        ..ProviderSettings::default()
    };
    let provider = TestProvider::start(settings.clone()).await;
    let err = OidcClient::discover(config_for(&provider, &settings))
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::Discovery(_)), "{err:?}");
}

#[tokio::test]
async fn discovery_rejects_plain_http_to_remote_hosts() {
    let settings = ProviderSettings::default();
    let config = OidcConfig {
        issuer: "http://login.example.de/realms/stadt".into(),
        client_id: settings.client_id,
        client_secret: settings.client_secret,
        redirect_url: settings.redirect_uri,
        scopes: vec!["openid".into()],
        groups_claim: "groups".into(),
        display_name: "x".into(),
        default_role: stafette::domain::Role::Autor,
    };
    let err = OidcClient::discover(config).await.unwrap_err();
    assert!(matches!(err, OidcError::Config(_)), "{err:?}");
}

#[tokio::test]
async fn authorize_url_carries_pkce_and_nonce() {
    let (_provider, client) = setup(ProviderSettings::default()).await;
    let (url, pending) = client.begin();
    let params: HashMap<String, String> = Url::parse(&url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["state"], pending.state);
    assert_eq!(params["nonce"], pending.nonce);
    assert_eq!(params["scope"], "openid profile email groups");
    assert!(pending.verifier.len() >= 43);
    assert_ne!(params["code_challenge"], pending.verifier);
}
