/**
 * Pooling against the float64 references (kernels/pool.reference.ts).
 * Tolerances: max pooling selects a value and its gradient adds at most a few g values (one per
 * window whose argmax is the pixel; m ≤ windows covering it): exact forward, m·ε₃₂·Σ|g| backward.
 * Average pooling sums ≤ kh·kw float32 values and divides once: (kh·kw + 1)·ε₃₂·Σ|x|/divisor;
 * its backward adds ≤ m quotients g/divisor: (m + 1)·ε₃₂·Σ|g|/divisor. We bound m by the window
 * area kh·kw (windows containing a pixel are at most ceil(k/s)² ≤ k²) and the adaptive windows
 * by the whole plane H·W, and evaluate Σ|·| with the reference on absolute values.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import type { Window2d } from '../../kernels/window2d.js';
import { poolBackwardReference, poolReference } from '../../kernels/pool.reference.js';
import { poolTiles, type PoolVariant } from '../../kernels/pool.wgsl.js';
import { windowGeometry } from '../../engine/ops/window2d.js';
import { useDevice } from '../helpers/device.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { EPS32, randomArray, toF32 } from '../helpers/numeric.js';
import { Generator } from '../../index.js';

type Shape4 = [number, number, number, number];
interface Fixed { x: Shape4; k: [number, number]; stride?: [number, number] | number; padding?: [number, number] | number }

/**
 * Odd sizes, stride 2 and 1, padding 1, overlapping and non-overlapping windows, N and C 1–3; the
 * last two tile the input exactly (the backward's `tiles` path), the first leaves a last row and
 * column outside every window.
 */
const fixed: Fixed[] = [
  { x: [1, 1, 5, 5], k: [2, 2] },
  { x: [2, 3, 7, 6], k: [3, 3], stride: 2, padding: 1 },
  { x: [1, 3, 9, 8], k: [3, 2], stride: 1, padding: [1, 1] },
  { x: [2, 1, 17, 3], k: [4, 3], stride: [3, 1], padding: [2, 1] },
  { x: [2, 3, 6, 9], k: [2, 3] },
  { x: [1, 2, 17, 3], k: [17, 1] },
];
/** Uneven covers (the adaptive kernels) and exact ones (routed to the fixed windows that tile the input). */
const adaptive: { x: Shape4; out: [number, number] }[] = [
  { x: [1, 1, 5, 5], out: [3, 3] },
  { x: [2, 3, 7, 6], out: [2, 4] },
  { x: [1, 2, 3, 4], out: [5, 7] }, // more windows than positions: they overlap
  { x: [2, 1, 9, 8], out: [1, 1] }, // global pooling (one window tiles the plane)
  { x: [2, 3, 15, 9], out: [5, 3] }, // 3×3 tiles
  { x: [1, 2, 12, 8], out: [4, 8] }, // 3×1 tiles
  { x: [1, 2, 12, 7], out: [4, 2] }, // exact along H only: adaptive
];

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function fixedWindows(c: Fixed): Window2d {
  return windowGeometry('test', c.x, c.k, { stride: c.stride ?? c.k, padding: c.padding ?? 0 });
}
function adaptiveWindows(x: Shape4, out: [number, number]): Window2d {
  return { size: [x[2], x[3]], out, kernel: [1, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1] };
}

/** Values that tie often (multiples of 1/4 in [−1, 1]), to exercise the first-maximum rule. */
function tied(n: number, seed: number): Float32Array {
  const g = new Generator(seed);
  return Float32Array.from({ length: n }, () => (g.int(9) - 4) / 4);
}

/** Distinct values ≥ 0.05 apart, so that a finite-difference step never changes an argmax. */
function distinct(n: number, seed: number): Float64Array {
  const perm = new Generator(seed).permutation(n);
  return Float64Array.from(perm, (v) => 0.05 * v - 0.025 * n);
}

interface Run { name: string; op: (t: wc.Tensor) => wc.Tensor; x: Shape4; w: Window2d; v: PoolVariant; includePad: boolean; m: number }

function runs(): Run[] {
  const out: Run[] = [];
  for (const c of fixed) {
    const w = fixedWindows(c);
    const opts = { stride: c.stride, padding: c.padding };
    const m = c.k[0] * c.k[1];
    out.push({ name: `maxPool2d ${JSON.stringify(c)}`, op: (t) => wc.maxPool2d(t, c.k, opts), x: c.x, w, v: { op: 'max', adaptive: false }, includePad: false, m });
    for (const includePad of [true, false]) {
      out.push({ name: `avgPool2d ${JSON.stringify(c)} countIncludePad ${includePad}`, op: (t) => wc.avgPool2d(t, c.k, { ...opts, countIncludePad: includePad }), x: c.x, w, v: { op: 'avg', adaptive: false }, includePad, m });
    }
  }
  for (const c of adaptive) {
    const w = adaptiveWindows(c.x, c.out);
    const m = c.x[2] * c.x[3];
    out.push({ name: `adaptiveMaxPool2d ${JSON.stringify(c)}`, op: (t) => wc.adaptiveMaxPool2d(t, c.out), x: c.x, w, v: { op: 'max', adaptive: true }, includePad: false, m });
    out.push({ name: `adaptiveAvgPool2d ${JSON.stringify(c)}`, op: (t) => wc.adaptiveAvgPool2d(t, c.out), x: c.x, w, v: { op: 'avg', adaptive: true }, includePad: false, m });
  }
  return out;
}

function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, bound: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i]! - want[i]!), `${what}: element ${i} is ${got[i]}, expected ${want[i]}`).toBeLessThanOrEqual(bound[i]!);
  }
}

describe('pooling vs float64 reference', () => {
  useDevice();

  it('forward and backward, with ties (max: first maximum gets the gradient)', async () => {
    for (const [i, r] of runs().entries()) {
      const planes = r.x[0] * r.x[1];
      const x = tied(size(r.x), i + 1);
      const want = poolReference(x, planes, r.w, r.v, r.includePad);
      const g = toF32(randomArray(want.out.length, i + 50));
      const xt = wc.tensor(x, r.x, { requiresGrad: true });
      const y = r.op(xt);
      expect(y.shape, r.name).toEqual([r.x[0], r.x[1], ...r.w.out]);
      const fwdBound = r.v.op === 'max' ? new Float64Array(want.out.length) : poolReference(x.map(Math.abs), planes, r.w, r.v, r.includePad).out.map((s) => (r.m + 1) * EPS32 * s);
      expectWithin(await y.toArray(), want.out, fwdBound, `${r.name} forward`);
      wc.tidy(() => y.backward(wc.tensor(g, y.shape)));
      const dx = poolBackwardReference(g, want.argmax, planes, r.w, r.v, r.includePad);
      const bwdBound = poolBackwardReference(g.map(Math.abs), want.argmax, planes, r.w, r.v, r.includePad).map((s) => (r.m + 1) * EPS32 * s);
      expectWithin(await xt.grad!.toArray(), dx, bwdBound, `${r.name} backward`);
      xt.dispose();
      y.dispose();
    }
  });

  // NaN wins its window and the first NaN of the row-major scan takes the gradient (PyTorch); the
  // reference follows the same rule. A 6×6 plane in 3×3 tiles holds NaN first in window (0, 0), in the
  // middle of (0, 1), last in (1, 0), none in (1, 1); every max run also gets NaN at every 7th pixel.
  it('max pooling with NaN first, middle and last in a window matches the reference, forward and backward', async () => {
    const tile = { name: 'maxPool2d 3×3 tiles', op: (t: wc.Tensor) => wc.maxPool2d(t, 3), x: [1, 1, 6, 6] as Shape4, w: fixedWindows({ x: [1, 1, 6, 6], k: [3, 3] }), v: { op: 'max', adaptive: false } as PoolVariant, includePad: false, m: 9 };
    for (const [i, r] of [tile, ...runs().filter((r) => r.v.op === 'max')].entries()) {
      const planes = r.x[0] * r.x[1];
      const x = tied(size(r.x), i + 200);
      if (i === 0) for (const at of [0 * 6 + 0, 1 * 6 + 4, 5 * 6 + 2]) x[at] = NaN;
      else for (let at = i % 7; at < x.length; at += 7) x[at] = NaN;
      const want = poolReference(x, planes, r.w, r.v, r.includePad);
      if (i === 0) {
        expect(Array.from(want.out, Number.isNaN), 'reference').toEqual([true, true, true, false]);
        expect(Array.from(want.argmax.subarray(0, 3)), 'reference argmax').toEqual([0, 10, 32]);
      }
      const xt = wc.tensor(x, r.x, { requiresGrad: true });
      const y = r.op(xt);
      expect(Array.from(await y.toArray()), `${r.name} forward`).toEqual(Array.from(want.out));
      const g = toF32(randomArray(want.out.length, i + 250));
      wc.tidy(() => y.backward(wc.tensor(g, y.shape)));
      const dx = poolBackwardReference(g, want.argmax, planes, r.w, r.v, r.includePad);
      const bwdBound = poolBackwardReference(g.map(Math.abs), want.argmax, planes, r.w, r.v, r.includePad).map((s) => (r.m + 1) * EPS32 * s);
      expectWithin(await xt.grad!.toArray(), dx, bwdBound, `${r.name} backward`);
      xt.dispose();
      y.dispose();
    }
  });

  it('max pooling propagates NaN (as PyTorch): a window holding one pools to NaN and its gradient goes there', async () => {
    const x = wc.tensor([1, NaN, 2, 0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], [1, 1, 4, 4], { requiresGrad: true });
    for (const pool of [(t: wc.Tensor) => wc.maxPool2d(t, 2), (t: wc.Tensor) => wc.maxPool2d(t, 3, { stride: 1 }), (t: wc.Tensor) => wc.adaptiveMaxPool2d(t, [3, 3])]) {
      const y = pool(x);
      const v = await y.toArray();
      expect(Number.isNaN(v[0]!), 'window 0 holds the NaN').toBe(true);
      expect(v.some((e) => !Number.isNaN(e)), 'windows without it stay finite').toBe(true);
      x.grad?.dispose();
      x.grad = null;
      wc.tidy(() => wc.sum(y).backward());
      const g = await x.grad!.toArray();
      // Every window holding the NaN pools to it and sends its gradient (1) to its position.
      expect(g[1], 'the NaN position gets the gradient of each window holding it').toBe(v.filter(Number.isNaN).length);
      y.dispose();
    }
    x.dispose();
  });

  it('finite differences agree', async () => {
    for (const [i, r] of runs().entries()) {
      await checkGrad(r.op, [{ shape: r.x, data: distinct(size(r.x), i + 1) }]);
    }
  });

  it('recognises windows that tile the input', () => {
    const w = (x: Shape4, k: [number, number], stride: [number, number] | number = k, padding = 0) => windowGeometry('test', x, k, { stride, padding });
    expect(poolTiles(w([1, 1, 6, 9], [2, 3]))).toBe(true);
    expect(poolTiles(w([1, 1, 17, 3], [17, 1]))).toBe(true);
    expect(poolTiles(w([1, 1, 5, 6], [2, 3]))).toBe(false); // row 4 is in no window
    expect(poolTiles(w([1, 1, 6, 6], [2, 2], 1))).toBe(false); // overlapping
    expect(poolTiles(w([1, 1, 6, 6], [2, 2], 2, 1))).toBe(false); // padded
  });

  it('max pooling without autograd allocates no index tensor', () => {
    const x = wc.tensor(tied(2 * 3 * 7 * 6, 3), [2, 3, 7, 6], { requiresGrad: true });
    const device = wc.getDevice();
    const before = device.stats().liveTensors;
    wc.noGrad(() => wc.maxPool2d(x, 2)).dispose();
    wc.tidy(() => { wc.sum(wc.maxPool2d(x, 2)).backward(); });
    expect(device.stats().liveTensors).toBe(before + 1); // x.grad
    x.dispose();
  });

  it('says what is wrong with bad arguments', () => {
    const x = wc.zeros([1, 2, 5, 5]);
    expect(() => wc.maxPool2d(wc.zeros([2, 5, 5]), 2)).toThrow('maxPool2d: x must be 4-D [N, C, H, W], got [2, 5, 5]');
    expect(() => wc.maxPool2d(x, 6)).toThrow('maxPool2d: kernel 6×6 is larger than the padded input 5×5 (x is [1, 2, 5, 5], padding 0×0)');
    expect(() => wc.avgPool2d(x, 3, { stride: 0 })).toThrow('avgPool2d: stride must be a positive integer or a pair [h, w] of them, got 0');
    expect(() => wc.maxPool2d(x, 3, { padding: 2 })).toThrow('maxPool2d: padding 2×2 must be at most half the kernel 3×3');
    expect(() => wc.adaptiveMaxPool2d(x, [0, 2])).toThrow('adaptiveMaxPool2d: outputSize must be a positive integer or a pair [h, w] of them, got [0,2]');
    expect(() => wc.adaptiveAvgPool2d(wc.zeros([1, 2, 0, 3]), 2)).toThrow('adaptiveAvgPool2d: x has an empty plane (x is [1, 2, 0, 3])');
  });
});
