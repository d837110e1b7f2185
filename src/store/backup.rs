//! Backup files: every tree's keys and values as JSON lines, with a header and a trailer
//! (record count and SHA-256 over the records) so a truncated or damaged file is refused
//! on restore instead of half-restored.
//!
//! Consistency across trees is the caller's job: the service holds its write gate while
//! [`write_backup`] runs, so no save can interleave.

use std::io::{BufRead, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Result, Store, StoreError, TREES};

const FORMAT: &str = "stafette-backup";
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "lowercase")]
enum Line {
    Header {
        format: String,
        version: u32,
        created_at: i64,
    },
    Kv {
        tree: String,
        k: String,
        v: String,
    },
    End {
        records: u64,
        sha256: String,
    },
}

/// What a backup or restore handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BackupSummary {
    /// Key/value records written or read.
    pub records: u64,
    /// Articles among them.
    pub articles: u64,
}

/// Writes all trees of `store` to `out`.
pub fn write_backup(store: &Store, out: &mut dyn Write) -> Result<BackupSummary> {
    let header = Line::Header {
        format: FORMAT.to_owned(),
        version: VERSION,
        created_at: crate::domain::article::now(),
    };
    writeln!(
        out,
        "{}",
        serde_json::to_string(&header).map_err(|e| StoreError::Corrupt(e.to_string()))?
    )?;
    let mut hasher = Sha256::new();
    let mut summary = BackupSummary {
        records: 0,
        articles: 0,
    };
    for name in TREES {
        let Some(tree) = store.tree(name) else {
            continue;
        };
        for kv in tree.iter() {
            let (k, v) = kv?;
            let line = Line::Kv {
                tree: name.to_owned(),
                k: B64.encode(&k),
                v: B64.encode(&v),
            };
            let text =
                serde_json::to_string(&line).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            hasher.update(text.as_bytes());
            writeln!(out, "{text}")?;
            summary.records += 1;
            if name == "articles" {
                summary.articles += 1;
            }
        }
    }
    let end = Line::End {
        records: summary.records,
        sha256: hex::encode(hasher.finalize()),
    };
    writeln!(
        out,
        "{}",
        serde_json::to_string(&end).map_err(|e| StoreError::Corrupt(e.to_string()))?
    )?;
    out.flush()?;
    Ok(summary)
}

/// Reads a backup into `store`, which should be empty. Validates everything before the
/// first write, so a damaged file leaves the store untouched.
pub fn read_backup(input: &mut dyn BufRead, store: &Store) -> Result<BackupSummary> {
    let bad = |msg: &str| StoreError::InvalidBackup(msg.to_owned());
    let mut lines = input.lines();
    let first = lines.next().ok_or_else(|| bad("empty file"))??;
    match serde_json::from_str::<Line>(&first) {
        Ok(Line::Header {
            format, version, ..
        }) if format == FORMAT && version == VERSION => {}
        Ok(Line::Header { version, .. }) => {
            return Err(bad(&format!("unsupported version {version}")));
        }
        _ => return Err(bad("not a stafette backup")),
    }
    let mut hasher = Sha256::new();
    let mut records: Vec<(String, Vec<u8>, Vec<u8>)> = Vec::new();
    let mut trailer = None;
    for line in lines {
        let line = line?;
        if trailer.is_some() {
            return Err(bad("data after the end marker"));
        }
        match serde_json::from_str::<Line>(&line).map_err(|e| bad(&e.to_string()))? {
            Line::Kv { tree, k, v } => {
                if !TREES.contains(&tree.as_str()) {
                    return Err(bad(&format!("unknown tree {tree}")));
                }
                hasher.update(line.as_bytes());
                let k = B64.decode(k).map_err(|e| bad(&e.to_string()))?;
                let v = B64.decode(v).map_err(|e| bad(&e.to_string()))?;
                records.push((tree, k, v));
            }
            Line::End { records: n, sha256 } => trailer = Some((n, sha256)),
            Line::Header { .. } => return Err(bad("second header")),
        }
    }
    let (n, sha) = trailer.ok_or_else(|| bad("file is truncated (no end marker)"))?;
    if n != records.len() as u64 || sha != hex::encode(hasher.finalize()) {
        return Err(bad("checksum mismatch: the file is damaged"));
    }
    let mut summary = BackupSummary {
        records: 0,
        articles: 0,
    };
    for (tree, k, v) in records {
        if let Some(t) = store.tree(&tree) {
            t.insert(k, v)?;
            summary.records += 1;
            if tree == "articles" {
                summary.articles += 1;
            }
        }
    }
    store.flush_blocking()?;
    Ok(summary)
}
