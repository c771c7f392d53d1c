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
import { EPS32, randomArray, toF32 } from '../helpers/numeric.js';
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

  // Scale invariance: svd keeps each working row scaled by a power of two (its largest entry in
  // [1, 2)) and forms σ = ‖ĝ‖·2ᴱ in float64, so every float32 Gram entry stays in range. Unscaled, σ²
  // overflowed above |a| ≈ 1e19 (s = 0, u = v = 0, offNorm NaN) and squares underflowed below ≈ 1e-19
  // (σ₂ 6.5 % off at 1e-22, u = 0 at 1e-25). The error analysis above is relative to ‖A‖, so the same
  // TOL holds at every scale; checkSvd measures the residual, U, V and σ against float64 (whose range
  // covers these scales).
  it('scales from 1e-30 to 1e30 (square, tall, wide) against the float64 reference', async () => {
    const bases: [Float64Array, number, number, string][] = [
      [Float64Array.from([1, 2, 3, 4]), 2, 2, '[[1, 2], [3, 4]]'],
      [randomArray(17 * 5, 11), 17, 5, 'random 17×5'],
      [randomArray(5 * 17, 12), 5, 17, 'random 5×17'],
    ];
    for (const scale of [1e-30, 1e-25, 1e-22, 1e-19, 1e-10, 1, 1e10, 5e18, 1e20, 1e25, 1e30]) {
      for (const [base, m, n, name] of bases) {
        const a = toF32(base.map((v) => v * scale));
        await checkSvd(a, m, n, `${name}·${scale}`);
        // σ relative to the reference: Weyl bounds |δσ_l| by ‖E‖ ≤ TOL·‖A‖, i.e. relative TOL·‖A‖/σ_l.
        const s = await (await linalg.svd(wc.tensor(a, [m, n]))).s.toArray();
        const ref = jacobiSvdReference(a, m, n).s;
        for (let l = 0; l < s.length; l++) {
          expect(Math.abs(s[l]! - ref[l]!) / ref[l]!, `${name}·${scale}: σ_${l} relative error`).toBeLessThanOrEqual(TOL * frobenius(a) / ref[l]!);
        }
      }
    }
  });

  // The scaling is by powers of two, exact in float32 while entries stay normal, so A·2ᵏ gives
  // bit-for-bit the U and V of A and σ·2ᵏ.
  it('A·2ᵏ gives the same U and V and σ·2ᵏ, bit for bit (k = −100 … 100)', async () => {
    const a = toF32(randomArray(9 * 4, 13));
    const base = await linalg.svd(wc.tensor(a, [9, 4]));
    const [u0, s0, v0] = [await base.u.toArray(), await base.s.toArray(), await base.v.toArray()];
    for (const k of [-100, -70, -20, 20, 70, 100]) {
      const r = await linalg.svd(wc.tensor(a.map((v) => v * 2 ** k), [9, 4]));
      expect(Array.from(await r.s.toArray()), `s, k = ${k}`).toEqual(Array.from(s0, (v) => v * 2 ** k));
      expect(Array.from(await r.u.toArray()), `u, k = ${k}`).toEqual(Array.from(u0));
      expect(Array.from(await r.v.toArray()), `v, k = ${k}`).toEqual(Array.from(v0));
    }
  });

  // Singular values 1e20 to 1e30 apart. In float32 the small one lies below the rounding of the large
  // one (σ₂/σ₁ ≤ 1e-20 ≪ ε₃₂ = 1.2e-7): a backward-stable method only promises |δσ_l| ≤ c·ε₃₂·‖A‖, which
  // says nothing about σ₂. What is achievable and checked: σ₁ to a few ulp (σ₁ is the norm of a row
  // scaled so that its squares neither overflow nor underflow, 4·ε₃₂ for the sum, the square root
  // and the unscaling), the residual ‖A − USVᵀ‖ ≤ TOL·‖A‖, U and V with every column of unit norm and
  // orthogonal to the others (a column is a normalised working row, whatever its size; rotations
  // keep them orthogonal), and offNorm at the convergence level.
  // In the second to fourth the small column is not orthogonal to the large one (cosine 1/√2): its
  // Gram entries (1e-40 subnormal, 1e-60 below even subnormals) underflow float32 unless each row is
  // scaled by its own power of two; without that the pair is never rotated and U is not orthogonal.
  it('σ₁/σ₂ = 1e20 to 1e30: σ₁, residual, and orthonormal, nonzero columns of U and V', async () => {
    const cases: [number[], number, number, string][] = [
      [[1e20, 0, 0, 1], 2, 2, '[[1e20, 0], [0, 1]]'],
      [[1, 1e-20, 0, 1e-20], 2, 2, '[[1, 1e-20], [0, 1e-20]]'],
      [[1, 1e-30, 0, 1e-30], 2, 2, '[[1, 1e-30], [0, 1e-30]]'],
      [[1e15, 1e-15, 0, 1e-15], 2, 2, '[[1e15, 1e-15], [0, 1e-15]]'],
      [[1e20, 0, 0, 0, 1, 0], 2, 3, '[[1e20, 0, 0], [0, 1, 0]] (wide)'],
      [[1e20, 0, 0, 1, 0, 0], 3, 2, '[[1e20, 0], [0, 1], [0, 0]] (tall)'],
    ];
    for (const [data, m, n, what] of cases) {
      const a = toF32(data);
      const k = Math.min(m, n);
      const r = await linalg.svd(wc.tensor(a, [m, n]));
      const u = await r.u.toArray(), s = await r.s.toArray(), v = await r.v.toArray();
      const ref = jacobiSvdReference(a, m, n);
      expect(Math.abs(s[0]! - ref.s[0]!) / ref.s[0]!, `${what}: σ₁`).toBeLessThanOrEqual(4 * EPS32);
      expect(s.every((x) => x > 0), `${what}: σ > 0`).toBe(true);
      expect(orthogonalityError(u, m, k), `${what}: UᵀU = I`).toBeLessThanOrEqual(TOL);
      expect(orthogonalityError(v, n, k), `${what}: VᵀV = I`).toBeLessThanOrEqual(TOL);
      let err = 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let t = 0;
        for (let l = 0; l < k; l++) t += u[i * k + l]! * s[l]! * v[j * k + l]!;
        err += (t - a[i * n + j]!) ** 2;
      }
      expect(Math.sqrt(err) / frobenius(a), `${what}: ‖A − USVᵀ‖/‖A‖`).toBeLessThanOrEqual(TOL);
      expect(r.offNorm, `${what}: offNorm`).toBeLessThanOrEqual(4 * Math.sqrt(Math.max(m, n)) * EPS32);
    }
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
