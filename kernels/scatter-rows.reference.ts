/** Float64 CPU reference for kernels/scatter-rows.wgsl.ts. */

/**
 * buf [r, inner] with row slot[j] replaced by src row j for every j with 0 ≤ slot[j] < r (in
 * increasing j: a repeated slot keeps the last row, the order the kernel's callers resolve on the host).
 */
export function scatterRowsReference(buf: ArrayLike<number>, src: ArrayLike<number>, slot: ArrayLike<number>, r: number, inner: number): Float64Array {
  const out = Float64Array.from(buf);
  for (let j = 0; j < slot.length; j++) {
    const k = slot[j]!;
    if (k < 0 || k >= r) continue;
    for (let i = 0; i < inner; i++) out[k * inner + i] = src[j * inner + i]!;
  }
  return out;
}
