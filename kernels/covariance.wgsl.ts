/**
 * Second-moment matrix of the rows of x [rows, d]:
 *   c[i, j] = (accumulate ? c[i, j] : 0) + scale · Σ_k (x[k, i] − μ_i)(x[k, j] − μ_j)
 * (μ = 0 unless the `centered` variant gets a mean vector). cov = XᵀX/n is scale = 1/n; a streaming
 * sum is accumulate with scale = 1.
 *
 * Layout: x row-major, c [d, d] row-major, μ [d]. Symmetry halves the work: the output is cut into
 * 32×32 tiles and only tiles on or above the diagonal run (T(T+1)/2 workgroups for T = ⌈d/32⌉, the
 * linear workgroup index decoded to (tile row, tile column)). Each of the 8×8 invocations owns a 4×4
 * block of outputs in registers and streams through the rows (register blocking without workgroup
 * memory: barriers are costly on software Vulkan). The same halving inside a diagonal tile: only its
 * blocks on or above the block diagonal are computed, by the first invocations (36 of 64; 28 for
 * d = 25), and a block off the block diagonal writes each value at (i, j) and (j, i), so c is
 * exactly symmetric. Edge columns are clamped once before the row loop (an
 * invocation past column d − 1 re-reads it and does not store), so the loop has no bounds checks,
 * and invocations whose whole block lies past d return at once (d = 25 patches: 7×7 of the 8×8 do
 * work). Each output is one invocation's fixed-order sum: deterministic, no atomics.
 *
 * Few tiles over many rows (d = 25 conv patches: one tile, 300,000 rows per batch) would leave the
 * machine idle, so the `split` variant also cuts the rows into chunks (grid y): workgroup (tile, chunk)
 * writes its chunk's partial sums to partial[chunk, d, d], and covarianceReduceKernel adds the chunks
 * in order (still deterministic) into c with the scale.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import type { KernelSpec } from './spec.js';
import { memoKernel } from './memo.js';

export const COV_TILE = 32;

export interface CovarianceVariant {
  centered: boolean;
  accumulate: boolean;
  /** Rows cut into chunks of p.chunkRows (grid y); partial sums go to c[chunk] unscaled. */
  split: boolean;
}

export const covarianceKernel = memoKernel((v: CovarianceVariant): KernelSpec => {
  const code = wgsl`
struct Params { rows: u32, d: u32, tiles: u32, scale: f32, chunkRows: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
#if ${v.centered}
@group(0) @binding(2) var<storage, read> mu: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
#else
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
#endif

// Columns j0 … j0 + 3 clamped to the last column: past it an invocation reads column d − 1 again
// and never stores those sums, so the row loop needs no bounds checks.
fn clamped4(j0: u32) -> vec4<u32> {
  return min(vec4<u32>(j0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(p.d - 1u));
}

// Values of row k at the four (clamped) columns j, less the means m (zero when not centred).
fn load4(k: u32, j: vec4<u32>, m: vec4<f32>) -> vec4<f32> {
  let r = k * p.d;
  return vec4<f32>(x[r + j.x], x[r + j.y], x[r + j.z], x[r + j.w]) - m;
}

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
#if ${v.split}
  let kBegin = wid.y * p.chunkRows;
  let kEnd = min(kBegin + p.chunkRows, p.rows);
  let base = wid.y * p.d * p.d;
#else
  let kBegin = 0u;
  let kEnd = p.rows;
  let base = 0u;
#endif
  // Upper-triangle tile (ti ≤ tj) of linear index wid.x, row by row.
  var ti = 0u;
  var rest = wid.x;
  while (rest >= p.tiles - ti) { rest -= p.tiles - ti; ti++; }
  let tj = ti + rest;
  // The invocation's 4×4 block (bi, bj) of the tile: lid.y, lid.x off the diagonal. A diagonal tile
  // needs only the nb(nb+1)/2 blocks with bi ≤ bj (nb = blocks reaching into the matrix), given to
  // the first invocations in order, so whole SIMD groups past them have no work and return.
  var bi = lid.y;
  var bj = lid.x;
  if (ti == tj) {
    let nb = min(${COV_TILE / 4}u, (p.d - ti * ${COV_TILE}u + 3u) / 4u);
    var q = lid.y * 8u + lid.x;
    if (q >= nb * (nb + 1u) / 2u) { return; }
    bi = 0u;
    while (q >= nb - bi) { q -= nb - bi; bi++; }
    bj = bi + q;
  }
  let i0 = ti * ${COV_TILE}u + bi * 4u;
  let j0 = tj * ${COV_TILE}u + bj * 4u;
  if (i0 >= p.d || j0 >= p.d) { return; } // owns no output (no barriers below)
  let ci = clamped4(i0);
  let cj = clamped4(j0);
#if ${v.centered}
  let mi = vec4<f32>(mu[ci.x], mu[ci.y], mu[ci.z], mu[ci.w]);
  let mj = vec4<f32>(mu[cj.x], mu[cj.y], mu[cj.z], mu[cj.w]);
#else
  let mi = vec4<f32>(0.0);
  let mj = vec4<f32>(0.0);
#endif
  var acc: array<vec4<f32>, 4>;
  for (var k = kBegin; k < kEnd; k++) {
    let xi = load4(k, ci, mi);
    let xj = load4(k, cj, mj);
    acc[0] = fma(vec4<f32>(xi.x), xj, acc[0]);
    acc[1] = fma(vec4<f32>(xi.y), xj, acc[1]);
    acc[2] = fma(vec4<f32>(xi.z), xj, acc[2]);
    acc[3] = fma(vec4<f32>(xi.w), xj, acc[3]);
  }
  for (var a = 0u; a < 4u; a++) {
    let i = i0 + a;
    if (i >= p.d) { break; }
    for (var b = 0u; b < 4u; b++) {
      let j = j0 + b;
      if (j >= p.d) { break; }
#if ${v.split}
      let value = acc[a][b];
#elif ${v.accumulate}
      let value = c[i * p.d + j] + p.scale * acc[a][b];
#else
      let value = p.scale * acc[a][b];
#endif
      c[base + i * p.d + j] = value;
      if (i0 != j0) { c[base + j * p.d + i] = value; } // a diagonal block holds both halves itself
    }
  }
}
`;
  return {
    name: `covariance[${v.centered ? 'centered' : 'raw'}${v.accumulate ? ',acc' : ''}${v.split ? ',split' : ''}]`,
    code,
    bindings: v.centered ? ['uniform', 'read', 'read', 'readwrite'] : ['uniform', 'read', 'readwrite'],
  };
});

/** Tiles per side and the number of upper-triangle tiles (the grid's x) for a [d, d] output. */
export function covarianceTiles(d: number): { tiles: number; groups: number } {
  const tiles = Math.ceil(d / COV_TILE);
  return { tiles, groups: (tiles * (tiles + 1)) / 2 };
}

/**
 * Adds the row chunks' partial sums: c[e] = (accumulate ? c[e] : 0) + scale · Σ_chunk partial[chunk, e]
 * in chunk order, one invocation per element e of the [d, d] output.
 */
export const covarianceReduceKernel = memoKernel((accumulate: boolean): KernelSpec => {
  const code = wgsl`
struct Params { n: u32, chunks: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@compute @workgroup_size(${COV_REDUCE_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x;
  if (e >= p.n) { return; }
  var s = 0.0;
  for (var k = 0u; k < p.chunks; k++) { s += partial[k * p.n + e]; }
#if ${accumulate}
  c[e] = c[e] + p.scale * s;
#else
  c[e] = p.scale * s;
#endif
}
`;
  return { name: `covarianceReduce[${accumulate ? 'acc' : 'set'}]`, code, bindings: ['uniform', 'read', 'readwrite'] };
});

export const COV_REDUCE_WORKGROUP = 64;
