//! The outbox: an ordered log of article changes that the search index (and later the
//! vector index) consume. Written in the same transaction as the article, so the derived
//! indexes can always catch up after a crash.

use serde::{Deserialize, Serialize};

use super::{Result, Store, decode};
use crate::domain::ArticleId;

/// What a consumer must do with an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxOp {
    /// (Re-)index the article's current state.
    Upsert,
    /// Remove the article from derived indexes.
    Delete,
}

/// One outbox record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The article concerned.
    pub article: ArticleId,
    /// The operation.
    pub op: OutboxOp,
}

impl Store {
    /// Outbox entries with a sequence number greater than `after` (all when `None`),
    /// oldest first, at most `limit`.
    pub fn outbox_after(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, OutboxEntry)>> {
        let start = after.map_or(0, |a| a.saturating_add(1));
        self.outbox
            .range(start.to_be_bytes()..)
            .take(limit)
            .map(|kv| {
                let (k, v) = kv?;
                let seq = k
                    .as_ref()
                    .try_into()
                    .map(u64::from_be_bytes)
                    .map_err(|_| super::StoreError::Corrupt("bad outbox key".to_owned()))?;
                Ok((seq, decode(&v)?))
            })
            .collect()
    }

    /// Appends an entry outside an article write: a change that alters what the index
    /// shows for an article without touching the article (its verification status).
    pub fn outbox_append(&self, entry: OutboxEntry) -> Result<u64> {
        let seq = self.db.generate_id()?;
        self.outbox
            .insert(seq.to_be_bytes(), super::encode(&entry)?)?;
        Ok(seq)
    }

    /// The newest outbox sequence number, if any entry exists.
    pub fn outbox_last_seq(&self) -> Result<Option<u64>> {
        Ok(self
            .outbox
            .last()?
            .and_then(|(k, _)| k.as_ref().try_into().ok().map(u64::from_be_bytes)))
    }

    /// Removes the given entries once they have been applied.
    pub fn outbox_remove(&self, seqs: impl IntoIterator<Item = u64>) -> Result<()> {
        let mut batch = sled::Batch::default();
        for seq in seqs {
            batch.remove(&seq.to_be_bytes());
        }
        self.outbox.apply_batch(batch)?;
        Ok(())
    }
}
