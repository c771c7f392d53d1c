/**
 * Evaluation of regression models (cl/scenarios/polynomial-regression.ts): the test MSE, the score of the
 * matrix for regression scenarios, and each task's fit on a grid for the result JSON (plots).
 *   MSE = (1/n) Σ_i (f(x_i) − y_i)²   summed on the GPU over batches in eval mode, one readback per dataset.
 * NaN outputs give a NaN MSE (never a silent number); an empty dataset is an error.
 */
import { keep, noGrad, reshape, square, sub, sum, tensor, tidy } from '../../engine/index.js';
import type { TensorDataset } from '../../nn/data/loader.js';
import type { Module } from '../../nn/module.js';
import type { RegressionScenario } from '../scenarios/polynomial-regression.js';
import type { Experience } from '../scenarios/experience.js';
import { selectHead } from '../strategy/heads.js';
import { sumOverBatches } from './sum-over-batches.js';

export async function meanSquaredError(model: Module, data: TensorDataset, opts: { batchSize?: number } = {}): Promise<number> {
  if (data.n === 0) throw new RangeError('meanSquaredError: the dataset is empty (0 examples), so there is no error to measure');
  const s = await sumOverBatches(model, data, opts.batchSize ?? 512, (x, y) => sum(square(sub(reshape(model.forward(x), [-1]), y))));
  return s / data.n;
}

export interface RegressionFit {
  name: string;
  x: number[];
  /** The task's function on the grid. */
  target: number[];
  /** The model's output on the grid, with the task selected. */
  fit: number[];
  train: { x: number[]; y: number[] };
}

/** Each task's function and the model's fit on `points` evenly spaced inputs of [lo, hi] (default [−4.1, 4.1], hypnettorch's plot range). */
export async function regressionFits(model: Module, scenario: RegressionScenario, evaluation: readonly Experience[], grid: { lo?: number; hi?: number; points?: number } = {}): Promise<RegressionFit[]> {
  const { lo = -4.1, hi = 4.1, points = 101 } = grid;
  const xs = Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
  const wasTraining = model.training;
  model.eval();
  try {
    const fits: RegressionFit[] = [];
    for (const [i, task] of scenario.tasks.entries()) {
      const e = evaluation[i]!;
      selectHead(model, e.taskId);
      const out = noGrad(() => tidy(() => keep(reshape(model.forward(tensor(xs, [points, 1])), [-1]))));
      const fit = Array.from(await out.data());
      out.dispose();
      fits.push({ name: task.name, x: xs, target: xs.map(task.f), fit, train: { x: Array.from(await e.train.x.data()), y: Array.from(await e.train.y.data()) } });
    }
    return fits;
  } finally {
    model.train(wasTraining);
  }
}
