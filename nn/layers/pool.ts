/** Pooling layers over the engine's NCHW pooling ops; arguments are checked at construction. */
import { adaptiveMaxPool2d, maxPool2d } from '../../engine/ops/pool.js';
import { pairOf, type Pair } from '../../engine/ops/window2d.js';
import type { Tensor } from '../../engine/tensor.js';
import { Module } from '../module.js';

/** Max over kernel windows (stride defaults to the kernel, padding counts as −∞). */
export class MaxPool2d extends Module {
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];

  constructor(kernel: Pair, opts: { stride?: Pair; padding?: Pair } = {}) {
    super();
    this.kernel = pairOf('MaxPool2d', 'kernel', kernel, 1);
    this.stride = pairOf('MaxPool2d', 'stride', opts.stride ?? this.kernel, 1);
    this.padding = pairOf('MaxPool2d', 'padding', opts.padding ?? 0, 0);
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernel, { stride: this.stride, padding: this.padding });
  }
}

/** Max over adaptive windows to a fixed output size [oh, ow]. */
export class AdaptiveMaxPool2d extends Module {
  readonly outputSize: [number, number];

  constructor(outputSize: Pair) {
    super();
    this.outputSize = pairOf('AdaptiveMaxPool2d', 'outputSize', outputSize, 1);
  }

  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(x, this.outputSize);
  }
}
