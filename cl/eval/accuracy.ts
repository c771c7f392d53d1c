/**
 * Accuracy of a classifier on a dataset on the GPU: batches in eval mode without gradients, the count
 * of argmax(logits) = label summed on the GPU; one readback per dataset. A row of logits holding NaN
 * counts as wrong: argmax points at its first NaN (PyTorch's rule), which must not pass for a correct
 * class (a diverged model scores 0, not the share of some class). An empty dataset has no
 * accuracy: it is an error, not a 0 that would read as a model that got everything wrong.
 */
import { add, argmax, cast, eq, isnan, keep, max, noGrad, sum, tidy, where, type Tensor } from '../../engine/index.js';
import { DataLoader, type TensorDataset } from '../../nn/data/loader.js';
import type { Module } from '../../nn/module.js';

export async function accuracy(model: Module, data: TensorDataset, opts: { batchSize?: number; forward?: (x: Tensor) => Tensor } = {}): Promise<number> {
  if (data.n === 0) throw new RangeError('accuracy: the dataset is empty (0 examples), so there is no accuracy to measure');
  const wasTraining = model.training;
  model.eval();
  const forward = opts.forward ?? ((x: Tensor) => model.forward(x));
  let correct: Tensor | null = null;
  try {
    for (const { x, y } of new DataLoader(data, { batchSize: opts.batchSize ?? 512 })) {
      const batchCorrect = noGrad(() => tidy(() => {
        const logits = forward(x);
        const hit = eq(cast(argmax(logits, -1), 'float32'), cast(y, 'float32'));
        return sum(where(isnan(max(logits, -1)), 0, hit));
      }));
      const total: Tensor = correct ? tidy(() => add(correct!, batchCorrect)) : batchCorrect;
      if (correct) { correct.dispose(); batchCorrect.dispose(); }
      correct = keep(total);
    }
  } finally {
    model.train(wasTraining);
  }
  const n = await correct!.item();
  correct!.dispose();
  return n / data.n;
}
