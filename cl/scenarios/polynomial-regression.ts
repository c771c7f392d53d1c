/**
 * The 1-D regression toy of von Oswald et al. (ICLR 2020, Fig. 2; hypnettorch's toy_example, task set 1):
 * three tasks, each a polynomial on its own interval, observed with Gaussian noise of std σ = 0.05:
 *   task 0: y = x + 3         on [−4, −2]
 *   task 1: y = 2x² − 1       on [−1, 1]
 *   task 2: y = (x − 3)³      on [2, 4]
 * Training inputs are uniform on the interval (100 per task), targets f(x) + N(0, σ²); test inputs are 50
 * evenly spaced points of the interval with the noiseless f(x) (hypnettorch's ToyRegression). Inputs x [n, 1],
 * targets float32 y [n]. The task identity is not an input ('domain' setting, one output): a method that
 * needs it (hnet) gets it from the experience; others share one network across tasks.
 * The likelihood is Gaussian with std σ: the loss is the MSE (its negative log-likelihood up to 1/(2σ²)
 * and a constant), and the score of the accuracy matrix is the test MSE.
 */
import { tensor, Generator } from '../../engine/index.js';
import { TensorDataset } from '../../nn/data/loader.js';
import { makeScenario } from './common.js';
import type { Experience, Scenario } from './experience.js';

export interface RegressionTask {
  name: string;
  f: (x: number) => number;
  interval: readonly [number, number];
}

export const POLYNOMIAL_TASKS: readonly RegressionTask[] = [
  { name: 'x + 3', f: (x) => x + 3, interval: [-4, -2] },
  { name: '2x² − 1', f: (x) => 2 * x * x - 1, interval: [-1, 1] },
  { name: '(x − 3)³', f: (x) => (x - 3) ** 3, interval: [2, 4] },
];

export interface PolynomialRegressionOptions {
  /** Training points per task (default 100). */
  trainPerTask?: number;
  /** Test points per task (default 50). */
  testPerTask?: number;
  /** Noise std σ of the training targets, the likelihood's scale (default 0.05). */
  std?: number;
  /** Seed of the training inputs and noise (default 0). */
  seed?: number;
}

export interface RegressionScenario extends Scenario {
  readonly tasks: readonly RegressionTask[];
  /** σ of the Gaussian likelihood. */
  readonly std: number;
}

function dataset(x: readonly number[], y: readonly number[]): TensorDataset {
  return new TensorDataset(tensor(x, [x.length, 1]), tensor(y, [y.length]));
}

export function polynomialRegression(opts: PolynomialRegressionOptions = {}): RegressionScenario {
  const { trainPerTask = 100, testPerTask = 50, std = 0.05, seed = 0 } = opts;
  for (const [k, v] of [['trainPerTask', trainPerTask], ['testPerTask', testPerTask]] as const) {
    if (!Number.isInteger(v) || v < 2) throw new RangeError(`polynomialRegression: options.${k} must be an integer ≥ 2, got ${JSON.stringify(v)}`);
  }
  if (!(typeof std === 'number' && std >= 0 && Number.isFinite(std))) throw new RangeError(`polynomialRegression: options.std must be a finite number ≥ 0, got ${JSON.stringify(std)}`);
  if (!Number.isInteger(seed)) throw new TypeError(`polynomialRegression: options.seed must be an integer, got ${JSON.stringify(seed)}`);
  const g = new Generator(seed);
  const experiences: Experience[] = POLYNOMIAL_TASKS.map(({ name, f, interval: [lo, hi] }, index) => {
    const xTrain = Array.from({ length: trainPerTask }, () => lo + (hi - lo) * g.uniform());
    const yTrain = xTrain.map((x) => f(x) + std * g.normal());
    const xTest = Array.from({ length: testPerTask }, (_, i) => lo + ((hi - lo) * i) / (testPerTask - 1));
    return { index, taskId: 0, name, classes: [], train: dataset(xTrain, yTrain), test: dataset(xTest, xTest.map(f)) };
  });
  const scenario = makeScenario({ name: 'regression', setting: 'domain', inputShape: [1], outputs: 1, heads: 1, experiences });
  return { ...scenario, tasks: POLYNOMIAL_TASKS, std };
}
