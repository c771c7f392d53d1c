/**
 * crossEntropy(logits [N, C], labels int32 [N]): softmax cross-entropy in one fused kernel forward
 * and one backward (kernels/cross-entropy.wgsl.ts), with an optional class mask for class-incremental
 * learning. oneHot(labels, C) encodes labels as rows of 0/1.
 */
import { CROSS_ENTROPY_REDUCED_ROWS, CROSS_ENTROPY_WORKGROUP, crossEntropyBackwardKernel, crossEntropyKernel } from '../../kernels/cross-entropy.wgsl.js';
import { ONE_HOT_WORKGROUP, oneHotKernel } from '../../kernels/one-hot.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import { graphOnly, isGradEnabled, noGrad, record } from '../autograd.js';
import { formatShape } from '../shape.js';
import { emptyTensor, type Tensor } from '../tensor.js';
import { checkFloat, checkSameDevice, checkTensor } from './map.js';
import { sum } from './reduce.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface CrossEntropyOptions {
  /** 'mean' (default) over the N rows, 'sum', or 'none' (per-row losses [N]). */
  reduction?: Reduction;
  /**
   * float32 [C], nonzero for the classes that take part in the softmax (e.g. the classes seen so
   * far); the others get no probability and no gradient. Every label must be an active class.
   */
  classMask?: Tensor;
}

const BACKWARD = [crossEntropyBackwardKernel(false), crossEntropyBackwardKernel(true)];

/**
 * Mean (or sum, or per-row) of −log softmax(logits)[n, labels[n]] over the active classes. Labels are
 * on the GPU and not checked on the host: a label outside [0, C), or of a masked-out class, makes its
 * row's loss (hence a mean or sum) NaN, and its gradient row NaN; it never reads out of bounds.
 */
export function crossEntropy(logits: Tensor, labels: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  checkTensor('crossEntropy', 'logits', logits);
  checkFloat('crossEntropy', 'logits', logits);
  checkTensor('crossEntropy', 'labels', labels);
  if (logits.rank !== 2) throw new RangeError(`crossEntropy: logits must be 2-D [N, C], got ${formatShape(logits.shape)}`);
  const [N, C] = logits.shape as [number, number];
  if (N === 0 || C === 0) throw new RangeError(`crossEntropy: logits must have at least one row and one class, got ${formatShape(logits.shape)}`);
  if (labels.dtype !== 'int32') throw new TypeError(`crossEntropy: labels must be int32 class indices, got ${labels.dtype}`);
  if (labels.rank !== 1 || labels.shape[0] !== N) {
    throw new RangeError(`crossEntropy: labels must be [N] = [${N}] (one class per row of logits ${formatShape(logits.shape)}), got ${formatShape(labels.shape)}`);
  }
  const reduction = opts.reduction ?? 'mean';
  if (!['mean', 'sum', 'none'].includes(reduction)) {
    throw new RangeError(`crossEntropy: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  }
  const mask = opts.classMask;
  if (mask !== undefined) {
    checkTensor('crossEntropy', 'classMask', mask);
    checkFloat('crossEntropy', 'classMask', mask);
    if (mask.rank !== 1 || mask.shape[0] !== C) throw new RangeError(`crossEntropy: classMask must be [C] = [${C}], got ${formatShape(mask.shape)}`);
  }
  checkSameDevice('crossEntropy', { logits, labels, classMask: mask });

  const masked = mask ? 1 : 0;
  const scale = reduction === 'mean' ? 1 / N : 1;
  const params = (gStride: number) => {
    const u = new Uint32Array([N, C, 0, gStride]);
    new Float32Array(u.buffer)[2] = scale;
    return u;
  };
  const inputs = () => [logits.buffer, labels.buffer, ...(mask ? [mask.buffer] : [])];
  // Small batches reduce inside the kernel; large ones write rows and sum them.
  const reduced = reduction !== 'none' && N <= CROSS_ENTROPY_REDUCED_ROWS;
  const rows = emptyTensor(logits.device, reduced ? [] : [N], 'float32');
  const grid = reduced ? [1, 1, 1] as const : grid1d(N, CROSS_ENTROPY_WORKGROUP);
  // A reduced loss that is recorded also writes its gradient for g = 1 (what backward() from it asks).
  const unitDx = reduced && isGradEnabled() && logits.requiresGrad ? graphOnly(emptyTensor(logits.device, [N, C], 'float32')) : null;
  const kernel = crossEntropyKernel({ masked: mask !== undefined, reduced, grad: unitDx !== null });
  logits.device.dispatch(kernel, params(0), [...inputs(), rows.buffer, ...(unitDx ? [unitDx.buffer] : [])], grid);
  let loss = rows;
  if (reduction !== 'none' && !reduced) {
    loss = noGrad(() => sum(rows));
    rows.dispose();
  }
  const unitBackward = unitDx ? () => [unitDx] : undefined;
  return record(loss, 'crossEntropy', [logits], (g) => {
    const dx = emptyTensor(g.device, [N, C], 'float32');
    g.device.dispatch(BACKWARD[masked]!, params(reduction === 'none' ? 1 : 0), [...inputs(), g.buffer, dx.buffer], grid1d(N, CROSS_ENTROPY_WORKGROUP));
    return [dx];
  }, unitBackward, [labels, ...(mask ? [mask] : []), ...(unitDx ? [unitDx] : [])]);
}

/** float32 [..., C] with 1 where labels[...] = c (int32 labels; a label outside [0, C) gives zeros). */
export function oneHot(labels: Tensor, C: number): Tensor {
  checkTensor('oneHot', 'labels', labels);
  if (labels.dtype !== 'int32') throw new TypeError(`oneHot: labels must be int32 class indices, got ${labels.dtype}`);
  if (!Number.isInteger(C) || C < 1) throw new RangeError(`oneHot: number of classes must be a positive integer, got ${C}`);
  const out = emptyTensor(labels.device, [...labels.shape, C], 'float32');
  if (out.size > 0) {
    labels.device.dispatch(oneHotKernel, new Uint32Array([labels.size, C]), [labels.buffer, out.buffer], grid1d(out.size, ONE_HOT_WORKGROUP));
  }
  return out;
}
