/**
 * Float64 CPU references for kernels/pool.wgsl.ts. The backward is written as a scatter over
 * windows (the GPU gathers over the windows containing each pixel), so the two derivations check
 * each other.
 */
import type { PoolVariant } from './pool.wgsl.js';
import type { Window2d } from './window2d.js';

/** [start, end) of window i along axis a, and the divisor's share (countIncludePad or in-bounds). */
function span(w: Window2d, adaptive: boolean, includePad: boolean, a: 0 | 1, i: number): { lo: number; hi: number; count: number } {
  const n = w.size[a], o = w.out[a];
  const start = adaptive ? Math.floor((i * n) / o) : i * w.stride[a] - w.padding[a];
  const end = adaptive ? Math.ceil(((i + 1) * n) / o) : start + w.kernel[a];
  const lo = Math.max(start, 0), hi = Math.min(end, n);
  return { lo, hi, count: includePad && !adaptive ? w.kernel[a] : hi - lo };
}

export interface PoolResult {
  out: Float64Array;
  /** Position iy·W + ix in the plane of each window's maximum (first on ties, first NaN if any); max only. */
  argmax: Int32Array;
}

/** Pools `planes` planes of x ([planes, H, W]). */
export function poolReference(x: ArrayLike<number>, planes: number, w: Window2d, v: PoolVariant, includePad = true): PoolResult {
  const [H, W] = w.size, [Ho, Wo] = w.out;
  const out = new Float64Array(planes * Ho * Wo);
  const argmax = new Int32Array(out.length);
  for (let pl = 0; pl < planes; pl++) for (let oy = 0; oy < Ho; oy++) for (let ox = 0; ox < Wo; ox++) {
    const ys = span(w, v.adaptive, includePad, 0, oy), xs = span(w, v.adaptive, includePad, 1, ox);
    const o = (pl * Ho + oy) * Wo + ox;
    let best = -Infinity, arg = -1, sum = 0;
    for (let iy = ys.lo; iy < ys.hi; iy++) for (let ix = xs.lo; ix < xs.hi; ix++) {
      const val = x[(pl * H + iy) * W + ix]!;
      sum += val;
      // The kernel's rule: the first position initialises, a larger value or a NaN replaces a non-NaN best.
      if (arg < 0 || (!Number.isNaN(best) && (val > best || Number.isNaN(val)))) { best = val; arg = iy * W + ix; }
    }
    out[o] = v.op === 'max' ? best : sum / (ys.count * xs.count);
    argmax[o] = arg;
  }
  return { out, argmax };
}

/** Gradient of Σ g ⊙ pool(x) with respect to x: each window sends g to its argmax, or g/divisor to every position. */
export function poolBackwardReference(g: ArrayLike<number>, argmax: Int32Array, planes: number, w: Window2d, v: PoolVariant, includePad = true): Float64Array {
  const [H, W] = w.size, [Ho, Wo] = w.out;
  const dx = new Float64Array(planes * H * W);
  for (let pl = 0; pl < planes; pl++) for (let oy = 0; oy < Ho; oy++) for (let ox = 0; ox < Wo; ox++) {
    const o = (pl * Ho + oy) * Wo + ox;
    if (v.op === 'max') { dx[pl * H * W + argmax[o]!] += g[o]!; continue; }
    const ys = span(w, v.adaptive, includePad, 0, oy), xs = span(w, v.adaptive, includePad, 1, ox);
    for (let iy = ys.lo; iy < ys.hi; iy++) for (let ix = xs.lo; ix < xs.hi; ix++) dx[(pl * H + iy) * W + ix] += g[o]! / (ys.count * xs.count);
  }
  return dx;
}
