/**
 * Regression tasks: cl.scenarios.polynomialRegression (von Oswald et al.'s 1-D toy: the three polynomials on
 * their intervals, noise σ, noiseless evenly spaced test points, seeded); the test MSE against float64;
 * `runExperiment` on scenario `regression`: MSE loss and matrix, each task's function and fit on the grid in
 * the result, the hypernetwork forgetting less than naive fine-tuning; EWC with the Gaussian Fisher; classification-only methods refused.
 * Mutations tried (each fails a test): the noise left out of the training targets; the MSE divided by the
 * batch count instead of n; the fits computed without selecting each task (hnet's fits then all equal).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cl, nn, Generator } from '../../index.js';
import { meanSquaredError } from '../../cl/eval/regression.js';
import { useDevice } from '../helpers/device.js';
import { expectClose } from '../helpers/numeric.js';

describe('regression tasks', () => {
  useDevice();
  let toy: cl.scenarios.RegressionScenario;
  beforeAll(() => { toy = cl.scenarios.polynomialRegression({ seed: 3 }); });
  afterAll(() => toy?.dispose());

  it("polynomialRegression: hypnettorch's three tasks, noisy uniform training points, noiseless evenly spaced test points, seeded", async () => {
    expect(toy.experiences.map((e) => e.name)).toEqual(['x + 3', '2x² − 1', '(x − 3)³']);
    expect(toy.tasks.map((t) => t.interval)).toEqual([[-4, -2], [-1, 1], [2, 4]]);
    expect([toy.setting, toy.outputs, toy.heads, toy.inputShape]).toEqual(['domain', 1, 1, [1]]);
    for (const [i, e] of toy.experiences.entries()) {
      const { f, interval: [lo, hi] } = toy.tasks[i]!;
      const x = await e.train.x.data(), y = await e.train.y.data();
      expect(x.length).toBe(100);
      expect(x.every((v) => v >= lo && v <= hi)).toBe(true);
      const residual = Array.from(y, (v, j) => v - f(x[j]!));
      const sd = Math.sqrt(residual.reduce((a, r) => a + r * r, 0) / residual.length);
      expect(sd).toBeGreaterThan(0.035); // σ = 0.05, 100 samples: the sample sd is within ±20 % with overwhelming probability
      expect(sd).toBeLessThan(0.065);
      const xt = await e.test.x.data(), yt = await e.test.y.data();
      expectClose(xt, Array.from({ length: 50 }, (_, j) => lo + ((hi - lo) * j) / 49), { rtol: 1e-6, atol: 1e-6 }, 'test inputs');
      expectClose(yt, Array.from(xt, (v) => f(v)), { rtol: 1e-6, atol: 1e-6 }, 'test targets');
    }
    const again = cl.scenarios.polynomialRegression({ seed: 3 });
    expect(Array.from(await again.experiences[2]!.train.y.data())).toEqual(Array.from(await toy.experiences[2]!.train.y.data()));
    again.dispose();
    expect(() => cl.scenarios.polynomialRegression({ trainPerTask: 1 })).toThrow(/options.trainPerTask must be an integer ≥ 2/);
    expect(() => cl.scenarios.polynomialRegression({ std: -1 })).toThrow(/options.std must be a finite number ≥ 0/);
  });

  it('meanSquaredError = (1/n) Σ (f(x) − y)² against float64, over several batches', async () => {
    const layer = new nn.Linear(1, 1, { generator: new Generator(2) });
    const [w, b] = await Promise.all([layer.weight.data(), layer.bias!.data()]);
    const data = toy.experiences[2]!.test;
    const x = await data.x.data(), y = await data.y.data();
    const want = Array.from(x, (v, i) => (w[0]! * v + b[0]! - y[i]!) ** 2).reduce((a, c) => a + c, 0) / x.length;
    expectClose([await meanSquaredError(layer, data, { batchSize: 16 })], [want], { rtol: 1e-5 }, 'MSE');
    layer.dispose();
  });

  it('runExperiment regression: MSE matrix and fits in the result; hnet forgets task 0 far less than naive; EWC runs, RWalk refused', async () => {
    const config = { scenario: 'regression', seed: 0, epochs: 60, scenarioOptions: { 'train-per-task': 32 } };
    const naive = await cl.runExperiment({ ...config, method: 'naive' });
    const hnet = await cl.runExperiment({ ...config, method: 'hnet', methodOptions: { main: [20, 20], hidden: [20], embedding: 4, chunk: 0 } });
    for (const r of [naive, hnet]) {
      expect(r.metric).toBe('mse');
      expect(r.config).toMatchObject({ optimizer: 'adam', lr: 0.001 });
      // lower is better: forgetting is how far each earlier task's last MSE rose above its best
      const R = r.accuracyMatrix;
      expect(r.forgetting).toBeCloseTo((R[2]![0]! - Math.min(R[0]![0]!, R[1]![0]!) + R[2]![1]! - Math.min(R[0]![1]!, R[1]![1]!)) / 2, 12);
      const tasks = r.regression!.tasks;
      expect(tasks.map((t) => t.name)).toEqual(['x + 3', '2x² − 1', '(x − 3)³']);
      for (const [i, t] of tasks.entries()) {
        expect(t.x.length).toBe(101);
        expect(t.fit.length).toBe(101);
        expectClose(t.target, t.x.map(toy.tasks[i]!.f), { rtol: 1e-9, atol: 1e-9 }, 'target');
        expect(t.train.x.length).toBe(32);
      }
    }
    // after the cubic, naive's network no longer fits x + 3 on [−4, −2]; the hypernetwork's task-0 weights held
    const last = (r: cl.StrategyResult) => r.accuracyMatrix[2]!;
    expect(last(hnet)[0]!).toBeLessThan(last(naive)[0]! / 4);
    expect(hnet.regression!.tasks[0]!.fit).not.toEqual(hnet.regression!.tasks[2]!.fit);
    // EWC runs on regression with the Gaussian likelihood's Fisher (σ = the scenario's noise); RWalk's importance assumes a classifier
    const ewc = await cl.runExperiment({ ...config, method: 'ewc' });
    expect(ewc.metric).toBe('mse');
    expect(ewc.accuracyMatrix.flat().every(Number.isFinite)).toBe(true);
    await expect(cl.runExperiment({ ...config, method: 'rwalk' })).rejects.toThrow(/method rwalk assumes classification/);
  });
});
