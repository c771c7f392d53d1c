/**
 * One-sided Jacobi SVD on the GPU against the float64 one-sided reference.
 *
 * Tolerances: one-sided Jacobi is backward stable (‖E‖ ≲ p(k)·ε₃₂·‖A‖ per sweep, Demmel & Veselić
 * 1992), it stops when every pair's cosine is ≤ 4·√L·ε₃₂ ≈ 1e-5 at L = 129, so reconstruction and
 * orthogonality errors sit near 1e-6–1e-5 and singular values within ‖E‖ of the exact ones (Weyl);
 * 1e-4 leaves margin, while a wrong rotation or gather is off by O(1).
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { jacobiSvdReference } from '../../kernels/jacobi.reference.js';
import { useDevice } from '../helpers/device.js';
import { randomArray, toF32 } from '../helpers/numeric.js';
import { frobenius, orthogonalityError, randomOrthogonal } from './linalg-fixtures.js';

const { linalg } = wc;
const TOL = 1e-4;

async function checkSvd(a: Float32Array, m: number, n: number, what: string, orthCols = Math.min(m, n)): Promise<void> {
  const k = Math.min(m, n);
  const r = await linalg.svd(wc.tensor(a, [m, n]));
  expect([r.u.shape, r.s.shape, r.v.shape], what).toEqual([[m, k], [k], [n, k]]);
  const u = await r.u.toArray(), s = await r.s.toArray(), v = await r.v.toArray();
  let err = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let t = 0;
      for (let l = 0; l < k; l++) t += u[i * k + l]! * s[l]! * v[j * k + l]!;
      err += (t - a[i * n + j]!) ** 2;
    }
  }
  const norm = frobenius(a);
  expect(Math.sqrt(err) / norm, `${what}: ‖A − USVᵀ‖/‖A‖`).toBeLessThanOrEqual(TOL);
  expect(orthogonalityError(u, m, k, orthCols), `${what}: UᵀU`).toBeLessThanOrEqual(TOL);
  expect(orthogonalityError(v, n, k, orthCols), `${what}: VᵀV`).toBeLessThanOrEqual(TOL);
  const ref = jacobiSvdReference(a, m, n);
  for (let l = 0; l < k; l++) {
    expect(Math.abs(s[l]! - ref.s[l]!), `${what}: σ_${l}`).toBeLessThanOrEqual(TOL * norm);
    if (l > 0) expect(s[l]!, `${what}: descending`).toBeLessThanOrEqual(s[l - 1]!);
  }
}

/** U·diag(σ)·Vᵀ [m, n] for random orthogonal U, V (float64, rounded to float32). */
function withSingularValues(m: number, n: number, sigma: readonly number[], seed: number): Float32Array {
  const U = randomOrthogonal(m, seed), V = randomOrthogonal(n, seed + 1);
  const a = new Float32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let t = 0;
    sigma.forEach((s, l) => { t += U[i * m + l]! * s * V[j * n + l]!; });
    a[i * n + j] = t;
  }
  return a;
}

describe('linalg.svd (one-sided Jacobi)', () => {
  useDevice();

  it('the float64 reference reconstructs to rounding level', () => {
    const a = randomArray(17 * 5, 1);
    const r = jacobiSvdReference(a, 17, 5);
    let err = 0;
    for (let i = 0; i < 17; i++) for (let j = 0; j < 5; j++) {
      let t = 0;
      for (let l = 0; l < 5; l++) t += r.u[i * 5 + l]! * r.s[l]! * r.v[j * 5 + l]!;
      err = Math.max(err, Math.abs(t - a[i * 5 + j]!));
    }
    expect(err).toBeLessThan(1e-13);
    expect(orthogonalityError(r.u, 17, 5)).toBeLessThan(1e-13);
  });

  it('random matrices, tall, wide and square, odd sizes', async () => {
    for (const [m, n] of [[1, 1], [3, 1], [1, 3], [17, 5], [5, 17], [64, 64], [129, 33], [33, 129]] as const) {
      await checkSvd(toF32(randomArray(m * n, m * 7 + n)), m, n, `${m}×${n}`);
    }
  });

  it('ill-conditioned (cond 1e4) and rank-deficient matrices', async () => {
    await checkSvd(withSingularValues(40, 17, Array.from({ length: 17 }, (_, i) => 10 ** (-4 * i / 16)), 3), 40, 17, 'cond 1e4');
    // Rank 3: the vectors of zero singular values are undefined (returned as 0), so orthogonality
    // is checked on the first 3 columns; reconstruction and σ on all.
    await checkSvd(withSingularValues(17, 9, [3, 2, 1], 5), 17, 9, 'rank 3', 3);
  });

  it('warns when the sweep cap is reached and rejects bad input', async () => {
    const warnings: string[] = [];
    const r = await linalg.svd(wc.tensor(toF32(randomArray(17 * 9, 2)), [17, 9]), { maxSweeps: 1, onWarning: (w) => warnings.push(w) });
    expect(r.sweeps).toBe(1);
    expect(warnings[0]).toContain('svd: not converged after 1 sweeps');
    await expect(linalg.svd(wc.zeros([0, 3]))).rejects.toThrow('svd: a must not be empty, got shape [0, 3]');
    await expect(linalg.svd(wc.tensor([1, NaN, 3], [1, 3]))).rejects.toThrow('svd: a holds NaN or Inf (first in row 0)');
    await expect(linalg.svd(wc.zeros([2, 2, 2]))).rejects.toThrow('svd: a must be a 2-D matrix, got shape [2, 2, 2]');
  });
});
