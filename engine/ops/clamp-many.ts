/**
 * clampMany(xs, lo, hi): each tensor clamped to [lo, hi] as a new tensor, up to four per dispatch
 * (kernels/clamp-many.wgsl.ts; as vec4s when all four lengths allow). Not differentiable: it serves gradient clipping, which replaces
 * gradients outside the graph.
 */
import { CLAMP_MANY_SPAN, CLAMP_MANY_TENSORS, clampManyKernel, clampManyParams } from '../../kernels/clamp-many.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import { emptyTensor, type Tensor } from '../tensor.js';
import { checkFloat, checkTensor } from './map.js';

/**
 * What clampMany made a tensor from: the source's buffer and version then, the bounds as the kernel
 * used them, and the output's version then. Consumers that can clamp themselves read the source
 * instead (the factored projected step: one load less per element).
 */
export interface ClampOrigin {
  sourceBuffer: GPUBuffer;
  sourceVersion: number;
  version: number;
  lo: number;
  hi: number;
}

const origins = new WeakMap<Tensor, ClampOrigin>();

/**
 * How clampMany made `t` from `source`, or null unless it did and neither tensor was written since
 * (source may be any live tensor on the same storage, e.g. a view kept elsewhere).
 */
export function clampOrigin(t: Tensor, source: Tensor): ClampOrigin | null {
  const o = origins.get(t);
  if (!o || t.disposed || source.disposed) return null;
  return o.sourceBuffer === source.buffer && o.sourceVersion === source.version && o.version === t.version ? o : null;
}

export function clampMany(xs: readonly Tensor[], lo: number, hi: number): Tensor[] {
  if (!(lo <= hi)) throw new RangeError(`clampMany: lo (${lo}) must be ≤ hi (${hi})`);
  xs.forEach((x, j) => { checkTensor('clampMany', `xs[${j}]`, x); checkFloat('clampMany', `xs[${j}]`, x); });
  const outs = xs.map((x) => emptyTensor(x.device, x.shape));
  const [l, h] = [Math.max(lo, -3.4e38), Math.min(hi, 3.4e38)];
  for (let start = 0; start < xs.length; start += CLAMP_MANY_TENSORS) {
    const group = xs.slice(start, start + CLAMP_MANY_TENSORS);
    const width = group.every((x) => x.size % 4 === 0) ? 4 : 1;
    const sizes = group.map((x) => x.size / width);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total === 0) continue;
    const buffers = group.flatMap((x, j) => [x.buffer, outs[start + j]!.buffer]);
    const kernel = clampManyKernel({ count: group.length, width });
    group[0]!.device.dispatch(kernel, new Uint8Array(clampManyParams(sizes, l, h)), buffers, grid1d(total, CLAMP_MANY_SPAN));
  }
  xs.forEach((x, j) => origins.set(outs[j]!, { sourceBuffer: x.buffer, sourceVersion: x.version, version: outs[j]!.version, lo: l, hi: h }));
  return outs;
}
