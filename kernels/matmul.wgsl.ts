/**
 * Batched matrix product C[b] = op(A[b]) · op(B[b]), op = identity or transpose, float32.
 *
 * Layout: A is [batch, M, K] (or [batch, K, M] transposed), B is [batch, K, N] (or [batch, N, K]),
 * C is [batch, M, N], all contiguous. The transposes are strides in the params uniform, not code:
 *   op(A)[i, k] = a[b·strideA + i·aRow + k·aK],   op(B)[k, j] = b[b·strideB + j·bCol + k·bK],
 * and a batch stride of 0 broadcasts one matrix. So one compiled pipeline serves every shape,
 * every transpose combination and every batch layout.
 *
 * Parallelisation: register blocking. Each invocation computes an 8×8 block of C in sixteen vec4
 * accumulators; per step of k it loads 8 values of op(A) and 8 of op(B) and does 64 FMAs, so
 * loads per FMA drop from 2 (one output per invocation) to 1/4. Workgroups are 8×8 invocations
 * (a 64×64 block of C), grid (⌈N/64⌉, ⌈M/64⌉, batch).
 * Edges: rows and columns past M or N read the last valid row or column instead (clamped offsets,
 * computed once before the k loop, so the loop has no bounds checks) and are not stored. Any
 * M, N, K ≥ 1 works; K = 0 stores zeros.
 *
 * Why this shape (measured on Mesa lavapipe, the software adapter we run on; see BENCHMARKS.md):
 * - No workgroup memory: llvmpipe runs a workgroup's invocations as coroutines and every barrier is
 *   a switch between them; a 64×64×(8…64) shared-memory tiling ran at a third of this kernel's speed.
 * - 8×8 beat 4×4, 4×8 and 8×4 blocks (about 1.6× over 4×4 at 1024); 16×8 and 8×16 spill and fall
 *   back. Unrolling k by 2 or 4 was slower (more live registers).
 * - vec4 loads of B (N % 4 = 0) or of A along k (K % 4 = 0) were not faster than scalar loads:
 *   llvmpipe vectorises across invocations, so each invocation's vec4 load is four gathers anyway.
 *   Scalar loads keep one kernel for every alignment and layout.
 * On a real GPU a shared-memory tiled kernel would win; this one is what the software rasterisers
 * (lavapipe, SwiftShader) run fastest.
 */
import type { KernelSpec } from './spec.js';

/** Rows and columns of C per invocation. */
export const MATMUL_BLOCK = 8;
/** Invocations per workgroup along x (columns) and y (rows). */
export const MATMUL_WORKGROUP = 8;
/** Rows (and columns) of C per workgroup. */
export const MATMUL_WORKGROUP_SPAN = MATMUL_BLOCK * MATMUL_WORKGROUP;

const B = MATMUL_BLOCK;
const idx = Array.from({ length: B }, (_, i) => i);
const vecs = Array.from({ length: B / 4 }, (_, j) => j);
const lines = (xs: number[], f: (i: number) => string, sep = '\n  ') => xs.map(f).join(sep);

const code = /* wgsl */ `
struct Params {
  M: u32, N: u32, K: u32, strideC: u32,
  strideA: u32, strideB: u32, aRow: u32, aK: u32,
  bCol: u32, bK: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

@compute @workgroup_size(${MATMUL_WORKGROUP}, ${MATMUL_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row = gid.y * ${B}u;
  let col = gid.x * ${B}u;
  if (row >= p.M || col >= p.N) { return; }
  // Offsets of this block's rows of op(A) and columns of op(B), clamped to the last valid one.
  ${lines(idx, (i) => `var ao${i} = gid.z * p.strideA + min(row + ${i}u, p.M - 1u) * p.aRow;`)}
  ${lines(idx, (j) => `var bo${j} = gid.z * p.strideB + min(col + ${j}u, p.N - 1u) * p.bCol;`)}
  // acc{i}_{j} holds C[row + i, col + 4j .. col + 4j + 3].
  ${lines(idx, (i) => lines(vecs, (j) => `var acc${i}_${j} = vec4<f32>();`, ' '))}
  for (var k = 0u; k < p.K; k++) {
    ${lines(vecs, (j) => `let b${j} = vec4<f32>(${[0, 1, 2, 3].map((q) => `b[bo${4 * j + q}]`).join(', ')});`, '\n    ')}
    ${lines(idx, (i) => `let a${i} = vec4<f32>(a[ao${i}]); ${lines(vecs, (j) => `acc${i}_${j} = fma(a${i}, b${j}, acc${i}_${j});`, ' ')}`, '\n    ')}
    ${lines(idx, (i) => `ao${i} += p.aK;`, ' ')}
    ${lines(idx, (j) => `bo${j} += p.bK;`, ' ')}
  }
  let co = gid.z * p.strideC + row * p.N + col;
  let cols = min(p.N - col, ${B}u);
  ${lines(idx, (i) => `if (row + ${i}u < p.M) { ${lines(idx, (j) => `if (${j}u < cols) { c[co + ${i}u * p.N + ${j}u] = acc${i}_${j >> 2}[${j & 3}]; }`, ' ')} }`)}
}
`;

/** The one matmul program (see the header for the params layout). */
export const matmulKernel: KernelSpec = {
  name: 'matmul[8x8]',
  code,
  bindings: ['uniform', 'read', 'read', 'readwrite'],
};

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

/** The params uniform for matmulKernel. */
export function matmulParams(s: MatmulShape): Uint32Array {
  const { M, N, K } = s;
  return new Uint32Array([
    M, N, K, M * N,
    s.broadcastA ? 0 : M * K, s.broadcastB ? 0 : K * N,
    s.transposeA ? 1 : K, s.transposeA ? M : 1,
    s.transposeB ? K : 1, s.transposeB ? 1 : N,
  ]);
}

/** Workgroup grid for an M×N output over `batch` matrices. */
export function matmulGrid(M: number, N: number, batch: number): [number, number, number] {
  return [Math.ceil(N / MATMUL_WORKGROUP_SPAN), Math.ceil(M / MATMUL_WORKGROUP_SPAN), batch];
}
