//! Consistent backups (also while the server runs) and restores into a stopped instance.

use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use super::blocking;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::store::{self, BackupSummary, Store, StoreError};

/// Writes a backup of the running instance to `path`. Holds the write gate exclusively so
/// no save interleaves; reads continue meanwhile.
pub async fn backup_to_file(state: &AppState, path: &Path) -> Result<BackupSummary> {
    let store = state.store.clone();
    let path = path.to_path_buf();
    let _exclusive = state.write_gate.write().await;
    blocking(move || Ok(write_file(&store, &path)?)).await
}

/// Synchronous backup of an opened store into `path` (written to a temporary name, synced,
/// then renamed, so a crash never leaves a half-written file under the final name).
pub fn write_file(store: &Store, path: &Path) -> Result<BackupSummary, StoreError> {
    let tmp = path.with_extension("partial");
    let file = std::fs::File::create(&tmp)?;
    let mut out = BufWriter::new(file);
    let summary = store::write_backup(store, &mut out)?;
    out.flush()?;
    out.into_inner()
        .map_err(|e| StoreError::Io(e.into_error()))?
        .sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(summary)
}

/// Restores `file` into the database directory `db_dir` of a stopped server. The backup is
/// loaded into a fresh database next to it first; only when that succeeded is the old
/// database moved aside (kept as `db.before-restore-<time>`) and the new one put in place.
pub fn restore(db_dir: &Path, file: &Path, force: bool) -> Result<BackupSummary, AppError> {
    let exists = db_dir.exists()
        && std::fs::read_dir(db_dir)
            .map_err(StoreError::from)?
            .next()
            .is_some();
    if exists && !force {
        return Err(AppError::Invalid(format!(
            "{} enthält bereits eine Datenbank. Mit --force wird sie ersetzt (die alte bleibt als Sicherung liegen).",
            db_dir.display()
        )));
    }
    if exists {
        // Opening takes sled's exclusive lock: this fails while a server uses the database,
        // and moving a live database aside would lose every write after the backup.
        drop(Store::open(db_dir)?);
    }
    let staging = db_dir.with_extension("restore-tmp");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(StoreError::from)?;
    }
    let summary = {
        let store = Store::open(&staging)?;
        let input = std::fs::File::open(file).map_err(StoreError::from)?;
        let result = store::read_backup(&mut BufReader::new(input), &store).and_then(|s| {
            // The restored database records that it was restored (and from which file).
            crate::service::auth::audit::record(
                &store,
                "cli",
                crate::domain::AuditAction::BackupRestored,
                &file.display().to_string(),
                format!("{} Artikel", s.articles),
            )
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            store.flush_blocking()?;
            Ok(s)
        });
        drop(store);
        match result {
            Ok(s) => s,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(e.into());
            }
        }
    };
    if exists {
        let aside =
            db_dir.with_extension(format!("before-restore-{}", crate::domain::article::now()));
        std::fs::rename(db_dir, &aside).map_err(StoreError::from)?;
        tracing::info!(old = %aside.display(), "previous database moved aside");
    }
    std::fs::rename(&staging, db_dir).map_err(StoreError::from)?;
    Ok(summary)
}
