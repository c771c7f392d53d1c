/**
 * permute / transpose (the strided copy kernel) against float64 references written from the
 * definition. A copy moves bits, so results must be exact.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { permuteReference, stridedCopyReference } from '../../kernels/strided-copy.reference.js';
import { copyParams, stridedCopyKernel } from '../../kernels/strided-copy.wgsl.js';
import { useDevice } from '../helpers/device.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { randomArray, toF32 } from '../helpers/numeric.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const host = (shape: number[], seed: number) => ({ shape, data: toF32(randomArray(size(shape), seed)) });

describe('permute and transpose', () => {
  const device = useDevice();
  const cases: [number[], number[]][] = [
    [[3, 17], [1, 0]],
    [[129, 3], [1, 0]],
    [[2, 3, 5], [2, 0, 1]],
    [[1, 3, 1, 5], [3, 1, 0, 2]],
    [[4, 3, 2], [0, 1, 2]],
    [[2, 1, 3, 1, 2, 3, 1, 2], [7, 6, 5, 4, 3, 2, 1, 0]],
    [[2, 3, 2, 3, 2, 3, 2, 3], [1, 0, 3, 2, 5, 4, 7, 6]],
    [[5], [0]],
    [[0, 3], [1, 0]],
  ];

  it('matches the reference for odd shapes, up to rank 8', async () => {
    for (const [shape, dims] of cases) {
      const x = host(shape, 1);
      const want = permuteReference(x, dims);
      const y = wc.permute(wc.tensor(x.data, shape), dims);
      expect(y.shape).toEqual(want.shape);
      expect(Array.from(await y.toArray()), `${JSON.stringify(shape)} by ${JSON.stringify(dims)}`).toEqual(Array.from(want.data));
    }
  });

  it('accepts negative axes and copies int32 tensors bit for bit', async () => {
    const data = Int32Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 7919) ^ 0x7654321);
    const y = wc.permute(wc.tensor(data, [3, 4, 5], { dtype: 'int32' }), [-1, 0, -2]);
    expect(y.dtype).toBe('int32');
    expect(Array.from(await y.toArray())).toEqual(Array.from(permuteReference({ data, shape: [3, 4, 5] }, [2, 0, 1]).data));
  });

  it('transpose swaps the last two axes by default, or the two given', async () => {
    const x = host([2, 3, 5], 2);
    const t = wc.tensor(x.data, x.shape);
    expect(Array.from(await wc.transpose(t).toArray())).toEqual(Array.from(permuteReference(x, [0, 2, 1]).data));
    expect(wc.transpose(t, 0, 2).shape).toEqual([5, 3, 2]);
    expect(Array.from(await wc.transpose(t, 0, -1).toArray())).toEqual(Array.from(permuteReference(x, [2, 1, 0]).data));
  });

  it('the raw kernel honours source and destination offsets and strides', async () => {
    // Copy a [3, 4] block of a [5, 7] source, starting at (1, 2), transposed into rows 1.. of a [6, 3] destination.
    const src = toF32(randomArray(35, 3));
    const dst = new Float64Array(18).fill(-7);
    const shape = [3, 4];
    const from = { offset: 1 * 7 + 2, strides: [7, 1] };
    const to = { offset: 3, strides: [1, 3] };
    stridedCopyReference(src, dst, shape, from.strides, from.offset, to.strides, to.offset);
    const s = wc.tensor(src, [35]);
    const d = wc.full([18], -7);
    device().dispatch(stridedCopyKernel, copyParams(shape, from.strides, from.offset, to.strides, to.offset), [s.buffer, d.buffer], [1, 1, 1]);
    expect(Array.from(await d.toArray())).toEqual(Array.from(dst));
  });

  it('gradients', async () => {
    await checkGrad((t) => wc.permute(t, [2, 0, 1]), [host([2, 3, 4], 1)]);
    await checkGrad((t) => wc.transpose(t), [host([3, 5], 2)]);
    await checkGrad((t) => wc.transpose(t, 0, 1), [host([3, 2, 2], 3)]);
  });

  it('rejects bad dims with messages that say what is wrong', () => {
    const t = wc.zeros([2, 3, 4]);
    expect(() => wc.permute(t, [0, 1])).toThrow('permute: dims [0,1] must list each of the 3 axes of x [2, 3, 4] once');
    expect(() => wc.permute(t, [0, 1, 1])).toThrow('permute: repeated axis in dims [0,1,1]');
    expect(() => wc.permute(t, [0, 1, 3])).toThrow('permute: axis 3 is out of range for a tensor of rank 3');
    expect(() => wc.permute(t, 1 as unknown as number[])).toThrow('permute: dims must be a list of axes, got number');
    expect(() => wc.permute([1, 2] as unknown as wc.Tensor, [0])).toThrow('permute: x must be a Tensor, got an array');
    expect(() => wc.transpose(wc.zeros([3]))).toThrow('transpose: axis -2 is out of range for a tensor of rank 1');
    const big = wc.zeros([2, 2, 2, 2, 2, 2, 2, 2, 2]);
    const live = device().stats().liveTensors;
    expect(() => wc.permute(big, [8, 7, 6, 5, 4, 3, 2, 1, 0])).toThrow('permute: the copy of a [2, 2, 2, 2, 2, 2, 2, 2, 2] block needs 9 dimensions, at most 8 are supported');
    expect(device().stats().liveTensors, 'nothing allocated before the check').toBe(live);
    expect(wc.permute(big, [1, 0, 2, 3, 4, 5, 6, 7, 8]).shape, 'rank 9 is fine when dimensions merge').toEqual(big.shape);
  });
});
