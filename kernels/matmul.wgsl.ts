/**
 * Batched matrix product C[b] = op(A[b]) · op(B[b]), op = identity or transpose, float32.
 *
 * Layout: A is [batch, M, K] (or [batch, K, M] transposed), B is [batch, K, N] (or [batch, N, K]),
 * C is [batch, M, N], all contiguous. The transposes are strides in the params uniform, not code:
 *   op(A)[i, k] = a[b·strideA + i·aRow + k·aK],   op(B)[k, j] = b[b·strideB + j·bCol + k·bK],
 * and a batch stride of 0 broadcasts one matrix; so one pipeline serves every shape, transpose
 * and batch layout. Two flags only change how values are read: where the 4 values of op(A) or op(B)
 * an invocation needs per k are consecutive and 4-aligned in memory (op(A)ᵀ rows with M % 4 = 0,
 * B rows with N % 4 = 0) they are read as one vec4 (variants vec4A, vec4B; at most 4 pipelines).
 *
 * Parallelisation: register blocking. Each invocation computes an 8×8 block of C in sixteen vec4
 * accumulators; per step of k it reads 8 values of op(A) and 8 of op(B) and does 64 FMAs, so
 * loads per FMA drop from 2 (one output per invocation) to 1/4. Workgroups are 8×8 invocations
 * (a 64×64 block of C), grid (⌈N/64⌉, ⌈M/64⌉, batch).
 * Epilogue (variant `addend`): C = α·op(A)·op(B) + β·D with D [batch, M, N] (binding 4, a buffer other
 * than C), the GEMM form: an optimiser's θ = θ₀ − lr·X·P in the product's store instead of a separate
 * elementwise pass over θ (one dispatch less per projected step).
 * Edges: rows and columns past M or N read the last valid row or column (or vec4) instead (clamped
 * offsets computed once before the k loop, so the loop has no bounds checks) and are not stored.
 * Any M, N, K ≥ 1 works; K = 0 stores zeros.
 *
 * Why this shape: measured on Mesa's llvmpipe (lavapipe / GL), the software adapter we run on
 * (bench/matmul-ladder.mjs, BENCHMARKS.md); llvmpipe runs 8 invocations in SIMD lanes and a
 * workgroup's SIMD groups as coroutines on one thread.
 * - No workgroup memory: every barrier is a coroutine switch; 64×64 tiles staged in workgroup
 *   memory (depth 8, 16 or 32) ran at 26–40 % of the speed of the same 8×8 blocks without it.
 * - 8×8 blocks ran 1.7–3.7× faster than 4×4 (4×8 and 8×4 in between); 16×8 was no faster and
 *   8×16 slower (register spills). Unrolling k by 2 or 4 was 1.6–3.5× slower (more live values).
 * - In this kernel, vec4 reads of B and of op(A)ᵀ were 13–34 % faster than four scalar reads;
 *   reading untransposed A as vec4 along k was 2–3× slower (four k steps of values live at once),
 *   so A and Bᵀ, contiguous only along k, are read as scalars.
 * On a real GPU a workgroup-memory tiled kernel would win; this one is what software rasterisers
 * run fastest.
 */
import { memoKernel } from './memo.js';
import type { KernelSpec } from './spec.js';

/** Rows and columns of C per invocation. */
export const MATMUL_BLOCK = 8;
/** Invocations per workgroup along x (columns) and y (rows). */
export const MATMUL_WORKGROUP = 8;
/** Rows (and columns) of C per workgroup. */
export const MATMUL_WORKGROUP_SPAN = MATMUL_BLOCK * MATMUL_WORKGROUP;

const B = MATMUL_BLOCK;
const idx = Array.from({ length: B }, (_, i) => i);
const quads = Array.from({ length: B / 4 }, (_, j) => j);
const lines = (xs: number[], f: (i: number) => string, sep = '\n  ') => xs.map(f).join(sep);

export interface MatmulVariant {
  /** Read op(A) as vec4 along M: needs transposeA (rows of op(A) contiguous per k) and M % 4 = 0. */
  vec4A: boolean;
  /** Read op(B) as vec4 along N: needs B untransposed and N % 4 = 0. */
  vec4B: boolean;
  /** Store α·product + β·D (D at binding 4) instead of the product. */
  addend: boolean;
}

/**
 * One operand's access: `x` ('a' or 'b'), the block's first row of op(A) / column of op(B) `first`,
 * its extent `edge` ('M' or 'N'), and the params names of its line and k strides. Offsets are in
 * elements, or in vec4s when `vec4` (then lines are contiguous: the line stride is 1).
 */
function operand(x: 'a' | 'b', vec4: boolean, first: string, edge: string, line: string, kStride: string) {
  const base = `gid.z * p.stride${x.toUpperCase()}`;
  return {
    decl: `@group(0) @binding(${x === 'a' ? 1 : 2}) var<storage, read> ${x}: array<${vec4 ? 'vec4<f32>' : 'f32'}>;`,
    offsets: vec4
      ? lines(quads, (j) => `var ${x}o${j} = ${base} / 4u + min(${first} / 4u + ${j}u, p.${edge} / 4u - 1u);`)
      : lines(idx, (i) => `var ${x}o${i} = ${base} + min(${first} + ${i}u, p.${edge} - 1u) * p.${line};`),
    advance: vec4 ? lines(quads, (j) => `${x}o${j} += p.${kStride} / 4u;`, ' ') : lines(idx, (i) => `${x}o${i} += p.${kStride};`, ' '),
    /** The 8 values at this k, as two vec4s: x_0 = lines first..first+3, x_1 = first+4..first+7. */
    load: lines(quads, (j) => `let ${x}_${j} = ${vec4 ? `${x}[${x}o${j}]` : `vec4<f32>(${[0, 1, 2, 3].map((q) => `${x}[${x}o${4 * j + q}]`).join(', ')})`};`, '\n    '),
  };
}

/** WGSL declaration of the params uniform that matmulParams packs (binding 0); kernels/matmul-tiled.wgsl.ts shares it. */
export const MATMUL_PARAMS = /* wgsl */ `
struct Params {
  M: u32, N: u32, K: u32, strideC: u32,
  strideA: u32, strideB: u32, aRow: u32, aK: u32,
  bCol: u32, bK: u32, alpha: f32, beta: f32,
}
@group(0) @binding(0) var<uniform> p: Params;
`;

function code(v: MatmulVariant): string {
  const store = (o: string, value: string) => (v.addend ? `c[${o}] = p.alpha * ${value} + p.beta * d[${o}];` : `c[${o}] = ${value};`);
  const a = operand('a', v.vec4A, 'row', 'M', 'aRow', 'aK');
  const b = operand('b', v.vec4B, 'col', 'N', 'bCol', 'bK');
  return /* wgsl */ `
${MATMUL_PARAMS}
${a.decl}
${b.decl}
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
${v.addend ? '@group(0) @binding(4) var<storage, read> d: array<f32>;' : ''}

@compute @workgroup_size(${MATMUL_WORKGROUP}, ${MATMUL_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row = gid.y * ${B}u;
  let col = gid.x * ${B}u;
  if (row >= p.M || col >= p.N) { return; }
  // Offsets of this block's rows of op(A) and columns of op(B), clamped to the last valid one.
  ${a.offsets}
  ${b.offsets}
  // acc{i}_{j} holds C[row + i, col + 4j .. col + 4j + 3].
  ${lines(idx, (i) => lines(quads, (j) => `var acc${i}_${j} = vec4<f32>();`, ' '))}
  for (var k = 0u; k < p.K; k++) {
    ${a.load}
    ${b.load}
    ${lines(idx, (i) => lines(quads, (j) => `acc${i}_${j} = fma(vec4<f32>(a_${i >> 2}[${i & 3}]), b_${j}, acc${i}_${j});`, ' '), '\n    ')}
    ${a.advance}
    ${b.advance}
  }
  let co = gid.z * p.strideC + row * p.N + col;
  let cols = min(p.N - col, ${B}u);
  ${lines(idx, (i) => `if (row + ${i}u < p.M) { ${lines(idx, (j) => `if (${j}u < cols) { ${store(`co + ${i}u * p.N + ${j}u`, `acc${i}_${j >> 2}[${j & 3}]`)} }`, ' ')} }`)}
}
`;
}

/** The matmul program for a variant (built once per variant; see the header for the params layout). */
export const matmulKernel = memoKernel((v: MatmulVariant): KernelSpec => ({
  name: `matmul[8x8${v.vec4A ? ',vec4A' : ''}${v.vec4B ? ',vec4B' : ''}${v.addend ? ',addend' : ''}]`,
  code: code(v),
  bindings: ['uniform', 'read', 'read', 'readwrite', ...(v.addend ? ['read' as const] : [])],
}));

/** The fastest variant a shape allows (vec4 reads need contiguous, 4-aligned rows). */
export function matmulVariant(s: Pick<MatmulShape, 'M' | 'N' | 'transposeA' | 'transposeB'>, addend = false): MatmulVariant {
  return { vec4A: s.transposeA && s.M % 4 === 0, vec4B: !s.transposeB && s.N % 4 === 0, addend };
}

export interface MatmulShape {
  M: number;
  N: number;
  K: number;
  transposeA: boolean;
  transposeB: boolean;
  /** A or B is one matrix shared by every batch entry. */
  broadcastA: boolean;
  broadcastB: boolean;
}

/** The params uniform for matmulKernel; alpha and beta serve the addend variant. */
export function matmulParams(s: MatmulShape, alpha = 1, beta = 0): Uint32Array {
  const { M, N, K } = s;
  const u = new Uint32Array([
    M, N, K, M * N,
    s.broadcastA ? 0 : M * K, s.broadcastB ? 0 : K * N,
    s.transposeA ? 1 : K, s.transposeA ? M : 1,
    s.transposeB ? K : 1, s.transposeB ? 1 : N, 0, 0,
  ]);
  new Float32Array(u.buffer, 40, 2).set([alpha, beta]);
  return u;
}

/** Workgroup grid for an M×N output over `batch` matrices. */
export function matmulGrid(M: number, N: number, batch: number): [number, number, number] {
  return [Math.ceil(N / MATMUL_WORKGROUP_SPAN), Math.ceil(M / MATMUL_WORKGROUP_SPAN), batch];
}
