/**
 * Householder tridiagonalisation kernels (kernels/tridiagonalize.wgsl.ts) against the float64
 * reference, and as a backward-stable reduction.
 *
 * Tolerances: Householder reduction in float32 is backward stable, the computed T and Q are exact
 * for A + E with ‖E‖_F ≤ c·n·ε₃₂·‖A‖_F (Higham 2002, §19.3; c small), which is 1.5e-5 at n = 129
 * with c = 1; rounding errors add like a random walk in practice (≈ √n·ε₃₂ ≈ 1.4e-6). The tests
 * allow 2e-5 for the backward error. For n ≤ 17 the entries of T themselves are compared with the
 * reference at 1e-5·‖A‖_F (the same bound, and no sign choice sits near a tie in these matrices).
 * A wrong reflector, sign or stale update gives O(‖A‖) errors.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { tridiagonalize } from '../../engine/linalg/eigh-tridiagonal.js';
import { tridiagonalizeReference } from '../../kernels/tridiagonalize.reference.js';
import { STEP_COLUMNS } from '../../kernels/tridiagonalize.wgsl.js';
import { useDevice } from '../helpers/device.js';
import { randomArray } from '../helpers/numeric.js';
import { frobenius } from './linalg-fixtures.js';

function randomSymmetric(n: number, seed: number): Float32Array {
  const x = randomArray(n * n, seed);
  const a = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = x[i * n + j]! + x[j * n + i]!;
  return a;
}

/** ‖QᵀAQ − T‖_F / ‖A‖_F with Q = H₀···H_{n−3} built in float64 from the reflector rows y [n, N]. */
function backwardError(a: Float32Array, n: number, d: ArrayLike<number>, e: ArrayLike<number>, y: Float32Array, N: number): number {
  const M = Float64Array.from(a);
  // M ← H·M·H for each reflector in order: rows, then columns.
  for (let k = 0; k < n; k++) {
    const v = Float64Array.from({ length: n }, (_, i) => y[k * N + i]!);
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += v[i]! * M[i * n + c]!;
      for (let i = 0; i < n; i++) M[i * n + c]! -= 2 * v[i]! * s;
    }
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += M[r * n + i]! * v[i]!;
      for (let i = 0; i < n; i++) M[r * n + i]! -= 2 * s * v[i]!;
    }
  }
  let err = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const t = i === j ? d[i]! : Math.abs(i - j) === 1 ? e[Math.min(i, j)]! : 0;
      err += (M[i * n + j]! - t) ** 2;
    }
  }
  return Math.sqrt(err) / frobenius(a);
}

/** Each reflector row is a unit vector supported on k+1.., or zero. */
function expectReflectors(y: Float32Array, n: number, N: number): void {
  for (let k = 0; k < n; k++) {
    let norm2 = 0;
    for (let i = 0; i < N; i++) {
      const v = y[k * N + i]!;
      if (i <= k || i >= n) expect(v, `v_${k}[${i}]`).toBe(0);
      norm2 += v * v;
    }
    if (norm2 !== 0) expect(Math.abs(Math.sqrt(norm2) - 1), `‖v_${k}‖`).toBeLessThan(1e-6);
  }
}

describe('tridiagonalize (GPU Householder reduction)', () => {
  const device = useDevice();

  it('matches the float64 reference for n = 1, 2, 3, 5, 17', async () => {
    for (const n of [1, 2, 3, 5, 17]) {
      const a = randomSymmetric(n, n + 40);
      const t = await tridiagonalize(device(), wc.tensor(a, [n, n]).buffer, n);
      const ref = tridiagonalizeReference(a, n);
      const tol = 1e-5 * frobenius(a);
      expect(t.N).toBe(Math.ceil(n / STEP_COLUMNS) * STEP_COLUMNS);
      for (let i = 0; i < n; i++) expect(Math.abs(t.d[i]! - ref.d[i]!), `n=${n} d_${i}`).toBeLessThanOrEqual(tol);
      for (let i = 0; i + 1 < n; i++) expect(Math.abs(t.e[i]! - ref.e[i]!), `n=${n} e_${i}`).toBeLessThanOrEqual(tol);
      for (let k = 0; k < n; k++) {
        for (let i = 0; i < n; i++) expect(Math.abs(t.y[k * t.N + i]! - ref.v[k * n + i]!), `n=${n} v_${k}[${i}]`).toBeLessThanOrEqual(1e-5);
      }
      expectReflectors(t.y, n, t.N);
    }
  });

  it('is a backward-stable reduction (QᵀAQ = T) at n = 129 (padded to 144, two workgroups per step at first)', async () => {
    const n = 129;
    const a = randomSymmetric(n, 7);
    const t = await tridiagonalize(device(), wc.tensor(a, [n, n]).buffer, n);
    expect(backwardError(a, n, t.d, t.e, t.y, t.N)).toBeLessThanOrEqual(2e-5);
    expectReflectors(t.y, n, t.N);
  });

  it('skips reflectors where a column is already reduced (zero rows and columns, like constant pixels)', async () => {
    // Every third index has a zero row and column; the rest is a random symmetric block.
    const n = 17;
    const a = randomSymmetric(n, 3);
    for (let i = 0; i < n; i += 3) for (let j = 0; j < n; j++) { a[i * n + j] = 0; a[j * n + i] = 0; }
    const t = await tridiagonalize(device(), wc.tensor(a, [n, n]).buffer, n);
    expect(backwardError(a, n, t.d, t.e, t.y, t.N)).toBeLessThanOrEqual(2e-5);
    // Column 0 is zero: no reflector, e_0 = 0 exactly.
    expect(t.e[0]).toBe(0);
    for (let i = 0; i < t.N; i++) expect(t.y[i]).toBe(0);
    expectReflectors(t.y, n, t.N);
  });
});
