//! HTML pages: the browser face of every feature, including errors and CSRF.

use serde_json::json;

use crate::common::{As, CSRF, TestApp};

#[tokio::test]
async fn home_page_is_german_by_default_and_english_on_request() {
    let app = TestApp::new();
    let de = app.get("/").await;
    assert_eq!(de.status, 200);
    assert!(de.text.contains("<html lang=\"de\">"));
    assert!(de.text.contains("Zuletzt geändert"));
    let req = axum::http::Request::get("/")
        .header("accept-language", "en-GB,en;q=0.9")
        .body(axum::body::Body::empty())
        .unwrap();
    let en = app.send(req).await;
    assert!(en.text.contains("<html lang=\"en\">"));
    assert!(en.text.contains("Recently changed"));
    // The switch sets a cookie and returns to a local page only.
    let sw = app.get("/sprache/en?zurueck=%2Fbereiche").await;
    assert_eq!(sw.header("location"), Some("/bereiche"));
    assert!(sw.header("set-cookie").unwrap().starts_with("lang=en"));
    let evil = app.get("/sprache/en?zurueck=%2F%2Fevil.example").await;
    assert_eq!(evil.header("location"), Some("/"));
}

#[tokio::test]
async fn pages_carry_security_headers_and_a_csrf_cookie() {
    let app = TestApp::new();
    let res = app.get_as("/anmelden", As::Anonymous).await;
    let csp = res.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    let cookie = res.header("set-cookie").unwrap();
    assert!(
        cookie.starts_with("stafette_csrf=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
    );
}

#[tokio::test]
async fn creating_through_the_form_redirects_to_the_article() {
    let app = TestApp::new();
    let res = app
        .post_form(
            "/artikel",
            &[
                ("title", "Hund anmelden"),
                ("body", "## Schritte\n\n1. Chip"),
                ("tags", "Tiere, Steuer"),
                ("summary", "neu"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert_eq!(
        res.header("location"),
        Some("/artikel/hund-anmelden?hinweis=gespeichert")
    );
    let page = app.get("/artikel/hund-anmelden?hinweis=gespeichert").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("<h1>Hund anmelden</h1>"));
    assert!(page.text.contains("Gespeichert."));
    assert!(page.text.contains("<h2 id=\"schritte\">Schritte</h2>"));
    assert!(page.text.contains(">Tiere</span>"));
}

#[tokio::test]
async fn a_form_without_the_csrf_token_is_refused() {
    let app = TestApp::new();
    let req = axum::http::Request::post("/artikel")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("stafette_csrf={CSRF}"))
        .body(axum::body::Body::from("title=X&body=y"))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, 403);
    assert!(res.text.contains("Sicherheitsprüfung"));
    assert_eq!(app.get("/api/v1/articles").await.json()["total"], 0);
}

#[tokio::test]
async fn invalid_form_input_is_shown_again_with_a_german_message() {
    let app = TestApp::new();
    let res = app
        .post_form(
            "/artikel",
            &[("title", "   "), ("body", "Mein wertvoller Text")],
        )
        .await;
    assert_eq!(res.status, 400);
    assert!(res.text.contains("Der Titel darf nicht leer sein."));
    assert!(
        res.text.contains("Mein wertvoller Text"),
        "the user's text must survive"
    );
}

#[tokio::test]
async fn the_editor_offers_templates() {
    let app = TestApp::new();
    let page = app
        .get("/artikel/neu?vorlage=checkliste&titel=Pr%C3%BCfung")
        .await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("- [ ] Unterlagen vollständig"));
    assert!(page.text.contains("value=\"Prüfung\""));
    for name in ["Arbeitsanweisung", "Checkliste", "Übergabeprotokoll"] {
        assert!(page.text.contains(name), "{name}");
    }
    assert!(page.text.contains("<label for=\"body\">"));
}

#[tokio::test]
async fn two_browsers_editing_the_same_article() {
    let app = TestApp::new();
    app.create("Gemeinsam", "Zeile A\n\nZeile B\n\nZeile C\n")
        .await;
    // Both open the editor at revision 1.
    let form = app.get("/artikel/gemeinsam/bearbeiten").await;
    assert!(form.text.contains("name=\"base_revision\" value=\"1\""));
    let first = app
        .post_form(
            "/artikel/gemeinsam/bearbeiten",
            &[
                ("title", "Gemeinsam"),
                ("body", "Zeile A!\n\nZeile B\n\nZeile C\n"),
                ("base_revision", "1"),
            ],
        )
        .await;
    assert_eq!(first.status, 303);
    // The second browser changed another paragraph: merged automatically.
    let second = app
        .post_form(
            "/artikel/gemeinsam/bearbeiten",
            &[
                ("title", "Gemeinsam"),
                ("body", "Zeile A\n\nZeile B\n\nZeile C!\n"),
                ("base_revision", "1"),
            ],
        )
        .await;
    assert_eq!(second.status, 303);
    assert_eq!(
        second.header("location"),
        Some("/artikel/gemeinsam?hinweis=zusammengefuehrt")
    );
    let body = app.get("/api/v1/articles/gemeinsam").await.json()["body"].clone();
    assert_eq!(body, "Zeile A!\n\nZeile B\n\nZeile C!\n");
    // A third edit of the same line on the stale base gets the conflict page.
    let third = app
        .post_form(
            "/artikel/gemeinsam/bearbeiten",
            &[
                ("title", "Gemeinsam"),
                ("body", "Zeile A?\n\nZeile B\n\nZeile C\n"),
                ("base_revision", "1"),
            ],
        )
        .await;
    assert_eq!(third.status, 409);
    assert!(third.text.contains("Bearbeitungskonflikt"));
    assert!(
        third.text.contains("Zeile A?"),
        "the user's version is shown"
    );
    assert!(
        third.text.contains("&#60;&#60;&#60;&#60;&#60;&#60;&#60;"),
        "merge markers to resolve"
    );
    assert!(third.text.contains("name=\"base_revision\" value=\"3\""));
}

#[tokio::test]
async fn history_diff_and_restore_pages() {
    let app = TestApp::new();
    let a = app.create("Verlauf", "Erste Fassung").await;
    let id = a["id"].as_str().unwrap();
    app.put_json(&format!("/api/v1/articles/{id}"), json!({"title": "Verlauf", "body": "Zweite Fassung", "base_revision": 1, "summary": "überarbeitet"}))
        .await;
    let h = app.get("/artikel/verlauf/versionen").await;
    assert_eq!(h.status, 200);
    assert!(h.text.contains("überarbeitet"));
    let d = app.get("/artikel/verlauf/vergleich?von=1&zu=2").await;
    assert_eq!(d.status, 200);
    assert!(
        d.text.contains("<del>Erste</del>") && d.text.contains("<ins>Zweite</ins>"),
        "{}",
        d.text
    );
    let old = app.get("/artikel/verlauf/versionen/1").await;
    assert!(old.text.contains("Erste Fassung"));
    let r = app
        .post_form("/artikel/verlauf/versionen/1/wiederherstellen", &[])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        app.get("/api/v1/articles/verlauf").await.json()["body"],
        "Erste Fassung"
    );
}

#[tokio::test]
async fn trash_page_lists_and_restores() {
    let app = TestApp::new();
    app.create("Alt", "x").await;
    let t = app.post_form("/artikel/alt/loeschen", &[]).await;
    assert_eq!(t.status, 303);
    let page = app.get("/papierkorb").await;
    assert!(page.text.contains("Alt"));
    let id = app.get("/api/v1/articles?trash=true").await.json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post_form(&format!("/papierkorb/{id}/wiederherstellen"), &[])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(app.get("/artikel/alt").await.status, 200);
}

#[tokio::test]
async fn article_page_shows_backlinks_and_missing_links() {
    let app = TestApp::new();
    app.create("Ziel", "x").await;
    app.create("Quelle", "Siehe [[Ziel]] und [[Fehlt noch]].")
        .await;
    let ziel = app.get("/artikel/ziel").await;
    assert!(ziel.text.contains("Verlinkt von"));
    assert!(ziel.text.contains("href=\"/artikel/quelle\""));
    let quelle = app.get("/artikel/quelle").await;
    assert!(
        quelle.text.contains("/artikel/neu?titel=Fehlt%20noch"),
        "{}",
        quelle.text
    );
}

#[tokio::test]
async fn spaces_pages_show_the_tree() {
    let app = TestApp::new();
    let res = app
        .post_form(
            "/bereiche",
            &[
                ("name", "Ordnungsamt"),
                ("description", "Gewerbe und Ordnung"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    let res = app
        .post_form(
            "/bereiche",
            &[("name", "Gewerbe"), ("parent", "ordnungsamt")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    app.post_json(
        "/api/v1/articles",
        json!({"title": "Gewerbe anmelden", "body": "x", "space": "gewerbe"}),
    )
    .await;
    let page = app.get("/bereiche/ordnungsamt").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Gewerbe und Ordnung"));
    assert!(page.text.contains("Gewerbe anmelden"));
    let bad = app.post_form("/bereiche", &[("name", "")]).await;
    assert_eq!(bad.status, 400);
    assert!(bad.text.contains("darf nicht leer sein"));
}

#[tokio::test]
async fn preview_renders_sanitised_html() {
    let app = TestApp::new();
    let res = app
        .post_form("/vorschau", &[("body", "**fett** <script>x</script>")])
        .await;
    assert_eq!(res.status, 200);
    assert!(res.text.contains("<strong>fett</strong>"));
    assert!(!res.text.contains("<script"));
}

#[tokio::test]
async fn unknown_pages_get_a_german_404() {
    let app = TestApp::new();
    let res = app.get("/gibt-es-nicht").await;
    assert_eq!(res.status, 404);
    assert!(res.text.contains("Diese Seite gibt es nicht."));
    assert_eq!(app.get("/artikel/nix").await.status, 404);
}

#[tokio::test]
async fn static_assets_are_embedded_with_etags() {
    let app = TestApp::new();
    let css = app
        .get(&format!("/static/{}/app.css", env!("CARGO_PKG_VERSION")))
        .await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css"));
    let etag = css.header("etag").unwrap().to_owned();
    let req = axum::http::Request::get(format!("/static/{}/app.css", env!("CARGO_PKG_VERSION")))
        .header("if-none-match", etag)
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, 304);
}

#[test]
fn every_ui_text_key_used_in_templates_exists() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/templates");
    // The process pages keep their texts next to them (merged into the i18n table).
    let known = [
        "src/http/i18n.rs",
        "src/http/processes_texts.rs",
        "src/http/retention.rs",
    ]
    .iter()
    .map(|f| {
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(f)).unwrap()
    })
    .collect::<String>();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "html") {
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split("t(\"").skip(1) {
                let key = part.split('"').next().unwrap();
                assert!(
                    known.contains(&format!("\"{key}\",")),
                    "{}: missing UI text {key}",
                    path.display()
                );
            }
        }
    }
}
