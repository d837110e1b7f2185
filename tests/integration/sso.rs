//! OIDC login through the application against the in-test provider: account creation,
//! group mapping, the browser binding of the callback, and re-login to the same account.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::Request;
use serde_json::json;
use stafette::service::auth::oidc::OidcConfig;

use crate::common::{As, TestApp};
use crate::oidc_provider::{ProviderSettings, TestProvider};

async fn app_with_sso() -> (TestApp, TestProvider) {
    let settings = ProviderSettings {
        redirect_uri: "http://wissen.example/anmelden/sso/callback".to_owned(),
        ..ProviderSettings::default()
    };
    let provider = TestProvider::start(settings.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = stafette::config::Config::for_dir(dir.path());
    config.oidc = Some(OidcConfig {
        issuer: provider.issuer().to_owned(),
        client_id: settings.client_id.clone(),
        client_secret: settings.client_secret.clone(),
        redirect_url: settings.redirect_uri.clone(),
        scopes: vec!["openid".into(), "profile".into(), "groups".into()],
        groups_claim: "groups".into(),
        display_name: "Anmelden mit Stadt-Login".into(),
        default_role: stafette::domain::Role::Leser,
    });
    (TestApp::with_config(dir, config), provider)
}

/// Runs the browser part: our redirect to the provider, the provider's redirect back.
async fn sso_login(app: &TestApp) -> crate::common::Res {
    let start = app
        .get_as("/anmelden/sso?weiter=%2Fbereiche", As::Anonymous)
        .await;
    assert_eq!(start.status, 303, "{}", start.text);
    let cookie = start
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("stafette_sso="));
    let authorize = start.header("location").unwrap().to_owned();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let back = browser.get(&authorize).send().await.unwrap();
    let location = back.headers()["location"].to_str().unwrap().to_owned();
    let url = url::Url::parse(&location).unwrap();
    assert_eq!(url.path(), "/anmelden/sso/callback");
    let params: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert!(params.contains_key("code"));
    let req = Request::get(format!("{}?{}", url.path(), url.query().unwrap()))
        .header("cookie", cookie)
        .body(Body::empty())
        .unwrap();
    app.send_as(req, As::Anonymous).await
}

#[tokio::test]
async fn oidc_login_creates_the_account_and_maps_groups() {
    let (app, _provider) = app_with_sso().await;
    let g = app
        .post_json(
            "/api/v1/groups",
            json!({"name": "Redaktion", "external_names": ["redaktion"]}),
        )
        .await;
    assert_eq!(g.status, 201);
    let group_id = g.json()["id"].as_str().unwrap().to_owned();
    let login_page = app.get_as("/anmelden", As::Anonymous).await;
    assert!(login_page.text.contains("Anmelden mit Stadt-Login"));

    let done = sso_login(&app).await;
    assert_eq!(done.status, 303, "{}", done.text);
    assert_eq!(done.header("location"), Some("/bereiche"));
    let session = done
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("stafette_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let me = app.get_as("/api/v1/me", As::Session(session)).await.json();
    assert_eq!(me["login"], "erika");
    assert_eq!(me["display_name"], "Erika Mustermann");
    assert_eq!(me["role"], "leser");
    assert_eq!(me["groups"], json!([group_id]));

    // A second login finds the same account (keyed by issuer + subject).
    assert_eq!(sso_login(&app).await.status, 303);
    let users = app.get("/api/v1/users").await.json();
    assert_eq!(
        users
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["sso"] == true)
            .count(),
        1
    );
    let audit = app.get("/api/v1/audit?aktion=login").await.json();
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["detail"] == "sso")
    );
}

#[tokio::test]
async fn a_callback_without_the_browser_binding_is_refused() {
    let (app, _provider) = app_with_sso().await;
    let start = app.get_as("/anmelden/sso", As::Anonymous).await;
    let authorize = start.header("location").unwrap().to_owned();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let back = browser.get(&authorize).send().await.unwrap();
    let url = url::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
    // An attacker's callback URL opened in the victim's browser (no state cookie).
    let res = app
        .get_as(
            &format!("{}?{}", url.path(), url.query().unwrap()),
            As::Anonymous,
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.text);
    assert!(res.text.contains("Bitte erneut anmelden"));
    assert!(
        res.header("set-cookie")
            .is_none_or(|c| !c.contains("stafette_session="))
    );
}
