/**
 * MainCNN: a small convolutional main network of a hypernetwork (hypnettorch's `mnets` with conv layers, the
 * LeNet shape), owning no weights: forward(x, weights, task) runs it with weights given as tensors
 * (nn.functional), so the hypernetwork that produced them gets the gradients.
 *
 *   x [N, C, H, W] → (conv2d k×k, no padding → max pool 2 → ReLU)* → flatten → MainMLP [flat, hidden…, out]
 *
 * (ReLU after the pool: max and ReLU commute, and the module twin's Conv2d → MaxPool2d runs as one fused
 * kernel.) Weights, in the order of `shapes`: each conv's W [Cout, Cin, k, k] and b [Cout], then the dense
 * part's as MainMLP orders them (trunk, then each head's W and b).
 */
import { describe } from '../../engine/check.js';
import { reshape } from '../../engine/ops/shape.js';
import { formatShape } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';
import { conv2d, maxPool2d, relu } from '../../nn/functional/index.js';
import { ReLU } from '../../nn/layers/activation.js';
import { Sequential } from '../../nn/layers/container.js';
import { Conv2d } from '../../nn/layers/conv.js';
import { MaxPool2d } from '../../nn/layers/pool.js';
import type { Module } from '../../nn/module.js';
import { Generator } from '../../engine/random.js';
import { MainMLP } from './main-mlp.js';
import { checkWeights, type MainNetwork } from './main-network.js';

export interface MainCNNOptions {
  /** One input's [channels, height, width]. */
  inputShape: readonly number[];
  /** Output channels of each conv block. */
  channels: readonly number[];
  /** Side of the square kernels (default 5). */
  kernel?: number;
  /** Widths of the dense hidden layers after the flatten (may be empty). */
  hidden: readonly number[];
  /** Outputs of each head. */
  outputs: number;
  /** Output layers, one per task (default 1). */
  heads?: number;
}

const positive = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

export class MainCNN implements MainNetwork {
  readonly inputShape: readonly number[];
  readonly channels: readonly number[];
  readonly kernel: number;
  readonly heads: number;
  readonly shapes: readonly (readonly number[])[];
  readonly headOf: readonly number[];
  /** The part after the flatten. */
  readonly dense: MainMLP;

  constructor(opts: MainCNNOptions) {
    if (!opts || typeof opts !== 'object') throw new TypeError('MainCNN: expected options { inputShape, channels, kernel?, hidden, outputs, heads? }');
    const { inputShape, channels, kernel = 5, hidden, outputs } = opts;
    if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every(positive)) throw new RangeError(`MainCNN: options.inputShape must be [channels, height, width] of positive integers, got ${describe(inputShape)}`);
    if (!Array.isArray(channels) || !channels.length || !channels.every(positive)) throw new RangeError(`MainCNN: options.channels must be a non-empty list of positive integers, got ${describe(channels)}`);
    if (!positive(kernel)) throw new RangeError(`MainCNN: options.kernel must be a positive integer, got ${describe(kernel)}`);
    let [c, h, w] = inputShape as [number, number, number];
    const shapes: number[][] = [];
    for (const out of channels) {
      [h, w] = [Math.floor((h - kernel + 1) / 2), Math.floor((w - kernel + 1) / 2)];
      if (h < 1 || w < 1) throw new RangeError(`MainCNN: an input of ${formatShape(inputShape)} is too small for ${channels.length} blocks of a ${kernel}×${kernel} conv and a 2×2 pool`);
      shapes.push([out, c, kernel, kernel], [out]);
      c = out;
    }
    this.dense = new MainMLP([c * h * w, ...hidden, outputs], { heads: opts.heads });
    this.inputShape = [...inputShape];
    this.channels = [...channels];
    this.kernel = kernel;
    this.heads = this.dense.heads;
    this.shapes = [...shapes, ...this.dense.shapes];
    this.headOf = [...shapes.map(() => -1), ...this.dense.headOf];
  }

  /** x [N, C, H, W] → head `task`'s outputs [N, out]. */
  forward(x: Tensor, weights: readonly Tensor[], task = 0): Tensor {
    checkWeights('MainCNN.forward', this, x, weights, task);
    if (x.rank !== 4 || x.shape.slice(1).join() !== this.inputShape.join()) throw new RangeError(`MainCNN.forward: x must be [N, ${this.inputShape.join(', ')}], got ${formatShape(x.shape)}`);
    let h = x;
    this.channels.forEach((_, i) => { h = relu(maxPool2d(conv2d(h, weights[2 * i]!, { bias: weights[2 * i + 1]! }), 2)); });
    return this.dense.forward(reshape(h, [h.shape[0]!, h.size / h.shape[0]!]), weights.slice(2 * this.channels.length), task);
  }

  /** (Conv2d → MaxPool2d(2) → ReLU)* → the dense part's module (initialised from its own seed). */
  module(): Module {
    const generator = new Generator(0);
    let c = this.inputShape[0]!;
    const blocks = this.channels.flatMap((out) => {
      const conv = new Conv2d(c, out, this.kernel, { generator });
      c = out;
      return [conv, new MaxPool2d(2), new ReLU()];
    });
    return new Sequential(...blocks, this.dense.module());
  }
}
