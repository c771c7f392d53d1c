/**
 * The parallel two-sided Jacobi method of `eigh` (method 'jacobi'), round-robin ordering
 * (kernels/jacobi-eigh.wgsl.ts says how a round is split into dispatches).
 *
 * A sweep is N−1 rounds of N/2 disjoint rotations, two dispatches each (rotations, then A ← JᵀAJ);
 * the eigenvector matrix is not touched per round: the sweep's rotations are kept in a table and
 * applied to W = Vᵀ by one streaming dispatch per sweep. After each sweep one dispatch computes the
 * off-diagonal norm and one small readback decides whether to stop: off(A) ≤ tol·‖A‖_F, or
 * maxSweeps (then a warning, and the result still carries its offNorm).
 *
 * Measured design notes (lavapipe, 2 cores shared with other jobs at load average 10–14):
 *  - A first version rotated A and V in one pass per round with 2×2 blocks per invocation: ≈ 4 ms
 *    per round at n = 784 (3.5–5 s per sweep), of which the V half was 1–1.7 ms (a full pass over V
 *    every round). Deferring V to one pass per sweep, with pair indices stored in the rotation table
 *    and four columns per invocation (vec4), cut that pass to ≈ 0.2 s per sweep at n = 512 (from
 *    1.25 s with per-rotation index arithmetic and one column per invocation).
 *  - The A rounds remain: ≈ 6n³ flops and n−1 round trips per sweep, 9–10 sweeps to off ≤ 1e-6:
 *    n = 256 3.1 s, 512 11.9 s, 784 29–31 s (residual 1.8e-5; max|VᵀV − I| = 2e-5 after the final
 *    normalisation, so no re-orthogonalisation). That is why `eigh` uses the tridiagonal method
 *    unless told otherwise (eigh.ts).
 */
import {
  JACOBI_TILE, JACOBI_WORKGROUP, ROT_BYTES, jacobiApplyKernel, jacobiLoadKernel, jacobiRotationsKernel,
  jacobiVectorsKernel,
} from '../../kernels/jacobi-eigh.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import type { Device } from '../device.js';
import type { EigenRows } from './eigen-rows.js';
import { matrixStats } from './matrix-stats.js';

export interface JacobiOptions {
  /** Stop when the off-diagonal norm is at most tol·‖A‖_F. */
  tol: number;
  maxSweeps: number;
  onWarning: (message: string) => void;
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
    device.dispatch(jacobiVectorsKernel(), new Uint32Array([S / 4, (r1 - r0) * m]), [rot, w], grid1d(S / 4, JACOBI_WORKGROUP));
  }
}

/** The symmetric matrix in `a` [n, n] (‖a‖_F = norm) by Jacobi sweeps. */
export async function eighJacobi(device: Device, a: GPUBuffer, n: number, norm: number, opts: JacobiOptions): Promise<EigenRows> {
  const N = n + (n % 2);
  const S = Math.ceil(N / 4) * 4;
  const tableRounds = roundsPerTable(device, N);
  const work = device.allocate(N * N * 4);
  const w = device.allocate(N * S * 4);
  const rot = device.allocate(tableRounds * (N / 2) * ROT_BYTES);
  try {
    device.dispatch(jacobiLoadKernel(), new Uint32Array([n, N, S]), [a, work, w], grid1d(N * S, JACOBI_WORKGROUP));
    const relative = (off: number) => (norm > 0 ? off / norm : 0);
    let stats = await matrixStats(device, work, N, N);
    let sweeps = 0;
    while (relative(stats.offNorm) > opts.tol && sweeps < opts.maxSweeps) {
      sweep(device, N, S, work, w, rot, tableRounds);
      sweeps++;
      stats = await matrixStats(device, work, N, N);
    }
    const offNorm = relative(stats.offNorm);
    if (offNorm > opts.tol) {
      opts.onWarning(`eigh: not converged after ${sweeps} sweeps: off-diagonal norm ${offNorm.toExponential(2)}·‖a‖_F > tol ${opts.tol}; results are approximate (raise maxSweeps)`);
    }
    device.release(work);
    device.release(rot);
    return { method: 'jacobi', values: stats.diagonal, buffer: w, rows: N, stride: S, sweeps, offNorm, release: () => device.release(w) };
  } catch (e) {
    device.release(work);
    device.release(w);
    device.release(rot);
    throw e;
  }
}
