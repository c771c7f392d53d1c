/**
 * conv2dMaxPool against the float64 reference (kernels/conv-pool.reference.ts) and against the
 * composition maxPool2d(conv2d(x, w)).
 *
 * Tolerances from error analysis (Higham §3.1; inputs are float32-exact; ε₃₂ = 2⁻²³):
 *   out: the pooled value is one float32 conv output, a sum of K = Cin·kh·kw products and the bias
 *        → (K + 1)·ε₃₂·max over the window of (Σ|w||x| + |b|). The composition's conv output obeys
 *        the same bound, so the two differ by at most twice it.
 *   argmax: equal to the reference's wherever the window's largest exact conv output exceeds the
 *        runner-up by more than twice that bound (the cases below are checked to have such margins);
 *        with data in {−1, 0, 1} all arithmetic is exact, so ties are exact and the first maximum
 *        must win.
 *   dW, db: T = N·Po·Qo terms g·x (or g) per entry, ⌈T/G⌉ per invocation and then the G invocations'
 *        partial sums (G = CONV_POOL_GRAD_WORKGROUP) → (T + G)·ε₃₂·Σ|g||x| (Σ|g|).
 *   dx: as conv2d's, Cout products per patch entry, then a fold of ≤ kh·kw → (Cout + kh·kw)·ε₃₂·Σ|g||w|.
 * Each Σ|·| is the reference evaluated on absolute values. We allow twice these bounds.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { conv2dReference } from '../../kernels/conv2d.reference.js';
import { convPoolBackwardReference, convPoolReference, type ConvPoolShapes } from '../../kernels/conv-pool.reference.js';
import { CONV_POOL_GRAD_CHANNEL_TERMS, CONV_POOL_GRAD_WORKGROUP, CONV_POOL_WORKGROUP, convPoolFits, convPoolKernel, convPoolParams } from '../../kernels/conv-pool.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import { windowGeometry } from '../../engine/ops/window2d.js';
import { emptyTensor } from '../../engine/tensor.js';
import { useDevice } from '../helpers/device.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { EPS32, randomArray, toF32 } from '../helpers/numeric.js';

interface Case { N: number; Cin: number; Cout: number; hw: [number, number]; k: [number, number]; stride?: number | [number, number]; padding?: number | [number, number]; pool: [number, number]; bias: boolean }

/** Cin 1 and 3, stride 1, 2 and [1, 2], padding 1, non-square windows, N 1–3 and 66, with and without bias. */
const cases: Case[] = [
  { N: 1, Cin: 1, Cout: 2, hw: [6, 6], k: [3, 3], pool: [2, 2], bias: false },
  { N: 2, Cin: 3, Cout: 3, hw: [7, 6], k: [3, 2], stride: 2, padding: 1, pool: [2, 1], bias: true },
  { N: 3, Cin: 1, Cout: 4, hw: [9, 8], k: [2, 3], padding: 1, pool: [5, 2], bias: false },
  { N: 2, Cin: 3, Cout: 2, hw: [5, 9], k: [3, 3], stride: [1, 2], pool: [3, 2], bias: true },
  // The seed CNN's first layer (Conv2d(1, 32, 5) on 28×28, 6×6 windows), fewer channels.
  { N: 2, Cin: 1, Cout: 3, hw: [28, 28], k: [5, 5], pool: [6, 6], bias: false },
  // Weight-gradient layouts: 10 channels over two workgroups of the channels layout; 66·16 = 1,056
  // terms (> CONV_POOL_GRAD_CHANNEL_TERMS) take the terms layout.
  { N: 2, Cin: 3, Cout: 10, hw: [6, 6], k: [3, 3], pool: [2, 2], bias: true },
  { N: 66, Cin: 1, Cout: 2, hw: [28, 28], k: [5, 5], pool: [6, 6], bias: true },
];

const label = (c: Case) => `N ${c.N} Cin ${c.Cin} Cout ${c.Cout} ${JSON.stringify(c.hw)} kernel ${JSON.stringify(c.k)} stride ${JSON.stringify(c.stride ?? 1)} padding ${JSON.stringify(c.padding ?? 0)} pool ${JSON.stringify(c.pool)} bias ${c.bias}`;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const abs = (a: Float32Array) => a.map(Math.abs);

function setup(c: Case, data: (n: number, seed: number) => Float32Array, seed: number) {
  const xShape = [c.N, c.Cin, ...c.hw];
  const wShape = [c.Cout, c.Cin, ...c.k];
  const geom = windowGeometry('test', xShape, c.k, { stride: c.stride, padding: c.padding });
  const s: ConvPoolShapes = { N: c.N, Cin: c.Cin, Cout: c.Cout, w: geom, pool: c.pool };
  const outShape = [c.N, c.Cout, geom.out[0] / c.pool[0], geom.out[1] / c.pool[1]];
  return { xShape, wShape, outShape, s, x: data(size(xShape), seed), w: data(size(wShape), seed + 1), b: c.bias ? data(c.Cout, seed + 2) : undefined };
}

const uniform = (n: number, seed: number) => toF32(randomArray(n, seed));
/** −1, 0 or 1: every sum below is exact in float32, and equal conv outputs are common. */
const integers = (n: number, seed: number) => { const g = new wc.Generator(seed); return Float32Array.from({ length: n }, () => g.int(3) - 1); };

type Setup = ReturnType<typeof setup>;
const opts = (c: Case, bias?: wc.Tensor) => ({ stride: c.stride, padding: c.padding, pool: c.pool, bias });
const K = (c: Case) => c.Cin * c.k[0] * c.k[1];

/** The values bound 2·(K + 1)·ε₃₂·(max over the window of Σ|w||x| + |b|), per pooled output. */
function valueBound(c: Case, d: Setup): Float64Array {
  return convPoolReference(abs(d.x), abs(d.w), d.s, d.b && abs(d.b)).out.map((v) => 2 * (K(c) + 1) * EPS32 * v);
}

/** Per window, the gap between the largest exact conv output and the runner-up (∞ for a 1-output window). */
function margins(d: Setup): Float64Array {
  const conv = conv2dReference(d.x, d.w, d.s, d.b);
  const [Ho, Wo] = d.s.w.out, [ph, pw] = d.s.pool;
  const [Po, Qo] = [Ho / ph, Wo / pw];
  return Float64Array.from({ length: d.s.N * d.s.Cout * Po * Qo }, (_, o) => {
    const plane = Math.floor(o / (Po * Qo)), py = Math.floor(o / Qo) % Po, px = o % Qo;
    const vals: number[] = [];
    for (let i = 0; i < ph; i++) for (let j = 0; j < pw; j++) vals.push(conv[(plane * Ho + py * ph + i) * Wo + px * pw + j]!);
    vals.sort((a, b) => b - a);
    return vals.length > 1 ? vals[0]! - vals[1]! : Infinity;
  });
}

/** Runs the forward kernel itself, to read the argmax the op keeps for its backward. */
async function forwardKernel(c: Case, d: Setup): Promise<{ out: Float32Array; argmax: Int32Array }> {
  const dev = wc.getDevice();
  const [x, w] = [wc.tensor(d.x, d.xShape), wc.tensor(d.w, d.wShape)];
  const b = d.b && wc.tensor(d.b, [c.Cout]);
  const out = emptyTensor(dev, d.outShape), argmax = emptyTensor(dev, d.outShape, 'int32');
  const items = c.N * d.outShape[2]! * d.outShape[3]!;
  const params = convPoolParams({ items, cout: c.Cout, convW: d.s.w.out[1], cin: c.Cin, size: d.s.w.size, pooled: [d.outShape[2]!, d.outShape[3]!], pad: d.s.w.padding, stride: d.s.w.stride });
  const variant = { cin: c.Cin, kernel: c.k, stride: d.s.w.stride, pool: c.pool, bias: c.bias, indices: true };
  dev.dispatch(convPoolKernel(variant), params, [x.buffer, w.buffer, out.buffer, argmax.buffer, ...(b ? [b.buffer] : [])], grid1d(items, CONV_POOL_WORKGROUP));
  const result = { out: await out.toArray() as Float32Array, argmax: await argmax.toArray() as Int32Array };
  [x, w, b, out, argmax].forEach((t) => t?.dispose());
  return result;
}

function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, bound: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i]! - want[i]!), `${what}: element ${i} is ${got[i]}, expected ${want[i]}`).toBeLessThanOrEqual(bound[i]!);
  }
}

describe('conv2dMaxPool', () => {
  useDevice();

  it('every case runs fused (within the kernel budget), and the cases cover both weight-gradient layouts', () => {
    for (const c of cases) {
      const stride = windowGeometry('test', [c.N, c.Cin, ...c.hw], c.k, { stride: c.stride }).stride;
      expect(convPoolFits({ cin: c.Cin, kernel: c.k, stride, pool: c.pool }), label(c)).toBe(true);
    }
    const terms = (c: Case) => size(setup(c, uniform, 0).outShape) / c.Cout;
    expect(cases.some((c) => terms(c) > CONV_POOL_GRAD_CHANNEL_TERMS)).toBe(true);
    expect(cases.some((c) => terms(c) <= CONV_POOL_GRAD_CHANNEL_TERMS && c.Cout > CONV_POOL_GRAD_WORKGROUP)).toBe(true);
  });

  it('forward values and argmax match the float64 reference', async () => {
    for (const [i, c] of cases.entries()) {
      const d = setup(c, uniform, 10 * i);
      const want = convPoolReference(d.x, d.w, d.s, d.b);
      const bound = valueBound(c, d);
      const gap = margins(d);
      expect(gap.every((g, o) => g > 2 * bound[o]!), `${label(c)}: test data without near-ties`).toBe(true);
      const got = await forwardKernel(c, d);
      expectWithin(got.out, want.out, bound, `${label(c)} out`);
      expect(Array.from(got.argmax), `${label(c)} argmax`).toEqual(Array.from(want.argmax));
      // The op (without autograd: no argmax written) computes the same values.
      const y = wc.conv2dMaxPool(wc.tensor(d.x, d.xShape), wc.tensor(d.w, d.wShape), opts(c, d.b && wc.tensor(d.b, [c.Cout])));
      expect(y.shape, label(c)).toEqual(d.outShape);
      expectWithin(await y.toArray(), want.out, bound, `${label(c)} op`);
    }
  });

  it('exact data: ties go to the first maximum in row-major window order', async () => {
    for (const c of cases) {
      let seed = 200; // the first seed whose data has a tie in some window
      while (!margins(setup(c, integers, seed)).some((gap) => gap === 0)) seed += 10;
      const d = setup(c, integers, seed);
      const want = convPoolReference(d.x, d.w, d.s, d.b);
      const got = await forwardKernel(c, d);
      expect(Array.from(got.out), `${label(c)} out`).toEqual(Array.from(want.out));
      expect(Array.from(got.argmax), `${label(c)} argmax`).toEqual(Array.from(want.argmax));
    }
  });

  it('equals maxPool2d(conv2d(x, w)): within the bound, and exactly (gradients too) on exact data', async () => {
    for (const [i, c] of cases.entries()) {
      const d = setup(c, uniform, 30 * i);
      const [x, w] = [wc.tensor(d.x, d.xShape), wc.tensor(d.w, d.wShape)];
      const b = d.b && wc.tensor(d.b, [c.Cout]);
      const fused = await wc.conv2dMaxPool(x, w, opts(c, b)).toArray();
      const composed = await wc.maxPool2d(wc.conv2d(x, w, { stride: c.stride, padding: c.padding, bias: b }), c.pool).toArray();
      expectWithin(fused, composed, valueBound(c, d).map((v) => 2 * v), `${label(c)} vs composition`);
    }
    for (const [i, c] of cases.entries()) {
      const d = setup(c, integers, 40 * i);
      const g = wc.tensor(integers(size(d.outShape), 40 * i + 3), d.outShape);
      const run = async (f: (x: wc.Tensor, w: wc.Tensor, b?: wc.Tensor) => wc.Tensor) => {
        const x = wc.tensor(d.x, d.xShape, { requiresGrad: true }), w = wc.tensor(d.w, d.wShape, { requiresGrad: true });
        const b = d.b && wc.tensor(d.b, [c.Cout], { requiresGrad: true });
        const y = f(x, w, b);
        const values = Array.from(await y.toArray());
        wc.tidy(() => y.backward(g));
        return [values, ...await Promise.all([x, w, ...(b ? [b] : [])].map(async (t) => Array.from(await t.grad!.toArray())))];
      };
      const fused = await run((x, w, b) => wc.conv2dMaxPool(x, w, opts(c, b)));
      const composed = await run((x, w, b) => wc.maxPool2d(wc.conv2d(x, w, { stride: c.stride, padding: c.padding, bias: b }), c.pool));
      expect(fused, `${label(c)}: values, dx, dw (, db)`).toEqual(composed);
    }
  });

  it('gradients of x, w and bias match the reference adjoint', async () => {
    for (const [i, c] of cases.entries()) {
      const d = setup(c, uniform, 50 * i);
      const want = convPoolReference(d.x, d.w, d.s, d.b);
      const bound = valueBound(c, d);
      expect(margins(d).every((gap, o) => gap > 2 * bound[o]!), `${label(c)}: test data without near-ties`).toBe(true);
      const g = uniform(size(d.outShape), 50 * i + 7);
      const x = wc.tensor(d.x, d.xShape, { requiresGrad: true }), w = wc.tensor(d.w, d.wShape, { requiresGrad: true });
      const b = d.b && wc.tensor(d.b, [c.Cout], { requiresGrad: true });
      wc.tidy(() => wc.conv2dMaxPool(x, w, opts(c, b)).backward(wc.tensor(g, d.outShape)));
      const ref = convPoolBackwardReference(g, want.argmax, d.x, d.w, d.s);
      const refAbs = convPoolBackwardReference(abs(g), want.argmax, abs(d.x), abs(d.w), d.s);
      const m = d.outShape[0]! * d.outShape[2]! * d.outShape[3]! + CONV_POOL_GRAD_WORKGROUP;
      expectWithin(await w.grad!.toArray(), ref.dw, refAbs.dw.map((v) => 2 * m * EPS32 * v), `${label(c)} dw`);
      if (b) expectWithin(await b.grad!.toArray(), ref.db, refAbs.db.map((v) => 2 * m * EPS32 * v), `${label(c)} db`);
      expectWithin(await x.grad!.toArray(), ref.dx, refAbs.dx.map((v) => 2 * (c.Cout + c.k[0] * c.k[1]) * EPS32 * v), `${label(c)} dx`);
      [x, w, b].forEach((t) => t?.dispose());
    }
  });

  it('finite differences agree for x, w and bias together and for each alone', async () => {
    // Step 1e-3 (inputs and directions in [−1, 1]): each conv output moves by less than
    // 1e-3·(2K + 1). The data is the first seed's whose windows all have margins above twice that,
    // so no argmax changes between the evaluations.
    const eps = 1e-3;
    for (const c of cases.slice(0, 4)) {
      const shift = eps * (2 * K(c) + 1);
      let seed = 100;
      while (!margins(setup(c, uniform, seed)).every((gap) => gap > 2 * shift)) seed += 10;
      const d = setup(c, uniform, seed);
      const X = { shape: d.xShape, data: d.x }, W = { shape: d.wShape, data: d.w };
      const [xc, wcst] = [wc.tensor(d.x, d.xShape), wc.tensor(d.w, d.wShape)];
      if (d.b) {
        const B = { shape: [c.Cout], data: d.b }, bc = wc.tensor(d.b, [c.Cout]);
        await checkGrad((xx, ww, bb) => wc.conv2dMaxPool(xx, ww, opts(c, bb)), [X, W, B], { eps });
        await checkGrad((bb) => wc.conv2dMaxPool(xc, wcst, opts(c, bb)), [B], { eps });
        await checkGrad((xx) => wc.conv2dMaxPool(xx, wcst, opts(c, bc)), [X], { eps });
        await checkGrad((ww) => wc.conv2dMaxPool(xc, ww, opts(c, bc)), [W], { eps });
      } else {
        await checkGrad((xx, ww) => wc.conv2dMaxPool(xx, ww, opts(c)), [X, W], { eps });
        await checkGrad((xx) => wc.conv2dMaxPool(xx, wcst, opts(c)), [X], { eps });
        await checkGrad((ww) => wc.conv2dMaxPool(xc, ww, opts(c)), [W], { eps });
      }
    }
  });

  it('NaN wins its window, at its first position, wherever it appears in the scan', async () => {
    const c = cases[0]!;
    const d = setup(c, uniform, 70);
    d.x[7] = NaN; // (1, 1): conv outputs (0..1, 0..1) read it, all in window (0, 0)
    const got = await forwardKernel(c, d);
    for (let ch = 0; ch < c.Cout; ch++) {
      expect(got.out[ch * 4], `channel ${ch}`).toBeNaN();
      expect(got.argmax[ch * 4], `channel ${ch}`).toBe(0);
      expect(got.out.slice(ch * 4 + 1, ch * 4 + 4).every((v) => !Number.isNaN(v)), `channel ${ch}`).toBe(true);
    }
    // The reference (pool.reference.ts) follows the same rule: NaN wins, its first position is the argmax.
    const ref = convPoolReference(d.x, d.w, d.s, d.b);
    expect(Array.from(got.argmax), 'argmax as the reference').toEqual(Array.from(ref.argmax));
    expect(Array.from(got.out, Number.isNaN), 'NaN outputs as the reference').toEqual(Array.from(ref.out, Number.isNaN));
    // (3, 3) reaches conv outputs (1..3, 1..3): a later position of windows (0, 0), (0, 1) and (1, 0),
    // after finite values (and followed by some), and the first of (1, 1). Conv plane 4×4: index oy·4 + ox.
    d.x[7] = 0.5;
    d.x[3 * 6 + 3] = NaN;
    const later = await forwardKernel(c, d);
    for (let ch = 0; ch < c.Cout; ch++) {
      expect(Array.from(later.out.slice(ch * 4, ch * 4 + 4)).every(Number.isNaN), `channel ${ch}`).toBe(true);
      expect(Array.from(later.argmax.slice(ch * 4, ch * 4 + 4)), `channel ${ch}`).toEqual([5, 6, 9, 10]);
    }
    const laterRef = convPoolReference(d.x, d.w, d.s, d.b);
    expect(Array.from(later.argmax), 'argmax as the reference').toEqual(Array.from(laterRef.argmax));
    expect(Array.from(later.out, Number.isNaN), 'NaN outputs as the reference').toEqual(Array.from(laterRef.out, Number.isNaN));
  });

  it('runs as conv2d + maxPool2d when the shape exceeds the kernel budget', async () => {
    const c: Case = { N: 2, Cin: 3, Cout: 2, hw: [10, 10], k: [5, 5], padding: 1, pool: [2, 2], bias: true };
    expect(convPoolFits({ cin: c.Cin, kernel: c.k, stride: [1, 1], pool: c.pool })).toBe(false);
    const d = setup(c, uniform, 80);
    const [x, w, b] = [wc.tensor(d.x, d.xShape), wc.tensor(d.w, d.wShape), wc.tensor(d.b!, [c.Cout])];
    const composed = await wc.maxPool2d(wc.conv2d(x, w, { padding: 1, bias: b }), 2).toArray();
    expect(Array.from(await wc.conv2dMaxPool(x, w, opts(c, b)).toArray())).toEqual(Array.from(composed));
  });

  it('keeps its argmax only while the op is recorded, and frees it in the backward', () => {
    const d = setup(cases[1]!, uniform, 90);
    const x = wc.tensor(d.x, d.xShape), w = wc.tensor(d.w, d.wShape, { requiresGrad: true });
    const device = wc.getDevice();
    const before = device.stats().liveTensors;
    wc.noGrad(() => wc.conv2dMaxPool(x, w, opts(cases[1]!))).dispose();
    expect(device.stats().liveTensors).toBe(before);
    wc.tidy(() => { wc.sum(wc.conv2dMaxPool(x, w, opts(cases[1]!))).backward(); });
    expect(device.stats().liveTensors).toBe(before + 1); // w.grad
    [x, w].forEach((t) => t.dispose());
  });

  it('says what is wrong with bad arguments', () => {
    const x = wc.zeros([2, 1, 28, 28]), w = wc.zeros([4, 1, 5, 5]);
    expect(() => wc.conv2dMaxPool(x, w, { pool: 5 })).toThrow('conv2dMaxPool: pool 5×5 must tile the conv output 24×24');
    expect(() => wc.conv2dMaxPool(x, w, { pool: [6, 5], padding: [0, 1] })).toThrow('conv2dMaxPool: pool 6×5 must tile the conv output 24×26');
    expect(() => wc.conv2dMaxPool(x, w, { pool: 0 })).toThrow('conv2dMaxPool: pool must be a positive integer or a pair [h, w] of them, got 0');
    expect(() => wc.conv2dMaxPool(x, w, {} as { pool: number })).toThrow('conv2dMaxPool: pool must be a positive integer or a pair [h, w] of them, got undefined');
    expect(() => wc.conv2dMaxPool(wc.zeros([28, 28]), w, { pool: 6 })).toThrow('conv2dMaxPool: x must be 4-D [N, Cin, H, W], got [28, 28]');
    expect(() => wc.conv2dMaxPool(x, wc.zeros([4, 5, 5]), { pool: 6 })).toThrow('conv2dMaxPool: w must be 4-D [Cout, Cin, kh, kw], got [4, 5, 5]');
    expect(() => wc.conv2dMaxPool(x, wc.zeros([4, 3, 5, 5]), { pool: 6 })).toThrow('conv2dMaxPool: x has 1 channels but w expects 3 (w is [4, 3, 5, 5])');
    expect(() => wc.conv2dMaxPool(x, wc.zeros([4, 1, 29, 5]), { pool: 1 })).toThrow('conv2dMaxPool: kernel 29×5 is larger than the padded input 28×28 (x is [2, 1, 28, 28], padding 0×0)');
    expect(() => wc.conv2dMaxPool(x, w, { pool: 6, stride: [1, 0] })).toThrow('conv2dMaxPool: stride must be a positive integer or a pair [h, w] of them, got [1,0]');
    expect(() => wc.conv2dMaxPool(x, w, { pool: 6, bias: wc.zeros([3]) })).toThrow('conv2dMaxPool: bias must have shape [4] (one value per output channel), got [3]');
    expect(() => wc.conv2dMaxPool(x, wc.zeros([4, 1, 5, 5], { dtype: 'int32' }), { pool: 6 })).toThrow('conv2dMaxPool: w must be float32, got int32');
  });
});
