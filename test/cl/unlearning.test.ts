/**
 * Amnesiac unlearning (Graves et al. 2021): cl.methods.UpdateRecorder, cl.methods.AmnesiacLwF and
 * Strategy.unlearn on small split MNIST task-IL. Unlearning the last experience restores the parameters
 * before it bit for bit; an earlier one subtracts its Δθ (against float64 from the parameters read after
 * each experience); the unlearned experience's accuracy falls to chance while the others keep theirs;
 * LwF's teachers and later evaluations drop it; the result and the CLI table carry the rows before and
 * after; bad requests are errors that say why; a checkpoint resumes with the recorded updates, bit for
 * bit; memory is freed.
 * Mutations tried (each fails a test): the suffix restored by subtraction instead of from the snapshot
 * (off by rounding); consecutive experiences not telescoped (the wrong snapshots subtracted); Δθ of the
 * experience after the one asked for; LwF's teacher not replaced after unlearning; evaluation not
 * skipping unlearned experiences; the recorder's snapshots left out of its state; two recorders allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cl, nn, Generator, type Tensor } from '../../index.js';
import { formatResult } from '../../cli/format-result.js';
import { useDevice } from '../helpers/device.js';
import { expectClose } from '../helpers/numeric.js';
import { expectResumeMatches } from '../helpers/resume.js';

describe('unlearning (Strategy.unlearn, UpdateRecorder, AmnesiacLwF)', () => {
  const device = useDevice();
  let split: cl.scenarios.Scenario;
  let three: cl.scenarios.Scenario;
  beforeAll(async () => {
    split = await cl.scenarios.splitMnist({ setting: 'task', trainPerClass: 40, testPerClass: 40 });
    three = { ...split, name: 'split-mnist-3', experiences: split.experiences.slice(0, 3), dispose: () => {} };
  });
  afterAll(() => { split?.dispose(); });

  const mlp = (seed: number) => {
    const g = new Generator(seed);
    return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 16, { generator: g }), new nn.ReLU(), new nn.MultiHead(16, split.heads, split.outputs, { generator: g }));
  };
  const sgd = (p: Tensor[]) => new nn.SGD(p, { lr: 0.05, momentum: 0.9 });
  const params = async (m: nn.Module) => Promise.all(m.parameters().map(async (p) => Array.from(await p.data())));

  it('unlearning the last experience restores the parameters before it bit for bit; an earlier one subtracts its Δθ; LwF and later evaluations drop them', async () => {
    const before = device().liveTensors;
    const model = mlp(1);
    const lwf = new cl.methods.AmnesiacLwF({ alpha: 1, temperature: 2 });
    const s = new cl.Strategy({ model, optimizer: sgd, plugins: [lwf], epochs: 2, batchSize: 16, seed: 3 });
    const theta = [await params(model)];
    const result = await s.run(three, { afterExperience: async () => { theta.push(await params(model)); } });
    expect(result.unlearning).toBeUndefined();
    expect(lwf.teacherTasks).toEqual([[0, 1, 2]]);

    const last = await s.unlearn([2]);
    expect(await params(model)).toEqual(theta[2]); // θ before experience 2, bit for bit
    expect(lwf.teacherTasks).toEqual([[0, 1]]);
    expect(await params(lwf.teacherModels[0]!)).toEqual(theta[2]); // the teacher is the unlearned model
    expect(last.tasks).toEqual([2]);
    expect(last.before).toEqual(result.accuracyMatrix[2]);
    expect(last.after).toEqual(result.accuracyMatrix[1]); // the model after experience 1 again
    expect(last.seconds).toBeGreaterThan(0);

    await s.unlearn([0]);
    const want = theta[2]!.map((p, i) => p.map((v, j) => v - (theta[1]![i]![j]! - theta[0]![i]![j]!)));
    const got = await params(model);
    want.forEach((w, i) => expectClose(got[i]!, w, { rtol: 1e-6, atol: 1e-7 }, `θ − Δθ_0, parameter ${i}`));
    expect(lwf.teacherTasks).toEqual([[1]]);

    const row = await s.evaluate(three.experiences);
    expect(row.map(Number.isNaN)).toEqual([true, false, true]); // unlearned experiences are not evaluated
    const r = s.result(three);
    expect(r.unlearning!.map((u) => u.tasks)).toEqual([[2], [0]]);
    expect(Number.isNaN(r.unlearning![1]!.before[2]!)).toBe(true); // unlearned by the first call
    expect(JSON.parse(JSON.stringify(r)).unlearning[0]).toEqual({ tasks: [2], before: last.before, after: last.after, seconds: last.seconds });
    s.dispose(); model.dispose();
    expect(device().liveTensors).toBe(before); // snapshots and teachers freed
  });

  it('the unlearned experience falls to chance (50 %) while the others keep their accuracy (UpdateRecorder with naive training); run({ unlearn }) records it and the CLI prints it', async () => {
    const model = mlp(2);
    const s = new cl.Strategy({ model, optimizer: sgd, plugins: [new cl.methods.UpdateRecorder()], epochs: 2, batchSize: 16, seed: 4 });
    const r = await s.run(three, { unlearn: [1] });
    const [u] = r.unlearning!;
    expect(u!.before[1]).toBeGreaterThan(0.85);
    expect(u!.after[1]).toBeLessThan(0.7); // head 1 back to its initial weights, the trunk moved since: near chance
    expect(Math.abs(u!.after[1]! - 0.5)).toBeLessThan(Math.abs(u!.before[1]! - 0.5) / 2);
    for (const j of [0, 2]) expect(u!.after[j]).toBeGreaterThan(u!.before[j]! - 0.1);
    const table = formatResult(r);
    expect(table).toContain('unlearned experience 2 (classes 2, 3) in');
    expect(table).toMatch(/\n {2}after +[\d.]+ % +[\d.]+ % +[\d.]+ %\n/);
    expect(table).toMatch(/unlearned +[\d.]+ % → +[\d.]+ % {3}kept \(the others\)/);
    s.dispose(); model.dispose();
  });

  it('unlearning the last two experiences at once restores θ before them bit for bit (their updates telescope)', async () => {
    const model = mlp(6);
    const s = new cl.Strategy({ model, optimizer: sgd, plugins: [new cl.methods.UpdateRecorder()], epochs: 1, batchSize: 16, seed: 6 });
    const theta: number[][][] = [];
    await s.run(three, { afterExperience: async () => { theta.push(await params(model)); } });
    await s.unlearn([2, 1]);
    expect(await params(model)).toEqual(theta[0]);
    s.dispose(); model.dispose();
  });

  it('a task not trained, unlearned twice, repeated, a method that records nothing or two recorders: errors that say so (options.unlearn before training)', async () => {
    const model = mlp(3);
    const naive = new cl.Strategy({ model, optimizer: sgd, epochs: 1, batchSize: 16, seed: 0 });
    await expect(naive.unlearn([0])).rejects.toThrow(/Strategy.unlearn: method naive records no parameter updates to subtract; use one that does \(cl.methods.AmnesiacLwF, --method amnesiac-lwf\)/);
    await expect(naive.run(three, { unlearn: [0] })).rejects.toThrow(/Strategy.run: options.unlearn: method naive records no parameter updates/);
    expect(naive.completed).toBe(0); // refused before training
    const two = new cl.Strategy({ model, optimizer: sgd, plugins: [new cl.methods.UpdateRecorder(), new cl.methods.AmnesiacLwF({ alpha: 1, temperature: 2 })], epochs: 1, batchSize: 16, seed: 0 });
    await expect(two.unlearn([0])).rejects.toThrow(/2 plugins record updates \(record-updates, amnesiac-lwf\)/);
    const s = new cl.Strategy({ model, optimizer: sgd, plugins: [new cl.methods.UpdateRecorder()], epochs: 1, batchSize: 16, seed: 0 });
    await expect(s.run(three, { unlearn: [3] })).rejects.toThrow(/options.unlearn: experience 3 was not trained \(trained: 0..2\)/);
    await expect(s.unlearn([0])).rejects.toThrow(/experience 0 was not trained \(trained: none\)/);
    await s.run(three);
    await expect(s.unlearn([])).rejects.toThrow(/expected a non-empty list of experience indices/);
    await expect(s.unlearn([1, 1])).rejects.toThrow(/experience indices repeat: 1, 1/);
    await expect(s.unlearn([0.5])).rejects.toThrow(/experience 0.5 was not trained/);
    await s.unlearn([1]);
    await expect(s.unlearn([1])).rejects.toThrow(/experience 1 is unlearned already/);
    const lone = new cl.methods.UpdateRecorder();
    expect(() => lone.unlearn([0], model)).toThrow(/record-updates.unlearn: experience 0 was not trained \(recorded: none\)/);
    for (const x of [naive, two, s]) x.dispose();
    model.dispose();
  });

  it('training on after unlearning: the unlearned experience stays out of evaluation and metrics (finite ACC), and a checkpoint keeps the unlearning', async () => {
    const model = mlp(8);
    const s = new cl.Strategy({ model, optimizer: sgd, plugins: [new cl.methods.UpdateRecorder()], epochs: 1, batchSize: 16, seed: 8 });
    for (const e of three.experiences.slice(0, 2)) await s.train(e, three.experiences, {}, three.experiences);
    await s.unlearn([0], three.experiences);
    const saved = await s.toBuffer();
    const copy = mlp(8);
    const resumed = await cl.Strategy.load(saved, { model: copy, optimizer: sgd, plugins: [new cl.methods.UpdateRecorder()] });
    expect(resumed.unlearned).toEqual([0]);
    expect(resumed.unlearning[0]!.before.map(Number.isNaN)).toEqual(s.unlearning[0]!.before.map(Number.isNaN));
    const r = await resumed.run(three);
    expect(r.accuracyMatrix[2]![0]).toBeNaN();
    expect(r.accuracyMatrix[2]!.slice(1).every(Number.isFinite)).toBe(true);
    // ACC and BWT over experiences 1 and 2 only (0 is unlearned).
    const R = r.accuracyMatrix;
    expect(r.acc).toBeCloseTo((R[2]![1]! + R[2]![2]!) / 2, 12);
    expect(r.bwt).toBeCloseTo(R[2]![1]! - R[1]![1]!, 12);
    s.dispose(); resumed.dispose(); model.dispose(); copy.dispose();
  });

  it('a run stopped after experience 2 of 3 and resumed gives the same matrix, teachers and recorded updates, bit for bit', async () => {
    const { state } = await expectResumeMatches({
      scenario: three, optimizer: sgd, options: { epochs: 2, batchSize: 16, seed: 5 },
      make: () => ({ model: mlp(11), plugins: [new cl.methods.AmnesiacLwF({ alpha: 1, temperature: 2, perTaskTeachers: true })] }),
    });
    const keys = Object.keys((state as { tensors: object }).tensors);
    expect(keys.filter((k) => k.startsWith('recorder/snapshot/'))).toHaveLength(4 * 12); // θ before 0, after 0, 1, 2 × 12 parameters
    expect(keys.filter((k) => k.startsWith('lwf/teacher/'))).toHaveLength(3 * 12);
  });
});
