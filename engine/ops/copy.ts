/**
 * Runs the strided copy kernel (kernels/strided-copy.wgsl.ts) between two tensors' buffers. Shared by
 * permute, slice and concat; no autograd here (the ops record their own backward).
 */
import { COPY_MAX_RANK, COPY_WORKGROUP, copyParams, stridedCopyKernel } from '../../kernels/strided-copy.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import { formatShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';

export interface StridedView {
  offset: number;
  strides: readonly number[];
}

/**
 * Drops size-1 dimensions and merges dimension d into d−1 wherever both views step over them as one
 * run (stride[d−1] = stride[d]·shape[d] in each), so the kernel does less index arithmetic.
 */
export function mergeDims(shape: readonly number[], views: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const out: number[] = [];
  const strides: number[][] = views.map(() => []);
  shape.forEach((size, d) => {
    if (size === 1) return;
    const last = out.length - 1;
    if (last >= 0 && views.every((st, k) => strides[k]![last] === st[d]! * size)) {
      out[last]! *= size;
      views.forEach((st, k) => { strides[k]![last] = st[d]!; });
    } else {
      out.push(size);
      views.forEach((st, k) => strides[k]!.push(st[d]!));
    }
  });
  return { shape: out, strides };
}

/** The uniform and grid of one copy; planning throws (before anything is allocated) if it needs too many dimensions. */
export interface CopyPlan {
  params: Uint32Array;
  n: number;
}

export function planCopy(op: string, shape: readonly number[], from: StridedView, to: StridedView): CopyPlan {
  const merged = mergeDims(shape, [from.strides, to.strides]);
  if (merged.shape.length > COPY_MAX_RANK) {
    throw new RangeError(`${op}: the copy of a ${formatShape(shape)} block needs ${merged.shape.length} dimensions, at most ${COPY_MAX_RANK} are supported`);
  }
  return { params: copyParams(merged.shape, merged.strides[0]!, from.offset, merged.strides[1]!, to.offset), n: sizeOf(shape) };
}

export function runCopy(plan: CopyPlan, src: Tensor, dst: Tensor): void {
  if (plan.n > 0) src.device.dispatch(stridedCopyKernel, plan.params, [src.buffer, dst.buffer], grid1d(plan.n, COPY_WORKGROUP));
}

/** dst[dst.offset + Σ c·dst.strides] = src[src.offset + Σ c·src.strides] for every index c of `shape`. */
export function stridedCopy(op: string, src: Tensor, from: StridedView, dst: Tensor, to: StridedView, shape: readonly number[]): void {
  runCopy(planCopy(op, shape, from, to), src, dst);
}
