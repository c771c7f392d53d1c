/**
 * Continual-learning metrics from the accuracy matrix R, where R[i][j] is the accuracy on task j after
 * training task i (T tasks, rows 0..T−1). Definitions as in REFERENCE.md §8 (Lopez-Paz & Ranzato 2017;
 * Chaudhry et al. 2018):
 *   ACC        = (1/T) Σⱼ R[T−1][j]
 *   BWT        = (1/(T−1)) Σ_{j<T−1} (R[T−1][j] − R[j][j])
 *   FWT        = (1/(T−1)) Σ_{j>0} (R[j−1][j] − b[j])   with b[j] the accuracy of the untrained model on j
 *   forgetting = (1/(T−1)) Σ_{j<T−1} (max_{i<T−1} R[i][j] − R[T−1][j])
 */

import { describe } from '../engine/check.js';

export type AccuracyMatrix = readonly (readonly number[])[];

/** T, the side of the square matrix R (the errors in the words of `op`, the metric asked for). */
function check(op: string, R: AccuracyMatrix): number {
  if (!Array.isArray(R)) throw new TypeError(`${op}: the accuracy matrix must be a list of rows, got ${describe(R)}`);
  const T = R.length;
  if (T === 0) throw new RangeError(`${op}: the accuracy matrix is empty`);
  R.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== T) throw new RangeError(`${op}: the accuracy matrix must be ${T}×${T}, row ${i} has ${Array.isArray(row) ? `${row.length} entries` : `no entries (${describe(row)})`}`);
  });
  return T;
}

const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export function averageAccuracy(R: AccuracyMatrix): number {
  const T = check('averageAccuracy', R);
  return mean(R[T - 1]!);
}

export function backwardTransfer(R: AccuracyMatrix): number {
  const T = check('backwardTransfer', R);
  return mean(Array.from({ length: T - 1 }, (_, j) => R[T - 1]![j]! - R[j]![j]!));
}

export function forwardTransfer(R: AccuracyMatrix, untrained: readonly number[]): number {
  const T = check('forwardTransfer', R);
  if (untrained.length !== T) throw new RangeError(`forwardTransfer: need ${T} untrained-model accuracies, got ${untrained.length}`);
  return mean(Array.from({ length: T - 1 }, (_, k) => R[k]![k + 1]! - untrained[k + 1]!));
}

export function forgetting(R: AccuracyMatrix): number {
  const T = check('forgetting', R);
  return mean(Array.from({ length: T - 1 }, (_, j) => Math.max(...R.slice(0, T - 1).map((row) => row[j]!)) - R[T - 1]![j]!));
}

export interface ClSummary {
  acc: number;
  bwt: number;
  forgetting: number;
}

export function summarize(R: AccuracyMatrix): ClSummary {
  return { acc: averageAccuracy(R), bwt: backwardTransfer(R), forgetting: forgetting(R) };
}
