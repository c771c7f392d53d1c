/**
 * Fused optimizer kernels (sgd, adam, rmsprop), driven through nn.SGD / nn.Adam / nn.RMSprop, against
 * their float64 references over several steps, with PyTorch's hyperparameter variants.
 *
 * Tolerance. Gradients are drawn with |g| ∈ [0.1, 1]. One step computes the new parameter with a
 * handful (≤ 8) of float32 roundings, each relative to the size of the terms it combines: the
 * parameter itself (≤ P) and the step lr·u, where the update direction u is bounded by R:
 *   SGD: |u| ≤ (1 + wd·P)·(1 + μ)/(1 − μ);  Adam: |m̂/√v̂| ≤ √k for k steps (Cauchy–Schwarz on the two
 *   moving averages) times the bias-corrected step; RMSprop: |g/√s| ≤ 1/√(1 − α), times 1/(1 − μ)
 *   with momentum.
 * The state recurrences are contractions (μ, β, α < 1), so rounding errors in the state add up
 * rather than grow. After k steps |p_gpu − p_ref| ≤ k·8ε₃₂·(P + lr·R); we allow 4× that, and check
 * that the parameters moved by far more than the tolerance (so a wrong formula cannot pass).
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { adamReference, type AdamHyper } from '../../kernels/adam.reference.js';
import { rmspropReference, type RmspropHyper } from '../../kernels/rmsprop.reference.js';
import { sgdReference, type SgdHyper } from '../../kernels/sgd.reference.js';
import { useDevice } from '../helpers/device.js';
import { EPS32, randomArray, toF32 } from '../helpers/numeric.js';

const { nn } = wc;
const SHAPES = [[17], [3, 5], [1], [129]];
const STEPS = 6;

/** |g| ∈ [0.1, 1] with random signs. */
function gradient(n: number, seed: number): Float32Array {
  return toF32(randomArray(n, seed).map((v) => Math.sign(v || 1) * (0.1 + 0.9 * Math.abs(v))));
}

interface Case {
  name: string;
  make: (params: wc.Tensor[]) => wc.nn.Optimizer;
  /** One reference step for parameter k (state is per parameter, created on its first step). */
  step: (param: Float64Array, grad: Float32Array, state: Record<string, unknown>) => void;
  /** lr·R in the tolerance above. */
  stepBound: (P: number) => number;
}

const sgd = (h: SgdHyper): Case => ({
  name: `SGD ${JSON.stringify(h)}`,
  make: (ps) => new nn.SGD(ps, h),
  step: (p, g, s) => sgdReference(p, g, s as { buf: Float64Array | null }, h),
  stepBound: (P) => h.lr * (1 + h.weightDecay * P) * (1 + h.momentum) / (1 - h.momentum),
});

const adam = (h: AdamHyper): Case => ({
  name: `Adam ${JSON.stringify(h)}`,
  make: (ps) => new nn.Adam(ps, { lr: h.lr, betas: [h.beta1, h.beta2], eps: h.eps, weightDecay: h.weightDecay }),
  step: (p, g, s) => adamReference(p, g, s as { m: Float64Array; v: Float64Array; t: number }, h),
  stepBound: () => h.lr * Math.sqrt(STEPS) / (1 - h.beta1),
});

const rmsprop = (h: RmspropHyper): Case => ({
  name: `RMSprop ${JSON.stringify(h)}`,
  make: (ps) => new nn.RMSprop(ps, h),
  step: (p, g, s) => rmspropReference(p, g, s as { s: Float64Array; b: Float64Array }, h),
  stepBound: () => h.lr / Math.sqrt(1 - h.alpha) / (1 - h.momentum),
});

const CASES: Case[] = [
  sgd({ lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false }),
  sgd({ lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: false }),
  sgd({ lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 0.05, nesterov: true }),
  adam({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }),
  adam({ lr: 0.02, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1 }),
  rmsprop({ lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0 }),
  rmsprop({ lr: 0.005, alpha: 0.9, eps: 1e-6, weightDecay: 0.01, momentum: 0.8 }),
];

/** Fresh state objects for a reference parameter of n elements. */
function refState(n: number): Record<string, unknown> {
  return { buf: null, m: new Float64Array(n), v: new Float64Array(n), t: 0, s: new Float64Array(n), b: new Float64Array(n) };
}

describe('fused optimizer kernels vs float64 references', () => {
  const device = useDevice();

  for (const c of CASES) {
    it(c.name, async () => {
      const init = SHAPES.map((s, k) => toF32(randomArray(s.reduce((a, b) => a * b, 1), 10 + k)));
      const params = init.map((v, k) => wc.tensor(v, SHAPES[k], { requiresGrad: true }));
      const ref = init.map((v) => Float64Array.from(v));
      const states = init.map((v) => refState(v.length));
      const opt = c.make(params);
      let P = Math.max(...init.map((v) => Math.max(...Array.from(v, Math.abs))));
      let tol = 0;
      for (let step = 0; step < STEPS; step++) {
        // Parameter 1 has no gradient at step 2: it is skipped, and its own step count lags.
        const active = params.map((_, k) => !(k === 1 && step === 2));
        params.forEach((p, k) => {
          p.grad?.dispose();
          p.grad = null;
          if (!active[k]) return;
          const g = gradient(p.size, 100 * step + k);
          p.grad = wc.keep(wc.tensor(g, p.shape));
          c.step(ref[k]!, g, states[k]!);
        });
        const before = device().stats().dispatches;
        opt.step();
        expect(device().stats().dispatches - before, 'one dispatch per parameter with a gradient').toBe(active.filter(Boolean).length);
        P = Math.max(P, ...ref.map((r) => Math.max(...Array.from(r, Math.abs))));
        tol += 4 * 8 * EPS32 * (P + c.stepBound(P));
      }
      let moved = 0;
      for (let k = 0; k < params.length; k++) {
        const got = await params[k]!.toArray();
        for (let i = 0; i < got.length; i++) {
          const err = Math.abs(got[i]! - ref[k]![i]!);
          if (!(err <= tol)) expect.fail(`parameter ${k}[${i}] = ${got[i]}, reference ${ref[k]![i]} (error ${err} > ${tol})`);
          moved = Math.max(moved, Math.abs(ref[k]![i]! - init[k]![i]!));
        }
      }
      expect(moved).toBeGreaterThan(100 * tol);
      opt.dispose();
      params.forEach((p) => p.dispose());
    });
  }
});
