/**
 * Bad input gets an error that names the op, the argument, what was expected and what was given.
 * Each case checks the message text, not only that something was thrown.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import type { Tensor } from '../../index.js';
import { useDevice } from '../helpers/device.js';

/** Passes a value of the wrong type where the signature wants a Tensor. */
const bad = (v: unknown) => v as Tensor;

describe('error messages', () => {
  const device = useDevice();

  it('a number, array, string or undefined where a Tensor is expected', () => {
    const t = wc.ones([2, 3]);
    expect(() => wc.exp(bad(3))).toThrow(new TypeError('exp: x must be a Tensor, got number 3'));
    expect(() => wc.add(t, bad([1, 2, 3]))).toThrow(new TypeError('add: b must be a Tensor, got an array'));
    expect(() => wc.mul(bad('2'), t)).toThrow(new TypeError('mul: a must be a Tensor, got string "2"'));
    expect(() => wc.sum(bad(undefined))).toThrow(new TypeError('sum: x must be a Tensor, got undefined'));
    expect(() => wc.matmul(t, bad(null))).toThrow(new TypeError('matmul: b must be a Tensor, got null'));
    expect(() => wc.matmul(bad([[1, 2]]), t)).toThrow(new TypeError('matmul: a must be a Tensor, got an array'));
    expect(() => wc.reshape(bad(6), [6])).toThrow(new TypeError('reshape: x must be a Tensor, got number 6'));
    expect(() => wc.where(bad(1), t, t)).toThrow(new TypeError('where: cond must be a Tensor, got number 1'));
    expect(() => wc.add(2, 3)).toThrow(new TypeError('add: at least one operand must be a Tensor, got two numbers'));
    expect(() => wc.relu(bad({ shape: [2] }))).toThrow(new TypeError('relu: x must be a Tensor, got an object'));
  });

  it('shapes that do not broadcast', () => {
    const a = wc.ones([2, 3]);
    expect(() => wc.add(a, wc.ones([4]))).toThrow(new RangeError('add: shapes [2, 3] and [4] cannot be broadcast (dimension 1 of the result: 3 vs 4)'));
    expect(() => wc.maximum(wc.ones([5, 1, 3]), wc.ones([2, 4, 3]))).toThrow(new RangeError('maximum: shapes [5, 1, 3] and [2, 4, 3] cannot be broadcast (dimension 0 of the result: 5 vs 2)'));
    expect(() => wc.broadcastTo(a, [2, 4])).toThrow('broadcastTo: shapes [2, 3] and [2, 4] cannot be broadcast');
    expect(() => wc.broadcastTo(wc.ones([3, 1]), [3])).toThrow(new RangeError('broadcastTo: cannot broadcast [3, 1] to [3]'));
  });

  it('reshape to a different size or an invalid shape', () => {
    const a = wc.ones([2, 3]);
    expect(() => wc.reshape(a, [4])).toThrow(new RangeError('reshape: cannot reshape [2, 3] (6 elements) into [4] (4 elements)'));
    expect(() => wc.reshape(a, [4, -1])).toThrow(new RangeError('reshape: cannot reshape [2, 3] (6 elements) into [4, -1]'));
    expect(() => wc.reshape(a, [-1, -1])).toThrow(new RangeError('reshape: at most one dimension may be -1, got [-1, -1]'));
    expect(() => wc.reshape(a, [-2, -3])).toThrow(new TypeError('reshape: shape must be a list of non-negative integers, got [-2,-3]'));
    expect(() => wc.reshape(a, bad(6) as unknown as number[])).toThrow(new TypeError('reshape: shape must be a list of integers, got number'));
  });

  it('matmul operands whose dimensions do not fit', () => {
    const a = wc.ones([2, 3]);
    expect(() => wc.matmul(a, wc.ones([4, 5]))).toThrow(new RangeError('matmul: inner dimensions differ: a is [2, 3], b is [4, 5]'));
    expect(() => wc.matmul(a, wc.ones([5, 4]), { transposeB: true })).toThrow(new RangeError('matmul: inner dimensions differ: a is [2, 3], b is [5, 4] (transposed)'));
    expect(() => wc.matmul(a, wc.ones([3]))).toThrow(new RangeError('matmul: operands must have at least 2 dimensions, a is [2, 3], b is [3]'));
    expect(() => wc.matmul(wc.ones([2, 2, 3]), wc.ones([3, 3, 4]))).toThrow('matmul: batch dimensions differ: a is [2, 2, 3], b is [3, 3, 4]');
  });

  it('axes out of range, repeated or not integers', () => {
    const a = wc.ones([2, 3]);
    expect(() => wc.sum(a, 2)).toThrow(new RangeError('sum: axis 2 is out of range for a tensor of rank 2'));
    expect(() => wc.mean(a, -3)).toThrow(new RangeError('mean: axis -3 is out of range for a tensor of rank 2'));
    expect(() => wc.max(a, [1, -1])).toThrow(new RangeError('max: repeated axis in [1,-1]'));
    expect(() => wc.argmin(a, 0.5)).toThrow(new RangeError('argmin: axis 0.5 is out of range for a tensor of rank 2'));
    expect(() => wc.softmax(a, 2)).toThrow(new RangeError('softmax: axis 2 is out of range for a tensor of rank 2'));
    expect(() => wc.concat([a, a], -3)).toThrow(new RangeError('concat: axis -3 is out of range for a tensor of rank 2'));
    expect(() => wc.transpose(a, 0, 2)).toThrow(new RangeError('transpose: axis 2 is out of range for a tensor of rank 2'));
  });

  it('an int32 tensor passed to a float op', () => {
    const i = wc.tensor([1, 2, 3], [3], { dtype: 'int32' });
    const f = wc.ones([3]);
    expect(() => wc.exp(i)).toThrow(new TypeError('exp: x must be float32, got int32'));
    expect(() => wc.add(f, i)).toThrow(new TypeError('add: b must be float32, got int32'));
    expect(() => wc.sum(i)).toThrow(new TypeError('sum: x must be float32, got int32'));
    expect(() => wc.matmul(wc.reshape(i, [1, 3]), wc.ones([3, 1]))).toThrow(new TypeError('matmul: a must be float32, got int32'));
    expect(() => wc.logSoftmax(i)).toThrow(new TypeError('logSoftmax: x must be float32, got int32'));
    expect(() => i.requiresGrad_()).toThrow(new TypeError('requiresGrad: only float32 tensors can require gradients, this one is int32'));
  });

  it('backward, item and tensor() misuse', async () => {
    const a = wc.ones([2], { requiresGrad: true });
    expect(() => wc.mul(a, 2).backward()).toThrow(new RangeError('backward: a gradient argument is needed for a non-scalar tensor of shape [2]'));
    expect(() => wc.mul(a, 2).backward(wc.ones([3]))).toThrow(new RangeError('backward: gradient has shape [3], expected [2]'));
    expect(() => wc.ones([2]).backward(wc.ones([2]))).toThrow('backward: tensor [2] does not require gradients');
    await expect(a.item()).rejects.toThrow(new RangeError('item: tensor has 2 elements (shape [2]), expected 1'));
    expect(() => wc.tensor([1, 2, 3], [2, 2])).toThrow(new RangeError('tensor: data has 3 values but shape [2, 2] needs 4'));
  });

  it('a failed check leaves nothing allocated', () => {
    const a = wc.ones([2, 3]);
    device().flush();
    const before = device().stats();
    for (const f of [() => wc.add(a, wc.ones([4])), () => wc.broadcastTo(a, [3]), () => wc.matmul(a, a), () => wc.reshape(a, [5])]) {
      expect(f).toThrow();
    }
    device().flush();
    const after = device().stats();
    // ones([4]) is the only tensor made (by the test itself).
    expect(after.liveTensors - before.liveTensors).toBe(1);
  });
});
