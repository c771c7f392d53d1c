/**
 * Float64 CPU reference for kernels/patch-covariance.wgsl.ts: builds every patch from the image by
 * loops and adds its outer product (the GPU regroups the same products by pairs of image rows, so
 * the two derivations check each other).
 */
import type { Window2d } from './window2d.js';

/** scale · Σ_n Σ_l p_{n,l} p_{n,l}ᵀ over the patches of x [N, C, H, W] (entries (c, ky, kx), zero padding). */
export function patchCovarianceReference(x: ArrayLike<number>, N: number, C: number, w: Window2d, scale = 1): Float64Array {
  const [H, W] = w.size, [Ho, Wo] = w.out, [kh, kw] = w.kernel;
  const K = C * kh * kw;
  const cov = new Float64Array(K * K);
  const p = new Float64Array(K);
  for (let n = 0; n < N; n++) for (let oy = 0; oy < Ho; oy++) for (let ox = 0; ox < Wo; ox++) {
    for (let c = 0; c < C; c++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const iy = oy * w.stride[0] - w.padding[0] + ky;
      const ix = ox * w.stride[1] - w.padding[1] + kx;
      const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
      p[(c * kh + ky) * kw + kx] = inside ? x[((n * C + c) * H + iy) * W + ix]! : 0;
    }
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) cov[a * K + b] += p[a]! * p[b]!;
  }
  return cov.map((v) => v * scale);
}
