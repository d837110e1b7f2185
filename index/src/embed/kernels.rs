//! Numeric kernels: the 4-bit linear layer (GEMM), LayerNorm, GELU, softmax helpers.
//!
//! Everything here is safe Rust. Speed comes from two things:
//! - [`with_simd`] runs a closure inside `pulp`'s AVX2+FMA context when the CPU has it (runtime
//!   detection), so the plain slice loops below get auto-vectorised to 256-bit code, and the GEMM
//!   micro-kernel uses explicit `f32x8` FMAs;
//! - the weights stay small: Q4_0 blocks are repacked at load time into `i8` codes plus one f32
//!   scale per (32-block, column), laid out in 16-column panels. A panel is dequantised into a
//!   cache-resident f32 buffer once and then reused for many rows of activations, so the
//!   dequantisation is fused into the matmul and the packed weights (~24 MB) stay in L3.

use rayon::prelude::*;

/// Columns per packed weight panel (two AVX2 vectors).
pub(crate) const NR: usize = 16;
/// Rows of activations per micro-kernel call (6×16 accumulators fit the 16 ymm registers).
const MR: usize = 6;
/// Rows per cache block in the serial GEMM: one block of activations is reused for every panel.
const MC: usize = 96;
/// Q4_0 block size (weights per scale).
pub(crate) const QBLOCK: usize = 32;
/// Bytes in one Q4_0 block: f16 scale + 16 bytes of nibbles.
pub(crate) const QBLOCK_BYTES: usize = 18;

/// Runs `f` with AVX2 + FMA enabled if the CPU supports them, otherwise as plain code.
///
/// `f` and what it calls must be `#[inline(always)]` for the features to reach the loops.
#[inline(always)]
pub(crate) fn with_simd<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(simd) = pulp::x86::V3::try_new() {
            return simd.vectorize(f);
        }
    }
    f()
}

/// Converts an IEEE-754 binary16 value to f32 (exact; handles subnormals, inf, NaN).
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: value = man * 2^-24, exactly representable in f32.
            let v = man as f32 * (1.0 / 16_777_216.0);
            return if sign != 0 { -v } else { v };
        }
        (0x1f, 0) => sign | 0x7f80_0000,
        (0x1f, _) => sign | 0x7fc0_0000 | (man << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

/// A linear layer `y = x·Wᵀ + b` with `W` stored as repacked Q4_0 (see module docs).
#[derive(Debug)]
pub(crate) struct Linear {
    /// Output features (a multiple of [`NR`]).
    pub(crate) n: usize,
    /// Input features (a multiple of [`QBLOCK`]).
    pub(crate) k: usize,
    /// `[panel][k][NR]` signed codes (`code - 8`, so −8 … 7).
    codes: Vec<i8>,
    /// `[panel][k / 32][NR]` block scales.
    scales: Vec<f32>,
    bias: Vec<f32>,
}

impl Linear {
    /// Repacks row-major Q4_0 data (`n` rows of `k / 32` blocks) into panels.
    ///
    /// The caller has checked that `q4.len() == n * k / 32 * 18`, `n % NR == 0`,
    /// `k % QBLOCK == 0` and `bias.len() == n`.
    pub(crate) fn from_q4(q4: &[u8], n: usize, k: usize, bias: Vec<f32>) -> Linear {
        let blocks_per_row = k / QBLOCK;
        let mut codes = vec![0i8; n * k];
        let mut scales = vec![0f32; n * blocks_per_row];
        for (row, row_bytes) in q4.chunks_exact(blocks_per_row * QBLOCK_BYTES).enumerate() {
            let (panel, col) = (row / NR, row % NR);
            let code_base = panel * k * NR;
            let scale_base = panel * blocks_per_row * NR;
            for (b, block) in row_bytes.chunks_exact(QBLOCK_BYTES).enumerate() {
                scales[scale_base + b * NR + col] =
                    f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
                for (j, &byte) in block[2..].iter().enumerate() {
                    // Low nibble is weight j, high nibble weight j + 16 (GGML Q4_0 order).
                    let lo = (byte & 0x0f) as i8 - 8;
                    let hi = (byte >> 4) as i8 - 8;
                    codes[code_base + (b * QBLOCK + j) * NR + col] = lo;
                    codes[code_base + (b * QBLOCK + j + 16) * NR + col] = hi;
                }
            }
        }
        Linear {
            n,
            k,
            codes,
            scales,
            bias,
        }
    }

    /// Concatenates layers with the same input size along the output dimension
    /// (used to fuse Q, K and V into one GEMM).
    pub(crate) fn concat(parts: Vec<Linear>) -> Linear {
        let k = parts.first().map_or(0, |p| p.k);
        let mut out = Linear {
            n: 0,
            k,
            codes: Vec::new(),
            scales: Vec::new(),
            bias: Vec::new(),
        };
        for p in parts {
            debug_assert_eq!(p.k, k);
            out.n += p.n;
            out.codes.extend_from_slice(&p.codes);
            out.scales.extend_from_slice(&p.scales);
            out.bias.extend_from_slice(&p.bias);
        }
        out
    }

    /// Bytes held by this layer (for memory accounting in docs/tests).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.codes.len() + 4 * (self.scales.len() + self.bias.len())
    }

    /// Computes `out[m×n] = x[m×k]·Wᵀ + b`.
    ///
    /// With `parallel`, the work is split over the rayon pool: by column panels for few rows
    /// (a query: every thread streams only its share of the weights), by row blocks otherwise.
    pub(crate) fn forward(&self, x: &[f32], m: usize, out: &mut [f32], parallel: bool) {
        let (n, k) = (self.n, self.k);
        debug_assert!(x.len() >= m * k && out.len() >= m * n);
        let threads = rayon::current_num_threads();
        let panels = n / NR;
        if !parallel || threads < 2 || m == 0 {
            self.gemm_serial(&x[..m * k], m, 0..panels, &mut out[..m * n], n, 0);
            return;
        }
        if m < 4 * MR * threads {
            // Few rows: split the panels; each task writes a dense [m × cols] tile that is
            // copied into place afterwards (cheap for so few rows, and keeps borrows disjoint).
            // Several tasks per thread: if one worker is descheduled (a busy machine), the
            // others steal its share instead of waiting for it.
            let per = panels.div_ceil(4 * threads);
            let tiles: Vec<(usize, Vec<f32>)> = (0..panels)
                .step_by(per)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|p0| {
                    let p1 = (p0 + per).min(panels);
                    let cols = (p1 - p0) * NR;
                    let mut tile = vec![0f32; m * cols];
                    self.gemm_serial(&x[..m * k], m, p0..p1, &mut tile, cols, p0 * NR);
                    (p0, tile)
                })
                .collect();
            for (p0, tile) in tiles {
                let cols = tile.len() / m;
                for (r, src) in tile.chunks_exact(cols).enumerate() {
                    out[r * n + p0 * NR..r * n + p0 * NR + cols].copy_from_slice(src);
                }
            }
        } else {
            let rows_per = m.div_ceil(threads * 2).next_multiple_of(MR);
            out[..m * n]
                .par_chunks_mut(rows_per * n)
                .zip(x[..m * k].par_chunks(rows_per * k))
                .for_each(|(o, xs)| {
                    let rows = xs.len() / k;
                    self.gemm_serial(xs, rows, 0..panels, o, n, 0);
                });
        }
    }

    /// Single-threaded GEMM over the panels in `panels`. `out` has row stride `ldo`, and output
    /// column `c` of this layer goes to `out[r * ldo + c - col0]`.
    fn gemm_serial(
        &self,
        x: &[f32],
        m: usize,
        panels: std::ops::Range<usize>,
        out: &mut [f32],
        ldo: usize,
        col0: usize,
    ) {
        let k = self.k;
        let mut buf = vec![0f32; k * NR];
        with_simd(
            #[inline(always)]
            || {
                for r0 in (0..m).step_by(MC) {
                    let r1 = (r0 + MC).min(m);
                    for p in panels.clone() {
                        self.dequant_panel(p, &mut buf);
                        let bias = &self.bias[p * NR..(p + 1) * NR];
                        let c = p * NR - col0;
                        for g0 in (r0..r1).step_by(MR) {
                            let rows = (r1 - g0).min(MR);
                            let acc = micro_kernel(x, k, k, g0, rows, &buf);
                            for (i, acc_row) in acc.iter().take(rows).enumerate() {
                                let o = &mut out[(g0 + i) * ldo + c..(g0 + i) * ldo + c + NR];
                                for ((o, a), b) in o.iter_mut().zip(acc_row).zip(bias) {
                                    *o = a + b;
                                }
                            }
                        }
                    }
                }
            },
        );
    }

    /// Dequantises panel `p` into `buf` as `[k][NR]` f32.
    #[inline(always)]
    fn dequant_panel(&self, p: usize, buf: &mut [f32]) {
        let k = self.k;
        let codes = &self.codes[p * k * NR..(p + 1) * k * NR];
        let scales = &self.scales[p * (k / QBLOCK) * NR..(p + 1) * (k / QBLOCK) * NR];
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(simd) = pulp::x86::V3::try_new() {
                dequant_v3(simd, codes, scales, buf);
                return;
            }
        }
        for ((dst, src), sc) in buf
            .chunks_exact_mut(QBLOCK * NR)
            .zip(codes.chunks_exact(QBLOCK * NR))
            .zip(scales.chunks_exact(NR))
        {
            for (d, s) in dst.chunks_exact_mut(NR).zip(src.chunks_exact(NR)) {
                for ((d, &s), &f) in d.iter_mut().zip(s).zip(sc) {
                    *d = f32::from(s) * f;
                }
            }
        }
    }
}

/// AVX2 dequantisation of one panel: sign-extend 8 codes to i32, convert, scale.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn dequant_v3(simd: pulp::x86::V3, codes: &[i8], scales: &[f32], buf: &mut [f32]) {
    use core::arch::x86_64::{__m128i, __m256};
    use pulp::bytemuck::cast;
    let (codes, _) = pulp::as_arrays::<NR, i8>(codes);
    let (scales, _) = pulp::as_arrays::<NR, f32>(scales);
    let (buf, _) = pulp::as_arrays_mut::<NR, f32>(buf);
    for ((dst, src), sc) in buf.chunks_mut(QBLOCK).zip(codes.chunks(QBLOCK)).zip(scales) {
        let [s0, s1]: [__m256; 2] = cast(*sc);
        for (d, c) in dst.iter_mut().zip(src) {
            let c: __m128i = cast(*c);
            let lo = simd
                .avx
                ._mm256_cvtepi32_ps(simd.avx2._mm256_cvtepi8_epi32(c));
            let hi = simd.avx._mm256_cvtepi32_ps(
                simd.avx2
                    ._mm256_cvtepi8_epi32(simd.sse2._mm_unpackhi_epi64(c, c)),
            );
            *d = cast([
                simd.avx._mm256_mul_ps(lo, s0),
                simd.avx._mm256_mul_ps(hi, s1),
            ]);
        }
    }
}

/// Computes a `rows × 16` tile (`rows ≤ 6`) of `x[g0..g0+rows] · panel`, where `panel` is `[k][16]`.
/// Missing rows re-read the last valid row so that the loop shape stays fixed.
#[inline(always)]
fn micro_kernel(
    x: &[f32],
    ldx: usize,
    k: usize,
    g0: usize,
    rows: usize,
    panel: &[f32],
) -> [[f32; NR]; MR] {
    let row = |i: usize| {
        let r = g0 + i.min(rows - 1);
        &x[r * ldx..r * ldx + k]
    };
    let (a0, a1, a2, a3, a4, a5) = (row(0), row(1), row(2), row(3), row(4), row(5));
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(simd) = pulp::x86::V3::try_new() {
            return micro_kernel_v3(simd, [a0, a1, a2, a3, a4, a5], panel);
        }
    }
    let mut acc = [[0f32; NR]; MR];
    let (blocks, _) = pulp::as_arrays::<NR, f32>(panel);
    for (kk, b) in blocks.iter().enumerate() {
        for (acc_row, a) in acc.iter_mut().zip([a0, a1, a2, a3, a4, a5]) {
            let av = a[kk];
            for (c, &bv) in acc_row.iter_mut().zip(b) {
                *c += av * bv;
            }
        }
    }
    acc
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn micro_kernel_v3(simd: pulp::x86::V3, a: [&[f32]; MR], panel: &[f32]) -> [[f32; NR]; MR] {
    use pulp::f32x8;
    let z = simd.splat_f32x8(0.0);
    let mut c = [[z; 2]; MR];
    let (blocks, _) = pulp::as_arrays::<NR, f32>(panel);
    let [a0, a1, a2, a3, a4, a5] = a;
    let iter = blocks
        .iter()
        .zip(a0)
        .zip(a1)
        .zip(a2)
        .zip(a3)
        .zip(a4)
        .zip(a5);
    for ((((((b, &x0), &x1), &x2), &x3), &x4), &x5) in iter {
        let [b0, b1]: [f32x8; 2] = pulp::bytemuck::cast(*b);
        for (ci, xv) in c.iter_mut().zip([x0, x1, x2, x3, x4, x5]) {
            let s = simd.splat_f32x8(xv);
            ci[0] = simd.mul_add_f32x8(s, b0, ci[0]);
            ci[1] = simd.mul_add_f32x8(s, b1, ci[1]);
        }
    }
    c.map(pulp::bytemuck::cast::<[f32x8; 2], [f32; NR]>)
}

/// Plain f32 GEMM for attention: `out[r * ldo + c] = Σ_i x[r * ldx + i] · B[i][c]` for
/// `r < m`, `c < 16 · panels.len() / (k · 16)`, where `panels` holds `[panel][k][16]`.
/// Must run inside [`with_simd`].
#[inline(always)]
pub(crate) fn gemm_f32(
    x: &[f32],
    ldx: usize,
    m: usize,
    k: usize,
    panels: &[f32],
    out: &mut [f32],
    ldo: usize,
) {
    for (p, panel) in panels.chunks_exact(k * NR).enumerate() {
        for g0 in (0..m).step_by(MR) {
            let rows = (m - g0).min(MR);
            let acc = micro_kernel(x, ldx, k, g0, rows, panel);
            for (i, acc_row) in acc.iter().take(rows).enumerate() {
                out[(g0 + i) * ldo + p * NR..(g0 + i) * ldo + (p + 1) * NR]
                    .copy_from_slice(acc_row);
            }
        }
    }
}

/// `x = LayerNorm(x + y) · w + b` for each row of length `w.len()`; `y = None` skips the
/// residual. Mean and biased variance are taken per row (spec §10).
pub(crate) fn add_layer_norm(x: &mut [f32], y: Option<&[f32]>, w: &[f32], b: &[f32], eps: f32) {
    let h = w.len();
    with_simd(
        #[inline(always)]
        || {
            for (r, row) in x.chunks_exact_mut(h).enumerate() {
                if let Some(y) = y {
                    for (v, a) in row.iter_mut().zip(&y[r * h..(r + 1) * h]) {
                        *v += a;
                    }
                }
                let mean = sum(row) / h as f32;
                let mut var = 0f32;
                let mut lanes = [0f32; 8];
                for ch in row.chunks_exact(8) {
                    for (l, &v) in lanes.iter_mut().zip(ch) {
                        let d = v - mean;
                        *l += d * d;
                    }
                }
                var += lanes.iter().sum::<f32>();
                for &v in row.chunks_exact(8).remainder() {
                    var += (v - mean) * (v - mean);
                }
                let inv = 1.0 / (var / h as f32 + eps).sqrt();
                for ((v, &wv), &bv) in row.iter_mut().zip(w).zip(b) {
                    *v = (*v - mean) * inv * wv + bv;
                }
            }
        },
    );
}

/// Sum with 8 independent lanes so LLVM can vectorise it (a plain fold cannot be reordered).
#[inline(always)]
pub(crate) fn sum(v: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    for ch in chunks {
        for (l, &x) in lanes.iter_mut().zip(ch) {
            *l += x;
        }
    }
    lanes.iter().sum::<f32>() + rest.iter().sum::<f32>()
}

/// `e^x` for f32, branch-free so it vectorises; relative error about 2e-7 on the range used.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    // Round x·log2(e) to the nearest integer with the 1.5·2^23 trick (no libm call).
    let t = x * std::f32::consts::LOG2_E + 12_582_912.0;
    let n = t - 12_582_912.0;
    let r = x - n * 0.693_145_75 - n * 1.428_606_8e-6;
    // Degree-6 Taylor/minimax-style polynomial for e^r on |r| ≤ ln2/2.
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (0.166_666_67 + r * (0.041_666_41 + r * (0.008_333_6 + r * 0.001_394_0)))));
    // 2^n from the bits of `t`: its mantissa holds n + 2^22 (|n| ≤ 127 after the clamp), and
    // the shift drops everything above the exponent field. Cheaper than a saturating `as i32`.
    let bits = t.to_bits().wrapping_add(127) << 23;
    p * f32::from_bits(bits)
}

/// Exact-erf GELU, `0.5·z·(1 + erf(z/√2))`, with erf from Abramowitz & Stegun 7.1.26
/// (absolute error ≤ 1.5e-7, far below the 4-bit weight noise).
#[inline(always)]
fn gelu1(z: f32) -> f32 {
    let u = z * std::f32::consts::FRAC_1_SQRT_2;
    let a = u.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_8 + t * (-1.453_152_1 + t * 1.061_405_4))));
    let erf_abs = 1.0 - poly * exp(-a * a);
    let erf = if u < 0.0 { -erf_abs } else { erf_abs };
    0.5 * z * (1.0 + erf)
}

/// Applies GELU in place.
pub(crate) fn gelu(x: &mut [f32], parallel: bool) {
    let run = |c: &mut [f32]| {
        with_simd(
            #[inline(always)]
            || {
                for v in c.iter_mut() {
                    *v = gelu1(*v);
                }
            },
        )
    };
    if parallel && x.len() > 1 << 15 {
        x.par_chunks_mut(1 << 14).for_each(run);
    } else {
        run(x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_conversion() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x2929), 0.040_313_72);
        assert_eq!(f16_to_f32(0x0001), 5.960_464_5e-8);
        assert!(f16_to_f32(0x7c00).is_infinite());
        assert!(f16_to_f32(0x7e00).is_nan());
    }

    #[test]
    fn exp_and_gelu_are_accurate() {
        for i in -800..800 {
            let x = i as f32 * 0.1;
            let rel = (exp(x) - x.exp()).abs() / x.exp();
            assert!(rel < 1e-6, "exp({x}) rel err {rel}");
        }
        for i in -100..100 {
            let z = i as f32 * 0.1;
            let exact = 0.5 * f64::from(z) * (1.0 + erf64(f64::from(z) / 2f64.sqrt()));
            assert!((f64::from(gelu1(z)) - exact).abs() < 1e-6, "gelu({z})");
        }
    }

    /// Reference erf by series/continued fraction is overkill; integrate numerically.
    fn erf64(x: f64) -> f64 {
        let n = 20_000;
        let h = x / n as f64;
        let f = |t: f64| (-t * t).exp();
        let mut s = f(0.0) + f(x);
        for i in 1..n {
            s += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        s * h / 3.0 * 2.0 / std::f64::consts::PI.sqrt()
    }

    #[test]
    fn gemm_matches_naive() {
        // 32 output rows, 64 inputs, deterministic pseudo-random Q4 data.
        let (n, k, m) = (32, 64, 13);
        let mut q4 = Vec::new();
        let mut s = 12345u32;
        let mut rnd = || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            s
        };
        for _ in 0..n * k / 32 {
            q4.extend_from_slice(&[0x29, 0xa9]); // f16 −0.04…
            for _ in 0..16 {
                q4.push(rnd() as u8);
            }
        }
        let bias: Vec<f32> = (0..n).map(|i| i as f32 * 0.01).collect();
        let lin = Linear::from_q4(&q4, n, k, bias.clone());
        let x: Vec<f32> = (0..m * k)
            .map(|_| (rnd() % 1000) as f32 / 500.0 - 1.0)
            .collect();
        // Naive reference straight from the Q4 bytes.
        let w = |o: usize, i: usize| {
            let blk = &q4[(o * k / 32 + i / 32) * 18..][..18];
            let d = f16_to_f32(u16::from_le_bytes([blk[0], blk[1]]));
            let j = i % 32;
            let code = if j < 16 {
                blk[2 + j] & 15
            } else {
                blk[2 + j - 16] >> 4
            };
            (f32::from(code) - 8.0) * d
        };
        for parallel in [false, true] {
            let mut out = vec![0f32; m * n];
            lin.forward(&x, m, &mut out, parallel);
            for r in 0..m {
                for o in 0..n {
                    let want: f32 = bias[o] + (0..k).map(|i| x[r * k + i] * w(o, i)).sum::<f32>();
                    assert!((out[r * n + o] - want).abs() < 1e-4, "r{r} o{o}");
                }
            }
        }
    }
}
