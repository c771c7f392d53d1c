/**
 * Second-moment matrix of the rows of x [rows, d] for hardware GPUs, workgroup-memory tiling:
 *   c[i, j] = (accumulate ? c[i, j] : 0) + scale · Σ_k (x[k, i] − μ_i)(x[k, j] − μ_j)
 * The hardware variant of kernels/covariance.wgsl.ts: same params, bindings, variants (centered,
 * accumulate, split), grid (upper-triangle 64×64 tiles along x, row chunks along y) and float64
 * reference (kernels/covariance.reference.ts).
 *
 * Parallelisation: as kernels/matmul-tiled.wgsl.ts with op(A) = X̃ᵀ and op(B) = X̃. A workgroup of
 * 16×16 invocations owns the tile (ti, tj), each invocation a 4×4 block. The rows are walked in slabs
 * of 16: the workgroup copies x̃[slab, tile columns i] and x̃[slab, tile columns j] (16×64 each, 4
 * values per invocation, consecutive invocations on consecutive columns: coalesced, centred on the
 * way in) into workgroup memory, then every invocation does 16 steps of 2 vec4 reads and 16 FMAs.
 * The next slab is loaded into registers while this one is multiplied (double buffering in registers).
 * Symmetry: only tiles with ti ≤ tj run; an off-diagonal tile also writes each value at (j, i). A
 * diagonal tile computes all of its blocks, and (i, j) equals (j, i) bit for bit: the same products
 * (fma is commutative in its factors) summed in the same order.
 * Edges: columns past d are clamped to d − 1 (not stored); rows past the end read 0 after centring.
 * No invocation returns early: the barriers sit in uniform control flow.
 * Why: see kernels/matmul-tiled.wgsl.ts; engine/kernel-variants.ts picks it on hardware adapters.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { COV_TILE, covarianceBindings, covarianceDeclarations, covarianceRowRange, covarianceStore, UPPER_TILE, type CovarianceVariant } from './covariance.wgsl.js';
import { memoKernel } from './memo.js';
import type { KernelSpec } from './spec.js';

/** The tiles of the software kernel's grid, 16×16 invocations of 4×4 outputs each. */
const TILE = COV_TILE;
const THREADS = 16;
const R = TILE / THREADS;
const DEPTH = 16;
/** Values of one side's slab per invocation: the slab is DEPTH rows × TILE columns. */
const LOADS = (DEPTH * TILE) / (THREADS * THREADS);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const lines = (xs: number[], f: (i: number) => string, sep = '\n  ') => xs.map(f).join(sep);

export const tiledCovarianceKernel = memoKernel((v: CovarianceVariant): KernelSpec => {
  // Slab rows: invocation l loads rows l / TILE + (256 / TILE)·q of the slab, column l % TILE.
  const kk = (q: number) => `l / ${TILE}u + ${(THREADS * THREADS / TILE) * q}u`;
  const fetch = (k: string) => lines(range(LOADS), (q) => [
    `xi${q} = select(0.0, x[min(${k} + ${kk(q)}, kLast) * p.d + ci] - mi, ${k} + ${kk(q)} < kEnd);`,
    `xj${q} = select(0.0, x[min(${k} + ${kk(q)}, kLast) * p.d + cj] - mj, ${k} + ${kk(q)} < kEnd);`,
  ].join(' '), '\n    ');
  const code = wgsl`
${covarianceDeclarations(v)}
// One slab: Xi[kk·${TILE / 4} + col/4][col % 4] = x̃[k0 + kk, i0 + col], Xj likewise for the tile's columns j.
var<workgroup> Xi: array<vec4<f32>, ${DEPTH * TILE / 4}>;
var<workgroup> Xj: array<vec4<f32>, ${DEPTH * TILE / 4}>;

@compute @workgroup_size(${THREADS}, ${THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) l: u32) {
  ${covarianceRowRange(v)}
  let kLast = max(kEnd, 1u) - 1u;
  ${UPPER_TILE}
  let i0 = ti * ${TILE}u;
  let j0 = tj * ${TILE}u;
  // This invocation's slab column (clamped to the last one) on each side, and its mean.
  let ci = min(i0 + l % ${TILE}u, p.d - 1u);
  let cj = min(j0 + l % ${TILE}u, p.d - 1u);
#if ${v.centered}
  let mi = mu[ci];
  let mj = mu[cj];
#else
  let mi = 0.0;
  let mj = 0.0;
#endif
  ${lines(range(LOADS), (q) => `var xi${q} = 0.0; var xj${q} = 0.0;`, ' ')}
  // acc{r} holds c[i0 + ${R}·ty + r, j0 + ${R}·tx .. + ${R - 1}].
  ${lines(range(R), (r) => `var acc${r} = vec4<f32>();`, ' ')}
  ${fetch('kBegin').replaceAll('\n    ', '\n  ')}
  for (var k0 = kBegin; k0 < kEnd; k0 += ${DEPTH}u) {
    ${lines(range(LOADS), (q) => `Xi[(${kk(q)}) * ${TILE / 4}u + (l % ${TILE}u) / 4u][l % 4u] = xi${q}; Xj[(${kk(q)}) * ${TILE / 4}u + (l % ${TILE}u) / 4u][l % 4u] = xj${q};`, '\n    ')}
    workgroupBarrier();
    // Next slab into registers while this one is multiplied (0 past the end).
    let next = k0 + ${DEPTH}u;
    ${fetch('next')}
    for (var kk = 0u; kk < ${DEPTH}u; kk++) {
      let a = Xi[kk * ${TILE / 4}u + lid.y];
      let b = Xj[kk * ${TILE / 4}u + lid.x];
      ${lines(range(R), (r) => `acc${r} = fma(vec4<f32>(a[${r}]), b, acc${r});`, '\n      ')}
    }
    workgroupBarrier();
  }
  let i = i0 + ${R}u * lid.y;
  let j = j0 + ${R}u * lid.x;
  ${lines(range(R), (r) => `store(i + ${r}u, j, ti != tj, acc${r}, base);`)}
}

${covarianceStore(v)}`;
  return {
    name: `covariance[tiled-${TILE}x${TILE},${v.centered ? 'centered' : 'raw'}${v.accumulate ? ',acc' : ''}${v.split ? ',split' : ''}]`,
    code,
    bindings: covarianceBindings(v),
  };
});
