/**
 * The models the benchmark scenarios train (issue #11's defaults), with the head the setting needs: one
 * Linear over the outputs, or an nn.MultiHead with one head per task in the 'task' setting.
 *   mlp: Flatten → Linear(784, 100) → ReLU → Linear(100, 100) → ReLU → head(100)
 *   cnn: Conv2d(1, 32, 5) → AdaptiveMaxPool2d(4, 4) → Flatten → Linear(512, 32) → LeakyReLU(0.1) → head(32)
 *        (the seed experiment's CNN with ordinary layers and biases)
 *   notebook-cnn: the nngeometry notebook's Base_Net (REFERENCE.md §13): Conv2d(1, 5, 5) → max pool 2 → ReLU →
 *        Conv2d(5, 5, 5) → max pool 2 → ReLU → Flatten → Linear(80, 20) → ReLU → head(20, no bias). The notebook
 *        applies ReLU before each pool; max and ReLU commute (both monotone), and pool-after-conv runs as one
 *        fused kernel.
 */
import type { Generator } from '../../engine/index.js';
import { LeakyReLU, ReLU } from '../../nn/layers/activation.js';
import { Sequential } from '../../nn/layers/container.js';
import { Conv2d } from '../../nn/layers/conv.js';
import { Flatten } from '../../nn/layers/flatten.js';
import { Linear } from '../../nn/layers/linear.js';
import { MultiHead } from '../../nn/layers/multi-head.js';
import { AdaptiveMaxPool2d, MaxPool2d } from '../../nn/layers/pool.js';
import type { Module } from '../../nn/module.js';
import type { Scenario } from '../scenarios/experience.js';
import type { ModelKind } from '../scenarios/registry.js';

export function benchmarkModel(kind: ModelKind, scenario: Scenario, generator: Generator): Sequential {
  const inputs = scenario.inputShape.reduce((a, b) => a * b, 1);
  const head = (d: number, bias = true): Module => (scenario.setting === 'task'
    ? new MultiHead(d, scenario.heads, scenario.outputs, { generator, bias })
    : new Linear(d, scenario.outputs, { generator, bias }));
  const channels = scenario.inputShape[0]!;
  if (kind === 'notebook-cnn') {
    return new Sequential(
      new Conv2d(channels, 5, 5, { generator }), new MaxPool2d(2), new ReLU(),
      new Conv2d(5, 5, 5, { generator }), new MaxPool2d(2), new ReLU(), new Flatten(),
      new Linear(80, 20, { generator }), new ReLU(), head(20, false),
    );
  }
  if (kind === 'mlp') {
    return new Sequential(new Flatten(), new Linear(inputs, 100, { generator }), new ReLU(), new Linear(100, 100, { generator }), new ReLU(), head(100));
  }
  return new Sequential(
    new Conv2d(channels, 32, 5, { generator }), new AdaptiveMaxPool2d([4, 4]), new Flatten(),
    new Linear(512, 32, { generator }), new LeakyReLU(0.1), head(32),
  );
}
