/**
 * cl.Strategy on real (small) split MNIST: hook order, penalties and batch replacement, the accuracy
 * matrix and curves, no readback per step, memory, and checkpoints that resume bit for bit.
 * Mutations tried: step() skipping the plugins' penalty (the penalty test fails); restoreCheckpoint not
 * restoring the default generator or the matrix (the resume tests fail); the loader seed not derived from
 * the experience index (the resume test still passes, the determinism test fails).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { cl, nn, Generator, type Tensor } from '../../index.js';
import { useDevice } from '../helpers/device.js';
import { expectResumeMatches } from '../helpers/resume.js';

const SMALL = { trainPerClass: 24, testPerClass: 10 };

function mlp(scenario: cl.scenarios.Scenario, seed: number): nn.Sequential {
  const g = new Generator(seed);
  const head = scenario.setting === 'task' ? new nn.MultiHead(16, scenario.heads, scenario.outputs, { generator: g }) : new nn.Linear(16, scenario.outputs, { generator: g });
  return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 16, { generator: g }), new nn.ReLU(), head);
}

const sgd = (params: Tensor[]) => new nn.SGD(params, { lr: 0.05, momentum: 0.9 });

describe('cl.Strategy', () => {
  const device = useDevice();
  let scenario: cl.scenarios.Scenario;
  const dir = mkdtempSync(join(tmpdir(), 'strategy-'));
  beforeAll(async () => { scenario = await cl.scenarios.splitMnist({ setting: 'task', ...SMALL }); });
  afterAll(() => { scenario?.dispose(); rmSync(dir, { recursive: true, force: true }); });

  const run = async (plugins: cl.StrategyPlugin[] = [], extra: Partial<cl.StrategyOptions> = {}) => {
    const model = mlp(scenario, 3);
    const s = new cl.Strategy({ model, optimizer: sgd, plugins, epochs: 2, batchSize: 16, seed: 7, ...extra });
    const result = await s.run(scenario);
    s.dispose();
    model.dispose();
    return result;
  };

  it('trains every experience, fills the matrix, curves and metrics, and learns', async () => {
    const before = device().liveTensors;
    const r = await run([], { evalEvery: 'epoch' });
    expect(r.accuracyMatrix).toHaveLength(5);
    r.accuracyMatrix.forEach((row) => expect(row).toHaveLength(5));
    expect(r.untrained).toHaveLength(5);
    // task-incremental pairs of digits: each task is learnt right after its training
    for (let t = 0; t < 5; t++) expect(r.accuracyMatrix[t]![t]!).toBeGreaterThan(0.8);
    expect(r.acc).toBeCloseTo(r.accuracyMatrix[4]!.reduce((a, b) => a + b, 0) / 5, 12);
    expect(r.bwt).toBeCloseTo(cl.backwardTransfer(r.accuracyMatrix), 12);
    expect(r.fwt).toBeCloseTo(cl.forwardTransfer(r.accuracyMatrix, r.untrained), 12);
    // curves: one entry per epoch, the last equal to the matrix
    expect(r.curves[2]![1]).toHaveLength(2);
    expect(r.curves[2]![1]![1]).toBe(r.accuracyMatrix[2]![1]);
    expect(device().liveTensors).toBe(before);
  });

  it('calls the hooks in order, adds penalties, takes replacement batches, reads one value per progress interval', async () => {
    const calls: string[] = [];
    const w: { hit: number } = { hit: 0 };
    const recorder: cl.StrategyPlugin = {
      name: 'recorder',
      beforeExperience: () => { calls.push('beforeExperience'); },
      beforeEpoch: () => { calls.push('beforeEpoch'); },
      beforeIteration: (ctx) => { calls.push('beforeIteration'); return { x: ctx.batch.x, y: ctx.batch.y }; },
      afterForward: (ctx) => { calls.push(`afterForward:${ctx.output!.shape.join('x')}`); },
      beforeBackward: (ctx) => { calls.push('beforeBackward'); w.hit++; return wc.mul(wc.sum(wc.square(ctx.model.parameters()[0]!)), 0); },
      afterBackward: (ctx) => { calls.push(`afterBackward:${ctx.model.parameters()[0]!.grad ? 'grad' : 'none'}`); },
      afterUpdate: () => { calls.push('afterUpdate'); },
      afterEpoch: () => { calls.push('afterEpoch'); },
      afterExperience: () => { calls.push('afterExperience'); },
      beforeEval: () => { calls.push('beforeEval'); },
      afterEval: () => { calls.push('afterEval'); },
    };
    const model = mlp(scenario, 3);
    const s = new cl.Strategy({ model, optimizer: sgd, plugins: [recorder], epochs: 1, batchSize: 480, seed: 1 });
    const reads = device().stats().readbacks;
    await s.train(scenario.experiences[0]!);
    expect(device().stats().readbacks - reads).toBe(1); // the loss at the epoch's end (divergence check)
    expect(calls).toEqual([
      'beforeExperience', 'beforeEpoch',
      'beforeIteration', 'afterForward:48x2', 'beforeBackward', 'afterBackward:grad', 'afterUpdate',
      'afterEpoch', 'afterExperience',
    ]);
    calls.length = 0;
    await s.evaluate(scenario.experiences.slice(0, 1));
    expect(calls).toEqual(['beforeEval', 'afterEval']);
    s.dispose();
    model.dispose();
  });

  it('a penalty from beforeBackward moves the weights as its gradient says', async () => {
    // Penalty 5·Σθ² on the first layer: its gradient 10θ shrinks θ by (1 − 0.01·10) per step, so after
    // 3 steps (48 samples, batch 16) ‖θ‖² is 0.9⁶ = 0.53 of what the naive run ends with (± the CE's share).
    const shrink: cl.StrategyPlugin = {
      name: 'shrink',
      beforeBackward: (ctx) => wc.mul(wc.add(...([0, 1].map((i) => wc.sum(wc.square(ctx.model.parameters()[i]!))) as [Tensor, Tensor])), 5),
    };
    const norms: number[] = [];
    for (const plugins of [[], [shrink]]) {
      const model = mlp(scenario, 3);
      const s = new cl.Strategy({ model, optimizer: (p) => new nn.SGD(p, { lr: 0.01 }), plugins, epochs: 1, batchSize: 16, seed: 1 });
      await s.train(scenario.experiences[0]!);
      norms.push(await wc.sum(wc.square(model.parameters()[0]!)).item());
      s.dispose();
      model.dispose();
    }
    expect(norms[1]! / norms[0]!).toBeGreaterThan(0.5);
    expect(norms[1]! / norms[0]!).toBeLessThan(0.56);
  });

  it('joint training in the task setting trains each sample on its own head, evaluated per experience', async () => {
    const joint = await cl.scenarios.jointScenario(await cl.scenarios.splitMnist({ setting: 'task', ...SMALL }));
    try {
      expect(joint.experiences).toHaveLength(1);
      expect(joint.experiences[0]!.mixedTasks).toBe(2);
      const model = mlp(joint, 3);
      const s = new cl.Strategy({ model, optimizer: sgd, epochs: 3, batchSize: 16, seed: 7 });
      const r = await s.run(joint);
      expect(r.accuracyMatrix).toHaveLength(1);
      expect(r.accuracyMatrix[0]).toHaveLength(5);
      expect(r.bwt).toBeNull();
      // every pair of digits separated by its own head
      for (const a of r.accuracyMatrix[0]!) expect(a).toBeGreaterThan(0.8);
      s.dispose(); model.dispose();
    } finally {
      joint.dispose();
    }
  });

  it('a diverging run stops with the method, the experience and the step', async () => {
    const model = mlp(scenario, 3);
    // The loss check at the progress interval (checkNumerics, which names the first bad step: test/reliability/numerics.test.ts).
    const s = new cl.Strategy({ model, optimizer: (p) => new nn.SGD(p, { lr: 1e30 }), epochs: 1, batchSize: 8, seed: 1, progressEvery: 2, method: 'naive', checkNumerics: false });
    await expect(s.run(scenario)).rejects.toThrow(/training diverged \(method naive\): the loss is (NaN|Infinity) at experience 0 \(classes 0, 1\), epoch 1\/1, step 2\/6/);
    s.dispose(); model.dispose();
  });

  it('the same seed gives the same run', async () => {
    const [a, b] = [await run(), await run()];
    expect(b.accuracyMatrix).toEqual(a.accuracyMatrix);
  });

  const resumeMatches = (plugins: () => cl.StrategyPlugin[], freshOptimizer: boolean) => expectResumeMatches({
    scenario, optimizer: sgd, make: () => ({ model: mlp(scenario, 11), plugins: plugins() }),
    options: { epochs: 1, batchSize: 16, seed: 5, freshOptimizer },
  });

  it('a run stopped after experience 2 and resumed from its checkpoint gives the same matrix, bit for bit (naive, kept optimizer)', async () => {
    await resumeMatches(() => [], false);
  });

  it('the same for gradient projection (GPM plugin state in the checkpoint)', async () => {
    await resumeMatches(() => [new cl.methods.GradientProjectionPlugin({ calculator: () => new cl.GPM({ R: 0.05 }), samples: 100, seed: 2 })], true);
  });

  it("projection reports the protected share of each layer's input space after every experience: 1 − tr(P)/d, growing; the CLI table prints it", async () => {
    const model = mlp(scenario, 3);
    const plugin = new cl.methods.GradientProjectionPlugin({ calculator: () => new cl.GPM({ R: 0.05 }), samples: 100, seed: 2 });
    const s = new cl.Strategy({ model, optimizer: sgd, plugins: [plugin], epochs: 1, batchSize: 16, seed: 7 });
    const r = await s.run(scenario);
    const shares = (r.reports!['gradient-projection'] as { protectedShare: number[] }[]).map((x) => x.protectedShare);
    expect(shares).toHaveLength(5);
    // the projected layer is the 784-wide hidden layer (with its bias column: d = 785); the head is not projected
    const P = plugin.state().tensors['0/projector']!;
    const p = await P.data();
    let trace = 0;
    for (let i = 0; i < 785; i++) trace += p[i * 785 + i]!;
    expect(shares[4]![0]).toBeCloseTo(1 - trace / 785, 5);
    for (let t = 1; t < 5; t++) expect(shares[t]![0]!).toBeGreaterThanOrEqual(shares[t - 1]![0]! - 1e-6);
    expect(shares[0]![0]!).toBeGreaterThan(0);
    expect(shares[4]![0]!).toBeLessThan(1);
    const { formatResult } = await import('../../cli/format-result.js');
    expect(formatResult(r)).toContain(`after ${r.experiences[4]}`.padEnd(8));
    expect(formatResult(r)).toMatch(/protected share of each projected layer's input space/);
    s.dispose();
    model.dispose();
  });

  it('checkpoints that cannot be resumed say why', async () => {
    const model = mlp(scenario, 1);
    const s = new cl.Strategy({ model, optimizer: sgd, epochs: 1, batchSize: 64, seed: 0 });
    const path = join(dir, 'one.wgcl');
    await s.save(path);
    const other = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 8));
    await expect(cl.Strategy.load(path, { model: other, optimizer: sgd })).rejects.toThrow(/saved for another model/);
    await expect(cl.Strategy.load(path, { model, optimizer: sgd, plugins: [{ name: 'ewc' }] })).rejects.toThrow(/saved with plugins \[\], this strategy has \[ewc\]/);
    const weights = join(dir, 'weights.wgcl');
    await nn.io.save(weights, model.stateDict());
    await expect(cl.Strategy.load(weights, { model, optimizer: sgd })).rejects.toThrow(/not a strategy checkpoint/);
    const buf = await s.toBuffer();
    writeFileSync(join(dir, 'cut.wgcl'), new Uint8Array(buf).subarray(0, buf.byteLength - 7));
    await expect(cl.Strategy.load(join(dir, 'cut.wgcl'), { model, optimizer: sgd })).rejects.toThrow(/truncated/);
    s.dispose(); model.dispose(); other.dispose();
  });

  it('bad options name the option and the value', () => {
    const model = mlp(scenario, 1);
    expect(() => new cl.Strategy({ model, optimizer: sgd, epochs: 0, batchSize: 8, seed: 0 })).toThrow(/options\.epochs must be a positive integer, got 0/);
    expect(() => new cl.Strategy({ model, optimizer: sgd, epochs: 1, batchSize: 8.5, seed: 0 })).toThrow(/options\.batchSize must be a positive integer, got 8\.5/);
    expect(() => new cl.Strategy({ model, optimizer: new nn.SGD(model.parameters(), { lr: 1 }) as never, epochs: 1, batchSize: 8, seed: 0 })).toThrow(/options\.optimizer must be a factory/);
    expect(() => new cl.Strategy({ model, optimizer: sgd, epochs: 1, batchSize: 8, seed: 0, evalEvery: 'step' as never })).toThrow(/evalEvery must be 'experience' or 'epoch', got step/);
    model.dispose();
  });
});
