/**
 * GradientProjection on an ordinary nn model (Conv2d and Linear with biases) and real MNIST digits:
 * the bias rides as the weight of a constant input, so [W | b] is projected against [x, 1].
 *
 * Mutations this file catches (apply by hand to the source, run this file, expect a failure, revert):
 * - cl/gradproj/gradient-projection.ts step(): `add(old, matmul(...))` → `sub(old, matmul(...))` (the
 *   projected update applied with the wrong sign) → 'step: the optimizer's update projected as ...'
 *   (host reference and the falling loss).
 * - cl/gradproj/gradient-projection.ts step(): `if (layer.bias && b) assign(layer.bias, b);` deleted (the
 *   bias keeps the optimizer's raw, unprojected update) → 'step: the optimizer's update projected as ...'
 *   (the bias column of the host reference).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { GradientProjection } from '../../cl/gradproj/gradient-projection.js';
import { NullSpace, ZeroPlasticity } from '../../index.js';
import { Adam, AdaptiveMaxPool2d, Conv2d, Flatten, Linear, SGD, Sequential } from '../../nn/index.js';
import { useDevice } from '../helpers/device.js';
import { expectWithin } from '../helpers/error-bounds.js';
import { EPS32 } from '../helpers/numeric.js';
import { rotatedPair } from '../helpers/mnist-sample.js';

/** A layer's [W | b] (or its gradient) as a float64 [out, d + 1] matrix, W flattened row by row. */
async function augmented(layer: Conv2d | Linear, pick: (p: wc.Tensor) => wc.Tensor): Promise<Float64Array> {
  const out = layer.weight.shape[0]!, d = layer.weight.size / out;
  const [w, b] = [await pick(layer.weight).toArray(), await pick(layer.bias!).toArray()];
  const m = new Float64Array(out * (d + 1));
  for (let i = 0; i < out; i++) {
    for (let j = 0; j < d; j++) m[i * (d + 1) + j] = w[i * d + j]!;
    m[i * (d + 1) + d] = b[i]!;
  }
  return m;
}

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

  it("step: the optimizer's update projected as [ΔW | Δb]·P in every layer, bias column included (float64 host reference); the loss falls", async () => {
    const { net, conv, head } = model();
    const gp = new GradientProjection(net, { calculator: () => new NullSpace({ R: 0.05 }) });
    await gp.collect(() => { wc.tidy(() => { net.forward(x1); }); });
    const lr = 0.05;
    const opt = new SGD(net.parameters(), { lr });
    const lossOnTask2 = () => wc.tidy(() => wc.noGrad(() => wc.crossEntropy(net.forward(x2), y))).item();
    const loss0 = await lossOnTask2();
    wc.tidy(() => wc.crossEntropy(net.forward(x2), y).backward());
    const layers = [conv, head];
    const before = await Promise.all(layers.map(async (l, i) => ({
      A: await augmented(l, (p) => p), G: await augmented(l, (p) => p.grad!), P: await gp.projectors[i]!.toArray(),
    })));
    gp.step(opt);
    net.zeroGrad();
    const lr32 = Math.fround(lr);
    for (const [i, l] of layers.entries()) {
      const { A, G, P } = before[i]!;
      const out = l.weight.shape[0]!, n = P.length ** 0.5; // n = d + 1
      expect(n).toBe(l.weight.size / out + 1);
      // A' = A + (−lr·G)·P in float64. The GPU forms Δ = (A − lr·G) − A in float32, so Δ carries
      // ~ε₃₂·(|A| + lr·|G|) per entry before P; the product adds γ_n·Σ|Δ||P|, the final sum ε₃₂·|A'|.
      const want = new Float64Array(out * n), bound = new Float64Array(out * n);
      let moved = 0;
      for (let r = 0; r < out; r++) {
        for (let c = 0; c < n; c++) {
          let step = 0, carried = 0, terms = 0;
          for (let k = 0; k < n; k++) {
            const delta = -lr32 * G[r * n + k]!;
            step += delta * P[k * n + c]!;
            carried += (Math.abs(A[r * n + k]!) + Math.abs(delta)) * Math.abs(P[k * n + c]!);
            terms += Math.abs(delta * P[k * n + c]!);
          }
          want[r * n + c] = A[r * n + c]! + step;
          bound[r * n + c] = 4 * EPS32 * (Math.abs(A[r * n + c]!) + Math.abs(step) + carried) + (n + 2) * EPS32 * terms;
          moved = Math.max(moved, Math.abs(step));
        }
      }
      expect(moved, `layer ${i} moves`).toBeGreaterThan(1e-4);
      expectWithin(await augmented(l, (p) => p), want, bound, `layer ${i} [W | b] after the projected step`);
      // The bias column is projected too: its update is not the raw −lr·g_b.
      let biasDiff = 0;
      for (let r = 0; r < out; r++) biasDiff = Math.max(biasDiff, Math.abs(want[r * n + n - 1]! - A[r * n + n - 1]! + lr32 * G[r * n + n - 1]!));
      expect(biasDiff, `layer ${i}: the projection changes the bias update`).toBeGreaterThan(1e-4);
    }
    // More projected steps keep lowering the new task's loss: the projected update is a descent direction.
    let loss = await lossOnTask2();
    expect(loss).toBeLessThan(loss0);
    for (let s = 0; s < 10; s++) {
      wc.tidy(() => wc.crossEntropy(net.forward(x2), y).backward());
      gp.step(opt);
      net.zeroGrad();
      const next = await lossOnTask2();
      expect(next, `step ${s + 2}`).toBeLessThan(loss);
      loss = next;
    }
    expect(loss).toBeLessThan(loss0 - 1e-3); // 2.3707 → 2.3681 here (slow: most directions are frozen)
    gp.dispose();
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
