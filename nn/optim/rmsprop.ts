/** RMSprop with momentum and L2 weight decay (PyTorch's torch.optim.RMSprop, centered off). */
import { rmspropKernel } from '../../kernels/rmsprop.wgsl.js';
import type { Tensor } from '../../engine/tensor.js';
import { checkRange, Optimizer, type Hyper } from './optimizer.js';

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  momentum?: number;
  weightDecay?: number;
}

export class RMSprop extends Optimizer {
  readonly alpha: number;
  readonly eps: number;
  readonly momentum: number;
  readonly weightDecay: number;

  constructor(params: Iterable<Tensor>, opts: RMSpropOptions = {}) {
    const alpha = checkRange('RMSprop', 'alpha', opts.alpha ?? 0.99, 0, 1);
    const eps = checkRange('RMSprop', 'eps', opts.eps ?? 1e-8, 0);
    const momentum = checkRange('RMSprop', 'momentum', opts.momentum ?? 0, 0);
    const weightDecay = checkRange('RMSprop', 'weightDecay', opts.weightDecay ?? 0, 0);
    const hasMomentum = momentum > 0;
    super('RMSprop', params, opts.lr ?? 1e-2, rmspropKernel({ momentum: hasMomentum }), hasMomentum ? ['squareAvg', 'momentumBuffer'] : ['squareAvg']);
    this.alpha = alpha;
    this.eps = eps;
    this.momentum = momentum;
    this.weightDecay = weightDecay;
  }

  protected uniforms(): number[] {
    return [this.lr, this.alpha, this.eps, this.weightDecay, this.momentum];
  }

  hyper(): Hyper {
    return { lr: this.lr, alpha: this.alpha, eps: this.eps, momentum: this.momentum, weightDecay: this.weightDecay };
  }
}
