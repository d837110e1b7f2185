//! A minimal HTTP/1.1 client for the CLI to talk to the local server (no TLS, loopback).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use std::time::Duration;

use anyhow::{Context, bail};

/// A minimal HTTP/1.1 client for talking to the local server (no TLS, loopback only).
pub(super) fn remote(
    config: &crate::config::Config,
    method: &str,
    path: &str,
    json_body: Option<Vec<u8>>,
) -> anyhow::Result<Vec<u8>> {
    remote_typed(config, method, path, json_body, "application/json")
}

/// Like [`remote`], with the body's content type given (e.g. `application/xml`).
pub(super) fn remote_typed(
    config: &crate::config::Config,
    method: &str,
    path: &str,
    json_body: Option<Vec<u8>>,
    content_type: &str,
) -> anyhow::Result<Vec<u8>> {
    let listen = config.listen;
    // The running server wrote this secret for us; only the owner of the data directory
    // can read it, so only they can use the operator endpoints.
    let secret = std::fs::read_to_string(config.cli_secret_file()).with_context(|| {
        format!(
            "{} ist nicht lesbar: der Befehl braucht die Rechte des Server-Benutzers",
            config.cli_secret_file().display()
        )
    })?;
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
        req.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    req.push_str(&format!("X-Stafette-Cli: {}\r\n", secret.trim()));
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
