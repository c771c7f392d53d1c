/**
 * slice and concat (the strided copy kernel with offsets) against float64 references written from
 * the definition; copies are exact. Gradients by finite differences.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { concatReference, sliceReference } from '../../kernels/strided-copy.reference.js';
import { useDevice } from '../helpers/device.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { randomArray, toF32 } from '../helpers/numeric.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const host = (shape: number[], seed: number) => ({ shape, data: toF32(randomArray(size(shape), seed)) });

describe('slice', () => {
  const device = useDevice();
  const cases: [number[], number, number, number][] = [
    [[17], 0, 3, 16],
    [[3, 17], 1, 0, 1],
    [[3, 17], 0, 1, 3],
    [[5, 3, 129], 2, 64, 129],
    [[5, 3, 7], 1, 1, 2],
    [[2, 3, 4, 5, 1, 3], 3, 2, 5],
    [[4, 3], 0, 2, 2],
  ];

  it('matches the reference on every axis, odd sizes, empty ranges', async () => {
    for (const [shape, axis, start, end] of cases) {
      const x = host(shape, 1);
      const want = sliceReference(x, axis, start, end);
      const y = wc.slice(wc.tensor(x.data, shape), axis, start, end);
      expect(y.shape).toEqual(want.shape);
      expect(Array.from(await y.toArray()), `${JSON.stringify(shape)} axis ${axis} [${start}, ${end})`).toEqual(Array.from(want.data));
    }
  });

  it('counts negative axes and positions from the end; end defaults to the axis length', async () => {
    const x = host([4, 6], 2);
    const t = wc.tensor(x.data, x.shape);
    expect(Array.from(await wc.slice(t, -1, -4, -1).toArray())).toEqual(Array.from(sliceReference(x, 1, 2, 5).data));
    expect(Array.from(await wc.slice(t, 0, 1).toArray())).toEqual(Array.from(sliceReference(x, 0, 1, 4).data));
    const labels = wc.tensor([5, 6, 7, 8], [4], { dtype: 'int32' });
    const part = wc.slice(labels, 0, 1, 3);
    expect(part.dtype).toBe('int32');
    expect(Array.from(await part.toArray())).toEqual([6, 7]);
  });

  it('gradients', async () => {
    await checkGrad((t) => wc.slice(t, 1, 1, 4), [host([3, 5], 1)]);
    await checkGrad((t) => wc.slice(t, 0, 2), [host([3, 2, 2], 2)]);
  });

  it('rejects bad ranges with messages that say what is wrong', () => {
    const t = wc.zeros([3, 4]);
    const live = device().stats().liveTensors;
    expect(() => wc.slice(t, 1, 0, 5)).toThrow('slice: end 5 is out of range for axis 1 of size 4 (x is [3, 4])');
    expect(() => wc.slice(t, 1, -5, 2)).toThrow('slice: start -5 is out of range for axis 1 of size 4 (x is [3, 4])');
    expect(() => wc.slice(t, 1, 3, 1)).toThrow('slice: start 3 is after end 1 on axis 1 of size 4 (x is [3, 4])');
    expect(() => wc.slice(t, 1, 0.5, 2)).toThrow('slice: start 0.5 is out of range');
    expect(() => wc.slice(t, 2, 0, 1)).toThrow('slice: axis 2 is out of range for a tensor of rank 2');
    expect(() => wc.slice(3 as unknown as wc.Tensor, 0, 0, 1)).toThrow('slice: x must be a Tensor, got number');
    expect(device().stats().liveTensors).toBe(live);
    expect(() => wc.slice(wc.tensor(1), 0, 0, 1)).toThrow('slice: x must have at least one dimension, got a scalar');
  });
});

describe('concat', () => {
  useDevice();
  it('matches the reference along each axis, with odd and empty parts', async () => {
    const cases: [number[][], number][] = [
      [[[3], [17], [1]], 0],
      [[[2, 3], [5, 3]], 0],
      [[[3, 1], [3, 4], [3, 0], [3, 2]], 1],
      [[[2, 3, 5], [2, 1, 5], [2, 17, 5]], 1],
      [[[2, 3, 5], [2, 3, 129]], 2],
      [[[4, 3]], -1],
    ];
    for (const [shapes, axis] of cases) {
      const xs = shapes.map((s, k) => host(s, 10 + k));
      const want = concatReference(xs, axis < 0 ? axis + shapes[0]!.length : axis);
      const y = wc.concat(xs.map((x) => wc.tensor(x.data, x.shape)), axis);
      expect(y.shape).toEqual(want.shape);
      expect(Array.from(await y.toArray()), `${JSON.stringify(shapes)} on axis ${axis}`).toEqual(Array.from(want.data));
    }
  });

  it('joins int32 tensors', async () => {
    const a = wc.tensor([1, 2], [2], { dtype: 'int32' });
    const b = wc.tensor([-3], [1], { dtype: 'int32' });
    const y = wc.concat([a, b]);
    expect(y.dtype).toBe('int32');
    expect(Array.from(await y.toArray())).toEqual([1, 2, -3]);
  });

  it('gradients reach every input', async () => {
    await checkGrad((a, b) => wc.concat([a, b], 1), [host([2, 3], 1), host([2, 4], 2)]);
    await checkGrad((a, b, c) => wc.concat([a, b, c], 0), [host([1, 3], 1), host([2, 3], 2), host([3, 3], 3)]);
    await checkGrad((a) => wc.concat([a, wc.mul(a, 2)], -1), [host([3, 2], 4)]);
  });

  it('rejects mismatched inputs with messages that say what is wrong', () => {
    const a = wc.zeros([2, 3]);
    expect(() => wc.concat([a, wc.zeros([3, 3])], 1)).toThrow('concat: tensors[1] has shape [3, 3], expected [2, *] (the shape of tensors[0] on every axis but 1)');
    expect(() => wc.concat([a, wc.zeros([2, 3, 1])], 0)).toThrow('concat: tensors[1] has shape [2, 3, 1], expected [*, 3]');
    expect(() => wc.concat([a, wc.zeros([2, 3], { dtype: 'int32' })])).toThrow('concat: tensors[1] is int32, tensors[0] is float32');
    expect(() => wc.concat([])).toThrow('concat: tensors must be a non-empty list of tensors, got an empty list');
    expect(() => wc.concat(a as unknown as wc.Tensor[])).toThrow('concat: tensors must be a non-empty list of tensors, got object');
    expect(() => wc.concat([a, 1 as unknown as wc.Tensor])).toThrow('concat: tensors[1] must be a Tensor, got number');
    expect(() => wc.concat([a, a], 2)).toThrow('concat: axis 2 is out of range for a tensor of rank 2');
    expect(() => wc.concat([wc.tensor(1), wc.tensor(2)])).toThrow('concat: tensors[0] must have at least one dimension, got a scalar');
  });
});
