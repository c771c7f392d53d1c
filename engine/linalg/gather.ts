/** Sorted, normalised vectors out of a Jacobi solver's row-major working matrix (kernels/jacobi-gather.wgsl.ts). */
import { GATHER_WORKGROUP, gatherNormalizedKernel } from '../../kernels/jacobi-gather.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import type { Device } from '../device.js';
import { emptyTensor, type Tensor } from '../tensor.js';
import { rowStats } from './matrix-stats.js';

/**
 * out [rows, order.length]: column j is row order[j] of `src` ([srcRows, stride]), first `rows`
 * entries, divided by that row's full norm.
 */
export function gatherColumns(device: Device, src: GPUBuffer, srcRows: number, stride: number, order: readonly number[], rows: number): Tensor {
  const stats = rowStats(device, src, srcRows, stride);
  const perm = device.allocate(order.length * 4, true);
  device.upload(perm, Uint32Array.from(order));
  const out = emptyTensor(device, [rows, order.length]);
  device.dispatch(gatherNormalizedKernel(), new Uint32Array([rows, order.length, stride]), [src, stats, perm, out.buffer], grid1d(rows * order.length, GATHER_WORKGROUP));
  device.release(stats);
  device.release(perm);
  return out;
}
