/**
 * Rotated MNIST (domain-incremental): task t is MNIST rotated by angles[t] degrees. Images are
 * normalised as (x − 0.15)/0.3 and then rotated (nearest neighbour, fill 0), as the seed experiment
 * (orthocl's rotated_mnist.py: ToTensor, Normalize(0.15, 0.3), then TF.rotate). Each task's images are
 * rotated once on the GPU; labels are shared.
 */
import { tidy } from '../../engine/index.js';
import { mnist, type LoadOptions } from '../../nn/data/datasets.js';
import { toDevice, type TensorDataset } from '../../nn/data/loader.js';
import { rotate } from '../../nn/data/transforms.js';
import type { Scenario } from './experience.js';

export const SEED_NORMALIZATION = { mean: 0.15, std: 0.3 } as const;

export interface DomainTask {
  name: string;
  train: TensorDataset;
  test: TensorDataset;
}

export interface RotatedMnist {
  tasks: DomainTask[];
  dispose(): void;
}

export async function rotatedMnist(angles: readonly number[], opts: LoadOptions = {}): Promise<RotatedMnist> {
  if (!angles.length) throw new RangeError('rotatedMnist: angles must list at least one angle');
  for (const a of angles) if (!Number.isFinite(a)) throw new RangeError(`rotatedMnist: angles must be finite numbers of degrees, got ${a}`);
  const split = await mnist({ normalize: SEED_NORMALIZATION, ...opts });
  const train = toDevice(split.train);
  const test = toDevice(split.test);
  const tasks = angles.map((angle) => ({
    name: `${angle}°`,
    train: train.withImages(tidy(() => rotate(train.x, angle))),
    test: test.withImages(tidy(() => rotate(test.x, angle))),
  }));
  train.dispose();
  test.dispose();
  return {
    tasks,
    dispose: () => tasks.forEach((t) => { t.train.dispose(); t.test.dispose(); }),
  };
}

/**
 * rotatedMnist() as a Scenario (domain-incremental: one shared head of 10 outputs, task ids not
 * given), with the same data: the seed's normalisation (x − 0.15)/0.3, then the rotation.
 */
export async function rotatedMnistScenario(angles: readonly number[], opts: LoadOptions = {}): Promise<Scenario> {
  const rotated = await rotatedMnist(angles, opts);
  let disposed = false;
  return {
    name: 'rotated-mnist',
    setting: 'domain',
    inputShape: [1, 28, 28],
    outputs: 10,
    heads: 1,
    experiences: rotated.tasks.map((t, index) => ({
      index,
      taskId: 0,
      name: t.name,
      classes: Array.from({ length: 10 }, (_, c) => c),
      train: t.train,
      test: t.test,
    })),
    dispose: () => {
      if (!disposed) rotated.dispose();
      disposed = true;
    },
  };
}
