/**
 * Mutations this file catches (apply by hand to the source, run this file, expect a failure, revert):
 * - cl/metrics.ts forgetting: the best earlier accuracy `Math.max(...R.slice(0, T − 1).map(...))`
 *   replaced by the diagonal `R[j][j]` → 'forgetting uses the best earlier accuracy, not the diagonal'.
 * - cl/metrics.ts forgetting: the maximum taken over every row, `R.slice(0, T)` (the last row counted as
 *   an "earlier" accuracy, so negative forgetting is clipped to 0) → 'forgetting can be negative'.
 */
import { describe, expect, it } from 'vitest';
import { averageAccuracy, backwardTransfer, forgetting, forwardTransfer, summarize } from '../../cl/metrics.js';

describe('continual-learning metrics', () => {
  // Hand-computed: 3 tasks.
  const R = [
    [0.9, 0.2, 0.1],
    [0.7, 0.8, 0.3],
    [0.6, 0.5, 0.9],
  ];
  it('ACC is the mean of the last row', () => {
    expect(averageAccuracy(R)).toBeCloseTo((0.6 + 0.5 + 0.9) / 3, 12);
  });
  it('BWT compares the last row with the diagonal', () => {
    expect(backwardTransfer(R)).toBeCloseTo(((0.6 - 0.9) + (0.5 - 0.8)) / 2, 12);
  });
  it('forgetting uses the best earlier accuracy of each task', () => {
    expect(forgetting(R)).toBeCloseTo(((0.9 - 0.6) + (0.8 - 0.5)) / 2, 12);
  });
  it('forgetting uses the best earlier accuracy, not the diagonal', () => {
    // Each task's best accuracy comes after its own training (row 1 beats R[0][0]; row 2 beats R[1][1]),
    // so the diagonal (R[j][j]) would give a different value: (0.2 + 0.2 + 0.3)/3.
    const late = [
      [0.7, 0.1, 0.1, 0.1],
      [0.9, 0.6, 0.2, 0.1],
      [0.8, 0.75, 0.9, 0.2],
      [0.5, 0.4, 0.6, 0.95],
    ];
    expect(forgetting(late)).toBeCloseTo(((0.9 - 0.5) + (0.75 - 0.4) + (0.9 - 0.6)) / 3, 12);
    expect(summarize(late).forgetting).toBeCloseTo(0.35, 12);
    expect(backwardTransfer(late)).toBeCloseTo(((0.5 - 0.7) + (0.4 - 0.6) + (0.6 - 0.9)) / 3, 12);
  });
  it('forgetting can be negative: the last row is not one of the earlier accuracies', () => {
    // Task 0 ends better than it ever was before (0.95 > 0.7): forgetting −0.25, not 0.
    const improved = [
      [0.7, 0.1],
      [0.95, 0.9],
    ];
    expect(forgetting(improved)).toBeCloseTo(0.7 - 0.95, 12);
  });
  it('FWT compares the accuracy before training a task with the untrained model', () => {
    expect(forwardTransfer(R, [0.1, 0.1, 0.1])).toBeCloseTo(((0.2 - 0.1) + (0.3 - 0.1)) / 2, 12);
  });
  it('one task: no transfer, no forgetting', () => {
    expect(summarize([[0.8]])).toEqual({ acc: 0.8, bwt: 0, forgetting: 0 });
  });
  it('rejects a ragged matrix with a clear message', () => {
    expect(() => averageAccuracy([[1, 2], [3]])).toThrow(/must be 2×2, row 1 has 1 entries/);
  });
});
