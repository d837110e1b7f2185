//! Semantic and hybrid search, vectors and "Ähnliche Artikel" with a synthetic model (the
//! real file format with meaningless weights), model state in `/healthz`, and the model
//! install command.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::TestApp;

/// Waits until the model is loaded and every article has vectors.
async fn vectors_ready(app: &TestApp, articles: u64) -> Value {
    let start = Instant::now();
    loop {
        let h = app.get("/healthz").await.json();
        let s = &h["semantic"];
        if s["state"] == "ready" && s["vectors"]["done"] == articles && s["vectors"]["pending"] == 0
        {
            return h;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "vectors not ready: {h}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Waits until the keyword index has `n` documents for `q`.
async fn keyword_total(app: &TestApp, q: &str, n: u64) {
    let start = Instant::now();
    loop {
        let j = app
            .get(&format!("/api/v1/search?mode=keyword&q={q}"))
            .await
            .json();
        if j["total"] == n {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "{j}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn semantic_mode_finds_an_article_once_its_vectors_exist() {
    let app = TestApp::with_model();
    app.create("Hallo Welt", "## Ablauf\n\nhallo welt und die welt.")
        .await;
    let h = vectors_ready(&app, 1).await;
    assert_eq!(h["status"], "ok");
    let res = app.get("/api/v1/search?q=hallo&mode=semantic").await;
    assert_eq!(res.status, 200, "{}", res.text);
    let j = res.json();
    assert_eq!(j["mode"], "semantic");
    assert_eq!(j["total"], 1);
    assert_eq!(j["hits"][0]["slug"], "hallo-welt");
    // Semantic-only hits show their best passage as the snippet.
    assert!(
        j["hits"][0]["snippet"].as_str().unwrap().contains("welt"),
        "{j}"
    );
}

#[tokio::test]
async fn hybrid_is_the_default_and_fuses_both_lists() {
    let app = TestApp::with_model();
    app.create("Hundesteuer", "Die Hundesteuer wird jährlich erhoben.")
        .await;
    app.create("Sperrmüll", "Abholung zweimal im Jahr.").await;
    vectors_ready(&app, 2).await;
    keyword_total(&app, "Hundesteuer", 1).await;
    let j = app.get("/api/v1/search?q=Hundesteuer").await.json();
    assert_eq!(j["mode"], "hybrid");
    // The keyword list has one article, the dense list both: the fusion has both, and the
    // article on both lists comes first.
    assert_eq!(j["total"], 2, "{j}");
    assert_eq!(j["hits"][0]["slug"], "hundesteuer");
    assert!(j["hits"][0]["snippet"].as_str().unwrap().contains("<mark>"));
    let k = app
        .get("/api/v1/search?q=Hundesteuer&mode=keyword")
        .await
        .json();
    assert_eq!(
        (k["mode"].clone(), k["total"].clone()),
        (json!("keyword"), json!(1))
    );
    let bad = app.get("/api/v1/search?q=x&mode=magic").await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn filters_apply_to_the_dense_list() {
    let app = TestApp::with_model();
    app.post_json(
        "/api/v1/articles",
        json!({"title": "Wohngeld", "body": "hallo welt", "tags": ["Soziales"]}),
    )
    .await;
    app.create("Kindergeld", "hallo welt").await;
    vectors_ready(&app, 2).await;
    for mode in ["semantic", "hybrid"] {
        let j = app
            .get(&format!("/api/v1/search?q=hallo&mode={mode}&tag=Soziales"))
            .await
            .json();
        assert_eq!(j["total"], 1, "{mode}: {j}");
        assert_eq!(j["hits"][0]["slug"], "wohngeld");
        let none = app
            .get(&format!("/api/v1/search?q=hallo&mode={mode}&tag=Unbekannt"))
            .await
            .json();
        assert_eq!(none["total"], 0, "{mode}: {none}");
    }
}

#[tokio::test]
async fn edits_and_trash_update_the_vectors() {
    let app = TestApp::with_model();
    let a = app.create("Alt", "hallo").await;
    app.create("Bleibt", "welt").await;
    vectors_ready(&app, 2).await;
    let id = a["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/api/v1/articles/{id}")).await.status,
        200
    );
    vectors_ready(&app, 1).await;
    let j = app.get("/api/v1/search?q=hallo&mode=semantic").await.json();
    assert_eq!(j["total"], 1, "{j}");
    assert_eq!(j["hits"][0]["slug"], "bleibt");
}

#[tokio::test]
async fn article_pages_and_the_api_show_related_articles() {
    let app = TestApp::with_model();
    let a = app.create("Personalausweis", "hallo welt").await;
    app.create("Reisepass", "hallo die welt").await;
    vectors_ready(&app, 2).await;
    let page = app.get("/artikel/personalausweis").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Ähnliche Artikel"), "{}", page.text);
    assert!(page.text.contains("/artikel/reisepass"));
    let id = a["id"].as_str().unwrap();
    let j = app
        .get(&format!("/api/v1/articles/{id}/related"))
        .await
        .json();
    assert_eq!(j[0]["slug"], "reisepass", "{j}");
}

#[tokio::test]
async fn without_a_model_semantic_is_refused_and_hybrid_falls_back() {
    let app = TestApp::new();
    app.create("Hundesteuer", "jährlich").await;
    let h = app.get("/healthz").await;
    assert_eq!(h.status, 200);
    assert_eq!(h.json()["semantic"]["state"], "missing");
    let res = app.get("/api/v1/search?q=Hundesteuer&mode=semantic").await;
    assert_eq!(res.status, 503, "{}", res.text);
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    assert_eq!(res.json()["code"], "semantic_unavailable");
    keyword_total(&app, "Hundesteuer", 1).await;
    let j = app.get("/api/v1/search?q=Hundesteuer").await.json();
    assert_eq!(j["mode"], "keyword");
    assert_eq!(j["semantic"]["state"], "missing");
    assert_eq!(j["semantic"]["vectors"]["pending"], 1);
    // The page still renders, without the related section.
    let page = app.get("/artikel/hundesteuer").await;
    assert_eq!(page.status, 200);
    assert!(!page.text.contains("Ähnliche Artikel"));
    let ui = app.get("/suche?q=Hundesteuer&modus=semantic").await;
    assert_eq!(ui.status, 200);
    assert!(ui.text.contains("nicht verfügbar"), "{}", ui.text);
    assert!(
        ui.text.contains("ziel=%2Fartikel%2Fhundesteuer"),
        "{}",
        ui.text
    );
    let admin = app.get("/admin/suche").await;
    assert!(admin.text.contains("data-state=\"missing\""));
    let related = app.get("/api/v1/articles/hundesteuer/related").await;
    assert_eq!(related.status, 503);
}

#[tokio::test]
async fn the_search_page_offers_the_three_modes() {
    let app = TestApp::with_model();
    app.create("Hallo", "welt").await;
    vectors_ready(&app, 1).await;
    let ui = app.get("/suche?q=welt&modus=semantic").await;
    assert_eq!(ui.status, 200);
    for label in ["Kombiniert", "Stichwörter", "Bedeutung"] {
        assert!(ui.text.contains(label), "{label}");
    }
    assert!(ui.text.contains("value=\"semantic\" checked"));
    assert!(ui.text.contains("ziel=%2Fartikel%2Fhallo"), "{}", ui.text);
    assert!(!ui.text.contains("nicht verfügbar"));
}

#[test]
fn model_install_refuses_a_file_with_the_wrong_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("fake.bin");
    std::fs::write(
        &fake,
        stafette_index::embed::synthetic_model_bytes(&Default::default()),
    )
    .unwrap();
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_stafette"))
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["model", "install", "--from", fake.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sha256 mismatch"), "{err}");
    assert!(!data.join("model").join("e5-small-q4.bin").exists());
    let status = run(&["model", "status"]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("nicht installiert"));
}

#[tokio::test]
async fn space_permissions_apply_to_semantic_hits_and_related_articles() {
    let app = TestApp::with_model();
    app.post_json("/api/v1/groups", json!({"name": "Personalamt"}))
        .await;
    let space = app
        .post_json("/api/v1/spaces", json!({"name": "Personal"}))
        .await
        .json();
    let slug = space["slug"].as_str().unwrap().to_owned();
    app.put_json(
        &format!("/api/v1/spaces/{slug}/acl"),
        json!({"all_staff": "none", "groups": [{"group": "Personalamt", "access": "write"}]}),
    )
    .await;
    let open = app.create("Urlaub beantragen", "hallo welt").await;
    let hidden = app
        .post_json(
            "/api/v1/articles",
            json!({"title": "Kündigung vorbereiten", "body": "hallo welt", "space": slug}),
        )
        .await
        .json();
    vectors_ready(&app, 2).await;
    let (token, _) = crate::common::make_user(&app.state, "clara", "autor", &[]);
    let who = || crate::common::As::Token(token.clone());
    for mode in ["semantic", "hybrid"] {
        let j = app
            .get_as(&format!("/api/v1/search?q=hallo+welt&mode={mode}"), who())
            .await
            .json();
        assert_eq!(j["total"], 1, "{mode}: {j}");
        assert_eq!(j["hits"][0]["slug"], "urlaub-beantragen");
        // Progress counts all articles: not for ordinary users.
        assert!(j["semantic"].get("vectors").is_none(), "{j}");
    }
    let related = app
        .get_as(
            &format!("/api/v1/articles/{}/related", open["id"].as_str().unwrap()),
            who(),
        )
        .await
        .json();
    assert!(!related.to_string().contains("Kündigung"), "{related}");
    let page = app.get_as("/artikel/urlaub-beantragen", who()).await;
    assert!(!page.text.contains("Kündigung"));
    let refused = app
        .get_as(
            &format!(
                "/api/v1/articles/{}/related",
                hidden["id"].as_str().unwrap()
            ),
            who(),
        )
        .await;
    assert_eq!(refused.status, 404);
    // The admin sees both and the progress.
    let all = app
        .get("/api/v1/search?q=hallo+welt&mode=semantic")
        .await
        .json();
    assert_eq!(all["total"], 2);
    assert_eq!(all["semantic"]["vectors"]["done"], 2);
}
