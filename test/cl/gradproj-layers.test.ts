/**
 * Gradient-projection layers on real MNIST digits: what projection promises about old tasks.
 * Net: GP-Conv2d(1, 4, 3, stride 2) → AdaptiveMaxPool2d(2, 2) → Flatten → GP-Linear(16, 10).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { GradProjConv2d, GradProjLinear, LowPlasticity, NullSpace, ZeroPlasticity, gradprojLayers, projComputation } from '../../index.js';
import type { ProjectionCalculator } from '../../cl/gradproj/calculators/calculator.js';
import { AdaptiveMaxPool2d, Flatten, Sequential, clipGradValue } from '../../nn/index.js';
import { useDevice } from '../helpers/device.js';
import { rotatedPair } from '../helpers/mnist-sample.js';
import { expectWithin, gamma } from '../helpers/error-bounds.js';
import { expectClose, randomArray } from '../helpers/numeric.js';

function tinyNet(calc: () => ProjectionCalculator, seed = 0) {
  const generator = new wc.Generator(seed);
  const conv = new GradProjConv2d(1, 4, 3, calc(), { stride: 2, generator });
  const head = new GradProjLinear(16, 10, calc(), { generator });
  return { net: new Sequential(conv, new AdaptiveMaxPool2d([2, 2]), new Flatten(), head), conv, head };
}

function train(net: Sequential, x: wc.Tensor, y: wc.Tensor, steps: number, lr = 0.05): void {
  for (let s = 0; s < steps; s++) {
    wc.tidy(() => {
      wc.crossEntropy(net.forward(x), y).backward();
      for (const l of gradprojLayers(net)) l.sgdStep({ lr });
    });
  }
}

describe('gradient-projection layers', () => {
  useDevice();
  let x1: wc.Tensor, x2: wc.Tensor, y: wc.Tensor;
  beforeAll(async () => {
    ({ x1, x2, y } = await rotatedPair(4));
  });

  it('ZeroPlasticity freezes every layer after the first task: old outputs are bit-identical', async () => {
    const { net } = tinyNet(() => new ZeroPlasticity());
    for (const l of gradprojLayers(net)) l.takeSnapshot();
    train(net, x1, y, 5);
    await projComputation(net, () => { wc.tidy(() => { net.forward(x1); }); });
    const before = await wc.noGrad(() => net.forward(x1)).toArray();
    for (const l of gradprojLayers(net)) l.takeSnapshot();
    train(net, x2, y, 5);
    const after = await wc.noGrad(() => net.forward(x1)).toArray();
    expect(Array.from(after)).toEqual(Array.from(before));
  });

  it("NullSpace bounds the change of a layer's outputs on old inputs by R·tr Σ·‖ΔW‖²", async () => {
    const R = 0.02;
    const { net, conv } = tinyNet(() => new NullSpace({ R }));
    for (const l of gradprojLayers(net)) l.takeSnapshot();
    train(net, x1, y, 5);
    await projComputation(net, () => { wc.tidy(() => { net.forward(x1); }); });
    const W0 = wc.keep(wc.clone(conv.weight));
    for (const l of gradprojLayers(net)) l.takeSnapshot();
    train(net, x2, y, 10);
    // Per patch p of the old inputs: Δy_p = ΔW·p; mean ‖Δy_p‖² = tr(ΔW Σ ΔWᵀ) ≤ λ_max(free part)·‖ΔW‖²
    // and every free eigenvalue is at most R·tr Σ.
    const [meanSq, dW2, trace] = await Promise.all(wc.tidy(() => {
      const patches = wc.unfoldRows(x1, 3, { stride: 2 });
      const dW = wc.reshape(wc.sub(conv.weight, W0), [4, 9]);
      const dy = wc.matmul(patches, dW, { transposeB: true });
      const m = patches.shape[0]!;
      return [
        wc.div(wc.sum(wc.square(dy)), m),
        wc.sum(wc.square(dW)),
        wc.div(wc.sum(wc.square(patches)), m),
      ];
    }).map((t) => t.item()));
    expect(dW2).toBeGreaterThan(0); // the layer did learn on task 2
    expect(meanSq).toBeLessThanOrEqual(R * trace * dW2 * 1.001 + 1e-9);
    // Without projection the same training moves old outputs far more.
    const { net: free, conv: freeConv } = tinyNet(() => new NullSpace({ R }));
    for (const l of gradprojLayers(free)) l.disable().takeSnapshot();
    const F0 = wc.keep(wc.clone(freeConv.weight));
    train(free, x2, y, 10);
    const freeMeanSq = await wc.tidy(() => {
      const patches = wc.unfoldRows(x1, 3, { stride: 2 });
      const dy = wc.matmul(patches, wc.reshape(wc.sub(freeConv.weight, F0), [4, 9]), { transposeB: true });
      return wc.div(wc.sum(wc.square(dy)), patches.shape[0]!);
    }).item();
    expect(freeMeanSq).toBeGreaterThan(10 * meanSq);
  });

  it('LowPlasticity keeps old outputs when the old inputs do not span the space', async () => {
    // Task 1 uses only the left half of each image (right half zero): the conv sees all patch
    // directions, but the head's pooled features are what matter here; we check the conv layer.
    const { net, conv } = tinyNet(() => new LowPlasticity());
    const left = wc.keep(wc.tidy(() => wc.mul(x1, wc.tensor(Float32Array.from({ length: 784 }, (_, i) => (i % 28 < 14 ? 1 : 0)), [1, 1, 28, 28]))));
    const patch = wc.keep(wc.tidy(() => wc.mul(left, wc.tensor(Float32Array.from({ length: 784 }, (_, i) => (i % 2 === 0 && Math.floor(i / 28) % 2 === 0 ? 1 : 0)), [1, 1, 28, 28]))));
    // With stride 2 and only even-row/even-column pixels nonzero, each 3×3 patch has zeros off its
    // (even, even) corners: the inputs span 4 of 9 directions.
    for (const l of gradprojLayers(net)) l.takeSnapshot();
    train(net, patch, y, 5);
    await projComputation(net, () => { wc.tidy(() => { net.forward(patch); }); });
    const before = await wc.noGrad(() => wc.conv2d(patch, conv.weight, { stride: 2 })).toArray();
    const w0 = await conv.weight.toArray();
    for (const l of gradprojLayers(net)) l.takeSnapshot();
    train(net, x2, y, 10);
    const w1 = await conv.weight.toArray();
    expect(Math.max(...w1.map((v, i) => Math.abs(v - w0[i]!)))).toBeGreaterThan(1e-3); // it did learn
    const after = await wc.noGrad(() => wc.conv2d(patch, conv.weight, { stride: 2 })).toArray();
    let change = 0, size = 0;
    before.forEach((v, i) => { change = Math.max(change, Math.abs(after[i]! - v)); size = Math.max(size, Math.abs(v)); });
    expect(change).toBeLessThan(1e-4 * size);
    left.dispose(); patch.dispose();
  });

  it('projComputation collects without gradients, restores train mode, and sets every projector', async () => {
    const { net, conv, head } = tinyNet(() => new NullSpace());
    expect(conv.projector).toBeNull();
    net.train();
    let grad = true;
    await projComputation(net, () => {
      grad = wc.isGradEnabled();
      expect(net.training).toBe(false);
      wc.tidy(() => { net.forward(x1); });
    });
    expect(grad).toBe(false);
    expect(net.training).toBe(true);
    expect(conv.projector!.shape).toEqual([9, 9]);
    expect(head.projector!.shape).toEqual([16, 16]);
  });

  // The fused path registers the patch covariance straight from the images; the plain conv registers
  // its unfolded rows. Both sum the same m = N·L products p_a·p_b in float32 in different orders, so
  // they differ by at most 2·γ_m·Σ|p_a||p_b| (Higham), Σ|p_a||p_b| being the patch sum of |x|.
  it('a GP-Conv2d fused with its max pool feeds the calculator the patch covariance of the plain conv', async () => {
    const make = () => new GradProjConv2d(1, 3, 5, new NullSpace({ R: 0.1 }), { generator: new wc.Generator(3) });
    const fusedConv = make(), plainConv = make();
    const net = new Sequential(fusedConv, new AdaptiveMaxPool2d([4, 4])); // 24×24 output: 6×6 windows tile it
    await projComputation(net, () => { wc.tidy(() => { net.forward(x1); }); });
    await projComputation(plainConv, () => { wc.tidy(() => { plainConv.forward(x1); }); });
    const [a, b] = [fusedConv, plainConv].map((c) => c.calculator.state().tensors.covSum!);
    const m = x1.shape[0]! * 24 * 24;
    const absSum = wc.tidy(() => wc.mul(wc.linalg.patchCov(wc.abs(x1), [5, 5]), m));
    const bound = (await absSum.toArray()).map((v) => 2 * gamma(m) * v);
    expectWithin(await a.toArray(), Float64Array.from(await b.toArray()), bound, 'patch covariance: fused vs unfolded');
    const pooled = wc.tidy(() => net.forward(x1));
    const composed = wc.tidy(() => wc.adaptiveMaxPool2d(plainConv.forward(x1), [4, 4]));
    const [p, q] = [await pooled.toArray(), await composed.toArray()];
    p.forEach((v, i) => expect(Math.abs(v - q[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(q[i]!))));
    [a, b, absSum, pooled, composed].forEach((t) => t.dispose());
    net.dispose(); plainConv.dispose();
  });

  it('l1dist is zero on the first task, then Σ|θ − θ₀| with gradient sign(θ − θ₀)', async () => {
    const { net, head } = tinyNet(() => new NullSpace());
    for (const l of gradprojLayers(net)) l.takeSnapshot();
    expect(await head.l1dist().item()).toBe(0);
    await projComputation(net, () => { wc.tidy(() => { net.forward(x1); }); });
    for (const l of gradprojLayers(net)) l.takeSnapshot();
    const theta0 = await head.weight.data();
    train(net, x2, y, 3);
    const theta = await head.weight.data();
    const want = theta.reduce((s, v, i) => s + Math.abs(v - theta0[i]!), 0);
    head.zeroGrad();
    const dist = head.l1dist();
    expect(await dist.item()).toBeCloseTo(want, 4);
    dist.backward();
    const g = await head.weight.grad!.toArray();
    g.forEach((v, i) => expect(v).toBe(Math.sign(theta[i]! - theta0[i]!)));
  });

  it('randomStep moves θ only inside the projector range', async () => {
    const { net, conv } = tinyNet(() => new NullSpace({ R: 0.05 }));
    await projComputation(net, () => { wc.tidy(() => { net.forward(x1); }); });
    const before = wc.keep(wc.clone(conv.weight));
    conv.randomStep(0.1, { generator: new wc.Generator(3) });
    const [moved, leak] = await Promise.all(wc.tidy(() => {
      const delta = wc.reshape(wc.sub(conv.weight, before), [4, 9]);
      const outside = wc.sub(delta, wc.matmul(delta, conv.projector!));
      return [wc.sum(wc.square(delta)), wc.sum(wc.square(outside))];
    }).map((t) => t.item()));
    expect(moved).toBeGreaterThan(0);
    expect(leak).toBeLessThan(1e-8 * moved + 1e-12);
  });

  // A 40×48 head (too big for the fused step) on 8 input rows: the step runs from the gradient's
  // factors. The same layer fed the same rows as a [2, 4, 48] batch keeps no factors (the batched
  // backward sums in another order) and takes the plain GEMM step: both must agree, clipping included.
  it("GP-Linear's step from its gradient's factors equals the plain step, clipped gradients included", async () => {
    const make = () => new GradProjLinear(48, 40, new NullSpace({ R: 0.1 }), { generator: new wc.Generator(5) });
    const feats = wc.keep(wc.tensor(randomArray(8 * 48, 7, 0, 2), [8, 48]));
    const labels = wc.keep(wc.tensor([0, 3, 9, 39, 12, 5, 5, 20], [8], { dtype: 'int32' }));
    const layers = [make(), make()];
    const inputs = [feats, wc.keep(wc.reshape(feats, [2, 4, 48]))];
    for (const layer of layers) {
      await projComputation(layer, () => { wc.tidy(() => { layer.forward(wc.slice(feats, 0, 0, 4)); }); });
      layer.takeSnapshot();
    }
    const dispatches = [0, 0];
    for (let s = 0; s < 3; s++) {
      layers.forEach((layer, i) => wc.tidy(() => {
        wc.mul(wc.crossEntropy(wc.reshape(layer.forward(inputs[i]!), [8, 40]), labels), 50).backward();
        clipGradValue([layer.weight], 0.5); // the ×50 loss makes some entries exceed 0.5
        const before = wc.getDevice().stats().dispatches;
        layer.sgdStep({ lr: 0.01 });
        dispatches[i] = wc.getDevice().stats().dispatches - before;
      }));
    }
    expect(dispatches).toEqual([4, 2]); // X·U, X − (X·U)·Uᵀ, update, correction; adjust + GEMM
    const [a, b] = await Promise.all(layers.map((l) => l.weight.toArray()));
    const w0 = await make().weight.toArray();
    const moved = Math.max(...b.map((v, i) => Math.abs(v - w0[i]!)));
    expect(moved).toBeGreaterThan(1e-3);
    expectClose(a, b, { atol: 1e-5 * moved }, 'factored vs plain step');
    [feats, labels, ...inputs, ...layers].forEach((t) => t.dispose());
  });

  it('disable() gives plain SGD; steps need a gradient; constructors check sizes', async () => {
    const { net, head } = tinyNet(() => new ZeroPlasticity());
    await projComputation(net, () => { wc.tidy(() => { net.forward(x1); }); });
    head.disable().takeSnapshot();
    const w0 = await head.weight.toArray();
    const feats = wc.keep(wc.noGrad(() => wc.reshape(wc.adaptiveMaxPool2d(wc.conv2d(x1, net.layers[0]!.parameters()[0]!, { stride: 2 }), [2, 2]), [-1, 16])));
    wc.tidy(() => wc.crossEntropy(head.forward(feats), y).backward());
    const g = await head.weight.grad!.toArray();
    head.sgdStep({ lr: 0.1 });
    const w1 = await head.weight.toArray();
    w1.forEach((v, i) => expect(v).toBeCloseTo(w0[i]! - 0.1 * g[i]!, 6));
    expect(() => head.sgdStep({ lr: 0.1 })).toThrow(/sgdStep: the weight has no gradient; call backward\(\) before stepping/);
    expect(() => new GradProjLinear(0, 3, new NullSpace())).toThrow(/GradProjLinear: inDim must be a positive integer, got 0/);
    expect(() => head.forward(wc.zeros([2, 5]))).toThrow(/GradProjLinear: x must be \[N, 16\], got \[2, 5\]/);
  });
});
