/**
 * Float64 CPU references for kernels/unfold.wgsl.ts, written as scatter loops over patches (the
 * opposite direction from the GPU's gather), so that an index slip in one does not hide in both.
 */
import type { PatchLayout } from './unfold.wgsl.js';
import type { Window2d } from './window2d.js';

/** Calls fn(n, k, l, xIndex) for every patch entry; xIndex is −1 for a padding tap. */
function forEachTap(w: Window2d, N: number, C: number, fn: (n: number, k: number, l: number, xi: number) => void): void {
  const [H, W] = w.size, [Ho, Wo] = w.out, [kh, kw] = w.kernel;
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
    const k = (c * kh + ky) * kw + kx;
    for (let oy = 0; oy < Ho; oy++) for (let ox = 0; ox < Wo; ox++) {
      const iy = oy * w.stride[0] - w.padding[0] + ky * w.dilation[0];
      const ix = ox * w.stride[1] - w.padding[1] + kx * w.dilation[1];
      const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
      fn(n, k, oy * Wo + ox, inside ? ((n * C + c) * H + iy) * W + ix : -1);
    }
  }
}

function patchIndex(layout: PatchLayout, K: number, L: number, n: number, k: number, l: number): number {
  return layout === 'rows' ? (n * L + l) * K + k : (n * K + k) * L + l;
}

/** Patches of x [N, C, H, W] in the given layout; `onesRow` appends an entry 1 to every patch. */
export function unfoldReference(x: ArrayLike<number>, N: number, C: number, w: Window2d, layout: PatchLayout = 'cols', onesRow = false): Float64Array {
  const K = C * w.kernel[0] * w.kernel[1] + (onesRow ? 1 : 0), L = w.out[0] * w.out[1];
  const out = new Float64Array(N * K * L);
  forEachTap(w, N, C, (n, k, l, xi) => { out[patchIndex(layout, K, L, n, k, l)] = xi < 0 ? 0 : x[xi]!; });
  if (onesRow) for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) out[patchIndex(layout, K, L, n, K - 1, l)] = 1;
  return out;
}

/** The adjoint: adds every patch entry into the input pixel it was read from. */
export function foldReference(cols: ArrayLike<number>, N: number, C: number, w: Window2d, layout: PatchLayout = 'cols'): Float64Array {
  const K = C * w.kernel[0] * w.kernel[1], L = w.out[0] * w.out[1];
  const dx = new Float64Array(N * C * w.size[0] * w.size[1]);
  forEachTap(w, N, C, (n, k, l, xi) => { if (xi >= 0) dx[xi] += cols[patchIndex(layout, K, L, n, k, l)]!; });
  return dx;
}
