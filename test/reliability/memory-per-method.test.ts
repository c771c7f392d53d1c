/**
 * Memory over many tasks (issue #16): every registered method trains 20 experiences of a tiny stream
 * (method-run.ts), and after each the buffer pool's bytes in use must equal what that method's own state
 * takes — derived below from the parameter shapes, not recorded from a run — on top of what was in use
 * before the strategy existed (model, data). Disposing the strategy, the model and the stream must then
 * bring the bytes in use back to the value before the stream was built. The pool's cached free buffers
 * are checked too: a run must not keep growing the pool task after task (a leak can hide as pool growth).
 *
 * Bytes are pool bytes: each tensor takes its size class (engine/buffer-pool.ts sizeClass), so every
 * expectation sums the size classes of the tensors the method keeps:
 *   P = Σ_params class(4·numel)                      one copy of the model's parameters
 *   naive, joint                                     0: nothing between experiences (SGD without momentum)
 *   online-ewc                                       2P after every experience (one F, one θ*; F ← γF + F_t)
 *   ewc (separate)                                   2P·t, plus from t = 2 the merged quadratic A, μ (2P)
 *                                                    and its constant (one scalar): one F + θ* more per task
 *   rwalk                                            7P: F, s, θ_w, p from the start, S_k, c, θ* after task 1
 *   lwf                                              one teacher: P + its label columns (int32 [4])
 *   lwf --per-task-teachers                          one teacher per experience: t·(P + int32 [4])
 *   amnesiac-lwf                                     lwf + (t + 1) parameter snapshots: grows by P a task
 *   replay                                           the image buffer class(4·capacity·16), constant
 *   gpm, nullspace, lowplasticity, zeroplasticity    per projected layer with d inputs (+1 for the bias):
 *                                                    ≤ the projector d², the calculator's basis and its
 *                                                    low-rank copy (≤ d² each), the covariance d²: 4·class(4d²)
 *   hnet                                             one target per earlier task, and its weights in the
 *                                                    regulariser (A = (2β/n)·M ⊙ F): 2·class(4·(t − 1)·P_main),
 *                                                    [t − 1, P_main] each, as the experience just trained used
 *   ewc+replay                                       ewc's and replay's, added
 * A method missing here fails the test: a new method must state what it keeps.
 */
import { describe, expect, it } from 'vitest';
import { sizeClass } from '../../engine/buffer-pool.js';
import type { Device } from '../../index.js';
import type { Module } from '../../nn/module.js';
import { useDevice } from '../helpers/device.js';
import { methodRun, methodsUnderTest, permutedFeatures } from './method-run.js';

const TASKS = 20;
const REPLAY_CAPACITY = 24;

const bytesOf = (shape: readonly number[]) => sizeClass(4 * shape.reduce((a, b) => a * b, 1));
const modelBytes = (model: Module) => model.parameters().reduce((s, p) => s + bytesOf(p.shape), 0);

/** What a method may hold after experience t (1-based): exactly, or at most, `bytes(t, model)`. */
interface Expectation { bound: 'exact' | 'atMost'; bytes: (t: number, model: Module) => number }
const exact = (bytes: Expectation['bytes']): Expectation => ({ bound: 'exact', bytes });
const atMost = (bytes: Expectation['bytes']): Expectation => ({ bound: 'atMost', bytes });

/** Per projected layer (weight [out, in] with a bias: d = in + 1), 4·class(4d²). */
const projectionBytes = (model: Module) => model.parameters().filter((p) => p.shape.length === 2)
  .reduce((s, w) => s + 4 * bytesOf([w.shape[1]! + 1, w.shape[1]! + 1]), 0);
const ewcBytes = (t: number, model: Module) => 2 * modelBytes(model) * t + (t >= 2 ? 2 * modelBytes(model) + bytesOf([]) : 0);
const replayBytes = () => bytesOf([REPLAY_CAPACITY, 1, 4, 4]);
const lwfBytes = (model: Module) => modelBytes(model) + bytesOf([4]);

const EXPECTED: Record<string, Expectation> = {
  naive: exact(() => 0),
  joint: exact(() => 0),
  'online-ewc': exact((_t, model) => 2 * modelBytes(model)),
  ewc: exact(ewcBytes),
  rwalk: exact((_t, model) => 7 * modelBytes(model)),
  lwf: exact((_t, model) => lwfBytes(model)),
  'lwf --per-task-teachers': exact((t, model) => t * lwfBytes(model)),
  'amnesiac-lwf': exact((t, model) => lwfBytes(model) + (t + 1) * modelBytes(model)),
  replay: exact(replayBytes),
  gpm: atMost((_t, model) => projectionBytes(model)),
  nullspace: atMost((_t, model) => projectionBytes(model)),
  lowplasticity: atMost((_t, model) => projectionBytes(model)),
  zeroplasticity: atMost((_t, model) => projectionBytes(model)),
  hnet: exact((t, model) => (t >= 2 ? 2 * sizeClass(4 * (t - 1) * mainParameters(model)) : 0)),
  'ewc+replay': exact((t, model) => ewcBytes(t, model) + replayBytes()),
};

/**
 * Pool growth allowed after the fifth experience (up to experience `last`), for methods whose transient
 * tensors change shape from task to task, so that released buffers of earlier shapes wait in the pool
 * unused (bounded by the pool's cap, BufferPool.maxPooledBytes):
 *   hnet: each regulariser step runs the n = t − 1 earlier embeddings in one pass; every tensor of that
 *         step with n rows is at most [n, P_main], and a step frees fewer than 16 of them.
 *   projection methods: the basis width k (≤ d) follows the data; per width at most 4 tensors [d, k]
 *         (eigenvectors, their normalised columns, the basis, its low-rank copy).
 *   lwf --per-task-teachers: a step distils from each of the t − 1 teachers; one teacher's target and
 *         distillation term, with their gradients, are fewer than 16 tensors of [B, k] (batch 32, 4 outputs)
 *         (its forward's activations die with its own scope: cl/methods/lwf.ts).
 * Every other method: none.
 */
const projectionPool = (model: Module) => model.parameters().filter((p) => p.shape.length === 2)
  .reduce((s, w) => { const d = w.shape[1]! + 1; for (let k = 1; k <= d; k++) s += 4 * bytesOf([d, k]); return s; }, 0);
const POOL_GROWTH: Record<string, (model: Module, last: number) => number> = {
  hnet: (model, last) => { let s = 0; for (let t = 6; t <= last; t++) s += 16 * sizeClass(4 * (t - 1) * mainParameters(model)); return s; },
  gpm: projectionPool,
  nullspace: projectionPool,
  lowplasticity: projectionPool,
  zeroplasticity: projectionPool,
  'lwf --per-task-teachers': (_model, last) => (last - 5) * 16 * bytesOf([32, 4]),
};

/** The number of weights the hypernetwork generates: the main network's parameter count. */
function mainParameters(model: Module): number {
  const main = (model as unknown as { main: { shapes: number[][] } }).main;
  return main.shapes.reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0);
}

interface Trace {
  /** Bytes in use after each experience, above those in use before the strategy was made. */
  held: number[];
  /** The pool's cached free bytes after each experience. */
  pooled: number[];
  /** Bytes in use after disposing the strategy, the model and the stream, above those before the stream. */
  leftOver: number;
  model: Module;
}

async function settled(device: Device): Promise<{ inUse: number; pooled: number }> {
  await device.sync();
  const s = device.stats();
  return { inUse: s.bytesInUse, pooled: s.bytesPooled };
}

/** Trains `name` over TASKS experiences, recording the pool after each; then disposes everything. */
async function traced(device: Device, name: string, loop: { checkNumerics?: boolean }): Promise<Trace> {
  const start = await settled(device);
  const run = await methodRun(name, await permutedFeatures(TASKS, 3), 3, loop);
  const before = await settled(device);
  const strategy = run.strategy();
  const held: number[] = [], pooled: number[] = [];
  try {
    await strategy.run(run.scenario, {
      afterExperience: async () => {
        const now = await settled(device);
        held.push(now.inUse - before.inUse);
        pooled.push(now.pooled);
      },
    });
  } finally {
    strategy.dispose();
    run.model.dispose();
    run.scenario.dispose();
  }
  const end = await settled(device);
  console.log(`${name}: held after each experience ${held.join(' ')}; pooled ${pooled.join(' ')}; after dispose in use ${end.inUse - start.inUse}, pooled ${end.pooled}`);
  return { held, pooled, leftOver: end.inUse - start.inUse, model: run.model };
}

describe('memory over 20 experiences, every method', () => {
  const device = useDevice();

  it('every registered method states what it keeps', () => {
    expect(methodsUnderTest().filter((m) => !(m in EXPECTED))).toEqual([]);
  });

  // The methods' state alone: the loop's own per-experience numerics flags are off here (next test).
  for (const name of methodsUnderTest()) {
    it(`${name}: bytes in use stay within the method's own state, and dispose returns them`, async () => {
      const expectation = EXPECTED[name];
      if (!expectation) throw new Error(`no memory expectation for method '${name}': add one to EXPECTED`);
      const { held, pooled, leftOver, model } = await traced(device(), name, { checkNumerics: false });
      held.forEach((bytes, i) => {
        const want = expectation.bytes(i + 1, model);
        if (expectation.bound === 'exact') expect(bytes, `${name}: bytes held after experience ${i + 1}`).toBe(want);
        else expect(bytes, `${name}: bytes held after experience ${i + 1} (at most ${want})`).toBeLessThanOrEqual(want);
      });
      expect(leftOver, `${name}: bytes in use after disposing everything`).toBe(0);
      // The pool's free lists fill while the first experiences run; after the fifth they may grow only by
      // the transients whose shapes depend on the task (POOL_GROWTH), else a leak is hiding in the pool.
      const allowed = POOL_GROWTH[name]?.(model, pooled.length) ?? 0;
      const fifth = pooled[Math.min(4, pooled.length - 1)]!;
      expect(pooled.at(-1)! - fifth, `${name}: pool growth from the fifth experience to the last`).toBeLessThanOrEqual(allowed);
    });
  }

  it("the loop's own numerics check (Strategy's default) holds the same bytes every experience and frees them", async () => {
    const { held, pooled, leftOver } = await traced(device(), 'naive', {});
    expect(held.every((b) => b === held[0]), `bytes held after each experience: ${held.join(', ')}`).toBe(true);
    expect(leftOver).toBe(0);
    expect(pooled.at(-1)).toBe(pooled[4]);
  });
});
