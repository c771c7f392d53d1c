/**
 * Accuracy of a classifier on a dataset on the GPU: batches in eval mode without gradients, the count
 * of argmax(logits) = label summed on the GPU; one readback per dataset.
 */
import { add, argmax, cast, eq, keep, noGrad, sum, tidy, type Tensor } from '../../engine/index.js';
import { DataLoader, type TensorDataset } from '../../nn/data/loader.js';
import type { Module } from '../../nn/module.js';

export async function accuracy(model: Module, data: TensorDataset, opts: { batchSize?: number; forward?: (x: Tensor) => Tensor } = {}): Promise<number> {
  const wasTraining = model.training;
  model.eval();
  const forward = opts.forward ?? ((x: Tensor) => model.forward(x));
  let correct: Tensor | null = null;
  try {
    for (const { x, y } of new DataLoader(data, { batchSize: opts.batchSize ?? 512 })) {
      const batchCorrect = noGrad(() => tidy(() => sum(eq(cast(argmax(forward(x), -1), 'float32'), cast(y, 'float32')))));
      const total: Tensor = correct ? tidy(() => add(correct!, batchCorrect)) : batchCorrect;
      if (correct) { correct.dispose(); batchCorrect.dispose(); }
      correct = keep(total);
    }
  } finally {
    model.train(wasTraining);
  }
  if (!correct) return 0;
  const n = await correct.item();
  correct.dispose();
  return n / data.n;
}
