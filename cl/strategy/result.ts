/**
 * What a run gives back (and the CLI writes with --json): the accuracy matrix and the metrics of
 * cl/metrics.ts over it, per-epoch curves, the untrained model's accuracies (for FWT), and timings.
 */
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
}

/** ACC, and BWT, FWT and forgetting where the matrix is square (one row per evaluated experience). */
export function metricsOf(matrix: readonly (readonly number[])[], untrained: readonly number[]): Pick<StrategyResult, 'acc' | 'bwt' | 'fwt' | 'forgetting'> {
  const last = matrix[matrix.length - 1] ?? [];
  if (!last.length) throw new RangeError('metrics: no experience has been trained and evaluated');
  const acc = last.reduce((a, b) => a + b, 0) / last.length;
  if (matrix.length !== last.length) return { acc, bwt: null, fwt: null, forgetting: null };
  return { acc, bwt: backwardTransfer(matrix), fwt: forwardTransfer(matrix, untrained), forgetting: forgetting(matrix) };
}
