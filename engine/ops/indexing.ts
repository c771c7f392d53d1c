/**
 * Selecting and joining: slice (a range of one axis), concat (join along one axis), gather (index
 * select along one axis). All three copy; float32 and int32 tensors alike (gradients for float32).
 */
import { gatherKernel, GATHER_RUN, GATHER_WORKGROUP, scatterAddKernel, sortIndicesKernel } from '../../kernels/gather.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import { record } from '../autograd.js';
import { formatShape, normAxis, sizeOf, stridesOf } from '../shape.js';
import { emptyTensor, type Tensor } from '../tensor.js';
import { stridedCopy } from './copy.js';
import { full } from './creation.js';
import { checkFloat, checkSameDevice, checkTensor } from './map.js';

/** Ops along an axis need one: a clear error for a scalar. */
export function checkHasAxis(op: string, arg: string, t: Tensor): void {
  if (t.rank === 0) throw new RangeError(`${op}: ${arg} must have at least one dimension, got a scalar`);
}

/** x viewed as [outer, size of axis, inner]. */
function around(shape: readonly number[], axis: number): { outer: number; r: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), r: shape[axis]!, inner: sizeOf(shape.slice(axis + 1)) };
}

function withAxis(shape: readonly number[], axis: number, size: number): number[] {
  return shape.map((d, i) => (i === axis ? size : d));
}

/** A position on an axis of length n: an integer in [−n, n], negative counting from the end. */
function position(op: string, arg: string, v: number, axis: number, shape: readonly number[]): number {
  const n = shape[axis]!;
  if (!Number.isInteger(v) || v < -n || v > n) {
    throw new RangeError(`${op}: ${arg} ${v} is out of range for axis ${axis} of size ${n} (x is ${formatShape(shape)})`);
  }
  return v < 0 ? v + n : v;
}

/**
 * x restricted to [start, end) along `axis` (Python's x[..., start:end, ...] on one axis: negative
 * positions count from the end; `end` defaults to the axis length). Positions outside [−n, n] and
 * start > end are errors, not clamped. Backward writes g into a zero tensor of x's shape.
 */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  checkTensor('slice', 'x', x);
  checkHasAxis('slice', 'x', x);
  const a = normAxis('slice', axis, x.rank);
  const s = position('slice', 'start', start, a, x.shape);
  const e = position('slice', 'end', end ?? x.shape[a]!, a, x.shape);
  if (s > e) throw new RangeError(`slice: start ${start} is after end ${end} on axis ${a} of size ${x.shape[a]} (x is ${formatShape(x.shape)})`);
  const shape = withAxis(x.shape, a, e - s);
  const xStrides = stridesOf(x.shape);
  const y = emptyTensor(x.device, shape, x.dtype);
  stridedCopy('slice', x, { offset: s * xStrides[a]!, strides: xStrides }, y, { offset: 0, strides: stridesOf(shape) }, shape);
  return record(y, 'slice', [x], (g) => {
    const dx = full(x.shape, 0, { device: g.device });
    stridedCopy('slice', g, { offset: 0, strides: stridesOf(shape) }, dx, { offset: s * xStrides[a]!, strides: xStrides }, shape);
    return [dx];
  });
}

/**
 * Joins tensors along `axis` (PyTorch's cat): all have one rank, one dtype and equal sizes on the
 * other axes. One copy per input into its block of the output; backward slices g.
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors as unknown) || tensors.length === 0) {
    throw new TypeError(`concat: tensors must be a non-empty list of tensors, got ${Array.isArray(tensors) ? 'an empty list' : typeof tensors}`);
  }
  tensors.forEach((t, k) => checkTensor('concat', `tensors[${k}]`, t));
  const first = tensors[0]!;
  checkHasAxis('concat', 'tensors[0]', first);
  const a = normAxis('concat', axis, first.rank);
  for (const [k, t] of tensors.entries()) {
    const same = t.rank === first.rank && t.shape.every((d, i) => i === a || d === first.shape[i]);
    if (!same) {
      const want = `[${first.shape.map((d, i) => (i === a ? '*' : d)).join(', ')}]`;
      throw new RangeError(`concat: tensors[${k}] has shape ${formatShape(t.shape)}, expected ${want} (the shape of tensors[0] on every axis but ${a})`);
    }
    if (t.dtype !== first.dtype) throw new TypeError(`concat: tensors[${k}] is ${t.dtype}, tensors[0] is ${first.dtype}`);
    checkSameDevice('concat', { 'tensors[0]': first, [`tensors[${k}]`]: t });
  }
  const sizes = tensors.map((t) => t.shape[a]!);
  const shape = withAxis(first.shape, a, sizes.reduce((n, d) => n + d, 0));
  const y = emptyTensor(first.device, shape, first.dtype);
  const yStrides = stridesOf(shape);
  let offset = 0;
  for (const t of tensors) {
    stridedCopy('concat', t, { offset: 0, strides: stridesOf(t.shape) }, y, { offset: offset * yStrides[a]!, strides: yStrides }, t.shape);
    offset += t.shape[a]!;
  }
  const starts = sizes.map((_, k) => sizes.slice(0, k).reduce((n, d) => n + d, 0));
  return record(y, 'concat', tensors, (g) =>
    tensors.map((t, k) => (t.requiresGrad ? slice(g, a, starts[k]!, starts[k]! + sizes[k]!) : null)));
}

const FLOAT_NAN_BITS = 0x7fc00000;
const INT32_MIN_BITS = 0x80000000;

/** The 32-bit pattern gather writes for an out-of-range index: `fill` in x's dtype, else NaN / i32 min. */
function fillBits(x: Tensor, fill: number | undefined): number {
  if (fill === undefined) return x.dtype === 'int32' ? INT32_MIN_BITS : FLOAT_NAN_BITS;
  if (typeof fill !== 'number' || (x.dtype === 'int32' && !Number.isInteger(fill))) {
    throw new TypeError(`gather: fill must be a number${x.dtype === 'int32' ? ' (an integer for int32 x)' : ''}, got ${fill}`);
  }
  return new Uint32Array((x.dtype === 'int32' ? Int32Array : Float32Array).of(fill).buffer)[0]!;
}

/**
 * Index select (PyTorch's index_select(x, axis, indices), TensorFlow's gather): y has x's shape with
 * the axis replaced by indices' length, and y[..., j, ...] = x[..., indices[j], ...]. `indices` is a
 * 1-D int32 tensor; repeats are allowed. Indices live on the GPU, so they are not checked on the host:
 * an index outside [0, n) never reads out of bounds, its slot is `opts.fill` (default NaN; int32 x:
 * −2147483648) and it gets no gradient. Backward is a deterministic scatter-add (see
 * kernels/gather.wgsl.ts).
 */
export function gather(x: Tensor, indices: Tensor, axis = 0, opts: { fill?: number } = {}): Tensor {
  checkTensor('gather', 'x', x);
  checkTensor('gather', 'indices', indices);
  if (indices.dtype !== 'int32') throw new TypeError(`gather: indices must be int32, got ${indices.dtype}`);
  if (indices.rank !== 1) throw new RangeError(`gather: indices must be 1-D, got shape ${formatShape(indices.shape)}`);
  checkSameDevice('gather', { x, indices });
  checkHasAxis('gather', 'x', x);
  const a = normAxis('gather', axis, x.rank);
  const { outer, r, inner } = around(x.shape, a);
  const m = indices.size;
  const y = emptyTensor(x.device, withAxis(x.shape, a, m), x.dtype);
  if (y.size > 0) {
    const width = inner % 4 === 0 ? 4 : 1;
    const params = new Uint32Array([outer, r, inner / width, m, fillBits(x, opts.fill)]);
    const grid = grid1d(Math.ceil(y.size / width / GATHER_RUN), GATHER_WORKGROUP);
    x.device.dispatch(gatherKernel(width), params, [x.buffer, indices.buffer, y.buffer], grid);
  }
  return record(y, 'gather', [x], (g) => [scatterAdd(g, indices, x.shape, a)], undefined, [indices]);
}

/** dx of x's shape with dx[..., k, ...] = Σ_{j : indices[j] = k} g[..., j, ...]. */
function scatterAdd(g: Tensor, indices: Tensor, shape: readonly number[], axis: number): Tensor {
  checkFloat('gather', 'gradient', g);
  const { outer, r, inner } = around(shape, axis);
  const m = indices.size;
  const dx = emptyTensor(g.device, shape, 'float32');
  if (dx.size === 0) return dx;
  const order = emptyTensor(g.device, [m], 'int32');
  if (m > 0) g.device.dispatch(sortIndicesKernel, new Uint32Array([m]), [indices.buffer, order.buffer], grid1d(m, GATHER_WORKGROUP));
  g.device.dispatch(scatterAddKernel, new Uint32Array([outer, r, inner, m]), [g.buffer, indices.buffer, order.buffer, dx.buffer], grid1d(dx.size, GATHER_WORKGROUP));
  order.dispose();
  return dx;
}
