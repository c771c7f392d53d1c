/**
 * The seed experiment end to end, shrunk for CI: the CNN on rotated MNIST with two tasks (0°, 90°),
 * 300 training and 100 test digits per class, 1 epoch, batch 8, lr 0.005, clip 15 — the seed recipe
 * on less data. What the method promises, measured on the accuracy matrix: without projection the
 * first task is forgotten (the full run loses ~40 points); NullSpace(R = 0.01) keeps it (BWT ≈ 0, the
 * full run: −0.2 points) while still learning the second task (less than the baseline does: the
 * constraint slows it, the full run reaches 57 % on 90° against the baseline's 90 %).
 */
import { describe, expect, it } from 'vitest';
import { runRotatedMnist, SEED_CONFIG } from '../../cl/experiments/gradproj-rotated-mnist.js';
import { useDevice } from '../helpers/device.js';

describe('rotated MNIST with gradient projection (CNN, 2 tasks, reduced data)', () => {
  const device = useDevice();
  const config = { ...SEED_CONFIG, angles: [0, 90], trainPerClass: 300, testPerClass: 100 };

  it('baseline forgets the first task; NullSpace keeps it and learns the second', async () => {
    const live = device().stats().liveTensors;
    const base = await runRotatedMnist({ ...config, method: 'baseline' });
    const ns = await runRotatedMnist({ ...config, method: 'nullspace' });
    expect(device().stats().liveTensors).toBe(live);
    // Same seed, same first task: both runs agree until projection starts to matter.
    expect(ns.accuracyMatrix[0]).toEqual(base.accuracyMatrix[0]);
    expect(base.accuracyMatrix[0]![0]).toBeGreaterThan(0.75);
    expect(base.bwt).toBeLessThan(-0.15);
    expect(Math.abs(ns.bwt!)).toBeLessThan(0.03);
    // Less forgetting is the promise; with two tasks on little data the unconstrained baseline can still
    // score a higher mean (here it does), so ACC is not asserted. It still learns the new task: well above what the first task's model scored on it.
    expect(ns.accuracyMatrix[1]![1]).toBeGreaterThan(ns.accuracyMatrix[0]![1]! + 0.05);
  });
});
