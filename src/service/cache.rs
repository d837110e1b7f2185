//! In-memory caches for article pages.
//!
//! Rendered bodies: revisions are immutable, so `(article, revision)` identifies the
//! output, except for wiki links, whose targets appear, move and vanish: a global link
//! epoch, bumped whenever a slug is created, renamed, trashed or restored, invalidates them.
//!
//! Whole pages (article, space, breadcrumbs, backlinks) by slug: valid while no write
//! happened since they were built. Writers bump the write epoch right after their
//! transaction committed (and again once it is durable); a page is stored with the epoch read
//! *before* it was assembled, so a page that raced with a write is never served afterwards.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use super::articles::ArticlePage;
use crate::domain::ArticleId;
use crate::render::Rendered;

/// Entries kept before the cache is cleared wholesale (simple and bounded).
const MAX_ENTRIES: usize = 4096;

type Entries = HashMap<(ArticleId, u32), (u64, Arc<Rendered>)>;
type Pages = HashMap<String, (u64, Arc<ArticlePage>)>;

/// Cheap-to-clone handle to the shared caches.
#[derive(Clone, Debug, Default)]
pub struct RenderCache {
    entries: Arc<RwLock<Entries>>,
    epoch: Arc<AtomicU64>,
    pages: Arc<RwLock<Pages>>,
    writes: Arc<AtomicU64>,
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

    /// The current write epoch; read it before assembling a page.
    pub fn write_epoch(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }

    /// Invalidates every cached page.
    pub fn bump_writes(&self) {
        self.writes.fetch_add(1, Ordering::AcqRel);
    }

    /// The cached page for `slug`, if nothing was written since it was built.
    pub fn page(&self, slug: &str) -> Option<Arc<ArticlePage>> {
        let epoch = self.write_epoch();
        let pages = self.pages.read().ok()?;
        pages
            .get(slug)
            .filter(|(e, _)| *e == epoch)
            .map(|(_, p)| Arc::clone(p))
    }

    /// Stores a page assembled at write epoch `epoch`.
    pub fn put_page(&self, slug: &str, epoch: u64, page: Arc<ArticlePage>) {
        if let Ok(mut pages) = self.pages.write() {
            // Entries of older epochs are dead weight; drop them all at once.
            if pages.len() >= MAX_ENTRIES || pages.values().next().is_some_and(|(e, _)| *e != epoch)
            {
                pages.clear();
            }
            pages.insert(slug.to_owned(), (epoch, page));
        }
    }
}
