/**
 * Second-moment matrix of the rows of x [rows, d]:
 *   c[i, j] = (accumulate ? c[i, j] : 0) + scale · Σ_k (x[k, i] − μ_i)(x[k, j] − μ_j)
 * (μ = 0 unless the `centered` variant gets a mean vector). cov = XᵀX/n is scale = 1/n; a streaming
 * sum is accumulate with scale = 1.
 *
 * Layout: x row-major, c [d, d] row-major, μ [d]. Symmetry halves the work: the output is cut into
 * 32×32 tiles and only tiles on or above the diagonal run (T(T+1)/2 workgroups for T = ⌈d/32⌉, the
 * linear workgroup index decoded to (tile row, tile column)); an off-diagonal tile writes each value
 * at (i, j) and (j, i), so c is exactly symmetric. Each of the 8×8 invocations owns a 4×4 block of
 * outputs in registers and streams through the rows (register blocking without workgroup memory:
 * barriers are costly on software Vulkan). Each output is one invocation's fixed-order sum:
 * deterministic, no atomics.
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

// Four values of row k starting at column j0 (0 past the last column), centred when asked.
fn load4(k: u32, j0: u32) -> vec4<f32> {
  var out = vec4<f32>(0.0);
  for (var t = 0u; t < 4u; t++) {
    let j = j0 + t;
    if (j < p.d) {
#if ${v.centered}
      out[t] = x[k * p.d + j] - mu[j];
#else
      out[t] = x[k * p.d + j];
#endif
    }
  }
  return out;
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
  let i0 = ti * ${COV_TILE}u + lid.y * 4u;
  let j0 = tj * ${COV_TILE}u + lid.x * 4u;
  var acc: array<vec4<f32>, 4>;
  for (var k = kBegin; k < kEnd; k++) {
    let xi = load4(k, i0);
    let xj = load4(k, j0);
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
      if (ti != tj) { c[base + j * p.d + i] = value; }
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
