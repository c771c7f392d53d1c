/**
 * Applies chains of adjacent-row plane rotations (the QL iteration's, engine/linalg/tridiagonal-ql.ts)
 * to the rows of W [rows, S] (S a multiple of 4), SWEEP_STAGES chains per pass over the rows
 * (kernels/rotation-sweeps.reference.ts is the same in float64).
 *
 * A chain (first, l, m) holds rotations (c, s) = cs[first], cs[first + 1], … on rows (m−1, m), then
 * (m−2, m−1), …, (l, l+1); rotation (c, s) on rows (i, i+1) maps (x, y) → (c·x − s·y, s·x + c·y).
 * Walking the rows downwards (r = m, m−1, …), one chain is a stream transformer with one register h:
 * it takes row r as x and gives back row r+1, final for this chain,
 *   (out, h) ← (s·x + c·h, c·x − s·h),
 * with (c, s) its rotation on rows (r, r+1), or (1, 0) (out = h, h = x) where it has none. So G
 * consecutive chains chain up as G such stages in registers: stage g takes row r+g at step r and
 * passes row r+g+1 to stage g+1. Each row is loaded once at step r and stored at step r−G: one load
 * and one store per G rotations instead of per rotation. The host lays the (c, s) out per group of G
 * chains as a table in step order (sweepTable): rows lo..hi, where lo and hi are the smallest l and
 * largest m of the group; steps r = hi, hi−1, …, lo−G, G pairs each (identity where a chain has no
 * rotation on that row). The table is ≥ the number of rotations: by ≤ (hi − lo + G + 1)·G pairs per
 * group; QL's chains of one group mostly share their rows, so little more.
 *
 * One invocation owns four adjacent columns (vec4) and runs every group in order: columns never mix,
 * so there is no synchronisation. Grid: grid1d(S/4, SWEEP_WORKGROUP). Measured (lavapipe/GL, QL of a
 * 784×784 MNIST covariance: 380k rotations in 982 chains, W 784×784): 55 ms with G = 8, against
 * 124–158 ms one chain per pass (G = 4: 64–116 ms; G = 12 and 16 no faster; one column per
 * invocation instead of four: 4× slower).
 */
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';

/** Chains per pass (G in the header). */
export const SWEEP_STAGES = 8;
/** Small workgroups: at S = 784 there are only 196 column groups to spread over the cores. */
export const SWEEP_WORKGROUP = 8;
/** Bytes per (c, s) pair of the table. */
export const PAIR_BYTES = 8;

export interface SweepTable {
  /** Per group of SWEEP_STAGES chains: (offset of its first pair, lo, hi, 0). */
  groups: Uint32Array;
  /** (c, s) pairs, group after group, step-major (header). */
  pairs: Float32Array;
}

/**
 * The kernel's table for `chains` (first, l, m, 0 each, applied in order) with rotations cs
 * (pairs, indexed by `first`), SWEEP_STAGES consecutive chains per group.
 */
export function sweepTable(chains: Uint32Array, cs: ArrayLike<number>): SweepTable {
  const G = SWEEP_STAGES;
  const total = chains.length / 4;
  const count = Math.ceil(total / G);
  const groups = new Uint32Array(4 * count);
  let size = 0;
  for (let q = 0; q < count; q++) {
    let lo = Infinity, hi = 0;
    for (let t = q * G; t < Math.min(total, (q + 1) * G); t++) {
      lo = Math.min(lo, chains[4 * t + 1]!);
      hi = Math.max(hi, chains[4 * t + 2]!);
    }
    groups.set([size, lo, hi, 0], 4 * q);
    size += (hi - lo + G + 1) * G;
  }
  const pairs = new Float32Array(2 * size);
  for (let i = 0; i < size; i++) pairs[2 * i] = 1;
  for (let t = 0; t < total; t++) {
    const q = Math.floor(t / G), g = t % G;
    const [offset, , hi] = [groups[4 * q]!, groups[4 * q + 1]!, groups[4 * q + 2]!];
    const [first, l, m] = [chains[4 * t]!, chains[4 * t + 1]!, chains[4 * t + 2]!];
    // Rotation j acts on rows (m−1−j, m−j); stage g meets row i at step r = i − g, entry hi − r.
    for (let j = 0; j < m - l; j++) {
      const e = offset + (hi - (m - 1 - j) + g) * G + g;
      pairs[2 * e] = cs[2 * (first + j)]!;
      pairs[2 * e + 1] = cs[2 * (first + j) + 1]!;
    }
  }
  return { groups, pairs };
}

export function rotationSweepsKernel(): KernelSpec {
  const G = SWEEP_STAGES;
  const stages = Array.from({ length: G }, (_, g) => g);
  const code = /* wgsl */ `
struct Params { S4: u32, groups: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> groups: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> cs: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> w: array<vec4<f32>>;
${FLAT_WORKGROUP}
@compute @workgroup_size(${SWEEP_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let j = flatWorkgroup(wid, nwg) * ${SWEEP_WORKGROUP}u + lid;
  if (j >= p.S4) { return; }
  for (var q = 0u; q < p.groups; q++) {
    let group = groups[q];
    let lo = i32(group.y);
    let hi = i32(group.z);
    var e = group.x;
    ${stages.map((g) => `var h${g} = vec4<f32>(0.0);`).join(' ')}
    for (var r = hi; r >= lo - ${G}; r--) {
      var x = vec4<f32>(0.0);
      if (r >= lo) { x = w[u32(r) * p.S4 + j]; }
      ${stages.map((g) => `{ let c = cs[e + ${g}u]; let out = c.y * x + c.x * h${g}; h${g} = c.x * x - c.y * h${g}; x = out; }`).join('\n      ')}
      e += ${G}u;
      if (r + ${G} <= hi) { w[u32(r + ${G}) * p.S4 + j] = x; }
    }
  }
}
`;
  return { name: 'rotationSweeps', code, bindings: ['uniform', 'read', 'read', 'readwrite'] };
}
