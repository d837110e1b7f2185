//! JSON API behaviour.

use serde_json::json;

use crate::common::TestApp;

#[tokio::test]
async fn creating_an_article_returns_201_with_slug_and_revision() {
    let app = TestApp::new();
    let res = app
        .post_json(
            "/api/v1/articles",
            json!({"title": "Größe der Übergabe", "body": "# Hallo\n\nText", "tags": ["Meldewesen", " meldewesen "], "summary": "erste Fassung"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let a = res.json();
    assert_eq!(a["slug"], "groesse-der-uebergabe");
    assert_eq!(a["revision"], 1);
    assert_eq!(a["tags"], json!(["Meldewesen"]));
    assert_eq!(a["space"], "allgemein");
    assert!(
        res.header("location")
            .unwrap()
            .ends_with(a["id"].as_str().unwrap())
    );
    assert!(
        a["html"]
            .as_str()
            .unwrap()
            .contains("<h1 id=\"hallo\">Hallo</h1>")
    );
}

#[tokio::test]
async fn articles_are_found_by_id_and_slug() {
    let app = TestApp::new();
    let a = app.create("Hund anmelden", "Text").await;
    let by_id = app
        .get(&format!("/api/v1/articles/{}", a["id"].as_str().unwrap()))
        .await;
    let by_slug = app.get("/api/v1/articles/hund-anmelden").await;
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.json()["id"], by_slug.json()["id"]);
    assert_eq!(by_slug.json()["body"], "Text");
}

#[tokio::test]
async fn duplicate_titles_get_numbered_slugs() {
    let app = TestApp::new();
    assert_eq!(app.create("Antrag", "a").await["slug"], "antrag");
    assert_eq!(app.create("Antrag", "b").await["slug"], "antrag-2");
}

#[tokio::test]
async fn invalid_input_gets_problem_json() {
    let app = TestApp::new();
    let res = app
        .post_json("/api/v1/articles", json!({"title": "  ", "body": "x"}))
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    assert_eq!(res.json()["detail"], "Der Titel darf nicht leer sein.");
    let res = app
        .post_json("/api/v1/articles", json!({"titel": "x"}))
        .await;
    assert_eq!(res.status, 400);
    assert!(
        res.json()["detail"]
            .as_str()
            .unwrap()
            .starts_with("Ungültiges JSON")
    );
    let res = app
        .post_json(
            "/api/v1/articles",
            json!({"title": "x", "space": "gibt-es-nicht"}),
        )
        .await;
    assert_eq!(res.status, 400);
    let a = app.create("Vorhanden", "Text").await;
    let path = format!("/api/v1/articles/{}", a["id"].as_str().unwrap());
    let res = app
        .put_json(&path, json!({"title": "Vorhanden", "base_revision": 1}))
        .await;
    assert_eq!(
        res.status, 400,
        "an edit without body must not empty the article"
    );
    assert_eq!(app.get(&path).await.json()["body"], "Text");
    let res = app
        .put_json(&path, json!({"title": "Vorhanden", "body": "x"}))
        .await;
    assert_eq!(res.json()["detail"], "Das Feld „base_revision“ fehlt.");
    let res = app.get("/api/v1/articles/unbekannt").await;
    assert_eq!(res.status, 404);
    assert_eq!(res.json()["code"], "not_found");
}

#[tokio::test]
async fn oversized_and_deeply_nested_bodies_are_refused() {
    let app = TestApp::new();
    let res = app
        .post_json(
            "/api/v1/articles",
            json!({"title": "Groß", "body": "x".repeat(600 * 1024)}),
        )
        .await;
    assert_eq!(res.status, 413, "{}", res.text);
    let res = app
        .post_json(
            "/api/v1/articles",
            json!({"title": "Tief", "body": ">".repeat(50_000)}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.text);
    assert!(
        res.json()["detail"]
            .as_str()
            .unwrap()
            .contains("verschachtelt")
    );
}

#[tokio::test]
async fn edit_on_current_base_creates_a_revision() {
    let app = TestApp::new();
    let a = app.create("Meldebescheinigung", "eins").await;
    let id = a["id"].as_str().unwrap();
    let res = app
        .put_json(
            &format!("/api/v1/articles/{id}"),
            json!({"title": "Meldebescheinigung", "body": "zwei", "base_revision": 1}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["revision"], 2);
    assert_eq!(res.json()["merged"], false);
    let revs = app
        .get(&format!("/api/v1/articles/{id}/revisions"))
        .await
        .json();
    assert_eq!(revs.as_array().unwrap().len(), 2);
    let r1 = app
        .get(&format!("/api/v1/articles/{id}/revisions/1"))
        .await
        .json();
    assert_eq!(r1["body"], "eins");
}

#[tokio::test]
async fn saving_unchanged_content_writes_no_revision() {
    let app = TestApp::new();
    let a = app.create("Gleich", "Text").await;
    let id = a["id"].as_str().unwrap();
    let res = app
        .put_json(
            &format!("/api/v1/articles/{id}"),
            json!({"title": "Gleich", "body": "Text", "base_revision": 1}),
        )
        .await;
    assert_eq!(res.json()["revision"], 1);
}

#[tokio::test]
async fn stale_edits_in_different_paragraphs_merge() {
    let app = TestApp::new();
    let base = "Absatz eins.\n\nAbsatz zwei.\n\nAbsatz drei.\n";
    let a = app.create("Zusammenführen", base).await;
    let id = a["id"].as_str().unwrap();
    let first = app
        .put_json(
            &format!("/api/v1/articles/{id}"),
            json!({"title": "Zusammenführen", "body": base.replace("eins", "EINS"), "base_revision": 1}),
        )
        .await;
    assert_eq!(first.json()["revision"], 2);
    let second = app
        .put_json(
            &format!("/api/v1/articles/{id}"),
            json!({"title": "Zusammenführen", "body": base.replace("drei", "DREI"), "base_revision": 1}),
        )
        .await;
    assert_eq!(second.status, 200, "{}", second.text);
    let j = second.json();
    assert_eq!(j["revision"], 3);
    assert_eq!(j["merged"], true);
    assert_eq!(j["body"], "Absatz EINS.\n\nAbsatz zwei.\n\nAbsatz DREI.\n");
}

#[tokio::test]
async fn overlapping_stale_edits_answer_409_with_the_current_revision() {
    let app = TestApp::new();
    let a = app.create("Konflikt", "Gebühr: 10 Euro\n").await;
    let id = a["id"].as_str().unwrap();
    let path = format!("/api/v1/articles/{id}");
    app.put_json(
        &path,
        json!({"title": "Konflikt", "body": "Gebühr: 12 Euro\n", "base_revision": 1}),
    )
    .await;
    let res = app
        .put_json(
            &path,
            json!({"title": "Konflikt", "body": "Gebühr: 15 Euro\n", "base_revision": 1}),
        )
        .await;
    assert_eq!(res.status, 409, "{}", res.text);
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    let j = res.json();
    assert_eq!(j["current_revision"], 2);
    assert_eq!(j["current"]["body"], "Gebühr: 12 Euro\n");
    let merged = j["merged_body"].as_str().unwrap();
    assert!(merged.contains("12 Euro") && merged.contains("15 Euro") && merged.contains("<<<<<<<"));
    // Nothing was lost or overwritten.
    assert_eq!(app.get(&path).await.json()["revision"], 2);
}

#[tokio::test]
async fn renaming_keeps_the_old_slug_as_redirect() {
    let app = TestApp::new();
    let a = app.create("Alter Name", "x").await;
    let id = a["id"].as_str().unwrap();
    let res = app
        .put_json(
            &format!("/api/v1/articles/{id}"),
            json!({"title": "Neuer Name", "body": "x", "base_revision": 1}),
        )
        .await;
    assert_eq!(res.json()["slug"], "neuer-name");
    let old = app.get("/artikel/alter-name").await;
    assert_eq!(old.status, 308);
    assert_eq!(old.header("location"), Some("/artikel/neuer-name"));
    assert_eq!(
        app.get("/api/v1/articles/alter-name").await.json()["slug"],
        "neuer-name"
    );
}

#[tokio::test]
async fn moving_between_spaces() {
    let app = TestApp::new();
    let res = app
        .post_json("/api/v1/spaces", json!({"name": "Bürgerbüro"}))
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let sub = app
        .post_json(
            "/api/v1/spaces",
            json!({"name": "Meldewesen", "parent": "buergerbuero"}),
        )
        .await
        .json();
    assert_eq!(sub["slug"], "meldewesen");
    let a = app.create("Anmeldung", "x").await;
    let id = a["id"].as_str().unwrap();
    let moved = app
        .put_json(
            &format!("/api/v1/articles/{id}"),
            json!({"title": "Anmeldung", "body": "x", "space": "meldewesen", "base_revision": 1}),
        )
        .await
        .json();
    assert_eq!(moved["space"], "meldewesen");
    let list = app.get("/api/v1/articles?space=meldewesen").await.json();
    assert_eq!(list["total"], 1);
    let spaces = app.get("/api/v1/spaces").await.json();
    let depths: Vec<(String, u64)> = spaces
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["slug"].as_str().unwrap().to_owned(),
                s["depth"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(depths.contains(&("meldewesen".to_owned(), 1)));
}

#[tokio::test]
async fn trash_and_restore() {
    let app = TestApp::new();
    let a = app.create("Wegwerfen", "x").await;
    let id = a["id"].as_str().unwrap();
    let res = app.delete(&format!("/api/v1/articles/{id}")).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res.json()["deleted_at"].is_string());
    assert_eq!(app.get("/api/v1/articles").await.json()["total"], 0);
    assert_eq!(
        app.get("/api/v1/articles?trash=true").await.json()["total"],
        1
    );
    assert_eq!(app.get("/artikel/wegwerfen").await.status, 404);
    assert_eq!(
        app.delete(&format!("/api/v1/articles/{id}")).await.status,
        409
    );
    let res = app
        .post_json(&format!("/api/v1/articles/{id}/restore"), json!({}))
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(app.get("/artikel/wegwerfen").await.status, 200);
}

#[tokio::test]
async fn restoring_an_old_revision_creates_a_new_one() {
    let app = TestApp::new();
    let a = app.create("Verlauf", "alt").await;
    let id = a["id"].as_str().unwrap();
    app.put_json(
        &format!("/api/v1/articles/{id}"),
        json!({"title": "Verlauf", "body": "neu", "base_revision": 1}),
    )
    .await;
    let res = app
        .post_json(
            &format!("/api/v1/articles/{id}/revisions/1/restore"),
            json!({}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["revision"], 3);
    assert_eq!(res.json()["body"], "alt");
}

#[tokio::test]
async fn diff_is_word_level() {
    let app = TestApp::new();
    let a = app.create("Diff", "Der Antrag wird geprüft.").await;
    let id = a["id"].as_str().unwrap();
    app.put_json(
        &format!("/api/v1/articles/{id}"),
        json!({"title": "Diff", "body": "Der Antrag wird sofort geprüft.", "base_revision": 1}),
    )
    .await;
    let d = app
        .get(&format!("/api/v1/articles/{id}/diff?from=1&to=2"))
        .await
        .json();
    assert_eq!(d["inserted_words"], 1);
    assert_eq!(d["deleted_words"], 0);
    let inserted: Vec<&str> = d["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "insert")
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(inserted.concat().trim(), "sofort");
}

#[tokio::test]
async fn wiki_links_resolve_and_produce_backlinks() {
    let app = TestApp::new();
    let target = app.create("Personalausweis beantragen", "Ziel").await;
    app.create(
        "Übersicht",
        "Siehe [[Personalausweis beantragen]] und [[reisepass|Reisepass]].",
    )
    .await;
    let o = app.get("/api/v1/articles/uebersicht").await.json();
    let html = o["html"].as_str().unwrap();
    assert!(
        html.contains("href=\"/artikel/personalausweis-beantragen\""),
        "{html}"
    );
    assert!(html.contains("wikilink missing"), "{html}");
    assert!(html.contains("/artikel/neu?titel=reisepass"), "{html}");
    let back = app
        .get(&format!(
            "/api/v1/articles/{}/backlinks",
            target["id"].as_str().unwrap()
        ))
        .await
        .json();
    assert_eq!(back[0]["slug"], "uebersicht");
    // Creating the missing target turns the link into a real one.
    app.create("Reisepass", "jetzt da").await;
    let html = app.get("/api/v1/articles/uebersicht").await.json()["html"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(html.contains("href=\"/artikel/reisepass\""), "{html}");
    assert!(!html.contains("missing"), "{html}");
}

#[tokio::test]
async fn hostile_markdown_is_sanitised() {
    let app = TestApp::new();
    let body = "<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n<img src=x onerror=alert(1)>\n\n![Logo](https://tracker.example/p.png)";
    let a = app.create("Böse", body).await;
    let html = a["html"].as_str().unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(!html.contains("onerror"), "{html}");
    assert!(
        !html.contains("<img src=\"https://tracker.example"),
        "{html}"
    );
    assert!(html.contains("blocked-image"), "{html}");
}

#[tokio::test]
async fn listing_filters_by_tag_and_pages() {
    let app = TestApp::new();
    for i in 0..5 {
        app.post_json("/api/v1/articles", json!({"title": format!("Artikel {i}"), "body": "x", "tags": if i % 2 == 0 { vec!["gerade"] } else { vec!["ungerade"] }}))
            .await;
    }
    let l = app
        .get("/api/v1/articles?tag=GERADE&limit=2&offset=1")
        .await
        .json();
    assert_eq!(l["total"], 3);
    assert_eq!(l["items"].as_array().unwrap().len(), 2);
    assert_eq!(app.get("/api/v1/articles?limit=abc").await.status, 400);
}

#[tokio::test]
async fn openapi_and_health_are_served() {
    let app = TestApp::new();
    let doc = app.get("/api/v1/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/articles/{id}"]["put"]["responses"]["409"].is_object());
    assert!(doc["paths"]["/api/v1/search"]["get"].is_object());
    let h = app.get("/healthz").await;
    assert_eq!(h.status, 200);
    assert_eq!(h.json()["status"], "ok");
}

#[tokio::test]
async fn cross_site_writes_are_refused() {
    let app = TestApp::new();
    let req = axum::http::Request::post("/api/v1/articles")
        .header("content-type", "application/json")
        .header("origin", "https://evil.example")
        .header("host", "wiki.local")
        .body(axum::body::Body::from(json!({"title": "x"}).to_string()))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, 403, "{}", res.text);
    assert_eq!(app.get("/api/v1/articles").await.json()["total"], 0);
}
