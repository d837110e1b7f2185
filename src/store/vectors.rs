//! Derived semantic-search data: the per-article vector records and the queue of articles
//! whose vectors are missing or stale.
//!
//! `vector_queue` is the vector worker's own outbox: [`Store::write_article`] adds the
//! article (keyed by id, so repeated saves collapse into one entry) in the same transaction
//! as the article, stamped with the outbox sequence. The worker removes an entry only if the
//! stamp is unchanged (compare-and-swap), so a save that lands while the article is being
//! embedded keeps it queued. The keyword indexer keeps consuming `outbox` alone; neither
//! consumer waits for the other.
//!
//! Both trees are derived and left out of backups: a restored database has neither, which
//! the worker treats like a changed model and rebuilds.

use serde::{Deserialize, Serialize};

use super::{Result, Store, decode, encode};
use crate::domain::ArticleId;

/// Key of the format marker in the `vectors` tree (article keys are 16 bytes long).
const MARKER_KEY: &[u8] = b"format";

/// Which model and record format produced the stored vectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VectorMarker {
    /// Record/passage format version.
    pub format: u32,
    /// sha256 of the model file.
    pub model_sha256: String,
}

/// A stored vector record: what filters need, the passage texts (for snippets) and the
/// vectors as little-endian bytes (`stafette_index::dense::DocVectors::to_bytes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorRecord {
    /// Space id.
    pub space: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Passage texts, in row order (row 0 is the article vector).
    pub passages: Vec<String>,
    /// Encoded vectors.
    #[serde(with = "b64")]
    pub vectors: Vec<u8>,
}

mod b64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD.decode(s).map_err(serde::de::Error::custom)
    }
}

fn article_of(key: &[u8]) -> Option<ArticleId> {
    key.try_into().ok().map(ArticleId::from_bytes)
}

impl Store {
    /// Up to `limit` queued articles with their stamps, in key order.
    pub fn vector_queue_batch(&self, limit: usize) -> Result<Vec<(ArticleId, Vec<u8>)>> {
        let mut out = Vec::new();
        for kv in self.vector_queue.iter() {
            let (k, v) = kv?;
            if let Some(id) = article_of(&k) {
                out.push((id, v.to_vec()));
            }
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// Removes a queue entry if its stamp is still `stamp` (no save happened meanwhile).
    pub fn vector_queue_done(&self, id: ArticleId, stamp: &[u8]) -> Result<()> {
        // A failed swap means a newer save re-queued the article: keep it.
        let _ = self
            .vector_queue
            .compare_and_swap(id.to_bytes(), Some(stamp), None::<&[u8]>)?;
        Ok(())
    }

    /// Number of queued articles.
    ///
    /// # Blocking
    /// Walks the queue (cheap: keys and 8-byte values).
    pub fn vector_queue_len(&self) -> usize {
        self.vector_queue.len()
    }

    /// Queues every article (deleted ones too, so their vectors are removed).
    pub fn vector_queue_all(&self) -> Result<usize> {
        let mut batch = sled::Batch::default();
        let mut n = 0;
        for kv in self.articles.iter() {
            let (k, _) = kv?;
            batch.insert(k, &0u64.to_be_bytes()[..]);
            n += 1;
        }
        self.vector_queue.apply_batch(batch)?;
        Ok(n)
    }

    /// The stored vector record of an article.
    pub fn vector_record(&self, id: ArticleId) -> Result<Option<VectorRecord>> {
        self.vectors
            .get(id.to_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Stores an article's vector record.
    pub fn vector_put(&self, id: ArticleId, record: &VectorRecord) -> Result<()> {
        self.vectors.insert(id.to_bytes(), encode(record)?)?;
        Ok(())
    }

    /// Removes an article's vector record.
    pub fn vector_remove(&self, id: ArticleId) -> Result<()> {
        self.vectors.remove(id.to_bytes())?;
        Ok(())
    }

    /// Every stored vector record (damaged ones are skipped with a warning).
    pub fn vector_records(&self) -> Result<Vec<(ArticleId, VectorRecord)>> {
        let mut out = Vec::new();
        for kv in self.vectors.iter() {
            let (k, v) = kv?;
            let Some(id) = article_of(&k) else { continue };
            match decode::<VectorRecord>(&v) {
                Ok(r) => out.push((id, r)),
                Err(e) => {
                    tracing::warn!(article = %id, error = %e, "skipping a damaged vector record")
                }
            }
        }
        Ok(out)
    }

    /// The format marker of the stored vectors.
    pub fn vector_marker(&self) -> Result<Option<VectorMarker>> {
        self.vectors
            .get(MARKER_KEY)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Drops every vector record and sets the marker for what will be computed next.
    pub fn vectors_reset(&self, marker: &VectorMarker) -> Result<()> {
        self.vectors.clear()?;
        self.vectors.insert(MARKER_KEY, encode(marker)?)?;
        Ok(())
    }
}
