/** Flatten(startDim = 1, endDim = −1): merges dimensions startDim..endDim into one (a view, no copy). */
import { reshape } from '../../engine/ops/shape.js';
import { formatShape, normAxis, sizeOf } from '../../engine/shape.js';
import { checkTensor } from '../../engine/check.js';
import type { Tensor } from '../../engine/tensor.js';
import { Module } from '../module.js';

export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkTensor('Flatten.forward', 'x', x);
    const start = normAxis('Flatten', this.startDim, x.rank);
    const end = normAxis('Flatten', this.endDim, x.rank);
    if (start > end) throw new RangeError(`Flatten: startDim ${this.startDim} comes after endDim ${this.endDim} for x ${formatShape(x.shape)}`);
    const s = x.shape;
    return reshape(x, [...s.slice(0, start), sizeOf(s.slice(start, end + 1)), ...s.slice(end + 1)]);
  }
}
