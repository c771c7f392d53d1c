/** Float64 CPU references for kernels/gather.wgsl.ts, for x viewed as [outer, r, inner]. */

/** out[o, j, i] = x[o, idx[j], i]; rows with idx[j] outside [0, r) are `fill`. */
export function gatherReference(x: ArrayLike<number>, idx: ArrayLike<number>, outer: number, r: number, inner: number, fill = NaN): Float64Array {
  const m = idx.length;
  const out = new Float64Array(outer * m * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const k = idx[j]!;
      for (let i = 0; i < inner; i++) out[(o * m + j) * inner + i] = k >= 0 && k < r ? x[(o * r + k) * inner + i]! : fill;
    }
  }
  return out;
}

/** dx[o, k, i] = Σ_{j : idx[j] = k} g[o, j, i] (indices outside [0, r) are dropped). */
export function scatterAddReference(g: ArrayLike<number>, idx: ArrayLike<number>, outer: number, r: number, inner: number): Float64Array {
  const m = idx.length;
  const dx = new Float64Array(outer * r * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const k = idx[j]!;
      if (k < 0 || k >= r) continue;
      for (let i = 0; i < inner; i++) dx[(o * r + k) * inner + i] += g[(o * m + j) * inner + i]!;
    }
  }
  return dx;
}
