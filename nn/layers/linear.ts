/** Linear(in, out): y = x·Wᵀ + b with W [out, in] (PyTorch's layout), read transposed in place. */
import { add } from '../../engine/ops/elementwise.js';
import { matmul } from '../../engine/ops/matmul.js';
import type { Generator } from '../../engine/random.js';
import { checkFloat, checkSameDevice, checkTensor } from '../../engine/check.js';
import { formatShape } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';
import { kaimingUniform, uniform } from '../init.js';
import { Module, parameter } from '../module.js';
import { checkPositiveInt } from './check.js';

export interface LinearOptions {
  bias?: boolean;
  /** Source of the initial weights (default: the global generator). */
  generator?: Generator;
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions = {}) {
    super();
    checkPositiveInt('Linear', 'inFeatures', inFeatures);
    checkPositiveInt('Linear', 'outFeatures', outFeatures);
    this.weight = parameter(kaimingUniform([outFeatures, inFeatures], { generator: opts.generator }));
    this.bias = (opts.bias ?? true) ? parameter(uniform([outFeatures], 1 / Math.sqrt(inFeatures), opts.generator)) : null;
  }

  /** x [..., N, in] → [..., N, out]. */
  forward(x: Tensor): Tensor {
    checkTensor('Linear.forward', 'x', x);
    checkFloat('Linear.forward', 'x', x);
    checkSameDevice('Linear.forward', { x, weight: this.weight });
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new RangeError(`Linear.forward: x must be [N, ${this.inFeatures}] (or [..., N, ${this.inFeatures}]), got ${formatShape(x.shape)}`);
    }
    const y = matmul(x, this.weight, { transposeB: true });
    return this.bias ? add(y, this.bias) : y;
  }
}
