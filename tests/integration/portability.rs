//! Import, export and backup/restore through the service layer and the CLI.

use std::path::Path;

use stafette::service::portability;
use stafette::service::{Actor, backup};

use crate::common::TestApp;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

async fn import_dir(app: &TestApp, dir: &Path) -> portability::ImportReport {
    let (docs, failed) = portability::read_dir(dir).unwrap();
    assert!(failed.is_empty(), "{failed:?}");
    portability::import(&app.state, &Actor::system("import"), docs, None).await
}

#[tokio::test]
async fn import_is_idempotent_by_slug() {
    let app = TestApp::new();
    let r = import_dir(&app, &fixtures()).await;
    assert_eq!((r.created, r.updated, r.unchanged), (3, 0, 0), "{r:?}");
    let hund = app
        .get("/api/v1/articles/hund-anmelden-hundesteuer-und-hundemarke")
        .await
        .json();
    assert_eq!(hund["space"], "steuern");
    assert_eq!(hund["tags"], serde_json::json!(["Steuern", "Tiere"]));
    assert!(
        hund["html"]
            .as_str()
            .unwrap()
            .contains("href=\"/artikel/meldebescheinigung-ausstellen\"")
    );
    assert_eq!(
        app.get("/api/v1/articles/uebergabe-im-ordnungsamt")
            .await
            .status,
        200
    );
    let again = import_dir(&app, &fixtures()).await;
    assert_eq!(
        (again.created, again.updated, again.unchanged),
        (0, 0, 3),
        "{again:?}"
    );
    assert_eq!(app.get("/api/v1/articles").await.json()["total"], 3);
}

#[tokio::test]
async fn export_then_import_round_trips() {
    let a = TestApp::new();
    import_dir(&a, &fixtures()).await;
    let files = portability::export(&a.state).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    portability::write_export(out.path(), &files).unwrap();
    assert!(
        out.path()
            .join("buergerbuero/meldewesen/meldebescheinigung-ausstellen.md")
            .exists()
    );

    let b = TestApp::new();
    let r = import_dir(&b, out.path()).await;
    assert_eq!(r.created, 3, "{r:?}");
    for slug in [
        "hund-anmelden-hundesteuer-und-hundemarke",
        "meldebescheinigung-ausstellen",
        "uebergabe-im-ordnungsamt",
    ] {
        let x = a.get(&format!("/api/v1/articles/{slug}")).await.json();
        let y = b.get(&format!("/api/v1/articles/{slug}")).await.json();
        for field in ["title", "description", "body", "tags", "space", "slug"] {
            assert_eq!(x[field], y[field], "{slug}.{field}");
        }
    }
    // Exporting the re-imported data gives the same files again.
    let mut again = portability::export(&b.state).await.unwrap();
    let mut first = files;
    again.sort_by(|p, q| p.path.cmp(&q.path));
    first.sort_by(|p, q| p.path.cmp(&q.path));
    assert_eq!(
        serde_json::to_value(&first).unwrap(),
        serde_json::to_value(&again).unwrap()
    );
}

#[tokio::test]
async fn backup_restores_everything_and_refuses_damaged_files() {
    let a = TestApp::new();
    import_dir(&a, &fixtures()).await;
    let file = a.dir.path().join("sicherung.jsonl");
    let s = backup::backup_to_file(&a.state, &file).await.unwrap();
    assert_eq!(s.articles, 3);

    let target = tempfile::tempdir().unwrap();
    let db = target.path().join("db");
    let r = backup::restore(&db, &file, false).unwrap();
    assert_eq!(r.articles, 3);
    let state = stafette::open_state(stafette::config::Config::for_dir(target.path())).unwrap();
    assert_eq!(state.store.article_count(), 3);
    drop(state);

    // A second restore needs --force; a truncated file is refused and changes nothing.
    assert!(backup::restore(&db, &file, false).is_err());
    let text = std::fs::read_to_string(&file).unwrap();
    let broken = a.dir.path().join("kaputt.jsonl");
    std::fs::write(&broken, &text[..text.len() / 2]).unwrap();
    assert!(backup::restore(&db, &broken, true).is_err());
    let state = stafette::open_state(stafette::config::Config::for_dir(target.path())).unwrap();
    assert_eq!(state.store.article_count(), 3);
}
