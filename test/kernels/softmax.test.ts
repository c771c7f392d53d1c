/**
 * softmax / logSoftmax kernels (forward and backward) against float64 references, against the
 * composition of primitive ops, and by finite differences.
 *
 * Error bounds for inputs in [−4, 4] (so |x − m| ≤ 8) and a line of r elements:
 *  - WGSL's exp is accurate to 3 + 2|x| ULP, so each exp(x − m) to 19·ε₃₂ relative; the float32 sum s
 *    adds (r − 1)·ε₃₂·s; the division one rounding: |δy|/y ≤ (40 + r)·ε₃₂.
 *  - logSoftmax y = (x − m) − log s: log is within 2⁻²¹ absolute near 1 (WGSL) and inherits s's relative
 *    error (19 + r)·ε₃₂ as an absolute one; the two subtractions round by ε₃₂·|y| each.
 * Backward bounds are derived per element next to each test.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { softmaxBackwardReference, softmaxReference } from '../../kernels/softmax.reference.js';
import type { SoftmaxKind } from '../../kernels/softmax.wgsl.js';
import { useDevice } from '../helpers/device.js';
import { expectWithin } from '../helpers/error-bounds.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { EPS32, expectClose, randomArray, toF32 } from '../helpers/numeric.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const host = (shape: number[], seed: number, lo = -4, hi = 4) => ({ shape, data: toF32(randomArray(size(shape), seed, lo, hi)) });
const around = (shape: number[], axis: number) =>
  [size(shape.slice(0, axis)), shape[axis]!, size(shape.slice(axis + 1))] as const;

const ops: Record<SoftmaxKind, (x: wc.Tensor, axis?: number) => wc.Tensor> = { softmax: wc.softmax, logSoftmax: wc.logSoftmax };
const cases: [number[], number][] = [[[17], -1], [[3, 129], 1], [[5, 3, 7], 1], [[4, 17], 0], [[1, 1], -1], [[2, 3, 1], -1], [[2, 0, 3], 1]];

describe('softmax and logSoftmax', () => {
  useDevice();

  for (const kind of ['softmax', 'logSoftmax'] as const) {
    it(`${kind} forward matches the reference along any axis`, async () => {
      for (const [shape, axis] of cases) {
        const a = axis < 0 ? axis + shape.length : axis;
        const [outer, r, inner] = around(shape, a);
        const x = host(shape, 1);
        const want = softmaxReference(kind, x.data, outer, r, inner);
        const got = await ops[kind](wc.tensor(x.data, shape), axis).toArray();
        const tol = kind === 'softmax' ? { rtol: (40 + r) * EPS32 } : { atol: 2 ** -21 + (19 + r) * EPS32, rtol: 2 * EPS32 };
        expectClose(got, want, tol, `${kind} ${JSON.stringify(shape)} axis ${axis}`);
      }
    });

    it(`${kind} backward matches the reference`, async () => {
      for (const [shape, axis] of cases) {
        const a = axis < 0 ? axis + shape.length : axis;
        const [outer, r, inner] = around(shape, a);
        const x = wc.tensor(host(shape, 2).data, shape, { requiresGrad: true });
        const g = toF32(randomArray(size(shape), 3));
        const y = ops[kind](x, axis);
        wc.tidy(() => y.backward(wc.tensor(g, shape)));
        const yv = await y.toArray();
        const got = await x.grad!.toArray();
        const want = softmaxBackwardReference(kind, yv, g, outer, r, inner);
        // Per line: t = Σ g·y (or Σ g) carries r·ε·Σ|g·y| (or r·ε·Σ|g|); softmax: dx = y(g − t) adds
        // 2ε(|g| + |t|)·y; logSoftmax: dx = g − exp(y)·t adds exp's (3 + 2|y|)ε relative error on exp(y)·|t|
        // and two roundings 2ε(|g| + exp(y)|t|).
        const bound = new Float64Array(want.length);
        for (let o = 0; o < outer; o++) {
          for (let i = 0; i < inner; i++) {
            const at = (k: number) => (o * r + k) * inner + i;
            let t = 0, sumAbs = 0;
            for (let k = 0; k < r; k++) {
              const term = kind === 'softmax' ? g[at(k)]! * yv[at(k)]! : g[at(k)]!;
              t += term;
              sumAbs += Math.abs(term);
            }
            for (let k = 0; k < r; k++) {
              const yk = yv[at(k)]!, gk = Math.abs(g[at(k)]!);
              bound[at(k)] = kind === 'softmax'
                ? Math.abs(yk) * ((r + 1) * EPS32 * sumAbs + 2 * EPS32 * (gk + Math.abs(t)))
                : Math.exp(yk) * ((r + 1) * EPS32 * sumAbs + (3 + 2 * Math.abs(yk)) * EPS32 * Math.abs(t)) + 2 * EPS32 * (gk + Math.exp(yk) * Math.abs(t));
            }
          }
        }
        expectWithin(got, want, bound, `${kind} backward ${JSON.stringify(shape)} axis ${axis}`);
        x.dispose();
        y.dispose();
      }
    });

    it(`${kind} gradients by finite differences`, async () => {
      await checkGrad((t) => ops[kind](t), [host([3, 5], 4, -2, 2)]);
      await checkGrad((t) => ops[kind](t, 0), [host([4, 3], 5, -2, 2)]);
      await checkGrad((t) => ops[kind](t, 1), [host([2, 3, 2], 6, -2, 2)]);
    });
  }

  it('fused kernels agree with the composition of primitive ops (values and gradients)', async () => {
    const shape = [5, 17];
    const data = host(shape, 7).data;
    const g = wc.tensor(toF32(randomArray(size(shape), 8)), shape);
    const composed = (x: wc.Tensor) => {
      const z = wc.sub(x, wc.max(x, -1, { keepDims: true }));
      return wc.sub(z, wc.log(wc.sum(wc.exp(z), -1, { keepDims: true })));
    };
    for (const [name, fused, prim] of [
      ['logSoftmax', (x: wc.Tensor) => wc.logSoftmax(x), composed],
      ['softmax', (x: wc.Tensor) => wc.softmax(x), (x: wc.Tensor) => wc.exp(composed(x))],
    ] as const) {
      const results = [];
      for (const f of [fused, prim]) {
        const x = wc.tensor(data, shape, { requiresGrad: true });
        const y = f(x);
        wc.tidy(() => y.backward(g));
        results.push({ y: await y.toArray(), dx: await x.grad!.toArray() });
        x.dispose();
      }
      // Both are accurate to the bounds above (r = 17): compare with their sum.
      expectClose(results[0]!.y, results[1]!.y, { atol: 2 * (2 ** -21 + 60 * EPS32), rtol: 2 * 60 * EPS32 }, `${name} values`);
      expectClose(results[0]!.dx, results[1]!.dx, { atol: 1e-5 }, `${name} gradients`);
    }
  });

  it('is stable for large logits', async () => {
    const x = wc.tensor([1000, 1001, 1002, -1000], [4]);
    const e = [Math.exp(-2), Math.exp(-1), 1, 0];
    const s = e.reduce((a, b) => a + b, 0);
    expectClose(await wc.softmax(x).toArray(), e.map((v) => v / s), { rtol: 50 * EPS32, atol: 1e-30 }, 'softmax');
    const ls = await wc.logSoftmax(x).toArray();
    expectClose(ls.slice(0, 3), [-2, -1, 0].map((v) => v - Math.log(s)), { atol: 2 ** -21 + 50 * EPS32 }, 'logSoftmax');
    expect(ls[3]).toBeCloseTo(-2002 - Math.log(s), 3);
  });

  // A NaN anywhere in a line makes the whole line NaN (PyTorch), forward and backward, and leaves the
  // other lines alone: the line's max is NaN (selected on the bits, not WGSL's max), so every
  // exp(x − m) is. NaN first, in the middle or last along the axis, in lines of every layout.
  it('NaN first, middle or last in a line makes that line NaN, forward and backward, as the reference', async () => {
    for (const kind of ['softmax', 'logSoftmax'] as const) {
      for (const [shape, axis] of [[[3, 129], 1], [[5, 3, 7], 1], [[4, 17], 0]] as [number[], number][]) {
        const [outer, r, inner] = around(shape, axis);
        const x = host(shape, 4).data;
        const nanLine = (line: number) => line % 4 !== 3;
        for (let line = 0; line < outer * inner; line++) {
          if (!nanLine(line)) continue;
          const k = [0, r >> 1, r - 1][line % 4]!;
          x[(Math.floor(line / inner) * r + k) * inner + (line % inner)] = NaN;
        }
        const what = `${kind} ${JSON.stringify(shape)} axis ${axis}`;
        const want = softmaxReference(kind, x, outer, r, inner);
        const xt = wc.tensor(x, shape, { requiresGrad: true });
        const y = ops[kind](xt, axis);
        const got = await y.toArray();
        wc.tidy(() => y.backward(wc.ones(shape)));
        const dx = await xt.grad!.toArray();
        for (let line = 0; line < outer * inner; line++) {
          for (let k = 0; k < r; k++) {
            const at = (Math.floor(line / inner) * r + k) * inner + (line % inner);
            expect(Number.isNaN(want[at]!), `${what}: reference, line ${line}`).toBe(nanLine(line));
            expect(Number.isNaN(got[at]!), `${what}: line ${line}`).toBe(nanLine(line));
            expect(Number.isNaN(dx[at]!), `${what}: gradient, line ${line}`).toBe(nanLine(line));
          }
        }
        xt.dispose(); y.dispose();
      }
    }
  });

  it('rejects bad arguments with messages that say what is wrong', () => {
    expect(() => wc.softmax(wc.zeros([2, 3], { dtype: 'int32' }))).toThrow('softmax: x must be float32, got int32');
    expect(() => wc.logSoftmax(wc.zeros([2, 3]), 2)).toThrow('logSoftmax: axis 2 is out of range for a tensor of rank 2');
    expect(() => wc.softmax(wc.tensor(1))).toThrow('softmax: x must have at least one dimension, got a scalar');
    expect(() => wc.softmax([1, 2] as unknown as wc.Tensor)).toThrow('softmax: x must be a Tensor, got an array');
  });
});
