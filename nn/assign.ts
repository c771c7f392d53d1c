/**
 * In-place copies into existing tensors (loading state dicts and optimizer state). A GPU source is
 * copied by the command encoder, after the work already encoded and before any encoded later; host
 * data is uploaded to a fresh buffer first and copied the same way, so no pending dispatch sees it
 * early.
 */
import { tensor } from '../engine/ops/creation.js';
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
