/**
 * Float64 CPU reference for conv2d (PyTorch's cross-correlation, NCHW) and its gradients, written
 * as direct loops over (n, co, oy, ox, ci, ky, kx): an independent derivation from the GPU's
 * im2col + matmul route.
 */
import type { Window2d } from './window2d.js';

export interface ConvShapes {
  N: number;
  Cin: number;
  Cout: number;
  w: Window2d;
}

/** Calls fn(yIndex, xIndex, wIndex) for every product x·w that enters an output (padding taps skipped). */
function forEachProduct(s: ConvShapes, fn: (yi: number, xi: number, wi: number) => void): void {
  const { N, Cin, Cout, w } = s;
  const [H, W] = w.size, [Ho, Wo] = w.out, [kh, kw] = w.kernel;
  for (let n = 0; n < N; n++) for (let co = 0; co < Cout; co++) for (let oy = 0; oy < Ho; oy++) for (let ox = 0; ox < Wo; ox++) {
    const yi = ((n * Cout + co) * Ho + oy) * Wo + ox;
    for (let ci = 0; ci < Cin; ci++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const iy = oy * w.stride[0] - w.padding[0] + ky * w.dilation[0];
      const ix = ox * w.stride[1] - w.padding[1] + kx * w.dilation[1];
      if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
      fn(yi, ((n * Cin + ci) * H + iy) * W + ix, ((co * Cin + ci) * kh + ky) * kw + kx);
    }
  }
}

/** y [N, Cout, Ho, Wo] = conv(x [N, Cin, H, W], w [Cout, Cin, kh, kw]) + bias. */
export function conv2dReference(x: ArrayLike<number>, wt: ArrayLike<number>, s: ConvShapes, bias?: ArrayLike<number>): Float64Array {
  const y = new Float64Array(s.N * s.Cout * s.w.out[0] * s.w.out[1]);
  const L = s.w.out[0] * s.w.out[1];
  if (bias) y.forEach((_, i) => { y[i] = bias[Math.floor(i / L) % s.Cout]!; });
  forEachProduct(s, (yi, xi, wi) => { y[yi] += x[xi]! * wt[wi]!; });
  return y;
}

/** Gradients of Σ g ⊙ conv2d(x, w) + bias with respect to x, w and bias. */
export function conv2dBackwardReference(g: ArrayLike<number>, x: ArrayLike<number>, wt: ArrayLike<number>, s: ConvShapes): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dx = new Float64Array(x.length), dw = new Float64Array(wt.length), db = new Float64Array(s.Cout);
  const L = s.w.out[0] * s.w.out[1];
  for (let i = 0; i < g.length; i++) db[Math.floor(i / L) % s.Cout] += g[i]!;
  forEachProduct(s, (yi, xi, wi) => { dx[xi] += g[yi]! * wt[wi]!; dw[wi] += g[yi]! * x[xi]!; });
  return { dx, dw, db };
}
