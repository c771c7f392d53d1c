import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { useDevice } from '../helpers/device.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { awayFromZero, randomArray } from '../helpers/numeric.js';

const x = (shape: number[], seed: number, lo = -1, hi = 1) => ({ shape, data: randomArray(shape.reduce((a, b) => a * b, 1), seed, lo, hi) });
const away = (shape: number[], seed: number) => ({ shape, data: awayFromZero(shape.reduce((a, b) => a * b, 1), seed) });

describe('finite-difference gradient checks', () => {
  useDevice();
  it('binary ops with broadcasting', async () => {
    await checkGrad(wc.add, [x([3, 4], 1), x([4], 2)]);
    await checkGrad(wc.sub, [x([3, 1], 1), x([1, 5], 2)]);
    await checkGrad(wc.mul, [x([2, 3, 4], 1), x([3, 1], 2)]);
    await checkGrad(wc.div, [x([3, 4], 1), away([4], 2)]);
    await checkGrad((a, b) => wc.pow(a, b), [x([5], 1, 0.5, 2), x([5], 2)]);
    await checkGrad((a) => wc.pow(a, 3), [x([7], 1)]);
    await checkGrad(wc.maximum, [x([6], 1), x([6], 2)]);
    await checkGrad(wc.minimum, [x([6], 1), x([6], 2)]);
    await checkGrad((a, b) => wc.where(wc.gt(a, 0), a, b), [away([6], 1), x([6], 2)]);
  });
  it('unary ops', async () => {
    await checkGrad(wc.exp, [x([9], 1)]);
    await checkGrad(wc.log, [x([9], 1, 0.5, 3)]);
    await checkGrad(wc.sqrt, [x([9], 1, 0.5, 3)]);
    await checkGrad(wc.abs, [away([9], 1)]);
    await checkGrad(wc.relu, [away([9], 1)]);
    await checkGrad((t) => wc.leakyRelu(t, 0.1), [away([9], 1)]);
    await checkGrad(wc.sigmoid, [x([9], 1, -3, 3)]);
    await checkGrad(wc.tanh, [x([9], 1, -2, 2)]);
    await checkGrad((t) => wc.clamp(t, -0.5, 0.5), [away([9], 3)]);
    await checkGrad(wc.neg, [x([4], 1)]);
    await checkGrad(wc.square, [x([4], 1)]);
  });
  it('reductions', async () => {
    await checkGrad((t) => wc.sum(t), [x([3, 4], 1)]);
    await checkGrad((t) => wc.sum(t, 1), [x([3, 4, 2], 1)]);
    await checkGrad((t) => wc.sum(t, [0, 2], { keepDims: true }), [x([3, 4, 2], 1)]);
    await checkGrad((t) => wc.mean(t, -1), [x([3, 5], 1)]);
    await checkGrad((t) => wc.max(t, 1), [x([3, 5], 1)]);
    await checkGrad((t) => wc.min(t, 0), [x([3, 5], 1)]);
  });
  it('matmul with transposed operands and batches', async () => {
    await checkGrad((a, b) => wc.matmul(a, b), [x([3, 4], 1), x([4, 5], 2)]);
    await checkGrad((a, b) => wc.matmul(a, b, { transposeA: true }), [x([4, 3], 1), x([4, 5], 2)]);
    await checkGrad((a, b) => wc.matmul(a, b, { transposeB: true }), [x([3, 4], 1), x([5, 4], 2)]);
    await checkGrad((a, b) => wc.matmul(a, b, { transposeA: true, transposeB: true }), [x([4, 3], 1), x([5, 4], 2)]);
    await checkGrad((a, b) => wc.matmul(a, b), [x([2, 3, 4], 1), x([4, 5], 2)]);
    await checkGrad((a, b) => wc.matmul(a, b), [x([2, 3, 4], 1), x([2, 4, 5], 2)]);
  });
  it('reshape and broadcastTo', async () => {
    await checkGrad((t) => wc.mul(wc.reshape(t, [4, 3]), 2), [x([3, 4], 1)]);
    await checkGrad((t) => wc.broadcastTo(t, [2, 3, 4]), [x([3, 1], 1)]);
  });
});

describe('autograd semantics', () => {
  useDevice();
  it('accumulates into leaves across backward calls (+=) and through shared subgraphs', async () => {
    const a = wc.tensor([2], [1], { requiresGrad: true });
    wc.tidy(() => { const y = wc.mul(a, a); wc.add(y, y).backward(); }); // d(2a²)/da = 4a = 8
    expect(Array.from(await a.grad!.toArray())).toEqual([8]);
    wc.tidy(() => wc.mul(a, 3).backward());
    expect(Array.from(await a.grad!.toArray())).toEqual([11]);
  });
  it('gives each leaf its own gradient tensor when one is shared', async () => {
    const a = wc.tensor([1], [1], { requiresGrad: true });
    const b = wc.tensor([1], [1], { requiresGrad: true });
    wc.tidy(() => wc.add(a, b).backward());
    expect(a.grad).not.toBe(b.grad);
    a.grad!.dispose();
    expect(Array.from(await b.grad!.toArray())).toEqual([1]);
  });
  it('noGrad records nothing; backward without a graph says why', () => {
    const a = wc.tensor([1, 2], [2], { requiresGrad: true });
    const y = wc.noGrad(() => wc.mul(a, 2));
    expect(y.requiresGrad).toBe(false);
    expect(() => wc.sum(y).backward()).toThrow(/does not require gradients/);
    expect(() => wc.mul(a, 2).backward()).toThrow(/non-scalar tensor of shape \[2\]/);
  });
  it('hookGradient hands the passing gradient to its function and leaves values and gradients alone', async () => {
    const a = wc.tensor([1, 2, 3], [3], { requiresGrad: true });
    const seen: number[][] = [];
    const y = wc.hookGradient(wc.mul(a, a), (g) => { void g.toArray().then((v) => seen.push(Array.from(v))); });
    expect(Array.from(await y.toArray())).toEqual([1, 4, 9]);
    wc.sum(wc.mul(y, wc.tensor([1, 10, 100], [3]))).backward();
    expect(Array.from(await a.grad!.toArray())).toEqual([2, 40, 600]); // d(Σ c·a²)/da = 2c·a
    await wc.getDevice().sync();
    expect(seen).toEqual([[1, 10, 100]]);
    const plain = wc.tensor([1], [1]);
    expect(wc.hookGradient(plain, () => undefined)).toBe(plain); // nothing to hook without gradients
    expect(() => wc.hookGradient(a, 3 as never)).toThrow(/hookGradient: fn must be a function, got number/);
  });
  it('drops the tape after backward', () => {
    const a = wc.tensor([1, 2], [2], { requiresGrad: true });
    const y = wc.sum(wc.mul(a, a));
    y.backward();
    expect(y.node).toBeNull();
  });
});
