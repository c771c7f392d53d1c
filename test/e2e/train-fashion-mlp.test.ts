// Accuracy against PyTorch 1.13 on the same split and recipe (bench/train-mnist.ts): the full 10
// epochs, since all three take well under a minute on lavapipe (nothing to shrink). Training is
// deterministic for a seed on one adapter; over seeds 0–3 the three recipes stayed within 1.0 point
// of PyTorch's numbers (MLP 91.3–92.1, CNN 95.5–96.6, Fashion 82.8–84.6), so seed 0 is not a lucky pick.
// The assertion is the issue's: within 1.5 points.
import { describe, expect, it } from 'vitest';
import { PYTORCH_ACCURACY, runRecipe } from '../../bench/train-mnist.js';
import { useDevice } from '../helpers/device.js';

describe('Fashion-MNIST MLP on the 8,000-image subset, 10 epochs of SGD(0.01, momentum 0.9), batch 64', () => {
  const device = useDevice();

  it('reaches PyTorch\'s test accuracy ± 1.5 points and leaks no tensors', async () => {
    const live = device().stats().liveTensors;
    const r = await runRecipe('fashion-mlp', { epochs: 10, seed: 0 });
    expect(Math.abs(r.accuracy - PYTORCH_ACCURACY['fashion-mlp']), `accuracy ${r.accuracy} %`).toBeLessThanOrEqual(1.5);
    expect(device().stats().liveTensors).toBe(live);
  }, 600_000);
});
