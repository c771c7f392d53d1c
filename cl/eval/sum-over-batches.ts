/**
 * The evaluation loop accuracy and MSE share: Σ over a dataset's batches of a per-batch scalar, in eval
 * mode without gradients, summed on the GPU, one readback at the end. The model's mode is restored.
 */
import { add, keep, noGrad, tidy, type Tensor } from '../../engine/index.js';
import { DataLoader, type TensorDataset } from '../../nn/data/loader.js';
import type { Module } from '../../nn/module.js';

export async function sumOverBatches(model: Module, data: TensorDataset, batchSize: number, perBatch: (x: Tensor, y: Tensor) => Tensor): Promise<number> {
  const wasTraining = model.training;
  model.eval();
  let total: Tensor | null = null;
  try {
    for (const { x, y } of new DataLoader(data, { batchSize })) {
      const batch = noGrad(() => tidy(() => perBatch(x, y)));
      const next: Tensor = total ? tidy(() => add(total!, batch)) : batch;
      if (total) { total.dispose(); batch.dispose(); }
      total = keep(next);
    }
  } finally {
    model.train(wasTraining);
  }
  const s = await total!.item();
  total!.dispose();
  return s;
}
