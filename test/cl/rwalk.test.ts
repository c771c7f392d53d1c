/**
 * cl.methods.RWalk (Chaudhry et al. 2018): importance, path scores and penalty coefficients against a
 * float64 host re-implementation fed the same batches and parameter trajectories, with the task-loss
 * gradient recomputed on the host (so the GPU's removal of the penalty's gradient is checked too); the
 * penalty and its gradient; heads left alone; less forgetting than naive on small split MNIST; option
 * errors; checkpoints that resume bit for bit; no readback per step and flat memory.
 * Mutations tried (each fails a test): F from the regularised gradient; α and 1 − α swapped; the last,
 * short window not scored; S_k = s instead of the average; relu dropped from the S term; ½ dropped from
 * the score's denominator; the path's sign flipped; θ* kept from the first task; the importance not
 * restored from a checkpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cast, cl, clone, keep, nn, noGrad, tensor, tidy, Generator, type Tensor } from '../../index.js';
import { useDevice } from '../helpers/device.js';
import { expectResumeMatches } from '../helpers/resume.js';

const SMALL = { trainPerClass: 24, testPerClass: 50 };

// ---- the host reference (float64), the formulas of REFERENCE.md §5 ------------------------------

type Vec = number[];
const EPS = 2 ** -23;

class HostRWalk {
  F: Vec[]; s: Vec[]; path: Vec[]; ws: Vec[];
  S: Vec[] | null = null; c: Vec[] | null = null; star: Vec[] | null = null;
  tasks = 0; windowSteps = 0;
  constructor(readonly lambda: number, readonly alpha: number, readonly deltaT: number, theta: Vec[]) {
    this.F = theta.map((t) => t.map(() => 0));
    this.s = theta.map((t) => t.map(() => 0));
    this.path = theta.map((t) => t.map(() => 0));
    this.ws = theta.map((t) => [...t]);
  }
  beginTask(theta: Vec[]): void { this.restart(theta); }
  /** The gradient of the penalty λ·Σ c·(θ − θ*)² at θ (zero on the first task). */
  penaltyGrad(theta: Vec[]): Vec[] {
    return theta.map((t, i) => t.map((v, j) => (this.c ? 2 * this.lambda * this.c[i]![j]! * (v - this.star![i]![j]!) : 0)));
  }
  step(g: Vec[], before: Vec[], after: Vec[]): void {
    g.forEach((gi, i) => gi.forEach((v, j) => {
      this.F[i]![j] = this.alpha * v * v + (1 - this.alpha) * this.F[i]![j]!;
      this.path[i]![j] = this.path[i]![j]! - v * (after[i]![j]! - before[i]![j]!);
    }));
    if (++this.windowSteps === this.deltaT) { this.score(after); this.restart(after); }
  }
  score(theta: Vec[]): void {
    theta.forEach((t, i) => t.forEach((v, j) => {
      const d = v - this.ws[i]![j]!;
      this.s[i]![j] = this.s[i]![j]! + this.path[i]![j]! / (0.5 * this.F[i]![j]! * d * d + EPS);
    }));
  }
  restart(theta: Vec[]): void {
    this.ws = theta.map((t) => [...t]);
    this.path = theta.map((t) => t.map(() => 0));
    this.windowSteps = 0;
  }
  endTask(theta: Vec[]): void {
    if (this.windowSteps > 0) this.score(theta);
    this.restart(theta);
    this.S = this.S ? this.S.map((t, i) => t.map((v, j) => 0.5 * (v + this.s[i]![j]!))) : this.s.map((t) => [...t]);
    this.s = this.s.map((t) => t.map(() => 0));
    const maxF = Math.max(...this.F.flat());
    const maxS = Math.max(0, ...this.S.flat());
    this.c = this.F.map((t, i) => t.map((f, j) => (maxF === 0 ? 0 : f / maxF) + (maxS === 0 ? 0 : Math.max(0, this.S![i]![j]!) / maxS)));
    this.star = theta.map((t) => [...t]);
    this.tasks++;
  }
}

/**
 * The task loss's gradient for W1, b1 of x ↦ W2·(W1·x + b1) + b2 (one head), mean cross-entropy,
 * in float64. W1 [H, D], W2 [K, H] row-major.
 */
function hostGrad(x: Vec, y: Vec, W1: Vec, b1: Vec, W2: Vec, b2: Vec, D: number, H: number, K: number): Vec[] {
  const B = y.length;
  const gW1 = new Array<number>(H * D).fill(0);
  const gb1 = new Array<number>(H).fill(0);
  for (let n = 0; n < B; n++) {
    const z = Array.from({ length: H }, (_, h) => b1[h]! + Array.from({ length: D }, (_, d) => W1[h * D + d]! * x[n * D + d]!).reduce((a, b) => a + b, 0));
    const logits = Array.from({ length: K }, (_, k) => b2[k]! + z.reduce((a, zh, h) => a + W2[k * H + h]! * zh, 0));
    const m = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - m));
    const total = e.reduce((a, b) => a + b, 0);
    const dl = e.map((v, k) => (v / total - (k === y[n] ? 1 : 0)) / B);
    for (let h = 0; h < H; h++) {
      const dz = dl.reduce((a, v, k) => a + v * W2[k * H + h]!, 0);
      gb1[h] += dz;
      for (let d = 0; d < D; d++) gW1[h * D + d] += dz * x[n * D + d]!;
    }
  }
  return [gW1, gb1];
}

/** |a − b| ≤ tol·max|b| + floor, element by element, with the worst offender in the message. */
function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, rel: number, what: string, floor = 0): void {
  expect(a.length).toBe(b.length);
  const scale = Math.max(...Array.from(b, Math.abs));
  let worst = 0; let at = 0;
  for (let i = 0; i < b.length; i++) { const d = Math.abs(a[i]! - b[i]!); if (d > worst) { worst = d; at = i; } }
  expect(worst, `${what}: worst at ${at}: ${a[at]} vs ${b[at]} (scale ${scale})`).toBeLessThanOrEqual(rel * scale + floor);
}

/** Deterministic host numbers in [−1, 1). */
function hostRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 31 - 1; };
}

describe('cl.methods.RWalk', () => {
  const device = useDevice();
  let mnist: cl.scenarios.Scenario;
  beforeAll(async () => { mnist = await cl.scenarios.splitMnist({ setting: 'task', ...SMALL }); });
  afterAll(() => { mnist?.dispose(); });

  const D = 4; const H = 3; const K = 2; const N = 12;
  /** A tiny task: 12 samples of 4 features, labels from a task-specific linear rule. */
  function tinyExperience(index: number): cl.scenarios.Experience {
    const r = hostRandom(100 + index);
    const x = Array.from({ length: N * D }, r);
    const w = Array.from({ length: D }, r);
    const y = Array.from({ length: N }, (_, n) => (w.reduce((a, wd, d) => a + wd * x[n * D + d]!, 0) > 0 ? 1 : 0));
    const train = new nn.TensorDataset(tensor(x, [N, D]), tensor(y, [N], { dtype: 'int32' }));
    return { index, taskId: index, name: `tiny-${index}`, classes: [0, 1], train, test: train };
  }
  function tinyModel(): nn.Sequential {
    const g = new Generator(5);
    return new nn.Sequential(new nn.Linear(D, H, { generator: g }), new nn.MultiHead(H, 2, K, { generator: g }));
  }
  const read = async (t: Tensor) => Array.from(await t.data());

  it('F, the path score S and the penalty coefficients match a float64 re-implementation over two tasks', async () => {
    const lambda = 0.5; const alpha = 0.7; const deltaT = 4;
    const model = tinyModel();
    const params = model.parameters(); // W1, b1, then the heads' W2, b2 per task
    const rw = new cl.methods.RWalk({ lambda, alpha, deltaT });
    type Rec = { x: Tensor; y: Tensor; before: Tensor[]; grad: Tensor[]; after: Tensor[] };
    const recs: Rec[] = [];
    let open: Partial<Rec> = {};
    const recorder: cl.StrategyPlugin = {
      name: 'recorder',
      afterBackward: (ctx) => noGrad(() => {
        open = { x: keep(clone(ctx.batch.x)), y: keep(cast(ctx.batch.y, 'float32')), before: params.map((p) => keep(clone(p))), grad: [0, 1].map((i) => keep(clone(params[i]!.grad!))) };
      }),
      afterUpdate: () => noGrad(() => { recs.push({ ...open, after: params.map((p) => keep(clone(p))) } as Rec); }),
    };
    const exps = [tinyExperience(0), tinyExperience(1)];
    // Momentum: Δθ is the optimizer's, not −lr·g; a large step overshoots, so some path scores of the
    // second task come out negative (relu matters). 12 samples, batch 4, 2 epochs: 6 steps per task,
    // one full window of 4 and a short one of 2 that the task's end scores.
    const s = new cl.Strategy({ model, optimizer: (p) => new nn.SGD(p, { lr: 1, momentum: 0.9 }), plugins: [rw, recorder], epochs: 2, batchSize: 4, seed: 3 });
    const host = new HostRWalk(lambda, alpha, deltaT, await Promise.all([0, 1].map((i) => read(params[i]!))));
    let penaltyShare = 0;
    for (const e of exps) {
      host.beginTask(await Promise.all([0, 1].map((i) => read(params[i]!))));
      const reads = device().stats().readbacks;
      const first = recs.length;
      await s.train(e, exps);
      expect(device().stats().readbacks - reads).toBe(2); // the strategy's loss at each epoch's end (divergence check), nothing for RWalk
      expect(recs.length - first).toBe(6);
      for (const r of recs.slice(first)) {
        const [x, y] = [await read(r.x), await read(r.y)];
        const before = await Promise.all(r.before.map(read));
        const after = await Promise.all(r.after.map(read));
        const head = 2 + 2 * e.taskId;
        const g = hostGrad(x, y, before[0]!, before[1]!, before[head]!, before[head + 1]!, D, H, K);
        // the gradient the step saw = the task loss's + the penalty's (zero on the first task)
        const pen = host.penaltyGrad(before.slice(0, 2));
        for (let i = 0; i < 2; i++) expectClose(await read(r.grad[i]!), g[i]!.map((v, j) => v + pen[i]![j]!), 1e-5, `gradient ${i}`, 1e-7);
        penaltyShare = Math.max(penaltyShare, ...pen.flat().map(Math.abs));
        host.step(g, before.slice(0, 2), after.slice(0, 2));
      }
      host.endTask(await Promise.all([0, 1].map((i) => read(params[i]!))));
      const st = rw.state();
      expect(st.record).toMatchObject({ lambda, alpha, deltaT, tasks: e.index + 1, windowSteps: 0, shapes: [[H, D], [H]] });
      expect(Object.keys(st.tensors).sort()).toEqual(['importance', 'score', 'windowStart', 'path', 'taskScore', 'coef', 'anchor'].flatMap((n) => [`0.${n}`, `1.${n}`]).sort());
      for (let i = 0; i < 2; i++) {
        expectClose(await read(st.tensors[`${i}.importance`]!), host.F[i]!, 1e-4, `F ${i} after task ${e.index}`);
        expectClose(await read(st.tensors[`${i}.taskScore`]!), host.S![i]!, 1e-3, `S ${i} after task ${e.index}`);
        expectClose(await read(st.tensors[`${i}.coef`]!), host.c![i]!, 0, `coef ${i} after task ${e.index}`, 1e-4);
        expectClose(await read(st.tensors[`${i}.anchor`]!), host.star![i]!, 0, `θ* ${i}`, 0);
        expect(await read(st.tensors[`${i}.score`]!)).toEqual(host.F[i]!.map(() => 0)); // the new task's running score
      }
      // non-trivial: both normalised terms reach 1 somewhere, and the scores are not all ε-dominated
      expect(Math.max(...host.c!.flat())).toBeGreaterThan(1);
      expect(Math.max(...host.S!.flat())).toBeGreaterThan(0);
      if (e.index === 1) expect(Math.min(...host.S!.flat())).toBeLessThan(0);
    }
    expect(penaltyShare).toBeGreaterThan(1e-3); // the second task's steps did carry the penalty's gradient
    s.dispose();
    for (const r of recs) for (const t of [r.x, r.y, ...r.before, ...r.grad, ...r.after]) t.dispose();
    exps.forEach((e) => e.train.dispose());
    model.dispose();
  });

  it('the penalty is λ·Σ c·(θ − θ*)² over the shared parameters, its gradient reaches θ, the heads get none, and train mode stays', async () => {
    const model = tinyModel();
    const rw = new cl.methods.RWalk({ lambda: 2, deltaT: 3 });
    const s = new cl.Strategy({ model, optimizer: (p) => new nn.SGD(p, { lr: 0.2 }), plugins: [rw], epochs: 1, batchSize: 4, seed: 1 });
    const e = tinyExperience(0);
    const penaltyOf = rw.beforeBackward.bind(rw) as () => Tensor | void;
    expect(penaltyOf()).toBeUndefined(); // nothing on the first task
    await s.train(e);
    expect(model.training).toBe(true);
    const [W1, b1, ...heads] = model.parameters();
    // move θ away from θ*
    const sd = model.stateDict();
    const moved = (await read(W1!)).map((v, i) => v + 0.1 * Math.sin(i + 1));
    model.loadStateDict({ ...sd, '0.weight': { shape: [H, D], dtype: 'float32', data: new Float32Array(moved) } });
    const st = rw.state();
    const [c0, c1, a0, a1, t1] = await Promise.all([st.tensors['0.coef']!, st.tensors['1.coef']!, st.tensors['0.anchor']!, st.tensors['1.anchor']!, b1!].map(read));
    const value = await tidy(() => {
      const p = penaltyOf()!;
      p.backward();
      return keep(p.detach());
    }).item();
    const expected = 2 * (moved.reduce((a, v, i) => a + c0![i]! * (v - a0![i]!) ** 2, 0) + t1!.reduce((a, v, i) => a + c1![i]! * (v - a1![i]!) ** 2, 0));
    expect(value).toBeGreaterThan(1e-3);
    expect(value).toBeCloseTo(expected, 5);
    expectClose(await read(W1!.grad!), moved.map((v, i) => 2 * 2 * c0![i]! * (v - a0![i]!)), 1e-5, 'penalty gradient');
    for (const h of heads) expect(h!.grad).toBeNull();
    for (const p of model.parameters()) { p.grad?.dispose(); p.grad = null; }
    s.dispose(); e.train.dispose(); model.dispose();
  });

  it('a head-only model, an unbound plugin and a state of other options are errors that say so', () => {
    const rw = new cl.methods.RWalk();
    expect(() => rw.state()).toThrow(/RWalk: not bound to a model/);
    const heads = new nn.MultiHead(3, 2, 2);
    expect(() => new cl.methods.RWalk().bind(heads)).toThrow(/no parameters outside its task heads/);
    const model = tinyModel();
    rw.bind(model);
    expect(() => rw.bind(model)).toThrow(/already bound/);
    const other = new cl.methods.RWalk({ deltaT: 5 });
    other.bind(model);
    expect(() => other.loadState(rw.state())).toThrow(/deltaT is 5 here but 10 in the state/);
    const st = rw.state();
    const { ['1.path']: _dropped, ...missing } = st.tensors;
    const same = new cl.methods.RWalk();
    same.bind(model);
    expect(() => same.loadState({ tensors: missing, record: st.record })).toThrow(/missing state tensor '1\.path'/);
    rw.dispose(); other.dispose(); same.dispose(); heads.dispose(); model.dispose();
  });

  it('bad options name the option, the range and the value; the registry builds it from CLI option names', () => {
    const R = cl.methods.RWalk;
    expect(() => new R({ lambda: -0.5 })).toThrow(/RWalk: options\.lambda must be a number ≥ 0, got -0\.5/);
    expect(() => new R({ alpha: 1.5 })).toThrow(/RWalk: options\.alpha must be a number in \[0, 1\], got 1\.5/);
    expect(() => new R({ alpha: -0.1 })).toThrow(/options\.alpha must be a number in \[0, 1\], got -0\.1/);
    expect(() => new R({ deltaT: 0 })).toThrow(/RWalk: options\.deltaT must be a positive integer, got 0/);
    expect(() => new R({ deltaT: 2.5 })).toThrow(/options\.deltaT must be a positive integer, got 2\.5/);
    expect(() => new R({ lambda: Number.NaN })).toThrow(/options\.lambda must be a number ≥ 0, got NaN/);
    expect(() => new R({ lambda: '1' as never })).toThrow(/options\.lambda must be a number ≥ 0, got string "1"/);
    expect(() => new R({ delta_t: 3 } as never)).toThrow(/unknown option 'delta_t'; options: lambda, alpha, deltaT/);
    const d = new R();
    expect([d.lambda, d.alpha, d.deltaT]).toEqual([0.1, 0.9, 10]);

    const spec = cl.methods.method('rwalk');
    const defaults = cl.methods.resolveOptions('method rwalk', spec.options);
    expect(defaults).toEqual({ lambda: 3, alpha: 0.9, 'delta-t': 10 });
    expect(() => cl.methods.resolveOptions('method rwalk', spec.options, { 'delta-t': 0 })).toThrow(/option delta-t must be in \[1, ∞\], got 0/);
    expect(() => cl.methods.resolveOptions('method rwalk', spec.options, { alpha: 2 })).toThrow(/option alpha must be in \[0, 1\], got 2/);
    const options = cl.methods.resolveOptions('method rwalk', spec.options, { lambda: 3, 'delta-t': 7 });
    const [plugin] = spec.plugins!({ model: null as never, scenario: null as never, seed: 0, options }) as [InstanceType<typeof R>];
    expect(plugin).toBeInstanceOf(R);
    expect([plugin.name, plugin.lambda, plugin.alpha, plugin.deltaT]).toEqual(['rwalk', 3, 0.9, 7]);
  });

  const mlp = (seed: number) => {
    const g = new Generator(seed);
    return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 16, { generator: g }), new nn.ReLU(), new nn.MultiHead(16, mnist.heads, mnist.outputs, { generator: g }));
  };
  const sgd = (p: Tensor[]) => new nn.SGD(p, { lr: 0.05, momentum: 0.9 });

  it('on small split MNIST (task-incremental), RWalk with a large λ forgets less than naive, with flat memory', async () => {
    // 5 epochs per experience make naive fine-tuning forget (0.17 here); λ = 10 is 100× the default but
    // below the stability limit of SGD with momentum on the penalty: its curvature 2λ·c reaches 4λ
    // (c ≤ 2), and heavy ball needs lr·4λ < 2·(1 + momentum), λ < 19 here (λ = 30 oscillates and forgets more).
    const results: cl.StrategyResult[] = [];
    for (const plugins of [[], [new cl.methods.RWalk({ lambda: 10 })]]) {
      const before = device().liveTensors;
      const live: number[] = [];
      const model = mlp(1);
      const s = new cl.Strategy({ model, optimizer: sgd, plugins, epochs: 5, batchSize: 16, seed: 1 });
      results.push(await s.run(mnist, { afterExperience: () => { live.push(device().liveTensors); } }));
      // the state made at the first task's end is all there is: no growth per task
      expect(new Set(live.slice(1)).size).toBe(1);
      s.dispose(); model.dispose();
      expect(device().liveTensors).toBe(before);
    }
    const [naive, rwalk] = results as [cl.StrategyResult, cl.StrategyResult];
    expect(naive.forgetting!).toBeGreaterThan(0.1);
    expect(rwalk.forgetting!).toBeLessThan(naive.forgetting! - 0.1);
    expect(rwalk.acc).toBeGreaterThan(naive.acc);
    expect(rwalk.method).toBe('rwalk');
  });

  it('a run stopped after experience 2 of 3 and resumed from its checkpoint gives the same matrix and state, bit for bit', async () => {
    const three: cl.scenarios.Scenario = { ...mnist, name: 'split-mnist-3', experiences: mnist.experiences.slice(0, 3), dispose: () => {} };
    // 48 samples, batch 16, 2 epochs: 6 steps per experience, windows of 4, so windows end inside experiences
    const { state } = await expectResumeMatches({
      scenario: three, optimizer: sgd, options: { epochs: 2, batchSize: 16, seed: 5 },
      make: () => ({ model: mlp(11), plugins: [new cl.methods.RWalk({ lambda: 10, deltaT: 4 })] }),
    });
    expect((state as { record: { tasks: number } }).record.tasks).toBe(3);
  });
});
