//! Crash safety: SIGKILL the server during a stream of concurrent saves; after a restart
//! every acknowledged save must be there.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use crate::socket::Server;

#[derive(Debug, Clone)]
struct Acked {
    id: String,
    revision: u64,
    body: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_save_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = Server::start(&data).await;
    let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
    let client = server.client();
    let mut workers = Vec::new();
    for w in 0..8 {
        let (client, base, acked) = (client.clone(), server.base.clone(), Arc::clone(&acked));
        workers.push(tokio::spawn(async move {
            let mut current: Option<(String, u64)> = None;
            for i in 0..10_000 {
                let body = format!("Arbeiter {w}, Schritt {i}\n\nInhalt {}", "x".repeat(i % 500));
                let res = match &current {
                    None => client.post(format!("{base}/api/v1/articles")).json(&json!({"title": format!("Crash {w} {i}"), "body": body})).send().await,
                    Some((id, rev)) => client
                        .put(format!("{base}/api/v1/articles/{id}"))
                        .json(&json!({"title": format!("Crash {w}"), "body": body, "base_revision": rev}))
                        .send()
                        .await,
                };
                let Ok(res) = res else { return };
                if !res.status().is_success() {
                    return;
                }
                let Ok(j) = res.json::<serde_json::Value>().await else { return };
                let id = j["id"].as_str().unwrap_or_default().to_owned();
                let revision = j["revision"].as_u64().unwrap_or_default();
                acked.lock().unwrap().push(Acked { id: id.clone(), revision, body });
                // Every fifth save starts a new article, the others add revisions.
                current = if i % 5 == 4 { None } else { Some((id, revision)) };
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    for w in workers {
        let _ = w.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() > 20,
        "too few saves before the kill: {}",
        acked.len()
    );

    let server = Server::start(&data).await;
    for a in &acked {
        let rev: serde_json::Value = client
            .get(format!(
                "{}/api/v1/articles/{}/revisions/{}",
                server.base, a.id, a.revision
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            rev["body"].as_str(),
            Some(a.body.as_str()),
            "lost acknowledged save {a:?}"
        );
    }
}
