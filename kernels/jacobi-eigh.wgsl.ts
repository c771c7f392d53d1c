/**
 * Parallel two-sided Jacobi for a symmetric matrix (engine/linalg/eigh-jacobi.ts drives these kernels).
 *
 * The working copy A is [N, N] row-major (N = n rounded up to even; a padded index has a zero row and
 * column, so every rotation it takes part in is the identity and it never mixes with real indices).
 * W = Vᵀ is [N, N]: row p of W is the current column p of V (the eigenvector of index p).
 *
 * Ordering: the round-robin tournament (circle method). In round r (0 ≤ r < N−1) pair k < N/2 joins
 * the players at positions k and N−1−k, where position 0 holds player 0 and position i ≥ 1 holds
 * player 1 + (i − 1 + r) mod (N − 1). The N/2 pairs of a round are disjoint and the N−1 rounds of a
 * sweep meet every pair (p, q) once, so one round is N/2 independent 2×2 rotations.
 *
 * One round is two dispatches:
 *  - `rotations`: one invocation per pair computes (c, s) from a_pp, a_qq, a_pq (below) and stores it
 *    in the sweep's rotation table rot[r·N/2 + k];
 *  - `apply`: A ← JᵀAJ. The matrix splits into 2×2 blocks (pair P rows, pair Q cols); one invocation
 *    per block with P ≤ Q computes R_Pᵀ·B·R_Q and writes it and its transpose (symmetry halves the
 *    work); a diagonal block becomes diag(a_pp − t·a_pq, a_qq + t·a_pq) with an exact zero off it.
 *    8×8 blocks per workgroup, no workgroup memory (barriers are costly on software Vulkan).
 * The eigenvectors need no per-round pass: `vectors` applies the whole sweep's rotation table to W in
 * one dispatch. Rows of W mix, columns never do, so one invocation owns one column of W and streams
 * through every rotation of the sweep (coalesced across the workgroup, no synchronisation at all).
 *
 * Rotation (Golub & Van Loan, Algorithm 8.4.1): θ = (a_qq − a_pp)/2, t = sgn(θ)·a_pq/(|θ| + √(θ² +
 * a_pq²)) (the smaller root, |angle| ≤ π/4), c = 1/√(1 + t²), s = t·c, J = [[c, s], [−s, c]]. θ and
 * a_pq are first divided by max(|θ|, |a_pq|) so that squaring neither overflows nor underflows.
 */
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';

/** Pairs per workgroup side in `apply` (8×8 pairs = 64 invocations). */
export const JACOBI_TILE = 8;
export const JACOBI_WORKGROUP = 64;

/** WGSL: the tournament pairing (mirrors roundRobinPair in jacobi.reference.ts). */
const PAIRING = /* wgsl */ `
fn player(pos: u32, r: u32, n: u32) -> u32 {
  if (pos == 0u) { return 0u; }
  return 1u + (pos - 1u + r) % (n - 1u);
}
fn pairOf(k: u32, r: u32, n: u32) -> vec2<u32> {
  let a = player(k, r, n);
  let b = player(n - 1u - k, r, n);
  return vec2<u32>(min(a, b), max(a, b));
}
`;

/** One entry of the rotation table: the pair (p < q) and its (c, s). */
const ROT_STRUCT = /* wgsl */ `
struct Rot { c: f32, s: f32, p: u32, q: u32 }
`;

/** Bytes per rotation-table entry. */
export const ROT_BYTES = 16;

/** (c, s) of the rotation that zeroes a_pq (header). */
const ROTATION = /* wgsl */ `
fn rotation(app: f32, aqq: f32, apq: f32) -> vec2<f32> {
  let theta = 0.5 * (aqq - app);
  let scale = max(abs(theta), abs(apq));
  if (apq == 0.0 || scale == 0.0) { return vec2<f32>(1.0, 0.0); }
  let th = theta / scale;
  let ap = apq / scale;
  let t = select(-1.0, 1.0, th >= 0.0) * ap / (abs(th) + sqrt(th * th + ap * ap));
  let c = 1.0 / sqrt(1.0 + t * t);
  return vec2<f32>(c, t * c);
}
`;

/**
 * Copies the symmetric part (a + aᵀ)/2 of a [n, n] into the zero-padded [N, N] working copy and sets
 * W = I, [N, S] with S ≥ N a multiple of 4 (columns past N zero). Grid: grid1d(N·S, 64).
 */
export function jacobiLoadKernel(): KernelSpec {
  const code = /* wgsl */ `
struct Params { n: u32, N: u32, S: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> a: array<f32>;
@group(0) @binding(3) var<storage, read_write> w: array<f32>;
${FLAT_WORKGROUP}
@compute @workgroup_size(${JACOBI_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let idx = flatWorkgroup(wid, nwg) * ${JACOBI_WORKGROUP}u + lid;
  if (idx >= p.N * p.S) { return; }
  let i = idx / p.S;
  let j = idx % p.S;
  w[idx] = select(0.0, 1.0, i == j);
  if (j >= p.N) { return; }
  var v = 0.0;
  if (i < p.n && j < p.n) { v = 0.5 * (src[i * p.n + j] + src[j * p.n + i]); }
  a[i * p.N + j] = v;
}
`;
  return { name: 'jacobi.load', code, bindings: ['uniform', 'read', 'readwrite', 'readwrite'] };
}

/**
 * Per-row statistics of a [rows, cols] matrix, for convergence and input checks:
 * stats[i] = (Σ_{j≠i} a_ij², a_ii (0 when i ≥ cols), max_j |a_ij − a_ji| (square only, else 0),
 * 1 if row i holds a NaN or ±Inf). Non-finite values are found from their exponent bits (WGSL may
 * assume floats are finite). One invocation per row, a sequential loop: deterministic.
 * Grid: grid1d(rows, 64).
 */
export function matrixRowStatsKernel(): KernelSpec {
  const code = /* wgsl */ `
struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> stats: array<vec4<f32>>;
${FLAT_WORKGROUP}
@compute @workgroup_size(${JACOBI_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatWorkgroup(wid, nwg) * ${JACOBI_WORKGROUP}u + lid;
  if (i >= p.rows) { return; }
  let square = p.rows == p.cols;
  var off = 0.0;
  var diag = 0.0;
  var asym = 0.0;
  var bad = 0.0;
  for (var j = 0u; j < p.cols; j++) {
    let v = a[i * p.cols + j];
    if ((bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u) { bad = 1.0; continue; }
    if (j == i) { diag = v; } else { off += v * v; }
    if (square) { asym = max(asym, abs(v - a[j * p.cols + i])); }
  }
  stats[i] = vec4<f32>(off, diag, asym, bad);
}
`;
  return { name: 'jacobi.rowStats', code, bindings: ['uniform', 'read', 'readwrite'] };
}

/**
 * Rotations of round r into rot[(r − r0)·N/2 + k]: the table holds rounds r0.. (a whole sweep unless
 * it would exceed one storage binding). Grid: grid1d(N/2, 64).
 */
export function jacobiRotationsKernel(): KernelSpec {
  const code = /* wgsl */ `
struct Params { N: u32, r: u32, r0: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> rot: array<Rot>;
${PAIRING}
${ROTATION}
${ROT_STRUCT}
@compute @workgroup_size(${JACOBI_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let k = gid.x;
  let m = p.N / 2u;
  if (k >= m) { return; }
  let pq = pairOf(k, p.r, p.N);
  let cs = rotation(a[pq.x * p.N + pq.x], a[pq.y * p.N + pq.y], a[pq.x * p.N + pq.y]);
  rot[(p.r - p.r0) * m + k] = Rot(cs.x, cs.y, pq.x, pq.y);
}
`;
  return { name: 'jacobi.rotations', code, bindings: ['uniform', 'read', 'readwrite'] };
}

/**
 * A ← JᵀAJ for round r (header). Grid: [tiles·(tiles+1)/2, 1, 1], the upper triangle of the
 * tiles × tiles blocks of pairs, tiles = ⌈N/2 / JACOBI_TILE⌉.
 */
export function jacobiApplyKernel(): KernelSpec {
  const code = /* wgsl */ `
struct Params { N: u32, r: u32, r0: u32, tiles: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> rot: array<Rot>;
@group(0) @binding(2) var<storage, read_write> a: array<f32>;
${ROT_STRUCT}
@compute @workgroup_size(${JACOBI_TILE}, ${JACOBI_TILE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let N = p.N;
  let m = N / 2u;
  // Tile (tp ≤ tq) of linear index wid.x, row by row over the upper triangle of tiles.
  var tp = 0u;
  var rest = wid.x;
  while (rest >= p.tiles - tp) { rest -= p.tiles - tp; tp++; }
  let P = tp * ${JACOBI_TILE}u + lid.y;
  let Q = (tp + rest) * ${JACOBI_TILE}u + lid.x;
  if (P >= m || Q >= m || P > Q) { return; }
  let rp = rot[(p.r - p.r0) * m + P];
  let ip = vec2<u32>(rp.p, rp.q);
  if (P == Q) {
    let apq = a[ip.x * N + ip.y];
    let t = rp.s / rp.c;
    a[ip.x * N + ip.x] -= t * apq;
    a[ip.y * N + ip.y] += t * apq;
    a[ip.x * N + ip.y] = 0.0;
    a[ip.y * N + ip.x] = 0.0;
    return;
  }
  let rq = rot[(p.r - p.r0) * m + Q];
  let iq = vec2<u32>(rq.p, rq.q);
  let b11 = a[ip.x * N + iq.x];
  let b12 = a[ip.x * N + iq.y];
  let b21 = a[ip.y * N + iq.x];
  let b22 = a[ip.y * N + iq.y];
  // U = R_Pᵀ·B (rows), then U·R_Q (columns), R = [[c, s], [−s, c]].
  let u11 = rp.c * b11 - rp.s * b21;
  let u12 = rp.c * b12 - rp.s * b22;
  let u21 = rp.s * b11 + rp.c * b21;
  let u22 = rp.s * b12 + rp.c * b22;
  let v11 = rq.c * u11 - rq.s * u12;
  let v12 = rq.s * u11 + rq.c * u12;
  let v21 = rq.c * u21 - rq.s * u22;
  let v22 = rq.s * u21 + rq.c * u22;
  a[ip.x * N + iq.x] = v11;
  a[ip.x * N + iq.y] = v12;
  a[ip.y * N + iq.x] = v21;
  a[ip.y * N + iq.y] = v22;
  a[iq.x * N + ip.x] = v11;
  a[iq.y * N + ip.x] = v12;
  a[iq.x * N + ip.y] = v21;
  a[iq.y * N + ip.y] = v22;
}
`;
  return { name: 'jacobi.apply', code, bindings: ['uniform', 'read', 'readwrite'] };
}

/**
 * W ← Jᵀ_{r1−1}···Jᵀ_{r0}·W for the rounds r0 ≤ r < r1 held by the rotation table (its first
 * `count` = (r1 − r0)·N/2 entries; rows p, q of W mix as columns p, q of V do in V ← V·J). W is
 * [N, S] with the row stride S a multiple of 4; one
 * invocation owns four adjacent columns (vec4) and streams through every rotation of the table.
 * Grid: grid1d(S/4, 64).
 */
export function jacobiVectorsKernel(): KernelSpec {
  const code = /* wgsl */ `
struct Params { S4: u32, count: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> rot: array<Rot>;
@group(0) @binding(2) var<storage, read_write> w: array<vec4<f32>>;
${ROT_STRUCT}
${FLAT_WORKGROUP}
@compute @workgroup_size(${JACOBI_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let j = flatWorkgroup(wid, nwg) * ${JACOBI_WORKGROUP}u + lid;
  if (j >= p.S4) { return; }
  for (var e = 0u; e < p.count; e++) {
    let g = rot[e];
    if (g.s == 0.0) { continue; }
    let x = w[g.p * p.S4 + j];
    let y = w[g.q * p.S4 + j];
    w[g.p * p.S4 + j] = g.c * x - g.s * y;
    w[g.q * p.S4 + j] = g.s * x + g.c * y;
  }
}
`;
  return { name: 'jacobi.vectors', code, bindings: ['uniform', 'read', 'readwrite'] };
}
