/**
 * A run held by its onProgress callback (the browser app's pause button and live evaluations): the loop
 * waits for the returned promise before the next step, the wait is left out of `seconds` and the training
 * time, and an evaluation made during the wait changes nothing in the run (same matrix, bit for bit).
 * Mutations tried: onProgress called without await (the overlap check fails); the held time not
 * subtracted from seconds (the seconds check fails); not subtracted from the epoch's training time (the
 * timings check fails).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cl, nn, Generator, type Tensor } from '../../index.js';
import { useDevice } from '../helpers/device.js';

const HOLD_MS = 150;

function mlp(scenario: cl.scenarios.Scenario): nn.Sequential {
  const g = new Generator(3);
  return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 16, { generator: g }), new nn.ReLU(), new nn.MultiHead(16, scenario.heads, scenario.outputs, { generator: g }));
}

describe('cl.Strategy held by onProgress', () => {
  useDevice();
  let scenario: cl.scenarios.Scenario;
  beforeAll(async () => { scenario = await cl.scenarios.splitMnist({ setting: 'task', trainPerClass: 24, testPerClass: 10 }); });
  afterAll(() => scenario?.dispose());

  const run = async (hold: boolean) => {
    const model = mlp(scenario);
    const s = new cl.Strategy({ model, optimizer: (p: Tensor[]) => new nn.SGD(p, { lr: 0.05, momentum: 0.9 }), epochs: 2, batchSize: 16, seed: 7 });
    let held = 0, overlaps = 0, pending = false;
    const start = performance.now();
    const result = await s.run(scenario, {
      onProgress: hold ? async () => {
        if (pending) overlaps++;
        pending = true;
        const t = performance.now();
        // What the app does while a run is held: evaluate every task, then wait.
        await s.evaluate(scenario.experiences);
        await new Promise((r) => setTimeout(r, HOLD_MS));
        held += performance.now() - t;
        pending = false;
      } : undefined,
    });
    const wall = performance.now() - start;
    s.dispose();
    model.dispose();
    return { result, held, overlaps, wall };
  };

  it('waits for the promise, leaves the wait out of the timings, and trains the same run', async () => {
    const free = await run(false);
    const held = await run(true);
    expect(held.overlaps, 'a progress report made while the previous one was still held').toBe(0);
    // 5 experiences × 2 epochs, one report at each epoch's end.
    expect(held.held).toBeGreaterThanOrEqual(10 * HOLD_MS);
    expect(held.result.accuracyMatrix).toEqual(free.result.accuracyMatrix);
    // seconds: the wall time less the holds (and less what run() does after the last experience).
    expect(held.wall / 1000 - held.result.seconds).toBeGreaterThanOrEqual(held.held / 1000 - 0.05);
    expect(held.wall / 1000 - held.result.seconds).toBeLessThan(held.held / 1000 + 1);
    // The training time sums the epochs' steps only: well under the time held.
    expect(held.result.timings.train).toBeLessThan(held.result.seconds);
    expect(held.result.timings.train + held.held / 1000).toBeLessThan(held.wall / 1000);
    expect(held.result.timings.train).toBeLessThan(free.result.timings.train + held.held / 1000 / 2);
  });
});
