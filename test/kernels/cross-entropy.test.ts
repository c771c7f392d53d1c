/**
 * Fused cross-entropy (forward and backward kernels) and oneHot against float64 references, against
 * the composition −mean(Σ oneHot ⊙ logSoftmax), and by finite differences.
 *
 * Error bounds, logits in [−4, 4] (|x − m| ≤ 8), C classes:
 *  - row loss (m − x_y) + log s: exp to 19·ε₃₂ relative (WGSL: 3 + 2|x| ULP), so s to (19 + C)·ε₃₂
 *    relative, which log turns into the same absolute error; log itself is within 2⁻²¹ absolute near
 *    1 and 3 ULP elsewhere (≤ 3·ε₃₂·log C); two roundings of ≤ ε₃₂·|loss| each.
 *  - mean/sum of N rows: the row bounds, plus the float32 summation (N − 1)·ε₃₂·Σ|row| and the 1/N scaling.
 *  - gradient g·(p − onehot): p = exp(x − m)/s to (40 + C)·ε₃₂ relative; then three roundings.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { crossEntropyBackwardReference, crossEntropyReference } from '../../kernels/cross-entropy.reference.js';
import { CROSS_ENTROPY_REDUCED_ROWS } from '../../kernels/cross-entropy.wgsl.js';
import { oneHotReference } from '../../kernels/one-hot.reference.js';
import { Generator } from '../../index.js';
import { useDevice } from '../helpers/device.js';
import { expectWithin } from '../helpers/error-bounds.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { EPS32, expectClose, randomArray, toF32 } from '../helpers/numeric.js';

interface Case { N: number; C: number; logits: Float32Array; labels: Int32Array; mask?: Float32Array }

function makeCase(N: number, C: number, seed: number, masked: boolean): Case {
  const g = new Generator(seed);
  const mask = masked ? Float32Array.from({ length: C }, (_, c) => (c === 0 || g.uniform() < 0.6 ? 1 : 0)) : undefined;
  const active = Array.from({ length: C }, (_, c) => c).filter((c) => !mask || mask[c]);
  const labels = Int32Array.from({ length: N }, () => active[g.int(active.length)]!);
  return { N, C, logits: toF32(randomArray(N * C, seed + 1, -4, 4)), labels, mask };
}

const rowAtol = (C: number) => 2 ** -21 + (20 + C) * EPS32 + 3 * EPS32 * Math.log(C);
const reductions = ['none', 'sum', 'mean'] as const;

function tensors(c: Case, requiresGrad = false) {
  return {
    logits: wc.tensor(c.logits, [c.N, c.C], { requiresGrad }),
    labels: wc.tensor(c.labels, [c.N], { dtype: 'int32' }),
    classMask: c.mask && wc.tensor(c.mask, [c.C]),
  };
}

describe('crossEntropy', () => {
  useDevice();
  const shapes: [number, number][] = [[1, 1], [3, 17], [17, 3], [129, 10], [1100, 3]]; // the last sums its rows outside the kernel

  it('forward matches the reference for each reduction, with and without a class mask', async () => {
    for (const [N, C] of shapes) {
      for (const masked of [false, true]) {
        const c = makeCase(N, C, N * 100 + C, masked);
        const rows = crossEntropyReference(c.logits, c.labels, N, C, c.mask);
        const sumAbs = rows.reduce((s, v) => s + Math.abs(v), 0);
        const t = tensors(c);
        for (const reduction of reductions) {
          const loss = wc.crossEntropy(t.logits, t.labels, { reduction, classMask: t.classMask });
          const what = `${reduction} N=${N} C=${C}${masked ? ' masked' : ''}`;
          if (reduction === 'none') {
            expect(loss.shape).toEqual([N]);
            expectClose(await loss.toArray(), rows, { atol: rowAtol(C), rtol: 2 * EPS32 }, what);
            continue;
          }
          expect(loss.shape).toEqual([]);
          const scale = reduction === 'mean' ? 1 / N : 1;
          const want = scale * rows.reduce((s, v) => s + v, 0);
          const tol = scale * (N * rowAtol(C) + (N + 2) * EPS32 * sumAbs);
          expect(Math.abs((await loss.item()) - want), what).toBeLessThanOrEqual(tol);
        }
      }
    }
  });

  it('backward matches the reference for each reduction, with and without a class mask', async () => {
    for (const [N, C] of shapes) {
      for (const masked of [false, true]) {
        const c = makeCase(N, C, N * 100 + C + 7, masked);
        for (const reduction of reductions) {
          const t = tensors(c, true);
          const loss = wc.crossEntropy(t.logits, t.labels, { reduction, classMask: t.classMask });
          const gHost = reduction === 'none' ? toF32(randomArray(N, 5)) : Float32Array.of(0.75);
          wc.tidy(() => loss.backward(wc.tensor(gHost, loss.shape)));
          const gRows = Float64Array.from({ length: N }, (_, n) => (reduction === 'none' ? gHost[n]! : gHost[0]! / (reduction === 'mean' ? N : 1)));
          const want = crossEntropyBackwardReference(c.logits, c.labels, gRows, N, C, c.mask);
          const got = await t.logits.grad!.toArray();
          const bound = want.map((w, e) => {
            const gn = Math.abs(gRows[Math.floor(e / C)]!);
            const p = Math.abs(w / (gRows[Math.floor(e / C)]! || 1)); // |p − onehot|
            return gn * ((40 + C) * EPS32 * (p + 1) + 3 * EPS32 * p);
          });
          expectWithin(got, want, bound, `${reduction} N=${N} C=${C}${masked ? ' masked' : ''}: dlogits`);
          if (c.mask) {
            for (let e = 0; e < want.length; e++) if (!c.mask[e % C]) expect(got[e], 'masked classes get exactly 0').toBe(0);
          }
          t.logits.dispose();
        }
      }
    }
  });

  it('backward() from a mean or sum loss takes the gradient its forward wrote (no dispatch), same values', async () => {
    for (const [N, C] of shapes) {
      for (const masked of [false, true]) {
        const c = makeCase(N, C, N * 100 + C + 9, masked);
        for (const reduction of ['mean', 'sum'] as const) {
          const t = tensors(c, true);
          const loss = wc.crossEntropy(t.logits, t.labels, { reduction, classMask: t.classMask });
          const before = { ...wc.getDevice().stats() };
          wc.tidy(() => loss.backward());
          const after = wc.getDevice().stats();
          // Batches the kernel reduces itself write dx in the forward; larger ones run the backward kernel.
          expect(after.dispatches - before.dispatches, 'dispatches in backward').toBe(N <= CROSS_ENTROPY_REDUCED_ROWS ? 0 : 1);
          const gRows = new Float64Array(N).fill(reduction === 'mean' ? 1 / N : 1);
          const want = crossEntropyBackwardReference(c.logits, c.labels, gRows, N, C, c.mask);
          const got = await t.logits.grad!.toArray();
          const bound = want.map((w, e) => gRows[0]! * ((40 + C) * EPS32 * (Math.abs(w / gRows[0]!) + 1) + 3 * EPS32 * Math.abs(w / gRows[0]!)));
          expectWithin(got, want, bound, `${reduction} N=${N} C=${C}${masked ? ' masked' : ''}: dlogits for g = 1`);
          t.logits.dispose();
        }
      }
    }
  });

  it('agrees with −mean(Σ oneHot ⊙ logSoftmax) in value and gradient', async () => {
    const c = makeCase(17, 5, 11, false);
    const results = [];
    for (const fused of [true, false]) {
      const t = tensors(c, true);
      const loss = fused
        ? wc.crossEntropy(t.logits, t.labels)
        : wc.neg(wc.mean(wc.sum(wc.mul(wc.oneHot(t.labels, 5), wc.logSoftmax(t.logits)), -1)));
      loss.backward();
      results.push({ loss: await loss.item(), grad: await t.logits.grad!.toArray() });
      t.logits.dispose();
    }
    expect(Math.abs(results[0]!.loss - results[1]!.loss)).toBeLessThanOrEqual(2 * (17 * rowAtol(5) + 19 * EPS32 * 17 * 10));
    expectClose(results[0]!.grad, results[1]!.grad, { atol: 1e-7 }, 'gradients');
  });

  it('labels outside [0, C) or of a masked class give NaN rows (loss and gradient), never out-of-bounds reads', async () => {
    const logits = wc.tensor(toF32(randomArray(4 * 3, 1)), [4, 3], { requiresGrad: true });
    const labels = wc.tensor([0, -1, 3, 2], [4], { dtype: 'int32' });
    const mask = wc.tensor([1, 1, 0], [3]);
    const rows = await wc.crossEntropy(logits, labels, { reduction: 'none' }).toArray();
    expect(Number.isFinite(rows[0]) && Number.isFinite(rows[3])).toBe(true);
    expect([rows[1], rows[2]]).toEqual([NaN, NaN]);
    const masked = await wc.crossEntropy(logits, labels, { reduction: 'none', classMask: mask }).toArray();
    expect([masked[1], masked[2], masked[3]], 'label 2 is masked out').toEqual([NaN, NaN, NaN]);
    expect(await wc.crossEntropy(logits, labels).item()).toBeNaN();
    wc.tidy(() => wc.crossEntropy(logits, labels, { reduction: 'none' }).backward(wc.ones([4])));
    const grad = await logits.grad!.toArray();
    expect(Array.from(grad.slice(3, 9))).toEqual(new Array(6).fill(NaN));
    expect(grad.slice(0, 3).every(Number.isFinite)).toBe(true);
  });

  // A NaN logit makes its row's loss and gradient NaN (PyTorch), hence a mean or sum NaN, wherever it
  // sits in the row; other rows keep their values (row max selected on the bits, not WGSL's max).
  it('a NaN logit first, middle or last in a row makes that row NaN (loss, gradient, mean), as the reference', async () => {
    const [N, C] = [8, 17];
    const c = makeCase(N, C, 31, false);
    const nanRow = (n: number) => n % 4 !== 3;
    for (let n = 0; n < N; n++) if (nanRow(n)) c.logits[n * C + [0, C >> 1, C - 1][n % 4]!] = NaN;
    const rows = crossEntropyReference(c.logits, c.labels, N, C);
    const dxRef = crossEntropyBackwardReference(c.logits, c.labels, new Float64Array(N).fill(1), N, C);
    const t = tensors(c, true);
    const got = await wc.crossEntropy(t.logits, t.labels, { reduction: 'none' }).toArray();
    for (let n = 0; n < N; n++) {
      expect(Number.isNaN(rows[n]!), `reference row ${n}`).toBe(nanRow(n));
      expect(Number.isNaN(got[n]!), `row ${n}`).toBe(nanRow(n));
    }
    expectClose(got, rows, { atol: rowAtol(C), rtol: 2 * EPS32 }, 'rows');
    for (const reduction of ['mean', 'sum'] as const) {
      const loss = wc.crossEntropy(t.logits, t.labels, { reduction });
      expect(await loss.item(), reduction).toBeNaN();
      t.logits.grad?.dispose();
      t.logits.grad = null;
      wc.tidy(() => loss.backward());
      const dx = await t.logits.grad!.toArray();
      for (let i = 0; i < N * C; i++) {
        expect(Number.isNaN(dx[i]!), `${reduction} gradient ${i}`).toBe(Number.isNaN(dxRef[i]!));
        expect(Number.isNaN(dx[i]!), `${reduction} gradient ${i}`).toBe(nanRow(Math.floor(i / C)));
      }
    }
  });

  it('gradients by finite differences', async () => {
    for (const masked of [false, true]) {
      const c = makeCase(3, 5, 21, masked);
      for (const reduction of reductions) {
        const labels = wc.tensor(c.labels, [3], { dtype: 'int32' });
        const classMask = c.mask && wc.tensor(c.mask, [5]);
        await checkGrad((l) => wc.crossEntropy(l, labels, { reduction, classMask }), [{ data: c.logits, shape: [3, 5] }]);
      }
    }
  });

  it('rejects bad arguments with messages that say what is wrong', () => {
    const logits = wc.zeros([4, 3]);
    const labels = wc.zeros([4], { dtype: 'int32' });
    expect(() => wc.crossEntropy(wc.zeros([12]), labels)).toThrow('crossEntropy: logits must be 2-D [N, C], got [12]');
    expect(() => wc.crossEntropy(logits, wc.zeros([4]))).toThrow('crossEntropy: labels must be int32 class indices, got float32');
    expect(() => wc.crossEntropy(logits, wc.zeros([3], { dtype: 'int32' }))).toThrow('crossEntropy: labels must be [N] = [4] (one class per row of logits [4, 3]), got [3]');
    expect(() => wc.crossEntropy(logits, labels, { reduction: 'avg' as 'mean' })).toThrow(`crossEntropy: reduction must be 'mean', 'sum' or 'none', got "avg"`);
    expect(() => wc.crossEntropy(logits, labels, { classMask: wc.ones([4]) })).toThrow('crossEntropy: classMask must be [C] = [3], got [4]');
    expect(() => wc.crossEntropy(logits, labels, { classMask: wc.ones([3], { dtype: 'int32' }) })).toThrow('crossEntropy: classMask must be float32, got int32');
    expect(() => wc.crossEntropy(wc.zeros([4, 3], { dtype: 'int32' }), labels)).toThrow('crossEntropy: logits must be float32, got int32');
    expect(() => wc.crossEntropy(logits, [0, 1, 2, 0] as unknown as wc.Tensor)).toThrow('crossEntropy: labels must be a Tensor, got an array');
    expect(() => wc.crossEntropy(wc.zeros([0, 3]), wc.zeros([0], { dtype: 'int32' }))).toThrow('crossEntropy: logits must have at least one row and one class, got [0, 3]');
  });
});

describe('oneHot', () => {
  useDevice();
  it('matches the reference; labels outside [0, C) give zero rows', async () => {
    const labels = [2, 0, -1, 4, 1, 7, 3];
    const y = wc.oneHot(wc.tensor(labels, [7], { dtype: 'int32' }), 5);
    expect(y.shape).toEqual([7, 5]);
    expect(Array.from(await y.toArray())).toEqual(Array.from(oneHotReference(labels, 5)));
    const grid = wc.oneHot(wc.tensor([1, 0, 2, 2], [2, 2], { dtype: 'int32' }), 3);
    expect(grid.shape).toEqual([2, 2, 3]);
    expect(Array.from(await grid.toArray())).toEqual(Array.from(oneHotReference([1, 0, 2, 2], 3)));
  });
  it('rejects bad arguments', () => {
    expect(() => wc.oneHot(wc.zeros([3]), 2)).toThrow('oneHot: labels must be int32 class indices, got float32');
    expect(() => wc.oneHot(wc.zeros([3], { dtype: 'int32' }), 0)).toThrow('oneHot: number of classes must be a positive integer, got 0');
  });
});
