//! Parsing and validation of the `E5S1` single-file model format.
//!
//! The format (header, vocabulary, normalisation map, tensor directory, 64-byte aligned tensor
//! data) is described in `shared/spec/e5-small-q4-format.md`. The parser never trusts a count or
//! offset from the file: every section is bounds-checked before it is read, so a truncated or
//! corrupted file yields an [`EmbedError::Format`] instead of a panic.

use std::collections::HashMap;

use super::EmbedError;
use super::kernels::{Linear, NR, QBLOCK, QBLOCK_BYTES, f16_to_f32};
use super::tokenizer::Tokenizer;

/// File magic of format version 1.
pub(crate) const MAGIC: &[u8; 4] = b"E5S1";
/// The only format version this reader understands.
pub(crate) const VERSION: u32 = 1;
/// Header size in bytes.
pub(crate) const HEADER_LEN: usize = 72;

/// Tensor element type codes of the directory.
pub(crate) const DTYPE_F32: u8 = 0;
/// Q4_0 blocks (18 bytes per 32 weights).
pub(crate) const DTYPE_Q4_0: u8 = 1;

/// Hyper-parameters from the header.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Config {
    pub(crate) hidden: usize,
    pub(crate) layers: usize,
    pub(crate) heads: usize,
    pub(crate) ffn: usize,
    pub(crate) vocab_rows: usize,
    pub(crate) max_pos: usize,
    pub(crate) type_rows: usize,
    pub(crate) eps: f32,
    pub(crate) n_pieces: usize,
    pub(crate) bos: u32,
    pub(crate) eos: u32,
    pub(crate) pad: u32,
    pub(crate) unk: u32,
}

/// One encoder layer, with Q/K/V fused into one `3H`-output linear layer.
#[derive(Debug)]
pub(crate) struct Layer {
    pub(crate) qkv: Linear,
    pub(crate) attn_out: Linear,
    pub(crate) attn_ln: (Vec<f32>, Vec<f32>),
    pub(crate) ffn_in: Linear,
    pub(crate) ffn_out: Linear,
    pub(crate) out_ln: (Vec<f32>, Vec<f32>),
}

/// Everything the encoder needs, owned (no borrow of the file bytes remains).
#[derive(Debug)]
pub(crate) struct Weights {
    /// `emb.word` kept as raw Q4_0 rows: 82 % of all parameters, only looked-up rows are decoded.
    pub(crate) word_q4: Vec<u8>,
    pub(crate) pos: Vec<f32>,
    pub(crate) type0: Vec<f32>,
    pub(crate) emb_ln: (Vec<f32>, Vec<f32>),
    pub(crate) layers: Vec<Layer>,
}

/// Little-endian cursor with bounds checks.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], EmbedError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| {
            format_err(format!(
                "file truncated while reading {what} at byte {}",
                self.pos
            ))
        })?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn arr<const N: usize>(&mut self, what: &str) -> Result<[u8; N], EmbedError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N, what)?);
        Ok(a)
    }
    fn u8(&mut self, what: &str) -> Result<u8, EmbedError> {
        Ok(self.arr::<1>(what)?[0])
    }
    fn u16(&mut self, what: &str) -> Result<u16, EmbedError> {
        Ok(u16::from_le_bytes(self.arr(what)?))
    }
    fn u32(&mut self, what: &str) -> Result<u32, EmbedError> {
        Ok(u32::from_le_bytes(self.arr(what)?))
    }
    fn u64(&mut self, what: &str) -> Result<u64, EmbedError> {
        Ok(u64::from_le_bytes(self.arr(what)?))
    }
    fn f32(&mut self, what: &str) -> Result<f32, EmbedError> {
        Ok(f32::from_le_bytes(self.arr(what)?))
    }
    /// A signed header count that must be positive and at most `max`.
    fn count(&mut self, what: &str, max: usize) -> Result<usize, EmbedError> {
        let v = i32::from_le_bytes(self.arr(what)?);
        usize::try_from(v)
            .ok()
            .filter(|&v| v > 0 && v <= max)
            .ok_or_else(|| format_err(format!("{what} is {v}, expected 1..={max}")))
    }
}

pub(crate) fn format_err(msg: String) -> EmbedError {
    EmbedError::Format(msg)
}

/// Directory entry.
struct Tensor {
    dtype: u8,
    count: usize,
    offset: usize,
    size: usize,
}

/// Parses a complete model file into configuration, tokenizer and weights.
pub(crate) fn parse(bytes: &[u8]) -> Result<(Config, Tokenizer, Weights), EmbedError> {
    let mut r = Reader { bytes, pos: 0 };
    let magic = r.arr::<4>("magic")?;
    if &magic != MAGIC {
        return Err(format_err(format!(
            "bad magic {:?}, expected \"E5S1\" (not an e5-small-q4 model file?)",
            String::from_utf8_lossy(&magic)
        )));
    }
    let version = r.u32("version")?;
    if version != VERSION {
        return Err(format_err(format!(
            "unsupported format version {version}, expected {VERSION}"
        )));
    }
    const BIG: usize = 1 << 20;
    let hidden = r.count("hidden size", 1 << 14)?;
    let layers = r.count("layer count", 256)?;
    let heads = r.count("head count", 1024)?;
    let ffn = r.count("FFN size", 1 << 16)?;
    let vocab_rows = r.count("word-embedding rows", 1 << 24)?;
    let max_pos = r.count("max positions", BIG)?;
    let type_rows = r.count("token-type rows", 1024)?;
    let eps = r.f32("LayerNorm epsilon")?;
    let qblock = r.count("quantization block size", 1 << 10)?;
    let n_pieces = r.count("tokenizer piece count", 1 << 24)?;
    let mut special = [0u32; 4];
    for (s, name) in special
        .iter_mut()
        .zip(["bos id", "eos id", "pad id", "unk id"])
    {
        let v = i32::from_le_bytes(r.arr(name)?);
        *s = u32::try_from(v)
            .ok()
            .filter(|&v| (v as usize) < n_pieces)
            .ok_or_else(|| format_err(format!("{name} {v} outside 0..{n_pieces}")))?;
    }
    let blob_len = r.u64("piece blob length")?;
    let [bos, eos, pad, unk] = special;

    if qblock != QBLOCK {
        return Err(format_err(format!(
            "quantization block size {qblock}, expected {QBLOCK}"
        )));
    }
    if hidden % heads != 0 || hidden % NR != 0 || hidden % QBLOCK != 0 {
        return Err(format_err(format!(
            "hidden size {hidden} must be a multiple of the head count {heads}, 16 and 32"
        )));
    }
    if (hidden / heads) % NR != 0 {
        return Err(format_err(format!(
            "head size {} must be a multiple of {NR}",
            hidden / heads
        )));
    }
    if ffn % NR != 0 || ffn % QBLOCK != 0 {
        return Err(format_err(format!(
            "FFN size {ffn} must be a multiple of 32"
        )));
    }
    if !(eps.is_finite() && eps > 0.0) {
        return Err(format_err(format!(
            "LayerNorm epsilon {eps} is not a positive number"
        )));
    }
    if max_pos < 3 {
        return Err(format_err(format!(
            "max positions {max_pos} leaves no room for content"
        )));
    }
    if n_pieces > vocab_rows {
        return Err(format_err(format!(
            "{n_pieces} tokenizer pieces but only {vocab_rows} embedding rows"
        )));
    }
    let cfg = Config {
        hidden,
        layers,
        heads,
        ffn,
        vocab_rows,
        max_pos,
        type_rows,
        eps,
        n_pieces,
        bos,
        eos,
        pad,
        unk,
    };

    // Vocabulary: offsets, scores, blob.
    let offs_bytes = r.take((n_pieces + 1) * 4, "piece offsets")?;
    let offsets: Vec<u32> = offs_bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let scores: Vec<f32> = r
        .take(n_pieces * 4, "piece scores")?
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let blob_len = usize::try_from(blob_len)
        .ok()
        .filter(|&l| l <= bytes.len())
        .ok_or_else(|| {
            format_err(format!(
                "piece blob length {blob_len} exceeds the file size"
            ))
        })?;
    let blob = r.take(blob_len, "piece blob")?.to_vec();

    // Normalisation map.
    let norm_count = i32::from_le_bytes(r.arr("normalization entry count")?);
    let norm_count = usize::try_from(norm_count)
        .map_err(|_| format_err(format!("negative normalization entry count {norm_count}")))?;
    let norm_len = r.u32("normalization byte length")? as usize;
    let mut nr = Reader {
        bytes: r.take(norm_len, "normalization map")?,
        pos: 0,
    };
    let mut norm = Vec::with_capacity(norm_count);
    for _ in 0..norm_count {
        let cp = nr.u32("normalization code point")?;
        let k = nr.u8("normalization output length")? as usize;
        let mut out = Vec::with_capacity(k);
        for _ in 0..k {
            let o = nr.u32("normalization output")?;
            out.push(char::from_u32(o).ok_or_else(|| {
                format_err(format!(
                    "normalization output U+{o:X} is not a Unicode scalar"
                ))
            })?);
        }
        let c = char::from_u32(cp)
            .ok_or_else(|| format_err(format!("normalization key U+{cp:X} is not a scalar")))?;
        norm.push((c, out));
    }
    if nr.pos != norm_len {
        return Err(format_err(format!(
            "normalization map has {} trailing bytes",
            norm_len - nr.pos
        )));
    }
    let tokenizer = Tokenizer::new(&cfg, offsets, scores, blob, norm)?;

    // Tensor directory.
    let n_tensors = r.count("tensor count", 1 << 16)?;
    let mut dir: HashMap<String, Tensor> = HashMap::with_capacity(n_tensors);
    for _ in 0..n_tensors {
        let l = r.u16("tensor name length")? as usize;
        let name = std::str::from_utf8(r.take(l, "tensor name")?)
            .map_err(|_| format_err("tensor name is not UTF-8".into()))?
            .to_owned();
        let dtype = r.u8("tensor dtype")?;
        let count = r.u32("tensor element count")? as usize;
        let offset = r.u64("tensor offset")?;
        let size = r.u64("tensor size")?;
        let expect = match dtype {
            DTYPE_F32 => count.checked_mul(4),
            DTYPE_Q4_0 if count.is_multiple_of(QBLOCK) => Some(count / QBLOCK * QBLOCK_BYTES),
            _ => None,
        };
        let (offset, size) = (offset as usize, size as usize);
        if expect != Some(size) {
            return Err(format_err(format!(
                "tensor {name}: dtype {dtype} with {count} elements cannot have {size} bytes"
            )));
        }
        if offset.checked_add(size).is_none_or(|e| e > bytes.len()) {
            return Err(format_err(format!(
                "tensor {name}: bytes {offset}..+{size} lie outside the data section of a {}-byte file",
                bytes.len()
            )));
        }
        if dir
            .insert(
                name.clone(),
                Tensor {
                    dtype,
                    count,
                    offset,
                    size,
                },
            )
            .is_some()
        {
            return Err(format_err(format!("tensor {name} appears twice")));
        }
    }

    // Tensor data must not overlap the header, vocabulary or directory.
    if let Some((name, t)) = dir.iter().find(|(_, t)| t.offset < r.pos) {
        return Err(format_err(format!(
            "tensor {name} starts at byte {} inside the metadata (which ends at {})",
            t.offset, r.pos
        )));
    }
    let get = |name: &str, dtype: u8, count: usize| -> Result<&[u8], EmbedError> {
        let t = dir
            .get(name)
            .ok_or_else(|| format_err(format!("tensor {name} is missing")))?;
        if t.dtype != dtype || t.count != count {
            return Err(format_err(format!(
                "tensor {name}: dtype {} with {} elements, expected dtype {dtype} with {count}",
                t.dtype, t.count
            )));
        }
        Ok(&bytes[t.offset..t.offset + t.size])
    };
    let f32s = |name: &str, count: usize| -> Result<Vec<f32>, EmbedError> {
        let data = get(name, DTYPE_F32, count)?;
        let v: Vec<f32> = data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if v.iter().any(|x| !x.is_finite()) {
            return Err(format_err(format!(
                "tensor {name} contains NaN or infinity"
            )));
        }
        Ok(v)
    };
    let linear = |prefix: &str, n: usize, k: usize| -> Result<Linear, EmbedError> {
        let q4 = get(&format!("{prefix}.w"), DTYPE_Q4_0, n * k)?;
        check_scales(q4, prefix)?;
        Ok(Linear::from_q4(q4, n, k, f32s(&format!("{prefix}.b"), n)?))
    };

    let word_q4 = get("emb.word", DTYPE_Q4_0, vocab_rows * hidden)?.to_vec();
    check_scales(&word_q4, "emb.word")?;
    let pos = f32s("emb.pos", max_pos * hidden)?;
    let types = f32s("emb.type", type_rows * hidden)?;
    let emb_ln = (f32s("emb.ln.w", hidden)?, f32s("emb.ln.b", hidden)?);
    let mut layer_vec = Vec::with_capacity(layers);
    for l in 0..layers {
        let p = |s: &str| format!("l{l}.{s}");
        let qkv = Linear::concat(vec![
            linear(&p("q"), hidden, hidden)?,
            linear(&p("k"), hidden, hidden)?,
            linear(&p("v"), hidden, hidden)?,
        ]);
        layer_vec.push(Layer {
            qkv,
            attn_out: linear(&p("ao"), hidden, hidden)?,
            attn_ln: (f32s(&p("aln.w"), hidden)?, f32s(&p("aln.b"), hidden)?),
            ffn_in: linear(&p("fi"), ffn, hidden)?,
            ffn_out: linear(&p("fo"), hidden, ffn)?,
            out_ln: (f32s(&p("oln.w"), hidden)?, f32s(&p("oln.b"), hidden)?),
        });
    }
    let weights = Weights {
        word_q4,
        pos,
        type0: types[..hidden].to_vec(),
        emb_ln,
        layers: layer_vec,
    };
    Ok((cfg, tokenizer, weights))
}

/// Rejects Q4_0 data whose block scales are NaN or infinite (a sign of corruption).
fn check_scales(q4: &[u8], name: &str) -> Result<(), EmbedError> {
    let bad = q4
        .chunks_exact(QBLOCK_BYTES)
        .any(|b| !f16_to_f32(u16::from_le_bytes([b[0], b[1]])).is_finite());
    if bad {
        return Err(format_err(format!(
            "tensor {name} has a NaN or infinite block scale"
        )));
    }
    Ok(())
}

impl Weights {
    /// Decodes word-embedding row `id` into `out` (length H).
    pub(crate) fn word_row(&self, id: u32, out: &mut [f32]) {
        let h = out.len();
        let row_bytes = h / QBLOCK * QBLOCK_BYTES;
        let row = &self.word_q4[id as usize * row_bytes..(id as usize + 1) * row_bytes];
        for (dst, blk) in out
            .chunks_exact_mut(QBLOCK)
            .zip(row.chunks_exact(QBLOCK_BYTES))
        {
            let d = f16_to_f32(u16::from_le_bytes([blk[0], blk[1]]));
            for (j, &b) in blk[2..].iter().enumerate() {
                dst[j] = (f32::from(b & 0x0f) - 8.0) * d;
                dst[j + 16] = (f32::from(b >> 4) - 8.0) * d;
            }
        }
    }

    /// Heap bytes held by the weights.
    pub(crate) fn heap_bytes(&self) -> usize {
        let ln = |p: &(Vec<f32>, Vec<f32>)| 4 * (p.0.len() + p.1.len());
        self.word_q4.len()
            + 4 * (self.pos.len() + self.type0.len())
            + ln(&self.emb_ln)
            + self
                .layers
                .iter()
                .map(|l| {
                    l.qkv.heap_bytes()
                        + l.attn_out.heap_bytes()
                        + l.ffn_in.heap_bytes()
                        + l.ffn_out.heap_bytes()
                        + ln(&l.attn_ln)
                        + ln(&l.out_ln)
                })
                .sum::<usize>()
    }
}
