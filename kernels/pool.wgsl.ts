/**
 * 2-D max and average pooling over NCHW planes, forward and backward, for two window rules:
 *   fixed     window i covers [i·s − p, i·s − p + k) along an axis (padding p ≤ k/2, PyTorch's rule),
 *   adaptive  window i of o over an axis of n covers [floor(i·n/o), ceil((i+1)·n/o)).
 * Positions outside the input are skipped (max: they are −∞; avg: they are 0).
 *
 * Forward: out[plane, oy, ox] = max or mean over the window. Max scans the window row-major and
 * keeps the first largest value (PyTorch's tie rule; NaN wins), optionally writing its position
 * iy·W + ix in the plane (i32) for the backward. Average divides by kh·kw (countIncludePad) or by
 * the number of in-bounds positions.
 *
 * Backward: each input pixel gathers from the windows that contain it, in a fixed order
 * (deterministic, no atomics):
 *   max  dx[j] = Σ over windows w ∋ j with argmax(w) = j of g[w]
 *   avg  dx[j] = Σ over windows w ∋ j of g[w] / divisor(w)
 * Along an axis the windows containing j are a contiguous range ending at the last window that
 * starts at or before j: fixed floor((j + p)/s) (capped at o − 1), adaptive ceil((j+1)·o/n) − 1
 * (the adaptive rule is its own inverse); walking down from there while the window's end lies
 * past j finds the rest (for fixed windows without dividing). Integer division runs lane by lane on software
 * rasterisers, so the fixed-window backward visits the s×s pixels that share a last window in
 * one invocation (a "cell"), decoding its index once. When the windows tile the input (`tiles`:
 * k = s, no padding, H = k·Ho, W = k·Wo) a cell is a window and no other window reads its pixels:
 * the invocation reads g and the argmax once and writes its k×k pixels (max: g at the argmax, 0
 * elsewhere; avg: g/divisor everywhere), without the search over windows (1.0 → 0.25 ms for
 * 6×6 windows on [8, 32, 24, 24] on lavapipe; the adaptive kernel took 3.7 ms).
 *
 * Parallelisation: one invocation per output (forward) or cell (backward), 256 per workgroup,
 * grid folded into y; windows are short loops, so no workgroup memory.
 * Params (kernels/window2d.ts): n = N·C planes, size = (H, W), osize = (Ho, Wo), k, s, pad;
 * flag = 1 for countIncludePad; cells = cells along each axis (backward).
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { memoKernel } from './memo.js';
import { FLAT_WORKGROUP, IS_NAN, type KernelSpec } from './spec.js';
import { WINDOW2D_PARAMS, type Window2d } from './window2d.js';

export const POOL_WORKGROUP = 256;

export interface PoolVariant {
  op: 'max' | 'avg';
  adaptive: boolean;
}

const WINDOWS = (adaptive: boolean) => wgsl`
// First position of window i along axis a (may be negative: padding).
fn windowStart(i: u32, a: u32) -> i32 {
#if ${adaptive}
  return i32((i * p.size[a]) / p.osize[a]);
#else
  return i32(i * p.s[a]) - i32(p.pad[a]);
#endif
}
// One past the last position of window i (may exceed the input: padding).
fn windowEnd(i: u32, a: u32) -> i32 {
#if ${adaptive}
  return i32(((i + 1u) * p.size[a] + p.osize[a] - 1u) / p.osize[a]);
#else
  return windowStart(i, a) + i32(p.k[a]);
#endif
}
// The backward visits input positions in cells: cell c covers cellSpan positions from cellStart.
// Fixed windows: the s positions j with floor((j + p)/s) = c, i.e. those whose last window is c.
// Adaptive windows: one position per cell.
fn cellSpan(a: u32) -> u32 {
#if ${adaptive}
  return 1u;
#else
  return p.s[a];
#endif
}
fn cellStart(c: u32, a: u32) -> i32 {
#if ${adaptive}
  return i32(c);
#else
  return i32(c * p.s[a]) - i32(p.pad[a]);
#endif
}
// The last window that starts at or before position j of cell c. The windows containing j are it
// and the ones below it whose end lies past j (ends never decrease with i).
fn lastWindow(j: i32, c: u32, a: u32) -> i32 {
#if ${adaptive}
  return i32(((u32(j) + 1u) * p.osize[a] + p.size[a] - 1u) / p.size[a]) - 1;
#else
  return min(i32(c), i32(p.osize[a]) - 1);
#endif
}
// Divisor of the average over window (oy, ox): the window's area (countIncludePad; a fixed window
// never reaches past the padding, since Ho = floor((H + 2p − k)/s) + 1), or its in-bounds area.
fn divisor(oy: u32, ox: u32) -> f32 {
  var n = 1;
  for (var a = 0u; a < 2u; a++) {
    let i = select(ox, oy, a == 0u);
    if (p.flag == 1u) {
      n *= i32(p.k[a]);
    } else {
      n *= min(windowEnd(i, a), i32(p.size[a])) - max(windowStart(i, a), 0);
    }
  }
  return f32(n);
}
`;

/** Cells along each axis for the backward: fixed windows floor((n − 1 + p)/s) + 1, adaptive n. */
export function poolCells(w: Window2d, adaptive: boolean): [number, number] {
  return adaptive ? [w.size[0], w.size[1]] : [0, 1].map((a) => Math.floor((w.size[a]! - 1 + w.padding[a]!) / w.stride[a]!) + 1) as [number, number];
}

/** Forward pooling; `indices` adds a binding for the argmax positions (max only). */
export const poolKernel = memoKernel((v: PoolVariant & { indices: boolean }): KernelSpec => {
  const code = wgsl`
${WINDOW2D_PARAMS}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
#if ${v.indices}
@group(0) @binding(3) var<storage, read_write> argmax: array<i32>;
#endif
${FLAT_WORKGROUP}
${IS_NAN}
${WINDOWS(v.adaptive)}
@compute @workgroup_size(${POOL_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let idx = flatWorkgroup(wid, nwg) * ${POOL_WORKGROUP}u + lid;
  if (idx >= p.total) { return; }
  let ox = idx % p.osize.y;
  let oy = (idx / p.osize.y) % p.osize.x;
  let base = (idx / (p.osize.x * p.osize.y)) * p.size.x * p.size.y;
  let y0 = u32(max(windowStart(oy, 0u), 0));
  let y1 = u32(min(windowEnd(oy, 0u), i32(p.size.x)));
  let x0 = u32(max(windowStart(ox, 1u), 0));
  let x1 = u32(min(windowEnd(ox, 1u), i32(p.size.y)));
#if ${v.op === 'max'}
  var acc = x[base + y0 * p.size.y + x0];
  var best = y0 * p.size.y + x0;
  for (var iy = y0; iy < y1; iy++) {
    for (var ix = x0; ix < x1; ix++) {
      let v = x[base + iy * p.size.y + ix];
      if (v > acc || (isNan(v) && !isNan(acc))) { acc = v; best = iy * p.size.y + ix; }
    }
  }
#if ${v.indices}
  argmax[idx] = i32(best);
#endif
#else
  var acc = 0.0;
  for (var iy = y0; iy < y1; iy++) {
    for (var ix = x0; ix < x1; ix++) { acc += x[base + iy * p.size.y + ix]; }
  }
  acc /= divisor(oy, ox);
#endif
  out[idx] = acc;
}
`;
  const name = `${v.adaptive ? 'adaptive' : ''}${v.op}Pool${v.indices ? '[indices]' : ''}`;
  const bindings = v.indices ? ['uniform', 'read', 'readwrite', 'readwrite'] as const : ['uniform', 'read', 'readwrite'] as const;
  return { name, code, bindings };
});

/** True when the windows tile the input: kernel = stride, no padding, and they cover it exactly. */
export function poolTiles(w: Window2d): boolean {
  return [0, 1].every((a) => w.kernel[a] === w.stride[a] && w.padding[a] === 0 && w.size[a] === w.kernel[a]! * w.out[a]!);
}

/**
 * Backward pooling: g [planes, Ho, Wo] (and, for max, argmax) → dx [planes, H, W]; one invocation
 * per cell (see cellSpan), total = planes · cells.x · cells.y (`poolCells`). `tiles` (fixed windows
 * for which `poolTiles` holds) writes each window's pixels directly.
 */
export const poolBackwardKernel = memoKernel((v: PoolVariant & { tiles: boolean }): KernelSpec => {
  const code = wgsl`
${WINDOW2D_PARAMS}
@group(0) @binding(1) var<storage, read> g: array<f32>;
#if ${v.op === 'max'}
@group(0) @binding(2) var<storage, read> argmax: array<i32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
#else
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
#endif
${FLAT_WORKGROUP}
${WINDOWS(v.adaptive)}
@compute @workgroup_size(${POOL_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let idx = flatWorkgroup(wid, nwg) * ${POOL_WORKGROUP}u + lid;
  if (idx >= p.total) { return; }
  let cx = idx % p.cells.y;
  let cy = (idx / p.cells.y) % p.cells.x;
  let plane = idx / (p.cells.x * p.cells.y);
  let gBase = plane * p.osize.x * p.osize.y;
  let xBase = plane * p.size.x * p.size.y;
#if ${v.tiles}
  let o = gBase + cy * p.osize.y + cx;
#if ${v.op === 'max'}
  let gv = g[o];
  let best = u32(argmax[o]);
#else
  let gv = g[o] / divisor(cy, cx);
#endif
  for (var ry = 0u; ry < p.k.x; ry++) {
    let row = (cy * p.k.x + ry) * p.size.y + cx * p.k.y;
    for (var rx = 0u; rx < p.k.y; rx++) {
#if ${v.op === 'max'}
      dx[xBase + row + rx] = select(0.0, gv, row + rx == best);
#else
      dx[xBase + row + rx] = gv;
#endif
    }
  }
#else
  for (var ry = 0u; ry < cellSpan(0u); ry++) {
    let jy = cellStart(cy, 0u) + i32(ry);
    if (jy < 0 || jy >= i32(p.size.x)) { continue; }
    let oyTop = lastWindow(jy, cy, 0u);
    for (var rx = 0u; rx < cellSpan(1u); rx++) {
      let jx = cellStart(cx, 1u) + i32(rx);
      if (jx < 0 || jx >= i32(p.size.y)) { continue; }
      let here = jy * i32(p.size.y) + jx;
      let oxTop = lastWindow(jx, cx, 1u);
      var acc = 0.0;
      for (var oy = oyTop; oy >= 0 && windowEnd(u32(oy), 0u) > jy; oy--) {
        for (var ox = oxTop; ox >= 0 && windowEnd(u32(ox), 1u) > jx; ox--) {
          let o = gBase + u32(oy) * p.osize.y + u32(ox);
#if ${v.op === 'max'}
          if (argmax[o] == here) { acc += g[o]; }
#else
          acc += g[o] / divisor(u32(oy), u32(ox));
#endif
        }
      }
      dx[xBase + u32(here)] = acc;
    }
  }
#endif
}
`;
  const name = `${v.adaptive ? 'adaptive' : ''}${v.op}PoolBackward${v.tiles ? '[tiles]' : ''}`;
  const bindings = v.op === 'max' ? ['uniform', 'read', 'read', 'readwrite'] as const : ['uniform', 'read', 'readwrite'] as const;
  return { name, code, bindings };
});
