//! A tiny but valid `E5S1` model for tests (no need for the real 71 MB file).
//!
//! It has the real file's structure (header, vocabulary with the XLM-R special ids, a small
//! normalisation map, all 5 + 16·L tensors, 64-byte aligned data) and deterministic
//! pseudo-random weights, so loading, validation, tokenization and embedding can all be
//! exercised. The vectors mean nothing semantically.

use std::io::Write;

use super::kernels::{QBLOCK, QBLOCK_BYTES};
use super::model::{DTYPE_F32, DTYPE_Q4_0, HEADER_LEN, MAGIC, VERSION};

/// Shape and seed of a synthetic model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticSpec {
    /// Seed of the weight generator; different seeds give different vectors.
    pub seed: u64,
    /// Hidden size (a multiple of 32 and of `heads`).
    pub hidden: usize,
    /// Encoder layers.
    pub layers: usize,
    /// Attention heads.
    pub heads: usize,
    /// FFN size (a multiple of 32).
    pub ffn: usize,
    /// Max positions; texts longer than `max_pos − 2` tokens are windowed.
    pub max_pos: usize,
}

impl Default for SyntheticSpec {
    fn default() -> Self {
        SyntheticSpec {
            seed: 1,
            hidden: 32,
            layers: 2,
            heads: 2,
            ffn: 64,
            max_pos: 16,
        }
    }
}

/// Vocabulary: XLM-R special ids 0–3, a few pieces, `<mask>` last (as in the real file).
const PIECES: &[&str] = &[
    "<s>",
    "<pad>",
    "</s>",
    "<unk>",
    ",",
    ".",
    "\u{2581}",
    "s",
    "\u{2581}que",
    "ry",
    ":",
    "\u{2581}passage",
    "\u{2581}hallo",
    "\u{2581}hal",
    "lo",
    "\u{2581}welt",
    "\u{2581}Welt",
    "!",
    "?",
    "e",
    "n",
    "i",
    "r",
    "t",
    "a",
    "h",
    "l",
    "o",
    "w",
    "\u{2581}a",
    "\u{2581}der",
    "\u{2581}die",
    "\u{2581}und",
    "ü",
    "ä",
    "ö",
    "ß",
    "A",
    "<mask>",
];

/// Normalisation entries: deletion, whitespace → space, `▁` → space, expansion, full-width.
const NORM: &[(u32, &[u32])] = &[
    (0x01, &[]),
    (0x09, &[0x20]),
    (0x0a, &[0x20]),
    (0x0d, &[0x20]),
    (0xa0, &[0x20]),
    (0x2026, &[0x2e, 0x2e, 0x2e]),
    (0x2581, &[0x20]),
    (0xff21, &[0x41]),
];

/// Writes a synthetic model file to `w`.
pub fn write_synthetic_model(mut w: impl Write, spec: &SyntheticSpec) -> std::io::Result<()> {
    w.write_all(&synthetic_model_bytes(spec))
}

/// Returns the bytes of a synthetic model file.
pub fn synthetic_model_bytes(spec: &SyntheticSpec) -> Vec<u8> {
    let (h, f) = (spec.hidden, spec.ffn);
    let n = PIECES.len();
    let vocab_rows = n + 3; // like the real file: a few rows the tokenizer never produces
    let mut rng = spec.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };

    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    for v in [h, spec.layers, spec.heads, f, vocab_rows, spec.max_pos, 2] {
        out.extend_from_slice(&(v as i32).to_le_bytes());
    }
    out.extend_from_slice(&1e-12f32.to_le_bytes());
    for v in [QBLOCK, n, 0, 2, 1, 3] {
        out.extend_from_slice(&(v as i32).to_le_bytes());
    }
    let blob: Vec<u8> = PIECES.iter().flat_map(|p| p.bytes()).collect();
    out.extend_from_slice(&(blob.len() as u64).to_le_bytes());
    debug_assert_eq!(out.len(), HEADER_LEN);

    let mut off = 0u32;
    out.extend_from_slice(&0u32.to_le_bytes());
    for p in PIECES {
        off += p.len() as u32;
        out.extend_from_slice(&off.to_le_bytes());
    }
    for (i, p) in PIECES.iter().enumerate() {
        let special = p.starts_with('<') && p.ends_with('>');
        let score = if special { 0.0 } else { -3.0 - 0.25 * i as f32 };
        out.extend_from_slice(&score.to_le_bytes());
    }
    out.extend_from_slice(&blob);

    let mut norm = Vec::new();
    for (cp, outs) in NORM {
        norm.extend_from_slice(&cp.to_le_bytes());
        norm.push(outs.len() as u8);
        for o in *outs {
            norm.extend_from_slice(&o.to_le_bytes());
        }
    }
    out.extend_from_slice(&(NORM.len() as i32).to_le_bytes());
    out.extend_from_slice(&(norm.len() as u32).to_le_bytes());
    out.extend_from_slice(&norm);

    // Tensor list in file order: (name, is_q4, element count).
    let mut tensors: Vec<(String, bool, usize)> = vec![
        ("emb.word".into(), true, vocab_rows * h),
        ("emb.pos".into(), false, spec.max_pos * h),
        ("emb.type".into(), false, 2 * h),
        ("emb.ln.w".into(), false, h),
        ("emb.ln.b".into(), false, h),
    ];
    for l in 0..spec.layers {
        for (name, rows, cols) in [
            ("q", h, h),
            ("k", h, h),
            ("v", h, h),
            ("ao", h, h),
            ("aln", h, 0),
            ("fi", f, h),
            ("fo", h, f),
            ("oln", h, 0),
        ] {
            if cols == 0 {
                tensors.push((format!("l{l}.{name}.w"), false, rows));
            } else {
                tensors.push((format!("l{l}.{name}.w"), true, rows * cols));
            }
            tensors.push((format!("l{l}.{name}.b"), false, rows));
        }
    }
    let size = |q4: bool, count: usize| {
        if q4 {
            count / QBLOCK * QBLOCK_BYTES
        } else {
            4 * count
        }
    };
    let dir_len = 4 + tensors
        .iter()
        .map(|(name, _, _)| 23 + name.len())
        .sum::<usize>();
    let mut data_off = (out.len() + dir_len).next_multiple_of(64);
    out.extend_from_slice(&(tensors.len() as i32).to_le_bytes());
    let mut placed = Vec::new();
    for (name, q4, count) in &tensors {
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.push(if *q4 { DTYPE_Q4_0 } else { DTYPE_F32 });
        out.extend_from_slice(&(*count as u32).to_le_bytes());
        out.extend_from_slice(&(data_off as u64).to_le_bytes());
        out.extend_from_slice(&(size(*q4, *count) as u64).to_le_bytes());
        placed.push(data_off);
        data_off = (data_off + size(*q4, *count)).next_multiple_of(64);
    }
    for ((name, q4, count), at) in tensors.iter().zip(placed) {
        out.resize(at, 0);
        if *q4 {
            for _ in 0..count / QBLOCK {
                // f16 scale with random sign and magnitude 2^-6 … 2^-3 (exponent 9 … 12).
                let r = next();
                let bits = ((r & 1) << 15) as u16
                    | (((9 + (r >> 1) % 4) as u16) << 10)
                    | ((r >> 8) as u16 & 0x3ff);
                out.extend_from_slice(&bits.to_le_bytes());
                for _ in 0..16 {
                    out.push(next() as u8);
                }
            }
        } else {
            let ln_weight = name.ends_with("ln.w");
            for _ in 0..*count {
                let u = (next() >> 40) as f32 / (1u64 << 24) as f32 - 0.5; // −0.5 … 0.5
                let v = if ln_weight { 1.0 + 0.2 * u } else { 0.1 * u };
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    out
}
