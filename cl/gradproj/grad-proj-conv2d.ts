/**
 * GradProjConv2d(inCh, outCh, kernel, calc, {padding, stride}): a bias-free convolution whose weight
 * W [out, in, kh, kw] is projected as G [out, d], d = in·kh·kw; it collects the unfolded input patches
 * (one row per patch, entries ordered like the flattened kernel, as unfoldRows) for its calculator:
 * conv2d hands over the patches it unfolds for its own matmul, so they are built once. Followed by a
 * tiling max pool in a Sequential (the seed CNN), it runs as one fused conv2dMaxPool kernel.
 */
import { conv2d, conv2dMaxPool, unfoldRows, type Generator, type Tensor } from '../../engine/index.js';
import { checkTensor } from '../../engine/check.js';
import { pairOf, type Pair } from '../../engine/ops/window2d.js';
import { fusedPoolWindow, type MaxPoolFusable, type TilingMaxPool } from '../../nn/layers/max-pool-fusion.js';
import { kaimingUniform } from '../../nn/init.js';
import { parameter } from '../../nn/module.js';
import type { ProjectionCalculator } from './calculators/calculator.js';
import { GradProjLayer } from './grad-proj-layer.js';

export interface GradProjConv2dOptions {
  padding?: Pair;
  stride?: Pair;
  generator?: Generator;
}

export class GradProjConv2d extends GradProjLayer implements MaxPoolFusable {
  readonly weight: Tensor;
  readonly inDim: number;
  readonly kernel: [number, number];
  readonly padding: [number, number];
  readonly stride: [number, number];

  constructor(readonly inChannels: number, readonly outChannels: number, kernel: Pair, calc: ProjectionCalculator, opts: GradProjConv2dOptions = {}) {
    super(calc);
    for (const [name, v] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`GradProjConv2d: ${name} must be a positive integer, got ${v}`);
    }
    this.kernel = pairOf('GradProjConv2d', 'kernel', kernel, 1);
    this.padding = pairOf('GradProjConv2d', 'padding', opts.padding ?? 0, 0);
    this.stride = pairOf('GradProjConv2d', 'stride', opts.stride ?? 1, 1);
    this.inDim = inChannels * this.kernel[0] * this.kernel[1];
    this.weight = parameter(kaimingUniform([outChannels, inChannels, ...this.kernel], { generator: opts.generator }));
  }

  forward(x: Tensor): Tensor {
    checkTensor('GradProjConv2d.forward', 'x', x);
    const onPatches = this.collecting ? (rows: Tensor) => this.observe(() => rows) : undefined;
    return conv2d(x, this.weight, { padding: this.padding, stride: this.stride, onPatches });
  }

  /**
   * pool(forward(x)) as one conv2dMaxPool when the pool tiles the output (Sequential calls it); while
   * collecting, the calculator takes the patches from x (patch covariance) or a separate unfold.
   */
  forwardMaxPooled(x: Tensor, pool: TilingMaxPool): Tensor | null {
    const opts = { stride: this.stride, padding: this.padding };
    const window = fusedPoolWindow(x, this.kernel, opts, pool);
    if (!window) return null;
    this.observePatches({ x, kernel: this.kernel, ...opts }, () => unfoldRows(x, this.kernel, opts));
    return conv2dMaxPool(x, this.weight, { ...opts, pool: window });
  }
}
