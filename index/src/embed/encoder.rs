//! BERT encoder forward pass (spec §10) over a group of windows, plus mean pooling.
//!
//! Windows of several texts are packed into one `[tokens × H]` matrix so each linear layer is a
//! single tall GEMM (that is where the time goes); attention is computed per window and head,
//! so windows never attend to each other and no padding or masking is needed.

use rayon::prelude::*;

use super::kernels::{NR, add_layer_norm, exp, gelu, gemm_f32, sum, with_simd};
use super::model::{Config, Weights};

/// Reusable activation buffers for one group, allocated once per forward call.
struct Buffers {
    x: Vec<f32>,
    qkv: Vec<f32>,
    ctx: Vec<f32>,
    tmp: Vec<f32>,
    ffn: Vec<f32>,
}

/// Runs the encoder over `windows` (each `[<s>] + content + [</s>]`, at most `max_pos` long)
/// and returns the mean over all tokens of each window (not yet normalised).
///
/// `parallel` spreads each layer over the rayon pool; callers that already run several groups
/// in parallel pass `false`.
pub(crate) fn forward(
    cfg: &Config,
    w: &Weights,
    windows: &[&[u32]],
    parallel: bool,
) -> Vec<Vec<f32>> {
    let h = cfg.hidden;
    let t: usize = windows.iter().map(|w| w.len()).sum();
    let mut b = Buffers {
        x: vec![0f32; t * h],
        qkv: vec![0f32; t * 3 * h],
        ctx: vec![0f32; t * h],
        tmp: vec![0f32; t * h],
        ffn: vec![0f32; t * cfg.ffn],
    };

    // Embeddings: word (decoded from Q4) + absolute position (from 0 in every window) + type 0.
    let mut row = 0;
    for win in windows {
        for (p, &id) in win.iter().enumerate() {
            let x = &mut b.x[row * h..(row + 1) * h];
            w.word_row(id, x);
            let pos = &w.pos[p * h..(p + 1) * h];
            for ((v, a), c) in x.iter_mut().zip(pos).zip(&w.type0) {
                *v += a + c;
            }
            row += 1;
        }
    }
    add_layer_norm(&mut b.x, None, &w.emb_ln.0, &w.emb_ln.1, cfg.eps);

    let starts: Vec<usize> = windows
        .iter()
        .scan(0, |acc, w| {
            let s = *acc;
            *acc += w.len();
            Some(s)
        })
        .collect();
    for layer in &w.layers {
        layer.qkv.forward(&b.x, t, &mut b.qkv, parallel);
        attention(cfg, &b.qkv, windows, &starts, &mut b.ctx, parallel);
        layer.attn_out.forward(&b.ctx, t, &mut b.tmp, parallel);
        add_ln(&mut b.x, &b.tmp, &layer.attn_ln, cfg.eps, h, parallel);
        layer.ffn_in.forward(&b.x, t, &mut b.ffn, parallel);
        gelu(&mut b.ffn, parallel);
        layer.ffn_out.forward(&b.ffn, t, &mut b.tmp, parallel);
        add_ln(&mut b.x, &b.tmp, &layer.out_ln, cfg.eps, h, parallel);
    }

    // Mean over all tokens of the window, <s> and </s> included (spec §11).
    windows
        .iter()
        .zip(&starts)
        .map(|(win, &s)| {
            let mut mean = vec![0f32; h];
            for r in s..s + win.len() {
                for (m, v) in mean.iter_mut().zip(&b.x[r * h..(r + 1) * h]) {
                    *m += v;
                }
            }
            let inv = 1.0 / win.len() as f32;
            mean.iter_mut().for_each(|m| *m *= inv);
            mean
        })
        .collect()
}

/// Residual + LayerNorm, split over rows when parallel and worth it.
fn add_ln(x: &mut [f32], y: &[f32], ln: &(Vec<f32>, Vec<f32>), eps: f32, h: usize, parallel: bool) {
    let rows = x.len() / h;
    if parallel && rows >= 64 {
        let per = rows.div_ceil(rayon::current_num_threads()) * h;
        x.par_chunks_mut(per)
            .zip(y.par_chunks(per))
            .for_each(|(x, y)| add_layer_norm(x, Some(y), &ln.0, &ln.1, eps));
    } else {
        add_layer_norm(x, Some(y), &ln.0, &ln.1, eps);
    }
}

/// Multi-head self-attention within each window; writes the concatenated heads to `ctx`.
fn attention(
    cfg: &Config,
    qkv: &[f32],
    windows: &[&[u32]],
    starts: &[usize],
    ctx: &mut [f32],
    parallel: bool,
) {
    let (h, heads) = (cfg.hidden, cfg.heads);
    let tasks: Vec<(usize, usize)> = (0..windows.len())
        .flat_map(|wi| (0..heads).map(move |hd| (wi, hd)))
        .collect();
    let run = |&(wi, hd): &(usize, usize), scratch: &mut Scratch| {
        attend_head(qkv, h, heads, starts[wi], windows[wi].len(), hd, scratch);
    };
    let scatter = |ctx: &mut [f32], (wi, hd): (usize, usize), out: &[f32]| {
        let dh = h / heads;
        for (i, o) in out.chunks_exact(dh).enumerate() {
            let r = starts[wi] + i;
            ctx[r * h + hd * dh..r * h + (hd + 1) * dh].copy_from_slice(o);
        }
    };
    // Below ~64 tokens a head takes microseconds: waking the pool would cost more than it saves.
    let tokens = starts.last().map_or(0, |&s| s) + windows.last().map_or(0, |w| w.len());
    if parallel && tasks.len() > 1 && tokens >= 64 {
        let outs: Vec<((usize, usize), Vec<f32>)> = tasks
            .par_iter()
            .map_init(Scratch::default, |s, task| {
                run(task, s);
                (*task, std::mem::take(&mut s.out))
            })
            .collect();
        for (task, out) in outs {
            scatter(ctx, task, &out);
        }
    } else {
        let mut s = Scratch::default();
        for task in &tasks {
            run(task, &mut s);
            scatter(ctx, *task, &s.out);
        }
    }
}

/// Per-task scratch memory, reused across heads to avoid allocations in the loop.
#[derive(Default)]
struct Scratch {
    /// Scaled queries of one head, `[n][dh]`.
    q: Vec<f32>,
    /// Keys packed as GEMM panels `[n/16][dh][16]` (zero-padded to a multiple of 16 keys).
    kp: Vec<f32>,
    /// Values packed as panels `[dh/16][n_pad][16]`.
    vp: Vec<f32>,
    /// Scores / probabilities `[n][n_pad]`.
    p: Vec<f32>,
    /// Output `[n][dh]`.
    out: Vec<f32>,
}

/// Softmax attention for one head of one window of `n` tokens starting at row `s0`.
///
/// Both products (`Q·Kᵀ` and `P·V`) run through the same register-blocked micro-kernel as
/// the linear layers; a naive loop here cost as much as all the linear layers together.
fn attend_head(
    qkv: &[f32],
    h: usize,
    heads: usize,
    s0: usize,
    n: usize,
    hd: usize,
    sc: &mut Scratch,
) {
    let dh = h / heads;
    let ld = 3 * h;
    let n_pad = n.next_multiple_of(NR);
    let scale = 1.0 / (dh as f32).sqrt();
    let Scratch { q, kp, vp, p, out } = sc;
    q.clear();
    kp.clear();
    kp.resize(n_pad * dh, 0.0);
    vp.clear();
    vp.resize(n_pad * dh, 0.0);
    p.clear();
    p.resize(n * n_pad, 0.0);
    out.clear();
    out.resize(n * dh, 0.0);
    for i in 0..n {
        let row = &qkv[(s0 + i) * ld..(s0 + i + 1) * ld];
        q.extend(row[hd * dh..(hd + 1) * dh].iter().map(|v| v * scale));
        let (jp, jc) = (i / NR, i % NR);
        for (d, &v) in row[h + hd * dh..h + (hd + 1) * dh].iter().enumerate() {
            kp[(jp * dh + d) * NR + jc] = v;
        }
        for (d, &v) in row[2 * h + hd * dh..2 * h + (hd + 1) * dh]
            .iter()
            .enumerate()
        {
            vp[((d / NR) * n_pad + i) * NR + d % NR] = v;
        }
    }
    with_simd(
        #[inline(always)]
        || {
            gemm_f32(q, dh, n, dh, kp, p, n_pad);
            for row in p.chunks_exact_mut(n_pad) {
                let (valid, pad) = row.split_at_mut(n);
                let max = valid.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                valid.iter_mut().for_each(|s| *s = exp(*s - max));
                let inv = 1.0 / sum(valid);
                valid.iter_mut().for_each(|s| *s *= inv);
                pad.iter_mut().for_each(|s| *s = 0.0);
            }
            gemm_f32(p, n_pad, n, n_pad, vp, out, dh);
        },
    );
}
