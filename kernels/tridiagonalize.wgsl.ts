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
 * Layout: A [N, N] row-major, N = n rounded up to a multiple of STEP_COLUMNS (zero padding stays
 * zero: v and w vanish on padded indices, so the padded block splits off the tridiagonal). Y [N + 1, N]:
 * row 0 is zero, row k + 1 is v_k (zero at indices ≤ k). vecs [4N]: p_k at (k mod 2)·N (two buffers:
 * step k reads p_{k−1} while it writes p_k), d at 2N, e at 3N. scratch: one row of N per workgroup.
 *
 * One dispatch per step, `step` k, in which the update of step k−1 is fused with the product of step k:
 *  - every workgroup first computes the reflector itself (no other workgroup's result is visible
 *    within a dispatch): w_{k−1} = p_{k−1} − (v_{k−1}ᵀp_{k−1})v_{k−1}; row k of A⁽ᵏ⁻¹⁾ (= column k,
 *    and unlike column k not written by this dispatch) from the stored row minus the step k−1
 *    correction; from it d_k, e_k and v_k, which goes to the workgroup's scratch row (workgroup 0
 *    also writes it to Y and d_k, e_k to vecs). Two workgroup reductions (the dot product, then
 *    ‖x[1:]‖²), everything else elementwise; the same code on the same data gives every workgroup
 *    the same v_k.
 *  - then each invocation owns STEP_COLUMNS columns j ≥ k+1 (rounded down to a multiple of
 *    STEP_COLUMNS), walks down the rows i ≥ k+1, applies the step k−1 rank-2 update and, with the
 *    updated value still in a register, accumulates p_k[j] = 2Σ_i a_ij·v_k[i]. A is symmetric, so
 *    this column sum is the row product Av and reads A contiguously (vec4s). Columns j < k+1 of the
 *    first block receive meaningless values that nothing reads again.
 * Step 0's "previous" reflector is Y's zero row with p = 0 (the load kernel zeroes vecs), so no step
 * needs a special case. Measured on lavapipe/GL (medians of 10, ms for the whole reduction,
 * n = 512 / 784): the earlier split into a one-workgroup `reflect` dispatch and an `update` dispatch
 * with four columns per invocation 74–100 / 201–212; fused, four columns per invocation 73–77 /
 * 210–235 (the redundant reflector costs what the saved dispatch did); fused, 8 columns 45–56 /
 * 129–175, 16 columns (workgroups of 8) 39–48 / 104–149, 32 columns no faster. Loads and stores of
 * A are the cost (llvmpipe gathers per lane); more columns per row share the row's scalars.
 */
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';

/** Columns per `step` invocation (four vec4s). */
export const STEP_COLUMNS = 16;
/** Invocations per `step` workgroup: small, so late steps still spread over cores. */
export const STEP_WORKGROUP = 8;
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

/**
 * Step k (header): v_k from row k of A⁽ᵏ⁻¹⁾, then step k−1's rank-2 update on rows and columns
 * ≥ k+1 fused with p_k = 2A⁽ᵏ⁻¹⁾v_k. Grid: grid1d(N/STEP_COLUMNS − ⌊(k+1)/STEP_COLUMNS⌋, STEP_WORKGROUP).
 */
export function tridiagStepKernel(): KernelSpec {
  const G = STEP_WORKGROUP;
  const Q = STEP_COLUMNS / 4;
  const quads = Array.from({ length: Q }, (_, q) => q);
  const code = /* wgsl */ `
struct Params { N: u32, k: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> vecs: array<f32>;
@group(0) @binding(4) var<storage, read_write> scratch: array<f32>;
var<workgroup> partial: array<f32, ${G}>;
${FLAT_WORKGROUP}

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
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let N = p.N;
  let N4 = N / 4u;
  let k = p.k;
  let prev = k * N;                 // Y row of v_{k−1} (row 0, zero, for k = 0)
  let pIn = ((k + 1u) % 2u) * N;    // p_{k−1}
  let pOut = (k % 2u) * N;          // p_k
  let rowK = k * N4;                // row k of A, in vec4s
  // w_{k−1} = p_{k−1} − (v_{k−1}ᵀp_{k−1})v_{k−1} (v_{k−1} vanishes on indices < k).
  var dot = 0.0;
  for (var i = k + lid; i < N; i += ${G}u) { dot += y[prev + i] * vecs[pIn + i]; }
  dot = total(dot, lid);
  let vk = y[prev + k];
  let wk = vecs[pIn + k] - dot * vk;
  // Row k of A⁽ᵏ⁻¹⁾ (= column k): x_i = a_ki − v_i·w_k − w_i·v_k.
  var sigma = 0.0;
  for (var i = k + 2u + lid; i < N; i += ${G}u) {
    let vi = y[prev + i];
    let x = a[rowK + i / 4u][i % 4u] - vi * wk - (vecs[pIn + i] - dot * vi) * vk;
    sigma += x * x;
  }
  sigma = total(sigma, lid);
  let d = a[rowK + k / 4u][k % 4u] - 2.0 * vk * wk;
  var x0 = 0.0;
  if (k + 1u < N) {
    let v1 = y[prev + k + 1u];
    x0 = a[rowK + (k + 1u) / 4u][(k + 1u) % 4u] - v1 * wk - (vecs[pIn + k + 1u] - dot * v1) * vk;
  }
  // v_k ∝ x − e·e₁ with e = −sign(x₀)‖x‖: ‖x − e·e₁‖² = σ + (x₀ − e)².
  let norm = sqrt(x0 * x0 + sigma);
  let e = select(x0, select(norm, -norm, x0 >= 0.0), sigma > 0.0);
  let u0 = x0 - e;
  let scale = select(0.0, inverseSqrt(sigma + u0 * u0), sigma > 0.0);
  // v_k into this workgroup's scratch row (and all of Y's row k+1 from workgroup 0).
  let wg = flatWorkgroup(wid, nwg);
  let own = wg * N;
  for (var i = select(k + 1u, 0u, wg == 0u) + lid; i < N; i += ${G}u) {
    var v = 0.0;
    if (i == k + 1u) { v = u0 * scale; }
    if (i > k + 1u) {
      let vi = y[prev + i];
      v = (a[rowK + i / 4u][i % 4u] - vi * wk - (vecs[pIn + i] - dot * vi) * vk) * scale;
    }
    scratch[own + i] = v;
    if (wg == 0u) { y[(k + 1u) * N + i] = v; }
  }
  if (wg == 0u && lid == 0u) {
    vecs[2u * N + k] = d;
    vecs[3u * N + k] = e;
  }
  storageBarrier();
  // Columns j..j+STEP_COLUMNS−1 ≥ k+1 (rounded down): rows i ≥ k+1 get step k−1's update, and
  // p_k[j] = 2Σ_i a_ij·v_k[i].
  let c = ((k + 1u) / ${STEP_COLUMNS}u + wg * ${G}u + lid) * ${Q}u;
  if (c >= N4) { return; }
  let j = 4u * c;
  ${quads.map((q) => `let v${q} = vec4<f32>(y[prev + j + ${4 * q}u], y[prev + j + ${4 * q + 1}u], y[prev + j + ${4 * q + 2}u], y[prev + j + ${4 * q + 3}u]);
  let w${q} = vec4<f32>(vecs[pIn + j + ${4 * q}u], vecs[pIn + j + ${4 * q + 1}u], vecs[pIn + j + ${4 * q + 2}u], vecs[pIn + j + ${4 * q + 3}u]) - dot * v${q};
  var acc${q} = vec4<f32>(0.0);`).join('\n  ')}
  for (var i = k + 1u; i < N; i++) {
    let vi = y[prev + i];
    let wi = vecs[pIn + i] - dot * vi;
    let vki = scratch[own + i];
    ${quads.map((q) => `{ let x = a[i * N4 + c + ${q}u] - vi * w${q} - wi * v${q}; a[i * N4 + c + ${q}u] = x; acc${q} += x * vki; }`).join('\n    ')}
  }
  ${quads.map((q) => `for (var r = 0u; r < 4u; r++) { vecs[pOut + j + ${4 * q}u + r] = 2.0 * acc${q}[r]; }`).join('\n  ')}
}
`;
  return { name: 'tridiag.step', code, bindings: ['uniform', 'readwrite', 'readwrite', 'readwrite', 'readwrite'] };
}
