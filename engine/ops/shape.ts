/** Ops that change the shape but not the values: reshape (a view), broadcastTo, permute, transpose. */
import { record } from '../autograd.js';
import { checkShape, formatShape, normAxis, sizeOf, stridesOf } from '../shape.js';
import { emptyTensor, type Tensor } from '../tensor.js';
import { planCopy, runCopy } from './copy.js';
import { checkTensor, runMap } from './map.js';
import { sumTo } from './reduce.js';

/** Same data, new shape (one entry may be −1: inferred). Shares the buffer; no copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', 'x', x);
  if (!Array.isArray(shape)) throw new TypeError(`reshape: shape must be a list of integers, got ${typeof shape}`);
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

/**
 * Reorders the axes: y.shape[k] = x.shape[dims[k]], y[c] = x[c'] with c'[dims[k]] = c[k] (PyTorch's
 * permute; a copy, since tensors are contiguous). Backward permutes g by the inverse permutation.
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor('permute', 'x', x);
  if (!Array.isArray(dims)) throw new TypeError(`permute: dims must be a list of axes, got ${typeof dims}`);
  if (dims.length !== x.rank) {
    throw new RangeError(`permute: dims ${JSON.stringify(dims)} must list each of the ${x.rank} axes of x ${formatShape(x.shape)} once`);
  }
  const axes = dims.map((d) => normAxis('permute', d, x.rank));
  if (new Set(axes).size !== axes.length) throw new RangeError(`permute: repeated axis in dims ${JSON.stringify(dims)}`);
  const xStrides = stridesOf(x.shape);
  const shape = axes.map((d) => x.shape[d]!);
  const plan = planCopy('permute', shape, { offset: 0, strides: axes.map((d) => xStrides[d]!) }, { offset: 0, strides: stridesOf(shape) });
  const y = emptyTensor(x.device, shape, x.dtype);
  runCopy(plan, x, y);
  const inverse = new Array<number>(axes.length);
  axes.forEach((d, k) => { inverse[d] = k; });
  return record(y, 'permute', [x], (g) => [permute(g, inverse)]);
}

/** Swaps two axes (by default the last two: a matrix transpose of each batch entry). */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  checkTensor('transpose', 'x', x);
  const a = normAxis('transpose', dim0, x.rank);
  const b = normAxis('transpose', dim1, x.rank);
  const dims = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return permute(x, dims);
}
