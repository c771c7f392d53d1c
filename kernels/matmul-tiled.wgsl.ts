/**
 * Batched matrix product C[b] = op(A[b]) · op(B[b]) for hardware GPUs: workgroup-memory tiling.
 * The hardware variant of kernels/matmul.wgsl.ts; same params uniform (matmulParams: transposes and
 * batch broadcast are strides, a batch stride of 0 broadcasts), same bindings, same `addend`
 * epilogue C = α·op(A)·op(B) + β·D, same float64 reference (kernels/matmul.reference.ts).
 *
 * Parallelisation: a workgroup of 16×16 invocations computes a 64×64 tile of C; each invocation a
 * 4×4 block (rows 4·ty.., columns 4·tx.., four vec4 accumulators). The k axis is walked in slabs of
 * depth 16: the workgroup copies op(A)[tile rows, slab] and op(B)[slab, tile columns] (64×16 each,
 * 4 values per invocation) into workgroup memory, one barrier, then every invocation does 16 steps
 * of 2 vec4 reads from workgroup memory and 16 FMAs each. Global loads per FMA fall from 1/4
 * (register blocking alone) to 1/32: every value of A and B fetched once per tile, not once per
 * invocation, which is what a GPU with fast shared memory and slow DRAM needs.
 * Double buffering in registers: while a slab is multiplied, each invocation already holds its 8
 * values of the next slab (loaded before the multiply, stored to workgroup memory after the second
 * barrier), so memory latency overlaps arithmetic with one workgroup-memory buffer (8.5 KiB with padding).
 * Coalescing: the invocation → element map of a slab load follows the operand's contiguous axis,
 * compile-time flags `transposeA` / `transposeB` (consecutive invocations read consecutive k for
 * A and Bᵀ, consecutive rows / columns for Aᵀ and B). A flag that does not match the strides still
 * gives the right result, only slower loads.
 * Edges: rows and columns past M or N read the last valid one (clamped offsets, computed once) and
 * are not stored; k past K reads zero (the last slab is partial). K = 0 stores zeros (or β·D).
 * Barriers sit in uniform control flow: the slab count depends only on p.K, and no invocation
 * returns early.
 *
 * Why this shape: the common GPU tiling (TF.js's matmul_packed, CUTLASS's SIMT kernels): 256
 * invocations fill a compute unit, 8.5 KiB of workgroup memory fits every adapter's 16 KiB minimum.
 * On llvmpipe it is the slower variant (barriers are coroutine switches; WEBGPU-NOTES.md), so
 * engine/kernel-variants.ts picks it only on hardware adapters. Speed on GPUs: `npm run bench:gpu`.
 */
import { MATMUL_PARAMS } from './matmul.wgsl.js';
import { memoKernel } from './memo.js';
import type { KernelSpec } from './spec.js';

/** Rows (and columns) of C per invocation. */
const R = 4;
/** Invocations per workgroup along x (columns) and y (rows). */
const THREADS = 16;
/** Rows (and columns) of C per workgroup. */
const TILED_MATMUL_SPAN = R * THREADS;
/** k values per slab staged in workgroup memory. */
const DEPTH = 16;
const INVOCATIONS = THREADS * THREADS;
/** Values of one operand's slab each invocation loads. */
const LOADS = (TILED_MATMUL_SPAN * DEPTH) / INVOCATIONS;
/**
 * vec4s per k in workgroup memory: the 16 of a tile row plus one of padding, so that 16 invocations
 * storing 16 consecutive k of one line hit 8 memory banks instead of one (the usual padding against
 * bank conflicts; not measured here: lavapipe has no banks).
 */
const PITCH = TILED_MATMUL_SPAN / 4 + 1;

/** Device limits the program needs: two padded slabs of 16 × 64 floats, a 16 × 16 workgroup. */
export const TILED_MATMUL_NEEDS = { workgroupStorageBytes: 2 * DEPTH * PITCH * 16, invocations: INVOCATIONS, workgroupSize: THREADS };

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const lines = (xs: number[], f: (i: number) => string, sep = '\n  ') => xs.map(f).join(sep);

export interface TiledMatmulVariant {
  /** op(A) is Aᵀ: slab loads walk rows (contiguous) instead of k. */
  transposeA: boolean;
  /** op(B) is Bᵀ: slab loads walk k (contiguous) instead of columns. */
  transposeB: boolean;
  /** Store α·product + β·D (D at binding 4) instead of the product. */
  addend: boolean;
}

/**
 * How the tiled core reads one operand, op(A) [M, K] or op(B) [K, N] seen as lines (rows of op(A),
 * columns of op(B)) of K values. Plain matrices read strided buffers; kernels/conv2d-implicit.wgsl.ts
 * reads patches of an image (implicit im2col).
 */
export interface TiledOperand {
  /** k is the contiguous axis: consecutive invocations load consecutive k (else consecutive lines). */
  kMajor: boolean;
  /** WGSL, evaluated once per load: what `value` needs of line `index` (an offset, or the index itself). */
  line(index: string): string;
  /** WGSL: op(X)[line, k] for `line` from line() and k < K. */
  value(line: string, k: string): string;
}

/**
 * One operand's slab load. Invocation `l` (local index) loads LOADS values at (line, kk) of the
 * 64 × 16 slab: along k first when k is the contiguous axis, else along lines. `first`: the tile's
 * first line; `edge`: M or N.
 */
function slab(x: 'a' | 'b', op: TiledOperand, first: string, edge: string) {
  // (line, kk) of load q: consecutive invocations take consecutive elements of the contiguous axis.
  const at = (q: number) => op.kMajor
    ? { line: `l / ${DEPTH}u + ${(INVOCATIONS / DEPTH) * q}u`, kk: `l % ${DEPTH}u` }
    : { line: `l % ${TILED_MATMUL_SPAN}u`, kk: `l / ${TILED_MATMUL_SPAN}u + ${(INVOCATIONS / TILED_MATMUL_SPAN) * q}u` };
  const shared = `${x.toUpperCase()}s`;
  return {
    /** This invocation's lines within the tile, what reading them needs (clamped to the last valid line) and k within a slab. */
    setup: lines(range(LOADS), (q) => [
      `let ${x}L${q} = ${at(q).line};`,
      `let ${x}K${q} = ${at(q).kk};`,
      `let ${x}Line${q} = ${op.line(`min(${first} + ${x}L${q}, p.${edge} - 1u)`)};`,
    ].join(' ')),
    /** Reads the slab starting at k into registers x{q}; k ≥ K reads 0 (kLast keeps the address in bounds). */
    fetch: (k: string) => lines(range(LOADS), (q) => `${x}${q} = select(0.0, ${op.value(`${x}Line${q}`, `min(${k} + ${x}K${q}, kLast)`)}, ${k} + ${x}K${q} < p.K);`, '\n    '),
    /** Writes the registers into workgroup memory: vec4 [kk·PITCH + line/4], component line % 4. */
    store: lines(range(LOADS), (q) => `${shared}[${x}K${q} * ${PITCH}u + ${x}L${q} / 4u][${x}L${q} % 4u] = ${x}${q};`, '\n    '),
    regs: lines(range(LOADS), (q) => `var ${x}${q} = 0.0;`, ' '),
  };
}

/**
 * The tiled product's workgroup memory and entry point, C[gid.z] = op(A)·op(B) tile by tile, for a
 * shader that declares `p` with fields M, N, K (u32) and the buffers its operands and `store` read.
 * store(row, col, value): the WGSL statement that writes C[row, col] of batch gid.z (row < M, col < N).
 */
export function tiledMatmulMain(opA: TiledOperand, opB: TiledOperand, store: (row: string, col: string, value: string) => string): string {
  const a = slab('a', opA, 'row0', 'M');
  const b = slab('b', opB, 'col0', 'N');
  return /* wgsl */ `
// One slab of op(A) (As[kk·${PITCH} + i/4][i % 4] = op(A)[row0 + i, k0 + kk]) and of op(B) (by columns).
var<workgroup> As: array<vec4<f32>, ${DEPTH * PITCH}>;
var<workgroup> Bs: array<vec4<f32>, ${DEPTH * PITCH}>;

@compute @workgroup_size(${THREADS}, ${THREADS})
fn main(@builtin(workgroup_id) gid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) l: u32) {
  let row0 = gid.y * ${TILED_MATMUL_SPAN}u;
  let col0 = gid.x * ${TILED_MATMUL_SPAN}u;
  let kLast = max(p.K, 1u) - 1u;
  ${a.setup}
  ${b.setup}
  ${a.regs}
  ${b.regs}
  // acc{i} holds C[row0 + ${R}·ty + i, col0 + ${R}·tx .. + ${R - 1}].
  ${lines(range(R), (i) => `var acc${i} = vec4<f32>();`, ' ')}
  ${a.fetch('0u')}
  ${b.fetch('0u')}
  for (var k0 = 0u; k0 < p.K; k0 += ${DEPTH}u) {
    ${a.store}
    ${b.store}
    workgroupBarrier();
    // Next slab into registers while this one is multiplied (reads 0 past K).
    let next = k0 + ${DEPTH}u;
    ${a.fetch('next')}
    ${b.fetch('next')}
    for (var kk = 0u; kk < ${DEPTH}u; kk++) {
      let av = As[kk * ${PITCH}u + lid.y];
      let bv = Bs[kk * ${PITCH}u + lid.x];
      ${lines(range(R), (i) => `acc${i} = fma(vec4<f32>(av[${i}]), bv, acc${i});`, '\n      ')}
    }
    workgroupBarrier();
  }
  let row = row0 + ${R}u * lid.y;
  let col = col0 + ${R}u * lid.x;
  ${lines(range(R), (i) => `if (row + ${i}u < p.M) { ${lines(range(R), (j) => `if (col + ${j}u < p.N) { ${store(`row + ${i}u`, `col + ${j}u`, `acc${i}[${j}]`)} }`, ' ')} }`)}
}
`;
}

/** A strided matrix operand of the matmul params: line offset = batch + line·lineStride, k stride kStride. */
const strided = (x: 'a' | 'b', kMajor: boolean, lineStride: string, kStride: string): TiledOperand => ({
  kMajor,
  line: (index) => `gid.z * p.stride${x.toUpperCase()} + ${index} * p.${lineStride}`,
  value: (line, k) => `${x}[${line} + ${k} * p.${kStride}]`,
});

function code(v: TiledMatmulVariant): string {
  const store = (row: string, col: string, value: string) => {
    const o = `gid.z * p.strideC + (${row}) * p.N + ${col}`;
    return v.addend ? `c[${o}] = p.alpha * ${value} + p.beta * d[${o}];` : `c[${o}] = ${value};`;
  };
  return /* wgsl */ `
${MATMUL_PARAMS}
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
${v.addend ? '@group(0) @binding(4) var<storage, read> d: array<f32>;' : ''}
${tiledMatmulMain(strided('a', !v.transposeA, 'aRow', 'aK'), strided('b', v.transposeB, 'bCol', 'bK'), store)}`;
}

/** Workgroup grid for an M×N output over `batch` matrices: one workgroup per 64×64 tile. */
export function tiledMatmulGrid(M: number, N: number, batch: number): [number, number, number] {
  return [Math.ceil(N / TILED_MATMUL_SPAN), Math.ceil(M / TILED_MATMUL_SPAN), batch];
}

/** The tiled matmul program for a variant (built once per variant). */
export const tiledMatmulKernel = memoKernel((v: TiledMatmulVariant): KernelSpec => ({
  name: `matmul[tiled-${TILED_MATMUL_SPAN}x${TILED_MATMUL_SPAN}${v.transposeA ? ',tA' : ''}${v.transposeB ? ',tB' : ''}${v.addend ? ',addend' : ''}]`,
  code: code(v),
  bindings: ['uniform', 'read', 'read', 'readwrite', ...(v.addend ? ['read' as const] : [])],
}));
