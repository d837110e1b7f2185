//! Reminder e-mails through SMTP, against a minimal SMTP server started in the test.

use std::sync::{Arc, Mutex};

use serde_json::json;
use stafette::service::retention::mail::{SmtpConfig, send_reminders};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::common::TestApp;

/// Accepts SMTP sessions on loopback and records each transaction's envelope and data.
async fn smtp_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&mails);
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let mut current = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-test\r\n250 OK\r\n"
                    } else if upper.starts_with("MAIL") || upper.starts_with("RCPT") {
                        current.push_str(&line);
                        current.push('\n');
                        b"250 OK\r\n"
                    } else if upper == "DATA" {
                        w.write_all(b"354 go ahead\r\n").await.unwrap();
                        while let Ok(Some(data)) = lines.next_line().await {
                            if data == "." {
                                break;
                            }
                            current.push_str(&data);
                            current.push('\n');
                        }
                        seen.lock().unwrap().push(std::mem::take(&mut current));
                        b"250 queued\r\n"
                    } else if upper == "QUIT" {
                        w.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    w.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, mails)
}

#[tokio::test]
async fn users_with_open_tasks_get_one_digest_a_day() {
    let (port, mails) = smtp_server().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = stafette::config::Config::for_dir(dir.path());
    config.smtp = Some(SmtpConfig {
        host: "127.0.0.1".to_owned(),
        port: Some(port),
        security: "none".to_owned(),
        username: None,
        password: None,
        from: "stafette <wissen@stadt.example>".to_owned(),
    });
    config.public_url = Some("https://wissen.stadt.example".to_owned());
    let app = TestApp::with_config(dir, config);
    let erna = app
        .post_json(
            "/api/v1/users",
            json!({"login": "erna", "display_name": "Erna Beispiel", "role": "autor", "email": "erna@stadt.example"}),
        )
        .await;
    assert_eq!(erna.status, 201, "{}", erna.text);
    let bad = app
        .post_json(
            "/api/v1/users",
            json!({"login": "otto", "email": "kein mail"}),
        )
        .await;
    assert_eq!(bad.status, 400);
    // Someone without an address or without tasks gets nothing.
    app.post_json("/api/v1/users", json!({"login": "fritz", "role": "autor"}))
        .await;
    let a = app.create("Wohngeld prüfen", "Schritte").await;
    let owned = app
        .put_json(
            &format!("/api/v1/articles/{}/ownership", a["id"].as_str().unwrap()),
            json!({"owner": "erna", "deputies": []}),
        )
        .await;
    assert_eq!(owned.status, 200, "{}", owned.text);

    // The daily job also runs at start; whichever run comes first sends the one digest.
    send_reminders(&app.state).await.unwrap();
    let got = mails.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    let mail = &got[0];
    assert!(mail.contains("RCPT TO:<erna@stadt.example>"), "{mail}");
    assert!(
        mail.contains("Subject: stafette: 1 offene Aufgaben"),
        "{mail}"
    );
    assert!(
        mail.contains("https://wissen.stadt.example/artikel/wohngeld-pruefen"),
        "{mail}"
    );
    // Once a day: a second run (or a restart) the same day sends nothing.
    assert_eq!(send_reminders(&app.state).await.unwrap(), 0);
    assert_eq!(mails.lock().unwrap().len(), 1);
}
