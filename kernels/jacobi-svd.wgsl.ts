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

/** One round r of the sweep (header). Grid: [K/2, 1, 1]. */
export function svdRoundKernel(): KernelSpec {
  const code = /* wgsl */ `
struct Params { K: u32, L: u32, r: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> conv: array<f32>;
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
  let theta = 0.5 * (beta - alpha);
  let sc = max(abs(theta), abs(gamma));
  let th = theta / sc;
  let gm = gamma / sc;
  let tn = select(-1.0, 1.0, th >= 0.0) * gm / (abs(th) + sqrt(th * th + gm * gm));
  let c = 1.0 / sqrt(1.0 + tn * tn);
  let s = tn * c;
  for (var t = lane; t < p.L; t += ${SVD_WORKGROUP}u) {
    let x = g[i * p.L + t];
    let y = g[j * p.L + t];
    g[i * p.L + t] = c * x - s * y;
    g[j * p.L + t] = s * x + c * y;
  }
  for (var t = lane; t < p.K; t += ${SVD_WORKGROUP}u) {
    let x = w[i * p.K + t];
    let y = w[j * p.K + t];
    w[i * p.K + t] = c * x - s * y;
    w[j * p.K + t] = s * x + c * y;
  }
}
`;
  return { name: 'svd.round', code, bindings: ['uniform', 'readwrite', 'readwrite', 'readwrite'] };
}
