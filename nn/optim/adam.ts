/** Adam with L2 weight decay (PyTorch's torch.optim.Adam, amsgrad off). */
import { adamKernel } from '../../kernels/adam.wgsl.js';
import type { Tensor } from '../../engine/tensor.js';
import { checkNumber, checkOptions, describe } from '../../engine/check.js';
import { noGrad } from '../../engine/autograd.js';
import { add, div, mul, sqrt, square, zerosLike } from '../../engine/ops/elementwise.js';
import { lookaheadInputs } from './lookahead.js';
import { Optimizer, type Hyper } from './optimizer.js';

export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
}

export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;

  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    const o = checkOptions('Adam', opts, ['lr', 'betas', 'eps', 'weightDecay']);
    const betas = o.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) throw new TypeError(`Adam: options.betas must be a pair [beta1, beta2], got ${describe(betas)}`);
    const beta1 = checkNumber('Adam', 'options.betas[0]', betas[0], { min: 0, max: 1, maxOpen: true });
    const beta2 = checkNumber('Adam', 'options.betas[1]', betas[1], { min: 0, max: 1, maxOpen: true });
    const eps = checkNumber('Adam', 'options.eps', o.eps ?? 1e-8, { min: 0 });
    const weightDecay = checkNumber('Adam', 'options.weightDecay', o.weightDecay ?? 0, { min: 0 });
    super('Adam', params, o.lr ?? 1e-3, adamKernel, ['expAvg', 'expAvgSq']);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
  }

  /** Bias corrections of step t, in float64: stepSize = lr/(1 − β₁ᵗ), bc2Sqrt = √(1 − β₂ᵗ). */
  protected uniforms(t: number): number[] {
    const stepSize = this.lr / (1 - this.beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - this.beta2 ** t);
    return [stepSize, bc2Sqrt, this.beta1, this.beta2, this.eps, this.weightDecay];
  }

  /**
   * Δθ = −stepSize·m/(√v/bc2Sqrt + eps) for each of `params`: the update step() would make now, from the
   * moments m, v it would form (below), leaving them unchanged (hypnettorch's look-ahead). Zeros for a
   * parameter without a gradient. New tensors, without gradient tracking.
   */
  lookahead(params: readonly Tensor[]): Tensor[] {
    return noGrad(() => lookaheadInputs(this, params, this.weightDecay).map((inp, k) => {
      if (!inp) return zerosLike(params[k]!);
      const { g, step, slot } = inp;
      const [stepSize, bc2Sqrt] = this.uniforms(step);
      const m0 = slot('expAvg'), v0 = slot('expAvgSq');
      // m = β₁·m₀ + (1 − β₁)·g, v = β₂·v₀ + (1 − β₂)·g² (m₀ = v₀ = 0 before the first step)
      const mg = mul(g, 1 - this.beta1), vg = mul(square(g), 1 - this.beta2);
      const m = m0 ? add(mul(m0, this.beta1), mg) : mg;
      const v = v0 ? add(mul(v0, this.beta2), vg) : vg;
      return mul(div(m, add(div(sqrt(v), bc2Sqrt!), this.eps)), -stepSize!);
    }));
  }

  hyper(): Hyper {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay };
  }
}
