/**
 * Dispatches of the patch kernels (kernels/unfold.wgsl.ts) without autograd, for the public ops in
 * unfold.ts and for conv2d.
 */
import { foldKernel, UNFOLD_WORKGROUP, unfoldKernel, type PatchLayout } from '../../kernels/unfold.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import { window2dParams, type Window2d } from '../../kernels/window2d.js';
import { formatShape } from '../shape.js';
import { emptyTensor, type Tensor } from '../tensor.js';

/**
 * Patches of x [N, C, H, W] (no autograd); `onesRow` appends an entry 1 to every patch. `op` names
 * the caller in the error raised when the patches do not fit in one storage binding.
 */
export function unfoldRaw(op: string, x: Tensor, w: Window2d, layout: PatchLayout, onesRow = false): Tensor {
  const [N, C] = x.shape as [number, number];
  const K = C * w.kernel[0] * w.kernel[1] + (onesRow ? 1 : 0), L = w.out[0] * w.out[1];
  const bytes = N * K * L * 4, max = x.device.limits.maxStorageBufferBindingSize;
  if (bytes > max) {
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
    throw new RangeError(`${op}: the patch matrix of x ${formatShape(x.shape)} is [${N}, ${K}, ${L}] (${mib(bytes)}), more than this adapter's largest storage binding (${mib(max)}); use a smaller batch`);
  }
  const out = emptyTensor(x.device, layout === 'rows' ? [N * L, K] : [N, K, L]);
  if (out.size > 0) {
    const invocations = N * C * L; // one per (n, c, patch)
    x.device.dispatch(unfoldKernel(layout), window2dParams(w, N, C, invocations, onesRow ? 1 : 0), [x.buffer, out.buffer], grid1d(invocations, UNFOLD_WORKGROUP));
  }
  return out;
}

/** Adjoint of unfoldRaw: patches back to [N, C, H, W], overlapping entries summed (no autograd). */
export function foldRaw(cols: Tensor, w: Window2d, layout: PatchLayout, N: number, C: number): Tensor {
  const dx = emptyTensor(cols.device, [N, C, w.size[0], w.size[1]]);
  if (dx.size > 0) {
    cols.device.dispatch(foldKernel(layout), window2dParams(w, N, C, dx.size), [cols.buffer, dx.buffer], grid1d(dx.size, UNFOLD_WORKGROUP));
  }
  return dx;
}
