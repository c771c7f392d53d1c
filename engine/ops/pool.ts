/**
 * 2-D pooling over NCHW tensors with PyTorch semantics (kernels/pool.wgsl.ts):
 * maxPool2d, avgPool2d (fixed windows, stride defaults to the kernel, padding ≤ kernel/2) and
 * adaptiveMaxPool2d, adaptiveAvgPool2d (window i of o over n covers [floor(i·n/o), ceil((i+1)·n/o))).
 *
 * Max pooling sends the gradient to the first maximum of each window. When the op is recorded for
 * autograd the forward also writes the argmax positions (int32), which the backward reads and then
 * frees; every backward is a per-input-pixel gather (deterministic, no atomics). Adaptive windows
 * that divide the input evenly are fixed windows that tile it, and run as such.
 */
import { POOL_WORKGROUP, poolBackwardKernel, poolCells, poolKernel, poolTiles, type PoolVariant } from '../../kernels/pool.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import { window2dParams, type Window2d } from '../../kernels/window2d.js';
import { graphOnly, isGradEnabled, record } from '../autograd.js';
import { formatShape } from '../shape.js';
import { emptyTensor, type Tensor } from '../tensor.js';
import { checkFloat, checkTensor } from './map.js';
import { check4d, pairOf, windowGeometry, type Pair } from './window2d.js';

export interface Pool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: Pair;
  /** Implicit padding on both sides, at most half the kernel (default 0). */
  padding?: Pair;
}

export interface AvgPool2dOptions extends Pool2dOptions {
  /** Divide by kh·kw even where the window overlaps the padding (default true, as PyTorch). */
  countIncludePad?: boolean;
}

function checkInput(op: string, x: Tensor): void {
  checkTensor(op, 'x', x);
  checkFloat(op, 'x', x);
  check4d(op, 'x', x, '[N, C, H, W]');
}

function fixedWindows(op: string, x: Tensor, kernel: Pair, opts: Pool2dOptions): Window2d {
  checkInput(op, x);
  const k = pairOf(op, 'kernel', kernel, 1);
  const padding = pairOf(op, 'padding', opts.padding ?? 0, 0);
  if (padding[0] > k[0] / 2 || padding[1] > k[1] / 2) {
    throw new RangeError(`${op}: padding ${padding.join('×')} must be at most half the kernel ${k.join('×')}`);
  }
  return windowGeometry(op, x.shape, k, { stride: opts.stride ?? k, padding });
}

/**
 * Adaptive windows. When oh divides H and ow divides W, window i covers [i·H/oh, (i+1)·H/oh): the
 * fixed windows kernel = stride = (H/oh, W/ow), which tile the input (the fast backward).
 */
function adaptiveWindows(op: string, x: Tensor, outputSize: Pair): { w: Window2d; adaptive: boolean } {
  checkInput(op, x);
  const out = pairOf(op, 'outputSize', outputSize, 1);
  const [H, W] = [x.shape[2]!, x.shape[3]!];
  if (H === 0 || W === 0) throw new RangeError(`${op}: x has an empty plane (x is ${formatShape(x.shape)})`);
  if (H % out[0] === 0 && W % out[1] === 0) {
    const k: [number, number] = [H / out[0], W / out[1]];
    return { w: { size: [H, W], out, kernel: k, stride: k, padding: [0, 0], dilation: [1, 1] }, adaptive: false };
  }
  // kernel, stride, padding and dilation are not used by the adaptive rule.
  return { w: { size: [H, W], out, kernel: [1, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1] }, adaptive: true };
}

function pool(op: string, x: Tensor, w: Window2d, v: PoolVariant, includePad: boolean): Tensor {
  const [N, C] = x.shape as [number, number];
  const out = emptyTensor(x.device, [N, C, ...w.out]);
  const flag = includePad ? 1 : 0;
  const withIndices = v.op === 'max' && isGradEnabled() && x.requiresGrad;
  const argmax = withIndices ? graphOnly(emptyTensor(x.device, out.shape, 'int32')) : null;
  if (out.size > 0) {
    const buffers = [x.buffer, out.buffer, ...(argmax ? [argmax.buffer] : [])];
    x.device.dispatch(poolKernel({ ...v, indices: withIndices }), window2dParams(w, N * C, C, out.size, flag), buffers, grid1d(out.size, POOL_WORKGROUP));
  }
  return record(out, op, [x], (g) => {
    const dx = emptyTensor(x.device, x.shape);
    const cells = poolCells(w, v.adaptive);
    const invocations = N * C * cells[0] * cells[1];
    if (invocations > 0) {
      const buffers = [g.buffer, ...(argmax ? [argmax.buffer] : []), dx.buffer];
      x.device.dispatch(poolBackwardKernel({ ...v, tiles: !v.adaptive && poolTiles(w) }), window2dParams(w, N * C, C, invocations, flag, cells), buffers, grid1d(invocations, POOL_WORKGROUP));
    }
    return [dx];
  }, undefined, argmax ? [argmax] : []);
}

/** Max over kernel windows: [N, C, H, W] → [N, C, Ho, Wo] (padding counts as −∞). */
export function maxPool2d(x: Tensor, kernel: Pair, opts: Pool2dOptions = {}): Tensor {
  return pool('maxPool2d', x, fixedWindows('maxPool2d', x, kernel, opts), { op: 'max', adaptive: false }, false);
}

/** Mean over kernel windows; padding counts as 0 and, with countIncludePad, in the divisor. */
export function avgPool2d(x: Tensor, kernel: Pair, opts: AvgPool2dOptions = {}): Tensor {
  const w = fixedWindows('avgPool2d', x, kernel, opts);
  return pool('avgPool2d', x, w, { op: 'avg', adaptive: false }, opts.countIncludePad ?? true);
}

/** Max over adaptive windows: [N, C, H, W] → [N, C, oh, ow]. */
export function adaptiveMaxPool2d(x: Tensor, outputSize: Pair): Tensor {
  const { w, adaptive } = adaptiveWindows('adaptiveMaxPool2d', x, outputSize);
  return pool('adaptiveMaxPool2d', x, w, { op: 'max', adaptive }, false);
}

/** Mean over adaptive windows: [N, C, H, W] → [N, C, oh, ow]. */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  const { w, adaptive } = adaptiveWindows('adaptiveAvgPool2d', x, outputSize);
  return pool('adaptiveAvgPool2d', x, w, { op: 'avg', adaptive }, false);
}
