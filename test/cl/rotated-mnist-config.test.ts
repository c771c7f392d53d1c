/** runRotatedMnist refuses a config it cannot run before it opens data or trains (no device needed). */
import { describe, expect, it } from 'vitest';
import { cl } from '../../index.js';

describe('rotated-mnist config', () => {
  it('an empty training or test set is an error, not a run that ends in 0 % or a projection error', async () => {
    await expect(cl.runRotatedMnist({ ...cl.SEED_CONFIG, testPerClass: 0 })).rejects.toThrow(new RangeError('rotated-mnist: testPerClass must be a positive integer, got 0'));
    await expect(cl.runRotatedMnist({ ...cl.SEED_CONFIG, trainPerClass: 0 })).rejects.toThrow(new RangeError('rotated-mnist: trainPerClass must be a positive integer, got 0'));
    await expect(cl.runRotatedMnist({ ...cl.SEED_CONFIG, trainPerClass: 2.5 })).rejects.toThrow(new RangeError('rotated-mnist: trainPerClass must be a positive integer, got 2.5'));
  });
});
