/**
 * Projection calculators on real MNIST inputs (3×3 patches, d = 9, so the float64 reference is cheap).
 * Projectors are checked by their defining properties (symmetric, idempotent, the right rank, the
 * right subspace) against a float64 eigen-decomposition of the same covariance, not element by element.
 * Tolerances: the GPU eigenvectors are accurate to ~1e-5 (eigh's tests), so P to ~1e-4.
 * Synthetic inputs (rows √λᵢ·qᵢᵀ for a random orthogonal Q) give covariances with a chosen spectrum,
 * so each rule's cut lies far from its threshold and every mode is checked against a float64 projector.
 *
 * Mutations this file catches (apply by hand to the source, run this file, expect a failure, revert):
 * - cl/gradproj/calculators/null-space.ts computeProjection(): the full-decomposition mask
 *   `(j >= k ? 1 : 0)` → `(j < lambda.length - k ? 1 : 0)` (the leading eigenvectors left free instead of
 *   the trailing ones; same rank, still a projector) → 'NullSpace with a > 1 frees ...' and
 *   'NullSpace falls back to the full decomposition when the kept vectors fill all but one direction'.
 * - cl/gradproj/calculators/covariance-calculator.ts covariance(): reset the accumulator after reading
 *   it (`const v = this.acc.value(); this.acc.reset(); return v;`), so a second task forgets the first
 *   → 'after a second task NullSpace / LowPlasticity project against the combined covariance'.
 * - cl/gradproj/calculators/gpm.ts computeProjection(): `this.newVectors(lambda, total, M === null)` →
 *   `..., true)` (the first-task rule on every task) → "GPM adds per task the vectors its rule ..." and
 *   'GPM on MNIST patches, four tasks: ...'.
 * - the same with `..., false)` (the later-task rule on the first task) → the same two tests.
 * All of these passed the earlier version of this file.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { GPM, LowPlasticity, NullSpace, ZeroPlasticity } from '../../cl/gradproj/calculators/index.js';
import { jacobiEighReference } from '../../kernels/jacobi.reference.js';
import { randomOrthogonal } from '../kernels/linalg-fixtures.js';
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

/** Rows √λᵢ·qᵢᵀ (i < d) for Q [d, d] orthogonal: XᵀX = Q·diag(λ)·Qᵀ, as float32. */
function spectrumRows(lambda: readonly number[], Q: Float64Array): Float32Array {
  const x = new Float32Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) x[i * d + j] = Math.sqrt(lambda[i]!) * Q[j * d + i]!;
  return x;
}

/** Share of Σλ held by the leading k eigenvalues (descending). */
function energyPrefix(values: ArrayLike<number>, k: number): number {
  let all = 0, head = 0;
  for (let i = 0; i < values.length; i++) { all += values[i]!; if (i < k) head += values[i]!; }
  return head / all;
}

/**
 * Registers one task's rows with a GPM and checks what computeProjection() adds against float64: the
 * residual Ĉ = (I − MMᵀ)·XᵀX·(I − MMᵀ) for the basis M it held before, its spectrum λ̂ (Jacobi), and GPM's
 * rule written out here: first task, r = #{i : Σ_{j≤i} λ̂ⱼ < ε·total}; later tasks, start from the energy
 * M already explains, (total − Σλ̂)/total, and add λ̂ᵢ/total until ε is reached; r capped at d − k.
 * The new basis must span M plus the top r residual eigenvectors. Returns r.
 */
async function expectGpmTask(calc: GPM, x: Float32Array, rowsIn: number, eps: number, first: boolean): Promise<number> {
  const M = calc.basis ? Float64Array.from(await calc.basis.toArray()) : new Float64Array(0);
  const k = M.length / d;
  const C = hostCovariance(x, rowsIn);
  const Qc = new Float64Array(d * d); // I − MMᵀ
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = i === j ? 1 : 0;
    for (let c = 0; c < k; c++) s -= M[i * k + c]! * M[j * k + c]!;
    Qc[i * d + j] = s;
  }
  const residual = matmulHost(matmulHost(Qc, C, d), Qc, d);
  const ref = jacobiEighReference(residual, d);
  let total = 0, left = 0;
  for (let i = 0; i < d; i++) total += C[i * d + i]!;
  const lam = Array.from(ref.values, (v) => Math.max(v, 0) / total);
  for (const v of lam) left += v;
  // The rule, with every partial sum it compares required to lie clear of ε (else float32 could flip it).
  let ratio = first ? 0 : 1 - left, r = 0;
  for (;;) {
    const next = first ? ratio + (lam[r] ?? 0) : ratio;
    expect(Math.abs(next - eps), `task rule: partial sum ${next} too close to ε = ${eps}`).toBeGreaterThan(1e-4);
    if (r >= d || !(next < eps)) break;
    ratio += lam[r]!;
    r++;
  }
  r = Math.min(r, d - k);
  calc.registerInput(wc.tensor(x, [rowsIn, d]));
  (await calc.computeProjection()).dispose();
  const kNew = calc.basis?.shape[1] ?? 0;
  expect(kNew - k, `task ${calc.task}: vectors added`).toBe(r);
  if (kNew > 0) {
    const Mn = await calc.basis!.toArray();
    const want = new Float64Array(d * d); // MMᵀ + V_r·V_rᵀ
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += M[i * k + c]! * M[j * k + c]!;
      for (let c = 0; c < r; c++) s += ref.vectors[i * d + c]! * ref.vectors[j * d + c]!;
      want[i * d + j] = s;
    }
    const got = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) { let s = 0; for (let c = 0; c < kNew; c++) s += Mn[i * kNew + c]! * Mn[j * kNew + c]!; got[i * d + j] = s; }
    expect(diffNorm(got, want), `task ${calc.task}: span of the basis`).toBeLessThan(1e-3);
  }
  return r;
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
    const got = (await P.toArray()) as Float32Array;
    expectProjector(got, free);
    expect(diffNorm(got, spanProjector(ref.vectors, d - free, d))).toBeLessThan(1e-3); // the trailing ones
    expect(calc.complementBasis()).toBeNull(); // a full decomposition: P is kept whole
    P.dispose(); calc.dispose();
  });

  it('NullSpace falls back to the full decomposition when the kept vectors fill all but one direction', async () => {
    // A flat spectrum with one small eigenvalue: the leading 7 explain 0.908 < 0.95 of the energy, so
    // 8 = d − 1 are kept and only the trailing eigenvector stays free.
    const lambda = [1.6, 1.5, 1.4, 1.3, 1.2, 1.1, 1.0, 0.9, 0.02];
    const rows = spectrumRows(lambda, randomOrthogonal(d, 41));
    const calc = new NullSpace({ R: 0.05 });
    calc.registerInput(wc.tensor(rows, [d, d]));
    const ref = jacobiEighReference(hostCovariance(rows, d), d);
    expect(energyPrefix(ref.values, d - 2)).toBeLessThan(0.95 - 0.01);
    const P = await calc.computeProjection();
    const got = (await P.toArray()) as Float32Array;
    expectProjector(got, 1);
    expect(diffNorm(got, spanProjector(ref.vectors, d - 1, d))).toBeLessThan(1e-3);
    expect(calc.complementBasis()).toBeNull(); // the fallback's P is kept whole
    P.dispose(); calc.dispose();
  });

  it('after a second task NullSpace / LowPlasticity project against the combined covariance (float64 reference)', async () => {
    // Task 1 spans q₁..q₃, task 2 spans q₄..q₆ (plus, for NullSpace, a little energy everywhere, so λ_min > 0).
    const Q = randomOrthogonal(d, 43);
    const small = (i: number) => 0.01 * (1 + i / 10);
    const task1 = [4, 3, 2, 0, 0, 0, 0, 0, 0];
    const task2 = [0, 0, 0, 3.5, 2.5, 1.5, 0, 0, 0];
    const noisy = (l: number[]) => l.map((v, i) => v + small(i));
    const cases: [string, () => NullSpace | LowPlasticity, (l: number[]) => number[], number][] = [
      // combined energy: the leading 5 explain 0.90, the leading 6 0.99 → 3 free (task 2 alone: 6 free)
      ['NullSpace default', () => new NullSpace({ R: 0.05 }), noisy, 3],
      // combined λ_min ≈ 0.032, 10·λ_min ≈ 0.32 < 1.5 → 3 free (task 2 alone: λ_min 0.01 → 6 free)
      ['NullSpace a = 10', () => new NullSpace({ a: 10 }), noisy, 3],
      // exact null space of both tasks' inputs: q₇..q₉ (task 2 alone: 6 directions)
      ['LowPlasticity', () => new LowPlasticity(), (l) => l, 3],
    ];
    for (const [name, make, shape, free] of cases) {
      const [x1, x2] = [spectrumRows(shape(task1), Q), spectrumRows(shape(task2), Q)];
      const calc = make();
      calc.registerInput(wc.tensor(x1, [d, d]));
      (await calc.computeProjection()).dispose();
      calc.registerInput(wc.tensor(x2, [d, d]));
      const P = await calc.computeProjection();
      const both = new Float32Array(2 * d * d);
      both.set(x1); both.set(x2, d * d);
      const ref = jacobiEighReference(hostCovariance(both, 2 * d), d);
      const got = (await P.toArray()) as Float32Array;
      expectProjector(got, free);
      expect(diffNorm(got, spanProjector(ref.vectors, d - free, d)), name).toBeLessThan(1e-3);
      P.dispose(); calc.dispose();
    }
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

  it("GPM adds per task the vectors its rule takes from the float64 residual spectrum", async () => {
    // Spectra in one orthonormal basis q₁..q₉ (each sums to 10), ε = 0.9:
    //   task 1: first-task rule, cumulative 0.5, 0.8, 0.95 → 2 vectors (q₁, q₂);
    //   task 2: q₁, q₂ hold 0.5; residual 2.5, 1.2, 0.8, … → 0.75, 0.87, 0.95 → 3 more (q₃..q₅);
    //   task 3: q₁..q₅ hold 0.5; residual 2.6, 1.6, … → 0.76, 0.92 → 2 more (q₆, q₇).
    // (The first-task rule on task 2 would take all 7 remaining; the later rule on task 1 would take 3.)
    const Q = randomOrthogonal(d, 47);
    const tasks = [
      [5, 3, 1.5, 0.3, 0.1, 0.05, 0.03, 0.01, 0.01],
      [3, 2, 2.5, 1.2, 0.8, 0.3, 0.1, 0.05, 0.05],
      [1, 1, 1, 1, 1, 2.6, 1.6, 0.5, 0.3],
    ];
    const calc = new GPM({ R: 0.1 });
    const added: number[] = [];
    for (const [t, lambda] of tasks.entries()) {
      const rows = spectrumRows(lambda, Q);
      added.push(await expectGpmTask(calc, rows, d, 0.9, t === 0));
    }
    expect(added).toEqual([2, 3, 2]);
    calc.dispose();
  });

  it('GPM on MNIST patches, four tasks: each task adds what the rule takes from the float64 residual spectrum', async () => {
    const calc = new GPM({ R: 0.05 });
    const perTask = Math.floor(m / 4);
    for (let t = 0; t < 4; t++) {
      await expectGpmTask(calc, rows.subarray(t * perTask * d, (t + 1) * perTask * d), perTask, 0.95, t === 0);
    }
    calc.dispose();
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
    expect(() => new NullSpace({ R: 1.5 })).toThrow(/R must be a number in \(0, 1\), got 1.5/);
    expect(() => new GPM({ maxSamples: 0 })).toThrow(/GPM: maxSamples must be a number > 0, got 0/);
  });
});
