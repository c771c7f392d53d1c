/**
 * The models the benchmark scenarios train (issue #11's defaults), with the head the setting needs: one
 * Linear over the outputs, or an nn.MultiHead with one head per task in the 'task' setting.
 *   mlp: Flatten → Linear(784, 100) → ReLU → Linear(100, 100) → ReLU → head(100)
 *   cnn: Conv2d(1, 32, 5) → AdaptiveMaxPool2d(4, 4) → Flatten → Linear(512, 32) → LeakyReLU(0.1) → head(32)
 *        (the seed experiment's CNN with ordinary layers and biases)
 */
import type { Generator } from '../../engine/index.js';
import { LeakyReLU, ReLU } from '../../nn/layers/activation.js';
import { Sequential } from '../../nn/layers/container.js';
import { Conv2d } from '../../nn/layers/conv.js';
import { Flatten } from '../../nn/layers/flatten.js';
import { Linear } from '../../nn/layers/linear.js';
import { MultiHead } from '../../nn/layers/multi-head.js';
import { AdaptiveMaxPool2d } from '../../nn/layers/pool.js';
import type { Module } from '../../nn/module.js';
import type { Scenario } from '../scenarios/experience.js';

export function benchmarkModel(kind: 'mlp' | 'cnn', scenario: Scenario, generator: Generator): Sequential {
  const inputs = scenario.inputShape.reduce((a, b) => a * b, 1);
  const head = (d: number): Module => (scenario.setting === 'task'
    ? new MultiHead(d, scenario.heads, scenario.outputs, { generator })
    : new Linear(d, scenario.outputs, { generator }));
  if (kind === 'mlp') {
    return new Sequential(new Flatten(), new Linear(inputs, 100, { generator }), new ReLU(), new Linear(100, 100, { generator }), new ReLU(), head(100));
  }
  const channels = scenario.inputShape[0]!;
  return new Sequential(
    new Conv2d(channels, 32, 5, { generator }), new AdaptiveMaxPool2d([4, 4]), new Flatten(),
    new Linear(512, 32, { generator }), new LeakyReLU(0.1), head(32),
  );
}
