/**
 * cl.accuracy: the share of examples whose argmax matches the label; an empty dataset has no
 * accuracy, so it is an error rather than a 0 that reads like a model that got everything wrong.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { useDevice } from '../helpers/device.js';

const { nn, cl } = wc;

describe('cl.accuracy', () => {
  useDevice();

  it('counts argmax = label over the dataset', async () => {
    // Logits = x: rows pick classes 0, 1, 1; labels 0, 1, 0 → 2 of 3 right.
    const x = wc.tensor([[1, 0], [0, 1], [0, 1]]);
    const data = new nn.TensorDataset(x, wc.tensor([0, 1, 0], [3], { dtype: 'int32' }));
    const model = new nn.Flatten();
    expect(await cl.accuracy(model, data, { batchSize: 2 })).toBeCloseTo(2 / 3, 7);
    data.dispose();
  });

  it('an empty dataset is an error, not 0 %', async () => {
    const data = new nn.TensorDataset(wc.zeros([0, 2]), wc.zeros([0], { dtype: 'int32' }));
    await expect(cl.accuracy(new nn.Flatten(), data)).rejects.toThrow(new RangeError('accuracy: the dataset is empty (0 examples), so there is no accuracy to measure'));
    data.dispose();
  });
});
