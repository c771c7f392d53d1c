/**
 * Symmetric eigendecomposition by Householder tridiagonalisation on the GPU, the implicit QL
 * iteration on the host, and the eigenvector work back on the GPU, for the eigenpairs a caller picks
 * from the eigenvalues (all of them for `eigh`, the leading ones for `eighEnergy`): only the k
 * picked eigenvectors are formed.
 *   1. T = QᵀAQ: n + 1 dispatches (kernels/tridiagonalize.wgsl.ts), ≈ (4/3)n³ flops;
 *   2. T = ZΛZᵀ: QL in float64 on the host, O(n²) (tridiagonal-ql.ts), which records its rotations
 *      G_1 … G_R (Z = G_1···G_R); the caller picks k eigenvalues, K their indices;
 *   3. Z_K = G_1···G_R·E_K (E_K: columns K of I): the rotations applied to the rows of the n×k matrix
 *      E_K, last one first (kernels/rotation-sweeps.wgsl.ts), 6k flops per rotation, ≈ 0.8n² rotations
 *      (fewer where T splits): ≈ 4.8n²k flops;
 *   4. V_K = Q·Z_K: blocked reflectors as matmuls (reflector-blocks.ts), ≈ 2n²k flops;
 *   5. columns normalised (kernels/eigenvector-columns.wgsl.ts).
 * Rows reversed: the rotation kernel walks every chain from its bottom row up, (m−1, m) down to
 * (l, l+1), which is QL's recording order; step 3 needs each chain backwards. On reversed rows (row r holds
 * component n−1−r) a backward chain is again a bottom-up chain with the same (c, s): rotation
 * (c, s) on components (i, i+1) applies G as (x, y) ↦ (cx + sy, −sx + cy), and that is the kernel's
 * (x', y') ↦ (cx' − sy', sx' + cy') for x' = y, y' = x, stored in rows n−2−i and n−1−i. So step 3
 * runs the chains in reverse order, each chain's rotations reversed, on row indices reversed. The
 * reversal also puts each reflector's support (components > j) in the top rows, which step 4 uses.
 * Measured (lavapipe/GL, load average 1.4, ms; uncentred covariances of MNIST-derived data, n = 512
 * with k = 271 and the seed experiment's n = 784 with k = 280, 380k rotations in 982 chains):
 * reduction 64–96 / 134–179, QL 3–4 / 6–8, step 3 18–25 / 27–31, step 4 21–30 / 36–46, step 5 ≤ 3.
 * Before (all n vectors as rows, two dispatches per reduction step with four columns per invocation,
 * one chain per pass, full-height reflector blocks of 64): 71–119 / 190–223, 3–20 / 11–33, 59–77 /
 * 131–145, 45–52 / 141–144. The QL deflation threshold 2⁻³⁰ instead of 2⁻⁵² saves 15% of the
 * rotations.
 */
import { COLUMNS_WORKGROUP, eigenvectorColumnsKernel } from '../../kernels/eigenvector-columns.wgsl.js';
import { descendingOrder } from '../../kernels/jacobi-gather.wgsl.js';
import { PAIR_BYTES, SWEEP_WORKGROUP, rotationSweepsKernel, sweepTable } from '../../kernels/rotation-sweeps.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import { STEP_COLUMNS, STEP_WORKGROUP, TRIDIAG_LOAD_WORKGROUP, tridiagLoadKernel, tridiagStepKernel } from '../../kernels/tridiagonalize.wgsl.js';
import type { Device } from '../device.js';
import { tensor } from '../ops/creation.js';
import { emptyTensor, type Tensor } from '../tensor.js';
import { applyReflectorsLeft } from './reflector-blocks.js';
import { tridiagonalQl, type QlResult } from './tridiagonal-ql.js';

/**
 * Reflectors per compact-WY block of the back-transformation. The host's T costs b²L/2 per block
 * (∝ b in all), the dispatches ∝ 1/b. Measured (lavapipe/GL, medians of 5, ms, k = 280 / all n):
 * n = 512: b = 16 19 / 29, 32 18 / 31, 64 27 / 34, 128 46 / 51; n = 784: b = 16 56 / 88,
 * 24 39 / 77, 32 36 / 70, 48 38 / 90, 64 46 / 92, 128 69 / 102.
 */
const REFLECTOR_BLOCK = 32;

export interface Tridiagonal {
  d: Float32Array;
  e: Float32Array;
  /** [n, N]: row k is v_k. */
  y: Float32Array;
  /** Row stride of y: n rounded up to a multiple of STEP_COLUMNS (kernels/tridiagonalize.wgsl.ts). */
  N: number;
}

/** Step 1 (header): T's diagonal and off-diagonal and the reflectors, read back to the host. */
export async function tridiagonalize(device: Device, a: GPUBuffer, n: number): Promise<Tridiagonal> {
  const N = Math.ceil(n / STEP_COLUMNS) * STEP_COLUMNS;
  const work = device.allocate(N * N * 4);
  const y = device.allocate((N + 1) * N * 4);
  const vecs = device.allocate(4 * N * 4);
  const scratch = device.allocate(Math.ceil(N / STEP_COLUMNS / STEP_WORKGROUP) * N * 4);
  try {
    device.dispatch(tridiagLoadKernel(), new Uint32Array([n, N]), [a, work, y, vecs], grid1d(N * N, TRIDIAG_LOAD_WORKGROUP));
    for (let k = 0; k < n; k++) {
      device.dispatch(tridiagStepKernel(), new Uint32Array([N, k]), [work, y, vecs, scratch], grid1d(N / STEP_COLUMNS - Math.floor((k + 1) / STEP_COLUMNS), STEP_WORKGROUP));
    }
    const de = new Float32Array(await device.read(vecs, 2 * N * 4, 2 * N * 4));
    const reflectors = new Float32Array(await device.read(y, n * N * 4, N * 4));
    return { d: de.slice(0, n), e: de.slice(N, N + n - 1), y: reflectors, N };
  } finally {
    device.release(work);
    device.release(y);
    device.release(vecs);
    device.release(scratch);
  }
}

/**
 * Applies chains (first, l, m, 0) of rotations cs (pairs) to the rows of w [rows, S] in order
 * (kernels/rotation-sweeps.wgsl.ts), one dispatch per run of whole groups whose table holds at most
 * maxPairs pairs (default: what one storage binding holds; a larger group goes alone).
 */
function applyChains(device: Device, w: GPUBuffer, S: number, chains: Uint32Array, cs: ArrayLike<number>, maxPairs = Math.floor(device.limits.maxStorageBufferBindingSize / PAIR_BYTES)): void {
  const { groups, pairs } = sweepTable(chains, cs);
  const total = groups.length / 4;
  const startOf = (q: number) => (q < total ? groups[4 * q]! : pairs.length / 2);
  for (let q0 = 0; q0 < total;) {
    let q1 = q0 + 1;
    while (q1 < total && startOf(q1 + 1) - startOf(q0) <= maxPairs) q1++;
    const chunk = groups.slice(4 * q0, 4 * q1);
    for (let q = 0; q < q1 - q0; q++) chunk[4 * q]! -= startOf(q0);
    const groupBuf = device.allocate(chunk.byteLength, true);
    const pairBuf = device.allocate((startOf(q1) - startOf(q0)) * PAIR_BYTES, true);
    device.upload(groupBuf, chunk);
    device.upload(pairBuf, pairs.subarray(2 * startOf(q0), 2 * startOf(q1)));
    device.dispatch(rotationSweepsKernel(), new Uint32Array([S / 4, q1 - q0]), [groupBuf, pairBuf, w], grid1d(S / 4, SWEEP_WORKGROUP));
    device.release(groupBuf);
    device.release(pairBuf);
    q0 = q1;
  }
}

/** W [n, N] = I with the QL rotations applied to its rows in recording order: W = Zᵀ (test/engine/linalg/rotation-sweeps.test.ts drives the chunking through it). */
export function rotatedIdentity(device: Device, n: number, N: number, ql: QlResult, maxPairs?: number): Tensor {
  const eye = new Float32Array(n * N);
  for (let i = 0; i < n; i++) eye[i * N + i] = 1;
  const w = tensor(eye, [n, N], { device });
  applyChains(device, w.buffer, N, ql.chains, ql.cs, maxPairs);
  return w;
}

/**
 * Step 3 (header): J·Z_K as a [rows, S] buffer (S = k rounded up to a multiple of 4, zero past
 * column k and row n), column c for eigenvalue index picked[c].
 */
export function rotatedColumns(device: Device, n: number, rows: number, ql: QlResult, picked: readonly number[]): GPUBuffer {
  const S = Math.ceil(picked.length / 4) * 4;
  const x = new Float32Array(rows * S);
  picked.forEach((i, c) => { x[(n - 1 - i) * S + c] = 1; });
  const w = device.allocate(x.byteLength, true);
  device.upload(w, x);
  // Chains and rotations in reverse order, row indices reversed (header).
  const total = ql.chains.length / 4, R = ql.cs.length / 2;
  const chains = new Uint32Array(4 * total);
  for (let t = 0; t < total; t++) {
    const [first, l, m] = ql.chains.subarray(4 * (total - 1 - t), 4 * (total - t));
    chains.set([R - first! - (m! - l!), n - 1 - m!, n - 1 - l!, 0], 4 * t);
  }
  const cs = new Float64Array(2 * R);
  for (let r = 0; r < R; r++) {
    cs[2 * r] = ql.cs[2 * (R - 1 - r)]!;
    cs[2 * r + 1] = ql.cs[2 * (R - 1 - r) + 1]!;
  }
  applyChains(device, w, S, chains, cs);
  return w;
}

export interface TridiagonalEigen {
  /** The picked eigenvalues, descending. */
  values: Float64Array;
  /** [n, k]: column c is the unit eigenvector of values[c]. */
  vectors: Tensor;
  /** √Σ e_l² over the off-diagonal entries the QL set to zero (tridiagonal-ql.ts). */
  neglected: number;
}

/**
 * Steps 1–5 (header) for the symmetric matrix in `a` [n, n]: `count` receives all n eigenvalues,
 * descending, and says how many leading ones to return with their eigenvectors (1..n).
 */
export async function eighTridiagonal(device: Device, a: GPUBuffer, n: number, count: (descending: Float64Array) => number): Promise<TridiagonalEigen> {
  const t = await tridiagonalize(device, a, n);
  const ql = tridiagonalQl(t.d, t.e);
  const order = descendingOrder(ql.values);
  const values = Float64Array.from(order, (i) => ql.values[i]!);
  const k = count(values);
  const S = Math.ceil(k / 4) * 4;
  const z = rotatedColumns(device, n, t.N, ql, order.slice(0, k));
  const v = applyReflectorsLeft(device, z, t.N, S, t.y, Math.max(0, n - 2), n, t.N, REFLECTOR_BLOCK);
  const vectors = emptyTensor(device, [n, k]);
  device.dispatch(eigenvectorColumnsKernel(), new Uint32Array([n, k, S / 4]), [v, vectors.buffer], grid1d(S / 4, COLUMNS_WORKGROUP));
  device.release(v);
  return { values: values.subarray(0, k), vectors, neglected: ql.neglected };
}
