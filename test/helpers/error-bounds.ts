/**
 * Rounding-error bounds for float32 results checked against float64 references (Higham, "Accuracy
 * and Stability of Numerical Algorithms", §3.1): any order of n correctly rounded float32 products
 * and sums of exact inputs is within γ_n·Σ|terms| of the exact sum.
 */
import { expect } from 'vitest';
import { matmulReference } from '../../kernels/matmul.reference.js';

/** Unit roundoff of float32. */
export const U32 = 2 ** -24;

/** γ_n = n·u / (1 − n·u). */
export function gamma(n: number): number {
  return (n * U32) / (1 - n * U32);
}

/** Elementwise bound on |fl(A·B) − A·B| for float32 A [M, K], B [K, N]: γ_K·(|A|·|B|). */
export function matmulBound(a: ArrayLike<number>, b: ArrayLike<number>, M: number, N: number, K: number, transposeA = false): Float64Array {
  const abs = (v: ArrayLike<number>) => Float64Array.from(v, Math.abs);
  return matmulReference(abs(a), abs(b), M, N, K, transposeA).map((v) => gamma(K) * v);
}

/** Asserts |got − want| ≤ bound elementwise; names the first element outside. */
export function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, bound: ArrayLike<number>, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= bound[i]!)) expect.fail(`${what}[${i}] = ${got[i]}, expected ${want[i]} ± ${bound[i]} (error ${err})`);
  }
}
