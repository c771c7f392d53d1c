/** SGD with momentum, dampening, Nesterov and L2 weight decay (PyTorch's torch.optim.SGD). */
import { sgdKernel } from '../../kernels/sgd.wgsl.js';
import type { Tensor } from '../../engine/tensor.js';
import { checkBoolean, checkNumber, checkOptions } from '../../engine/check.js';
import { noGrad } from '../../engine/autograd.js';
import { add, mul, zerosLike } from '../../engine/ops/elementwise.js';
import { lookaheadInputs } from './lookahead.js';
import { Optimizer, type Hyper } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;

  constructor(params: Iterable<Tensor>, opts: SGDOptions) {
    const o = checkOptions('SGD', opts, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov']);
    const momentum = checkNumber('SGD', 'options.momentum', o.momentum ?? 0, { min: 0 });
    const dampening = checkNumber('SGD', 'options.dampening', o.dampening ?? 0, { min: 0, max: 1 });
    const weightDecay = checkNumber('SGD', 'options.weightDecay', o.weightDecay ?? 0, { min: 0 });
    const nesterov = checkBoolean('SGD', 'options.nesterov', o.nesterov ?? false);
    if (nesterov && (momentum === 0 || dampening !== 0)) {
      throw new RangeError(`SGD: nesterov needs momentum > 0 and dampening = 0, got momentum ${momentum}, dampening ${dampening}`);
    }
    const hasMomentum = momentum !== 0;
    super('SGD', params, o.lr as number, sgdKernel({ momentum: hasMomentum, nesterov }), hasMomentum ? ['momentumBuffer'] : []);
    this.momentum = momentum;
    this.dampening = dampening;
    this.weightDecay = weightDecay;
    this.nesterov = nesterov;
  }

  protected uniforms(): number[] {
    return [this.lr, this.weightDecay, this.momentum, this.dampening];
  }

  /**
   * Δθ = −lr·d for each of `params`: the update step() would make now (d as in the kernel: the gradient,
   * or the momentum buffer it would form, or Nesterov's g + momentum·b), leaving the buffer unchanged
   * (hypnettorch's look-ahead). Zeros for a parameter without a gradient. New tensors, untracked.
   */
  lookahead(params: readonly Tensor[]): Tensor[] {
    return noGrad(() => lookaheadInputs(this, params, this.weightDecay).map((inp, k) => {
      if (!inp) return zerosLike(params[k]!);
      const { g, slot } = inp;
      let d = g;
      if (this.momentum !== 0) {
        const b0 = slot('momentumBuffer');
        const b = b0 ? add(mul(b0, this.momentum), mul(g, 1 - this.dampening)) : g;
        d = this.nesterov ? add(g, mul(b, this.momentum)) : b;
      }
      return mul(d, -this.lr);
    }));
  }

  hyper(): Hyper {
    return { lr: this.lr, momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay, nesterov: this.nesterov };
  }
}
