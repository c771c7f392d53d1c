/**
 * A run stopped by its signal in the middle of an experience, saved, and resumed with Strategy.load ends
 * with the uninterrupted run's accuracy matrix, untrained row, reports, first plugin state and
 * parameters, bit for bit — for every registered method (method-run.ts): a method keeping state outside
 * state() between steps, or computing in beforeExperience from θ something the resumed run would compute
 * differently, fails here. The stop is in experience 2 of 3, epoch 2 of 2, after step 1 of 4, so the
 * resume skips a whole epoch (its hooks) and one batch of the next; the checkpoint must hold that step
 * (meta.partial), and the resumed run's first report must be the step after it (the batches before are
 * not retrained). With an optimizer without state() the checkpoint holds the start of the experience;
 * a save after a stop without run()'s afterStop is refused.
 * Mutations tried: not loading the stopped step's weights (restoreStop): 13 of the 15 runs fail
 * (lowplasticity and zeroplasticity came out the same without it); UpdateRecorder without
 * `open` in its state: amnesiac-lwf fails (afterExperience without beforeExperience); retraining the
 * skipped batches (loader.from(0)): 14 of 18 fail; dropping the saved curve points: the evalEvery test
 * fails. Calling beforeEpoch again for the resumed epoch is not caught (no method here has an
 * effective beforeEpoch).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cl, nn, type Tensor } from '../../index.js';
import { useDevice } from '../helpers/device.js';
import { pluginState } from '../helpers/resume.js';
import type { Progress } from '../../cl/strategy/strategy.js';
import { methodRun, methodsUnderTest, permutedFeatures } from './method-run.js';

const TASKS = 3;
const SEED = 7;
/** 128 training samples, batch 32: 4 steps an epoch, 2 epochs an experience; a report every step. */
const LOOP = { epochs: 2, progressEvery: 1 };
const STOP = { epoch: 1, step: 1 };

/** Where a progress report or a checkpoint says it is. */
const at = (p: { experience: number; epoch: number; step: number } | undefined) => p && { experience: p.experience, epoch: p.epoch, step: p.step };

interface StopAndResume {
  whole: { result: cl.StrategyResult; parameters: number[][]; state: unknown };
  resumed: StopAndResume['whole'];
  /** Where the stopped run's strategy said a save resumes (stoppedAt), and what the file holds. */
  stoppedAt: unknown;
  meta: { completed: number; partial?: { experience: number; epoch: number; step: number } };
  /** The resumed run's first progress report. */
  first: Progress | undefined;
  stop: { experience: number; epoch: number; step: number };
}

/**
 * Method `name` run whole; run again and stopped at STOP in experience 2 (or the only experience of a
 * method that trains on one: joint), saved to `path`; then loaded with fresh pieces and run to the end.
 * `wrap` replaces the optimizer the three runs use; `evalEvery` 'epoch' adds curve points inside experiences.
 */
async function stopAndResume(name: string, path: string, { wrap = (o: cl.StepOptimizer) => o, evalEvery = 'experience' as cl.StrategyOptions['evalEvery'] } = {}): Promise<StopAndResume> {
  let stop = { experience: 1, ...STOP };
  let stoppedAt: unknown;
  let first: Progress | undefined;
  const run = async (mode: 'whole' | 'stopped' | 'resumed') => {
    const m = await methodRun(name, await permutedFeatures(TASKS, SEED, 128, 32), SEED);
    stop = { ...stop, experience: Math.min(1, m.scenario.experiences.length - 1) };
    const optimizer = (params: Tensor[]) => wrap(m.optimizer(params));
    const s = mode === 'resumed'
      ? await cl.Strategy.load(path, { model: m.model, optimizer, plugins: m.plugins(), progressEvery: LOOP.progressEvery })
      : new cl.Strategy({ model: m.model, optimizer, plugins: m.plugins(), epochs: LOOP.epochs, progressEvery: LOOP.progressEvery, batchSize: 32, seed: SEED, method: name, evalEvery });
    try {
      const controller = new AbortController();
      const onProgress = (p: Progress) => {
        if (mode === 'resumed') first ??= p;
        if (mode === 'stopped' && p.experience === stop.experience && p.epoch === stop.epoch && p.step === stop.step) controller.abort();
      };
      const afterStop = async (x: cl.Strategy) => { stoppedAt = x.stoppedAt; await x.save(path); };
      const result = await s.run(m.scenario, { onProgress, signal: controller.signal, afterStop });
      const parameters = await Promise.all(m.model.parameters().map(async (t) => Array.from(await t.data())));
      return { result, parameters, state: await pluginState(s.plugins[0]) };
    } catch (e) {
      if (mode !== 'stopped' || (e as Error).name !== 'AbortError') throw e;
      return null;
    } finally {
      s.dispose();
      m.model.dispose();
      m.scenario.dispose();
    }
  };
  const whole = (await run('whole'))!;
  expect(await run('stopped'), 'the run was not stopped').toBeNull();
  const meta = (await nn.io.load(path)).meta as StopAndResume['meta'];
  const resumed = (await run('resumed'))!;
  return { whole, resumed, stoppedAt, meta, first, stop };
}

/** The resumed run's results equal the whole run's, bit for bit. */
function expectSameEnd(name: string, r: StopAndResume): void {
  expect(r.resumed.result.accuracyMatrix).toEqual(r.whole.result.accuracyMatrix);
  expect(r.resumed.result.curves).toEqual(r.whole.result.curves);
  expect(r.resumed.result.untrained).toEqual(r.whole.result.untrained);
  expect(r.resumed.result.reports).toEqual(r.whole.result.reports);
  expect(r.resumed.state).toEqual(r.whole.state);
  r.resumed.parameters.forEach((p, i) => expect(p, `${name}: parameter ${i}`).toEqual(r.whole.parameters[i]));
}

describe('a run stopped mid-experience resumes to the uninterrupted result', () => {
  useDevice();
  const dir = mkdtempSync(join(tmpdir(), 'mid-experience-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const name of methodsUnderTest()) {
    it(name, async () => {
      const r = await stopAndResume(name, join(dir, `${name.replace(/\W+/g, '_')}.ckpt`));
      expect(r.stoppedAt).toEqual(r.stop);
      expect(r.meta.completed).toBe(r.stop.experience);
      expect(at(r.meta.partial)).toEqual(r.stop);
      expect(at(r.first)).toEqual({ ...r.stop, step: r.stop.step + 1 });
      expectSameEnd(name, r);
    });
  }

  it('evalEvery epoch: the curve points of the epochs before the stop are kept', async () => {
    const r = await stopAndResume('ewc', join(dir, 'epoch-curves.ckpt'), { evalEvery: 'epoch' });
    expect(r.whole.result.curves[1]![0]).toHaveLength(LOOP.epochs);
    expect(at(r.meta.partial)).toEqual(r.stop);
    expectSameEnd('ewc', r);
  });

  it('an optimizer without state() (layer-owned steps): the checkpoint holds the start of the experience, which resumes to the same end', async () => {
    const stateless = (o: cl.StepOptimizer): cl.StepOptimizer => ({ step: () => o.step(), zeroGrad: () => o.zeroGrad(), dispose: () => o.dispose?.() });
    const r = await stopAndResume('ewc', join(dir, 'stateless.ckpt'), { wrap: stateless });
    expect(r.stoppedAt).toBeNull();
    expect(r.meta.completed).toBe(r.stop.experience);
    expect(r.meta.partial).toBeUndefined();
    expect(at(r.first)).toEqual({ experience: r.stop.experience, epoch: 0, step: 1 });
    expectSameEnd('ewc', r);
  });

  it('a save after a stop without afterStop is refused (the model holds a partly trained experience)', async () => {
    const m = await methodRun('naive', await permutedFeatures(TASKS, SEED, 128, 32), SEED);
    const s = new cl.Strategy({ model: m.model, optimizer: m.optimizer, epochs: 1, progressEvery: 1, batchSize: 32, seed: SEED });
    const controller = new AbortController();
    try {
      await expect(s.run(m.scenario, { signal: controller.signal, onProgress: () => controller.abort() })).rejects.toThrow(/aborted after step/);
      await expect(s.save(join(dir, 'refused.ckpt'))).rejects.toThrow('Strategy.save: the run stopped inside experience 1, and the model holds it partly trained; save there from run()\'s afterStop, which resumes from that step');
    } finally {
      s.dispose();
      m.model.dispose();
      m.scenario.dispose();
    }
  });
});
