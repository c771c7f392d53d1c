/** Float64 CPU reference for kernels/unpack-gather.wgsl.ts. */

/**
 * out[j, i] = palette[code(idx[j], i)] for a store of `n` rows of `pixels` byte codes, 4 per 32-bit
 * word little-endian, rows padded to ⌈pixels / 4⌉ words; rows with idx[j] outside [0, n) are `fill`.
 */
export function unpackGatherReference(packed: Uint8Array, palette: ArrayLike<number>, idx: ArrayLike<number>, n: number, pixels: number, fill = NaN): Float64Array {
  const rowBytes = 4 * Math.ceil(pixels / 4);
  const m = idx.length;
  const out = new Float64Array(m * pixels);
  for (let j = 0; j < m; j++) {
    const k = idx[j]!;
    for (let i = 0; i < pixels; i++) out[j * pixels + i] = k >= 0 && k < n ? palette[packed[k * rowBytes + i]!]! : fill;
  }
  return out;
}
