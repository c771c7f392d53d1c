/**
 * unfold / unfoldRows / fold against the float64 references (kernels/unfold.reference.ts).
 * Tolerances: unfold copies float32 values, so it must be exact. fold sums at most kh·kw float32
 * values per pixel in a fixed order; recursive summation of m terms errs by at most
 * (m − 1)·ε₃₂·Σ|terms| (Higham, Accuracy and Stability, §4.2), so we allow kh·kw·ε₃₂·Σ|terms|
 * with Σ|terms| from the reference run on |cols|.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { foldReference, unfoldReference } from '../../kernels/unfold.reference.js';
import { unfoldRaw } from '../../engine/ops/patches.js';
import { windowGeometry, type Window2dOptions } from '../../engine/ops/window2d.js';
import { useDevice } from '../helpers/device.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { EPS32, expectClose, randomArray, toF32 } from '../helpers/numeric.js';

interface Case { x: [number, number, number, number]; k: [number, number]; opts: Window2dOptions }

/** Odd sizes, stride 2, padding 1–2, dilation 2, channels 1 and 3, batches 1 and 2. */
const cases: Case[] = [
  { x: [1, 1, 5, 5], k: [3, 3], opts: {} },
  { x: [2, 3, 7, 6], k: [3, 2], opts: { stride: 2, padding: 1 } },
  { x: [1, 3, 9, 8], k: [3, 3], opts: { stride: [2, 1], padding: 2, dilation: 2 } },
  { x: [2, 1, 4, 5], k: [2, 3], opts: { padding: [1, 2], dilation: [2, 1] } },
  { x: [1, 1, 3, 3], k: [3, 3], opts: { padding: 1 } },
  { x: [2, 3, 17, 3], k: [5, 1], opts: { stride: 3, padding: [2, 0] } },
];

const label = (c: Case) => `x ${JSON.stringify(c.x)} kernel ${JSON.stringify(c.k)} ${JSON.stringify(c.opts)}`;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

describe('unfold and fold vs float64 reference', () => {
  useDevice();

  it('unfold gives F.unfold patches [N, C·kh·kw, L], exactly', async () => {
    for (const c of cases) {
      const x = toF32(randomArray(size(c.x), 1));
      const w = windowGeometry('test', c.x, c.k, c.opts);
      const y = wc.unfold(wc.tensor(x, c.x), c.k, c.opts);
      expect(y.shape, label(c)).toEqual([c.x[0], c.x[1] * c.k[0] * c.k[1], w.out[0] * w.out[1]]);
      expectClose(await y.toArray(), unfoldReference(x, c.x[0], c.x[1], w, 'cols'), {}, label(c));
    }
  });

  it('unfoldRows gives one row per patch [N·L, C·kh·kw], exactly', async () => {
    for (const c of cases) {
      const x = toF32(randomArray(size(c.x), 2));
      const w = windowGeometry('test', c.x, c.k, c.opts);
      const y = wc.unfoldRows(wc.tensor(x, c.x), c.k, c.opts);
      expect(y.shape, label(c)).toEqual([c.x[0] * w.out[0] * w.out[1], c.x[1] * c.k[0] * c.k[1]]);
      expectClose(await y.toArray(), unfoldReference(x, c.x[0], c.x[1], w, 'rows'), {}, label(c));
    }
  });

  it('patches with a row of ones appended (conv2d\'s bias in homogeneous coordinates), both layouts', async () => {
    for (const c of cases) {
      const x = toF32(randomArray(size(c.x), 6));
      const w = windowGeometry('test', c.x, c.k, c.opts);
      for (const layout of ['cols', 'rows'] as const) {
        const y = unfoldRaw('test', wc.tensor(x, c.x), w, layout, true);
        expectClose(await y.toArray(), unfoldReference(x, c.x[0], c.x[1], w, layout, true), {}, `${label(c)} ${layout}`);
      }
    }
  });

  it('fold sums overlapping patch entries back into [N, C, H, W]', async () => {
    for (const c of cases) {
      const w = windowGeometry('test', c.x, c.k, c.opts);
      const colsShape = [c.x[0], c.x[1] * c.k[0] * c.k[1], w.out[0] * w.out[1]];
      const cols = toF32(randomArray(size(colsShape), 3));
      const want = foldReference(cols, c.x[0], c.x[1], w, 'cols');
      const bound = foldReference(cols.map(Math.abs), c.x[0], c.x[1], w, 'cols');
      const got = await wc.fold(wc.tensor(cols, colsShape), [c.x[2], c.x[3]], c.k, c.opts).toArray();
      const m = c.k[0] * c.k[1];
      got.forEach((v, i) => expect(Math.abs(v - want[i]!), `${label(c)} element ${i}`).toBeLessThanOrEqual(m * EPS32 * bound[i]!));
    }
  });

  it('gradients: unfold, unfoldRows and fold (each the adjoint of the other)', async () => {
    for (const c of cases.slice(1, 4)) {
      const x = { shape: c.x, data: randomArray(size(c.x), 4) };
      await checkGrad((t) => wc.unfold(t, c.k, c.opts), [x]);
      await checkGrad((t) => wc.unfoldRows(t, c.k, c.opts), [x]);
      const w = windowGeometry('test', c.x, c.k, c.opts);
      const colsShape = [c.x[0], c.x[1] * c.k[0] * c.k[1], w.out[0] * w.out[1]];
      await checkGrad((t) => wc.fold(t, [c.x[2], c.x[3]], c.k, c.opts), [{ shape: colsShape, data: randomArray(size(colsShape), 5) }]);
    }
  });

  it('says what is wrong with bad arguments', () => {
    const x = wc.zeros([1, 2, 3, 3]);
    expect(() => wc.unfold(wc.zeros([3, 4]), 2)).toThrow('unfold: x must be 4-D [N, C, H, W], got [3, 4]');
    expect(() => wc.unfold(x, 4)).toThrow('unfold: kernel 4×4 is larger than the padded input 3×3 (x is [1, 2, 3, 3], padding 0×0)');
    expect(() => wc.unfold(x, 2, { dilation: 3 })).toThrow('unfold: kernel 2×2 with dilation 3×3 spans 4×4, which is larger than the padded input 3×3');
    expect(() => wc.unfoldRows(x, 2, { stride: 0 })).toThrow('unfoldRows: stride must be a positive integer or a pair [h, w] of them, got 0');
    expect(() => wc.unfold(x, 2, { padding: -1 })).toThrow('unfold: padding must be a non-negative integer or a pair [h, w] of them, got -1');
    expect(() => wc.unfold(x, [2, 1.5] as [number, number])).toThrow('unfold: kernel must be a positive integer or a pair [h, w] of them, got [2,1.5]');
    expect(() => wc.fold(wc.zeros([1, 7, 4]), [3, 3], 2)).toThrow('fold: cols has 7 rows, not a multiple of the kernel\'s 2×2 = 4 taps');
    expect(() => wc.fold(wc.zeros([1, 8, 5]), [3, 3], 2)).toThrow('fold: cols has 5 patches but a 3×3 output with this kernel, stride, padding and dilation has 2×2 = 4');
    expect(() => wc.fold(wc.zeros([8, 4]), [3, 3], 2)).toThrow('fold: cols must be 3-D [N, C·kh·kw, L], got [8, 4]');
  });
});
