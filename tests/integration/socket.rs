//! Tests over a real TCP socket: serving, embedded assets, graceful shutdown, and the CLI
//! talking to a running server (backup, export, import) while it holds the database.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use stafette::config::Config;

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `stafette serve` child process; killed on drop.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
    pub(crate) port: u16,
}

impl Server {
    pub(crate) async fn start(data_dir: &Path) -> Server {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_stafette"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(data_dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = client.get(format!("{base}/healthz")).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(Instant::now() < deadline, "server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Server { child, base, port }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn serves_pages_and_assets_and_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let state = stafette::open_state(Config::for_dir(dir.path())).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(stafette::run(state, listener, async {
        let _ = rx.await;
    }));
    let client = reqwest::Client::new();
    let base = format!("http://{addr}");
    let created = client
        .post(format!("{base}/api/v1/articles"))
        .json(&json!({"title": "Über das Netz", "body": "Text"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let page = client
        .get(format!("{base}/artikel/ueber-das-netz"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Über das Netz"));
    let js = client
        .get(format!(
            "{base}/static/{}/app.js",
            env!("CARGO_PKG_VERSION")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), 200);
    tx.send(()).unwrap();
    server.await.unwrap().unwrap();
    assert!(
        client.get(format!("{base}/healthz")).send().await.is_err(),
        "server still answering"
    );
}

fn cli(data_dir: &Path, port: u16, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_stafette"))
        .args(args)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn cli_backup_export_and_import_work_while_the_server_runs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data).await;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
    let out = cli(&data, server.port, &["import", fixtures.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 neu"));

    let backup = dir.path().join("backup.jsonl");
    let out = cli(&data, server.port, &["backup", backup.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let export = dir.path().join("export");
    let out = cli(&data, server.port, &["export", export.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        export
            .join("buergerbuero/meldewesen/meldebescheinigung-ausstellen.md")
            .exists()
    );

    // Restore into a second data directory and serve it.
    let data2 = dir.path().join("data2");
    let out = cli(&data2, free_port(), &["restore", backup.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let server2 = Server::start(&data2).await;
    let list: serde_json::Value = reqwest::get(format!("{}/api/v1/articles", server2.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 3);

    // Restore refuses to touch a database in use.
    let out = cli(
        &data2,
        server2.port,
        &["restore", "--force", backup.to_str().unwrap()],
    );
    assert!(!out.status.success());
}
