/** Float64 CPU reference for kernels/one-hot.wgsl.ts. */

/** out[n, c] = 1 if labels[n] = c else 0 (all zero for a label outside [0, C)). */
export function oneHotReference(labels: ArrayLike<number>, C: number): Float64Array {
  const out = new Float64Array(labels.length * C);
  for (let n = 0; n < labels.length; n++) {
    const y = labels[n]!;
    if (y >= 0 && y < C) out[n * C + y] = 1;
  }
  return out;
}
