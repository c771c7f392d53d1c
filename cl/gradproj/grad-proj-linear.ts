/**
 * GradProjLinear(inDim, outDim, calc): y = x·Wᵀ, W [out, in], no bias; collects input rows. Backward
 * also leaves the factors of the weight gradient G = Δᵀ·x, and G as computed, for the factored
 * projected step.
 */
import { hookGradient, matmul, reshape, type Generator, type Tensor } from '../../engine/index.js';
import { checkTensor } from '../../engine/check.js';
import { kaimingUniform } from '../../nn/init.js';
import { parameter } from '../../nn/module.js';
import type { ProjectionCalculator } from './calculators/calculator.js';
import { GradientFactors } from './gradient-factors.js';
import { GradProjLayer } from './grad-proj-layer.js';

export class GradProjLinear extends GradProjLayer {
  readonly weight: Tensor;
  protected override gradientFactors: GradientFactors;

  constructor(readonly inDim: number, readonly outDim: number, calc: ProjectionCalculator, opts: { generator?: Generator } = {}) {
    super(calc);
    for (const [name, v] of [['inDim', inDim], ['outDim', outDim]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`GradProjLinear: ${name} must be a positive integer, got ${v}`);
    }
    this.weight = parameter(kaimingUniform([outDim, inDim], { generator: opts.generator }));
    this.gradientFactors = new GradientFactors();
  }

  forward(x: Tensor): Tensor {
    checkTensor('GradProjLinear.forward', 'x', x);
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.inDim) {
      throw new RangeError(`GradProjLinear: x must be [N, ${this.inDim}], got [${x.shape.join(', ')}]`);
    }
    this.observe(() => reshape(x, [-1, this.inDim]));
    const w = hookGradient(this.weight, (g) => this.gradientFactors.addWeightGradient(g));
    return hookGradient(matmul(x, w, { transposeB: true }), (dy) => this.gradientFactors.add(x, dy));
  }
}
