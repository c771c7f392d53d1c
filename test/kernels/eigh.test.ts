/**
 * eigh on the GPU by both methods (tridiagonal, the default, and Jacobi), and the subspace
 * eighTop/eighEnergy, checked by residuals, orthogonality and against the float64 cyclic Jacobi
 * reference.
 *
 * Tolerances (the brief's, justified): both methods are backward stable in float32, the computed
 * pairs are exact for A + E with ‖E‖ ≲ p(n)·ε₃₂·‖A‖ and p a low-degree polynomial: from the rotations
 * each entry takes in Jacobi (Demmel & Veselić 1992; stopping at off(A) ≤ 1e-6·‖A‖_F), from the
 * Householder reduction (c·n·ε₃₂, Higham §19.3), the QL rotations and the back-transformation in the
 * tridiagonal method. That gives residuals ≈ 1e-6–1e-5 up to n = 200, and by Weyl's theorem
 * eigenvalues within ‖E‖ of the exact ones. 1e-4 leaves one to two decades of margin; a wrong
 * rotation, reflector, sign or pairing gives O(1).
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { covarianceReference } from '../../kernels/covariance.reference.js';
import { jacobiEighReference, roundRobinPair } from '../../kernels/jacobi.reference.js';
import { eighLeading } from '../../engine/linalg/eigh.js';
import { orthonormalize } from '../../engine/linalg/eigh-top.js';
import { useDevice } from '../helpers/device.js';
import { randomArray, toF32 } from '../helpers/numeric.js';
import { eigResidual, frobenius, mnistPixels, orthogonalityError, withSpectrum } from './linalg-fixtures.js';

const { linalg } = wc;
const TOL = 1e-4;

const METHODS = ['tridiagonal', 'jacobi'] as const;

/** Runs eigh on a with each method and checks residual, orthogonality, order and the reference's eigenvalues. */
async function checkEigh(a: Float32Array, n: number, what: string): Promise<void> {
  const ref = jacobiEighReference(a, n);
  for (const method of METHODS) await checkMethod(a, n, `${what} (${method})`, method, ref.values);
}

async function checkMethod(a: Float32Array, n: number, what: string, method: typeof METHODS[number], refValues: Float64Array): Promise<void> {
  const r = await linalg.eigh(wc.tensor(a, [n, n]), { method });
  expect(r.method, what).toBe(method);
  expect(r.values.shape, what).toEqual([n]);
  expect(r.vectors.shape, what).toEqual([n, n]);
  const values = await r.values.toArray();
  const vectors = await r.vectors.toArray();
  const norm = frobenius(a);
  expect(eigResidual(a, n, values, vectors, n), `${what}: ‖AV − VΛ‖/‖A‖`).toBeLessThanOrEqual(TOL);
  expect(orthogonalityError(vectors, n, n), `${what}: max |VᵀV − I|`).toBeLessThanOrEqual(TOL);
  for (let i = 1; i < n; i++) expect(values[i]!, `${what}: descending`).toBeLessThanOrEqual(values[i - 1]!);
  for (let i = 0; i < n; i++) {
    expect(Math.abs(values[i]! - refValues[i]!), `${what}: eigenvalue ${i}`).toBeLessThanOrEqual(TOL * norm);
  }
  expect(r.offNorm, what).toBeLessThanOrEqual(1e-6);
}

describe('round-robin ordering (reference and kernels share it)', () => {
  it('each round is a perfect matching and a sweep meets every pair once', () => {
    for (const N of [2, 4, 18, 130]) {
      const seen = new Set<number>();
      for (let r = 0; r < N - 1; r++) {
        const players = new Set<number>();
        for (let k = 0; k < N / 2; k++) {
          const [p, q] = roundRobinPair(k, r, N);
          expect(p).toBeLessThan(q);
          players.add(p).add(q);
          seen.add(p * N + q);
        }
        expect(players.size).toBe(N);
      }
      expect(seen.size).toBe((N * (N - 1)) / 2);
    }
  });

  it('the float64 reference diagonalises to rounding level', () => {
    const n = 17;
    const a = withSpectrum(Array.from({ length: n }, (_, i) => i - 5), 3);
    const ref = jacobiEighReference(a, n);
    expect(eigResidual(a, n, ref.values, ref.vectors, n)).toBeLessThan(1e-13);
    expect(orthogonalityError(ref.vectors, n, n)).toBeLessThan(1e-13);
    expectSorted(Array.from(ref.values), Array.from({ length: n }, (_, i) => n - 6 - i));
  });
});

function expectSorted(got: number[], want: number[]): void {
  got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThan(1e-5));
}

describe('linalg.eigh (tridiagonal and Jacobi)', () => {
  useDevice();
  const sizes = [1, 2, 3, 17, 64, 129];

  it('random symmetric positive definite and indefinite matrices', async () => {
    for (const n of sizes) {
      const x = randomArray(n * n, n);
      const spd = toF32(covarianceReference(x, n, n, 1 / n).map((v, i) => v + (i % (n + 1) === 0 ? 0.1 : 0)));
      await checkEigh(spd, n, `SPD n=${n}`);
      const sym = new Float32Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sym[i * n + j] = x[i * n + j]! + x[j * n + i]!;
      await checkEigh(sym, n, `indefinite n=${n}`);
    }
  });

  it('rank-deficient, repeated and ill-conditioned (cond 1e6) spectra', async () => {
    for (const n of [17, 64]) {
      await checkEigh(withSpectrum(Array.from({ length: n }, (_, i) => (i < n / 3 ? 1 + i : 0)), n), n, `rank ${Math.ceil(n / 3)} of ${n}`);
      await checkEigh(withSpectrum(Array.from({ length: n }, (_, i) => (i < n / 2 ? 3 : -1)), n + 1), n, `two repeated eigenvalues n=${n}`);
      await checkEigh(withSpectrum(Array.from({ length: n }, (_, i) => 10 ** (-6 * i / (n - 1))), n + 2), n, `cond 1e6 n=${n}`);
    }
  });

  it('a real covariance: MNIST, central 14×14 pixels of 300 images (n = 196)', async () => {
    const { x, rows, d } = await mnistPixels(300, 7, 1);
    const c = linalg.cov(wc.tensor(x, [rows, d]), { center: true });
    await checkEigh(await c.toArray() as Float32Array, d, 'MNIST covariance');
  });

  it('MNIST covariances with constant border pixels (every other pixel of 300 images, n = 196)', async () => {
    const { x, rows, d } = await mnistPixels(300, 0, 2);
    // Centred: the border pixels are zero rows and columns (exact zero eigenvalues). Uncentred after
    // the seed experiment's normalisation (x − 0.15)/0.3: the constant pixels form a rank-one block.
    const centred = linalg.cov(wc.tensor(x, [rows, d]), { center: true });
    await checkEigh(await centred.toArray() as Float32Array, d, 'MNIST covariance, zero border');
    const seed = linalg.cov(wc.tensor(x.map((p) => (p - 0.15) / 0.3), [rows, d]));
    await checkEigh(await seed.toArray() as Float32Array, d, 'MNIST second moment, normalised');
  });

  for (const method of METHODS) {
    it(`eighLeading forms only the pairs the count keeps, the same as eigh's leading ones (${method})`, async () => {
      const n = 33, k = 7;
      const a = withSpectrum(Array.from({ length: n }, (_, i) => Math.cos(i)), 8);
      const full = await linalg.eigh(wc.tensor(a, [n, n]), { method });
      let seen: Float64Array | null = null;
      const top = await eighLeading(wc.tensor(a, [n, n]), { method }, (values) => { seen = values; return k; });
      const fullValues = await full.values.toArray();
      expect(Array.from(seen!, Math.fround)).toEqual(Array.from(fullValues));
      expect(top.values.shape).toEqual([k]);
      expect(top.vectors.shape).toEqual([n, k]);
      expect(Array.from(await top.values.toArray())).toEqual(Array.from(fullValues.slice(0, k)));
      // Columns never mix (rotations, reflector blocks and normalisation act per column): bit for bit.
      const fullVectors = await full.vectors.toArray();
      const vectors = await top.vectors.toArray();
      for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) expect(vectors[i * k + c], `v[${i}, ${c}]`).toBe(fullVectors[i * n + c]);
      await expect(eighLeading(wc.tensor(a, [n, n]), { method }, () => 0)).rejects.toThrow('eigh: the number of eigenpairs to keep must be an integer in [1, 33], got 0');
    });
  }

  it('defaults to the tridiagonal method', async () => {
    const r = await linalg.eigh(wc.tensor(withSpectrum([3, 2, 1], 1), [3, 3]));
    expect(r.method).toBe('tridiagonal');
    expect(r.sweeps).toBe(0);
  });

  for (const method of METHODS) {
    it(`is deterministic (${method})`, async () => {
      const a = withSpectrum(Array.from({ length: 33 }, (_, i) => Math.sin(i)), 5);
      const r1 = await linalg.eigh(wc.tensor(a, [33, 33]), { method });
      const r2 = await linalg.eigh(wc.tensor(a, [33, 33]), { method });
      expect(Array.from(await r2.vectors.toArray())).toEqual(Array.from(await r1.vectors.toArray()));
      expect(Array.from(await r2.values.toArray())).toEqual(Array.from(await r1.values.toArray()));
    });
  }

  it('Jacobi warns and reports offNorm when the sweep cap is reached', async () => {
    const a = withSpectrum(Array.from({ length: 17 }, (_, i) => i), 6);
    const warnings: string[] = [];
    const r = await linalg.eigh(wc.tensor(a, [17, 17]), { method: 'jacobi', maxSweeps: 1, onWarning: (m) => warnings.push(m) });
    expect(r.sweeps).toBe(1);
    expect(r.offNorm).toBeGreaterThan(1e-6);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('eigh: not converged after 1 sweeps');
  });

  it('rejects bad input with clear messages', async () => {
    await expect(linalg.eigh(wc.zeros([2, 3]))).rejects.toThrow('eigh: a must be square [n, n], got [2, 3]');
    await expect(linalg.eigh(wc.zeros([0, 0]))).rejects.toThrow('eigh: a must not be empty, got shape [0, 0]');
    await expect(linalg.eigh(wc.zeros([4]))).rejects.toThrow('eigh: a must be a 2-D matrix, got shape [4]');
    await expect(linalg.eigh(wc.tensor([1, 2, 0, 1], [2, 2]))).rejects.toThrow('eigh: a must be symmetric: max |a_ij − a_ji| = 2');
    await expect(linalg.eigh(wc.tensor([1, 0, 0, NaN], [2, 2]))).rejects.toThrow('eigh: a holds NaN or Inf (first in row 1)');
    await expect(linalg.eigh(wc.tensor([Infinity, 0, 0, 1], [2, 2]))).rejects.toThrow('eigh: a holds NaN or Inf (first in row 0)');
    await expect(linalg.eigh(wc.eye(2), { method: 'qr' as 'jacobi' })).rejects.toThrow("eigh: method must be one of 'auto', 'tridiagonal', 'jacobi', got 'qr'");
  });
});

describe('linalg.eighTop / eighEnergy (subspace iteration + Rayleigh–Ritz)', () => {
  useDevice();
  const n = 129;
  // A decaying spectrum like a covariance's: λ_i = 0.9^i.
  const lambda = Array.from({ length: n }, (_, i) => 0.9 ** i);
  const a = withSpectrum(lambda, 11);

  it('host QR gives orthonormal columns spanning the input', () => {
    const rows = 40, s = 7;
    const y = randomArray(rows * s, 4);
    const q = orthonormalize(y, rows, s);
    expect(orthogonalityError(q, rows, s)).toBeLessThan(1e-6);
    // Y = Q(QᵀY): the projection keeps Y.
    for (let c = 0; c < s; c++) {
      const coef = Array.from({ length: s }, (_, j) => { let t = 0; for (let i = 0; i < rows; i++) t += q[i * s + j]! * y[i * s + c]!; return t; });
      for (let i = 0; i < rows; i++) {
        let back = 0;
        for (let j = 0; j < s; j++) back += q[i * s + j]! * coef[j]!;
        expect(Math.abs(back - y[i * s + c]!)).toBeLessThan(1e-5);
      }
    }
  });

  // n = 129: the subspace iteration runs while s = k + oversample ≤ n/12 (10.75), so k = 1 and 5
  // with oversample 5; k = 17 (s = 27) takes the tridiagonal route.
  for (const [k, opts, path] of [[1, { oversample: 5 }, 'subspace'], [5, { oversample: 5 }, 'subspace'], [17, {}, 'tridiagonal']] as const) {
    it(`finds the leading ${k} eigenpairs (n = ${n}, ${path})`, async () => {
      const r = await linalg.eighTop(wc.tensor(a, [n, n]), k, opts);
      expect(r.iterations > 0).toBe(path === 'subspace');
      expect(r.vectors.shape).toEqual([n, k]);
      const values = await r.values.toArray();
      const vectors = await r.vectors.toArray();
      expect(r.residual).toBeLessThanOrEqual(1e-5);
      expect(eigResidual(a, n, values, vectors, k) * frobenius(a) / lambda[0]!).toBeLessThanOrEqual(TOL * Math.sqrt(k));
      expect(orthogonalityError(vectors, n, k)).toBeLessThanOrEqual(TOL);
      const ref = jacobiEighReference(a, n);
      for (let i = 0; i < k; i++) expect(Math.abs(values[i]! - ref.values[i]!)).toBeLessThanOrEqual(TOL * frobenius(a));
    });
  }

  it('takes the tridiagonal route when s = k + oversample > n/12', async () => {
    const small = withSpectrum([5, 4, 3, 2, 1, 0.5, 0.25], 2);
    const r = await linalg.eighTop(wc.tensor(small, [7, 7]), 3);
    expect(r.iterations).toBe(0);
    expectSorted(Array.from(await r.values.toArray()), [5, 4, 3]);
    // n = 129: k = 5 with the default oversample (s = 15 > 10.75) does not iterate.
    const full = await linalg.eighTop(wc.tensor(a, [n, n]), 5);
    expect(full.iterations).toBe(0);
    // The residual is measured, as for the subspace path: float32 rounding level, not zero.
    expect(full.residual).toBeGreaterThan(0);
    expect(full.residual).toBeLessThanOrEqual(1e-5);
  });

  // A subspace probe needs s = initialK + oversample ≤ n/40 (3.2 here): initialK 1, oversample 2.
  // 0.05 needs 1 pair, which the probe finds; 0.5 needs 7 and 0.9 needs 22, so the probe falls short
  // and the tridiagonal route gives them; without the options there is no probe.
  for (const [fraction, opts, path] of [
    [0.05, { initialK: 1, oversample: 2 }, 'subspace'],
    [0.5, { initialK: 1, oversample: 2 }, 'probe, then tridiagonal'],
    [0.9, {}, 'tridiagonal'],
  ] as const) {
    it(`eighEnergy keeps the fewest leading pairs that explain ${fraction} of the trace (${path})`, async () => {
      const trace = lambda.reduce((x, y) => x + y, 0);
      let acc = 0, want = 0;
      while (acc < fraction * trace) acc += lambda[want++]!;
      const r = await linalg.eighEnergy(wc.tensor(a, [n, n]), fraction, opts);
      expect(r.iterations > 0).toBe(path === 'subspace');
      expect(r.values.shape).toEqual([want]);
      expect(r.vectors.shape).toEqual([n, want]);
      expect(Math.abs(r.trace - trace)).toBeLessThan(1e-4 * trace);
      expect(r.explained).toBeGreaterThanOrEqual(fraction);
      expect(Math.abs(r.explained - acc / trace)).toBeLessThan(1e-4);
      expect(r.residual).toBeLessThanOrEqual(1e-5);
      const values = await r.values.toArray();
      const vectors = await r.vectors.toArray();
      expect(eigResidual(a, n, values, vectors, want) * frobenius(a) / lambda[0]!).toBeLessThanOrEqual(TOL * Math.sqrt(want));
      expect(orthogonalityError(vectors, n, want)).toBeLessThanOrEqual(TOL);
    });
  }

  it('rejects bad arguments', async () => {
    const t = wc.tensor(a, [n, n]);
    await expect(linalg.eighTop(t, 0)).rejects.toThrow(`eighTop: k must be an integer in [1, ${n}], got 0`);
    await expect(linalg.eighTop(wc.zeros([3, 4]), 1)).rejects.toThrow('eighTop: a must be square [n, n], got [3, 4]');
    await expect(linalg.eighEnergy(t, 1.5)).rejects.toThrow('eighEnergy: fraction must be in (0, 1], got 1.5');
    await expect(linalg.eighEnergy(wc.zeros([3, 3]), 0.5)).rejects.toThrow('eighEnergy: a must be positive semidefinite with a positive trace, got trace 0');
  });
});
