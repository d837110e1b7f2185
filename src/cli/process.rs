//! `stafette process import FILE`: imports a BPMN 2.0 file into the data directory, or
//! through the running server's API when a server holds the database.

use std::path::Path;

use anyhow::{Context, bail};

use super::open_local;
use super::remote::remote_typed;
use crate::config::{Config, ProcessCommand};
use crate::service::Actor;
use crate::service::processes::{self, Upload};

/// Runs a `process` subcommand.
pub(super) async fn run(config: Config, cmd: ProcessCommand) -> anyhow::Result<()> {
    match cmd {
        ProcessCommand::Import {
            file,
            title,
            into,
            json,
        } => import(config, &file, title, into, json).await,
    }
}

fn query_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn import(
    config: Config,
    file: &Path,
    title: Option<String>,
    into: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let file_name = file.file_name().map(|f| f.to_string_lossy().into_owned());
    let result: serde_json::Value = match open_local(&config)? {
        Some(state) => {
            let into = match into.as_deref() {
                Some(id) => Some(processes::parse_id(id).map_err(|e| anyhow::anyhow!("{e}"))?),
                None => None,
            };
            let upload = Upload {
                bytes,
                file_name,
                title,
            };
            let imported = processes::import(&state, &Actor::system("import"), into, upload)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let r = &imported.revision;
            serde_json::json!({
                "id": imported.process.id.to_string(),
                "title": imported.process.title,
                "revision": r.n,
                "counts": r.counts(),
                "warnings": r.warnings,
                "anchors": r.anchors,
                "has_diagram": r.has_diagram,
            })
        }
        None => {
            let mut path = match &into {
                Some(id) => format!("/api/v1/processes/{}/revisions", query_escape(id)),
                None => "/api/v1/processes".to_owned(),
            };
            let mut params = Vec::new();
            if let Some(t) = &title {
                params.push(format!("title={}", query_escape(t)));
            }
            if let Some(f) = &file_name {
                params.push(format!("filename={}", query_escape(f)));
            }
            if !params.is_empty() {
                path.push('?');
                path.push_str(&params.join("&"));
            }
            let answer = remote_typed(&config, "POST", &path, Some(bytes), "application/xml")
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            serde_json::from_slice(&answer).context("reading the server's answer")?
        }
    };
    if json {
        println!("{result}");
        return Ok(());
    }
    let c = &result["counts"];
    println!(
        "Importiert: „{}“ (Prozess {}, Modellversion {}): {} Schritte, {} Lanes, {} Aufgaben, {} Teilprozesse, {} Aufruf-Aktivitäten.",
        result["title"].as_str().unwrap_or_default(),
        result["id"].as_str().unwrap_or_default(),
        result["revision"],
        c["steps"],
        c["lanes"],
        c["tasks"],
        c["sub_processes"],
        c["call_activities"],
    );
    if let Some(w) = result["warnings"].as_array() {
        for w in w {
            println!("  Hinweis: {}", w.as_str().unwrap_or_default());
        }
    }
    let a = &result["anchors"];
    if a["reanchored"].as_array().is_some_and(|r| !r.is_empty())
        || a["suggested"].as_u64().unwrap_or(0) > 0
        || a["orphaned"].as_u64().unwrap_or(0) > 0
    {
        println!(
            "  Verknüpfungen: {} behalten, {} neu zugeordnet, {} Vorschläge, {} verwaist.",
            a["kept"],
            a["reanchored"].as_array().map_or(0, Vec::len),
            a["suggested"],
            a["orphaned"],
        );
    }
    if result["id"].is_null() {
        bail!("unexpected answer");
    }
    Ok(())
}
