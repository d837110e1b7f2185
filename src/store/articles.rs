//! Articles, slugs, revisions, bodies and wiki links, written together in one transaction.

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};

use super::outbox::{OutboxEntry, OutboxOp};
use super::{Result, Store, StoreError, decode, encode, id16};
use crate::domain::{Article, ArticleId, Revision, RevisionMeta, Slug};

/// Bodies are stored in chunks so no sled value comes near the blob threshold (~128 KiB),
/// above which sled 0.34 writes unsynced blob files (research/reliability.md §1.2).
const BODY_CHUNK_BYTES: usize = 32 * 1024;

/// How many numbered slug variants (`titel-2`, `titel-3`, …) we try before giving up.
const MAX_SLUG_SUFFIX: u32 = 10_000;

/// A new revision to store with the write.
#[derive(Debug, Clone)]
pub struct BodyChange {
    /// Revision metadata; `n` must be the article's new `revision`.
    pub meta: RevisionMeta,
    /// The Markdown body.
    pub body: String,
}

/// One atomic change to an article.
#[derive(Debug, Clone)]
pub struct ArticleWrite {
    /// The article as it should be stored. Its `slug` is replaced when `desired_slug` is set.
    pub article: Article,
    /// `None` creates the article (it must not exist); `Some(n)` requires the stored
    /// article to be at revision `n`, so concurrent writers cannot overwrite each other.
    pub expected_revision: Option<u32>,
    /// Allocate this slug (or the first free numbered variant) and make it current; the
    /// previous slug keeps redirecting.
    pub desired_slug: Option<Slug>,
    /// A new revision to store.
    pub body: Option<BodyChange>,
    /// New outgoing wiki-link targets (slugs), replacing the previous ones.
    pub links: Option<Vec<String>>,
    /// What the search index must do.
    pub outbox: OutboxOp,
}

/// Why a write was refused without changing anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteRejected {
    /// Someone saved in between; `current` is the stored revision.
    #[error("article changed concurrently (now at revision {current})")]
    Stale {
        /// Stored revision.
        current: u32,
    },
    /// The article does not exist (any more).
    #[error("article not found")]
    Missing,
    /// An article with that id exists already.
    #[error("article exists")]
    Exists,
    /// No free slug could be found.
    #[error("no free slug")]
    NoSlug,
}

type TxResult<T> = std::result::Result<T, ConflictableTransactionError<WriteRejected>>;

fn rev_key(id: ArticleId, n: u32) -> [u8; 20] {
    let mut k = [0u8; 20];
    k[..16].copy_from_slice(&id.to_bytes());
    k[16..].copy_from_slice(&n.to_be_bytes());
    k
}

fn chunk_key(id: ArticleId, n: u32, chunk: u16) -> [u8; 22] {
    let mut k = [0u8; 22];
    k[..20].copy_from_slice(&rev_key(id, n));
    k[20..].copy_from_slice(&chunk.to_be_bytes());
    k
}

fn link_key(target: &str, source: ArticleId) -> Vec<u8> {
    let mut k = Vec::with_capacity(target.len() + 17);
    k.extend_from_slice(target.as_bytes());
    k.push(0);
    k.extend_from_slice(&source.to_bytes());
    k
}

/// Splits a body at char boundaries into chunks of at most [`BODY_CHUNK_BYTES`].
fn chunks(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = body;
    while rest.len() > BODY_CHUNK_BYTES {
        let mut cut = BODY_CHUNK_BYTES;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out.push(rest);
    out
}

fn tx_encode<T: serde::Serialize>(value: &T) -> TxResult<Vec<u8>> {
    encode(value)
        .map_err(|e| ConflictableTransactionError::Storage(sled::Error::Unsupported(e.to_string())))
}

fn tx_decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> TxResult<T> {
    decode(bytes)
        .map_err(|e| ConflictableTransactionError::Storage(sled::Error::Unsupported(e.to_string())))
}

impl Store {
    /// Applies `write` atomically: article record, slug, revision, body chunks, links, an
    /// outbox entry and a `vector_queue` entry. Returns the stored article and the outbox sequence number, or the
    /// reason it was refused. Not durable until [`Store::flush`] returns.
    pub fn write_article(
        &self,
        write: &ArticleWrite,
    ) -> Result<std::result::Result<(Article, u64), WriteRejected>> {
        let trees = (
            &self.articles,
            &self.slugs,
            &self.revisions,
            &self.bodies,
            &self.links,
            &self.outlinks,
            &self.outbox,
            &self.vector_queue,
        );
        let outcome = trees.transaction(
            |(articles, slugs, revisions, bodies, links, outlinks, outbox, vector_queue)| {
                let mut article = write.article.clone();
                let id_key = article.id.to_bytes();
                let stored: Option<Article> =
                    articles.get(id_key)?.map(|v| tx_decode(&v)).transpose()?;
                match (&stored, write.expected_revision) {
                    (Some(_), None) => {
                        return Err(ConflictableTransactionError::Abort(WriteRejected::Exists));
                    }
                    (None, Some(_)) => {
                        return Err(ConflictableTransactionError::Abort(WriteRejected::Missing));
                    }
                    (Some(s), Some(expected)) if s.revision != expected => {
                        return Err(ConflictableTransactionError::Abort(WriteRejected::Stale {
                            current: s.revision,
                        }));
                    }
                    _ => {}
                }
                if let Some(desired) = &write.desired_slug {
                    let slug = allocate_slug(articles, slugs, article.id, desired)?;
                    if let Some(s) = &stored
                        && s.slug != slug
                        && !article.old_slugs.contains(&s.slug)
                    {
                        article.old_slugs.push(s.slug.clone());
                    }
                    article.old_slugs.retain(|old| *old != slug);
                    article.slug = slug;
                }
                slugs.insert(article.slug.as_str().as_bytes(), &id_key[..])?;
                if let Some(change) = &write.body {
                    revisions.insert(
                        &rev_key(article.id, change.meta.n)[..],
                        tx_encode(&change.meta)?,
                    )?;
                    for (i, chunk) in chunks(&change.body).into_iter().enumerate() {
                        let i = u16::try_from(i).map_err(|_| {
                            ConflictableTransactionError::Storage(sled::Error::Unsupported(
                                "body too large".to_owned(),
                            ))
                        })?;
                        bodies.insert(
                            &chunk_key(article.id, change.meta.n, i)[..],
                            chunk.as_bytes(),
                        )?;
                    }
                }
                if let Some(targets) = &write.links {
                    if let Some(old) = outlinks.get(id_key)? {
                        let old: Vec<String> = tx_decode(&old)?;
                        for t in old {
                            links.remove(link_key(&t, article.id))?;
                        }
                    }
                    for t in targets {
                        links.insert(link_key(t, article.id), &[][..])?;
                    }
                    outlinks.insert(&id_key[..], tx_encode(targets)?)?;
                }
                articles.insert(&id_key[..], tx_encode(&article)?)?;
                let seq = outbox.generate_id()?;
                let entry = OutboxEntry {
                    article: article.id,
                    op: write.outbox,
                };
                outbox.insert(&seq.to_be_bytes()[..], tx_encode(&entry)?)?;
                // The vector worker's queue: one entry per article, stamped with this write.
                vector_queue.insert(&id_key[..], &seq.to_be_bytes()[..])?;
                Ok((article, seq))
            },
        );
        match outcome {
            Ok(done) => Ok(Ok(done)),
            Err(TransactionError::Abort(rejected)) => Ok(Err(rejected)),
            Err(TransactionError::Storage(sled::Error::Unsupported(msg))) => {
                Err(StoreError::Corrupt(msg))
            }
            Err(TransactionError::Storage(e)) => Err(e.into()),
        }
    }

    /// The article with this id, deleted or not.
    pub fn article(&self, id: ArticleId) -> Result<Option<Article>> {
        self.articles
            .get(id.to_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    /// The article a slug (current or old) points to.
    pub fn article_by_slug(&self, slug: &str) -> Result<Option<Article>> {
        match self.slugs.get(slug.as_bytes())? {
            Some(id) => self.article(ArticleId::from_bytes(id16(&id)?)),
            None => Ok(None),
        }
    }

    /// Every article, in creation order, including those in the trash.
    pub fn all_articles(&self) -> Result<Vec<Article>> {
        self.articles.iter().values().map(|v| decode(&v?)).collect()
    }

    /// Number of stored articles (including trash). Walks the tree: O(n), not for hot paths.
    pub fn article_count(&self) -> usize {
        self.articles.len()
    }

    /// Metadata of all revisions of an article, oldest first.
    pub fn revision_metas(&self, id: ArticleId) -> Result<Vec<RevisionMeta>> {
        self.revisions
            .scan_prefix(id.to_bytes())
            .values()
            .map(|v| decode(&v?))
            .collect()
    }

    /// One revision with its body.
    pub fn revision(&self, id: ArticleId, n: u32) -> Result<Option<Revision>> {
        let Some(meta) = self.revisions.get(rev_key(id, n))? else {
            return Ok(None);
        };
        let meta: RevisionMeta = decode(&meta)?;
        let mut body = Vec::with_capacity(meta.body_len);
        for chunk in self.bodies.scan_prefix(rev_key(id, n)).values() {
            body.extend_from_slice(&chunk?);
        }
        let body = String::from_utf8(body).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(Some(Revision { meta, body }))
    }

    /// Ids of articles whose wiki links point at `slug`.
    pub fn linking_articles(&self, slug: &str) -> Result<Vec<ArticleId>> {
        let mut prefix = slug.as_bytes().to_vec();
        prefix.push(0);
        self.links
            .scan_prefix(&prefix)
            .keys()
            .map(|k| {
                let k = k?;
                Ok(ArticleId::from_bytes(id16(&k[prefix.len()..])?))
            })
            .collect()
    }

    /// The id of the article currently owning `slug` (not an old alias), if any.
    pub fn slug_owner(&self, slug: &str) -> Result<Option<ArticleId>> {
        Ok(self
            .article_by_slug(slug)?
            .filter(|a| a.slug.as_str() == slug)
            .map(|a| a.id))
    }
}

/// Finds the first free slug among `desired`, `desired-2`, …; a slug that is only an old
/// alias of another article may be taken over (its redirect then ends).
fn allocate_slug(
    articles: &TransactionalTree,
    slugs: &TransactionalTree,
    me: ArticleId,
    desired: &Slug,
) -> TxResult<Slug> {
    for n in 1..=MAX_SLUG_SUFFIX {
        let candidate = if n == 1 {
            desired.clone()
        } else {
            desired.with_suffix(n)
        };
        let Some(owner) = slugs.get(candidate.as_str().as_bytes())? else {
            return Ok(candidate);
        };
        let owner = ArticleId::from_bytes(owner.as_ref().try_into().map_err(|_| {
            ConflictableTransactionError::Storage(sled::Error::Unsupported(
                "bad slug entry".to_owned(),
            ))
        })?);
        if owner == me {
            return Ok(candidate);
        }
        let holder: Option<Article> = articles
            .get(owner.to_bytes())?
            .map(|v| tx_decode(&v))
            .transpose()?;
        if holder.is_none_or(|h| h.slug != candidate) {
            return Ok(candidate);
        }
    }
    Err(ConflictableTransactionError::Abort(WriteRejected::NoSlug))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_respect_char_boundaries() {
        let body = "ä".repeat(BODY_CHUNK_BYTES);
        let parts = chunks(&body);
        assert!(parts.len() >= 2);
        assert!(parts.iter().all(|p| p.len() <= BODY_CHUNK_BYTES));
        assert_eq!(parts.concat(), body);
        assert_eq!(chunks(""), vec![""]);
    }
}
