/**
 * In-place copies into existing tensors (loading state dicts and optimizer state). A GPU source is
 * copied by the command encoder, after the work already encoded and before any encoded later; host
 * data is uploaded to a fresh buffer first and copied the same way, so no pending dispatch sees it
 * early.
 */
import { noGrad } from '../engine/autograd.js';
import { tensor } from '../engine/ops/creation.js';
import { clone } from '../engine/ops/elementwise.js';
import { keep } from '../engine/scope.js';
import { formatShape } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';
import type { HostTensor } from './io/format.js';

export type TensorLike = Tensor | HostTensor;

/** Throws unless src has dst's shape and dtype; the message names `what` and both shapes. */
export function checkSameLayout(op: string, what: string, dst: Tensor, src: TensorLike): void {
  const same = src.shape.length === dst.shape.length && src.shape.every((d, i) => d === dst.shape[i]);
  if (!same) throw new RangeError(`${op}: shape mismatch for '${what}': the state has ${formatShape(src.shape)}, the target has ${formatShape(dst.shape)}`);
  if (src.dtype !== dst.dtype) throw new TypeError(`${op}: dtype mismatch for '${what}': the state has ${src.dtype}, the target has ${dst.dtype}`);
}

/** dst ← src (same shape and dtype, checked by the caller); a no-op when src shares dst's buffer. */
export function assign(dst: Tensor, src: TensorLike): void {
  if (dst.size === 0 || (src instanceof Tensor && src.buffer === dst.buffer)) return;
  const from = src instanceof Tensor ? src : tensor(src.data, src.shape, { dtype: src.dtype, device: dst.device });
  dst.device.batcher.copy(from.buffer, 0, dst.buffer, 0, dst.size * 4);
  dst.bumpVersion();
  if (from !== src) from.dispose();
}

/**
 * A new tensor with src's values, kept out of every scope: a GPU copy of a tensor, an upload of host
 * data (nn.io). For loading state that must not share the source's buffers.
 */
export function copyOf(src: TensorLike): Tensor {
  return keep(src instanceof Tensor ? noGrad(() => clone(src)) : tensor(src.data, src.shape, { dtype: src.dtype }));
}
