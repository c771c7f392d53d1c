/**
 * One-sided (Hestenes) Jacobi SVD (engine/linalg/svd.ts drives these kernels).
 *
 * Working rows: G [K, L] holds the k = min(m, n) vectors being orthogonalised, one per row (columns
 * of A when m ≥ n, rows of A otherwise), L = max(m, n) long; K = k rounded up to even, a padded row is
 * zero and never rotates. W [K, K] accumulates the rotations (row p = column p of V, as in eigh).
 *
 * A round pairs the rows with the same round-robin tournament as jacobi-eigh.wgsl.ts; one workgroup
 * per pair computes the 2×2 Gram [[α, γ], [γ, β]] = [[g_pᵀg_p, g_pᵀg_q], [g_pᵀg_q, g_qᵀg_q]], the
 * rotation that diagonalises it (same formula as eigh's) and applies it to rows p, q of G and W.
 * Reduction: 64 lanes each sum a strided slice, one barrier, then every lane adds the 64 partials in
 * the same order (no second barrier, deterministic). One dispatch per round.
 *
 * Convergence: conv[k] holds the largest |γ|/√(αβ) that pair slot k met in the current sweep (reset
 * at round 0); the driver reads it once per sweep. A pair whose cosine is at most ε₃₂ is skipped.
 *
 * Range: float32 squares overflow above 2⁶⁴ and underflow below 2⁻⁶³, so unscaled rows of |a| ≈ 1e19
 * gave σ = 0 and rows of 1e-22 lost digits. So each row is kept scaled by its own power of two,
 * ĝ_i = g_i·2^(−E_i) (svdRowScaleKernel: E_i the exponent of the row's largest |entry|, fixed for the
 * run), and the rounds work on Ĝ: the Gram of ĝ_i, ĝ_j gives the cosine (scale-free) and, with
 * d = E_i − E_j, the unscaled ζ = (β − α)/(2γ) = (β̂·2^(−d) − α̂·2^d)/(2γ̂) = 2^|d|·u with
 *   u = (β̂·q² − α̂)/(2γ̂)  (d ≥ 0)  or  (β̂ − α̂·q²)/(2γ̂)  (d < 0),   q = 2^(−|d|) ≤ 1,
 * whence t = tan φ = sign(ζ)/(|ζ| + √(ζ² + 1)) = q·τ, τ = sign(u)/(|u| + √(u² + q²)), c = 1/√(1 + t²).
 * The rotation (c x − s y, s x + c y) of the unscaled rows, s = t·c, acts on the scaled ones as
 *   ĝ_i ← c·ĝ_i − s·2^(−d)·ĝ_j,   ĝ_j ← s·2^d·ĝ_i + c·ĝ_j,
 * and s·2^(∓d) are τc and q²τc (which is which follows the sign of d): no factor overflows; q² may
 * underflow, as it should (a row 2^|d| smaller moves the larger one by less than rounding). W takes
 * the plain (c, s). A row only grows by absorbing smaller ones, so the fixed E_i stay valid. Rows
 * far below the largest entry (σ₁/σ₂ = 1e30) are thus orthogonalised like any other.
 */
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';

export const SVD_WORKGROUP = 64;

/**
 * G = A (rows) or Aᵀ (columns) zero-padded to [K, L]; W = I [K, K]. `transpose` = 1 takes columns.
 * Grid: grid1d(K·max(L, K), 64).
 */
export function svdLoadKernel(): KernelSpec {
  const code = /* wgsl */ `
struct Params { m: u32, n: u32, K: u32, L: u32, transpose: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> w: array<f32>;
${FLAT_WORKGROUP}
@compute @workgroup_size(${SVD_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let idx = flatWorkgroup(wid, nwg) * ${SVD_WORKGROUP}u + lid;
  let width = max(p.L, p.K);
  if (idx >= p.K * width) { return; }
  let row = idx / width;
  let col = idx % width;
  if (col < p.K) { w[row * p.K + col] = select(0.0, 1.0, row == col); }
  if (col >= p.L) { return; }
  var v = 0.0;
  if (p.transpose == 1u) {
    if (row < p.n) { v = a[col * p.n + row]; }
  } else {
    if (row < p.m) { v = a[row * p.n + col]; }
  }
  g[row * p.L + col] = v;
}
`;
  return { name: 'svd.load', code, bindings: ['uniform', 'read', 'readwrite', 'readwrite'] };
}

/**
 * Per row i of G [K, L]: E_i = the exponent of max_t |g_it| (g's largest entry in [1, 2) after
 * scaling; 0 for a zero row; kept in [−126, 126] so that ldexp stays exact), g_i ← g_i·2^(−E_i)
 * (exact), expo[i] = E_i. One workgroup per row: 64 lanes take strided slices, one barrier, every
 * lane combines the 64 partial maxima. Grid: [K, 1, 1].
 */
export function svdRowScaleKernel(): KernelSpec {
  const code = /* wgsl */ `
struct Params { K: u32, L: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> expo: array<i32>;
var<workgroup> partial: array<f32, ${SVD_WORKGROUP}>;

@compute @workgroup_size(${SVD_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let row = wid.x * p.L;
  var peak = 0.0;
  for (var t = lane; t < p.L; t += ${SVD_WORKGROUP}u) { peak = max(peak, abs(g[row + t])); }
  partial[lane] = peak;
  workgroupBarrier();
  for (var l = 0u; l < ${SVD_WORKGROUP}u; l++) { peak = max(peak, partial[l]); }
  // The biased exponent field; 0 for a zero row.
  let e = select(0, clamp(i32((bitcast<u32>(peak) >> 23u) & 0xffu) - 127, -126, 126), peak > 0.0);
  for (var t = lane; t < p.L; t += ${SVD_WORKGROUP}u) { g[row + t] = ldexp(g[row + t], -e); }
  if (lane == 0u) { expo[wid.x] = e; }
}
`;
  return { name: 'svd.rowScale', code, bindings: ['uniform', 'readwrite', 'readwrite'] };
}

/** One round r of the sweep on the scaled rows Ĝ (header). Grid: [K/2, 1, 1]. */
export function svdRoundKernel(): KernelSpec {
  const code = /* wgsl */ `
struct Params { K: u32, L: u32, r: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> conv: array<f32>;
@group(0) @binding(4) var<storage, read> expo: array<i32>;
var<workgroup> partial: array<vec3<f32>, ${SVD_WORKGROUP}>;

fn player(pos: u32) -> u32 {
  if (pos == 0u) { return 0u; }
  return 1u + (pos - 1u + p.r) % (p.K - 1u);
}

@compute @workgroup_size(${SVD_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let k = wid.x;
  let a = player(k);
  let b = player(p.K - 1u - k);
  let i = min(a, b);
  let j = max(a, b);
  var acc = vec3<f32>(0.0);
  for (var t = lane; t < p.L; t += ${SVD_WORKGROUP}u) {
    let x = g[i * p.L + t];
    let y = g[j * p.L + t];
    acc += vec3<f32>(x * x, y * y, x * y);
  }
  partial[lane] = acc;
  workgroupBarrier();
  var gram = vec3<f32>(0.0);
  for (var l = 0u; l < ${SVD_WORKGROUP}u; l++) { gram += partial[l]; }
  let alpha = gram.x;
  let beta = gram.y;
  let gamma = gram.z;
  let scale = sqrt(alpha) * sqrt(beta);
  let cosine = select(0.0, abs(gamma) / scale, scale > 0.0);
  if (lane == 0u) { conv[k] = select(cosine, max(conv[k], cosine), p.r > 0u); }
  if (cosine <= 1.1920929e-7) { return; }
  // The rotation of the unscaled rows, from the scaled Gram and d = E_i − E_j (header, "Range").
  let d = expo[i] - expo[j];
  let q = ldexp(1.0, -abs(d));
  let u = select(beta - alpha * q * q, beta * q * q - alpha, d >= 0) / (2.0 * gamma);
  let big = max(abs(u), q);
  let tau = select(-1.0, 1.0, u >= 0.0) / (abs(u) + big * sqrt((u / big) * (u / big) + (q / big) * (q / big)));
  let tn = q * tau;
  let c = 1.0 / sqrt(1.0 + tn * tn);
  let s = tn * c;
  // s·2^(−d) and s·2^d, the coupling of the scaled rows.
  let sij = select(tau * c, q * q * tau * c, d >= 0);
  let sji = select(q * q * tau * c, tau * c, d >= 0);
  for (var t = lane; t < p.L; t += ${SVD_WORKGROUP}u) {
    let x = g[i * p.L + t];
    let y = g[j * p.L + t];
    g[i * p.L + t] = c * x - sij * y;
    g[j * p.L + t] = sji * x + c * y;
  }
  for (var t = lane; t < p.K; t += ${SVD_WORKGROUP}u) {
    let x = w[i * p.K + t];
    let y = w[j * p.K + t];
    w[i * p.K + t] = c * x - s * y;
    w[j * p.K + t] = s * x + c * y;
  }
}
`;
  return { name: 'svd.round', code, bindings: ['uniform', 'readwrite', 'readwrite', 'readwrite', 'read'] };
}

/**
 * σ and u (or v) from the converged scaled rows: per row i of Ĝ [K, L], with its peak pᵢ = max_t |ĝ_it|,
 *   σ̂ᵢ = pᵢ·√(Σ_t (ĝ_it/pᵢ)²)  (no square underflows),   ĝ_i ← ĝ_i/σ̂ᵢ  (a zero row stays 0),
 * out[i] = σ̂ᵢ and out[K + i] = E_i (the driver forms σᵢ = σ̂ᵢ·2^(E_i) in float64). The gather that
 * follows normalises again; its plain sum of squares is then ≈ 1. One workgroup per row, as
 * svdRowScaleKernel (two barriers). Grid: [K, 1, 1].
 */
export function svdNormsKernel(): KernelSpec {
  const code = /* wgsl */ `
struct Params { K: u32, L: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> g: array<f32>;
@group(0) @binding(2) var<storage, read> expo: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
var<workgroup> partialPeak: array<f32, ${SVD_WORKGROUP}>;
var<workgroup> partialSum: array<f32, ${SVD_WORKGROUP}>;

@compute @workgroup_size(${SVD_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let row = wid.x * p.L;
  var peak = 0.0;
  for (var t = lane; t < p.L; t += ${SVD_WORKGROUP}u) { peak = max(peak, abs(g[row + t])); }
  partialPeak[lane] = peak;
  workgroupBarrier();
  for (var l = 0u; l < ${SVD_WORKGROUP}u; l++) { peak = max(peak, partialPeak[l]); }
  let inv = select(0.0, 1.0 / peak, peak > 0.0);
  var acc = 0.0;
  for (var t = lane; t < p.L; t += ${SVD_WORKGROUP}u) {
    let x = g[row + t] * inv;
    acc += x * x;
  }
  partialSum[lane] = acc;
  workgroupBarrier();
  var total = 0.0;
  for (var l = 0u; l < ${SVD_WORKGROUP}u; l++) { total += partialSum[l]; }
  let norm = peak * sqrt(total);
  let scale = select(0.0, 1.0 / norm, norm > 0.0);
  for (var t = lane; t < p.L; t += ${SVD_WORKGROUP}u) { g[row + t] = g[row + t] * scale; }
  if (lane == 0u) {
    out[wid.x] = norm;
    out[p.K + wid.x] = f32(expo[wid.x]);
  }
}
`;
  return { name: 'svd.norms', code, bindings: ['uniform', 'readwrite', 'read', 'readwrite'] };
}
