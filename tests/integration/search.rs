//! Search through the API and the UI on a real tantivy index fed by the outbox.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::TestApp;

/// Polls the search API until `pred` holds (the indexer commits asynchronously). The
/// one-second promise is checked by its own test; the others allow for a loaded CI machine.
async fn search_until(app: &TestApp, path: &str, pred: impl Fn(&Value) -> bool) -> Value {
    search_within(app, path, Duration::from_secs(5), pred).await
}

async fn search_within(
    app: &TestApp,
    path: &str,
    limit: Duration,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    let start = Instant::now();
    loop {
        let res = app.get(path).await;
        assert_eq!(res.status, 200, "{}", res.text);
        let j = res.json();
        if pred(&j) {
            return j;
        }
        assert!(start.elapsed() < limit, "not visible within {limit:?}: {j}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_saved_article_is_found_within_a_second() {
    let app = TestApp::new();
    app.post_json("/api/v1/articles", json!({"title": "Personalausweis beantragen", "body": "Antrag im Bürgerbüro stellen.", "tags": ["Meldewesen"]}))
        .await;
    let j = search_within(
        &app,
        "/api/v1/search?q=Perso&mode=keyword",
        Duration::from_secs(1),
        |j| j["total"] == 1,
    )
    .await;
    let hit = &j["hits"][0];
    assert_eq!(hit["slug"], "personalausweis-beantragen");
    assert_eq!(hit["space"], "allgemein");
    assert_eq!(j["facets"]["tags"][0]["value"], "Meldewesen");
}

#[tokio::test]
async fn german_compounds_stems_and_typos_are_found() {
    let app = TestApp::new();
    app.create(
        "Baugenehmigung einholen",
        "Für Neubauten braucht es einen Bauantrag.",
    )
    .await;
    app.create(
        "Führerschein umtauschen",
        "Anträge werden im Straßenverkehrsamt bearbeitet.",
    )
    .await;
    search_until(&app, "/api/v1/search?q=Genehmigung", |j| j["total"] == 1).await;
    search_until(
        &app,
        "/api/v1/search?q=Antrag%20Stra%C3%9Fenverkehrsamt",
        |j| j["total"] == 1,
    )
    .await;
    let typo = search_until(&app, "/api/v1/search?q=Fuhrerschien", |j| j["total"] == 1).await;
    assert_eq!(typo["hits"][0]["slug"], "fuehrerschein-umtauschen");
}

#[tokio::test]
async fn edits_renames_and_trash_update_the_index() {
    let app = TestApp::new();
    let a = app
        .create("Hundesteuer", "Alte Fassung mit Zuckerrübe.")
        .await;
    let id = a["id"].as_str().unwrap();
    search_until(&app, "/api/v1/search?q=Zuckerr%C3%BCbe", |j| {
        j["total"] == 1
    })
    .await;
    app.put_json(&format!("/api/v1/articles/{id}"), json!({"title": "Hundesteuer festsetzen", "body": "Neue Fassung mit Kohlrabi.", "base_revision": 1}))
        .await;
    let j = search_until(&app, "/api/v1/search?q=Kohlrabi", |j| j["total"] == 1).await;
    assert_eq!(j["hits"][0]["slug"], "hundesteuer-festsetzen");
    search_until(&app, "/api/v1/search?q=Zuckerr%C3%BCbe", |j| {
        j["total"] == 0
    })
    .await;
    app.delete(&format!("/api/v1/articles/{id}")).await;
    search_until(&app, "/api/v1/search?q=Kohlrabi", |j| j["total"] == 0).await;
    app.post_json(&format!("/api/v1/articles/{id}/restore"), json!({}))
        .await;
    search_until(&app, "/api/v1/search?q=Kohlrabi", |j| j["total"] == 1).await;
}

#[tokio::test]
async fn filters_facets_and_malformed_queries() {
    let app = TestApp::new();
    app.post_json("/api/v1/spaces", json!({"name": "Ordnungsamt"}))
        .await;
    app.post_json("/api/v1/articles", json!({"title": "Gewerbe anmelden", "body": "Gewerbeanmeldung", "space": "ordnungsamt", "tags": ["Gewerbe"]}))
        .await;
    app.post_json(
        "/api/v1/articles",
        json!({"title": "Gewerbe abmelden", "body": "Gewerbeabmeldung", "tags": ["Gewerbe"]}),
    )
    .await;
    let all = search_until(&app, "/api/v1/search?q=Gewerbe", |j| j["total"] == 2).await;
    assert_eq!(all["facets"]["space"].as_array().unwrap().len(), 2);
    let only = app
        .get("/api/v1/search?q=Gewerbe&space=ordnungsamt")
        .await
        .json();
    assert_eq!(only["total"], 1);
    assert_eq!(only["hits"][0]["slug"], "gewerbe-anmelden");
    for q in [
        "%22unbalanced",
        "((((((((((Gewerbe",
        "Gewerbe%20-anmelden",
        "title:x%20AND%20OR",
        "%5E%2A%3F",
    ] {
        let res = app.get(&format!("/api/v1/search?q={q}")).await;
        assert_eq!(res.status, 200, "{q}: {}", res.text);
    }
    let excluded = app.get("/api/v1/search?q=Gewerbe%20-anmelden").await.json();
    assert_eq!(excluded["total"], 1);
    assert_eq!(
        app.get("/api/v1/search?q=x&limit=100000").await.status,
        200,
        "limits are clamped"
    );
    assert_eq!(app.get("/api/v1/search?q=x&limit=abc").await.status, 400);
}

#[tokio::test]
async fn suggestions_complete_titles() {
    let app = TestApp::new();
    app.create("Meldebescheinigung ausstellen", "x").await;
    let start = Instant::now();
    loop {
        let s = app.get("/api/v1/search/suggest?q=Meldeb").await.json();
        if s.as_array().is_some_and(|a| !a.is_empty()) {
            assert_eq!(s[0]["url"], "/artikel/meldebescheinigung-ausstellen");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_results_page_shows_snippets_and_records_anonymous_analytics() {
    let app = TestApp::new();
    app.create(
        "Wohngeld beantragen",
        "Das Wohngeld wird monatlich gezahlt. <script>alert(1)</script>",
    )
    .await;
    search_until(&app, "/api/v1/search?q=Wohngeld", |j| j["total"] == 1).await;
    let page = app.get("/suche?q=Wohngeld").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("<mark>Wohngeld</mark>"), "{}", page.text);
    assert!(!page.text.contains("<script>alert"), "snippets are escaped");
    let link = "/suche/treffer?q=Wohngeld&ziel=%2Fartikel%2Fwohngeld-beantragen";
    assert!(
        page.text.contains(&link.replace('&', "&#38;")),
        "{}",
        page.text
    );
    let click = app.get(link).await;
    assert_eq!(
        click.header("location"),
        Some("/artikel/wohngeld-beantragen")
    );
    assert_eq!(
        app.get("/suche/treffer?q=x&ziel=https%3A%2F%2Fevil.example")
            .await
            .header("location"),
        Some("/")
    );
    app.get("/suche?q=Elterngeld%20Nachzahlung").await;
    app.get("/suche?q=elterngeld+++nachzahlung").await;
    let report = app.get("/api/v1/search/analytics?days=7").await.json();
    let zero = &report["zero_results"][0];
    assert_eq!(zero["query"], "elterngeld nachzahlung");
    assert_eq!(zero["searches"], 2);
    let top: Vec<&str> = report["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["query"].as_str().unwrap())
        .collect();
    assert!(top.contains(&"wohngeld"));
    let wohngeld = report["top"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["query"] == "wohngeld")
        .unwrap()
        .clone();
    assert_eq!(wohngeld["clicks"], 1);
    assert!(
        !report.to_string().contains("anonym"),
        "no user names in analytics"
    );
    let admin = app.get("/admin/suche").await;
    assert!(admin.text.contains("elterngeld nachzahlung"));
}

#[tokio::test]
async fn installation_synonyms_apply_immediately() {
    let app = TestApp::new();
    app.create("Sondernutzungserlaubnis", "Für Tische auf dem Gehweg.")
        .await;
    search_until(&app, "/api/v1/search?q=Sondernutzungserlaubnis", |j| {
        j["total"] == 1
    })
    .await;
    assert_eq!(
        app.get("/api/v1/search?q=Cafeterrasse").await.json()["total"],
        0
    );
    let res = app
        .put_json(
            "/api/v1/search/synonyms",
            json!({"synonyms": "Cafeterrasse => Sondernutzungserlaubnis"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        app.get("/api/v1/search?q=Cafeterrasse").await.json()["total"],
        1
    );
    let form = app
        .post_form(
            "/admin/synonyme",
            &[(
                "synonyms",
                "Cafeterrasse => Sondernutzungserlaubnis\nKaffee, Cafe",
            )],
        )
        .await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert!(form.text.contains("gespeichert"));
}
