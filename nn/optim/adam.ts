/** Adam with L2 weight decay (PyTorch's torch.optim.Adam, amsgrad off). */
import { adamKernel } from '../../kernels/adam.wgsl.js';
import type { Tensor } from '../../engine/tensor.js';
import { checkRange, Optimizer, type Hyper } from './optimizer.js';

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
    const [b1, b2] = opts.betas ?? [0.9, 0.999];
    const beta1 = checkRange('Adam', 'betas[0]', b1, 0, 1, true);
    const beta2 = checkRange('Adam', 'betas[1]', b2, 0, 1, true);
    const eps = checkRange('Adam', 'eps', opts.eps ?? 1e-8, 0);
    const weightDecay = checkRange('Adam', 'weightDecay', opts.weightDecay ?? 0, 0);
    super('Adam', params, opts.lr ?? 1e-3, adamKernel, ['expAvg', 'expAvgSq']);
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

  hyper(): Hyper {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay };
  }
}
