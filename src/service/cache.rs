//! A small in-memory cache of rendered articles. Rendering is the expensive part of an
//! article page; revisions are immutable, so `(article, revision)` identifies the output,
//! except for wiki links, whose targets appear, move and vanish: a global link epoch,
//! bumped whenever a slug is created, renamed, trashed or restored, invalidates them all.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::domain::ArticleId;
use crate::render::Rendered;

/// Entries kept before the cache is cleared wholesale (simple and bounded).
const MAX_ENTRIES: usize = 4096;

type Entries = HashMap<(ArticleId, u32), (u64, Arc<Rendered>)>;

/// Cheap-to-clone handle to the shared cache.
#[derive(Clone, Debug, Default)]
pub struct RenderCache {
    entries: Arc<RwLock<Entries>>,
    epoch: Arc<AtomicU64>,
}

impl RenderCache {
    /// The cached rendering of a revision, if still valid.
    pub fn get(&self, id: ArticleId, rev: u32) -> Option<Arc<Rendered>> {
        let epoch = self.epoch.load(Ordering::Acquire);
        let entries = self.entries.read().ok()?;
        entries
            .get(&(id, rev))
            .filter(|(e, _)| *e == epoch)
            .map(|(_, r)| Arc::clone(r))
    }

    /// The current link epoch; read it before rendering and pass it to [`RenderCache::put`].
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Stores a rendering made at `epoch`.
    pub fn put(&self, id: ArticleId, rev: u32, epoch: u64, rendered: Arc<Rendered>) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert((id, rev), (epoch, rendered));
        }
    }

    /// Invalidates every entry (a link target appeared, moved or vanished).
    pub fn bump_links(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }
}
