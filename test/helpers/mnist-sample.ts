/** A few real MNIST digits for tests (first `perClass` of each class in file order, pixels in [0, 1]). */
import { mnist } from '../../nn/data/datasets.js';

export async function mnistSample(perClass: number): Promise<{ images: Float32Array; labels: Int32Array; n: number }> {
  const { train } = await mnist({ trainPerClass: perClass, testPerClass: 1 });
  return { images: train.images, labels: train.labels, n: train.n };
}
