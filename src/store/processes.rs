//! Processes, their immutable model revisions (parsed steps and the raw BPMN file) and
//! the article ↔ step links, written together in one transaction per logical change.
//!
//! Revisions and raw files can be large (models with hundreds of steps, files up to the
//! upload cap), so both are stored in 32 KiB chunks, like article bodies: sled 0.34
//! writes values above ~128 KiB to unsynced blob files.

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::{Result, Store, StoreError, decode, encode, id16};
use crate::domain::ArticleId;
use crate::domain::process::{LinkId, Process, ProcessId, ProcessRevision, StepLink};

const CHUNK_BYTES: usize = 32 * 1024;

/// One atomic change to a process.
#[derive(Debug, Clone)]
pub struct ProcessWrite {
    /// The record as it should be stored.
    pub process: Process,
    /// A new model revision and its raw file (`process.revision` must equal its `n`).
    pub revision: Option<(ProcessRevision, Vec<u8>)>,
    /// Links to insert or replace.
    pub upsert_links: Vec<StepLink>,
    /// Links to remove.
    pub remove_links: Vec<StepLink>,
}

fn rev_prefix(id: ProcessId, n: u32) -> [u8; 20] {
    let mut k = [0u8; 20];
    k[..16].copy_from_slice(&id.to_bytes());
    k[16..].copy_from_slice(&n.to_be_bytes());
    k
}

fn chunk_key(id: ProcessId, n: u32, chunk: u16) -> [u8; 22] {
    let mut k = [0u8; 22];
    k[..20].copy_from_slice(&rev_prefix(id, n));
    k[20..].copy_from_slice(&chunk.to_be_bytes());
    k
}

fn link_key(process: ProcessId, link: LinkId) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[..16].copy_from_slice(&process.to_bytes());
    k[16..].copy_from_slice(&link.to_bytes());
    k
}

fn article_link_key(article: ArticleId, link: LinkId) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[..16].copy_from_slice(&article.to_bytes());
    k[16..].copy_from_slice(&link.to_bytes());
    k
}

fn corrupt(msg: &str) -> ConflictableTransactionError<()> {
    ConflictableTransactionError::Storage(sled::Error::Unsupported(msg.to_owned()))
}

impl Store {
    /// Applies `write` atomically. Not durable until [`Store::flush`] returns.
    pub fn write_process(&self, write: &ProcessWrite) -> Result<()> {
        let id = write.process.id;
        let process_bytes = encode(&write.process)?;
        let (rev_chunks, file_chunks, n) = match &write.revision {
            Some((rev, raw)) => {
                let json = encode(rev)?;
                (
                    json.chunks(CHUNK_BYTES).map(<[u8]>::to_vec).collect(),
                    raw.chunks(CHUNK_BYTES).map(<[u8]>::to_vec).collect(),
                    rev.n,
                )
            }
            None => (Vec::new(), Vec::new(), 0),
        };
        if rev_chunks.len() > usize::from(u16::MAX) || file_chunks.len() > usize::from(u16::MAX) {
            return Err(StoreError::Corrupt("process revision too large".to_owned()));
        }
        let mut links = Vec::with_capacity(write.upsert_links.len());
        for l in &write.upsert_links {
            links.push((l, encode(l)?));
        }
        let trees = (
            &self.processes,
            &self.process_revisions,
            &self.process_files,
            &self.step_links,
            &self.article_steps,
        );
        let outcome = trees.transaction(|(processes, revisions, files, step_links, by_article)| {
            processes.insert(&id.to_bytes()[..], process_bytes.as_slice())?;
            for (i, chunk) in rev_chunks.iter().enumerate() {
                let i = u16::try_from(i).map_err(|_| corrupt("too many chunks"))?;
                revisions.insert(&chunk_key(id, n, i)[..], chunk.as_slice())?;
            }
            for (i, chunk) in file_chunks.iter().enumerate() {
                let i = u16::try_from(i).map_err(|_| corrupt("too many chunks"))?;
                files.insert(&chunk_key(id, n, i)[..], chunk.as_slice())?;
            }
            for l in &write.remove_links {
                step_links.remove(&link_key(l.process, l.id)[..])?;
                by_article.remove(&article_link_key(l.article, l.id)[..])?;
            }
            for (l, bytes) in &links {
                step_links.insert(&link_key(l.process, l.id)[..], bytes.as_slice())?;
                by_article.insert(
                    &article_link_key(l.article, l.id)[..],
                    &l.process.to_bytes()[..],
                )?;
            }
            Ok(())
        });
        match outcome {
            Ok(()) => Ok(()),
            Err(TransactionError::Abort(())) => {
                Err(StoreError::Corrupt("process write aborted".to_owned()))
            }
            Err(TransactionError::Storage(sled::Error::Unsupported(msg))) => {
                Err(StoreError::Corrupt(msg))
            }
            Err(TransactionError::Storage(e)) => Err(e.into()),
        }
    }

    /// The process with this id.
    pub fn process(&self, id: ProcessId) -> Result<Option<Process>> {
        self.processes
            .get(id.to_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    /// All processes, oldest first.
    pub fn all_processes(&self) -> Result<Vec<Process>> {
        self.processes
            .iter()
            .values()
            .map(|v| decode(&v?))
            .collect()
    }

    fn chunked(tree: &sled::Tree, id: ProcessId, n: u32) -> Result<Option<Vec<u8>>> {
        let mut out = Vec::new();
        let mut any = false;
        for kv in tree.scan_prefix(rev_prefix(id, n)) {
            let (_, v) = kv?;
            out.extend_from_slice(&v);
            any = true;
        }
        Ok(any.then_some(out))
    }

    /// Model revision `n` of a process.
    pub fn process_revision(&self, id: ProcessId, n: u32) -> Result<Option<ProcessRevision>> {
        Self::chunked(&self.process_revisions, id, n)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// The raw BPMN file of revision `n`, byte for byte as uploaded.
    pub fn process_file(&self, id: ProcessId, n: u32) -> Result<Option<Vec<u8>>> {
        Self::chunked(&self.process_files, id, n)
    }

    /// All links of a process (anchored and detached), in creation order.
    pub fn process_links(&self, id: ProcessId) -> Result<Vec<StepLink>> {
        self.step_links
            .scan_prefix(id.to_bytes())
            .values()
            .map(|v| decode(&v?))
            .collect()
    }

    /// One link of a process.
    pub fn step_link(&self, process: ProcessId, link: LinkId) -> Result<Option<StepLink>> {
        self.step_links
            .get(link_key(process, link))?
            .map(|v| decode(&v))
            .transpose()
    }

    /// All links to an article, across processes.
    pub fn article_step_links(&self, article: ArticleId) -> Result<Vec<StepLink>> {
        let mut out = Vec::new();
        for kv in self.article_steps.scan_prefix(article.to_bytes()) {
            let (k, v) = kv?;
            let process = ProcessId::from_bytes(id16(&v)?);
            let link = LinkId(ulid::Ulid::from_bytes(id16(&k[16..])?));
            if let Some(l) = self.step_link(process, link)? {
                out.push(l);
            }
        }
        Ok(out)
    }

    /// Removes a process with every revision, raw file and link, in one transaction.
    /// Not durable until [`Store::flush`] returns.
    pub fn delete_process(&self, id: ProcessId) -> Result<()> {
        let prefix = id.to_bytes();
        let keys = |tree: &sled::Tree| -> Result<Vec<sled::IVec>> {
            tree.scan_prefix(prefix)
                .keys()
                .collect::<std::result::Result<_, _>>()
                .map_err(StoreError::from)
        };
        let revisions = keys(&self.process_revisions)?;
        let files = keys(&self.process_files)?;
        let links = self.process_links(id)?;
        let trees = (
            &self.processes,
            &self.process_revisions,
            &self.process_files,
            &self.step_links,
            &self.article_steps,
        );
        let outcome = trees.transaction(|(processes, revs, fs, step_links, by_article)| {
            processes.remove(&prefix[..])?;
            for k in &revisions {
                revs.remove(k)?;
            }
            for k in &files {
                fs.remove(k)?;
            }
            for l in &links {
                step_links.remove(&link_key(l.process, l.id)[..])?;
                by_article.remove(&article_link_key(l.article, l.id)[..])?;
            }
            Ok::<(), ConflictableTransactionError<()>>(())
        });
        match outcome {
            Ok(()) => Ok(()),
            Err(TransactionError::Abort(())) => {
                Err(StoreError::Corrupt("process delete aborted".to_owned()))
            }
            Err(TransactionError::Storage(e)) => Err(e.into()),
        }
    }

    /// Number of processes.
    pub fn process_count(&self) -> usize {
        self.processes.len()
    }
}
