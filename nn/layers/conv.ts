/**
 * Conv2d(inChannels, outChannels, kernel): y = conv2d(x, W) + b over NCHW, W [out, in, kh, kw]
 * (PyTorch's layout and default init: fan_in = in·kh·kw).
 */
import { conv2d } from '../../engine/ops/conv.js';
import { conv2dMaxPool } from '../../engine/ops/conv-pool.js';
import { pairOf, type Pair } from '../../engine/ops/window2d.js';
import type { Generator } from '../../engine/random.js';
import { checkTensor } from '../../engine/check.js';
import type { Tensor } from '../../engine/tensor.js';
import { fanIn, kaimingUniform, uniform } from '../init.js';
import { Module, parameter } from '../module.js';
import { checkPositiveInt } from './check.js';
import { fusedPoolWindow, type MaxPoolFusable, type TilingMaxPool } from './max-pool-fusion.js';

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  bias?: boolean;
  /** Source of the initial weights (default: the global generator). */
  generator?: Generator;
}

export class Conv2d extends Module implements MaxPoolFusable {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];

  constructor(readonly inChannels: number, readonly outChannels: number, kernel: Pair, opts: Conv2dOptions = {}) {
    super();
    checkPositiveInt('Conv2d', 'inChannels', inChannels);
    checkPositiveInt('Conv2d', 'outChannels', outChannels);
    const [kh, kw] = pairOf('Conv2d', 'kernel', kernel, 1);
    this.stride = pairOf('Conv2d', 'stride', opts.stride ?? 1, 1);
    this.padding = pairOf('Conv2d', 'padding', opts.padding ?? 0, 0);
    this.dilation = pairOf('Conv2d', 'dilation', opts.dilation ?? 1, 1);
    const shape = [outChannels, inChannels, kh, kw];
    this.weight = parameter(kaimingUniform(shape, { generator: opts.generator }));
    this.bias = (opts.bias ?? true) ? parameter(uniform([outChannels], 1 / Math.sqrt(fanIn(shape)), opts.generator)) : null;
  }

  /** x [N, in, H, W] → [N, out, Ho, Wo]. */
  forward(x: Tensor): Tensor {
    return conv2d(checkTensor('Conv2d.forward', 'x', x), this.weight, { stride: this.stride, padding: this.padding, dilation: this.dilation, bias: this.bias ?? undefined });
  }

  /** pool(forward(x)) as one conv2dMaxPool when the pool tiles the output (undilated convolutions). */
  forwardMaxPooled(x: Tensor, pool: TilingMaxPool): Tensor | null {
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) return null;
    const opts = { stride: this.stride, padding: this.padding };
    const window = fusedPoolWindow(x, [this.weight.shape[2]!, this.weight.shape[3]!], opts, pool);
    return window && conv2dMaxPool(x, this.weight, { ...opts, bias: this.bias ?? undefined, pool: window });
  }
}
