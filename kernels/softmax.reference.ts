/** Float64 CPU references for kernels/softmax.wgsl.ts, along r of an [outer, r, inner] array. */
import type { SoftmaxKind } from './softmax.wgsl.js';

function lines(outer: number, r: number, inner: number, each: (at: (k: number) => number) => void): void {
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) each((k) => (o * r + k) * inner + i);
}

export function softmaxReference(kind: SoftmaxKind, x: ArrayLike<number>, outer: number, r: number, inner: number): Float64Array {
  const y = new Float64Array(outer * r * inner);
  lines(outer, r, inner, (at) => {
    let m = -Infinity;
    for (let k = 0; k < r; k++) m = Math.max(m, x[at(k)]!);
    let s = 0;
    for (let k = 0; k < r; k++) s += Math.exp(x[at(k)]! - m);
    for (let k = 0; k < r; k++) y[at(k)] = kind === 'softmax' ? Math.exp(x[at(k)]! - m) / s : x[at(k)]! - m - Math.log(s);
  });
  return y;
}

/** dx from the forward output y and the output gradient g. */
export function softmaxBackwardReference(kind: SoftmaxKind, y: ArrayLike<number>, g: ArrayLike<number>, outer: number, r: number, inner: number): Float64Array {
  const dx = new Float64Array(outer * r * inner);
  lines(outer, r, inner, (at) => {
    let t = 0;
    for (let k = 0; k < r; k++) t += kind === 'softmax' ? g[at(k)]! * y[at(k)]! : g[at(k)]!;
    for (let k = 0; k < r; k++) dx[at(k)] = kind === 'softmax' ? y[at(k)]! * (g[at(k)]! - t) : g[at(k)]! - Math.exp(y[at(k)]!) * t;
  });
  return dx;
}
