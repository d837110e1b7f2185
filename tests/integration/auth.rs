//! Accounts, sessions, tokens, CSRF, roles, the audit log and the first-run setup, all
//! through real HTTP requests.

use axum::body::Body;
use axum::http::Request;
use serde_json::json;

use crate::common::{As, CSRF, TestApp, make_user};

async fn user_with_password(app: &TestApp, login: &str, role: &str, password: &str) {
    let res = app
        .post_json(
            "/api/v1/users",
            json!({"login": login, "display_name": login, "role": role, "password": password}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
}

fn session_from(res: &crate::common::Res) -> Option<String> {
    res.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("stafette_session="))
        .and_then(|c| c.split(';').next())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

#[tokio::test]
async fn anonymous_requests_get_401_on_the_api_and_the_login_page_elsewhere() {
    let app = TestApp::new();
    let api = app.get_as("/api/v1/articles", As::Anonymous).await;
    assert_eq!(api.status, 401);
    assert_eq!(api.json()["code"], "unauthenticated");
    assert!(
        api.header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
    let page = app.get_as("/artikel/neu?titel=x", As::Anonymous).await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.header("location"),
        Some("/anmelden?weiter=%2Fartikel%2Fneu%3Ftitel%3Dx")
    );
    let login = app.get_as("/anmelden", As::Anonymous).await;
    assert_eq!(login.status, 200);
    assert!(login.text.contains("name=\"password\""));
    let bad = app
        .get_as("/api/v1/articles", As::Token("stf_nonsense".to_owned()))
        .await;
    assert_eq!(bad.status, 401);
}

#[tokio::test]
async fn login_sets_a_fresh_http_only_session_and_refuses_open_redirects() {
    let app = TestApp::new();
    user_with_password(&app, "anna", "autor", "ein langes Passwort").await;
    let wrong = app
        .post_form_as(
            "/anmelden",
            &[
                ("login", "anna"),
                ("password", "falsch falsch"),
                ("weiter", "/"),
            ],
            None,
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.text.contains("Login oder Passwort sind falsch"));
    assert!(session_from(&wrong).is_none());

    // A session id planted before login (fixation) is never promoted.
    let planted = "a".repeat(64);
    let body = format!(
        "_csrf={}&login=anna&password=ein+langes+Passwort&weiter=%2F%2Fevil.example",
        TestApp::csrf_for(&planted)
    );
    let req = Request::post("/anmelden")
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "cookie",
            format!("stafette_csrf={CSRF}; stafette_session={planted}"),
        )
        .body(Body::from(body))
        .unwrap();
    let ok = app.send(req).await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    assert_eq!(ok.header("location"), Some("/"), "no open redirect");
    let cookie = ok
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("stafette_session="))
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let secret = session_from(&ok).unwrap();
    assert_ne!(secret, planted);
    let me = app.get_as("/api/v1/me", As::Session(secret.clone())).await;
    assert_eq!(me.json()["login"], "anna");
    let planted_me = app.get_as("/api/v1/me", As::Session(planted)).await;
    assert_eq!(planted_me.status, 401);

    // Logout ends the session on the server, not just in the browser.
    let out = app.post_form_as("/abmelden", &[], Some(&secret)).await;
    assert_eq!(out.status, 303);
    assert_eq!(
        app.get_as("/api/v1/me", As::Session(secret)).await.status,
        401
    );
}

#[tokio::test]
async fn https_deployments_get_host_prefixed_secure_cookies() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = stafette::config::Config::for_dir(dir.path());
    config.trust_proxy = true;
    let app = TestApp::with_config(dir, config);
    user_with_password(&app, "bert", "leser", "ein langes Passwort").await;
    let body = format!("_csrf={CSRF}&login=bert&password=ein+langes+Passwort");
    let req = Request::post("/anmelden")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-proto", "https")
        .header("cookie", format!("stafette_csrf={CSRF}"))
        .body(Body::from(body))
        .unwrap();
    let res = app.send_as(req, As::Anonymous).await;
    let cookie = res.header("set-cookie").unwrap();
    assert!(
        cookie.starts_with("__Host-stafette_session=") && cookie.contains("; Secure"),
        "{cookie}"
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_login_temporarily() {
    let app = TestApp::new();
    user_with_password(&app, "carla", "leser", "ein langes Passwort").await;
    for _ in 0..5 {
        let r = app
            .post_form_as(
                "/anmelden",
                &[("login", "carla"), ("password", "falsch falsch")],
                None,
            )
            .await;
        assert_eq!(r.status, 400);
    }
    let locked = app
        .post_form_as(
            "/anmelden",
            &[("login", "carla"), ("password", "ein langes Passwort")],
            None,
        )
        .await;
    assert_eq!(locked.status, 429);
    assert!(locked.text.contains("Zu viele fehlgeschlagene Anmeldungen"));
    let audit = app.get("/api/v1/audit?aktion=login_failed").await.json();
    assert!(audit.as_array().unwrap().len() >= 6);
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id_and_never_shown() {
    let app = TestApp::new();
    user_with_password(&app, "dora", "autor", "mein geheimes Passwort").await;
    let raw = app.state.store.user_by_login("dora").unwrap().unwrap();
    let hash = raw.password_hash.unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains("geheimes"));
    let listed = app.get("/api/v1/users").await.text;
    assert!(!listed.contains("argon2") && !listed.contains("password_hash"));
    let short = app
        .post_json(
            "/api/v1/users",
            json!({"login": "egon", "password": "kurz"}),
        )
        .await;
    assert_eq!(short.status, 400);
    assert!(
        short.json()["detail"]
            .as_str()
            .unwrap()
            .contains("mindestens 10 Zeichen")
    );
}

#[tokio::test]
async fn tokens_have_scopes_and_die_with_revocation_and_deactivation() {
    let app = TestApp::new();
    let (_, session) = make_user(&app.state, "fritz", "autor", &[]);
    // Tokens are made in a session (the UI), never with another token.
    let res = app
        .json_as(
            "POST",
            "/api/v1/me/tokens",
            json!({"name": "Skript", "scope": "read"}),
            As::Session(session.clone()),
        )
        .await;
    assert_eq!(
        res.status, 403,
        "a session's API call needs the CSRF header"
    );
    let req = Request::post("/api/v1/me/tokens")
        .header("content-type", "application/json")
        .header("x-csrf-token", TestApp::csrf_for(&session))
        .body(Body::from(
            json!({"name": "Skript", "scope": "read"}).to_string(),
        ))
        .unwrap();
    let created = app.send_as(req, As::Session(session.clone())).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let read = created.json()["token"].as_str().unwrap().to_owned();
    let id = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get_as("/api/v1/articles", As::Token(read.clone()))
            .await
            .status,
        200
    );
    let write_try = app
        .json_as(
            "POST",
            "/api/v1/articles",
            json!({"title": "T", "body": "b"}),
            As::Token(read.clone()),
        )
        .await;
    assert_eq!(write_try.status, 403);
    let minted = app
        .json_as(
            "POST",
            "/api/v1/me/tokens",
            json!({"scope": "write"}),
            As::Token(read.clone()),
        )
        .await;
    assert_eq!(minted.status, 403);
    let listed = app
        .get_as("/api/v1/me/tokens", As::Token(read.clone()))
        .await;
    assert!(!listed.text.contains(&read), "secrets are never listed");

    let req = Request::delete(format!("/api/v1/me/tokens/{id}"))
        .header("x-csrf-token", TestApp::csrf_for(&session))
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        app.send_as(req, As::Session(session.clone())).await.status,
        204
    );
    assert_eq!(
        app.get_as("/api/v1/articles", As::Token(read)).await.status,
        401
    );

    let (write, _) = make_user(&app.state, "gerd", "autor", &[]);
    let ok = app
        .json_as(
            "POST",
            "/api/v1/articles",
            json!({"title": "Von Gerd", "body": "b"}),
            As::Token(write.clone()),
        )
        .await;
    assert_eq!(ok.status, 201);
    assert_eq!(ok.json()["created_by"], "gerd");
    let off = app
        .json("PATCH", "/api/v1/users/gerd", json!({"active": false}))
        .await;
    assert_eq!(off.status, 200, "{}", off.text);
    assert_eq!(
        app.get_as("/api/v1/articles", As::Token(write))
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn deactivation_and_password_changes_end_every_session() {
    let app = TestApp::new();
    let (_, s1) = make_user(&app.state, "hanna", "autor", &[]);
    assert_eq!(
        app.get_as("/api/v1/me", As::Session(s1.clone()))
            .await
            .status,
        200
    );
    let reset = app
        .json(
            "PUT",
            "/api/v1/users/hanna/password",
            json!({"password": "ein neues Passwort"}),
        )
        .await;
    assert_eq!(reset.status, 204, "{}", reset.text);
    assert_eq!(app.get_as("/api/v1/me", As::Session(s1)).await.status, 401);
    let (_, s2) = make_user(&app.state, "ingo", "autor", &[]);
    app.json("PATCH", "/api/v1/users/ingo", json!({"active": false}))
        .await;
    assert_eq!(app.get_as("/api/v1/me", As::Session(s2)).await.status, 401);
    let sessions = app.state.store.all_sessions().unwrap();
    assert!(
        sessions
            .iter()
            .all(|(_, s)| { app.state.store.user(s.user).unwrap().unwrap().login != "ingo" })
    );
}

#[tokio::test]
async fn a_session_form_needs_its_own_csrf_token() {
    let app = TestApp::new();
    let (_, mine) = make_user(&app.state, "jana", "autor", &[]);
    // A token valid for a different session (or the pre-login cookie) is refused.
    let req = Request::post("/artikel")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("stafette_csrf={CSRF}"))
        .body(Body::from(format!("_csrf={CSRF}&title=X&body=y")))
        .unwrap();
    let res = app.send_as(req, As::Session(mine.clone())).await;
    assert_eq!(res.status, 403);
    let ok = app
        .post_form_as(
            "/artikel",
            &[("title", "Von Jana"), ("body", "Text")],
            Some(&mine),
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    // Cross-site form posts are refused before anything else.
    let req = Request::post("/artikel")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .header("host", "wiki.example")
        .body(Body::from("title=X&body=y"))
        .unwrap();
    assert_eq!(app.send_as(req, As::Session(mine)).await.status, 403);
}

#[tokio::test]
async fn roles_limit_what_users_may_do() {
    let app = TestApp::new();
    let (leser, leser_s) = make_user(&app.state, "klaus", "leser", &[]);
    let (autor, _) = make_user(&app.state, "lena", "autor", &[]);
    let no = app
        .json_as(
            "POST",
            "/api/v1/articles",
            json!({"title": "T", "body": "b"}),
            As::Token(leser.clone()),
        )
        .await;
    assert_eq!(no.status, 403);
    let yes = app
        .json_as(
            "POST",
            "/api/v1/articles",
            json!({"title": "T", "body": "b"}),
            As::Token(autor.clone()),
        )
        .await;
    assert_eq!(yes.status, 201);
    assert_eq!(
        app.get_as("/api/v1/users", As::Token(autor.clone()))
            .await
            .status,
        403
    );
    assert_eq!(
        app.get_as("/api/v1/audit", As::Token(autor.clone()))
            .await
            .status,
        403
    );
    assert_eq!(
        app.get_as("/admin/benutzer", As::Session(leser_s.clone()))
            .await
            .status,
        403
    );
    let escalate = app
        .json_as(
            "PATCH",
            "/api/v1/users/klaus",
            json!({"role": "admin"}),
            As::Token(leser),
        )
        .await;
    assert_eq!(escalate.status, 403);
    assert_eq!(
        app.get_as("/admin/synonyme", As::Session(leser_s))
            .await
            .status,
        403
    );
    // The last admin cannot be demoted.
    let last = app
        .json("PATCH", "/api/v1/users/admin", json!({"role": "autor"}))
        .await;
    assert_eq!(last.status, 409);
}

#[tokio::test]
async fn the_audit_log_records_and_exports_security_events() {
    let app = TestApp::new();
    make_user(&app.state, "mia", "autor", &[]);
    app.json(
        "PATCH",
        "/api/v1/users/mia",
        json!({"role": "wissensmanager"}),
    )
    .await;
    let g = app
        .post_json("/api/v1/groups", json!({"name": "Personalamt"}))
        .await;
    assert_eq!(g.status, 201);
    let acl = app
        .put_json(
            "/api/v1/spaces/allgemein/acl",
            json!({"all_staff": "read", "groups": [{"group": "Personalamt", "access": "write"}]}),
        )
        .await;
    assert_eq!(acl.status, 200, "{}", acl.text);
    let a = app.create("Weg damit", "x").await;
    app.delete(&format!("/api/v1/articles/{}", a["id"].as_str().unwrap()))
        .await;
    let events = app.get("/api/v1/audit").await.json();
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for want in [
        "user_created",
        "user_changed",
        "group_changed",
        "acl_changed",
        "article_deleted",
    ] {
        assert!(actions.contains(&want), "{want} missing in {actions:?}");
    }
    let changed = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "user_changed")
        .unwrap();
    assert!(
        changed["detail"]
            .as_str()
            .unwrap()
            .contains("autor → wissensmanager")
    );
    let csv = app.get("/api/v1/audit?format=csv&aktion=acl_changed").await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv.text.contains("\"acl_changed\";\"allgemein\""));
    assert!(!csv.text.contains("user_created"));
    let page = app.get("/admin/protokoll?aktion=acl_changed").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Personalamt=write"));
}

#[tokio::test]
async fn the_first_admin_is_created_on_the_setup_page_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = stafette::config::Config::for_dir(dir.path());
    let app = TestApp::without_admin(dir, config);
    let home = app.get_as("/", As::Anonymous).await;
    assert_eq!(home.header("location"), Some("/einrichten"));
    assert_eq!(app.get_as("/einrichten", As::Anonymous).await.status, 200);
    let res = app
        .post_form_as(
            "/einrichten",
            &[
                ("login", "chefin"),
                ("display_name", "Die Chefin"),
                ("password", "ein langes Passwort"),
                ("password2", "ein langes Passwort"),
            ],
            None,
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    let secret = session_from(&res).unwrap();
    let me = app.get_as("/api/v1/me", As::Session(secret)).await.json();
    assert_eq!(me["role"], "admin");
    assert_eq!(app.get_as("/einrichten", As::Anonymous).await.status, 404);
    let again = app
        .post_form_as(
            "/einrichten",
            &[
                ("login", "boese"),
                ("password", "ein langes Passwort"),
                ("password2", "ein langes Passwort"),
            ],
            None,
        )
        .await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn admins_manage_accounts_groups_and_permissions_through_the_pages() {
    let app = TestApp::new();
    let g = app
        .post_form(
            "/admin/gruppen",
            &[("name", "Jugendamt"), ("external_names", "ja, jugend")],
        )
        .await;
    assert_eq!(g.status, 303, "{}", g.text);
    let groups = app.get("/admin/gruppen").await;
    assert!(groups.text.contains("value=\"ja, jugend\""));
    let created = app
        .post_form(
            "/admin/benutzer",
            &[
                ("login", "Nora"),
                ("display_name", "Nora N."),
                ("unit", "Jugendamt"),
                ("role", "leser"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.text);
    assert_eq!(
        created.header("location"),
        Some("/admin/benutzer/nora?hinweis=benutzer")
    );
    let group_id = app.get("/api/v1/groups").await.json()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let edited = app
        .post_form(
            "/admin/benutzer/nora",
            &[
                ("display_name", "Nora Neu"),
                ("unit", "Jugendamt"),
                ("role", "autor"),
                ("gruppe", &group_id),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.text);
    let nora = app.get("/api/v1/users/nora").await.json();
    assert_eq!(nora["role"], "autor");
    assert_eq!(nora["groups"], json!([group_id]));
    assert!(app.get("/admin/benutzer").await.text.contains("Nora Neu"));

    let space = app
        .post_json("/api/v1/spaces", json!({"name": "Jugendamt"}))
        .await
        .json();
    let slug = space["slug"].as_str().unwrap().to_owned();
    let field = format!("group.{group_id}");
    let acl = app
        .post_form(
            &format!("/bereiche/{slug}/rechte"),
            &[("all_staff", "none"), (field.as_str(), "write")],
        )
        .await;
    assert_eq!(acl.status, 303, "{}", acl.text);
    let acl = app.get(&format!("/api/v1/spaces/{slug}/acl")).await.json();
    assert_eq!(acl["own"]["all_staff"], "none");
    assert_eq!(acl["own"]["groups"][0]["access"], "write");
    let page = app.get(&format!("/bereiche/{slug}/rechte")).await;
    assert!(page.text.contains("Jugendamt"));
    let audit = app.get("/admin/protokoll").await;
    assert!(audit.text.contains("acl_changed") && audit.text.contains("protokoll.csv"));
    let csv = app.get("/admin/protokoll.csv?aktion=user_changed").await;
    assert!(
        csv.text.contains("autor → autor") || csv.text.contains("leser → autor"),
        "{}",
        csv.text
    );
}

#[tokio::test]
async fn users_create_tokens_and_end_sessions_on_their_account_page() {
    let app = TestApp::new();
    let (_, s) = make_user(&app.state, "otto", "autor", &[]);
    let (other, _) = {
        let store = &app.state.store;
        let u = store.user_by_login("otto").unwrap().unwrap();
        stafette::service::auth::sessions::start_blocking(store, &u, "zweiter Browser", "test")
            .unwrap()
    };
    let page = app.get_as("/konto", As::Session(s.clone())).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("zweiter Browser") && page.text.contains("Diese Sitzung"));
    let made = app
        .post_form_as(
            "/konto/tokens",
            &[("name", "Skript"), ("scope", "write")],
            Some(&s),
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.text);
    assert_eq!(made.header("cache-control"), Some("no-store"));
    let token = made
        .text
        .split("value=\"stf_")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let token = format!("stf_{token}");
    assert_eq!(
        app.get_as("/api/v1/me", As::Token(token.clone()))
            .await
            .json()["via"],
        "token:write"
    );
    assert!(
        !app.get_as("/konto", As::Session(s.clone()))
            .await
            .text
            .contains(&token)
    );
    let ended = app
        .post_form_as("/konto/sitzungen/beenden", &[("id", "")], Some(&s))
        .await;
    assert_eq!(ended.status, 303);
    assert_eq!(
        app.get_as("/api/v1/me", As::Session(other)).await.status,
        401
    );
    assert_eq!(app.get_as("/api/v1/me", As::Session(s)).await.status, 200);
}

#[tokio::test]
async fn anonymous_reading_needs_the_switch_and_a_space_that_allows_it() {
    let app = TestApp::new();
    let public = app
        .post_json("/api/v1/spaces", json!({"name": "Bürgerinfo"}))
        .await
        .json();
    let slug = public["slug"].as_str().unwrap().to_owned();
    app.put_json(
        &format!("/api/v1/spaces/{slug}/acl"),
        json!({"all_staff": "write", "anonymous_read": true}),
    )
    .await;
    let open = app
        .post_json(
            "/api/v1/articles",
            json!({"title": "Öffnungszeiten", "body": "Mo–Fr", "space": slug}),
        )
        .await
        .json();
    app.create("Intern", "nur für Beschäftigte").await;
    let url = format!("/api/v1/articles/{}", open["id"].as_str().unwrap());
    // Off by default, even for a space that allows it.
    assert_eq!(app.get_as(&url, As::Anonymous).await.status, 401);
    let on = app
        .put_json("/api/v1/settings", json!({"anonymous_read": true}))
        .await;
    assert_eq!(on.status, 200, "{}", on.text);
    assert_eq!(app.get_as(&url, As::Anonymous).await.status, 200);
    assert_eq!(
        app.get_as("/artikel/oeffnungszeiten", As::Anonymous)
            .await
            .status,
        200
    );
    assert_eq!(
        app.get_as("/artikel/intern", As::Anonymous).await.status,
        404
    );
    let list = app.get_as("/api/v1/articles", As::Anonymous).await.json();
    assert_eq!(list["total"], 1);
    let found = app
        .get_as("/api/v1/search?q=Intern", As::Anonymous)
        .await
        .json();
    assert_eq!(found["total"], 0);
    // Reading only: writes still need a login.
    let write = app
        .json_as(
            "POST",
            "/api/v1/articles",
            json!({"title": "X", "body": "y"}),
            As::Anonymous,
        )
        .await;
    assert_eq!(write.status, 401);
    let audit = app.get("/api/v1/audit?aktion=setting_changed").await.json();
    assert_eq!(audit.as_array().unwrap().len(), 1);
}
