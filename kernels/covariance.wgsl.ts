/**
 * Second-moment matrix of the rows of x [rows, d]:
 *   c[i, j] = (accumulate ? c[i, j] : 0) + scale · Σ_k (x[k, i] − μ_i)(x[k, j] − μ_j)
 * (μ = 0 unless the `centered` variant gets a mean vector). cov = XᵀX/n is scale = 1/n; a streaming
 * sum is accumulate with scale = 1.
 *
 * Layout: x row-major, c [d, d] row-major, μ [d]. Symmetry halves the work: the output is cut into
 * 64×64 tiles and only tiles on or above the diagonal run (T(T+1)/2 workgroups for T = ⌈d/64⌉, the
 * linear workgroup index decoded to (tile row, tile column)). Each of the 8×8 invocations owns an 8×8
 * block of outputs in registers (sixteen vec4 sums) and streams through the rows, reading 16 values per
 * 64 multiply-adds (register blocking without workgroup memory: barriers are costly on software
 * Vulkan; 4×4 blocks, 8 values per 16, took 1.7–2.3× as long at d = 512 and 784). The same halving
 * inside a diagonal tile: only its blocks on or above the block diagonal are computed, by the first
 * invocations (36 of 64; 10 for d = 25), and a block off the block diagonal writes each value at (i, j)
 * and (j, i), so c is exactly symmetric. Edge columns are clamped once before the row loop (an
 * invocation past column d − 1 re-reads it and does not store), so the loop has no bounds checks,
 * and invocations whose whole block lies past d return at once. Each output is one invocation's
 * fixed-order sum: deterministic, no atomics.
 *
 * Few tiles over many rows (d = 25 conv patches: one tile, 300,000 rows per batch) would leave the
 * machine idle, so the `split` variant also cuts the rows into chunks (grid y): workgroup (tile, chunk)
 * writes its chunk's partial sums to partial[chunk, d, d], and covarianceReduceKernel adds the chunks
 * in order (still deterministic) into c with the scale.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import type { BindingKind, KernelSpec } from './spec.js';
import { memoKernel } from './memo.js';

/** Outputs per invocation along each side (a BLOCK×BLOCK block), and per workgroup tile (8×8 invocations). */
const BLOCK = 8;
export const COV_TILE = 8 * BLOCK;

export interface CovarianceVariant {
  centered: boolean;
  accumulate: boolean;
  /** Rows cut into chunks of p.chunkRows (grid y); partial sums go to c[chunk] unscaled. */
  split: boolean;
}

const QUADS = Array.from({ length: BLOCK / 4 }, (_, q) => q);
const ROWS = Array.from({ length: BLOCK }, (_, a) => a);

/** WGSL: the params and bindings of both covariance programs (μ at binding 2 when centred, then c). */
export function covarianceDeclarations(v: CovarianceVariant): string {
  return /* wgsl */ `struct Params { rows: u32, d: u32, tiles: u32, scale: f32, chunkRows: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
${v.centered ? '@group(0) @binding(2) var<storage, read> mu: array<f32>;\n' : ''}@group(0) @binding(${v.centered ? 3 : 2}) var<storage, read_write> c: array<f32>;`;
}

export const covarianceBindings = (v: CovarianceVariant): BindingKind[] => (v.centered ? ['uniform', 'read', 'read', 'readwrite'] : ['uniform', 'read', 'readwrite']);

/** WGSL: the upper-triangle tile (ti ≤ tj) of linear workgroup index wid.x, row by row. */
/**
 * The rows [kBegin, kEnd) this workgroup sums and where its d×d output starts (`base`): with `split`,
 * chunk wid.y of p.chunkRows rows into its own partial matrix (reduced after); else all rows into c.
 */
export const covarianceRowRange = (v: CovarianceVariant): string => v.split
  ? `let kBegin = wid.y * p.chunkRows;
  let kEnd = min(kBegin + p.chunkRows, p.rows);
  let base = wid.y * p.d * p.d;`
  : `let kBegin = 0u;
  let kEnd = p.rows;
  let base = 0u;`;

export const UPPER_TILE = /* wgsl */ `var ti = 0u;
  var rest = wid.x;
  while (rest >= p.tiles - ti) { rest -= p.tiles - ti; ti++; }
  let tj = ti + rest;`;

/**
 * WGSL: store(i, j, mirror, sums, base) writes four sums of row i from column j on, within the
 * matrix, at (i, j + b) and, when mirror (off the diagonal), at (j + b, i): unscaled partials for
 * `split`, else scale·sums, added to c for `accumulate`.
 */
export function covarianceStore(v: CovarianceVariant): string {
  const value = v.split ? 'sums[b]' : v.accumulate ? 'c[i * p.d + j + b] + p.scale * sums[b]' : 'p.scale * sums[b]';
  return /* wgsl */ `
fn store(i: u32, j: u32, mirror: bool, sums: vec4<f32>, base: u32) {
  if (i >= p.d) { return; }
  for (var b = 0u; b < 4u; b++) {
    if (j + b >= p.d) { return; }
    let value = ${value};
    c[base + i * p.d + j + b] = value;
    if (mirror) { c[base + (j + b) * p.d + i] = value; }
  }
}
`;
}

export const covarianceKernel = memoKernel((v: CovarianceVariant): KernelSpec => {
  const code = wgsl`
${covarianceDeclarations(v)}

// Columns j0 … j0 + BLOCK − 1 clamped to the last column: past it an invocation reads column d − 1
// again and never stores those sums, so the row loop needs no bounds checks.
fn clampedColumns(j0: u32, q: u32) -> vec4<u32> {
  return min(vec4<u32>(j0 + 4u * q) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(p.d - 1u));
}

// Values of row k at four (clamped) columns j, less the means m (zero when not centred).
fn load4(k: u32, j: vec4<u32>, m: vec4<f32>) -> vec4<f32> {
  let r = k * p.d;
  return vec4<f32>(x[r + j.x], x[r + j.y], x[r + j.z], x[r + j.w]) - m;
}

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  ${covarianceRowRange(v)}
  ${UPPER_TILE}
  // The invocation's ${BLOCK}×${BLOCK} block (bi, bj) of the tile: lid.y, lid.x off the diagonal. A diagonal
  // tile needs only the nb(nb+1)/2 blocks with bi ≤ bj (nb = blocks reaching into the matrix), given to
  // the first invocations in order, so whole SIMD groups past them have no work and return.
  var bi = lid.y;
  var bj = lid.x;
  if (ti == tj) {
    let nb = min(8u, (p.d - ti * ${COV_TILE}u + ${BLOCK - 1}u) / ${BLOCK}u);
    var q = lid.y * 8u + lid.x;
    if (q >= nb * (nb + 1u) / 2u) { return; }
    bi = 0u;
    while (q >= nb - bi) { q -= nb - bi; bi++; }
    bj = bi + q;
  }
  let i0 = ti * ${COV_TILE}u + bi * ${BLOCK}u;
  let j0 = tj * ${COV_TILE}u + bj * ${BLOCK}u;
  if (i0 >= p.d || j0 >= p.d) { return; } // owns no output (no barriers below)
  ${QUADS.map((q) => `let ci${q} = clampedColumns(i0, ${q}u); let cj${q} = clampedColumns(j0, ${q}u);`).join('\n  ')}
#if ${v.centered}
  ${QUADS.map((q) => `let mi${q} = vec4<f32>(mu[ci${q}.x], mu[ci${q}.y], mu[ci${q}.z], mu[ci${q}.w]); let mj${q} = vec4<f32>(mu[cj${q}.x], mu[cj${q}.y], mu[cj${q}.z], mu[cj${q}.w]);`).join('\n  ')}
#else
  ${QUADS.map((q) => `let mi${q} = vec4<f32>(0.0); let mj${q} = vec4<f32>(0.0);`).join('\n  ')}
#endif
  // acc_a_q: row i0 + a, columns j0 + 4q … j0 + 4q + 3.
  ${ROWS.map((a) => QUADS.map((q) => `var acc${a}_${q} = vec4<f32>(0.0);`).join(' ')).join('\n  ')}
  for (var k = kBegin; k < kEnd; k++) {
    ${QUADS.map((q) => `let xi${q} = load4(k, ci${q}, mi${q}); let xj${q} = load4(k, cj${q}, mj${q});`).join('\n    ')}
    ${ROWS.map((a) => QUADS.map((q) => `acc${a}_${q} = fma(vec4<f32>(xi${a >> 2}.${'xyzw'[a & 3]}), xj${q}, acc${a}_${q});`).join(' ')).join('\n    ')}
  }
  ${ROWS.map((a) => QUADS.map((q) => `store(i0 + ${a}u, j0 + ${4 * q}u, i0 != j0, acc${a}_${q}, base);`).join(' ')).join('\n  ')}
}

${covarianceStore(v)}`;
  return {
    name: `covariance[${v.centered ? 'centered' : 'raw'}${v.accumulate ? ',acc' : ''}${v.split ? ',split' : ''}]`,
    code,
    bindings: covarianceBindings(v),
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
