/** A few real MNIST digits for tests (first `perClass` of each class in file order, pixels in [0, 1]). */
import { keep, tensor, tidy, type Tensor } from '../../index.js';
import { mnist } from '../../nn/data/datasets.js';
import { rotate } from '../../nn/data/transforms.js';

export async function mnistSample(perClass: number): Promise<{ images: Float32Array; labels: Int32Array; n: number }> {
  const { train } = await mnist({ trainPerClass: perClass, testPerClass: 1 });
  return { images: train.images, labels: train.labels, n: train.n };
}

/** Two tasks on the GPU from the same digits: x1 [n, 1, 28, 28], x2 = x1 rotated by `degrees`, labels y. */
export async function rotatedPair(perClass: number, degrees = 90): Promise<{ x1: Tensor; x2: Tensor; y: Tensor }> {
  const s = await mnistSample(perClass);
  const x1 = keep(tensor(s.images, [s.n, 1, 28, 28]));
  return { x1, x2: keep(tidy(() => rotate(x1, degrees))), y: keep(tensor(s.labels, [s.n], { dtype: 'int32' })) };
}
