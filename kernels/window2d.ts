/**
 * Geometry of a 2-D sliding window over NCHW arrays, shared by the unfold/fold, convolution and
 * pooling kernels: one WGSL params struct and its host-side packing, so that every one of those
 * kernels reads its shapes the same way (from a uniform, so one compiled pipeline serves all shapes).
 *
 * Along each axis (y = component 0, x = component 1): input length `size`, output length `osize`,
 * window `k` taps spaced `dil` apart, step `s`, zero/−∞ padding `pad` on both sides; window i
 * covers positions i·s − pad + t·dil for t < k.
 */

export interface Window2d {
  /** Input height and width. */
  readonly size: readonly [number, number];
  /** Output height and width. */
  readonly out: readonly [number, number];
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
}

/** WGSL declaration of the params uniform (binding 0). `n`, `c`, `flag` and `cells` mean what each kernel says. */
export const WINDOW2D_PARAMS = /* wgsl */ `
struct Params {
  n: u32, c: u32, total: u32, flag: u32,
  size: vec2<u32>, osize: vec2<u32>, k: vec2<u32>, s: vec2<u32>, pad: vec2<u32>, dil: vec2<u32>,
  cells: vec2<u32>,
}
@group(0) @binding(0) var<uniform> p: Params;
`;

/** Packs the params uniform: `total` is the number of invocations that do work. */
export function window2dParams(w: Window2d, n: number, c: number, total: number, flag = 0, cells: readonly [number, number] = [0, 0]): Uint32Array {
  return new Uint32Array([
    n, c, total, flag,
    ...w.size, ...w.out, ...w.kernel, ...w.stride, ...w.padding, ...w.dilation, ...cells,
  ]);
}
