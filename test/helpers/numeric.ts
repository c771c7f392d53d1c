/** Host-side helpers for comparing GPU results with float64 references. */
import { expect } from 'vitest';
import { Generator } from '../../index.js';

export const EPS32 = 2 ** -23;

/** Random values in [lo, hi) from a seeded generator (float64, later rounded to float32). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const g = new Generator(seed);
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * g.uniform());
}

/** Values bounded away from 0 (|x| ≥ gap), for ops with a kink at 0. */
export function awayFromZero(n: number, seed: number, gap = 0.1): Float64Array {
  return randomArray(n, seed).map((v) => Math.sign(v || 1) * (gap + Math.abs(v)));
}

export function toF32(a: ArrayLike<number>): Float32Array {
  return Float32Array.from(a);
}

/**
 * Asserts |got − want| ≤ atol + rtol·|want| elementwise and reports the worst element.
 */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: { rtol?: number; atol?: number }, what = 'values'): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  const rtol = tol.rtol ?? 0, atol = tol.atol ?? 0;
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (w === g) continue;
    const excess = Math.abs(g - w) - (atol + rtol * Math.abs(w));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) { worst = i; worstExcess = excess; }
  }
  if (worst >= 0) {
    expect.fail(`${what}: element ${worst} is ${got[worst]}, expected ${want[worst]} (±${atol + rtol * Math.abs(want[worst]!)})`);
  }
}

export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}
