/**
 * Float64 CPU references for kernels/strided-copy.wgsl.ts: the copy itself, and the ops built on it
 * (permute, slice, concat) written from their definitions with multi-indices, independently of the
 * stride arithmetic the ops use.
 */
import type { HostArray } from './elementwise.reference.js';

/** dst[dstOffset + Σ c·dstStrides] = src[srcOffset + Σ c·srcStrides] for every index c of `shape`. */
export function stridedCopyReference(
  src: ArrayLike<number>, dst: Float64Array, shape: readonly number[],
  srcStrides: readonly number[], srcOffset: number, dstStrides: readonly number[], dstOffset: number,
): void {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    const c = unravel(i, shape);
    let s = srcOffset, t = dstOffset;
    c.forEach((v, d) => { s += v * srcStrides[d]!; t += v * dstStrides[d]!; });
    dst[t] = src[s]!;
  }
}

export function unravel(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { c[d] = i % shape[d]!; i = Math.floor(i / shape[d]!); }
  return c;
}

export function ravel(c: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d]! + c[d]!;
  return i;
}

/** Fills an array of `shape` with value(c) for every multi-index c. */
function build(shape: readonly number[], value: (c: number[]) => number): HostArray {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float64Array.from({ length: n }, (_, i) => value(unravel(i, shape))), shape };
}

/** y[c] = x[c'] with c'[dims[d]] = c[d]. */
export function permuteReference(x: HostArray, dims: readonly number[]): HostArray {
  return build(dims.map((d) => x.shape[d]!), (c) => {
    const src = new Array<number>(x.shape.length);
    dims.forEach((d, k) => { src[d] = c[k]!; });
    return x.data[ravel(src, x.shape)]!;
  });
}

/** x with axis restricted to [start, end). */
export function sliceReference(x: HostArray, axis: number, start: number, end: number): HostArray {
  return build(x.shape.map((d, i) => (i === axis ? end - start : d)), (c) =>
    x.data[ravel(c.map((v, i) => (i === axis ? v + start : v)), x.shape)]!);
}

/** The arrays joined along axis. */
export function concatReference(xs: readonly HostArray[], axis: number): HostArray {
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((n, x) => n + x.shape[axis]!, 0);
  return build(shape, (c) => {
    let k = c[axis]!;
    for (const x of xs) {
      if (k < x.shape[axis]!) return x.data[ravel(c.map((v, i) => (i === axis ? k : v)), x.shape)]!;
      k -= x.shape[axis]!;
    }
    throw new Error('unreachable');
  });
}
