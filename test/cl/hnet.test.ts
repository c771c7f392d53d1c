/**
 * cl.hnet: the main network run on given weights equals the same network built of nn layers; gradients of
 * the hypernetwork (plain and chunked) reach θ and the embedding (finite differences); hyperfan-in gives the
 * main weights variance 1/fan_in; the optimizers' look-ahead equals their next step and leaves their state
 * alone; the regulariser's gradient (look-ahead, head mask, frozen or plastic embeddings, Fisher weights) against
 * float64, and with a padded last chunk against autograd;
 * generate() over a batch of embeddings equals it one at a time; option errors.
 * Mutations tried (each fails a test): the head mask ignored; old embeddings not detached when frozen; Δθ
 * left out (θ instead of θ + Δθ); Adam's look-ahead without the bias corrections; SGD's look-ahead ignoring
 * the momentum buffer; the output layer's rows not scaled by the fan-in; the regulariser's 1/n dropped
 * (n = 2 case); the chunk embeddings broadcast along the task axis (rows of a batch of embeddings then
 * differ from the same embeddings one at a time); the Fisher left out of the weights with ewcWeighting; the
 * last chunk's padding left in the regulariser's mask.
 */
import { describe, expect, it } from 'vitest';
import { cl, concat, keep, mul, nn, reshape, square, sub, sum, tensor, tidy, Generator, type Tensor } from '../../index.js';
import { assign } from '../../nn/assign.js';
import { useDevice } from '../helpers/device.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { expectClose, randomArray, EPS32 } from '../helpers/numeric.js';

const { MainMLP, HMLP, HnetModel, HnetRegularizer } = cl.hnet;
const read = async (t: Tensor) => Array.from(await t.data());
/** The values of what fn makes, read back and freed. */
const values = async (fn: () => Tensor) => { const t = tidy(() => keep(fn())); const v = await read(t); t.dispose(); return v; };
const host = (t: Float64Array | number[], shape: number[]) => ({ shape, dtype: 'float32' as const, data: Float32Array.from(t) });

describe('cl.hnet', () => {
  useDevice();

  it('MainMLP.forward(x, weights, t) equals Flatten → Linear → ReLU → MultiHead with those weights, bit for bit', async () => {
    const g = new Generator(3);
    const seq = new nn.Sequential(new nn.Flatten(), new nn.Linear(12, 5, { generator: g }), new nn.ReLU(), new nn.Linear(5, 4, { generator: g }), new nn.ReLU(), new nn.MultiHead(4, 3, 2, { generator: g }));
    const main = new MainMLP([12, 5, 4, 2], { heads: 3 });
    expect(main.shapes).toEqual([[5, 12], [5], [4, 5], [4], [2, 4], [2], [2, 4], [2], [2, 4], [2]]);
    expect(main.headOf).toEqual([-1, -1, -1, -1, 0, 0, 1, 1, 2, 2]);
    const x = tensor(randomArray(3 * 12, 1), [3, 1, 3, 4]);
    for (const t of [0, 2]) {
      (seq.modules().find((m) => m instanceof nn.MultiHead) as nn.MultiHead).select(t);
      const [a, b] = tidy(() => [seq.forward(x), main.forward(x, seq.parameters(), t)]);
      expect(await read(b!)).toEqual(await read(a!));
      a!.dispose(); b!.dispose();
    }
    expect(() => tidy(() => main.forward(x, seq.parameters().slice(1), 0))).toThrow(/expected 10 weight tensors/);
    expect(() => tidy(() => main.forward(x, seq.parameters(), 3))).toThrow(/task must be a head index in \[0, 2\]/);
    x.dispose(); seq.dispose();
  });

  it.each([false, true])('gradients of f(x; h(e, θ)) reach the embedding and every part of θ (chunked: %s)', async (chunked) => {
    const main = new MainMLP([3, 4, 2], { heads: 2 });
    const hnet = new HMLP({ targetShapes: main.shapes, tasks: 1, embeddingSize: 3, hidden: [5], generator: new Generator(2), ...(chunked && { chunked: true, chunkSize: 7, chunkEmbeddingSize: 2 }) });
    const theta = await Promise.all(hnet.theta().map(async (p) => ({ data: await p.data(), shape: [...p.shape] })));
    expect(theta.length).toBe(chunked ? 5 : 4); // W₁ b₁ W_out b_out (+ chunk embeddings [⌈P/7⌉, 2])
    if (chunked) expect(theta[4]!.shape).toEqual([Math.ceil(hnet.outputs / 7), 2]);
    // Smooth activations would be cleaner, but ReLU kinks are far from these points: keep ε small.
    const x = { data: randomArray(2 * 3, 4), shape: [2, 3] };
    const e = { data: randomArray(3, 5), shape: [1, 3] };
    await checkGrad((xx, ee, ...th) => main.forward(xx, hnet.split(hnet.generate(ee, th)), 1), [x, e, ...theta], { eps: 1e-3, rtol: 1e-2 });
    hnet.dispose();
  });

  it.each([false, true])('generate(E) over three stacked embeddings equals each embedding alone (chunked: %s)', async (chunked) => {
    const main = new MainMLP([6, 5, 2], { heads: 2 });
    const hnet = new HMLP({ targetShapes: main.shapes, tasks: 3, embeddingSize: 4, hidden: [7], generator: new Generator(4), ...(chunked && { chunked: true, chunkSize: 9 }) });
    const stack = () => concat(hnet.embeddings.map((e) => reshape(e, [1, 4])), 0);
    const all = await values(() => hnet.generate(stack()));
    for (let t = 0; t < 3; t++) {
      const one = await values(() => hnet.generate(reshape(hnet.embeddings[t]!, [1, 4])));
      expectClose(all.slice(t * hnet.outputs, (t + 1) * hnet.outputs), one, { rtol: 1e-6, atol: 1e-7 }, `task ${t}`);
    }
    hnet.dispose();
  });

  it('hyperfan-in: every task starts with main weights of variance 1/fan_in (plain) and zero biases; chunked gets the mean of those variances', async () => {
    const main = new MainMLP([400, 60, 2], { heads: 2 });
    const plain = new HMLP({ targetShapes: main.shapes, tasks: 8, embeddingSize: 16, hidden: [100, 100], generator: new Generator(5) });
    const fanIn = [400, 400, 60, 60, 60, 60];
    const sums = main.shapes.map(() => 0);
    for (let t = 0; t < 8; t++) {
      const ws = await Promise.all(tidy(() => plain.weightsOf(t).map((w) => keep(w))).map(async (w) => { const v = await read(w); w.dispose(); return v; }));
      ws.forEach((w, k) => { sums[k] += w.reduce((a, v) => a + v * v, 0) / w.length / 8; });
    }
    main.shapes.forEach((s, k) => {
      if (s.length === 1) expect(sums[k]).toBe(0);
      else expect(sums[k]! * fanIn[k]!).toBeGreaterThan(0.75), expect(sums[k]! * fanIn[k]!).toBeLessThan(1.3);
    });
    plain.dispose();
    const chunked = new HMLP({ targetShapes: main.shapes, tasks: 8, embeddingSize: 16, hidden: [100], chunked: true, chunkSize: 1000, generator: new Generator(6) });
    const weights = 400 * 60 + 2 * 2 * 60;
    const want = (400 * 60 / 400 + 2 * 2 * 60 / 60) / weights;
    const all = tidy(() => keep(chunked.generate(tensor(unitEmbeddings(8, 16), [8, 16]))));
    const v = await read(all);
    expect(v.reduce((a, x) => a + x * x, 0) / v.length / want).toBeGreaterThan(0.75);
    expect(v.reduce((a, x) => a + x * x, 0) / v.length / want).toBeLessThan(1.3);
    all.dispose(); chunked.dispose();
  });

  describe('look-ahead: the step the optimizer would take, its state untouched', () => {
    const cases: [string, (p: Tensor[]) => nn.SGD | nn.Adam][] = [
      ['SGD', (p) => new nn.SGD(p, { lr: 0.1 })],
      ['SGD momentum, weight decay', (p) => new nn.SGD(p, { lr: 0.1, momentum: 0.9, dampening: 0.2, weightDecay: 0.01 })],
      ['SGD Nesterov', (p) => new nn.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true })],
      ['Adam, weight decay', (p) => new nn.Adam(p, { lr: 0.01, weightDecay: 0.1 })],
    ];
    it.each(cases)('%s: lookahead(params) = the next step() for three steps; state() unchanged by it', async (_, make) => {
      const p = [keep(tensor(randomArray(50, 1), [5, 10], { requiresGrad: true })), keep(tensor(randomArray(3, 2), [3], { requiresGrad: true }))];
      const opt = make(p);
      for (let step = 0; step < 3; step++) {
        p.forEach((q, i) => { q.grad = keep(tensor(randomArray(q.size, 10 * step + i), q.shape)); });
        const stateBefore = await Promise.all(Object.values(opt.state().tensors).map(read));
        const delta = await Promise.all(tidy(() => opt.lookahead(p).map((d) => keep(d))).map(async (d) => { const v = await read(d); d.dispose(); return v; }));
        expect(await Promise.all(Object.values(opt.state().tensors).map(read))).toEqual(stateBefore);
        expect(opt.state().record.steps).toEqual([step, step]);
        const before = await Promise.all(p.map(read));
        opt.step();
        const after = await Promise.all(p.map(read));
        // θ_after − θ_before rounds once more than Δθ: ε₃₂·|θ| absolute.
        after.forEach((a, i) => expectClose(a.map((v, j) => v - before[i]![j]!), delta[i]!, { rtol: 1e-5, atol: 4 * EPS32 }, `parameter ${i}, step ${step}`));
        opt.zeroGrad();
      }
      // a parameter without a gradient: zeros (step() skips it); a foreign tensor: an error
      const zero = tidy(() => keep(opt.lookahead([p[0]!])[0]!));
      expect((await read(zero)).every((v) => v === 0)).toBe(true);
      zero.dispose();
      const stranger = tensor([1], [1]);
      expect(() => opt.lookahead([stranger])).toThrow(/lookahead: params\[0\] is not one of this optimizer's parameters/);
      stranger.dispose(); opt.dispose(); p.forEach((q) => q.dispose());
    });
  });

  /**
   * A linear hypernetwork h(e) = W·e + b over a 3-head main network [3 → 2]: P = 24, head t = outputs 8t … 8t + 7.
   * Float64 reference of afterBackward with SGD's look-ahead: θ' = θ − lr·g, r_t' = M_t' ⊙ F_t' ⊙ (W'e_t' + b' − W*_t'),
   * ∇W += (2β/n) Σ r_t' e_t'ᵀ, ∇b += (2β/n) Σ r_t', ∇e_t' = (2β/n) W'ᵀ r_t' when plastic; F = 1, or with
   * ewcWeighting the Fisher vectors given by loadState, zero on every third output: those outputs must leave
   * W's and b's rows with the task gradient alone.
   */
  describe('HnetRegularizer.afterBackward against float64', () => {
    const E = 4, lr = 0.1, beta = 0.7;
    const exp = (index: number) => ({ index, taskId: index, name: `t${index}`, classes: [], train: null, test: null }) as unknown as cl.scenarios.Experience;

    it.each([[false, 1, false], [true, 1, false], [false, 2, false], [true, 2, true]])('plastic %s, %i earlier task(s), ewcWeighting %s', async (plastic, n, ewcWeighting) => {
      const main = new MainMLP([3, 2], { heads: 3 });
      const model = new HnetModel(main, { tasks: 3, embeddingSize: E, hidden: [], generator: new Generator(9) });
      const [W, b] = model.hnet.theta() as [Tensor, Tensor];
      const P3 = model.hnet.outputs;
      expect(P3).toBe(24);
      const reg = new HnetRegularizer({ beta, plastic, ewcWeighting });
      reg.bind(model);
      const fisher = [0, 1].map((t) => Array.from(randomArray(P3, 20 + t), (v, k) => (k % 3 === 0 ? 0 : 0.5 + v)));
      if (ewcWeighting) reg.loadState({ tensors: { 'fisher/0': host(fisher[0]!, [P3]), 'fisher/1': host(fisher[1]!, [P3]) }, record: {} });
      const opt = new nn.SGD(model.parameters(), { lr });
      const experiences = [exp(0), exp(1), exp(2)];
      const ctx = { model, optimizer: opt, experience: experiences[n]!, experiences, epoch: 0, iteration: 0, batch: null, output: null, loss: null } as unknown as cl.IterationContext;
      const W0 = await read(W), es = await Promise.all(model.hnet.embeddings.map(read));
      assign(b, host(randomArray(P3, 3), [P3]));
      const b0 = await read(b);
      reg.beforeExperience(ctx);
      // the targets: h at θ₀; then θ moves (as training another task would) and the task gradient is g
      const target = (t: number) => Array.from({ length: P3 }, (_, k) => W0.slice(k * E, k * E + E).reduce((a, w, j) => a + w * es[t]![j]!, 0) + b0[k]!);
      const targets = [0, 1].map(target);
      const W1 = W0.map((v, i) => v + 0.05 * Math.sin(i));
      const b1 = b0.map((v, i) => v + 0.03 * Math.cos(i));
      assign(W, host(W1, [P3, E]));
      assign(b, host(b1, [P3]));
      const gW = randomArray(P3 * E, 11), gb = randomArray(P3, 12);
      W.grad = keep(tensor(gW, [P3, E]));
      b.grad = keep(tensor(gb, [P3]));
      tidy(() => reg.afterBackward(ctx));
      const Wl = W1.map((v, i) => v - lr * gW[i]!), bl = b1.map((v, i) => v - lr * gb[i]!);
      const wantW = Array.from(gW), wantb = Array.from(gb);
      const wantE = [new Array(E).fill(0), new Array(E).fill(0)];
      for (let t = 0; t < n; t++) {
        for (let k = 0; k < P3; k++) {
          const head = Math.floor(k / 8); // 8 outputs per head: W [2, 3] and b [2]
          if (head !== t) continue; // the head mask: no trunk here, only task t's head
          const out = Wl.slice(k * E, k * E + E).reduce((a, w, j) => a + w * es[t]![j]!, 0) + bl[k]!;
          const r = (2 * beta / n) * (ewcWeighting ? fisher[t]![k]! : 1) * (out - targets[t]![k]!);
          for (let j = 0; j < E; j++) { wantW[k * E + j] += r * es[t]![j]!; wantE[t]![j] += r * Wl[k * E + j]!; }
          wantb[k] += r;
        }
      }
      const gotW = await read(W.grad!);
      expectClose(gotW, wantW, { rtol: 1e-4, atol: 1e-5 }, 'W.grad');
      if (ewcWeighting) {
        const zero = Array.from({ length: P3 }, (_, k) => k).filter((k) => k % 3 === 0);
        expectClose(zero.flatMap((k) => gotW.slice(k * E, k * E + E)), zero.flatMap((k) => Array.from(gW.slice(k * E, k * E + E))), { rtol: 1e-6, atol: 1e-7 }, 'W.grad where F = 0');
      }
      expectClose(await read(b.grad!), wantb, { rtol: 1e-4, atol: 1e-5 }, 'b.grad');
      for (let t = 0; t < n; t++) {
        const g = model.hnet.embeddings[t]!.grad;
        if (plastic) expectClose(await read(g!), wantE[t]!, { rtol: 1e-4, atol: 1e-5 }, `e_${t}.grad`);
        else expect(g).toBeNull();
      }
      expect(model.hnet.embeddings[n]!.grad).toBeNull(); // the current task's embedding: task loss only
      model.zeroGrad(); reg.dispose(); opt.dispose(); model.dispose();
    });
  });

  it('chunked with a padded last chunk: the seeded backward over generatePadded gives θ the gradient of β/n Σ M ⊙ (generate(E, θ) − W*)² by autograd', async () => {
    // main [3 → 2] with 3 heads: P = 24, chunks of 7: width 28, 4 padded outputs per row
    const model = new HnetModel(new MainMLP([3, 2], { heads: 3 }), { tasks: 3, embeddingSize: 4, hidden: [5], chunked: true, chunkSize: 7, generator: new Generator(12) });
    const hnet = model.hnet;
    expect([hnet.outputs, hnet.width]).toEqual([24, 28]);
    const beta = 0.3;
    const reg = new HnetRegularizer({ beta, lookahead: false });
    reg.bind(model);
    const opt = new nn.SGD(model.parameters(), { lr: 0.1 });
    const experiences = [0, 1, 2].map((index) => ({ index, taskId: index, name: `t${index}` }) as unknown as cl.scenarios.Experience);
    const ctx = { model, optimizer: opt, experience: experiences[2]!, experiences, epoch: 0, iteration: 0 } as unknown as cl.IterationContext;
    const E = () => concat([0, 1].map((t) => reshape(hnet.embeddings[t]!.detach(), [1, 4])), 0);
    const targets = tidy(() => keep(hnet.generate(E()).detach()));
    reg.beforeExperience(ctx);
    const theta = hnet.theta();
    for (const [i, p] of theta.entries()) assign(p, host(Array.from(await read(p), (v, k) => v + 0.05 * Math.sin(k + i)), [...p.shape]));
    tidy(() => reg.afterBackward(ctx));
    const got = await Promise.all(theta.map((p) => read(p.grad!)));
    model.zeroGrad();
    // reference: autograd through generate (cut to P), head mask M: trunk none here, head t of task t
    const mask = tensor(Array.from({ length: 48 }, (_, k) => (Math.floor((k % 24) / 8) === Math.floor(k / 24) ? 1 : 0)), [2, 24]);
    tidy(() => mul(sum(mul(mask, square(sub(hnet.generate(E()), targets)))), beta / 2).backward());
    const want = await Promise.all(theta.map((p) => read(p.grad!)));
    got.forEach((g, i) => expectClose(g, want[i]!, { rtol: 1e-4, atol: 1e-6 }, `θ[${i}].grad`));
    model.zeroGrad(); mask.dispose(); targets.dispose(); reg.dispose(); opt.dispose(); model.dispose();
  });

  it('rejects bad options, a model that is no HnetModel, and a look-ahead without an optimizer that has one', () => {
    expect(() => new HnetRegularizer({ beta: -1 })).toThrow(/HnetRegularizer: options.beta/);
    expect(() => new HnetRegularizer({ beta: 1, lookahead: 'yes' as never })).toThrow(/HnetRegularizer: options.lookahead/);
    expect(() => new HnetRegularizer({ beta: 1, detach: true } as never)).toThrow(/HnetRegularizer/);
    expect(() => new HnetRegularizer({ beta: 1, fisherSamples: 0 })).toThrow(/HnetRegularizer: options.fisherSamples/);
    expect(() => new HnetRegularizer({ beta: 1, likelihood: { gaussian: { std: 0 } } })).toThrow(/HnetRegularizer: options.likelihood/);
    expect(() => new HnetRegularizer({ beta: 1 }).bind(new nn.Linear(2, 2))).toThrow(/must be a cl.hnet.HnetModel/);
    expect(() => new MainMLP([784])).toThrow(/MainMLP: sizes must be/);
    expect(() => new MainMLP([4, 2], { heads: 0 })).toThrow(/MainMLP: options.heads/);
    expect(() => new HMLP({ targetShapes: [[2, 3]], tasks: 0, embeddingSize: 2, hidden: [] })).toThrow(/HMLP: options.tasks/);
    expect(() => new HMLP({ targetShapes: [[2, 3]], tasks: 1, embeddingSize: 2, hidden: [0] })).toThrow(/HMLP: options.hidden/);
    expect(() => new HMLP({ targetShapes: [[2, 3]], tasks: 1, embeddingSize: 2, hidden: [], chunkSize: 4 })).toThrow(/chunked: true only/);
    expect(() => new HnetModel(new MainMLP([4, 2], { heads: 3 }), { tasks: 2, embeddingSize: 2, hidden: [] })).toThrow(/3 heads needs one embedding per head/);
    const model = new HnetModel(new MainMLP([4, 2]), { tasks: 2, embeddingSize: 2, hidden: [] });
    expect(() => model.selectTask(2)).toThrow(/HnetModel.selectTask: task must be in \[0, 1\]/);
    const reg = new HnetRegularizer({ beta: 1 });
    reg.bind(model);
    const layerOwned = { step() {}, zeroGrad() {} };
    expect(() => reg.beforeExperience({ model, optimizer: layerOwned, experience: { index: 0, taskId: 0 }, experiences: [], epoch: 0 } as never)).toThrow(/lookahead needs an optimizer with lookahead/);
    const weighted = new HnetRegularizer({ beta: 1, ewcWeighting: true });
    weighted.bind(model);
    const sgd = new nn.SGD(model.parameters(), { lr: 0.1 });
    const two = [{ index: 0, taskId: 0 }, { index: 1, taskId: 1 }];
    expect(() => weighted.beforeExperience({ model, optimizer: sgd, experience: two[1], experiences: two, epoch: 0 } as never)).toThrow(/ewcWeighting has no Fisher for earlier task 0/);
    expect(() => weighted.loadState({ tensors: { 'fisher/0': host([1, 2], [2]) }, record: {} })).toThrow(/expected tensors 'fisher\/<task>' of shape \[10\]/);
    sgd.dispose(); weighted.dispose();
    model.dispose();
  });
});

/** n embeddings of size E with E[e²] = 1 (uniform on ±√3), as the hyperfan-in argument assumes. */
function unitEmbeddings(n: number, E: number): Float32Array {
  return Float32Array.from(randomArray(n * E, 77).map((v) => v * Math.sqrt(3)));
}
