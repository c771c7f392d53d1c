/** Float64 CPU reference for kernels/non-finite-flags.wgsl.ts: each slot keeps the least step at which its array held a NaN or ±∞ (0xffffffff: never). */
export function nonFiniteFlagsReference(flags: readonly number[], arrays: readonly ArrayLike<number>[], slots: readonly number[], step: number): number[] {
  const out = [...flags];
  arrays.forEach((a, j) => {
    if (Array.from(a).some((v) => !Number.isFinite(v))) out[slots[j]!] = Math.min(out[slots[j]!]!, step);
  });
  return out;
}
