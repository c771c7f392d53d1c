/**
 * GradProjConv2d(inCh, outCh, kernel, calc, {padding, stride}): a bias-free convolution whose weight
 * W [out, in, kh, kw] is projected as G [out, d], d = in·kh·kw; it collects the unfolded input patches
 * (one row per patch, entries ordered like the flattened kernel, as unfoldRows) for its calculator:
 * conv2d hands over the patches it unfolds for its own matmul, so they are built once.
 */
import { conv2d, type Generator, type Tensor } from '../../engine/index.js';
import { pairOf, type Pair } from '../../engine/ops/window2d.js';
import { kaimingUniform } from '../../nn/init.js';
import { parameter } from '../../nn/module.js';
import type { ProjectionCalculator } from './calculators/calculator.js';
import { GradProjLayer } from './grad-proj-layer.js';

export interface GradProjConv2dOptions {
  padding?: Pair;
  stride?: Pair;
  generator?: Generator;
}

export class GradProjConv2d extends GradProjLayer {
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
    const onPatches = this.collecting ? (rows: Tensor) => this.observe(() => rows) : undefined;
    return conv2d(x, this.weight, { padding: this.padding, stride: this.stride, onPatches });
  }
}
