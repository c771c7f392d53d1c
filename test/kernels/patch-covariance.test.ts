/**
 * patchCov and CovarianceAccumulator.addPatches against the float64 reference
 * (kernels/patch-covariance.reference.ts) and against unfoldRows + cov.
 *
 * Tolerance: each entry sums the m = N·L products p_a·p_b of float32 values, in an order of the
 * kernel's own (per row pair, then over rows and image chunks); any order errs by at most
 * γ_m·Σ|p_a p_b| (Higham, §3.1 and §4.2), and the float32 scale 1/(N·L) and its product add two
 * roundings: γ_{m+2}·scale·Σ|p_a p_b|, with Σ|p_a p_b| the reference run on |x|. A streamed sum adds
 * one rounding per call, value() two more. unfoldRows + cov obeys the same bound, so the two differ
 * by at most twice it. Worst-case bounds, yet tight enough: skipping one image row's pairs broke the
 * first three tests by 6× to 1000×.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { patchCovarianceReference } from '../../kernels/patch-covariance.reference.js';
import { encodePatchCovariance, patchShape } from '../../engine/linalg/patch-covariance.js';
import { windowGeometry, type Window2dOptions } from '../../engine/ops/window2d.js';
import { useDevice } from '../helpers/device.js';
import { expectWithin, gamma } from '../helpers/error-bounds.js';
import { randomArray, toF32 } from '../helpers/numeric.js';

const { linalg } = wc;

interface Case { x: [number, number, number, number]; k: [number, number]; opts: Pick<Window2dOptions, 'stride' | 'padding'> }

/**
 * The seed shape (28×28, 5×5) at small N; Cin 1, 2 and 3; odd output widths (the kernel's two-column
 * unroll leaves a tail); a kernel wider than the row-pair kernel takes (unfoldRows + cov instead).
 */
const cases: Case[] = [
  { x: [2, 1, 28, 28], k: [5, 5], opts: {} },
  { x: [3, 3, 9, 8], k: [3, 3], opts: { padding: 1 } },
  { x: [1, 3, 13, 11], k: [5, 5], opts: { stride: 2 } },
  { x: [5, 1, 7, 6], k: [3, 2], opts: { stride: [2, 1], padding: [1, 0] } },
  { x: [4, 2, 6, 9], k: [2, 3], opts: { stride: [1, 2], padding: 1 } },
  { x: [2, 1, 3, 14], k: [1, 12], opts: { padding: [0, 1] } },
];

const label = (c: Case) => `x ${JSON.stringify(c.x)} kernel ${JSON.stringify(c.k)} ${JSON.stringify(c.opts)}`;
const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/**
 * Reference scale·Σ p pᵀ (scale 1/m for the mean, else 1; m = N·L patches) and the elementwise bound
 * γ_{m+roundings}·scale·Σ|p_a p_b|.
 */
function expected(x: Float32Array, c: Case, mean: boolean, roundings: number) {
  const w = windowGeometry('test', c.x, c.k, c.opts);
  const m = c.x[0] * w.out[0] * w.out[1];
  const scale = mean ? 1 / m : 1;
  const want = patchCovarianceReference(x, c.x[0], c.x[1], w, scale);
  const bound = patchCovarianceReference(x.map(Math.abs), c.x[0], c.x[1], w, scale).map((v) => gamma(m + roundings) * v);
  return { want, bound, rows: m, K: c.x[1] * c.k[0] * c.k[1] };
}

describe('linalg.patchCov', () => {
  const device = useDevice();

  it('matches the float64 reference, is exactly symmetric and deterministic', async () => {
    for (const [i, c] of cases.entries()) {
      const x = toF32(randomArray(sizeOf(c.x), 10 + i, -1, 2));
      const t = wc.tensor(x, c.x);
      const { want, bound, K } = expected(x, c, true, 2);
      const got = await linalg.patchCov(t, c.k, c.opts).toArray();
      expect(got.length, label(c)).toBe(K * K);
      expectWithin(got, want, bound, label(c));
      for (let a = 0; a < K; a++) for (let b = 0; b < a; b++) expect(got[a * K + b], `${label(c)} (${a}, ${b})`).toBe(got[b * K + a]);
      expect(Array.from(await linalg.patchCov(t, c.k, c.opts).toArray()), label(c)).toEqual(Array.from(got));
    }
  });

  it('agrees with cov(unfoldRows(x)) within twice the bound', async () => {
    for (const [i, c] of cases.entries()) {
      const x = toF32(randomArray(sizeOf(c.x), 20 + i, -1, 2));
      const t = wc.tensor(x, c.x);
      const { bound } = expected(x, c, true, 2);
      const viaRows = await linalg.cov(wc.unfoldRows(t, c.k, c.opts)).toArray();
      expectWithin(await linalg.patchCov(t, c.k, c.opts).toArray(), viaRows, bound.map((v) => 2 * v), label(c));
    }
  });

  it('takes two dispatches and no readback for the seed shape', () => {
    const x = wc.randn([8, 1, 28, 28]);
    const before = device().stats();
    linalg.patchCov(x, 5);
    const after = device().stats();
    expect(after.dispatches - before.dispatches).toBe(2);
    expect(after.readbacks).toBe(before.readbacks);
  });

  it('rejects bad input with the op and argument named', () => {
    const x = wc.zeros([1, 1, 4, 4]);
    expect(() => linalg.patchCov(wc.tensor([1, 2, 3], [3]), 3)).toThrow('patchCov: x must be 4-D [N, C, H, W], got [3]');
    expect(() => linalg.patchCov(wc.zeros([1, 1, 4, 4], { dtype: 'int32' }), 3)).toThrow('patchCov: x must be float32, got int32');
    expect(() => linalg.patchCov(wc.zeros([0, 1, 4, 4]), 3)).toThrow('patchCov: x must not be empty, got shape [0, 1, 4, 4]');
    expect(() => linalg.patchCov(x, 0)).toThrow('patchCov: kernel must be a positive integer or a pair [h, w] of them, got 0');
    expect(() => linalg.patchCov(x, 3, { stride: [1, 0] })).toThrow('patchCov: stride must be a positive integer or a pair [h, w] of them, got [1,0]');
    expect(() => linalg.patchCov(x, 5)).toThrow('patchCov: kernel 5×5 is larger than the padded input 4×4 (x is [1, 1, 4, 4], padding 0×0)');
    const shape = patchShape('test', x, 3, {});
    expect(() => encodePatchCovariance(device(), x, shape, device().allocate(16), 1, false)).toThrow('test: out holds 16 bytes, less than the [9, 9] float32 result needs (324)');
  });
});

describe('linalg.CovarianceAccumulator.addPatches', () => {
  const device = useDevice();
  const c: Case = { x: [3, 2, 9, 10], k: [3, 3], opts: { stride: [1, 2], padding: 1 } };
  const batches = [1, 2];
  const x = toF32(randomArray(sizeOf(c.x), 99, -1, 1));
  const per = sizeOf(c.x.slice(1));
  const part = (n0: number, n: number) => wc.tensor(x.subarray(n0 * per, (n0 + n) * per), [n, ...c.x.slice(1)]);

  it('streams batches of images to the sum over all their patches, and mixes with add(rows)', async () => {
    const { want, bound, rows, K } = expected(x, c, false, batches.length + 2);
    const acc = new linalg.CovarianceAccumulator(K, { device: device() });
    expect(acc.addPatches(part(0, 1), c.k, c.opts).addPatches(part(1, 2), c.k, c.opts)).toBe(acc);
    expect(acc.count).toBe(rows);
    expectWithin(await acc.sum().toArray(), want, bound, 'streamed sum()');
    expectWithin(await acc.value().toArray(), want.map((v) => v / rows), bound.map((v) => v / rows), 'streamed value()');
    // The same batches as patch rows through add(): the same terms, another order.
    const mixed = new linalg.CovarianceAccumulator(K).add(wc.unfoldRows(part(0, 1), c.k, c.opts)).addPatches(part(1, 2), c.k, c.opts);
    expect(mixed.count).toBe(rows);
    expectWithin(await mixed.sum().toArray(), want, bound, 'add(rows) then addPatches');
    acc.dispose();
    mixed.dispose();
  });

  it('checks its input', () => {
    const acc = new linalg.CovarianceAccumulator(9);
    expect(() => acc.addPatches(wc.zeros([1, 1, 5, 5]), 5)).toThrow('CovarianceAccumulator.addPatches: patches of x [1, 1, 5, 5] with a 5×5 kernel have 25 entries, expected 9');
    expect(() => acc.addPatches(wc.zeros([2, 5, 5]), 3)).toThrow('CovarianceAccumulator.addPatches: x must be 4-D [N, C, H, W], got [2, 5, 5]');
    expect(acc.count).toBe(0);
    acc.dispose();
    expect(() => acc.addPatches(wc.zeros([1, 1, 5, 5]), 3)).toThrow('CovarianceAccumulator: used after dispose()');
  });
});
