/**
 * What a run gives back (and the CLI writes with --json): the accuracy matrix and the metrics of
 * cl/metrics.ts over it, per-epoch curves, the untrained model's accuracies (for FWT), and timings.
 */
import type { RegressionFit } from '../eval/regression.js';
import { backwardTransfer, forgetting, forwardTransfer } from '../metrics.js';

export interface StrategyTimings {
  /** Training steps, seconds. */
  train: number;
  /** Accuracy evaluations (the matrix, curves and the untrained model). */
  evaluation: number;
  /** Plugins' experience hooks (projectors, Fisher, teachers). */
  plugins: number;
}

export interface StrategyResult {
  scenario: string;
  method: string;
  config: Record<string, unknown>;
  /** Names of the evaluation experiences (the matrix's columns), e.g. '90°', '2-3'. */
  experiences: string[];
  /** accuracyMatrix[i][j]: accuracy on evaluation experience j after training experience i. */
  accuracyMatrix: number[][];
  /** Mean of the last row. */
  acc: number;
  /** Null when the matrix is not square (joint training: one training experience). */
  bwt: number | null;
  fwt: number | null;
  forgetting: number | null;
  /** curves[i][j]: accuracy on experience j after each evaluated epoch of experience i (the last equals the matrix entry). */
  curves: number[][][];
  /** Accuracy of the untrained model on each evaluation experience. */
  untrained: number[];
  seconds: number;
  timings: StrategyTimings;
  /** Each reporting plugin's report after every experience, by plugin name (StrategyPlugin.report). */
  reports?: Record<string, unknown[]>;
  /** Strategy.unlearn calls, in order (absent when nothing was unlearned). */
  unlearning?: UnlearningRecord[];
  /** 'mse' when the matrix holds test mean squared errors (regression scenarios) instead of accuracies. */
  metric?: 'mse';
  /** Regression scenarios: each task's function and the model's fit on a grid, after the last experience. */
  regression?: { tasks: RegressionFit[] };
}

/** One Strategy.unlearn call: the experiences unlearned (0-based), accuracy on every evaluation experience before and after, its cost. */
export interface UnlearningRecord {
  tasks: number[];
  /** Rows like the matrix's: NaN for experiences unlearned by earlier calls (not evaluated). */
  before: number[];
  after: number[];
  /** Seconds the unlearning took (the parameter arithmetic and the plugins' updates; evaluations excluded). */
  seconds: number;
}

/**
 * ACC, and BWT, FWT and forgetting where the matrix is square (one row per evaluated experience).
 * Experiences in `unlearned` leave the metrics: their columns, and in a square matrix their rows, are
 * dropped (the strategy passes the unlearned experiences whose columns hold NaN: rows trained after
 * Strategy.unlearn do not evaluate them).
 */
export function metricsOf(all: readonly (readonly number[])[], untrainedAll: readonly number[], unlearned: readonly number[] = []): Pick<StrategyResult, 'acc' | 'bwt' | 'fwt' | 'forgetting'> {
  const square = all.length === (all[0]?.length ?? 0);
  const keep = <T>(xs: readonly T[]) => xs.filter((_, j) => !unlearned.includes(j));
  const matrix = (square ? keep(all) : all).map(keep);
  const untrained = untrainedAll.length ? keep(untrainedAll) : untrainedAll;
  const last = matrix[matrix.length - 1] ?? [];
  if (!last.length) throw new RangeError('metrics: no experience has been trained and evaluated');
  const acc = last.reduce((a, b) => a + b, 0) / last.length;
  if (matrix.length !== last.length) return { acc, bwt: null, fwt: null, forgetting: null };
  return { acc, bwt: backwardTransfer(matrix), fwt: forwardTransfer(matrix, untrained), forgetting: forgetting(matrix) };
}

/**
 * A projection method's report in a result: the protected share of each projected layer's input space
 * after each experience (rows: experiences, columns: layers), or null when no plugin reported one.
 */
export function protectedShareOf(reports: StrategyResult['reports']): number[][] | null {
  const rows = Object.values(reports ?? {}).find((r) => r.length && r.every((x) => Array.isArray((x as { protectedShare?: unknown })?.protectedShare)));
  return rows ? rows.map((x) => [...(x as { protectedShare: number[] }).protectedShare]) : null;
}
