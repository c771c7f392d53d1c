/** Activation layers: ReLU and LeakyReLU as modules over the engine's ops. */
import { leakyRelu, relu } from '../../engine/ops/elementwise.js';
import type { Tensor } from '../../engine/tensor.js';
import { Module } from '../module.js';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** x for x > 0, slope·x otherwise (PyTorch's default slope 0.01). */
export class LeakyReLU extends Module {
  constructor(readonly slope = 0.01) {
    super();
    if (!Number.isFinite(slope)) throw new RangeError(`LeakyReLU: slope must be a finite number, got ${slope}`);
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.slope);
  }
}
