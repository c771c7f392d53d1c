/**
 * cov and CovarianceAccumulator against the float64 reference.
 *
 * Tolerance: each output is one invocation's float32 fma chain over the rows, so (Higham, §3.1)
 * |ĉ_ij − c_ij| ≤ γ_k·scale·Σ_r |x̃_ri x̃_rj| with k = rows + 2 (the scale and, centred, the
 * subtraction of μ̂); μ̂'s own error enters only at second order because Σ_r x̃_ri = 0. The streaming
 * sum adds one rounding per batch, so k grows by the number of batches. These are worst-case bounds:
 * a wrong index or a missing term breaks them by orders of magnitude.
 *
 * Everything runs on a device forced to the software variant (kernels/covariance.wgsl.ts) and on one
 * forced to the hardware variant (kernels/covariance-tiled.wgsl.ts: the same fma chain per output, in
 * slabs of 16 rows staged in workgroup memory, so the same bound).
 * Mutations of the tiled kernel these tests catch, each tried: rows past the end read as values
 * instead of 0 (on both sides); the centring dropped on one side; off-diagonal tiles not mirrored; the diagonal tile's
 * lower half skipped; the row chunk's start ignored in the split variant.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { tiledCovarianceKernel } from '../../kernels/covariance-tiled.wgsl.js';
import { columnMeansReference, covarianceReference } from '../../kernels/covariance.reference.js';
import { covarianceKernel } from '../../kernels/covariance.wgsl.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { useDevice } from '../helpers/device.js';
import { EPS32, expectClose, randomArray, toF32 } from '../helpers/numeric.js';

const { linalg } = wc;

/** Elementwise bound γ_k·scale·Σ_r |x̃_ri||x̃_rj|. */
function covBound(x: Float32Array, rows: number, d: number, scale: number, center: boolean, k: number): Float64Array {
  const mu = center ? columnMeansReference(x, rows, d) : new Float64Array(d);
  const absX = Float64Array.from(x, (v, idx) => Math.abs(v - mu[idx % d]!));
  const s = covarianceReference(absX, rows, d, scale, false);
  const gamma = (k * EPS32) / (1 - k * EPS32);
  return s.map((v) => gamma * v + 1e-30);
}

function expectWithin(got: ArrayLike<number>, want: Float64Array, bound: Float64Array, what: string): void {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= bound[i]!)) {
      expect.fail(`${what}: element ${i} is ${got[i]}, expected ${want[i]} ± ${bound[i]}`);
    }
  }
}

const KERNELS = ['software', 'hardware'] as const;

describe.each(KERNELS)('linalg.cov (%s variant)', (kernels) => {
  const device = useDevice({ kernels });
  // 5,003 × 7 and 9,000 × 25 take the row-split path (few tiles, many rows: chunked partial sums);
  // 70 × 140: three tiles a side (diagonal, off-diagonal, partial), 4 whole slabs of 16 rows and a partial one.
  const shapes: [number, number][] = [[1, 1], [3, 17], [129, 3], [17, 129], [64, 33], [70, 140], [5003, 7], [9000, 25]];

  it('runs the forced variant (its pipeline is the one cov() compiled)', async () => {
    await linalg.cov(wc.tensor(toF32(randomArray(6, 1)), [3, 2])).toArray();
    const spec = (kernels === 'software' ? covarianceKernel : tiledCovarianceKernel)({ centered: false, accumulate: false, split: false });
    const compiled = device().stats().pipelinesCompiled;
    device().pipelines.get(spec);
    expect(device().stats().pipelinesCompiled, `${spec.name} was not compiled by cov()`).toBe(compiled);
  });

  for (const center of [false, true]) {
    it(`matches the float64 reference (center = ${center}), is exactly symmetric and deterministic`, async () => {
      for (const [rows, d] of shapes) {
        const x = toF32(randomArray(rows * d, rows * 31 + d, -1, 2));
        const t = wc.tensor(x, [rows, d]);
        const c = linalg.cov(t, { center });
        expect(c.shape).toEqual([d, d]);
        const got = await c.toArray();
        const want = covarianceReference(x, rows, d, 1 / rows, center);
        expectWithin(got, want, covBound(x, rows, d, 1 / rows, center, rows + 2), `cov ${rows}×${d}`);
        for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) expect(got[i * d + j]).toBe(got[j * d + i]);
        expect(Array.from(await linalg.cov(t, { center }).toArray())).toEqual(Array.from(got));
      }
    });
  }

  it('has the gradient X̃(G + Gᵀ)/n', async () => {
    const x = { data: randomArray(15, 3), shape: [5, 3] };
    await checkGrad((t) => linalg.cov(t), [x]);
    await checkGrad((t) => linalg.cov(t, { center: true }), [x]);
  });

  it('rejects bad input with the op and argument named', () => {
    expect(() => linalg.cov(wc.tensor([1, 2, 3], [3]))).toThrow('cov: x must be a 2-D matrix, got shape [3]');
    expect(() => linalg.cov(wc.zeros([0, 4]))).toThrow('cov: x must not be empty, got shape [0, 4]');
    expect(() => linalg.cov(wc.tensor([1, 2], [1, 2], { dtype: 'int32' }))).toThrow('cov: x must be float32, got int32');
  });
});

describe.each(KERNELS)('linalg.CovarianceAccumulator (%s variant)', (kernels) => {
  const device = useDevice({ kernels });
  const d = 33;
  const batches = [5, 1, 17, 40];
  const rows = batches.reduce((a, b) => a + b, 0);
  const x = toF32(randomArray(rows * d, 99, -1, 1));

  it('streams batches to the covariance of their concatenation', async () => {
    const acc = new linalg.CovarianceAccumulator(d, { device: device() });
    let start = 0;
    for (const m of batches) {
      acc.add(wc.tensor(x.subarray(start * d, (start + m) * d), [m, d]));
      start += m;
    }
    expect(acc.count).toBe(rows);
    const want = covarianceReference(x, rows, d, 1 / rows);
    const bound = covBound(x, rows, d, 1 / rows, false, rows + batches.length + 1);
    expectWithin(await acc.value().toArray(), want, bound, 'streamed value()');
    expectWithin(await acc.sum().toArray(), want.map((v) => v * rows), bound.map((v) => v * rows), 'sum()');
    // The one-shot op sums the same rows in another grouping: both sit inside the same bound.
    expectWithin(await linalg.cov(wc.tensor(x, [rows, d])).toArray(), want, bound, 'one-shot cov');
    acc.dispose();
  });

  it('saves and restores its state, resets, and checks its input', async () => {
    const acc = new linalg.CovarianceAccumulator(d);
    acc.add(wc.tensor(x.subarray(0, 10 * d), [10, d]));
    const saved = acc.sum();
    const restored = new linalg.CovarianceAccumulator(d).load(saved, acc.count);
    const more = wc.tensor(x.subarray(10 * d, 30 * d), [20, d]);
    acc.add(more);
    restored.add(more);
    expect(restored.count).toBe(30);
    expect(Array.from(await restored.value().toArray())).toEqual(Array.from(await acc.value().toArray()));
    acc.reset();
    expect(acc.count).toBe(0);
    expectClose(await acc.sum().toArray(), new Float64Array(d * d), {}, 'sum after reset');
    expect(() => acc.value()).toThrow('CovarianceAccumulator.value: no rows added yet');
    expect(() => acc.add(wc.zeros([4, d + 1]))).toThrow(`CovarianceAccumulator.add: batch must be [m, ${d}], got [4, ${d + 1}]`);
    expect(() => new linalg.CovarianceAccumulator(0)).toThrow('CovarianceAccumulator: d must be a positive integer, got 0');
    acc.dispose();
    restored.dispose();
    expect(() => acc.add(more)).toThrow('CovarianceAccumulator: used after dispose()');
  });
});
