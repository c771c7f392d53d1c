/**
 * Convolution + max-pooling fusion inside Sequential. A convolution directly followed by a max pool
 * whose windows tile the convolution's output (kernel = stride, no padding, sizes divisible; e.g.
 * AdaptiveMaxPool2d(4, 4) after a 24×24 map) runs as one conv2dMaxPool kernel: no im2col matrix,
 * no full-size output, and a backward that touches only each window's maximum (engine/ops/conv-pool.ts).
 * The result equals pool(conv(x)) up to the order of the convolution's sums.
 */
import { windowGeometry, type Window2dOptions } from '../../engine/ops/window2d.js';
import type { Tensor } from '../../engine/tensor.js';

/** A max-pooling layer that can say which tiling window it applies to an input of a given size. */
export interface TilingMaxPool {
  /** The window [kh, kw] = stride if this layer's windows tile an [H, W] input exactly, else null. */
  tilingWindow(size: readonly [number, number]): [number, number] | null;
}

/** A layer (a convolution) that can run with the following max pool fused into its kernel. */
export interface MaxPoolFusable {
  /** pool(this.forward(x)) in one fused op, or null when the pool's windows do not tile the output. */
  forwardMaxPooled(x: Tensor, pool: TilingMaxPool): Tensor | null;
}

export function isTilingMaxPool(m: unknown): m is TilingMaxPool {
  return typeof (m as Partial<TilingMaxPool>).tilingWindow === 'function';
}

export function isMaxPoolFusable(m: unknown): m is MaxPoolFusable {
  return typeof (m as Partial<MaxPoolFusable>).forwardMaxPooled === 'function';
}

/** The window by which `pool` tiles the output of a kernel×kernel convolution of x [N, C, H, W], or null. */
export function fusedPoolWindow(x: Tensor, kernel: [number, number], opts: Pick<Window2dOptions, 'stride' | 'padding'>, pool: TilingMaxPool): [number, number] | null {
  return x.rank === 4 ? pool.tilingWindow(windowGeometry('conv2d', x.shape, kernel, opts).out) : null;
}
