/**
 * Accuracy of a classifier on a dataset on the GPU: batches in eval mode without gradients, the count
 * of argmax(logits) = label summed on the GPU; one readback per dataset. A row of logits holding NaN
 * counts as wrong: argmax points at its first NaN (PyTorch's rule), which must not pass for a correct
 * class (a diverged model scores 0, not the share of some class). An empty dataset has no
 * accuracy: it is an error, not a 0 that would read as a model that got everything wrong.
 */
import { argmax, cast, eq, isnan, max, sum, where, type Tensor } from '../../engine/index.js';
import { describe } from '../../engine/check.js';
import { TensorDataset } from '../../nn/data/loader.js';
import { Module } from '../../nn/module.js';
import { sumOverBatches } from './sum-over-batches.js';

export async function accuracy(model: Module, data: TensorDataset, opts: { batchSize?: number; forward?: (x: Tensor) => Tensor } = {}): Promise<number> {
  if (!(model instanceof Module)) throw new TypeError(`accuracy: model must be an nn.Module, got ${describe(model)}`);
  if (!(data instanceof TensorDataset)) throw new TypeError(`accuracy: data must be an nn.TensorDataset, got ${describe(data)}`);
  if (data.n === 0) throw new RangeError('accuracy: the dataset is empty (0 examples), so there is no accuracy to measure');
  const forward = opts.forward ?? ((x: Tensor) => model.forward(x));
  const correct = await sumOverBatches(model, data, opts.batchSize ?? 512, (x, y) => {
    const logits = forward(x);
    const hit = eq(cast(argmax(logits, -1), 'float32'), cast(y, 'float32'));
    return sum(where(isnan(max(logits, -1)), 0, hit));
  });
  return correct / data.n;
}
