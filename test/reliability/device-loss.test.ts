/**
 * Device loss in the middle of a run (issue 16). A small split-MNIST Strategy run (MLP 784-16-heads,
 * 1 epoch, a checkpoint after every experience) loses its device:
 *  - from onProgress in the third experience: the run ends in a DeviceLostError (not a hang, not a
 *    generic error), the checkpoint still loads and holds two experiences, and a new device (initDevice
 *    again, the scenario and model built again) resumes from it to the uninterrupted run's accuracy
 *    matrix, bit for bit (same adapter);
 *  - at seeded random moments (a timer, so also while a readback's mapAsync is pending): each run ends
 *    in a DeviceLostError or, when the loss came after the end, with the right matrix — never another
 *    error or a different matrix;
 *  - resuming with the model built on the lost device is a DeviceLostError that says to build it again.
 * Two ways to lose it: Device.destroy(), and the GPUDevice destroyed underneath the engine (as a driver
 * reset does), which the engine learns of only through GPUDevice.lost.
 * Mutations tried: restoreCheckpoint wrapping a DeviceLostError as "saved for another model" (the
 * stale-model test fails); Device.destroy() unsetting the current device, as before (timer-driven
 * random moments caught it now and then as a plain "no WebGPU device" error; the factory test states it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cl, nn, initDevice, tensor, DeviceLostError, Generator, type Device, type Tensor } from '../../index.js';

const SMALL = { setting: 'task' as const, trainPerClass: 16, testPerClass: 8 };
const OPTIONS = { epochs: 1, batchSize: 8, seed: 5, progressEvery: 1 };
/** Longer than any of these runs takes here; a run still going then counts as a hang. */
const HANG_MS = 30_000;

function mlp(scenario: cl.scenarios.Scenario): nn.Sequential {
  const g = new Generator(11);
  return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 16, { generator: g }), new nn.ReLU(), new nn.MultiHead(16, scenario.heads, scenario.outputs, { generator: g }));
}
const sgd = (params: Tensor[]) => new nn.SGD(params, { lr: 0.05, momentum: 0.9 });

type Destroy = (d: Device) => void;
const WAYS: [string, Destroy][] = [
  ['Device.destroy()', (d) => d.destroy()],
  ['the GPUDevice destroyed underneath', (d) => d.gpu.destroy()],
];

/** Rejects if `p` has not settled within HANG_MS. */
function noHang<T>(p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`hang: no result after ${HANG_MS} ms`)), HANG_MS); });
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}

/**
 * A run on a new device, checkpointed to `path` after every experience: from scratch, or resumed from
 * `path`. `onProgress` may destroy the device.
 */
async function runOnNewDevice(path: string, opts: { resume?: boolean; onProgress?: (d: Device, p: cl.StrategyProgress) => void } = {}) {
  const device = await initDevice();
  const scenario = await cl.scenarios.splitMnist(SMALL);
  const model = mlp(scenario);
  const s = opts.resume ? await cl.Strategy.load(path, { model, optimizer: sgd, progressEvery: 1 }) : new cl.Strategy({ ...OPTIONS, model, optimizer: sgd });
  try {
    return await noHang(s.run(scenario, { afterExperience: (x) => x.save(path), onProgress: (p) => opts.onProgress?.(device, p) }));
  } finally {
    s.dispose();
    model.dispose();
    scenario.dispose();
    device.destroy();
  }
}

describe('device loss during a Strategy run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'device-loss-'));
  let whole: cl.StrategyResult;
  beforeAll(async () => { whole = await runOnNewDevice(join(dir, 'whole.ckpt')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(WAYS)('%s from onProgress: a DeviceLostError, a valid checkpoint, and a resume on a new device to the same matrix', async (_, destroy) => {
    const path = join(dir, 'lost.ckpt');
    // Lost at the second step of the third experience: two experiences finished, the checkpoint holds them.
    const lost = runOnNewDevice(path, { onProgress: (device, p) => { if (p.experience === 2 && p.step === 2) destroy(device); } });
    await expect(lost).rejects.toBeInstanceOf(DeviceLostError);
    const meta = (await nn.io.load(path)).meta as { completed: number; matrix: number[][] };
    expect(meta.completed).toBe(2);
    expect(meta.matrix).toEqual(whole.accuracyMatrix.slice(0, 2));
    const resumed = await runOnNewDevice(path, { resume: true });
    expect(resumed.accuracyMatrix).toEqual(whole.accuracyMatrix);
  });

  it.each(WAYS)('%s at seeded random moments: a DeviceLostError, or the right matrix if the run had finished', async (_, destroy) => {
    // The moment: a timer of 0–10 ms set at a random progress report (of the 20: 5 experiences × 4 steps),
    // so the loss lands anywhere in the steps, readbacks, evaluations and checkpoint saves after it.
    const moments = new Generator(WAYS.findIndex(([, d]) => d === destroy) + 1);
    const outcomes: string[] = [];
    for (let trial = 0; trial < 4; trial++) {
      const report = 1 + moments.int(20);
      const delay = moments.uniform() * 10;
      let reports = 0;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const r = await runOnNewDevice(join(dir, `random-${trial}.ckpt`), { onProgress: (device) => { if (++reports === report) timer = setTimeout(() => destroy(device), delay); } });
        expect(r.accuracyMatrix).toEqual(whole.accuracyMatrix);
        outcomes.push('finished');
      } catch (e) {
        expect(e, `trial ${trial}: lost ${delay.toFixed(1)} ms after progress report ${report}`).toBeInstanceOf(DeviceLostError);
        outcomes.push('lost');
      } finally {
        clearTimeout(timer);
      }
    }
    expect(outcomes).toContain('lost');
  });

  it('after Device.destroy(), a factory throws its DeviceLostError (not "no device") until initDevice()', async () => {
    const device = await initDevice();
    device.destroy();
    expect(() => tensor([1, 2])).toThrow(DeviceLostError);
  });

  it('resuming with the model built on the lost device is a DeviceLostError that says to build it again', async () => {
    const path = join(dir, 'stale.ckpt');
    const device = await initDevice();
    const scenario = await cl.scenarios.splitMnist(SMALL);
    const model = mlp(scenario);
    const s = new cl.Strategy({ ...OPTIONS, model, optimizer: sgd });
    await s.train(scenario.experiences[0]!);
    await s.save(path);
    device.destroy();
    const fresh = await initDevice();
    try {
      const resumed = cl.Strategy.load(path, { model, optimizer: sgd });
      await expect(resumed).rejects.toBeInstanceOf(DeviceLostError);
      await expect(resumed).rejects.toThrow(/the model was built on the lost device; build it .* again after initDevice\(\)/);
    } finally {
      s.dispose();
      model.dispose();
      scenario.dispose();
      fresh.destroy();
    }
  });
});
