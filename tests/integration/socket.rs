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
    /// A write token of the admin `admin`, created with the CLI before the first start.
    pub(crate) token: String,
}

/// Creates the admin and a write token with the CLI (the database must not be in use);
/// remembered in the data directory so a restarted server reuses them.
pub(crate) fn admin_token(data_dir: &Path) -> String {
    let remembered = data_dir.join("test-admin-token");
    if let Ok(t) = std::fs::read_to_string(&remembered) {
        return t;
    }
    let port = free_port();
    let mut add = Command::new(env!("CARGO_BIN_EXE_stafette"))
        .args([
            "user",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = add.stdin.take().unwrap();
        stdin.write_all(b"ein sehr geheimes Passwort\n").unwrap();
    }
    let out = add.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cli(
        data_dir,
        port,
        &["token", "create", "admin", "--scope", "write"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("stf_"), "{token}");
    std::fs::write(&remembered, &token).unwrap();
    token
}

impl Server {
    /// An HTTP client that authenticates as the admin.
    pub(crate) fn client(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {}", self.token).parse().unwrap(),
        );
        reqwest::Client::builder()
            .default_headers(headers)
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap()
    }

    pub(crate) async fn start(data_dir: &Path) -> Server {
        std::fs::create_dir_all(data_dir).unwrap();
        let token = admin_token(data_dir);
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
        Server {
            child,
            base,
            port,
            token,
        }
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
    let (token, _) = crate::common::make_user(&state, "admin", "admin", &[]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(stafette::run(state, listener, async {
        let _ = rx.await;
    }));
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
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
    // The backup carries the accounts: the first server's token works on the restored one.
    std::fs::copy(
        data.join("test-admin-token"),
        data2.join("test-admin-token"),
    )
    .unwrap();
    let server2 = Server::start(&data2).await;
    let list: serde_json::Value = server2
        .client()
        .get(format!("{}/api/v1/articles", server2.base))
        .send()
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
