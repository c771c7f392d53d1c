/**
 * Layers against float64 references.
 *
 * Tolerances: a float32 dot product of K exact float32 terms plus a bias errs by at most
 * γ_{K+1}·(Σ|x||w| + |b|) (Higham §3.1; error-bounds.ts), which bounds Linear and Conv2d (whose
 * reference is the direct loop in kernels/conv2d.reference.ts, an independent route from the GPU's
 * im2col + matmul). We allow twice that. Activations, pooling and Flatten move or compare values
 * without rounding (LeakyReLU rounds one product: ε₃₂ relative).
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { conv2dReference } from '../../kernels/conv2d.reference.js';
import { matmulReference } from '../../kernels/matmul.reference.js';
import { windowGeometry } from '../../engine/ops/window2d.js';
import { useDevice } from '../helpers/device.js';
import { expectWithin, gamma } from '../helpers/error-bounds.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { EPS32, expectClose, randomArray, toF32 } from '../helpers/numeric.js';

const { nn } = wc;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** x·Wᵀ + b in float64, and the rounding bound 2·γ_{K+1}·(|x|·|W|ᵀ + |b|). */
function linearReference(x: Float32Array, w: Float32Array, b: Float32Array | null, N: number, K: number, M: number) {
  const y = matmulReference(x, w, N, M, K, false, true);
  const bound = matmulReference(x.map(Math.abs), w.map(Math.abs), N, M, K, false, true);
  for (let i = 0; i < y.length; i++) {
    const bi = b ? b[i % M]! : 0;
    y[i] += bi;
    bound[i] = 2 * gamma(K + 1) * (bound[i]! + Math.abs(bi));
  }
  return { y, bound };
}

describe('layers vs float64 references', () => {
  useDevice();

  it('Linear with and without bias, odd sizes', async () => {
    for (const [N, K, M, bias] of [[1, 1, 1, true], [3, 17, 5, true], [17, 3, 129, false], [2, 129, 3, true]] as const) {
      const layer = new nn.Linear(K, M, { bias });
      expect(layer.weight.shape).toEqual([M, K]);
      const x = toF32(randomArray(N * K, N + K));
      const w = (await layer.weight.toArray()) as Float32Array;
      const b = layer.bias ? ((await layer.bias.toArray()) as Float32Array) : null;
      const { y, bound } = linearReference(x, w, b, N, K, M);
      const got = wc.tidy(() => layer.forward(wc.tensor(x, [N, K])));
      expect(got.shape).toEqual([N, M]);
      expectWithin(await got.toArray(), y, bound, `Linear(${K}, ${M}) on ${N} rows`);
      got.dispose();
      layer.dispose();
    }
  });

  it('Linear accepts batched inputs [B, N, in] and rejects the wrong feature count', () => {
    const layer = new nn.Linear(4, 2);
    const y = layer.forward(wc.zeros([3, 5, 4]));
    expect(y.shape).toEqual([3, 5, 2]);
    expect(() => layer.forward(wc.zeros([5, 3]))).toThrow('Linear.forward: x must be [N, 4] (or [..., N, 4]), got [5, 3]');
    expect(() => layer.forward(wc.zeros([4]))).toThrow('Linear.forward: x must be [N, 4] (or [..., N, 4]), got [4]');
    expect(() => new nn.Linear(0, 3)).toThrow('Linear: inFeatures must be a positive integer, got 0');
    expect(() => new nn.Linear(3, 2.5)).toThrow('Linear: outFeatures must be a positive integer, got 2.5');
    layer.dispose();
  });

  it('Linear gradients (input, weight, bias) pass a finite-difference check', async () => {
    const layer = new nn.Linear(3, 4);
    const [w, b] = await Promise.all([layer.weight.toArray(), layer.bias!.toArray()]);
    await checkGrad((x, wt, bt) => wc.add(wc.matmul(x, wt, { transposeB: true }), bt), [
      { shape: [5, 3], data: randomArray(15, 1) }, { shape: [4, 3], data: w }, { shape: [4], data: b },
    ]);
    // The layer records the same graph: gradients reach its own parameters.
    wc.tidy(() => wc.sum(layer.forward(wc.ones([2, 3]))).backward());
    expect(layer.weight.grad?.shape).toEqual([4, 3]);
    expect(Array.from(await layer.bias!.grad!.toArray())).toEqual([2, 2, 2, 2]);
    layer.dispose();
  });

  it('Conv2d matches the direct convolution (stride, padding, odd sizes, no bias)', async () => {
    const cases = [
      { N: 2, Cin: 3, Cout: 5, hw: [7, 6] as [number, number], k: 3, opts: { stride: 2, padding: 1 } },
      { N: 1, Cin: 1, Cout: 4, hw: [9, 9] as [number, number], k: 5, opts: { bias: false } },
    ];
    for (const c of cases) {
      const layer = new nn.Conv2d(c.Cin, c.Cout, c.k, c.opts);
      const xShape = [c.N, c.Cin, ...c.hw];
      const geom = windowGeometry('test', xShape, [c.k, c.k], c.opts);
      const s = { N: c.N, Cin: c.Cin, Cout: c.Cout, w: geom };
      const x = toF32(randomArray(size(xShape), 3));
      const w = await layer.weight.toArray();
      const b = layer.bias ? await layer.bias.toArray() : undefined;
      const want = conv2dReference(x, w, s, b);
      const bound = conv2dReference(x.map(Math.abs), w.map(Math.abs), s, b?.map(Math.abs)).map((v) => 2 * gamma(c.Cin * c.k * c.k + 1) * v);
      const y = layer.forward(wc.tensor(x, xShape));
      expect(y.shape).toEqual([c.N, c.Cout, ...geom.out]);
      expectWithin(await y.toArray(), want, bound, `Conv2d ${JSON.stringify(c)}`);
      y.dispose();
      layer.dispose();
    }
    expect(() => new nn.Conv2d(1, 2, 0)).toThrow('Conv2d: kernel must be a positive integer or a pair [h, w] of them, got 0');
  });

  it('ReLU, LeakyReLU, Flatten, pooling', async () => {
    const xs = toF32(randomArray(2 * 3 * 5 * 4, 9));
    const x = wc.tensor(xs, [2, 3, 5, 4]);
    expect(Array.from(await new nn.ReLU().forward(x).toArray())).toEqual(Array.from(xs, (v) => Math.max(v, 0)));
    expectClose(await new nn.LeakyReLU(0.1).forward(x).toArray(), Array.from(xs, (v) => (v > 0 ? v : 0.1 * v)), { rtol: EPS32 }, 'LeakyReLU');
    const flat = new nn.Flatten().forward(x);
    expect(flat.shape).toEqual([2, 60]);
    expect(Array.from(await flat.toArray())).toEqual(Array.from(xs));
    expect(new nn.Flatten(0, 1).forward(x).shape).toEqual([6, 5, 4]);
    expect(() => new nn.Flatten(2, 1).forward(x)).toThrow('Flatten: startDim 2 comes after endDim 1 for x [2, 3, 5, 4]');

    // 2×2 max pooling of a 5×4 plane: windows at rows {0,1}, {2,3}; the 5th row is dropped (floor).
    const pooled = await new nn.MaxPool2d(2).forward(x).toArray();
    const want: number[] = [];
    for (let p = 0; p < 6; p++) for (let oy = 0; oy < 2; oy++) for (let ox = 0; ox < 2; ox++) {
      const at = (y: number, xx: number) => xs[p * 20 + y * 4 + xx]!;
      want.push(Math.max(at(2 * oy, 2 * ox), at(2 * oy, 2 * ox + 1), at(2 * oy + 1, 2 * ox), at(2 * oy + 1, 2 * ox + 1)));
    }
    expect(Array.from(pooled)).toEqual(want);
    // Adaptive max to 1×1 is the plane's max.
    const global = await new nn.AdaptiveMaxPool2d(1).forward(x).toArray();
    expect(Array.from(global)).toEqual(Array.from({ length: 6 }, (_, p) => Math.max(...xs.subarray(p * 20, p * 20 + 20))));
    expect(new nn.AdaptiveMaxPool2d([4, 3]).forward(x).shape).toEqual([2, 3, 4, 3]);
    expect(() => new nn.MaxPool2d(2, { stride: -1 })).toThrow('MaxPool2d: stride must be a positive integer or a pair [h, w] of them, got -1');
    x.dispose();
  });

  it('Sequential chains its layers; MultiHead runs the chosen head only', async () => {
    const seq = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const x = wc.tensor(toF32(randomArray(6, 4)), [2, 3]);
    const layers = seq.layers as [wc.nn.Linear, wc.nn.ReLU, wc.nn.Linear];
    const manual = layers[2].forward(wc.relu(layers[0].forward(x)));
    expect(Array.from(await seq.forward(x).toArray())).toEqual(Array.from(await manual.toArray()));
    expect(() => new nn.Sequential(new nn.ReLU(), 3 as unknown as wc.nn.Module)).toThrow('Sequential: element 1 must be a Module, got number');

    const heads = nn.MultiHead.linear(3, [2, 5]);
    expect(heads.forward(x, 1).shape).toEqual([2, 5]);
    wc.tidy(() => wc.sum(heads.forward(x, 0)).backward());
    const [h0, h1] = heads.heads as [wc.nn.Linear, wc.nn.Linear];
    expect(h0.weight.grad).not.toBeNull();
    expect(h1.weight.grad).toBeNull(); // the other task's head gets no gradient
    expect(heads.addHead(new nn.Linear(3, 1))).toBe(2);
    expect(() => heads.forward(x, 3)).toThrow('MultiHead.forward: taskId must be an integer in [0, 3), got 3');
    seq.dispose();
    heads.dispose();
  });

  // Sequential(conv, tiling max pool) runs conv2dMaxPool: the same values (max of the same sums, so
  // within the convolution's bound), the same gradients for x, W and b, and no unfold dispatch; a pool
  // that does not tile the output (or a dilated conv) runs the two layers one after the other.
  it('Sequential fuses a convolution with a max pool that tiles its output', async () => {
    const x = wc.tensor(toF32(randomArray(2 * 3 * 9 * 8, 21)), [2, 3, 9, 8], { requiresGrad: true });
    const conv = new nn.Conv2d(3, 4, 3, { padding: 1, generator: new wc.Generator(5) });
    const cases: [wc.nn.Module, boolean][] = [
      [new nn.MaxPool2d(3), false], // 9×8 output: 3 does not divide 8 → unfused
      [new nn.AdaptiveMaxPool2d([3, 4]), true], // 3×2 windows tile 9×8
      [new nn.MaxPool2d([3, 2]), true],
    ];
    for (const [pool, fused] of cases) {
      const seq = new nn.Sequential(conv, pool);
      const grads = async (f: () => wc.Tensor) => {
        for (const t of [x, conv.weight, conv.bias!]) { t.grad?.dispose(); t.grad = null; }
        const before = wc.getDevice().stats().dispatches;
        const y = f();
        const count = wc.getDevice().stats().dispatches - before;
        wc.tidy(() => wc.sum(wc.mul(y, wc.reshape(wc.arange(y.size), y.shape))).backward());
        const out = await Promise.all([y, x.grad!, conv.weight.grad!, conv.bias!.grad!].map((t) => t.toArray()));
        y.dispose();
        return { out, count };
      };
      const composed = await grads(() => pool.forward(conv.forward(x)));
      const viaSeq = await grads(() => seq.forward(x));
      const what = `${pool.constructor.name} ${fused ? 'fused' : 'unfused'}`;
      expect(viaSeq.count < composed.count, what).toBe(fused);
      for (const [k, name] of ['y', 'dx', 'dW', 'db'].entries()) {
        expectClose(viaSeq.out[k]!, composed.out[k]!, { atol: 1e-5, rtol: 1e-5 }, `${what}: ${name}`);
      }
    }
    conv.dispose();
    x.dispose();
  });
});
