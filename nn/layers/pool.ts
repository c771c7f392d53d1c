/** Pooling layers over the engine's NCHW pooling ops; arguments are checked at construction. */
import { adaptiveMaxPool2d, maxPool2d } from '../../engine/ops/pool.js';
import { pairOf, type Pair } from '../../engine/ops/window2d.js';
import { checkTensor } from '../../engine/check.js';
import type { Tensor } from '../../engine/tensor.js';
import { Module } from '../module.js';
import type { TilingMaxPool } from './max-pool-fusion.js';

/** Max over kernel windows (stride defaults to the kernel, padding counts as −∞). */
export class MaxPool2d extends Module implements TilingMaxPool {
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
    return maxPool2d(checkTensor('MaxPool2d.forward', 'x', x), this.kernel, { stride: this.stride, padding: this.padding });
  }

  tilingWindow(size: readonly [number, number]): [number, number] | null {
    const [k, s, p] = [this.kernel, this.stride, this.padding];
    const tiles = k.every((kk, a) => kk === s[a] && p[a] === 0 && size[a]! % kk === 0 && size[a]! >= kk);
    return tiles ? [...k] : null;
  }
}

/** Max over adaptive windows to a fixed output size [oh, ow]. */
export class AdaptiveMaxPool2d extends Module implements TilingMaxPool {
  readonly outputSize: [number, number];

  constructor(outputSize: Pair) {
    super();
    this.outputSize = pairOf('AdaptiveMaxPool2d', 'outputSize', outputSize, 1);
  }

  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(checkTensor('AdaptiveMaxPool2d.forward', 'x', x), this.outputSize);
  }

  /** Adaptive windows tile the input when the output size divides it: window = size / outputSize. */
  tilingWindow(size: readonly [number, number]): [number, number] | null {
    const o = this.outputSize;
    return size[0] % o[0] === 0 && size[1] % o[1] === 0 && size[0] > 0 && size[1] > 0 ? [size[0] / o[0], size[1] / o[1]] : null;
  }
}
