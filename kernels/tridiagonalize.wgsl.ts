/**
 * Householder tridiagonalisation of a symmetric matrix, T = QᵀAQ with Q = H₀H₁···H_{n−3}
 * (engine/linalg/eigh-tridiagonal.ts drives these kernels; kernels/tridiagonalize.reference.ts is
 * the same algorithm in float64).
 *
 * Step k: x = A⁽ᵏ⁻¹⁾[k+1:, k]; H_k = I − τvvᵀ with unit v supported on k+1.. and τ = 2 maps x to
 * e_k·e₁ (e_k = −sign(x₀)‖x‖, v ∝ x − e_k·e₁, LAPACK's dlarfg); where x[1:] is already zero, H_k = I
 * (v = 0) and e_k = x₀. The two-sided update is a symmetric rank-2 update:
 *   p = 2Av,  w = p − (vᵀp)v,  HAH = A − vwᵀ − wvᵀ.
 *
 * Layout: A [N, N] row-major, N = n rounded up to a multiple of 4 (zero padding stays zero: v and w
 * vanish on padded indices, so the padded block splits off the tridiagonal). Y [N + 1, N]: row 0 is
 * zero, row k + 1 is v_k (zero at indices ≤ k). vecs [4N]: p at 0, w at N, d at 2N, e at 3N.
 *
 * One step is two dispatches, and the update of step k−1 is fused with the product of step k:
 *  - `reflect` (one workgroup): w_{k−1} = p_{k−1} − (v_{k−1}ᵀp_{k−1})v_{k−1}; column k of A⁽ᵏ⁻¹⁾ from
 *    the stored column minus the step k−1 correction; from it d_k, e_k and v_k. Two workgroup
 *    reductions (the dot product, then ‖x[1:]‖²), everything else elementwise.
 *  - `update` (one invocation per four columns j ≥ k+1, rounded down to a multiple of 4): walks down
 *    the rows i ≥ k+1 of its columns, applies the step k−1 rank-2 update and, with the updated value
 *    still in a register, accumulates p_k[j] = 2Σ_i a_ij·v_k[i]. A is symmetric, so this column sum
 *    is the row product Av and reads A contiguously across invocations (vec4 per invocation).
 *    Columns j < k+1 of the first vec4 receive meaningless values that nothing reads again.
 * Step 0's "previous" reflector is Y's zero row with p = 0 (the load kernel zeroes vecs), so no step
 * needs a special case. Why this split (lavapipe: barriers are coroutine switches): the serial part
 * (reflector) needs whole-vector reductions, which one workgroup does with a few barriers; the O(n²)
 * part needs none and runs on every core. Measured at n = 784: the 784 `reflect` dispatches take
 * 39 ms in all, the 783 `update` dispatches 190–200 ms; eight columns per invocation instead of
 * four was within noise (±20%).
 */
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';

/** Invocations of the single `reflect` workgroup. */
export const REFLECT_WORKGROUP = 128;
/** Invocations per `update` workgroup (each owns 4 columns): small, so late steps still spread over cores. */
export const UPDATE_WORKGROUP = 16;
export const TRIDIAG_LOAD_WORKGROUP = 64;

/**
 * Loads the symmetric part (a + aᵀ)/2 of a [n, n] into the zero-padded working copy [N, N], zeroes
 * vecs and Y's row 0. Grid: grid1d(N·N, 64).
 */
export function tridiagLoadKernel(): KernelSpec {
  const code = /* wgsl */ `
struct Params { n: u32, N: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> a: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> vecs: array<f32>;
${FLAT_WORKGROUP}
@compute @workgroup_size(${TRIDIAG_LOAD_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let idx = flatWorkgroup(wid, nwg) * ${TRIDIAG_LOAD_WORKGROUP}u + lid;
  if (idx >= p.N * p.N) { return; }
  let i = idx / p.N;
  let j = idx % p.N;
  var v = 0.0;
  if (i < p.n && j < p.n) { v = 0.5 * (src[i * p.n + j] + src[j * p.n + i]); }
  a[idx] = v;
  if (idx < p.N) { y[idx] = 0.0; }
  if (idx < 4u * p.N) { vecs[idx] = 0.0; }
}
`;
  return { name: 'tridiag.load', code, bindings: ['uniform', 'read', 'readwrite', 'readwrite', 'readwrite'] };
}

/** Step k's reflector (header). Grid: [1, 1, 1]. */
export function tridiagReflectKernel(): KernelSpec {
  const G = REFLECT_WORKGROUP;
  const code = /* wgsl */ `
struct Params { N: u32, k: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> vecs: array<f32>;
var<workgroup> partial: array<f32, ${G}>;

// Sum of one value per invocation (tree in workgroup memory); every invocation gets the total.
fn total(x: f32, lid: u32) -> f32 {
  partial[lid] = x;
  workgroupBarrier();
  for (var s = ${G / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
    workgroupBarrier();
  }
  let t = partial[0];
  workgroupBarrier();
  return t;
}

@compute @workgroup_size(${G})
fn main(@builtin(local_invocation_index) lid: u32) {
  let N = p.N;
  let k = p.k;
  let prev = k * N;         // Y row of v_{k−1} (row 0, zero, for k = 0)
  // w_{k−1} = p − (vᵀp)v on indices ≥ k (v_{k−1} vanishes below).
  var dot = 0.0;
  for (var i = k + lid; i < N; i += ${G}u) { dot += y[prev + i] * vecs[i]; }
  dot = total(dot, lid);
  for (var i = k + lid; i < N; i += ${G}u) { vecs[N + i] = vecs[i] - dot * y[prev + i]; }
  // Column k of A⁽ᵏ⁻¹⁾: x_i = a_ik − v_i·w_k − w_i·v_k (w_i recomputed: no cross-invocation reads).
  let vk = y[prev + k];
  let wk = vecs[k] - dot * vk;
  var sigma = 0.0;
  for (var i = k + 2u + lid; i < N; i += ${G}u) {
    let x = a[i * N + k] - y[prev + i] * wk - (vecs[i] - dot * y[prev + i]) * vk;
    sigma += x * x;
  }
  sigma = total(sigma, lid);
  let d = a[k * N + k] - 2.0 * vk * wk;
  var x0 = 0.0;
  if (k + 1u < N) { x0 = a[(k + 1u) * N + k] - y[prev + k + 1u] * wk - (vecs[k + 1u] - dot * y[prev + k + 1u]) * vk; }
  // v ∝ x − e·e₁ with e = −sign(x₀)‖x‖: ‖x − e·e₁‖² = σ + (x₀ − e)².
  let norm = sqrt(x0 * x0 + sigma);
  let e = select(x0, select(norm, -norm, x0 >= 0.0), sigma > 0.0);
  let u0 = x0 - e;
  let scale = select(0.0, inverseSqrt(sigma + u0 * u0), sigma > 0.0);
  let row = (k + 1u) * N;
  for (var i = lid; i < N; i += ${G}u) {
    var v = 0.0;
    if (i == k + 1u) { v = u0 * scale; }
    if (i > k + 1u) { v = (a[i * N + k] - y[prev + i] * wk - (vecs[i] - dot * y[prev + i]) * vk) * scale; }
    y[row + i] = v;
  }
  if (lid == 0u) {
    vecs[2u * N + k] = d;
    vecs[3u * N + k] = e;
  }
}
`;
  return { name: 'tridiag.reflect', code, bindings: ['uniform', 'read', 'readwrite', 'readwrite'] };
}

/**
 * Step k−1's rank-2 update on rows and columns ≥ k+1, fused with p_k = 2A⁽ᵏ⁻¹⁾v_k (header).
 * Grid: grid1d(N/4 − ⌊(k+1)/4⌋, UPDATE_WORKGROUP).
 */
export function tridiagUpdateKernel(): KernelSpec {
  const code = /* wgsl */ `
struct Params { N: u32, k: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> vecs: array<f32>;
${FLAT_WORKGROUP}
@compute @workgroup_size(${UPDATE_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let N = p.N;
  let N4 = N / 4u;
  let c = (p.k + 1u) / 4u + flatWorkgroup(wid, nwg) * ${UPDATE_WORKGROUP}u + lid;
  if (c >= N4) { return; }
  let j = 4u * c;
  let prev = p.k * N;       // v_{k−1}
  let cur = prev + N;       // v_k
  let vj = vec4<f32>(y[prev + j], y[prev + j + 1u], y[prev + j + 2u], y[prev + j + 3u]);
  let wj = vec4<f32>(vecs[N + j], vecs[N + j + 1u], vecs[N + j + 2u], vecs[N + j + 3u]);
  var acc = vec4<f32>(0.0);
  for (var i = p.k + 1u; i < N; i++) {
    let x = a[i * N4 + c] - y[prev + i] * wj - vecs[N + i] * vj;
    a[i * N4 + c] = x;
    acc += x * y[cur + i];
  }
  vecs[j] = 2.0 * acc.x;
  vecs[j + 1u] = 2.0 * acc.y;
  vecs[j + 2u] = 2.0 * acc.z;
  vecs[j + 3u] = 2.0 * acc.w;
}
`;
  return { name: 'tridiag.update', code, bindings: ['uniform', 'readwrite', 'read', 'readwrite'] };
}
