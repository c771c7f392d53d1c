/**
 * eigh(a): eigenvalues (descending) and eigenvectors (columns) of a symmetric matrix, by one of two
 * methods (option `method`; the result says which ran):
 *  - 'tridiagonal' (the default, 'auto', at every size): Householder tridiagonalisation on the GPU,
 *    implicit QL on the host in float64 (O(n²)), QL rotations and the back-transformation on the GPU
 *    (eigh-tridiagonal.ts), which hands back the eigenvectors as sorted, normalised columns;
 *  - 'jacobi': parallel two-sided Jacobi sweeps on the GPU (eigh-jacobi.ts); options tol and
 *    maxSweeps apply to it only. It hands back eigenvectors as rows of a working matrix, which are
 *    sorted by eigenvalue, normalised and transposed into columns by one gather (gather.ts).
 * eighLeading returns only the leading pairs a count picks from the eigenvalues; the tridiagonal
 * method then forms only those eigenvectors (eighTop and eighEnergy use it).
 *
 * Why tridiagonal by default (lavapipe, 2 cores shared with other jobs; bench/eigh.ts prints the
 * table; MNIST covariances; medians of 5 runs back to back, load average 4–6):
 *  - Flops: Jacobi costs ≈ 6n³ per sweep (A rounds) + 1.5n³ (vectors), 9–10 sweeps to off ≤ 1e-6:
 *    ≈ 70n³, in 2(n−1) dispatches and one readback per sweep. Tridiagonal: (4/3)n³ reduction,
 *    ≈ 4.8n³ QL rotations (≈ 0.8n² rotations on n columns), 2n³ back-transformation: ≈ 8n³, in
 *    n + 3n/64 + 4 dispatches, two readbacks, and no convergence loop on the GPU.
 *  - Block Jacobi (2b×2b subproblems in workgroup memory, block rotations as small matmuls) was not
 *    built: it cuts dispatches to n/b − 1 rounds per sweep but not flops (≈ 8n³ per sweep, about as
 *    many sweeps), so it would still do several times the tridiagonal route's work, before paying
 *    for barriers (coroutine switches on llvmpipe).
 *  - Measured, ms (tridiagonal / Jacobi / ml-matrix's float64 tred2 + tql2 on the host; the
 *    tridiagonal numbers are from before its reduction and rotations got faster, eigh-tridiagonal.ts):
 *      n = 128: 19 / 175 / 24;  256: 131 / 937 / 173;  512: 376 / 7,184 / 1,347;
 *      784: 903 / 18,853 / 2,367 (load average 4–6);
 *    a second run at load average 6–8: 26 / 193 / 56; 104 / 1,489 / 355; 639 / 14,465 / 1,783;
 *    1,963 / 37,372 / 3,606.
 *    Residuals ‖AV − VΛ‖/‖A‖ 0.8–2.6e-6 and max|VᵀV − I| 1–3e-6 (tridiagonal) against 3e-6–2e-5
 *    (Jacobi). Small n (medians of 7): n ≤ 3 both ≈ 0.5–1.2 ms; n = 8: 1.5–2.0 / 2.6 ms;
 *    17: 1.8–2.8 / 6–7 ms; 33: 4 / 14 ms; 64: 8–12 / 35–43 ms. The tridiagonal method is never
 *    slower, so 'auto' always picks it; Jacobi stays for callers who force it.
 */
import { descendingOrder } from '../../kernels/jacobi-gather.wgsl.js';
import { tensor } from '../ops/creation.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { eighJacobi } from './eigh-jacobi.js';
import { eighTridiagonal } from './eigh-tridiagonal.js';
import { gatherColumns } from './gather.js';
import { checkFinite, checkMatrix, matrixStats } from './matrix-stats.js';

export type EighMethod = 'auto' | 'tridiagonal' | 'jacobi';
const METHODS: readonly EighMethod[] = ['auto', 'tridiagonal', 'jacobi'];

export interface EighOptions {
  /** 'auto' (default) is 'tridiagonal' (header). */
  method?: EighMethod;
  /** Jacobi: stop when the off-diagonal norm is at most tol·‖A‖_F (default 1e-6). */
  tol?: number;
  /** Jacobi: sweep cap (default 30); reaching it warns and returns the current offNorm. */
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
  /** The method that ran. */
  method: 'tridiagonal' | 'jacobi';
  /** Jacobi sweeps run (0 for the tridiagonal method). */
  sweeps: number;
  /**
   * Off-diagonal norm relative to ‖A‖_F that the method left: Jacobi's final off(A); for the
   * tridiagonal method the off-diagonal entries the QL iteration set to zero.
   */
  offNorm: number;
}

export async function eigh(a: Tensor, opts: EighOptions = {}): Promise<EighResult> {
  return eighLeading(a, opts, (values) => values.length);
}

/**
 * eigh's pairs for the leading eigenvalues only: `count` receives all n eigenvalues, descending, and
 * returns k in [1, n]; values [k] and vectors [n, k] come back (the tridiagonal method forms only
 * those k vectors, eigh-tridiagonal.ts).
 */
export async function eighLeading(a: Tensor, opts: EighOptions, count: (descending: Float64Array) => number): Promise<EighResult> {
  checkMatrix('eigh', 'a', a);
  const [n, cols] = a.shape as [number, number];
  if (n !== cols) throw new RangeError(`eigh: a must be square [n, n], got ${formatShape(a.shape)}`);
  const method = opts.method ?? 'auto';
  if (!METHODS.includes(method)) throw new RangeError(`eigh: method must be one of ${METHODS.map((m) => `'${m}'`).join(', ')}, got '${String(method)}'`);
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
  const keep = (descending: Float64Array) => {
    const k = count(descending);
    if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`eigh: the number of eigenpairs to keep must be an integer in [1, ${n}], got ${k}`);
    return k;
  };

  if (method !== 'jacobi') {
    const r = await eighTridiagonal(device, a.buffer, n, keep);
    const values = tensor(Float32Array.from(r.values), [r.values.length], { device });
    return { values, vectors: r.vectors, method: 'tridiagonal', sweeps: 0, offNorm: input.norm > 0 ? r.neglected / input.norm : 0 };
  }
  const rows = await eighJacobi(device, a.buffer, n, input.norm, { tol, maxSweeps, onWarning: opts.onWarning ?? console.warn });
  try {
    const order = descendingOrder(Array.from({ length: n }, (_, i) => rows.values[i]!));
    const k = keep(Float64Array.from(order, (i) => rows.values[i]!));
    const values = tensor(Float32Array.from(order.slice(0, k), (i) => rows.values[i]!), [k], { device });
    const vectors = gatherColumns(device, rows.buffer, rows.rows, rows.stride, order.slice(0, k), n);
    return { values, vectors, method: rows.method, sweeps: rows.sweeps, offNorm: rows.offNorm };
  } finally {
    rows.release();
  }
}
