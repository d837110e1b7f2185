//! Knowledge-retention records: ownership, verification, space settings, planned exits,
//! expert profiles, step data and handover plans. Small JSON values keyed by the id of
//! what they belong to; none of them touches the article or process records.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Result, Store, decode, encode};
use crate::domain::ArticleId;
use crate::domain::retention::Owned;

/// The retention trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionTree {
    /// `ownership`: `a` + article id or `p` + process id → `Ownership`.
    Ownership,
    /// `verifications`: article id → `Verification`.
    Verifications,
    /// `space_retention`: space id → `SpaceRetention`.
    SpaceRetention,
    /// `planned_exits`: user id → `PlannedExit`.
    PlannedExits,
    /// `experts`: user id → `ExpertProfile`.
    Experts,
    /// `step_meta`: process id + 0 + element id → `StepMeta`.
    StepMeta,
    /// `handovers`: plan id → `HandoverPlan`.
    Handovers,
}

/// Key of an ownership record.
pub fn owned_key(o: Owned) -> Vec<u8> {
    let (tag, bytes) = match o {
        Owned::Article(id) => (b'a', id.to_bytes()),
        Owned::Process(id) => (b'p', id.to_bytes()),
    };
    let mut k = Vec::with_capacity(17);
    k.push(tag);
    k.extend_from_slice(&bytes);
    k
}

/// Decodes an ownership key.
pub fn owned_of_key(k: &[u8]) -> Option<Owned> {
    let (tag, rest) = k.split_first()?;
    let bytes: [u8; 16] = rest.try_into().ok()?;
    match tag {
        b'a' => Some(Owned::Article(ArticleId(ulid::Ulid::from_bytes(bytes)))),
        b'p' => Some(Owned::Process(
            crate::domain::process::ProcessId::from_bytes(bytes),
        )),
        _ => None,
    }
}

/// Key of a step record.
pub fn step_key(process_id: &str, element_id: &str) -> Vec<u8> {
    let mut k = process_id.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(element_id.as_bytes());
    k
}

impl Store {
    fn retention_tree(&self, t: RetentionTree) -> &sled::Tree {
        match t {
            RetentionTree::Ownership => &self.ownership,
            RetentionTree::Verifications => &self.verifications,
            RetentionTree::SpaceRetention => &self.space_retention,
            RetentionTree::PlannedExits => &self.planned_exits,
            RetentionTree::Experts => &self.experts,
            RetentionTree::StepMeta => &self.step_meta,
            RetentionTree::Handovers => &self.handovers,
        }
    }

    /// Reads one retention record.
    pub fn retention_get<T: DeserializeOwned>(
        &self,
        t: RetentionTree,
        key: &[u8],
    ) -> Result<Option<T>> {
        self.retention_tree(t)
            .get(key)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Writes one retention record (made durable by the caller's flush).
    pub fn retention_put<T: Serialize>(
        &self,
        t: RetentionTree,
        key: &[u8],
        value: &T,
    ) -> Result<()> {
        self.retention_tree(t).insert(key, encode(value)?)?;
        Ok(())
    }

    /// Removes one retention record.
    pub fn retention_remove(&self, t: RetentionTree, key: &[u8]) -> Result<()> {
        self.retention_tree(t).remove(key)?;
        Ok(())
    }

    /// Every record of a tree with its key.
    pub fn retention_all<T: DeserializeOwned>(
        &self,
        t: RetentionTree,
    ) -> Result<Vec<(Vec<u8>, T)>> {
        self.retention_tree(t)
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                Ok((k.to_vec(), decode(&v)?))
            })
            .collect()
    }

    /// Atomically increments a step's anonymous view counter.
    pub fn count_step_view(&self, process_id: &str, element_id: &str) -> Result<()> {
        self.step_meta
            .fetch_and_update(step_key(process_id, element_id), |old| {
                let mut m: crate::domain::retention::StepMeta = old
                    .and_then(|v| serde_json::from_slice(v).ok())
                    .unwrap_or_default();
                m.views = m.views.saturating_add(1);
                serde_json::to_vec(&m).ok()
            })?;
        Ok(())
    }
}
