/**
 * gather (index select) and its scatter-add backward against float64 references.
 * Forward is a copy: exact. Backward sums the gradients of repeated indices in increasing j, the order
 * of a sequential float32 loop; with q repeats of one index the float32 sum differs from the float64
 * one by at most (q − 1)·ε₃₂·Σ|g| (standard bound for recursive summation), so we allow q·ε₃₂·Σ|g|.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { gatherReference, scatterAddReference } from '../../kernels/gather.reference.js';
import { useDevice } from '../helpers/device.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { EPS32, expectClose, randomArray, toF32 } from '../helpers/numeric.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const host = (shape: number[], seed: number) => ({ shape, data: toF32(randomArray(size(shape), seed)) });
const around = (shape: number[], axis: number) =>
  [size(shape.slice(0, axis)), shape[axis]!, size(shape.slice(axis + 1))] as const;

describe('gather', () => {
  useDevice();
  const cases: [number[], number[], number][] = [
    [[17], [3, 0, 16, 3], 0],
    [[5, 3], [4, 4, 4, 0, 1, 2, 3], 0],
    [[3, 17, 2], [16, 0, 5], 1],
    [[2, 3, 129], [128, 1, 64, 1, 0], 2],
    [[7, 5], [], 0],
    [[1, 1], [0, 0, 0], 1],
    // Rows of a multiple of 4 words: the vec4 variant.
    [[6, 8], [5, 0, 5, 2], 0],
    [[2, 3, 12], [2, 0], 1],
    [[20, 1, 28, 28], [19, 3, 7], 0],
  ];

  it('matches the reference (repeats, every axis, odd sizes, no indices)', async () => {
    for (const [shape, idx, axis] of cases) {
      const x = host(shape, 1);
      const [outer, r, inner] = around(shape, axis);
      const want = gatherReference(x.data, idx, outer, r, inner);
      const y = wc.gather(wc.tensor(x.data, shape), wc.tensor(idx, [idx.length], { dtype: 'int32' }), axis);
      expect(y.shape).toEqual(shape.map((d, i) => (i === axis ? idx.length : d)));
      expect(Array.from(await y.toArray()), `${JSON.stringify(shape)}[${idx}] on axis ${axis}`).toEqual(Array.from(want));
    }
  });

  it('out-of-range indices never read out of bounds: NaN rows (int32: i32 min) or opts.fill, no gradient', async () => {
    const x = wc.tensor([1, 2, 3, 4, 5, 6], [3, 2], { requiresGrad: true });
    const idx = wc.tensor([2, -1, 3, 0, 1 << 30], [5], { dtype: 'int32' });
    const y = wc.gather(x, idx, 0);
    expect(Array.from(await y.toArray())).toEqual([5, 6, NaN, NaN, NaN, NaN, 1, 2, NaN, NaN]);
    wc.tidy(() => y.backward(wc.ones([5, 2])));
    expect(Array.from(await x.grad!.toArray())).toEqual([1, 1, 0, 0, 1, 1]);
    const labels = wc.tensor([7, 8, 9], [3], { dtype: 'int32' });
    expect(Array.from(await wc.gather(labels, idx).toArray())).toEqual([9, -(2 ** 31), -(2 ** 31), 7, -(2 ** 31)]);
    const rows4 = wc.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]); // vec4 variant
    expect(Array.from(await wc.gather(rows4, wc.tensor([1, -1], [2], { dtype: 'int32' })).toArray())).toEqual([5, 6, 7, 8, NaN, NaN, NaN, NaN]);
    // opts.fill replaces the NaN / i32-min default.
    expect(Array.from(await wc.gather(x, idx, 0, { fill: 0 }).toArray())).toEqual([5, 6, 0, 0, 0, 0, 1, 2, 0, 0]);
    expect(Array.from(await wc.gather(rows4, wc.tensor([-1, 0], [2], { dtype: 'int32' }), 0, { fill: -2.5 }).toArray())).toEqual([-2.5, -2.5, -2.5, -2.5, 1, 2, 3, 4]);
    expect(Array.from(await wc.gather(labels, idx, 0, { fill: -1 }).toArray())).toEqual([9, -1, -1, 7, -1]);
    expect(() => wc.gather(labels, idx, 0, { fill: 0.5 })).toThrow('gather: fill must be a number (an integer for int32 x), got 0.5');
  });

  it('scatter-add backward matches the reference, deterministically', async () => {
    const shape = [3, 17, 5];
    const axis = 1;
    const idx = Array.from({ length: 129 }, (_, j) => (j * 7 + (j >> 3)) % 17); // every row repeated 7-8 times
    const [outer, r, inner] = around(shape, axis);
    const gData = toF32(randomArray(outer * idx.length * inner, 2));
    const want = scatterAddReference(gData, idx, outer, r, inner);
    const repeats = Math.max(...Array.from({ length: r }, (_, k) => idx.filter((v) => v === k).length));
    const sumAbs = gData.reduce((s, v) => s + Math.abs(v), 0);
    const runs: number[][] = [];
    for (let run = 0; run < 2; run++) {
      const x = wc.zeros(shape, { requiresGrad: true });
      wc.tidy(() => wc.gather(x, wc.tensor(idx, [idx.length], { dtype: 'int32' }), axis).backward(wc.tensor(gData, [outer, idx.length, inner])));
      runs.push(Array.from(await x.grad!.toArray()));
      x.dispose();
    }
    expectClose(runs[0]!, want, { atol: repeats * EPS32 * sumAbs }, 'scatter-add');
    // The kernel adds in increasing j, so it reproduces a sequential float32 loop exactly.
    const sequential = new Float32Array(want.length);
    for (let o = 0; o < outer; o++) {
      idx.forEach((k, j) => {
        for (let i = 0; i < inner; i++) {
          const at = (o * r + k) * inner + i;
          sequential[at] = Math.fround(sequential[at]! + gData[(o * idx.length + j) * inner + i]!);
        }
      });
    }
    expect(runs[0], 'same as a sequential float32 loop in index order').toEqual(Array.from(sequential));
    expect(runs[1], 'bitwise identical across runs').toEqual(runs[0]);
  });

  it('gradients', async () => {
    const idx = (v: number[]) => wc.tensor(v, [v.length], { dtype: 'int32' });
    await checkGrad((t) => wc.gather(t, idx([2, 0, 2, 1, 2]), 0), [host([3, 4], 1)]);
    await checkGrad((t) => wc.gather(t, idx([1, 1, 0]), -1), [host([2, 3, 2], 2)]);
  });

  it('rejects bad arguments with messages that say what is wrong', () => {
    const x = wc.zeros([3, 4]);
    const idx = wc.tensor([0], [1], { dtype: 'int32' });
    expect(() => wc.gather(x, wc.tensor([0], [1]))).toThrow('gather: indices must be int32, got float32');
    expect(() => wc.gather(x, wc.tensor([0, 1], [1, 2], { dtype: 'int32' }))).toThrow('gather: indices must be 1-D, got shape [1, 2]');
    expect(() => wc.gather(x, [0, 1] as unknown as wc.Tensor)).toThrow('gather: indices must be a Tensor, got an array');
    expect(() => wc.gather(x, idx, 2)).toThrow('gather: axis 2 is out of range for a tensor of rank 2');
    expect(() => wc.gather(wc.tensor(1), idx)).toThrow('gather: x must have at least one dimension, got a scalar');
  });
});
