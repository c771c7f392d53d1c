/**
 * The projected optimiser step against its float64 reference over several steps, for every rule,
 * post-projection and classic, with and without a projector, with twoProj. Tolerance: each step adds
 * O(d·ε₃₂) relative rounding (the D·P product), Adam's division by √v + ε amplifies it where v is
 * tiny, so 1e-4 relative to the largest |θ| change over 4 steps is ample yet catches any wrong term.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { GradientFactors } from '../../cl/gradproj/gradient-factors.js';
import { assign } from '../../nn/assign.js';
import { clampOrigin } from '../../engine/ops/clamp-many.js';
import { ProjectedStep, REFRESH_STEPS, type StepRule } from '../../cl/gradproj/projected-step.js';
import { gradProjStepReference, rebaseReference, type StepStateRef } from '../../kernels/gradproj-step.reference.js';
import { useDevice } from '../helpers/device.js';
import { expectClose, randomArray } from '../helpers/numeric.js';

/** P = I − ûûᵀ for a random unit û, rounded to float32 as the GPU sees it. */
function projector(d: number, seed: number): Float64Array {
  const u = unitVector(d, seed);
  return Float64Array.from({ length: d * d }, (_, k) => Math.fround((Math.floor(k / d) === k % d ? 1 : 0) - u[Math.floor(k / d)]! * u[k % d]!));
}

function unitVector(d: number, seed: number): Float64Array {
  const u = randomArray(d, seed);
  const norm = Math.sqrt(u.reduce((s, x) => s + x * x, 0));
  return Float64Array.from(u, (x) => x / norm);
}

describe.each(['software', 'hardware'] as const)('ProjectedStep (orthocl layer step, %s kernels) vs float64 reference', (kernels) => {
  useDevice({ kernels });
  // 37×60: 2,220 elements in three workgroups of GRADPROJ_SPAN (the last partial), projected by
  // adjust + GEMM/apply; 23×40 (n·d ≤ FUSED_STEP_MACS, 920 elements: several per invocation) by
  // the fused single-workgroup step on the software kernels, by adjust + the tiled GEMM on the hardware ones.
  const sizes = [[37, 60], [23, 40]] as const;
  const cases: [StepRule, boolean, boolean, boolean][] = [];
  for (const rule of ['sgd', 'adam', 'rms'] as StepRule[]) {
    for (const post of [true, false]) for (const withP of [false, true]) cases.push([rule, post, withP, false]);
  }
  cases.push(['adam', true, true, true], ['rms', false, true, true]);

  for (const [out, d] of sizes) for (const [rule, post, withP, twoProj] of cases) {
    if (!withP && out !== sizes[0][0]) continue; // without P both sizes run the same kernel
    it(`${out}×${d} ${rule} ${post ? 'post' : 'classic'}${withP ? ' projected' : ''}${twoProj ? ' twoProj' : ''}`, async () => {
      const theta0 = Float64Array.from(randomArray(out * d, 1), Math.fround);
      const theta = wc.tensor(theta0, [out, d]);
      const P = withP ? projector(d, 2) : null;
      const Pt = P ? wc.tensor(P, [d, d]) : null;
      // Momentum is the classic update's (post-projected SGD rejects it).
      const opts = { lr: 0.05, momentum: post ? 0 : 0.5, beta1: 0.9, beta2: 0.99, eps: 1e-8 };
      const ref: StepStateRef = {
        theta: Float64Array.from(theta0), theta0: Float64Array.from(theta0), acc: new Float64Array(out * d),
        prev: new Float64Array(out * d), m1: new Float64Array(out * d), m2: new Float64Array(out * d), t: 0,
      };
      const stepper = new ProjectedStep();
      stepper.snapshot(theta);
      for (let s = 0; s < 4; s++) {
        const g = Float64Array.from(randomArray(out * d, 10 + s), Math.fround);
        const gt = wc.tensor(g, [out, d]);
        stepper.step(theta, gt, Pt, rule, { post, twoProj }, opts);
        gt.dispose();
        gradProjStepReference(ref, g, P, out, d, { rule, post, twoProj, ...opts });
      }
      const got = await theta.toArray();
      const scale = Math.max(...ref.theta.map((v, i) => Math.abs(v - theta0[i]!)));
      expectClose(got, ref.theta, { atol: 1e-4 * scale + 1e-7 }, 'θ after 4 steps');
      expect(stepper.t).toBe(4);
      if (P) {
        // The displacement θ − θ₀ lies in P's range: (θ − θ₀)·uuᵀ = 0 → (θ − θ₀)(I − P) ≈ 0.
        const delta = Array.from(got, (v, i) => v - theta0[i]!);
        for (let r = 0; r < out; r++) for (let j = 0; j < d; j++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += delta[r * d + k]! * ((k === j ? 1 : 0) - P[k * d + j]!);
          expect(Math.abs(s)).toBeLessThan(1e-5 * scale + 1e-7);
        }
      }
      stepper.dispose(); theta.dispose(); Pt?.dispose();
    });
  }

  it('step rules on hand-computed cases (REFERENCE.md §1)', async () => {
    const run = async (rule: StepRule, post: boolean, P: number[] | null, steps: number, opts: { lr: number; momentum?: number }) => {
      const theta = wc.tensor([1, 2], [1, 2]);
      const g = wc.tensor([0.5, -1], [1, 2]);
      const Pt = P ? wc.tensor(P, [2, 2]) : null;
      const stepper = new ProjectedStep();
      stepper.snapshot(theta);
      for (let s = 0; s < steps; s++) stepper.step(theta, g, Pt, rule, { post, twoProj: false }, opts);
      return Array.from(await theta.toArray());
    };
    const close = (got: number[], want: number[]) => got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5)); // float32
    // Post-projection SGD: D = 2·lr·g after two steps; θ = θ₀ − D = [1 − 0.05, 2 + 0.1].
    close(await run('sgd', true, null, 2, { lr: 0.05 }), [0.95, 2.1]);
    // With P = diag(1, 0) only the first coordinate moves: θ = θ₀ − D·P = [0.95, 2].
    close(await run('sgd', true, [1, 0, 0, 0], 2, { lr: 0.05 }), [0.95, 2]);
    // Classic with momentum 0.5: s₁ = −lr·g = [−0.05, 0.1]; s₂ = −lr·g + 0.5·s₁ = [−0.075, 0.15]; θ = θ₀ + s₁ + s₂.
    close(await run('sgd', false, null, 2, { lr: 0.1, momentum: 0.5 }), [0.875, 2.25]);
    // Adam's first step: m̂ = g, v̂ = g², a = g/(|g| + ε) ≈ sign(g).
    close(await run('adam', true, null, 1, { lr: 0.1 }), [0.9, 2.1]);
    // RMSprop's first step: v = g², a = g/(|g| + ε) ≈ sign(g).
    close(await run('rms', true, null, 1, { lr: 0.1 }), [0.9, 2.1]);
  });

  it('a small projected weight steps in one dispatch (software kernels), a large one in adjust + GEMM', () => {
    for (const [[out, d], want] of [[sizes[0], 2], [sizes[1], kernels === 'software' ? 1 : 2]] as const) {
      const theta = wc.tensor(randomArray(out * d, 3), [out, d]);
      const g = wc.tensor(randomArray(out * d, 4), [out, d]);
      const P = wc.tensor(projector(d, 2), [d, d]);
      const stepper = new ProjectedStep();
      stepper.snapshot(theta);
      const before = wc.getDevice().stats().dispatches;
      stepper.step(theta, g, P, 'sgd', { post: true, twoProj: false }, { lr: 0.01 });
      expect(wc.getDevice().stats().dispatches - before, `${out}×${d}`).toBe(want);
      stepper.dispose(); theta.dispose(); g.dispose(); P.dispose();
    }
  });

  it("Adam's first step after a new snapshot equals a fresh Adam's first step", async () => {
    const [out, d] = sizes[0];
    const theta = wc.tensor(randomArray(out * d, 3), [out, d]);
    const g = wc.tensor(randomArray(out * d, 4), [out, d]);
    const stepper = new ProjectedStep();
    stepper.snapshot(theta);
    for (let s = 0; s < 5; s++) stepper.step(theta, g, null, 'adam', { post: true, twoProj: false }, { lr: 0.01 });
    const before = await theta.toArray();
    stepper.snapshot(theta);
    stepper.step(theta, g, null, 'adam', { post: true, twoProj: false }, { lr: 0.01 });
    const after = await theta.toArray();
    // A fresh Adam's first step is lr·g/(|g| + ε) (bias corrections cancel: m̂ = g, v̂ = g²).
    const gv = await g.toArray();
    expectClose(Array.from(after, (v, i) => v - before[i]!), Array.from(gv, (x) => -0.01 * x / (Math.abs(x) + 1e-8)), { atol: 1e-6 }, 'first step');
    stepper.dispose();
  });

  it('rejects a bad learning rate or momentum by name', () => {
    const theta = wc.tensor([1, 2], [1, 2]);
    const stepper = new ProjectedStep();
    expect(() => stepper.step(theta, theta, null, 'sgd', { post: true, twoProj: false }, { lr: -1 })).toThrow(/sgdStep: lr must be a positive number, got -1/);
    expect(() => stepper.step(theta, theta, null, 'sgd', { post: true, twoProj: false }, { lr: 0.1, momentum: 1.5 })).toThrow(/momentum must be in \[0, 1\), got 1.5/);
  });

  describe('factored step (post-projected SGD from G = Δᵀ·X)', () => {
    // 37×60 (n·d above FUSED_STEP_MACS), R = 5 rows < 37: the factored path. Same tolerance as above.
    // d = 60 takes the update kernel's vec4 variant, d = 62 the scalar one.
    const [out, d, R] = [37, 60, 5];
    const sgd = { rule: 'sgd' as const, post: true, twoProj: false, lr: 0.05, momentum: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

    /**
     * Runs `steps` steps; `edit` may change the gradient after backward; `factored(s)` says whether
     * step s gets factors; `lowRank` passes P's complement basis û too; `lrOf(s)` is step s's lr;
     * θ is overwritten with zeros from outside the stepper before step `overwriteAt` (the reference
     * then re-bases θ₀ as the stepper must: the write is kept).
     */
    async function run(
      steps: number, edit: (g: wc.Tensor) => wc.Tensor, factored: (s: number) => boolean,
      opts: { d?: number; lowRank?: boolean; lrOf?: (s: number) => number; overwriteAt?: number } = {},
    ) {
      const { d = 60, lowRank = false, lrOf = () => sgd.lr, overwriteAt = -1 } = opts;
      const theta0 = Float64Array.from(randomArray(out * d, 1), Math.fround);
      const theta = wc.tensor(theta0, [out, d]);
      const P = projector(d, 2);
      const Pt = wc.tensor(P, [d, d]);
      const U = wc.tensor(unitVector(d, 2), [d, 1]);
      const complement = lowRank ? { U, Ut: wc.reshape(U, [1, d]) } : null;
      const ref: StepStateRef = {
        theta: Float64Array.from(theta0), theta0: Float64Array.from(theta0), acc: new Float64Array(out * d),
        prev: new Float64Array(out * d), m1: new Float64Array(out * d), m2: new Float64Array(out * d), t: 0,
      };
      const stepper = new ProjectedStep();
      stepper.snapshot(theta);
      const factors = new GradientFactors();
      const dispatches: number[] = [];
      for (let s = 0; s < steps; s++) {
        const x = wc.tensor(randomArray(R * d, 20 + s), [R, d]);
        const dy = wc.tensor(randomArray(R * out, 40 + s), [R, out]);
        // The weight gradient exactly as backward computes it (y = x·Wᵀ: dW = dyᵀ·x), then edited.
        const raw = wc.matmul(dy, x, { transposeA: true });
        const g = edit(raw);
        if (factored(s)) { factors.add(x, dy); factors.addWeightGradient(raw); }
        if (s === overwriteAt) {
          assign(theta, { data: new Float32Array(out * d), shape: [out, d], dtype: 'float32' });
          ref.theta.fill(0);
          rebaseReference(ref, P, out, d);
        }
        const before = wc.getDevice().stats().dispatches;
        stepper.step(theta, g, Pt, 'sgd', { post: true, twoProj: false }, { lr: lrOf(s) }, factors, complement);
        dispatches.push(wc.getDevice().stats().dispatches - before);
        factors.clear();
        gradProjStepReference(ref, await g.toArray(), P, out, d, { ...sgd, lr: lrOf(s) });
        for (const t of new Set([x, dy, raw, g])) t.dispose();
      }
      const got = await theta.toArray();
      const scale = Math.max(...ref.theta.map((v, i) => Math.abs(v - theta0[i]!)));
      expectClose(got, ref.theta, { atol: 1e-4 * scale + 1e-7 }, `θ after ${steps} steps`);
      stepper.dispose(); theta.dispose(); Pt.dispose(); U.dispose();
      return dispatches;
    }

    it('equals the reference step and runs X·P, the update and the row correction', async () => {
      const dispatches = await run(4, (g) => g, () => true);
      // The first step also computes θ = θ₀ − D·P from D.
      expect(dispatches).toEqual([4, 3, 3, 3]);
    });

    it('takes X·P = X − (X·û)·ûᵀ from the complement basis (two thin GEMMs), clipped gradients included', async () => {
      expect(await run(4, (g) => g, () => true, { lowRank: true })).toEqual([5, 4, 4, 4]);
      await run(3, (g) => wc.clamp(g, -0.6, 0.6), () => true, { lowRank: true });
    });

    it('projects a gradient changed after backward exactly (clipped rows, a dense penalty)', async () => {
      // Clipping at 0.6 changes some entries of some rows; adding a constant changes every entry.
      await run(3, (g) => wc.clamp(g, -0.6, 0.6), () => true);
      // clampMany's output: the update clamps the raw gradient itself (the `clamped` variant).
      await run(3, (g) => wc.clampMany([g], -0.6, 0.6)[0]!, () => true);
      await run(3, (g) => wc.add(g, 0.01), () => true);
      await run(3, (g) => wc.clamp(g, -0.6, 0.6), () => true, { d: 62 });
    });

    it('recomputes θ = θ₀ − D·P after a step without factors', async () => {
      const dispatches = await run(5, (g) => g, (s) => s !== 2);
      expect(dispatches).toEqual([4, 3, 2, 4, 3]);
    });

    it('moves θ by each step’s lr when lr changes (D sums lr·g: nothing to recompute)', async () => {
      const dispatches = await run(4, (g) => g, () => true, { lrOf: (s) => (s < 2 ? 0.05 : 0.02) });
      expect(dispatches).toEqual([4, 3, 3, 3]);
    });

    it('keeps a write into θ from elsewhere: re-bases θ₀ ← θ + D·P (one GEMM) and steps from there', async () => {
      const dispatches = await run(4, (g) => g, () => true, { overwriteAt: 2 });
      expect(dispatches).toEqual([4, 3, 4, 3]);
    });

    it('recomputes θ = θ₀ − D·P every REFRESH_STEPS factored steps', () => {
      const theta = wc.tensor(randomArray(out * d, 1), [out, d]);
      const P = wc.tensor(projector(d, 2), [d, d]);
      const x = wc.tensor(randomArray(R * d, 3), [R, d]);
      const dy = wc.tensor(randomArray(R * out, 4), [R, out]);
      const g = wc.matmul(dy, x, { transposeA: true });
      const stepper = new ProjectedStep();
      stepper.snapshot(theta);
      const factors = new GradientFactors();
      const refreshed: number[] = [];
      for (let s = 0; s <= 2 * REFRESH_STEPS; s++) {
        factors.add(x, dy);
        factors.addWeightGradient(g);
        const before = wc.getDevice().stats().dispatches;
        stepper.step(theta, g, P, 'sgd', { post: true, twoProj: false }, { lr: 1e-4 }, factors);
        if (wc.getDevice().stats().dispatches - before === 4) refreshed.push(s);
        factors.clear();
      }
      expect(refreshed).toEqual([0, REFRESH_STEPS, 2 * REFRESH_STEPS]);
      for (const t of [theta, P, x, dy, g]) t.dispose();
      stepper.dispose();
    });

    it("knows clampMany's outputs by their source until either is written", () => {
      const raw = wc.tensor([-2, 0.5, 3, 1], [2, 2]);
      const view = wc.reshape(raw, [4]);
      const [g] = wc.clampMany([raw], -1, 1);
      expect(clampOrigin(g!, view)).toMatchObject({ lo: -1, hi: 1 });
      expect(clampOrigin(g!, wc.tensor([0, 0, 0, 0], [2, 2]))).toBeNull(); // another source
      assign(g!, { data: new Float32Array(4), shape: [2, 2], dtype: 'float32' });
      expect(clampOrigin(g!, raw)).toBeNull();
      const [h] = wc.clampMany([raw], -1, 1);
      assign(raw, { data: new Float32Array(4), shape: [2, 2], dtype: 'float32' });
      expect(clampOrigin(h!, raw)).toBeNull();
      [raw, view, g!, h!].forEach((t) => t.dispose());
    });

    it('keeps factors from exactly one pass (X, Δ and the raw gradient) before a step', () => {
      const factors = new GradientFactors();
      const x = wc.tensor(randomArray(R * d, 1), [R, d]);
      const dy = wc.tensor(randomArray(R * out, 2), [R, out]);
      const raw = wc.matmul(dy, x, { transposeA: true });
      const pass = () => { factors.add(x, dy); factors.addWeightGradient(raw); };
      factors.add(x, dy);
      expect(factors.matrices).toBeNull(); // no raw gradient yet
      factors.addWeightGradient(raw);
      expect(factors.matrices).not.toBeNull();
      pass();
      expect(factors.matrices).toBeNull();
      factors.clear();
      pass();
      expect(factors.matrices).not.toBeNull();
      factors.addWeightGradient(raw); // the weight used twice in one pass
      expect(factors.matrices).toBeNull();
      factors.clear();
      x.dispose(); dy.dispose(); raw.dispose();
    });
  });
});
