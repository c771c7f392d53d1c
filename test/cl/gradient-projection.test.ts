/**
 * GradientProjection on an ordinary nn model (Conv2d and Linear with biases) and real MNIST digits:
 * the bias rides as the weight of a constant input, so [W | b] is projected against [x, 1].
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { GradientProjection } from '../../cl/gradproj/gradient-projection.js';
import { NullSpace, ZeroPlasticity } from '../../index.js';
import { Adam, AdaptiveMaxPool2d, Conv2d, Flatten, Linear, SGD, Sequential } from '../../nn/index.js';
import { useDevice } from '../helpers/device.js';
import { rotatedPair } from '../helpers/mnist-sample.js';

function model(seed = 0) {
  const generator = new wc.Generator(seed);
  const conv = new Conv2d(1, 4, 3, { stride: 2, generator });
  const head = new Linear(16, 10, { generator });
  return { net: new Sequential(conv, new AdaptiveMaxPool2d([2, 2]), new Flatten(), head), conv, head };
}

describe('GradientProjection for nn layers', () => {
  useDevice();
  let x1: wc.Tensor, x2: wc.Tensor, y: wc.Tensor;
  beforeAll(async () => {
    ({ x1, x2, y } = await rotatedPair(4));
  });

  it('ZeroPlasticity: projected gradients are zero and the model no longer changes', async () => {
    const { net } = model();
    const gp = new GradientProjection(net, { calculator: () => new ZeroPlasticity() });
    await gp.collect(() => { wc.tidy(() => { net.forward(x1); }); });
    expect(gp.projectors.map((p) => p!.shape)).toEqual([[10, 10], [17, 17]]); // conv: 9 + bias, linear: 16 + bias
    const before = await wc.noGrad(() => net.forward(x1)).toArray();
    const opt = new SGD(net.parameters(), { lr: 0.1 });
    for (let s = 0; s < 3; s++) {
      wc.tidy(() => wc.crossEntropy(net.forward(x2), y).backward());
      gp.projectGradients();
      for (const p of net.parameters()) expect(Array.from(await p.grad!.toArray()).every((v) => v === 0)).toBe(true);
      opt.step();
      net.zeroGrad();
    }
    expect(Array.from(await wc.noGrad(() => net.forward(x1)).toArray())).toEqual(Array.from(before));
  });

  it('NullSpace with Adam (projected update): old outputs of each layer move within the energy bound', async () => {
    const R = 0.02;
    const { net, head } = model();
    const gp = new GradientProjection(net, { calculator: () => new NullSpace({ R }), layers: [head] });
    const feats = wc.keep(wc.noGrad(() => wc.reshape(net.layers[2]!.forward(net.layers[1]!.forward(net.layers[0]!.forward(x1))), [-1, 16])));
    await gp.collect(() => { wc.tidy(() => { net.forward(x1); }); });
    const W0 = wc.keep(wc.clone(head.weight));
    const b0 = wc.keep(wc.clone(head.bias!));
    const opt = new Adam(head.parameters(), { lr: 0.01 });
    for (let s = 0; s < 10; s++) {
      wc.tidy(() => wc.crossEntropy(head.forward(feats), wc.tensor([...Array(feats.shape[0]).keys()].map((i) => (i * 7) % 10), [feats.shape[0]!], { dtype: 'int32' })).backward());
      gp.step(opt);
      head.zeroGrad();
    }
    // Δy = [x, 1]·[ΔW | Δb]ᵀ on the collected inputs: mean ‖Δy‖² ≤ R·tr(Σ_aug)·‖[ΔW | Δb]‖².
    const [meanSq, d2, trace] = await Promise.all(wc.tidy(() => {
      const m = feats.shape[0]!;
      const aug = wc.concat([feats, wc.ones([m, 1])], 1);
      const dA = wc.concat([wc.sub(head.weight, W0), wc.reshape(wc.sub(head.bias!, b0), [10, 1])], 1);
      const dy = wc.matmul(aug, dA, { transposeB: true });
      return [wc.div(wc.sum(wc.square(dy)), m), wc.sum(wc.square(dA)), wc.div(wc.sum(wc.square(aug)), m)];
    }).map((t) => t.item()));
    expect(d2).toBeGreaterThan(1e-6);
    expect(meanSq).toBeLessThanOrEqual(R * trace * d2 * 1.001 + 1e-9);
  });

  it('rejects models without projectable layers and bad options', () => {
    expect(() => new GradientProjection(new Sequential(new Flatten()), { calculator: () => new NullSpace() })).toThrow(/no Linear or Conv2d layer/);
    expect(() => new GradientProjection(model().net, {} as never)).toThrow(/options.calculator must be a function/);
  });
});
