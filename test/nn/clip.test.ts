/**
 * Gradient clipping vs float64. clipGradNorm's norm sums n squares (all ≥ 0: γ_n relative error,
 * then √ halves it); the factor maxNorm/(‖g‖ + 1e-6) adds two roundings and the scaling one more, so
 * each clipped gradient is within (n + 4)·ε₃₂ relative; we allow twice that.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { useDevice } from '../helpers/device.js';
import { EPS32, expectClose, randomArray, toF32 } from '../helpers/numeric.js';

const { nn } = wc;
const SHAPES = [[17, 3], [129], [1]];

function withGrads(seed: number, scale: number): { params: wc.Tensor[]; grads: Float32Array[] } {
  const grads = SHAPES.map((s, k) => toF32(randomArray(s.reduce((a, b) => a * b, 1), seed + k, -scale, scale)));
  const params = SHAPES.map((s, k) => {
    const p = wc.zeros(s, { requiresGrad: true });
    p.grad = wc.keep(wc.tensor(grads[k]!, s));
    return p;
  });
  return { params, grads };
}

describe('gradient clipping', () => {
  const device = useDevice();

  it('clipGradValue clamps every gradient elementwise', async () => {
    const { params, grads } = withGrads(1, 2);
    const frozen = wc.zeros([2], { requiresGrad: true }); // no gradient: skipped
    nn.clipGradValue([...params, frozen], 0.5);
    for (let k = 0; k < params.length; k++) {
      expect(Array.from(await params[k]!.grad!.toArray())).toEqual(Array.from(grads[k]!, (g) => Math.min(Math.max(g, -0.5), 0.5)));
    }
    expect(frozen.grad).toBeNull();
    expect(() => nn.clipGradValue(params, -1)).toThrow('clipGradValue: clipValue must be a number ≥ 0, got -1');
    [...params, frozen].forEach((p) => p.dispose());
  });

  it('clipGradNorm rescales to maxNorm on the GPU (no readback) and returns the norm', async () => {
    const { params, grads } = withGrads(2, 1);
    const n = grads.reduce((a, g) => a + g.length, 0);
    const norm = Math.sqrt(grads.reduce((a, g) => a + g.reduce((b, v) => b + v * v, 0), 0));
    const maxNorm = norm / 3;
    const readbacks = device().stats().readbacks;
    const total = nn.clipGradNorm(params, maxNorm);
    expect(device().stats().readbacks).toBe(readbacks);
    expect(Math.abs((await total.item()) - norm)).toBeLessThanOrEqual(2 * n * EPS32 * norm);
    const coef = maxNorm / (norm + 1e-6);
    for (let k = 0; k < params.length; k++) {
      expectClose(await params[k]!.grad!.toArray(), Array.from(grads[k]!, (g) => g * coef), { rtol: 2 * (n + 4) * EPS32 }, `clipped gradient ${k}`);
    }
    // Below the limit nothing changes (the factor is exactly 1).
    const { params: small, grads: smallGrads } = withGrads(3, 0.01);
    nn.clipGradNorm(small, 100).dispose();
    for (let k = 0; k < small.length; k++) expect(Array.from(await small[k]!.grad!.toArray())).toEqual(Array.from(smallGrads[k]!));
    expect(await nn.clipGradNorm([wc.zeros([1], { requiresGrad: true })], 1).item()).toBe(0);
    expect(() => nn.clipGradNorm(params, NaN)).toThrow('clipGradNorm: maxNorm must be a number ≥ 0, got NaN');
    total.dispose();
    [...params, ...small].forEach((p) => p.dispose());
  });

  // A diverged gradient must stay visible (PyTorch): clip_grad_value_ keeps NaN (clamp(NaN) = NaN),
  // and clip_grad_norm_ with a NaN norm scales by maxNorm/NaN = NaN, so every gradient becomes NaN.
  it('NaN gradients stay NaN: clipGradValue keeps them, clipGradNorm makes every gradient NaN', async () => {
    const { params, grads } = withGrads(4, 2);
    params[1]!.grad!.dispose();
    grads[1]![0] = NaN; grads[1]![64] = NaN; grads[1]![128] = NaN; // first, middle, last
    params[1]!.grad = wc.keep(wc.tensor(grads[1]!, SHAPES[1]!));
    nn.clipGradValue(params, 0.5);
    for (let k = 0; k < params.length; k++) {
      expect(Array.from(await params[k]!.grad!.toArray()), `gradient ${k}`).toEqual(Array.from(grads[k]!, (g) => Math.min(Math.max(g, -0.5), 0.5)));
    }
    const total = nn.clipGradNorm(params, 1);
    expect(await total.item()).toBeNaN();
    for (const p of params) expect((await p.grad!.toArray()).every(Number.isNaN)).toBe(true);
    total.dispose();
    params.forEach((p) => p.dispose());
  });
});
