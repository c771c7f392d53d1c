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
