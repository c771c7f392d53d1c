/**
 * The seed experiment's two models (orthocl's rotated_mnist.py, REFERENCE.md §1), built from
 * gradient-projection layers with one calculator each:
 *   mlp: Flatten → GP-Linear(784, 60) → LeakyReLU(0.1) → GP-Linear(60, 32) → LeakyReLU(0.1) → GP-Linear(32, 10)
 *   cnn: GP-Conv2d(1, 32, 5) → AdaptiveMaxPool2d(4, 4) → Flatten → GP-Linear(512, 32) → LeakyReLU(0.1) → GP-Linear(32, 10)
 */
import type { Generator } from '../../engine/index.js';
import { LeakyReLU } from '../../nn/layers/activation.js';
import { Sequential } from '../../nn/layers/container.js';
import { Flatten } from '../../nn/layers/flatten.js';
import { AdaptiveMaxPool2d } from '../../nn/layers/pool.js';
import type { ProjectionCalculator } from '../gradproj/calculators/calculator.js';
import { GradProjConv2d } from '../gradproj/grad-proj-conv2d.js';
import { GradProjLinear } from '../gradproj/grad-proj-linear.js';

export type SeedModel = 'mlp' | 'cnn';

export function seedModel(model: SeedModel, calc: () => ProjectionCalculator, generator: Generator): Sequential {
  const lin = (i: number, o: number) => new GradProjLinear(i, o, calc(), { generator });
  if (model === 'mlp') {
    return new Sequential(new Flatten(), lin(784, 60), new LeakyReLU(0.1), lin(60, 32), new LeakyReLU(0.1), lin(32, 10));
  }
  return new Sequential(
    new GradProjConv2d(1, 32, 5, calc(), { generator }), new AdaptiveMaxPool2d([4, 4]), new Flatten(),
    lin(512, 32), new LeakyReLU(0.1), lin(32, 10),
  );
}
