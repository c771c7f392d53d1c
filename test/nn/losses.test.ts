/**
 * Losses against float64 references, with gradient checks.
 * Tolerances: mse sums n squares (γ_n·Σ terms, all terms ≥ 0, plus the two roundings of d and d²:
 * n·ε₃₂ relative, we allow 4n·ε₃₂). Cross-entropy and distillation go through exp/log, which WGSL
 * computes to a few ULP (plus 2⁻²¹ absolute near 0 for log): we allow 1e-5 relative plus 1e-6 absolute
 * per class term, summed over the N·C terms. mse with reduction 'none' is two roundings per element
 * (a − b, then its square): within 2·ε₃₂ relative of the float64 (a − b)².
 *
 * Mutations this file catches (apply by hand to the source, run this file, expect a failure, revert):
 * - nn/losses/mse.ts: reduction 'none' returns `sub(input, target)` (unsquared) instead of `sq`
 *   → 'mse: mean, sum, none; gradient; shape check' (element-by-element check of 'none').
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { crossEntropyReference } from '../../kernels/cross-entropy.reference.js';
import { useDevice } from '../helpers/device.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { EPS32, expectClose, randomArray, toF32 } from '../helpers/numeric.js';

const { nn } = wc;

/** −(1/N) Σ softmax(t/T)·log softmax(s/T), in float64. */
function distillationReference(s: ArrayLike<number>, t: ArrayLike<number>, N: number, C: number, T: number): number {
  let total = 0;
  for (let n = 0; n < N; n++) {
    const row = (x: ArrayLike<number>) => Array.from({ length: C }, (_, c) => x[n * C + c]! / T);
    const [sr, tr] = [row(s), row(t)];
    const lse = (r: number[]) => { const m = Math.max(...r); return m + Math.log(r.reduce((a, v) => a + Math.exp(v - m), 0)); };
    const [ls, lt] = [lse(sr), lse(tr)];
    for (let c = 0; c < C; c++) total -= Math.exp(tr[c]! - lt) * (sr[c]! - ls);
  }
  return total / N;
}

describe('losses', () => {
  useDevice();

  it('mse: mean, sum, none; gradient; shape check', async () => {
    const [a, b] = [toF32(randomArray(51, 1)), toF32(randomArray(51, 2))];
    const d2 = Array.from(a, (v, i) => (v - b[i]!) ** 2);
    const total = d2.reduce((x, y) => x + y, 0);
    const ta = wc.tensor(a, [3, 17]), tb = wc.tensor(b, [3, 17]);
    expect(Math.abs((await nn.mse(ta, tb).item()) - total / 51)).toBeLessThanOrEqual(4 * 51 * EPS32 * total / 51);
    expect(Math.abs((await nn.mse(ta, tb, { reduction: 'sum' }).item()) - total)).toBeLessThanOrEqual(4 * 51 * EPS32 * total);
    const none = nn.mse(ta, tb, { reduction: 'none' });
    expect(none.shape).toEqual([3, 17]);
    expectClose(await none.toArray(), d2, { rtol: 2 * EPS32 }, "mse 'none'");
    await checkGrad((x, y) => nn.mse(x, y), [{ shape: [3, 5], data: randomArray(15, 3) }, { shape: [3, 5], data: randomArray(15, 4) }]);
    expect(() => nn.mse(ta, wc.zeros([17]))).toThrow('mse: input and target must have the same shape, got [3, 17] and [17]');
  });

  it('crossEntropy wraps the fused op, with an active-class mask', async () => {
    const N = 5, C = 7;
    const x = toF32(randomArray(N * C, 5, -3, 3));
    const labels = [0, 2, 6, 1, 2];
    const mask = [1, 1, 1, 0, 0, 1, 1];
    const logits = wc.tensor(x, [N, C]);
    const y = wc.tensor(labels, [N], { dtype: 'int32' });
    const rows = crossEntropyReference(x, labels, N, C);
    const want = rows.reduce((a, b) => a + b, 0);
    expect(Math.abs((await nn.crossEntropy(logits, y, { reduction: 'sum' }).item()) - want)).toBeLessThanOrEqual(1e-5 * Math.abs(want) + N * C * 1e-6);
    const masked = crossEntropyReference(x, labels, N, C, mask).reduce((a, b) => a + b, 0) / N;
    const got = await nn.crossEntropy(logits, y, { mask: wc.tensor(mask, [C]) }).item();
    expect(Math.abs(got - masked)).toBeLessThanOrEqual(1e-5 * Math.abs(masked) + N * C * 1e-6);
    expect(masked).not.toBeCloseTo(want / N, 2); // the mask changes the loss
  });

  it('distillation matches the reference at several temperatures; teacher gets no gradient', async () => {
    const N = 3, C = 5;
    const s = toF32(randomArray(N * C, 6, -4, 4)), t = toF32(randomArray(N * C, 7, -4, 4));
    for (const T of [1, 2, 4.5]) {
      const want = distillationReference(s, t, N, C, T);
      const got = await nn.distillation(wc.tensor(s, [N, C]), wc.tensor(t, [N, C]), { temperature: T }).item();
      expect(Math.abs(got - want), `T = ${T}`).toBeLessThanOrEqual(1e-5 * Math.abs(want) + N * C * 1e-6);
      // The teacher is detached, so only the student is perturbed.
      const fixed = wc.tensor(t, [N, C]);
      await checkGrad((a) => nn.distillation(a, fixed, { temperature: T }), [{ shape: [N, C], data: s }]);
      fixed.dispose();
    }
    const student = wc.tensor(s, [N, C], { requiresGrad: true });
    const teacher = wc.tensor(t, [N, C], { requiresGrad: true });
    nn.distillation(student, teacher, { temperature: 2 }).backward();
    expect(student.grad).not.toBeNull();
    expect(teacher.grad).toBeNull();
    // Identical logits: the gradient is softmax − softmax = 0.
    const same = wc.tensor(s, [N, C], { requiresGrad: true });
    nn.distillation(same, wc.tensor(s, [N, C])).backward();
    expect(Math.max(...Array.from(await same.grad!.toArray(), Math.abs))).toBeLessThan(1e-6);
    expect(() => nn.distillation(student, teacher, { temperature: 0 })).toThrow('distillation: options.temperature must be a number > 0, got 0');
    expect(() => nn.distillation(student, wc.zeros([N, C + 1]))).toThrow('distillation: student and teacher logits must both be [N, C], got [3, 5] and [3, 6]');
  });
});
