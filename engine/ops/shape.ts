/** Ops that change the shape but not the values: reshape (a view), broadcastTo. */
import { record } from '../autograd.js';
import { checkShape, formatShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkTensor, runMap } from './map.js';
import { sumTo } from './reduce.js';

/** Same data, new shape (one entry may be −1: inferred). Shares the buffer; no copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', 'x', x);
  const inferred = shape.filter((d) => d === -1).length;
  if (inferred > 1) throw new RangeError(`reshape: at most one dimension may be -1, got ${formatShape(shape)}`);
  let target = [...shape];
  if (inferred) {
    const known = sizeOf(shape.filter((d) => d !== -1));
    if (known === 0 || x.size % known !== 0) {
      throw new RangeError(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) into ${formatShape(shape)}`);
    }
    target = shape.map((d) => (d === -1 ? x.size / known : d));
  }
  checkShape('reshape', target);
  if (sizeOf(target) !== x.size) {
    throw new RangeError(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) into ${formatShape(shape)} (${sizeOf(target)} elements)`);
  }
  const y = x.view(target);
  return record(y, 'reshape', [x], (g) => [reshape(g, x.shape)]);
}

/** Repeats x along broadcast dimensions to `shape` (NumPy rules). Backward sums them back. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('broadcastTo', 'x', x);
  checkShape('broadcastTo', shape);
  const y = runMap('broadcastTo', 'x0', [x], { shape, outDtype: x.dtype });
  if (y.rank !== shape.length || y.shape.some((d, i) => d !== shape[i])) {
    y.dispose();
    throw new RangeError(`broadcastTo: cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)}`);
  }
  return record(y, 'broadcastTo', [x], (g) => [sumTo(g, x.shape)]);
}
