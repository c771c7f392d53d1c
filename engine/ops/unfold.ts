/**
 * unfold, unfoldRows and fold: the patch matrix of a 2-D convolution (im2col) and its adjoint
 * (col2im), kernels in kernels/unfold.wgsl.ts. Each is the other's backward.
 *
 * - `unfold(x, kernel, opts)`: PyTorch's F.unfold, [N, C, H, W] → [N, C·kh·kw, L] (L = Ho·Wo), each
 *   column one patch with its entries ordered like the flattened kernel (c, ky, kx).
 * - `unfoldRows(x, kernel, opts)`: the same patches as rows, [N·L, C·kh·kw] (row n·L + l is patch l
 *   of sample n). This is the layout gradient-projection methods accumulate covariances of
 *   (Σ rowᵀ·row = unfoldRowsᵀ · unfoldRows, one matmul).
 * - `fold(cols, [H, W], kernel, opts)`: PyTorch's F.fold, [N, C·kh·kw, L] → [N, C, H, W], summing
 *   overlapping entries.
 */
import type { PatchLayout } from '../../kernels/unfold.wgsl.js';
import { record } from '../autograd.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkFloat, checkTensor } from './map.js';
import { foldRaw, unfoldRaw } from './patches.js';
import { check4d, pairOf, windowGeometry, type Pair, type Window2dOptions } from './window2d.js';

export type { Pair, Window2dOptions } from './window2d.js';

function patches(op: string, layout: PatchLayout, x: Tensor, kernel: Pair, opts: Window2dOptions): Tensor {
  checkTensor(op, 'x', x);
  checkFloat(op, 'x', x);
  check4d(op, 'x', x, '[N, C, H, W]');
  const w = windowGeometry(op, x.shape, pairOf(op, 'kernel', kernel, 1), opts);
  const [N, C] = x.shape as [number, number];
  return record(unfoldRaw(op, x, w, layout), op, [x], (g) => [foldRaw(g, w, layout, N, C)]);
}

/** F.unfold: [N, C, H, W] → [N, C·kh·kw, Ho·Wo]. */
export function unfold(x: Tensor, kernel: Pair, opts: Window2dOptions = {}): Tensor {
  return patches('unfold', 'cols', x, kernel, opts);
}

/** One row per patch: [N, C, H, W] → [N·Ho·Wo, C·kh·kw] (rows of sample n are n·L … n·L + L − 1). */
export function unfoldRows(x: Tensor, kernel: Pair, opts: Window2dOptions = {}): Tensor {
  return patches('unfoldRows', 'rows', x, kernel, opts);
}

/** F.fold: [N, C·kh·kw, L] → [N, C, H, W] with H, W = outputSize; L must be the number of windows. */
export function fold(cols: Tensor, outputSize: Pair, kernel: Pair, opts: Window2dOptions = {}): Tensor {
  checkTensor('fold', 'cols', cols);
  checkFloat('fold', 'cols', cols);
  if (cols.rank !== 3) throw new RangeError(`fold: cols must be 3-D [N, C·kh·kw, L], got ${formatShape(cols.shape)}`);
  const [H, W] = pairOf('fold', 'outputSize', outputSize, 1);
  const k = pairOf('fold', 'kernel', kernel, 1);
  const [N, K, L] = cols.shape as [number, number, number];
  if (K % (k[0] * k[1]) !== 0) {
    throw new RangeError(`fold: cols has ${K} rows, not a multiple of the kernel's ${k[0]}×${k[1]} = ${k[0] * k[1]} taps (cols is ${formatShape(cols.shape)})`);
  }
  const C = K / (k[0] * k[1]);
  const w = windowGeometry('fold', [N, C, H, W], k, opts);
  if (L !== w.out[0] * w.out[1]) {
    throw new RangeError(`fold: cols has ${L} patches but a ${H}×${W} output with this kernel, stride, padding and dilation has ${w.out[0]}×${w.out[1]} = ${w.out[0] * w.out[1]} (cols is ${formatShape(cols.shape)})`);
  }
  return record(foldRaw(cols, w, 'cols', N, C), 'fold', [cols], (g) => [unfoldRaw('fold', g, w, 'cols')]);
}
