/**
 * eigh(a): eigenvalues (descending) and eigenvectors (columns) of a symmetric matrix by parallel
 * two-sided Jacobi with round-robin ordering (kernels/jacobi-eigh.wgsl.ts says how a round is split
 * into dispatches).
 *
 * A sweep is N−1 rounds of N/2 disjoint rotations, two dispatches each (rotations, then A ← JᵀAJ);
 * the eigenvector matrix is not touched per round: the sweep's rotations are kept in a table and
 * applied to W = Vᵀ by one streaming dispatch per sweep. After each sweep one dispatch computes the
 * off-diagonal norm and one small readback decides whether to stop: off(A) ≤ tol·‖A‖_F, or
 * maxSweeps (then a warning, and the result still carries its offNorm).
 *
 * Why this design (lavapipe, 2 cores shared with other jobs at load average 10–14, so absolute times
 * are inflated several-fold; bench/eigh.ts prints the table):
 *  - A first version rotated A and V in one pass per round with 2×2 blocks per invocation: ≈ 4 ms
 *    per round at n = 784 (3.5–5 s per sweep), of which the V half was 1–1.7 ms (a full pass over V
 *    every round). Deferring V to one pass per sweep, with pair indices stored in the rotation table
 *    and four columns per invocation (vec4), cut that pass to ≈ 0.2 s per sweep at n = 512 (from
 *    1.25 s with per-rotation index arithmetic and one column per invocation).
 *  - The A rounds remain: ≈ 6n³ flops and n−1 round trips per sweep, 9–10 sweeps to off ≤ 1e-6.
 *    Measured on MNIST covariances: n = 256 3.1 s, 512 11.9 s, 784 31 s (10 sweeps, residual
 *    1.8e-5), against 37 s for the float64 TypeScript cyclic Jacobi and 3.3 s for ml-matrix's
 *    tred2 + tql2 (float64 JS) in the same run. The full Jacobi eigh does NOT meet 5 s at 784.
 *    A second run on Dawn's OpenGL ES backend: 784 in 29 s, ml-matrix 5.1 s. Orthogonality after
 *    the final normalisation: max|VᵀV − I| = 2e-5 at 784, 5e-6 at 1024, so no re-orthogonalisation.
 *  - For the leading eigenvectors (what gradient projection keeps), `eighTop` runs this solver only
 *    on a small Rayleigh–Ritz matrix: k = 64 at n = 784 in 0.96–1.4 s, `eighEnergy(a, 0.9)` (k = 82)
 *    in 4.0 s, in the same loaded runs.
 *  - Not done: block Jacobi with 2b×2b subproblems in workgroup memory (≈ 8n³ flops per sweep as
 *    GEMM-like tile updates: fewer passes but not fewer flops) and Householder tridiagonalisation +
 *    tridiagonal QL (≈ 10n³ flops in all, the route ml-matrix takes on the CPU), which is the one that
 *    could bring a full 784 decomposition under 5 s here.
 */
import {
  JACOBI_TILE, JACOBI_WORKGROUP, ROT_BYTES, jacobiApplyKernel, jacobiLoadKernel, jacobiRotationsKernel,
  jacobiVectorsKernel,
} from '../../kernels/jacobi-eigh.wgsl.js';
import { descendingOrder } from '../../kernels/jacobi-gather.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import type { Device } from '../device.js';
import { formatShape } from '../shape.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { gatherColumns } from './gather.js';
import { checkFinite, checkMatrix, matrixStats } from './matrix-stats.js';

export interface EighOptions {
  /** Stop when the off-diagonal norm is at most tol·‖A‖_F (default 1e-6). */
  tol?: number;
  /** Sweep cap (default 30); reaching it warns and returns the current offNorm. */
  maxSweeps?: number;
  /** Inputs with max|a_ij − a_ji| > symmetryTol·‖A‖_F are rejected (default 1e-4). */
  symmetryTol?: number;
  /** Receives the non-convergence warning (default console.warn). */
  onWarning?: (message: string) => void;
}

export interface EighResult {
  /** [n], descending. */
  values: Tensor;
  /** [n, n]; column k is the unit eigenvector of values[k]. */
  vectors: Tensor;
  /** Sweeps run. */
  sweeps: number;
  /** Final off-diagonal norm relative to ‖A‖_F. */
  offNorm: number;
}

/** Rounds whose rotation tables fit one storage binding (each round is N/2 entries). */
function roundsPerTable(device: Device, N: number): number {
  const perRound = (N / 2) * ROT_BYTES;
  return Math.max(1, Math.min(N - 1, Math.floor(device.limits.maxStorageBufferBindingSize / perRound)));
}

/** Runs one sweep (N−1 rounds) on the working copy; W catches up once per rotation table. */
function sweep(device: Device, N: number, S: number, a: GPUBuffer, w: GPUBuffer, rot: GPUBuffer, tableRounds: number): void {
  const m = N / 2;
  const tiles = Math.ceil(m / JACOBI_TILE);
  for (let r0 = 0; r0 < N - 1; r0 += tableRounds) {
    const r1 = Math.min(N - 1, r0 + tableRounds);
    for (let r = r0; r < r1; r++) {
      device.dispatch(jacobiRotationsKernel(), new Uint32Array([N, r, r0]), [a, rot], grid1d(m, JACOBI_WORKGROUP));
      device.dispatch(jacobiApplyKernel(), new Uint32Array([N, r, r0, tiles]), [rot, a], [(tiles * (tiles + 1)) / 2, 1, 1]);
    }
    device.dispatch(jacobiVectorsKernel(), new Uint32Array([N, S / 4, r1 - r0]), [rot, w], grid1d(S / 4, JACOBI_WORKGROUP));
  }
}

export async function eigh(a: Tensor, opts: EighOptions = {}): Promise<EighResult> {
  checkMatrix('eigh', 'a', a);
  const [n, cols] = a.shape as [number, number];
  if (n !== cols) throw new RangeError(`eigh: a must be square [n, n], got ${formatShape(a.shape)}`);
  const tol = opts.tol ?? 1e-6;
  const maxSweeps = opts.maxSweeps ?? 30;
  const symmetryTol = opts.symmetryTol ?? 1e-4;
  if (!(tol > 0)) throw new RangeError(`eigh: tol must be positive, got ${tol}`);
  if (!Number.isInteger(maxSweeps) || maxSweeps < 0) throw new RangeError(`eigh: maxSweeps must be a non-negative integer, got ${maxSweeps}`);
  const device = a.device;

  const input = await matrixStats(device, a.buffer, n, n);
  checkFinite('eigh', 'a', input);
  if (input.asymmetry > symmetryTol * input.norm) {
    throw new RangeError(`eigh: a must be symmetric: max |a_ij − a_ji| = ${input.asymmetry} exceeds ${symmetryTol}·‖a‖_F = ${symmetryTol * input.norm}`);
  }

  const N = n + (n % 2);
  const S = Math.ceil(N / 4) * 4;
  const tableRounds = roundsPerTable(device, N);
  const work = device.allocate(N * N * 4);
  const w = device.allocate(N * S * 4);
  const rot = device.allocate(tableRounds * (N / 2) * ROT_BYTES);
  try {
    device.dispatch(jacobiLoadKernel(), new Uint32Array([n, N, S]), [a.buffer, work, w], grid1d(N * S, JACOBI_WORKGROUP));
    const relative = (off: number) => (input.norm > 0 ? off / input.norm : 0);
    let stats = await matrixStats(device, work, N, N);
    let sweeps = 0;
    while (relative(stats.offNorm) > tol && sweeps < maxSweeps) {
      sweep(device, N, S, work, w, rot, tableRounds);
      sweeps++;
      stats = await matrixStats(device, work, N, N);
    }
    const offNorm = relative(stats.offNorm);
    if (offNorm > tol) {
      (opts.onWarning ?? console.warn)(`eigh: not converged after ${sweeps} sweeps: off-diagonal norm ${offNorm.toExponential(2)}·‖a‖_F > tol ${tol}; results are approximate (raise maxSweeps)`);
    }
    const order = descendingOrder(stats.diagonal.subarray(0, n));
    const values = tensor(Float32Array.from(order, (i) => stats.diagonal[i]!), [n], { device });
    const vectors = gatherColumns(device, w, N, S, order, n);
    return { values, vectors, sweeps, offNorm };
  } finally {
    device.release(work);
    device.release(w);
    device.release(rot);
  }
}
