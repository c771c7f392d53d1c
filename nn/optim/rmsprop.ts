/** RMSprop with momentum and L2 weight decay (PyTorch's torch.optim.RMSprop, centered off). */
import { rmspropKernel } from '../../kernels/rmsprop.wgsl.js';
import type { Tensor } from '../../engine/tensor.js';
import { checkNumber, checkOptions } from '../../engine/check.js';
import { Optimizer, type Hyper } from './optimizer.js';

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
    const o = checkOptions('RMSprop', opts, ['lr', 'alpha', 'eps', 'momentum', 'weightDecay']);
    const alpha = checkNumber('RMSprop', 'options.alpha', o.alpha ?? 0.99, { min: 0, max: 1 });
    const eps = checkNumber('RMSprop', 'options.eps', o.eps ?? 1e-8, { min: 0 });
    const momentum = checkNumber('RMSprop', 'options.momentum', o.momentum ?? 0, { min: 0 });
    const weightDecay = checkNumber('RMSprop', 'options.weightDecay', o.weightDecay ?? 0, { min: 0 });
    const hasMomentum = momentum > 0;
    super('RMSprop', params, o.lr ?? 1e-2, rmspropKernel({ momentum: hasMomentum }), hasMomentum ? ['squareAvg', 'momentumBuffer'] : ['squareAvg']);
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
