/**
 * cl.methods.Replay (experience replay with a reservoir buffer, REFERENCE.md §7) and its host memory
 * (cl/replay/memory.ts): Algorithm R's slots against a direct host transcription with the same seed;
 * inclusion probability capacity/t; determinism; class-balanced counts; the GPU buffer's rows are the
 * dataset rows the bookkeeping names; the mixed batch (size, labels, task-incremental head labels,
 * replayFrom 'earlier' replaying earlier experiences only);
 * no readback per step and flat memory; a resumed run matches bit for bit; replay beats naive in the
 * class-incremental setting; option errors name the option.
 * Mutations tried (each fails a test): Algorithm R drawing j from [0, t − 1) instead of [0, t); the
 * repeated-slot resolution keeping the earlier write; the batch offered before the replay draw (the
 * first step then replays its own samples); the replayed labels
 * local instead of taskId·k + local; the class-balanced victim taken from the smallest class;
 * loadState not restoring the generator's state; replayFrom 'earlier' drawing from every filled slot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cast, cl, clone, keep, nn, Generator, type Tensor } from '../../index.js';
import { ReplayMemory } from '../../cl/replay/memory.js';
import { useDevice } from '../helpers/device.js';
import { expectResumeMatches } from '../helpers/resume.js';

const SMALL = { trainPerClass: 24, testPerClass: 20 };

/** Algorithm R written out per sample (Vitter 1985), the reference for ReplayMemory('reservoir'). */
function algorithmR(capacity: number, seed: number, stream: number): Int32Array {
  const g = new Generator(seed);
  const slots = new Int32Array(capacity).fill(-1);
  for (let t = 1; t <= stream; t++) {
    const sample = t - 1;
    if (t <= capacity) slots[t - 1] = sample;
    else {
      const j = Math.floor(g.uniform() * t);
      if (j < capacity) slots[j] = sample;
    }
  }
  return slots;
}

/** Offers rows 0..n−1 in batches of `batch` to a fresh memory; returns it. */
function fill(capacity: number, storage: 'reservoir' | 'class-balanced', seed: number, n: number, batch: number, labelOf: (row: number) => number = () => 0, task = 0): ReplayMemory {
  const m = new ReplayMemory(capacity, storage, seed);
  for (let s = 0; s < n; s += batch) m.offer(0, task, Int32Array.from({ length: Math.min(batch, n - s) }, (_, i) => s + i), labelOf);
  return m;
}

describe('ReplayMemory (host bookkeeping)', () => {
  it('reservoir: the slots of Algorithm R with the same seed, whatever the batch size; offer returns distinct slots, the later of a repeat', () => {
    for (const [capacity, n, batch] of [[10, 300, 7], [50, 1000, 64], [5, 5, 3], [20, 13, 4]] as const) {
      const m = fill(capacity, 'reservoir', 11, n, batch);
      expect(Array.from(m.row.subarray(0, m.filled)), `capacity ${capacity}, ${n} samples in batches of ${batch}`).toEqual(Array.from(algorithmR(capacity, 11, n)).filter((r) => r >= 0));
      expect(m.filled).toBe(Math.min(capacity, n));
      expect(m.seen).toBe(n);
    }
    // A batch much longer than the buffer: repeats within it are resolved, later sample wins.
    const m = new ReplayMemory(3, 'reservoir', 2);
    const rows = Int32Array.from({ length: 200 }, (_, i) => i);
    const slots = m.offer(0, 0, rows, () => 0);
    const written = Array.from(slots).filter((s) => s >= 0);
    expect(new Set(written).size).toBe(written.length);
    expect(written.sort()).toEqual([0, 1, 2]);
    for (let s = 0; s < 3; s++) expect(slots[m.row[s]!]).toBe(s);
    expect(Array.from(m.row)).toEqual(Array.from(algorithmR(3, 2, 200)));
  });

  it('reservoir: every sample seen is kept with probability capacity / t; the same seed gives the same buffer, another seed another', () => {
    const capacity = 10;
    const n = 100;
    const trials = 2000;
    const kept = new Float64Array(n);
    for (let seed = 0; seed < trials; seed++) for (const r of fill(capacity, 'reservoir', seed, n, 16).row) kept[r]! += 1;
    // Binomial(trials, p = 0.1): σ = √(p(1 − p)/trials) ≈ 0.0067 per sample; 5σ over 100 samples.
    const sigma = Math.sqrt(0.1 * 0.9 / trials);
    for (let r = 0; r < n; r++) expect(Math.abs(kept[r]! / trials - capacity / n), `sample ${r}`).toBeLessThan(5 * sigma);
    expect(Array.from(fill(10, 'reservoir', 5, 500, 32).row)).toEqual(Array.from(fill(10, 'reservoir', 5, 500, 32).row));
    expect(Array.from(fill(10, 'reservoir', 5, 500, 32).row)).not.toEqual(Array.from(fill(10, 'reservoir', 6, 500, 32).row));
  });

  it('class-balanced: an imbalanced stream ends balanced (reservoir keeps the imbalance); a label in two tasks is two classes', () => {
    const g = new Generator(4);
    const labels = Array.from({ length: 900 }, () => { const u = g.uniform(); return u < 0.75 ? 0 : u < 0.85 ? 1 : 2; });
    const counts = (m: ReplayMemory) => [0, 1, 2].map((c) => m.label.subarray(0, m.filled).filter((l) => l === c).length);
    const balanced = counts(fill(60, 'class-balanced', 1, 900, 32, (r) => labels[r]!));
    expect(balanced.reduce((a, b) => a + b)).toBe(60);
    for (const c of balanced) expect(Math.abs(c - 20)).toBeLessThanOrEqual(1);
    const reservoir = counts(fill(60, 'reservoir', 1, 900, 32, (r) => labels[r]!));
    expect(reservoir[0]).toBeGreaterThan(35);
    // Two tasks with labels {0, 1} each: four classes of 10 in a buffer of 40.
    const m = new ReplayMemory(40, 'class-balanced', 3);
    m.offer(0, 0, Int32Array.from({ length: 400 }, (_, i) => i), (r) => r % 2);
    m.offer(1, 1, Int32Array.from({ length: 100 }, (_, i) => i), (r) => r % 2);
    const perClass = [0, 1].flatMap((t) => [0, 1].map((l) => Array.from(m.task).filter((tt, s) => tt === t && m.label[s] === l).length));
    expect(perClass).toEqual([10, 10, 10, 10]);
  });

  it('draw: m distinct filled slots, uniform; checks m', () => {
    const m = fill(50, 'reservoir', 0, 30, 30);
    const counts = new Float64Array(30);
    for (let i = 0; i < 3000; i++) {
      const d = m.draw(10);
      expect(new Set(d).size).toBe(10);
      for (const s of d) { expect(s).toBeLessThan(30); counts[s]! += 1; }
    }
    // each slot drawn with probability 1/3 per draw: σ = √(3000·(1/3)(2/3)) ≈ 25.8
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(5 * 25.8);
    expect(() => m.draw(31)).toThrow(/ReplayMemory.draw: m must be an integer in \[0, 30\], got 31/);
  });
});

describe('cl.methods.Replay', () => {
  const device = useDevice();
  let classIL: cl.scenarios.Scenario;
  let taskIL: cl.scenarios.Scenario;
  beforeAll(async () => {
    classIL = await cl.scenarios.splitMnist({ setting: 'class', ...SMALL });
    taskIL = await cl.scenarios.splitMnist({ setting: 'task', ...SMALL });
  });
  afterAll(() => { classIL?.dispose(); taskIL?.dispose(); });

  const mlp = (s: cl.scenarios.Scenario, seed: number, hidden = 32) => {
    const g = new Generator(seed);
    const head = s.setting === 'task' ? new nn.MultiHead(hidden, s.heads, s.outputs, { generator: g }) : new nn.Linear(hidden, s.outputs, { generator: g });
    return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, hidden, { generator: g }), new nn.ReLU(), head);
  };
  const sgd = (p: Tensor[]) => new nn.SGD(p, { lr: 0.05, momentum: 0.9 });

  /** Records every step's (replacement) batch on the host. */
  interface Recorded { x: Float32Array; y: Int32Array; b: number; mixedTasks?: number }
  function recorder(): cl.StrategyPlugin & { batches: Recorded[]; pending: Promise<void>[] } {
    const batches: Recorded[] = [];
    const pending: Promise<void>[] = [];
    return {
      name: 'recorder', batches, pending,
      afterForward: (ctx) => {
        const x = keep(clone(ctx.batch.x));
        const y = keep(cast(ctx.batch.y, 'float32'));
        const entry: Recorded = { x: new Float32Array(), y: new Int32Array(), b: ctx.batch.x.shape[0]!, mixedTasks: (ctx.batch as { mixedTasks?: number }).mixedTasks };
        batches.push(entry);
        pending.push((async () => { entry.x = await x.data(); entry.y = Int32Array.from(await y.data()); x.dispose(); y.dispose(); })());
      },
    };
  }

  it("the GPU buffer holds exactly the dataset rows its bookkeeping names; batches are [b current ; min(b, filled) replayed] with their own labels (replayFrom 'all')", async () => {
    const model = mlp(classIL, 1);
    const replay = new cl.methods.Replay({ bufferSize: 30, replayFrom: 'all', seed: 5 });
    const rec = recorder();
    const s = new cl.Strategy({ model, optimizer: sgd, plugins: [replay, rec], epochs: 1, batchSize: 16, seed: 2 });
    const exps = classIL.experiences.slice(0, 2);
    for (const e of exps) await s.train(e, exps);
    await Promise.all(rec.pending);
    const host = await Promise.all(exps.map(async (e) => ({ x: await e.train.x.data(), y: (await e.train.y.toArray()) as Int32Array })));
    const buffer = await replay.bufferImages!.data();
    const m = replay.memory;
    expect(m.filled).toBe(30);
    expect(new Set(Array.from(m.experience)).size).toBe(2);
    for (let slot = 0; slot < m.filled; slot++) {
      const { x, y } = host[m.experience[slot]!]!;
      const row = m.row[slot]!;
      expect(Array.from(buffer.subarray(slot * 784, (slot + 1) * 784)), `slot ${slot}`).toEqual(Array.from(x.subarray(row * 784, (row + 1) * 784)));
      expect(m.label[slot]).toBe(y[row]);
    }
    // Batch sizes: the first step trains on its own batch; then b + min(b, filled).
    const steps = rec.batches;
    expect(steps[0]!.b).toBe(16);
    expect(steps[1]!.b).toBe(32);
    expect(steps[1]!.mixedTasks).toBeUndefined();
    // Every replayed row is an image of the experiences seen so far, with that image's label.
    const byImage = new Map<string, number>();
    for (const { x, y } of host) for (let r = 0; r < y.length; r++) byImage.set(x.subarray(r * 784, (r + 1) * 784).join(), y[r]!);
    for (const st of steps.slice(1)) {
      for (let j = 16; j < st.b; j++) expect(byImage.get(st.x.subarray(j * 784, (j + 1) * 784).join()), `replayed row ${j}`).toBe(st.y[j]);
    }
    s.dispose();
    model.dispose();
  });

  it("task-incremental: a mixed batch labels samples taskId·k + local and asks for head masking; by default only earlier tasks are replayed, none in the first", async () => {
    const model = mlp(taskIL, 2);
    const replay = new cl.methods.Replay({ bufferSize: 40, replayBatch: 8, seed: 1 });
    const rec = recorder();
    const s = new cl.Strategy({ model, optimizer: sgd, plugins: [replay, rec], epochs: 1, batchSize: 16, seed: 2 });
    const exps = taskIL.experiences.slice(0, 3);
    for (const e of exps) await s.train(e, exps);
    await Promise.all(rec.pending);
    const perExperience = Math.ceil(taskIL.experiences[0]!.train.n / 16);
    for (const st of rec.batches.slice(0, perExperience)) expect([st.b, st.mixedTasks]).toEqual([16, undefined]);
    const later = rec.batches.slice(rec.batches.length - 3);
    for (const st of later) {
      expect(st.b).toBe(24);
      expect(st.mixedTasks).toBe(2);
      for (let j = 0; j < 16; j++) expect(Math.floor(st.y[j]! / 2)).toBe(2); // the current task's samples: task 2
    }
    const replayedTasks = new Set(later.flatMap((st) => Array.from(st.y.subarray(16), (y) => Math.floor(y / 2))));
    expect([...replayedTasks].sort()).toEqual([0, 1]);
    s.dispose();
    model.dispose();
  });

  it('no readback per step, flat memory over experiences (the labels read once per experience)', async () => {
    const model = mlp(classIL, 3);
    const replay = new cl.methods.Replay({ bufferSize: 50, seed: 0 });
    const s = new cl.Strategy({ model, optimizer: sgd, plugins: [replay], epochs: 2, batchSize: 8, seed: 1 });
    const exps = classIL.experiences;
    const live: number[] = [];
    for (const e of exps) {
      const reads = device().stats().readbacks;
      await s.train(e, exps);
      expect(device().stats().readbacks - reads).toBe(1 + 2); // the labels; the strategy's loss at each epoch's end
      live.push(device().stats().liveTensors);
    }
    expect(new Set(live.slice(1)).size).toBe(1);
    s.dispose();
    model.dispose();
  });

  it('a run stopped after an experience and resumed matches the uninterrupted run bit for bit (buffer, bookkeeping, generator)', async () => {
    const { state } = await expectResumeMatches({
      scenario: classIL,
      make: () => ({ model: mlp(classIL, 4, 16), plugins: [new cl.methods.Replay({ bufferSize: 20, storage: 'class-balanced', seed: 3 })] }),
      optimizer: sgd,
      options: { epochs: 1, batchSize: 16, seed: 7 },
      stopAfter: 2,
    });
    const record = (state as { record: { memory: { filled: number; experience: number[] } } }).record.memory;
    expect(record.filled).toBe(20);
    expect(new Set(record.experience).size).toBeGreaterThan(2);
  });

  it('class-incremental split MNIST: replay (200) beats naive by a wide margin', { timeout: 120_000 }, async () => {
    const data = await cl.scenarios.splitMnist({ setting: 'class', trainPerClass: 150, testPerClass: 50 });
    const acc = async (plugins: cl.StrategyPlugin[]) => {
      const model = mlp(data, 9, 64);
      const s = new cl.Strategy({ model, optimizer: (p) => new nn.SGD(p, { lr: 0.05, momentum: 0.9 }), plugins, epochs: 2, batchSize: 32, seed: 0 });
      const r = await s.run(data);
      s.dispose();
      model.dispose();
      return r.acc;
    };
    const naive = await acc([]);
    const replay = await acc([new cl.methods.Replay({ bufferSize: 200, seed: 0 })]);
    data.dispose();
    expect(naive).toBeLessThan(0.3); // forgets all but the last pair
    expect(replay).toBeGreaterThan(naive + 0.3);
  });

  it('option errors name the option', () => {
    expect(() => new cl.methods.Replay({ bufferSize: 0 })).toThrow(/Replay: bufferSize must be a positive integer, got 0/);
    expect(() => new cl.methods.Replay({ bufferSize: 2.5 })).toThrow(/bufferSize/);
    expect(() => new cl.methods.Replay({ bufferSize: 10, batchRatio: 1, replayBatch: 4 })).toThrow(/Replay: give batchRatio \(1\) or replayBatch \(4\), not both/);
    expect(() => new cl.methods.Replay({ bufferSize: 10, batchRatio: -1 })).toThrow(/Replay: batchRatio must be a number > 0, got -1/);
    expect(() => new cl.methods.Replay({ bufferSize: 10, replayBatch: 0 })).toThrow(/Replay: replayBatch must be a positive integer/);
    expect(() => new cl.methods.Replay({ bufferSize: 10, storage: 'fifo' as never })).toThrow(/Replay: storage must be one of reservoir, class-balanced, got "fifo"/);
    expect(() => new cl.methods.Replay({ bufferSize: 10, replayFrom: 'future' as never })).toThrow(/Replay: replayFrom must be one of earlier, all, got "future"/);
    expect(() => cl.methods.resolveOptions('method replay', cl.methods.method('replay').options, { buffer: 0 })).toThrow(/option buffer must be in \[1/);
    // Checked with the options, before any data is loaded: --batch-ratio and --replay-batch together.
    expect(() => cl.methods.resolveOptions('method replay', cl.methods.method('replay').options, { 'batch-ratio': 2, 'replay-batch': 8 })).toThrow(/method replay: give --batch-ratio \(2\) or --replay-batch \(8\), not both/);
    expect(() => new cl.methods.Replay({ bufferSize: 10, fisher: 'mc' as never })).toThrow(/Replay: fisher must be one of exact, sampled, got "mc"/);
  });
});
