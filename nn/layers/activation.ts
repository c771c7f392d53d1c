/** Activation layers: ReLU and LeakyReLU as modules over the engine's ops. */
import { leakyRelu, relu } from '../../engine/ops/elementwise.js';
import { checkTensor } from '../../engine/check.js';
import type { Tensor } from '../../engine/tensor.js';
import { Module } from '../module.js';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(checkTensor('ReLU.forward', 'x', x));
  }
}

/** x for x > 0, slope·x otherwise (PyTorch's default slope 0.01). */
export class LeakyReLU extends Module {
  constructor(readonly slope = 0.01) {
    super();
    if (!Number.isFinite(slope)) throw new RangeError(`LeakyReLU: slope must be a finite number, got ${slope}`);
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(checkTensor('LeakyReLU.forward', 'x', x), this.slope);
  }
}
