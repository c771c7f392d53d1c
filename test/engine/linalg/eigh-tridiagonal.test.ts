/**
 * The parts of the tridiagonal eigh: the QL iteration with recorded rotations (tridiagonal-ql.ts),
 * checked in float64 against the dense Jacobi reference; the compact WY back-transformation on
 * reversed rows (reflector-blocks.ts); the final normalised columns
 * (kernels/eigenvector-columns.wgsl.ts) against their float64 reference.
 *
 * Tolerances: QL deflates at |e| ≤ 2⁻³⁰·‖T‖-ish, which moves eigenvalues and residuals by about
 * 1e-9·‖T‖; everything else is float64 (1e-13). The tests allow 1e-8 relative for values and
 * residuals and 1e-12 for orthogonality (rotations are exactly orthogonal up to float64 rounding).
 * The GPU back-transformation is float32 matmuls with K ≤ 2·12 terms per entry: errors ≈ K·ε₃₂
 * relative to the operands' scale, well inside the 1e-5 allowed. The column normalisation sums n
 * squares and takes one inverse square root in float32: relative error ≲ (n/2 + 2)·ε₃₂ ≈ 1.4e-6 for
 * n = 19, on outputs of magnitude ≤ 1; the test allows 3e-6.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../../index.js';
import { applyReflectorsLeft, compactWyFactor } from '../../../engine/linalg/reflector-blocks.js';
import { tridiagonalQl } from '../../../engine/linalg/tridiagonal-ql.js';
import { tiledMatmulKernel } from '../../../kernels/matmul-tiled.wgsl.js';
import { eigenvectorColumnsReference } from '../../../kernels/eigenvector-columns.reference.js';
import { COLUMNS_WORKGROUP, eigenvectorColumnsKernel } from '../../../kernels/eigenvector-columns.wgsl.js';
import { jacobiEighReference } from '../../../kernels/jacobi.reference.js';
import { rotationChainsReference } from '../../../kernels/rotation-sweeps.reference.js';
import { grid1d } from '../../../kernels/spec.js';
import { useDevice } from '../../helpers/device.js';
import { expectClose, randomArray } from '../../helpers/numeric.js';

function dense(d: ArrayLike<number>, e: ArrayLike<number>): Float64Array {
  const n = d.length;
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    t[i * n + i] = d[i]!;
    if (i + 1 < n) t[i * n + i + 1] = t[(i + 1) * n + i] = e[i]!;
  }
  return t;
}

/** Runs the QL, applies its chains to I, and checks values, residual and orthogonality. */
function checkQl(d: ArrayLike<number>, e: ArrayLike<number>, what: string): void {
  const n = d.length;
  const t = dense(d, e);
  const norm = Math.sqrt(t.reduce((s, x) => s + x * x, 0)) || 1;
  const ql = tridiagonalQl(d, e);
  const ref = jacobiEighReference(t, n);
  const sorted = Array.from(ql.values).sort((x, y) => y - x);
  for (let i = 0; i < n; i++) expect(Math.abs(sorted[i]! - ref.values[i]!), `${what}: λ_${i}`).toBeLessThanOrEqual(1e-8 * norm);
  // Row i of W = Zᵀ is the eigenvector of values[i].
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) w[i * n + i] = 1;
  rotationChainsReference(w, n, ql.chains, ql.cs);
  let res = 0, orth = 0;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      let tz = 0;
      for (let j = Math.max(0, i - 1); j <= Math.min(n - 1, i + 1); j++) tz += t[i * n + j]! * w[k * n + j]!;
      res += (tz - ql.values[k]! * w[k * n + i]!) ** 2;
    }
    for (let l = 0; l < n; l++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += w[k * n + i]! * w[l * n + i]!;
      orth = Math.max(orth, Math.abs(s - (k === l ? 1 : 0)));
    }
  }
  expect(Math.sqrt(res) / norm, `${what}: ‖TZ − ZΛ‖/‖T‖`).toBeLessThanOrEqual(1e-8);
  expect(orth, `${what}: max |ZᵀZ − I|`).toBeLessThanOrEqual(1e-12);
  expect(ql.neglected / norm, `${what}: neglected`).toBeLessThanOrEqual(1e-8);
}

describe('tridiagonalQl (host QL, rotations recorded)', () => {
  it('random tridiagonals, n = 1, 2, 3, 17, 129', () => {
    for (const n of [1, 2, 3, 17, 129]) checkQl(randomArray(n, n), randomArray(n - 1, n + 100), `random n=${n}`);
  });

  it('splits, zeros, repeated and graded spectra', () => {
    const e = randomArray(16, 3);
    e[5] = 0;
    e[11] = 0;
    checkQl(randomArray(17, 2), e, 'split in three');
    checkQl(new Float64Array(9), new Float64Array(8), 'zero matrix');
    // Two identical blocks: every eigenvalue twice.
    const d = Array.from({ length: 6 }, (_, i) => [1, 2, 3][i % 3]!);
    checkQl(d, [0.5, 0.5, 0, 0.5, 0.5], 'repeated');
    checkQl(Array.from({ length: 20 }, (_, i) => 10 ** -i), Array.from({ length: 19 }, (_, i) => 10 ** (-i - 0.5)), 'graded');
  });

  it('records each sweep as one chain of adjacent rotations', () => {
    const ql = tridiagonalQl(randomArray(10, 1), randomArray(9, 2));
    let next = 0;
    for (let t = 0; t < ql.chains.length / 4; t++) {
      const [first, l, m] = [ql.chains[4 * t]!, ql.chains[4 * t + 1]!, ql.chains[4 * t + 2]!];
      expect(first).toBe(next);
      expect(m).toBeGreaterThan(l);
      next += m - l;
    }
    expect(next).toBe(ql.cs.length / 2);
  });
});

/** Unit reflectors v_k supported on k+1.. (one of them zero), as rows of y [count, N]. */
function reflectors(count: number, N: number, n: number, seed: number): Float32Array {
  const y = new Float32Array(count * N);
  const r = randomArray(count * N, seed);
  for (let k = 0; k < count; k++) {
    if (k === 3) continue;
    let s = 0;
    for (let i = k + 1; i < n; i++) s += r[k * N + i]! ** 2;
    for (let i = k + 1; i < n; i++) y[k * N + i] = r[k * N + i]! / Math.sqrt(s);
  }
  return y;
}

/** x ← H·x for H = I − 2vvᵀ, x [N, cols] (float64). */
function reflectLeft(x: Float64Array, N: number, cols: number, v: ArrayLike<number>): void {
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let i = 0; i < N; i++) s += v[i]! * x[i * cols + c]!;
    for (let i = 0; i < N; i++) x[i * cols + c]! -= 2 * s * v[i]!;
  }
}

// On both kernel sets: the block matmuls run the device's matmul variant (register-blocked or tiled).
describe.each(['software', 'hardware'] as const)('compact WY back-transformation (%s kernels)', (kernels) => {
  const device = useDevice({ kernels });
  const N = 12, n = 11, count = 9;
  const y = reflectors(count, N, n, 4);

  it('I − U·T·Uᵀ is the product of the block reflectors', () => {
    const b = 5;
    const T = compactWyFactor(y, b, N);
    // P = H₀···H_{b−1}: start from I, apply each H from the left, last first.
    const p = new Float64Array(N * N);
    for (let i = 0; i < N; i++) p[i * N + i] = 1;
    for (let k = b - 1; k >= 0; k--) reflectLeft(p, N, N, y.subarray(k * N, (k + 1) * N));
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        let utu = 0;
        for (let r = 0; r < b; r++) for (let c = 0; c < b; c++) utu += y[r * N + i]! * T[r * b + c]! * y[c * N + j]!;
        expect(Math.abs((i === j ? 1 : 0) - utu - p[i * N + j]!)).toBeLessThan(1e-12);
      }
    }
  });

  it('applyReflectorsLeft gives J·Q·J·X on reversed rows (blocks of 4: two full, one partial)', async () => {
    const rows = 16, cols = 8;
    // X [rows, cols]: rows ≥ n zero, as the tridiagonal eigh hands it over.
    const x0 = Float32Array.from(randomArray(rows * cols, 8).map((v, i) => (i < n * cols ? v : 0)));
    const dev = device();
    const x = dev.allocate(x0.byteLength);
    dev.upload(x, x0);
    const out = applyReflectorsLeft(dev, x, rows, cols, y, count, n, N, 4);
    const got = new Float32Array(await dev.read(out, x0.byteLength));
    dev.release(out);
    // Y = JX (first n rows reversed), Y ← Q·Y = H₀(H₁(···H_{count−1}·Y)), then back to reversed rows.
    const yx = new Float64Array(N * cols);
    for (let r = 0; r < n; r++) for (let c = 0; c < cols; c++) yx[r * cols + c] = x0[(n - 1 - r) * cols + c]!;
    for (let k = count - 1; k >= 0; k--) reflectLeft(yx, N, cols, y.subarray(k * N, (k + 1) * N));
    const want = new Float64Array(rows * cols);
    for (let r = 0; r < n; r++) for (let c = 0; c < cols; c++) want[r * cols + c] = yx[(n - 1 - r) * cols + c]!;
    expectClose(got, want, { atol: 1e-5 });
    // Rᵀ·(T·R·Y) subtracted in the epilogue: compiled already exactly when the tiled variant ran.
    const compiled = dev.stats().pipelinesCompiled;
    dev.pipelines.get(tiledMatmulKernel({ transposeA: true, transposeB: false, addend: true }));
    expect(dev.stats().pipelinesCompiled - compiled, 'pipelines compiled by asking for the tiled addend matmul').toBe(kernels === 'hardware' ? 0 : 1);
  });
});

describe('eigenvector columns', () => {
  const device = useDevice();

  it('reverse the rows, drop the padding and normalise each column (float64 reference)', async () => {
    const n = 19, rows = 24, S = 12, k = 9;
    const src = Float32Array.from(randomArray(rows * S, 21).map((v, i) => (Math.floor(i / S) < n ? v : 0)));
    for (let r = 0; r < rows; r++) src[r * S + 4] = 0; // a zero column stays zero
    const dev = device();
    const buf = dev.allocate(src.byteLength);
    dev.upload(buf, src);
    const out = wc.zeros([n, k]);
    dev.dispatch(eigenvectorColumnsKernel(), new Uint32Array([n, k, S / 4]), [buf, out.buffer], grid1d(S / 4, COLUMNS_WORKGROUP));
    expectClose(await out.toArray(), eigenvectorColumnsReference(src, n, k, S), { atol: 3e-6 });
    dev.release(buf);
  });
});
