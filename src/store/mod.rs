//! The sled store: the single source of truth. Owns the tree layout and the key/value
//! encoding; everything else (the search index, caches) is derived from it.
//!
//! # Blocking
//! Every method does synchronous IO (a cache miss reads the disk). Call them from
//! `spawn_blocking` (see `service::blocking`), never straight from async code.
//!
//! # Layout
//! | tree          | key                               | value                          |
//! |---------------|-----------------------------------|--------------------------------|
//! | `articles`    | article id (16 bytes)             | [`Article`] JSON               |
//! | `slugs`       | slug                              | article id (current or old)    |
//! | `revisions`   | article id + n (u32 BE)           | [`RevisionMeta`] JSON          |
//! | `bodies`      | article id + n + chunk (u16 BE)   | UTF-8 body chunk               |
//! | `links`       | target slug + 0 + source id       | empty (wiki links)             |
//! | `outlinks`    | source id                         | JSON list of target slugs      |
//! | `outbox`      | sequence (u64 BE)                 | [`OutboxEntry`] JSON           |
//! | `spaces`      | space id                          | [`Space`] JSON                 |
//! | `space_slugs` | slug                              | space id                       |
//! | `search_log`  | day + 0 + normalised query        | search counters (no user data) |
//! | `meta`        | name                              | settings, markers              |
//! | `users`       | user id                           | [`User`] JSON                  |
//! | `logins`      | login                             | user id                        |
//! | `identities`  | issuer + 0 + subject              | user id (SSO)                  |
//! | `groups`      | group id                          | [`Group`] JSON                 |
//! | `group_names` | lowercased name                   | group id                       |
//! | `tokens`      | token id                          | [`ApiToken`] JSON              |
//! | `audit`       | time-ordered ULID                 | [`AuditEvent`] JSON            |
//! | `sessions`    | SHA-256 of the session secret     | [`Session`] JSON (not backed up) |
//! | `processes`   | process id (16 bytes)             | [`Process`] JSON               |
//! | `process_revisions` | process id + n + chunk      | [`ProcessRevision`] JSON chunk |
//! | `process_files` | process id + n + chunk          | raw BPMN file chunk            |
//! | `step_links`  | process id + link id              | [`StepLink`] JSON              |
//! | `article_steps` | article id + link id            | process id (links by article)  |
//! | `vectors`     | article id, or `format`           | vector record JSON; marker     |
//! | `vector_queue`| article id                        | stamp (outbox sequence, u64 BE)|
//!
//! `vectors` and `vector_queue` hold derived data (semantic search) and are not part of
//! backups ([`TREES`]); see `vectors.rs`.
//! | `ownership`   | `a`/`p` + article/process id      | [`Ownership`] JSON             |
//! | `verifications` | article id                      | [`Verification`] JSON          |
//! | `space_retention` | space id                      | [`SpaceRetention`] JSON        |
//! | `planned_exits` | user id                         | [`PlannedExit`] JSON           |
//! | `experts`     | user id                           | [`ExpertProfile`] JSON         |
//! | `step_meta`   | process id + 0 + element id       | [`StepMeta`] JSON (criticality, views) |
//! | `handovers`   | plan id                           | [`HandoverPlan`] JSON          |

mod articles;
mod backup;
mod outbox;
mod processes;
mod retention;
mod search_log;
mod spaces;
mod users;
mod vectors;

use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use articles::{ArticleWrite, BodyChange, WriteRejected};
pub use backup::{BackupSummary, read_backup, write_backup};
pub use outbox::{OutboxEntry, OutboxOp};
pub use processes::ProcessWrite;
pub use retention::{RetentionTree, owned_key, owned_of_key, step_key};
pub use users::Taken;
pub use vectors::{VectorMarker, VectorRecord};

#[cfg(doc)]
use crate::domain::process::{Process, ProcessRevision, StepLink};
#[cfg(doc)]
use crate::domain::retention::{
    ExpertProfile, HandoverPlan, Ownership, PlannedExit, SpaceRetention, StepMeta, Verification,
};
#[cfg(doc)]
use crate::domain::{ApiToken, Article, AuditEvent, Group, RevisionMeta, Session, Space, User};

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// sled failed (IO error, corruption detected by sled).
    #[error("storage error: {0}")]
    Sled(#[from] sled::Error),
    /// A stored value could not be decoded: data written by a newer version or damaged.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// A backup file is not valid.
    #[error("invalid backup: {0}")]
    InvalidBackup(String),
    /// Reading or writing a file failed.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

/// Result alias for store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Handle to the database. Cloning costs one reference-count increment: the tree handles
/// sit behind a single `Arc`, because the store is cloned into every blocking task and a
/// dozen separate atomic counters per request showed up in profiles under load.
#[derive(Clone, Debug)]
pub struct Store(Arc<Trees>);

/// The sled handles.
#[derive(Debug)]
pub struct Trees {
    db: sled::Db,
    articles: sled::Tree,
    slugs: sled::Tree,
    revisions: sled::Tree,
    bodies: sled::Tree,
    links: sled::Tree,
    outlinks: sled::Tree,
    outbox: sled::Tree,
    spaces: sled::Tree,
    space_slugs: sled::Tree,
    search_log: sled::Tree,
    meta: sled::Tree,
    users: sled::Tree,
    logins: sled::Tree,
    identities: sled::Tree,
    groups: sled::Tree,
    group_names: sled::Tree,
    tokens: sled::Tree,
    audit: sled::Tree,
    sessions: sled::Tree,
    processes: sled::Tree,
    process_revisions: sled::Tree,
    process_files: sled::Tree,
    step_links: sled::Tree,
    article_steps: sled::Tree,
    ownership: sled::Tree,
    verifications: sled::Tree,
    space_retention: sled::Tree,
    planned_exits: sled::Tree,
    experts: sled::Tree,
    step_meta: sled::Tree,
    handovers: sled::Tree,
    vectors: sled::Tree,
    vector_queue: sled::Tree,
}

/// Names of all backed-up trees, in backup order. `sessions` is left out on purpose: a
/// restored installation starts with everybody logged out; the derived trees (`vectors`,
/// `vector_queue`) are rebuilt instead of backed up.
const TREES: [&str; 30] = [
    "articles",
    "slugs",
    "revisions",
    "bodies",
    "links",
    "outlinks",
    "outbox",
    "spaces",
    "space_slugs",
    "search_log",
    "meta",
    "users",
    "logins",
    "identities",
    "groups",
    "group_names",
    "tokens",
    "audit",
    "processes",
    "process_revisions",
    "process_files",
    "step_links",
    "article_steps",
    "ownership",
    "verifications",
    "space_retention",
    "planned_exits",
    "experts",
    "step_meta",
    "handovers",
];

/// sled's page cache budget; RSS can be a multiple of it (research/reliability.md §1.4).
const CACHE_CAPACITY: u64 = 256 * 1024 * 1024;

impl Deref for Store {
    type Target = Trees;
    fn deref(&self) -> &Trees {
        &self.0
    }
}

impl Store {
    /// Opens (or creates) the database in `dir`. Fails with a sled IO error when another
    /// process (a running server) holds the lock.
    pub fn open(dir: &Path) -> Result<Self> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(CACHE_CAPACITY)
            .open()?;
        Self::from_db(db)
    }

    /// A throwaway database for tests and tools; removed on drop.
    pub fn temporary() -> Result<Self> {
        Self::from_db(sled::Config::new().temporary(true).open()?)
    }

    fn from_db(db: sled::Db) -> Result<Self> {
        Ok(Store(Arc::new(Trees {
            articles: db.open_tree("articles")?,
            slugs: db.open_tree("slugs")?,
            revisions: db.open_tree("revisions")?,
            bodies: db.open_tree("bodies")?,
            links: db.open_tree("links")?,
            outlinks: db.open_tree("outlinks")?,
            outbox: db.open_tree("outbox")?,
            spaces: db.open_tree("spaces")?,
            space_slugs: db.open_tree("space_slugs")?,
            search_log: db.open_tree("search_log")?,
            meta: db.open_tree("meta")?,
            users: db.open_tree("users")?,
            logins: db.open_tree("logins")?,
            identities: db.open_tree("identities")?,
            groups: db.open_tree("groups")?,
            group_names: db.open_tree("group_names")?,
            tokens: db.open_tree("tokens")?,
            audit: db.open_tree("audit")?,
            sessions: db.open_tree("sessions")?,
            processes: db.open_tree("processes")?,
            process_revisions: db.open_tree("process_revisions")?,
            process_files: db.open_tree("process_files")?,
            step_links: db.open_tree("step_links")?,
            article_steps: db.open_tree("article_steps")?,
            vectors: db.open_tree("vectors")?,
            vector_queue: db.open_tree("vector_queue")?,
            ownership: db.open_tree("ownership")?,
            verifications: db.open_tree("verifications")?,
            space_retention: db.open_tree("space_retention")?,
            planned_exits: db.open_tree("planned_exits")?,
            experts: db.open_tree("experts")?,
            step_meta: db.open_tree("step_meta")?,
            handovers: db.open_tree("handovers")?,
            db,
        })))
    }

    /// Makes every write so far durable. One call covers all trees.
    pub async fn flush(&self) -> Result<()> {
        self.db.flush_async().await?;
        Ok(())
    }

    /// Synchronous flush for command-line tools.
    pub fn flush_blocking(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }

    fn tree(&self, name: &str) -> Option<&sled::Tree> {
        Some(match name {
            "articles" => &self.articles,
            "slugs" => &self.slugs,
            "revisions" => &self.revisions,
            "bodies" => &self.bodies,
            "links" => &self.links,
            "outlinks" => &self.outlinks,
            "outbox" => &self.outbox,
            "spaces" => &self.spaces,
            "space_slugs" => &self.space_slugs,
            "search_log" => &self.search_log,
            "meta" => &self.meta,
            "users" => &self.users,
            "logins" => &self.logins,
            "identities" => &self.identities,
            "groups" => &self.groups,
            "group_names" => &self.group_names,
            "tokens" => &self.tokens,
            "audit" => &self.audit,
            "processes" => &self.processes,
            "process_revisions" => &self.process_revisions,
            "process_files" => &self.process_files,
            "step_links" => &self.step_links,
            "article_steps" => &self.article_steps,
            "ownership" => &self.ownership,
            "verifications" => &self.verifications,
            "space_retention" => &self.space_retention,
            "planned_exits" => &self.planned_exits,
            "experts" => &self.experts,
            "step_meta" => &self.step_meta,
            "handovers" => &self.handovers,
            _ => return None,
        })
    }

    /// Reads a small setting from the `meta` tree.
    pub fn meta_get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.meta.get(key)?.map(|v| decode(&v)).transpose()
    }

    /// Writes a small setting to the `meta` tree (not flushed; call [`Store::flush`]).
    pub fn meta_put<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        self.meta.insert(key, encode(value)?)?;
        Ok(())
    }
}

pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn id16(bytes: &[u8]) -> Result<[u8; 16]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("bad id of {} bytes", bytes.len())))
}
