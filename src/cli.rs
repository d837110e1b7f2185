//! The command-line commands. `serve` runs the server; `import`, `export` and `backup`
//! work on the data directory directly when no server runs, and otherwise go through the
//! running server on the configured address (sled allows only one process per database).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::config::{Command, Config};
use crate::error::AppError;
use crate::service::portability::{self, ExportFile, ImportReport};
use crate::service::{Actor, backup};
use crate::state::AppState;
use crate::store::StoreError;

/// Runs one command to completion.
pub fn run(command: Option<Command>, config: Config) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    rt.block_on(async move {
        match command.unwrap_or(Command::Serve) {
            Command::Serve => serve(config).await,
            Command::Import { dir, space } => import(config, &dir, space).await,
            Command::Export { dir } => export(config, &dir).await,
            Command::Backup { file } => backup_cmd(config, &file).await,
            Command::Restore { file, force } => {
                let summary = backup::restore(&config.db_dir(), &file, force)
                    .map_err(|e| lock_hint(e, &config))?;
                println!(
                    "Wiederhergestellt: {} Artikel ({} Einträge).",
                    summary.articles, summary.records
                );
                Ok(())
            }
            Command::Reindex => reindex(config).await,
        }
    })
}

fn is_locked(e: &AppError) -> bool {
    matches!(e, AppError::Store(StoreError::Sled(sled::Error::Io(io)))
        if io.kind() == std::io::ErrorKind::WouldBlock || io.to_string().contains("could not acquire lock"))
}

fn lock_hint(e: AppError, config: &Config) -> anyhow::Error {
    if is_locked(&e) {
        anyhow::anyhow!(
            "Die Datenbank in {} wird von einem laufenden Server benutzt. Bitte den Server zuerst beenden.",
            config.db_dir().display()
        )
    } else {
        anyhow::anyhow!("{e}")
    }
}

/// Opens the data directory, or `None` when a running server holds it.
fn open_local(config: &Config) -> anyhow::Result<Option<AppState>> {
    match crate::open_state(config.clone()) {
        Ok(s) => Ok(Some(s)),
        Err(e) if is_locked(&e) => Ok(None),
        Err(e) => Err(anyhow::anyhow!("{e}"))
            .with_context(|| format!("opening {}", config.data_dir.display())),
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let state = crate::open_state(config.clone()).map_err(|e| lock_hint(e, &config))?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, data_dir = %config.data_dir.display(), "stafette läuft: http://{addr}/");
    crate::run(state, listener, shutdown_signal())
        .await
        .context("serving")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}

async fn import(config: Config, dir: &Path, space: Option<String>) -> anyhow::Result<()> {
    let (docs, mut failed) =
        portability::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    let report = match open_local(&config)? {
        Some(state) => portability::import(&state, &Actor::system("import"), docs, space).await,
        None => {
            let body = serde_json::to_vec(&serde_json::json!({ "docs": docs, "space": space }))?;
            let bytes = remote(config.listen, "POST", "/api/v1/admin/import", Some(body))?;
            serde_json::from_slice::<ImportReport>(&bytes).context("reading the server's answer")?
        }
    };
    failed.extend(report.failed.iter().cloned());
    println!(
        "Import: {} neu, {} aktualisiert, {} unverändert, {} fehlgeschlagen.",
        report.created,
        report.updated,
        report.unchanged,
        failed.len()
    );
    for (file, why) in &failed {
        eprintln!("  {file}: {why}");
    }
    if failed.is_empty() {
        Ok(())
    } else {
        bail!("{} Datei(en) nicht importiert", failed.len())
    }
}

async fn export(config: Config, dir: &Path) -> anyhow::Result<()> {
    let files = match open_local(&config)? {
        Some(state) => portability::export(&state)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?,
        None => {
            let bytes = remote(config.listen, "GET", "/api/v1/admin/export", None)?;
            serde_json::from_slice::<Vec<ExportFile>>(&bytes)
                .context("reading the server's answer")?
        }
    };
    portability::write_export(dir, &files).with_context(|| format!("writing {}", dir.display()))?;
    println!("Export: {} Artikel nach {}", files.len(), dir.display());
    Ok(())
}

async fn backup_cmd(config: Config, file: &Path) -> anyhow::Result<()> {
    match open_local(&config)? {
        Some(state) => {
            let s = backup::backup_to_file(&state, file)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "Sicherung: {} Artikel ({} Einträge) in {}",
                s.articles,
                s.records,
                file.display()
            );
        }
        None => {
            let bytes = remote(config.listen, "GET", "/api/v1/admin/backup", None)?;
            let tmp = file.with_extension("partial");
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, file)?;
            println!(
                "Sicherung vom laufenden Server: {} Bytes in {}",
                bytes.len(),
                file.display()
            );
        }
    }
    Ok(())
}

async fn reindex(config: Config) -> anyhow::Result<()> {
    let state = crate::open_state(config.clone()).map_err(|e| lock_hint(e, &config))?;
    let n = crate::service::search::rebuild(&state)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("Suchindex neu aufgebaut: {n} Artikel.");
    Ok(())
}

/// A minimal HTTP/1.1 client for talking to the local server (no TLS, loopback only).
fn remote(
    listen: SocketAddr,
    method: &str,
    path: &str,
    json_body: Option<Vec<u8>>,
) -> anyhow::Result<Vec<u8>> {
    let addr = if listen.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], listen.port()))
    } else {
        listen
    };
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).with_context(|| {
        format!("Die Datenbank ist gesperrt, aber unter {addr} antwortet kein Server. Läuft ein anderer Prozess?")
    })?;
    stream.set_read_timeout(Some(Duration::from_secs(600)))?;
    let body = json_body.unwrap_or_default();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes())?;
    stream.write_all(&body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("invalid HTTP answer")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut payload = raw[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("invalid HTTP status")?;
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        payload = dechunk(&payload).context("invalid chunked body")?;
    }
    if !(200..300).contains(&status) {
        bail!(
            "Server antwortet {status}: {}",
            String::from_utf8_lossy(&payload)
        );
    }
    Ok(payload)
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(
            std::str::from_utf8(&data[..line_end])
                .ok()?
                .split(';')
                .next()?
                .trim(),
            16,
        )
        .ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_decoded() {
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").as_deref(),
            Some(&b"abcde"[..])
        );
        assert_eq!(dechunk(b"zz\r\n"), None);
    }
}
