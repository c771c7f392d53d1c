/**
 * Reductions over axes: sum, mean, max, min (differentiable), argmax, argmin (int32 indices).
 * Reduced axes that are adjacent merge into one; others reduce one after another, each a view of
 * the input as [outer, r, inner] for the kernel in kernels/reduce.wgsl.ts, or, on a device whose
 * reduce variant is `workgroup` (engine/kernel-variants.ts), for kernels/reduce-workgroup.wgsl.ts
 * where the axis is contiguous (inner = 1) and long.
 */
import { grid1d } from '../../kernels/spec.js';
import { WORKGROUP_REDUCE_SIZE, workgroupReduceKernel } from '../../kernels/reduce-workgroup.wgsl.js';
import { REDUCE_WORKGROUP, reduceKernel, type ReduceOp } from '../../kernels/reduce.wgsl.js';
import { noGrad, record } from '../autograd.js';
import { formatShape, normAxes, normAxis, sizeOf } from '../shape.js';
import { emptyTensor, type Tensor } from '../tensor.js';
import { clone, div, eq, mul } from './elementwise.js';
import { checkFloat, checkTensor } from './map.js';
import { broadcastTo, reshape } from './shape.js';

/** Outputs below which a long axis is split into chunks reduced in a first pass. */
const MIN_PARALLEL_OUTPUTS = 4096;
const CHUNK = 256;
/** Workgroup variant: a chunk of 16 values per invocation in a first pass; chunks shorter than half a workgroup stay per-output. */
const WORKGROUP_CHUNK = 16 * WORKGROUP_REDUCE_SIZE;
const WORKGROUP_MIN_CHUNK = WORKGROUP_REDUCE_SIZE / 2;

/** Whether a pass over chunks of `chunk` values runs one workgroup per output on this device. */
function byWorkgroup(x: Tensor, inner: number, chunk: number): boolean {
  return x.device.kernelVariants.reduce !== 'per-output' && inner === 1 && chunk >= WORKGROUP_MIN_CHUNK;
}

function reducePass(op: ReduceOp, x: Tensor, outer: number, r: number, inner: number, chunk: number): Tensor {
  const chunks = Math.ceil(r / chunk);
  const out = emptyTensor(x.device, [outer, chunks, inner], op === 'argmax' || op === 'argmin' ? 'int32' : 'float32');
  const params = new Uint32Array([outer, r, inner, chunk]);
  const subgroups = op === 'sum' && x.device.kernelVariants.reduce === 'workgroup-subgroups';
  if (byWorkgroup(x, inner, chunk)) x.device.dispatch(workgroupReduceKernel({ op, subgroups }), params, [x.buffer, out.buffer], grid1d(out.size, 1));
  else x.device.dispatch(reduceKernel(op), params, [x.buffer, out.buffer], grid1d(out.size, REDUCE_WORKGROUP));
  return out;
}

/** Reduces one axis of x (as [outer, r, inner]); returns [outer, inner] data. */
function reduceAxis(op: ReduceOp, x: Tensor, outer: number, r: number, inner: number): Tensor {
  const isArg = op === 'argmax' || op === 'argmin';
  const chunk = byWorkgroup(x, inner, r) ? WORKGROUP_CHUNK : CHUNK;
  if (isArg || r <= chunk || outer * inner >= MIN_PARALLEL_OUTPUTS) return reducePass(op, x, outer, r, inner, Math.max(r, 1));
  const partial = reducePass(op, x, outer, r, inner, chunk);
  const out = reduceAxis(op, partial, outer, partial.shape[1]!, inner);
  partial.dispose();
  return out;
}

/** Groups sorted axes into runs of adjacent axes. */
function runsOf(axes: readonly number[]): number[][] {
  const runs: number[][] = [];
  for (const a of axes) {
    const last = runs[runs.length - 1];
    if (last && last[last.length - 1] === a - 1) last.push(a);
    else runs.push([a]);
  }
  return runs;
}

/** Raw reduction (no autograd) over sorted axes; the result keeps reduced dims as 1. */
function reduceRaw(op: ReduceOp, x: Tensor, axes: readonly number[]): Tensor {
  if (axes.length === 0) return noGrad(() => clone(x));
  let cur = x;
  let shape = [...x.shape];
  // Last run first, so that earlier axis numbers stay valid.
  for (const run of runsOf(axes).reverse()) {
    const first = run[0]!;
    const last = run[run.length - 1]!;
    const outer = sizeOf(shape.slice(0, first));
    const r = sizeOf(shape.slice(first, last + 1));
    const inner = sizeOf(shape.slice(last + 1));
    const next = reduceAxis(op, cur, outer, r, inner);
    if (cur !== x) cur.dispose();
    shape = shape.map((d, i) => (i >= first && i <= last ? 1 : d));
    cur = next;
  }
  return reshapeOwned(cur, shape);
}

export interface ReduceOptions {
  keepDims?: boolean;
}

type Axes = number | readonly number[] | undefined;

function finalShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  return keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

function prepare(op: string, x: Tensor, axis: Axes): number[] {
  checkTensor(op, 'x', x);
  checkFloat(op, 'x', x);
  const axes = normAxes(op, axis, x.rank);
  for (const a of axes) {
    if (x.shape[a] === 0) throw new RangeError(`${op}: cannot reduce over axis ${a} of size 0 (shape ${formatShape(x.shape)})`);
  }
  return axes;
}

/** Σ over axes (all by default). Backward: broadcast g back to x's shape. */
export function sum(x: Tensor, axis?: Axes, opts: ReduceOptions = {}): Tensor {
  const axes = prepare('sum', x, axis);
  const kept = reduceRaw('sum', x, axes);
  const y = opts.keepDims ? kept : reshapeOwned(kept, finalShape(x.shape, axes, false));
  return record(y, 'sum', [x], (g) => [broadcastTo(reshape(g, finalShape(x.shape, axes, true)), x.shape)]);
}

/** Mean over axes: sum / count. */
export function mean(x: Tensor, axis?: Axes, opts: ReduceOptions = {}): Tensor {
  const axes = prepare('mean', x, axis);
  const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
  return div(sum(x, axes, opts), count);
}

/** max/min over axes; the gradient flows to the elements equal to the result (ties share it). */
function extremum(op: 'max' | 'min', x: Tensor, axis: Axes, opts: ReduceOptions): Tensor {
  const axes = prepare(op, x, axis);
  const kept = reduceRaw(op, x, axes);
  const y = opts.keepDims ? kept : reshapeOwned(kept, finalShape(x.shape, axes, false));
  return record(y, op, [x], (g) => {
    const keptShape = finalShape(x.shape, axes, true);
    const mask = eq(x, reshape(y, keptShape));
    const count = sum(mask, axes, { keepDims: true });
    return [mul(mask, div(reshape(g, keptShape), count))];
  });
}

export const max = (x: Tensor, axis?: Axes, opts: ReduceOptions = {}): Tensor => extremum('max', x, axis, opts);
export const min = (x: Tensor, axis?: Axes, opts: ReduceOptions = {}): Tensor => extremum('min', x, axis, opts);

/**
 * Index (int32) of the largest element along one axis; first on ties. NaN counts as larger than any
 * number (PyTorch's rule): a line holding NaN gives the index of its first NaN. argmin likewise
 * (NaN counts as smaller than any number); max and min of such a line are NaN.
 */
export function argmax(x: Tensor, axis = -1, opts: ReduceOptions = {}): Tensor {
  return argReduce('argmax', x, axis, opts);
}

export function argmin(x: Tensor, axis = -1, opts: ReduceOptions = {}): Tensor {
  return argReduce('argmin', x, axis, opts);
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number, opts: ReduceOptions): Tensor {
  checkTensor(op, 'x', x);
  checkFloat(op, 'x', x);
  const a = normAxis(op, axis, x.rank);
  if (x.shape[a] === 0) throw new RangeError(`${op}: axis ${a} has size 0`);
  const out = reducePass(op, x, sizeOf(x.shape.slice(0, a)), x.shape[a]!, sizeOf(x.shape.slice(a + 1)), x.shape[a]!);
  return reshapeOwned(out, finalShape(x.shape, [a], opts.keepDims ?? false));
}

/** A view of t with another shape; t itself is disposed (its storage lives on in the view). */
function reshapeOwned(t: Tensor, shape: readonly number[]): Tensor {
  const v = t.view(shape);
  t.dispose();
  return v;
}

/** Sums g over the broadcast dimensions so that it has `shape` (the unbroadcast of a gradient). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = axes.length ? sum(g, axes, { keepDims: true }) : g;
  return reshape(s, shape);
}
