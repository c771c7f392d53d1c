/**
 * svd(a [m, n]) → { u [m, k], s [k] descending, v [n, k] } with k = min(m, n) and a ≈ u·diag(s)·vᵀ,
 * by one-sided (Hestenes) Jacobi on the k vectors of the shorter side (kernels/jacobi-svd.wgsl.ts).
 *
 * Why not eigh of the Gram matrix AᵀA: squaring loses the small singular values (an absolute error
 * of ε·σ₁² in σ² is an error of ε·σ₁²/σ in σ, so with σ₁/σ = 1e4 nothing of σ survives in float32),
 * and u = Av/σ loses orthogonality the same way. One-sided Jacobi works on A itself: each rotation
 * orthogonalises two columns exactly as their 2×2 Gram says, the columns' norms are the σ, and the
 * sweeps stop when every pair's cosine is at most tol (default 4·√L·ε₃₂, about the rounding level of
 * an L-term dot product; L = max(m, n)). Columns of u (or v, when m < n) for σ = 0 are 0: a zero
 * singular value has no defined vector.
 *
 * Scale: each working row is scaled by a power of two (exact) that puts its largest entry in
 * [1, 2), and the rotations are computed for the unscaled rows from the scaled ones
 * (kernels/jacobi-svd.wgsl.ts, "Range"); σ_i = ‖ĝ_i‖·2^(E_i) is formed in float64. So no float32
 * square overflows or underflows at any scale of A (unscaled, |a| ≈ 1e19 gave s = 0 and u = v = 0,
 * |a| ≈ 1e-22 a σ 6.5 % off), and σ₁/σ₂ = 1e30 still gives orthonormal u and v. (Entries below
 * 2⁻¹²⁶, subnormals, may read as 0 on GPUs that flush them.)
 */
import { SVD_WORKGROUP, svdLoadKernel, svdNormsKernel, svdRoundKernel, svdRowScaleKernel } from '../../kernels/jacobi-svd.wgsl.js';
import { descendingOrder } from '../../kernels/jacobi-gather.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { gatherColumns } from './gather.js';
import { checkFinite, checkMatrix, matrixStats } from './matrix-stats.js';

export interface SvdOptions {
  /** Stop when every pair's |cos| ≤ tol (default 4·√max(m, n)·2⁻²³). */
  tol?: number;
  /** Sweep cap (default 30); reaching it warns. */
  maxSweeps?: number;
  onWarning?: (message: string) => void;
}

export interface SvdResult {
  u: Tensor;
  s: Tensor;
  v: Tensor;
  sweeps: number;
  /** Largest pair cosine in the last sweep. */
  offNorm: number;
}

export async function svd(a: Tensor, opts: SvdOptions = {}): Promise<SvdResult> {
  checkMatrix('svd', 'a', a);
  const [m, n] = a.shape as [number, number];
  const device = a.device;
  const k = Math.min(m, n), L = Math.max(m, n);
  const K = k + (k % 2);
  const tol = opts.tol ?? 4 * Math.sqrt(L) * 2 ** -23;
  const maxSweeps = opts.maxSweeps ?? 30;
  if (!(tol > 0)) throw new RangeError(`svd: tol must be positive, got ${tol}`);
  if (!Number.isInteger(maxSweeps) || maxSweeps < 0) throw new RangeError(`svd: maxSweeps must be a non-negative integer, got ${maxSweeps}`);
  checkFinite('svd', 'a', await matrixStats(device, a.buffer, m, n));

  const g = device.allocate(K * L * 4);
  const w = device.allocate(K * K * 4);
  const conv = device.allocate(Math.max(1, K / 2) * 4);
  const expo = device.allocate(K * 4);
  const norms = device.allocate(2 * K * 4);
  try {
    const transpose = m >= n ? 1 : 0;
    device.dispatch(svdLoadKernel(), new Uint32Array([m, n, K, L, transpose]), [a.buffer, g, w], grid1d(K * Math.max(L, K), SVD_WORKGROUP));
    device.dispatch(svdRowScaleKernel(), new Uint32Array([K, L]), [g, expo], [K, 1, 1]);
    let sweeps = 0;
    let worst = K > 1 ? Infinity : 0;
    while (worst > tol && sweeps < maxSweeps) {
      for (let r = 0; r < K - 1; r++) device.dispatch(svdRoundKernel(), new Uint32Array([K, L, r]), [g, w, conv, expo], [K / 2, 1, 1]);
      sweeps++;
      worst = Math.max(...new Float32Array(await device.read(conv, (K / 2) * 4)));
    }
    if (worst > tol) {
      (opts.onWarning ?? console.warn)(`svd: not converged after ${sweeps} sweeps: largest column cosine ${worst.toExponential(2)} > tol ${tol.toExponential(2)}; results are approximate (raise maxSweeps)`);
    }
    // σ_i = ‖ĝ_i‖·2^(E_i) (in float64: it may exceed float32's range only where the true σ does);
    // the norms kernel also normalises the rows for the gather.
    device.dispatch(svdNormsKernel(), new Uint32Array([K, L]), [g, expo, norms], [K, 1, 1]);
    const scaled = new Float32Array(await device.read(norms, 2 * K * 4));
    const sigma = Float64Array.from({ length: k }, (_, i) => scaled[i]! * 2 ** scaled[K + i]!);
    const order = descendingOrder(sigma);
    const s = tensor(Float32Array.from(order, (i) => sigma[i]!), [k], { device });
    const fromG = gatherColumns(device, g, K, L, order, L);
    const fromW = gatherColumns(device, w, K, K, order, k);
    return transpose ? { u: fromG, s, v: fromW, sweeps, offNorm: worst } : { u: fromW, s, v: fromG, sweeps, offNorm: worst };
  } finally {
    device.release(g);
    device.release(w);
    device.release(conv);
    device.release(expo);
    device.release(norms);
  }
}
