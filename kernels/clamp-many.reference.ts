/** Float64 CPU reference for kernels/clamp-many.wgsl.ts: each array clamped to [lo, hi] (Math.min/max keep NaN as NaN). */
export function clampManyReference(arrays: readonly ArrayLike<number>[], lo: number, hi: number): Float64Array[] {
  return arrays.map((a) => Float64Array.from(a, (v) => Math.min(Math.max(v, lo), hi)));
}
