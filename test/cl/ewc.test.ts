/**
 * cl.methods.EWC (Kirkpatrick et al. 2017; online EWC, Schwarz et al. 2018) on small split MNIST
 * (task-incremental, one head per task): the penalty ½λ·Σ F(θ − θ*)² and its gradient λF(θ − θ*)
 * against a float64 host computation from the stored F and θ*; the Fisher it stores is cl.fisher's on
 * the experience with the task's head; separate and online bookkeeping (γ once per task); the prior;
 * less forgetting than naive; a checkpoint that resumes bit for bit; option errors and the registry.
 * Mutations tried (each fails a test): the penalty without ½; θ* kept from the first task in online
 * mode; γ applied at every beforeBackward; the heads left in the parameter list; the prior's offset
 * not added; loadState not restoring θ*.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { add, cl, keep, nn, noGrad, tidy, Generator, type Tensor } from '../../index.js';
import { assign } from '../../nn/assign.js';
import { useDevice } from '../helpers/device.js';
import { expectResumeMatches } from '../helpers/resume.js';
import { expectClose } from '../helpers/numeric.js';

const SMALL = { trainPerClass: 24, testPerClass: 50 };

describe('cl.methods.EWC', () => {
  const device = useDevice();
  let mnist: cl.scenarios.Scenario;
  beforeAll(async () => { mnist = await cl.scenarios.splitMnist({ setting: 'task', ...SMALL }); });
  afterAll(() => { mnist?.dispose(); });

  const mlp = (seed: number) => {
    const g = new Generator(seed);
    return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 16, { generator: g }), new nn.ReLU(), new nn.MultiHead(16, mnist.heads, mnist.outputs, { generator: g }));
  };
  const sgd = (p: Tensor[]) => new nn.SGD(p, { lr: 0.05, momentum: 0.9 });
  const read = async (t: Tensor) => Array.from(await t.data());
  const ctxOf = (model: nn.Module, index: number): cl.ExperienceContext => ({ model, optimizer: null as never, experience: mnist.experiences[index]!, experiences: mnist.experiences, epoch: 1 });

  /** Moves the shared layer's weights by a fixed pattern (a "later task's training"). */
  async function move(model: nn.Sequential, amount: number): Promise<void> {
    const w = await read(model.parameters()[0]!);
    const b = await read(model.parameters()[1]!);
    model.loadStateDict({
      ...model.stateDict(),
      '1.weight': { shape: [16, 784], dtype: 'float32', data: Float32Array.from(w, (v, i) => v + amount * Math.sin(i + 1)) },
      '1.bias': { shape: [16], dtype: 'float32', data: Float32Array.from(b, (v, i) => v + amount * Math.cos(i)) },
    });
  }

  /** The penalty's value and the gradients it leaves on every parameter (null: none). */
  function penaltyAndGrads(ewc: cl.methods.EWC, model: nn.Module, index: number): { value: Tensor; grads: (Tensor | null)[] } {
    const value = tidy(() => {
      const p = ewc.beforeBackward(ctxOf(model, index)) as Tensor;
      p.backward();
      return keep(p.detach());
    });
    const grads = model.parameters().map((p) => p.grad);
    for (const p of model.parameters()) p.grad = null;
    return { value, grads };
  }

  it('stores F = cl.fisher.compute on the experience (its head selected, heads left out) and θ*; the penalty ½λ·Σ F(θ − θ*)² and its gradient λF(θ − θ*) match float64', async () => {
    const model = mlp(3);
    const ewc = new cl.methods.EWC({ lambda: 7 });
    ewc.bind(model);
    const shared = model.parameters().slice(0, 2);
    expect(ewc.parameters(model)).toEqual(shared); // the MultiHead's parameters are not regularised
    expect(ewc.beforeBackward(ctxOf(model, 0))).toBeUndefined(); // nothing consolidated yet
    await ewc.afterExperience(ctxOf(model, 1)); // experience 1: head 1
    const [{ fisher, theta }] = ewc.consolidated as [{ fisher: cl.fisher.DiagFisher; theta: Tensor[] }];
    expect(fisher.representation).toBe('diag');
    const want = await cl.fisher.compute(model, mnist.experiences[1]!.train, { params: shared, seed: 1 });
    for (let i = 0; i < 2; i++) {
      expect(await read(fisher.diagonal[i]!)).toEqual(await read((want as cl.fisher.DiagFisher).diagonal[i]!));
      expect(await read(theta[i]!)).toEqual(await read(shared[i]!));
    }
    want.dispose();
    await move(model, 0.05);
    const { value, grads } = penaltyAndGrads(ewc, model, 2);
    const [F, star, now] = await Promise.all([fisher.diagonal.map(read), theta.map(read), shared.map(read)].map((ps) => Promise.all(ps)));
    let expected = 0;
    const grad = now.map((t, i) => t.map((v, j) => { const d = v - star[i]![j]!; expected += 0.5 * 7 * F[i]![j]! * d * d; return 7 * F[i]![j]! * d; }));
    expect(expected).toBeGreaterThan(1e-4);
    expect(await value.item()).toBeCloseTo(expected, 6);
    for (let i = 0; i < 2; i++) expectClose(await read(grads[i]!), grad[i]!, { rtol: 1e-4, atol: 1e-6 * Math.max(...grad[i]!.map(Math.abs)) }, `gradient ${i}`);
    for (const g of grads.slice(2)) expect(g).toBeNull(); // heads: no penalty gradient
    for (const t of [value, ...grads]) t?.dispose();
    ewc.dispose(); model.dispose();
  });

  it('separate keeps one (F, θ*) per task; online keeps one F = γF₁ + F₂ (γ once per task, not per step) and the latest θ*', async () => {
    const F1F2 = async (model: nn.Sequential, ewc: cl.methods.EWC, steps: number) => {
      const shared = ewc.parameters(model);
      await ewc.afterExperience(ctxOf(model, 0));
      const F1 = await cl.fisher.compute(model, mnist.experiences[0]!.train, { params: shared, seed: 0 });
      for (let s = 0; s < steps; s++) tidy(() => { ewc.beforeBackward(ctxOf(model, 1)); });
      await move(model, 0.1);
      await ewc.afterExperience(ctxOf(model, 1));
      const F2 = await cl.fisher.compute(model, mnist.experiences[1]!.train, { params: shared, seed: 1 });
      return [F1, F2] as [cl.fisher.DiagFisher, cl.fisher.DiagFisher];
    };
    const separate = new cl.methods.EWC({ lambda: 1 });
    const online = new cl.methods.EWC({ lambda: 1, mode: 'online', gamma: 0.5 });
    expect([separate.name, online.name]).toEqual(['ewc', 'online-ewc']);
    for (const ewc of [separate, online]) {
      const before = device().liveTensors;
      const model = mlp(4);
      const [F1, F2] = await F1F2(model, ewc, 5);
      const shared = ewc.parameters(model);
      const tasks = ewc.consolidated as readonly { fisher: cl.fisher.DiagFisher; theta: Tensor[] }[];
      expect(tasks).toHaveLength(ewc.mode === 'online' ? 1 : 2);
      const last = tasks[tasks.length - 1]!;
      for (let i = 0; i < 2; i++) {
        expect(await read(last.theta[i]!)).toEqual(await read(shared[i]!)); // θ* is the latest θ
        const [f1, f2] = [await read(F1.diagonal[i]!), await read(F2.diagonal[i]!)];
        if (ewc.mode === 'online') {
          expectClose(await read(last.fisher.diagonal[i]!), f1.map((v, j) => 0.5 * v + f2[j]!), { rtol: 1e-6 }, `online F ${i}`);
        } else {
          expect(await read(tasks[0]!.fisher.diagonal[i]!)).toEqual(f1);
          expect(await read(tasks[1]!.fisher.diagonal[i]!)).toEqual(f2);
          expect(await read(tasks[0]!.theta[i]!)).not.toEqual(await read(shared[i]!));
        }
      }
      if (ewc.mode === 'separate') {
        // The two tasks' terms are merged into one quadratic per parameter (ewc-merged.ts): same value and
        // gradient as Σ_k ½λ·F_k(θ − θ*_k)², here at a θ away from both θ*.
        tidy(() => noGrad(() => { for (const p of shared) assign(p, add(p, 0.05)); }));
        const { value, grads } = penaltyAndGrads(ewc, model, 2);
        let want = 0;
        for (let i = 0; i < shared.length; i++) {
          const th = await read(shared[i]!);
          const g = new Float64Array(th.length);
          for (const { fisher, theta } of tasks) {
            const [f, t] = [await read(fisher.diagonal[i]!), await read(theta[i]!)];
            th.forEach((v, j) => { want += 0.5 * f[j]! * (v - t[j]!) ** 2; g[j]! += f[j]! * (v - t[j]!); });
          }
          expectClose(await read(grads[model.parameters().indexOf(shared[i]!)]!), g, { rtol: 1e-4, atol: 1e-7 }, `merged gradient ${i}`);
        }
        expectClose([await value.item()], [want], { rtol: 1e-4 }, 'merged value');
        value.dispose();
        for (const t of grads) t?.dispose();
      }
      F1.dispose(); F2.dispose(); ewc.dispose(); model.dispose();
      expect(device().liveTensors).toBe(before);
    }
  });

  it('priorVariance σ²: ½‖θ‖²/σ² before the first task, then F + I/σ² (decayed with γ in online mode)', async () => {
    const model = mlp(5);
    const ewc = new cl.methods.EWC({ lambda: 3, mode: 'online', gamma: 0.5, priorVariance: 4 });
    const shared = ewc.parameters(model);
    const { value, grads } = penaltyAndGrads(ewc, model, 0);
    const theta = await Promise.all(shared.map(read));
    expect(await value.item()).toBeCloseTo(theta.flat().reduce((a, v) => a + v * v, 0) / 8, 5);
    expectClose(await read(grads[0]!), theta[0]!.map((v) => v / 4), { rtol: 1e-6 }, 'prior gradient');
    for (const t of [value, ...grads]) t?.dispose();
    await ewc.afterExperience(ctxOf(model, 0));
    expect(ewc.consolidated[0]!.fisher.shift).toBe(0.25);
    await ewc.afterExperience(ctxOf(model, 1));
    expect(ewc.consolidated[0]!.fisher.shift).toBe(0.5 * 0.25 + 0.25);
    ewc.dispose(); model.dispose();
  });

  it('on 2-task permuted MNIST (one shared head), EWC with a large λ forgets less than naive, memory growing only by the stored F and θ*', async () => {
    // 500 images per task, 10 epochs of SGD (lr 0.02, momentum 0.9): naive fine-tuning loses 12 points
    // on task 1. λ = 100 is large (it all but stops forgetting) yet below the heavy-ball stability limit
    // of the penalty's curvature, lr·λ·max F < 2(1 + momentum), λ < 475 here (max F ≈ 0.4).
    const permuted = await cl.scenarios.permutedMnist({ tasks: 2, trainPerClass: 50, testPerClass: 50 });
    const results: cl.StrategyResult[] = [];
    const readbacks: number[] = [];
    try {
      for (const plugins of [[], [new cl.methods.EWC({ lambda: 100 })]]) {
        const before = device().liveTensors;
        const reads = device().stats().readbacks;
        const live: number[] = [];
        const g = new Generator(1);
        const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 16, { generator: g }), new nn.ReLU(), new nn.Linear(16, 10, { generator: g }));
        const s = new cl.Strategy({ model, optimizer: (p) => new nn.SGD(p, { lr: 0.02, momentum: 0.9 }), plugins, epochs: 10, batchSize: 16, seed: 1 });
        results.push(await s.run(permuted, { afterExperience: () => { live.push(device().liveTensors); } }));
        // the second experience adds F (4 diagonals) and θ* (4 tensors) for the four parameters, and the merged
        // quadratic of the two tasks (ewc-merged.ts: A and μ per parameter, one constant), nothing else
        expect(live[1]! - live[0]!).toBe(plugins.length ? 8 + 9 : 0);
        readbacks.push(device().stats().readbacks - reads);
        s.dispose(); model.dispose();
        expect(device().liveTensors).toBe(before);
      }
    } finally {
      permuted.dispose();
    }
    const [naive, ewc] = results as [cl.StrategyResult, cl.StrategyResult];
    expect(naive.bwt!).toBeLessThan(-0.08);
    expect(ewc.bwt!).toBeGreaterThan(-0.03);
    expect(ewc.acc).toBeGreaterThan(naive.acc);
    expect(ewc.method).toBe('ewc');
    expect(readbacks[1]).toBe(readbacks[0]); // neither the exact Fisher nor the penalty reads anything back
  });

  it('online KFAC keeps one Kronecker term per task; its state restores into a fresh plugin with the same penalty', async () => {
    const model = mlp(6);
    const opts = { lambda: 2, mode: 'online' as const, gamma: 0.7, fisher: { representation: 'kfac' as const, samples: 20 } };
    const ewc = new cl.methods.EWC(opts);
    await ewc.afterExperience(ctxOf(model, 0));
    await move(model, 0.05);
    await ewc.afterExperience(ctxOf(model, 1));
    expect(ewc.consolidated).toHaveLength(1);
    expect(ewc.consolidated[0]!.fisher.state().record.terms).toBe(2);
    await move(model, 0.05);
    const copy = new cl.methods.EWC(opts);
    copy.loadState(ewc.state());
    const [a, b] = [ewc, copy].map((e) => penaltyAndGrads(e, model, 2));
    expect(await a!.value.item()).toBeGreaterThan(0);
    expect(await b!.value.item()).toBe(await a!.value.item());
    expect(() => ewc.beforeExperience({ ...ctxOf(model, 0), experience: { ...mnist.experiences[0]!, mixedTasks: 2 } })).toThrow(/mixes every task \(joint training\)/);
    for (const r of [a!, b!]) for (const t of [r.value, ...r.grads]) t?.dispose();
    ewc.dispose(); copy.dispose(); model.dispose();
  });

  it('a run stopped after experience 2 of 3 and resumed from its checkpoint gives the same matrix and state, bit for bit', async () => {
    const three: cl.scenarios.Scenario = { ...mnist, name: 'split-mnist-3', experiences: mnist.experiences.slice(0, 3), dispose: () => {} };
    const { state } = await expectResumeMatches({
      scenario: three, optimizer: sgd, options: { epochs: 2, batchSize: 16, seed: 5 },
      make: () => ({ model: mlp(11), plugins: [new cl.methods.EWC({ lambda: 50, fisher: { variant: 'sampled', samples: 30 } })] }),
    });
    expect(Object.keys((state as { tensors: object }).tensors)).toHaveLength(3 * 4); // 3 tasks × (2 diagonals + 2 θ*)
  });

  it('bad options name the option and the value; states of another mode are refused; the registry builds both methods', () => {
    const E = cl.methods.EWC;
    expect(() => new E({ lambda: -1 })).toThrow(/EWC: lambda must be a number ≥ 0, got -1/);
    expect(() => new E({ lambda: Number.NaN })).toThrow(/lambda must be a number ≥ 0, got NaN/);
    expect(() => new E({} as never)).toThrow(/lambda is required \(a number ≥ 0\), got undefined/);
    expect(() => new E({ lambda: 1, mode: 'offline' as never })).toThrow(/mode must be 'separate' or 'online', got "offline"/);
    expect(() => new E({ lambda: 1, mode: 'online', gamma: 1.5 })).toThrow(/gamma must be a number in \[0, 1\], got 1.5/);
    expect(() => new E({ lambda: 1, gamma: 0.5 })).toThrow(/gamma \(0.5\) applies to mode 'online' only/);
    expect(() => new E({ lambda: 1, fisher: { representation: 'full' as never } })).toThrow(/fisher.representation must be one of diag, kfac, blockdiag, dense, got "full"/);
    expect(() => new E({ lambda: 1, fisher: { variant: 'mc' as never } })).toThrow(/fisher.variant must be one of exact, sampled, empirical, batched, got "mc"/);
    expect(() => new E({ lambda: 1, fisher: { representation: 'kfac', variant: 'batched' } })).toThrow(/no KFAC form/);
    expect(() => new E({ lambda: 1, fisher: { samples: 0 } })).toThrow(/fisher.samples must be a positive integer, got 0/);
    expect(() => new E({ lambda: 1, priorVariance: 0 })).toThrow(/priorVariance must be a number > 0, got 0/);
    expect(() => new E({ lambda: 1 }).bind(new nn.MultiHead(4, 2, 2))).toThrow(/no parameter outside its task heads/);
    expect(() => new E({ lambda: 1, mode: 'online' }).loadState(new E({ lambda: 1 }).state())).toThrow(/saved in mode "separate", this plugin runs in mode 'online'/);

    const spec = cl.methods.method('online-ewc');
    expect(cl.methods.resolveOptions('method online-ewc', spec.options)).toEqual({ lambda: 10, gamma: 1, fisher: 'diag', variant: 'exact' });
    expect(() => cl.methods.resolveOptions('method online-ewc', spec.options, { fisher: 'full' })).toThrow(/option fisher must be one of diag, kfac, blockdiag, dense/);
    const options = cl.methods.resolveOptions('method online-ewc', spec.options, { lambda: 5, gamma: 0.9, fisher: 'kfac', samples: 200, 'prior-variance': 2 });
    const [plugin] = spec.plugins!({ model: null as never, scenario: null as never, seed: 3, options }) as [InstanceType<typeof E>];
    expect([plugin.name, plugin.lambda, plugin.mode, plugin.gamma, plugin.representation, plugin.variant, plugin.priorVariance]).toEqual(['online-ewc', 5, 'online', 0.9, 'kfac', 'exact', 2]);
    const [separate] = cl.methods.method('ewc').plugins!({ model: null as never, scenario: null as never, seed: 0, options: cl.methods.resolveOptions('method ewc', cl.methods.method('ewc').options) }) as [InstanceType<typeof E>];
    expect([separate.name, separate.mode, separate.lambda]).toEqual(['ewc', 'separate', 10]);
  });
});
