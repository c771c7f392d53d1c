import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { useDevice } from '../helpers/device.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { awayFromZero, expectClose, randomArray } from '../helpers/numeric.js';

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
});

/**
 * Graph lifetime (issue #18 §1). Mutations tried: scope.ts release() disposing regardless of
 * graphUses (the tidy-returned loss test fails: w.grad missing); backward() not freeing nodes (the
 * second-backward test fails); dropUses() not cascading (the memory tests fail); record() not
 * counting saved tensors (the pool and cross-entropy retainGraph tests read freed buffers).
 */
describe('graph lifetime', () => {
  const device = useDevice();
  const host = async (t: wc.Tensor) => Array.from(await t.toArray());

  it('backward from a loss returned by tidy reaches the leaves, then frees the graph', async () => {
    const before = device().liveTensors;
    const X = randomArray(6 * 4, 1), W = randomArray(4 * 3, 2);
    const x = wc.tensor(Array.from(X), [6, 4]);
    const w = wc.tensor(Array.from(W), [4, 3], { requiresGrad: true });
    const loss = wc.tidy(() => wc.sum(wc.relu(wc.matmul(x, w))));
    loss.backward();
    expect(w.grad?.shape).toEqual([4, 3]);
    // d Σ relu(XW) / dW = Xᵀ · [XW > 0] (float64 reference on the float32-rounded inputs)
    const x32 = Float32Array.from(X), w32 = Float32Array.from(W);
    const want = new Float64Array(12);
    for (let n = 0; n < 6; n++) for (let j = 0; j < 3; j++) {
      let z = 0;
      for (let k = 0; k < 4; k++) z += x32[n * 4 + k]! * w32[k * 3 + j]!;
      if (z > 0) for (let k = 0; k < 4; k++) want[k * 3 + j]! += x32[n * 4 + k]!;
    }
    expectClose(await host(w.grad!), want, { rtol: 1e-6, atol: 1e-6 }, 'w.grad');
    expect(() => loss.backward()).toThrow(/backward through the graph a second time/);
    // what is left: x, w, w.grad and loss (the graph's intermediates went with backward)
    expect(device().liveTensors - before).toBe(4);
    for (const t of [x, w, loss]) t.dispose();
    expect(device().liveTensors).toBe(before);
  });

  it('a graph returned by tidy and never swept is freed with its root, however deep', () => {
    const before = device().liveTensors;
    const w = wc.tensor([0.5], [1], { requiresGrad: true });
    const y = wc.tidy(() => {
      let h = w;
      for (let i = 0; i < 20_000; i++) h = wc.mul(h, 1);
      return h;
    });
    expect(device().liveTensors - before).toBe(20_001); // w and the chain the graph needs
    y.dispose();
    expect(device().liveTensors - before).toBe(1);
    w.dispose();
  });

  it('two losses sharing a subgraph: the second backward throws, or sums with retainGraph', async () => {
    const x = wc.tensor(Array.from(randomArray(5 * 4, 3)), [5, 4]);
    const trunk = wc.tensor(Array.from(randomArray(4 * 3, 4)), [4, 3], { requiresGrad: true });
    const h0 = wc.tensor(Array.from(randomArray(3 * 2, 5)), [3, 2], { requiresGrad: true });
    const h1 = wc.tensor(Array.from(randomArray(3 * 2, 6)), [3, 2], { requiresGrad: true });
    const y = wc.tensor([0, 1, 1, 0, 1], [5], { dtype: 'int32' });
    const losses = (f: wc.Tensor) => [wc.crossEntropy(wc.matmul(f, h0), y), wc.crossEntropy(wc.matmul(f, h1), y)] as const;

    const f = wc.tidy(() => wc.tanh(wc.matmul(x, trunk)));
    const [l0, l1] = losses(f);
    l0.backward();
    const firstOnly = await host(trunk.grad!);
    expect(() => l1.backward()).toThrow(/second time.*retainGraph/);
    expect(await host(trunk.grad!)).toEqual(firstOnly); // nothing was accumulated by the failed call

    // the same with retainGraph on the first: trunk.grad = d(l0 + l1)/d trunk
    trunk.grad!.dispose(); trunk.grad = null;
    const g = wc.tidy(() => wc.tanh(wc.matmul(x, trunk)));
    const [m0, m1] = losses(g);
    m0.backward({ retainGraph: true });
    m1.backward();
    const summed = await host(trunk.grad!);
    trunk.grad!.dispose(); trunk.grad = null;
    wc.tidy(() => { const [a, b] = losses(wc.tanh(wc.matmul(x, trunk))); wc.add(a, b).backward(); });
    expectClose(summed, await host(trunk.grad!), { rtol: 1e-5, atol: 1e-6 }, 'two backward calls against one');
    expect(f.grad).toBeNull(); // a computed tensor never receives .grad
  });

  it('a disposed intermediate or leaf stops backward with a message, and nothing accumulates', async () => {
    const w = wc.tensor([1, -2, 3], [3], { requiresGrad: true });
    const h = wc.mul(w, 2);
    const loss = wc.sum(wc.relu(h));
    h.dispose();
    expect(() => loss.backward()).toThrow(/disposed tensor \[3\] \(output of mul\); dispose\(\) it only after backward\(\) ran/);
    expect(w.grad).toBeNull();
    const v = wc.tensor([1], [1], { requiresGrad: true });
    const l2 = wc.mul(v, 3);
    v.dispose();
    expect(() => l2.backward()).toThrow(/disposed leaf tensor \[1\]/);
  });

  it('retainGraph keeps what the rules saved: max-pool indices and the loss gradient written by the forward', async () => {
    const x = wc.tensor(Array.from(randomArray(16, 7)), [1, 1, 4, 4], { requiresGrad: true });
    const out = wc.tidy(() => wc.sum(wc.maxPool2d(x, 2)));
    out.backward({ retainGraph: true });
    const once = await host(x.grad!);
    wc.tidy(() => wc.add(wc.tensor([1], [1]), 0)); // a step in between may reuse freed buffers
    out.backward();
    expect(await host(x.grad!)).toEqual(once.map((v) => 2 * v));
    expect(once.reduce((a, b) => a + b, 0)).toBe(4);

    // logits as a leaf: its .grad must be a copy of the forward-written gradient, not the tensor itself
    const logits = wc.tensor([1, 2, 3, 0, 0, 5], [2, 3], { requiresGrad: true });
    const labels = wc.tensor([2, 0], [2], { dtype: 'int32' });
    const ce = wc.tidy(() => wc.crossEntropy(logits, labels));
    ce.backward({ retainGraph: true });
    const g1 = await host(logits.grad!);
    ce.backward();
    expectClose(await host(logits.grad!), g1.map((v) => 2 * v), { rtol: 1e-6 }, 'twice the unit gradient');
    expect(() => ce.backward()).toThrow(/second time/);
  });

  it('detach() shares the values and cuts the graph', async () => {
    const w = wc.tensor([1, 2], [2], { requiresGrad: true });
    const h = wc.mul(w, 3);
    const d = h.detach();
    expect(d.requiresGrad).toBe(false);
    expect(await host(d)).toEqual([3, 6]);
    wc.sum(wc.mul(h, d)).backward(); // d/dw (3w · c) with c held fixed = 3c
    expect(await host(w.grad!)).toEqual([9, 18]);
  });

  it('backward says what it was given when it is not a gradient or options', () => {
    const w = wc.tensor([1], [1], { requiresGrad: true });
    expect(() => wc.mul(w, 2).backward(3 as never)).toThrow(/expected a gradient Tensor or options \{ retainGraph \}, got number/);
  });
});
