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
 * Why this design (measured on lavapipe, 2 shared cores, n = 784; see bench/eigh.ts for the table):
 * a round that rotated A and V in one pass with 2×2 blocks per invocation cost ≈ 4 ms (3.5–5 s per
 * sweep, ~40 s in all); A's half (2 ms) is scattered 2×2 blocks, V's half (1–1.7 ms) a full pass over
 * V per round. Deferring V to one pass per sweep removes that half: a column of W stays in cache
 * while its invocation streams through the sweep's n²/2 rotations (see the benchmark for the result).
 * Jacobi's work is ≈ 6n³ flops per sweep and 8–10 sweeps; for the leading eigenvectors of a large
 * covariance, `eighTop` (subspace iteration + this solver on a small matrix) is much cheaper.
 */
import {
  JACOBI_TILE, JACOBI_WORKGROUP, ROT_BYTES, jacobiApplyKernel, jacobiLoadKernel, jacobiRotationsKernel,
  jacobiVectorsKernel,
} from '../../kernels/jacobi-eigh.wgsl.js';
import { descendingOrder } from '../../kernels/jacobi.reference.js';
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
