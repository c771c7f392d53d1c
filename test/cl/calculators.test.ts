/**
 * Projection calculators on real MNIST inputs (3×3 patches, d = 9, so the float64 reference is cheap).
 * Projectors are checked by their defining properties (symmetric, idempotent, the right rank, the
 * right subspace) against a float64 eigen-decomposition of the same covariance, not element by element.
 * Tolerances: the GPU eigenvectors are accurate to ~1e-5 (eigh's tests), so P to ~1e-4.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { GPM, LowPlasticity, NullSpace, ZeroPlasticity } from '../../cl/gradproj/calculators/index.js';
import { jacobiEighReference } from '../../kernels/jacobi.reference.js';
import { useDevice } from '../helpers/device.js';
import { mnistSample } from '../helpers/mnist-sample.js';
import { randomArray } from '../helpers/numeric.js';

const d = 9;

/** Frobenius norm of a − b. */
function diffNorm(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

function matmulHost(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let k = 0; k < n; k++) s += a[i * n + k]! * b[k * n + j]!; c[i * n + j] = s; }
  return c;
}

/** Σ = XᵀX/m in float64, and its eigen-decomposition. */
function hostCovariance(rows: Float32Array, m: number): Float64Array {
  const c = new Float64Array(d * d);
  for (let r = 0; r < m; r++) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) c[i * d + j] += rows[r * d + i]! * rows[r * d + j]! / m;
  return c;
}

/** Projector onto the span of columns [from, to) of V (float64). */
function spanProjector(V: Float64Array, from: number, to: number): Float64Array {
  const P = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) { let s = 0; for (let k = from; k < to; k++) s += V[i * d + k]! * V[j * d + k]!; P[i * d + j] = s; }
  return P;
}

function expectProjector(P: Float32Array, rank: number): void {
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(Math.abs(P[i * d + j]! - P[j * d + i]!)).toBeLessThan(1e-6);
  expect(diffNorm(matmulHost(P, P, d), P)).toBeLessThan(1e-4);
  let trace = 0;
  for (let i = 0; i < d; i++) trace += P[i * d + i]!;
  expect(trace).toBeCloseTo(rank, 3);
}

/** U [d, k] has orthonormal columns and P = I − U·Uᵀ (the calculator's complementBasis()). */
async function expectComplementOf(U: wc.Tensor, P: wc.Tensor, k: number): Promise<void> {
  expect(U.shape).toEqual([d, k]);
  const UtU = (await wc.matmul(U, U, { transposeA: true }).toArray()) as Float32Array;
  expect(diffNorm(UtU, Float32Array.from({ length: k * k }, (_, i) => (Math.floor(i / k) === i % k ? 1 : 0)))).toBeLessThan(1e-5);
  const IminusUUt = (await wc.sub(wc.eye(d), wc.matmul(U, U, { transposeB: true })).toArray()) as Float32Array;
  expect(diffNorm(IminusUUt, await P.toArray())).toBeLessThan(1e-5);
  U.dispose();
}

describe('projection calculators on real MNIST patches', () => {
  useDevice();
  let rows: Float32Array;
  let m: number;
  beforeAll(async () => {
    const sample = await mnistSample(3);
    const x = wc.tensor(sample.images, [sample.n, 1, 28, 28]);
    const patches = wc.unfoldRows(x, 3, { stride: 2 });
    rows = (await patches.toArray()) as Float32Array;
    m = patches.shape[0]!;
    x.dispose(); patches.dispose();
  });

  it('NullSpace keeps the leading eigenvectors explaining 1 − R of the energy (float64 reference)', async () => {
    for (const R of [0.05, 0.01, 0.2]) {
      const calc = new NullSpace({ R });
      const half = Math.floor(m / 2);
      calc.registerInput(wc.tensor(rows.subarray(0, half * d), [half, d]));
      calc.registerInput(wc.tensor(rows.subarray(half * d), [m - half, d]));
      const P = await calc.computeProjection();
      const ref = jacobiEighReference(hostCovariance(rows, m), d);
      const k = calc.kept(ref.values);
      // k is the first prefix reaching 1 − R of Σλ, at most d − 1.
      const total = ref.values.reduce((s, v) => s + v, 0);
      const prefix = (j: number) => ref.values.slice(0, j).reduce((s, v) => s + v, 0) / total;
      expect(prefix(k)).toBeGreaterThanOrEqual(1 - R - 1e-12);
      if (k > 1) expect(prefix(k - 1)).toBeLessThan(1 - R);
      const got = (await P.toArray()) as Float32Array;
      expectProjector(got, d - k);
      expect(diffNorm(got, spanProjector(ref.vectors, k, d))).toBeLessThan(1e-3);
      await expectComplementOf(calc.complementBasis()!, P, k);
      P.dispose(); calc.dispose();
    }
  });

  it('NullSpace with a > 1 frees the eigenvectors with λ ≤ a·λ_min', async () => {
    const calc = new NullSpace({ a: 30 });
    calc.registerInput(wc.tensor(rows, [m, d]));
    const ref = jacobiEighReference(hostCovariance(rows, m), d);
    const free = Array.from(ref.values).filter((v) => v <= 30 * ref.values[d - 1]!).length;
    expect(calc.kept(ref.values)).toBe(d - free);
    const P = await calc.computeProjection();
    expectProjector((await P.toArray()) as Float32Array, free);
    expect(calc.complementBasis()).toBeNull(); // a full decomposition: P is kept whole
    P.dispose(); calc.dispose();
  });

  it('LowPlasticity is the exact null space of rank-deficient inputs', async () => {
    // Inputs in a 3-dimensional subspace of R^9: MNIST patches times a random 9×3·3×9 map.
    const B = randomArray(9 * 3, 5);
    const low = new Float32Array(m * d);
    for (let r = 0; r < m; r++) for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) { let t = 0; for (let i = 0; i < d; i++) t += rows[r * d + i]! * B[i * 3 + k]!; s += t * B[j * 3 + k]!; }
      low[r * d + j] = s;
    }
    const calc = new LowPlasticity();
    const X = wc.tensor(low, [m, d]);
    calc.registerInput(X);
    const P = await calc.computeProjection();
    const got = (await P.toArray()) as Float32Array;
    expectProjector(got, d - 3);
    // Old inputs are invisible to projected updates: ‖X·P‖ ≪ ‖X‖.
    const XP = (await wc.matmul(X, P).toArray()) as Float32Array;
    expect(diffNorm(XP, new Float32Array(XP.length)) / diffNorm(low, new Float32Array(low.length))).toBeLessThan(1e-4);
    P.dispose(); calc.dispose();
  });

  it('ZeroPlasticity gives P = 0', async () => {
    const calc = new ZeroPlasticity();
    calc.registerInput(wc.tensor(rows, [m, d]));
    const P = await calc.computeProjection();
    expect(Array.from(await P.toArray()).every((v) => v === 0)).toBe(true);
    expect(P.shape).toEqual([d, d]);
  });

  it('GPM: orthonormal basis, official thresholds, never more than d columns', async () => {
    const calc = new GPM({ R: 0.05 });
    const perTask = Math.floor(m / 4);
    let prevCols = 0;
    for (let t = 0; t < 4; t++) {
      calc.registerInput(wc.tensor(rows.subarray(t * perTask * d, (t + 1) * perTask * d), [perTask, d]));
      const P = await calc.computeProjection();
      const M = calc.basis!;
      const k = M.shape[1]!;
      expect(k).toBeGreaterThanOrEqual(prevCols);
      expect(k).toBeLessThanOrEqual(d);
      prevCols = k;
      await expectComplementOf(calc.complementBasis()!, P, k);
      const MtM = (await wc.matmul(M, M, { transposeA: true }).toArray()) as Float32Array;
      const I = Float32Array.from({ length: k * k }, (_, i) => (Math.floor(i / k) === i % k ? 1 : 0));
      expect(diffNorm(MtM, I)).toBeLessThan(1e-4);
      expectProjector((await P.toArray()) as Float32Array, d - k);
      P.dispose();
    }
    // Tiny R on fresh directions keeps adding until the cap: the basis stops at d columns.
    const greedy = new GPM({ R: 1e-6 });
    for (let t = 0; t < 3; t++) {
      greedy.registerInput(wc.tensor(randomArray(40 * d, 100 + t), [40, d]));
      (await greedy.computeProjection()).dispose();
    }
    expect(greedy.basis!.shape[1]).toBe(d);
  });

  it("GPM's rules: first task counts vectors below ε; later tasks add until ε is reached", () => {
    const calc = new GPM({ R: 0.1 }); // ε = 0.9
    // total 10: residual spectrum 5, 3, 1.5, 0.5 → cumulative 0.5, 0.8, 0.95, 1.0
    expect(calc.newVectors([5, 3, 1.5, 0.5], 10, true)).toBe(2);
    // later task: 6 of 10 already explained, residual 3.5, 0.3, 0.2 → 0.6 → 0.95 after one vector (reaches ε)
    expect(calc.newVectors([3.5, 0.3, 0.2], 10, false)).toBe(1);
    expect(calc.newVectors([2, 1.2, 0.8], 10, false)).toBe(2); // 0.6 → 0.8 → 0.92
    const scheduled = new GPM({ thresholds: [0.5, 0.99] });
    expect(scheduled.newVectors([5, 3, 1.5, 0.5], 10, true)).toBe(0); // 0.5 is not < 0.5
  });

  it('state() and loadState() restore a calculator exactly (checkpoints)', async () => {
    for (const make of [() => new NullSpace({ R: 0.05 }), () => new LowPlasticity(), () => new GPM({ R: 0.05 })]) {
      const calc = make();
      const half = Math.floor(m / 2);
      calc.registerInput(wc.tensor(rows.subarray(0, half * d), [half, d]));
      (await calc.computeProjection()).dispose();
      calc.registerInput(wc.tensor(rows.subarray(half * d), [m - half, d]));
      const restored = make();
      const saved = calc.state();
      restored.loadState({ tensors: saved.tensors, record: JSON.parse(JSON.stringify(saved.record)) });
      const restoredState = restored.state();
      expect(restoredState.record).toEqual(saved.record);
      for (const [name, t] of Object.entries(saved.tensors)) {
        expect(Array.from(await restoredState.tensors[name]!.toArray()), `${calc.kind} ${name}`).toEqual(Array.from(await t.toArray()));
      }
      if (!(calc instanceof GPM)) {
        // Same accumulated covariance → the same projector, bit for bit.
        const [P, Q] = [await calc.computeProjection(), await restored.computeProjection()];
        expect(Array.from(await Q.toArray())).toEqual(Array.from(await P.toArray()));
      }
      calc.dispose(); restored.dispose();
    }
  });

  it('calculators reject wrong input shapes and empty state by name', async () => {
    const calc = new NullSpace();
    await expect(calc.computeProjection()).rejects.toThrow(/NullSpace.computeProjection: no inputs were registered/);
    calc.registerInput(wc.tensor(rows.subarray(0, 2 * d), [2, d]));
    expect(() => calc.registerInput(wc.tensor([1, 2, 3, 4], [2, 2]))).toThrow(/rows have 2 features, this layer's calculator has seen 9/);
    expect(() => new NullSpace({ R: 1.5 })).toThrow(/R must be in \(0, 1\), got 1.5/);
    expect(() => new GPM({ maxSamples: 0 })).toThrow(/maxSamples must be positive/);
  });
});
