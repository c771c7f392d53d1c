/**
 * conv2d (im2col + matmul) against the direct float64 reference (kernels/conv2d.reference.ts).
 *
 * Tolerances from error analysis: every float32 sum of m products, in any order, errs by at most
 * γ_m·Σ|products| ≈ m·ε₃₂·Σ|products| (Higham §3.1), and the inputs are float32-exact.
 *   y:  K = Cin·kh·kw products and b·1 in one matmul  → (K + 1)·ε₃₂·(Σ|x||w| + |b|)
 *   dx: Cout products per patch entry (Wᵀ·g), then a fold of ≤ kh·kw entries
 *                                                    → (Cout + kh·kw)·ε₃₂·Σ|g||w|
 *   dw: L = Ho·Wo products per sample, then a sum over N samples
 *                                                    → (L + N)·ε₃₂·Σ|g||x|
 *       (the hardware variant's implicit im2col sums all N·L products in one chain, γ_{N·L}: within
 *       twice (L + N) for the N ≤ 2 used here)
 *   db: L products g·1 in the same matmul, then N     → (L + N)·ε₃₂·Σ|g|
 * Each Σ|·| is the reference evaluated on absolute values. We allow twice these bounds.
 *
 * Every test runs on a device forced to the software variants (unfold + register-blocked matmul)
 * and on one forced to the hardware variants (kernels/conv2d-implicit.wgsl.ts for y and dW, the
 * tiled matmul for dx; with onPatches, unfold + the tiled matmul). Mutations of the implicit kernel
 * these tests catch, each tried: the stride ignored; the padding added instead of subtracted; the
 * dilation ignored along y; the bias entry 0 instead of 1; the weight gradient's sample index j / L
 * taken as j % L; a tap in the padding read instead of zeroed.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { conv2dBackwardReference, conv2dReference, type ConvShapes } from '../../kernels/conv2d.reference.js';
import { implicitConvKernel } from '../../kernels/conv2d-implicit.wgsl.js';
import { windowGeometry, type Window2dOptions } from '../../engine/ops/window2d.js';
import { useDevice } from '../helpers/device.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { EPS32, randomArray, toF32 } from '../helpers/numeric.js';

interface Case { N: number; Cin: number; Cout: number; hw: [number, number]; k: [number, number]; opts: Window2dOptions }

/** Odd sizes, stride 2, padding 1–2, dilation 2, Cin/Cout 1 and 3, N 1 and 2. */
const cases: Case[] = [
  { N: 1, Cin: 1, Cout: 1, hw: [5, 5], k: [3, 3], opts: {} },
  { N: 2, Cin: 3, Cout: 1, hw: [7, 6], k: [3, 2], opts: { stride: 2, padding: 1 } },
  { N: 1, Cin: 1, Cout: 3, hw: [9, 8], k: [3, 3], opts: { stride: [2, 1], padding: 2, dilation: 2 } },
  { N: 2, Cin: 3, Cout: 3, hw: [4, 5], k: [2, 3], opts: { padding: [1, 2], dilation: [2, 1] } },
  { N: 2, Cin: 3, Cout: 3, hw: [17, 3], k: [5, 1], opts: { stride: 3, padding: [2, 0] } },
  // The seed CNN's first layer (Conv2d(1, 32, 5) on 28×28), two samples.
  { N: 2, Cin: 1, Cout: 32, hw: [28, 28], k: [5, 5], opts: {} },
];

const label = (c: Case) => `N ${c.N} Cin ${c.Cin} Cout ${c.Cout} ${JSON.stringify(c.hw)} kernel ${JSON.stringify(c.k)} ${JSON.stringify(c.opts)}`;

function setup(c: Case, seed: number) {
  const xShape = [c.N, c.Cin, ...c.hw];
  const wShape = [c.Cout, c.Cin, ...c.k];
  const s: ConvShapes = { N: c.N, Cin: c.Cin, Cout: c.Cout, w: windowGeometry('test', xShape, c.k, c.opts) };
  const x = toF32(randomArray(xShape.reduce((a, b) => a * b), seed));
  const w = toF32(randomArray(wShape.reduce((a, b) => a * b), seed + 1));
  const b = toF32(randomArray(c.Cout, seed + 2));
  const yShape = [c.N, c.Cout, ...s.w.out];
  return { xShape, wShape, yShape, s, x, w, b };
}

/** |got − want| ≤ 2·m·ε₃₂·bound elementwise. */
function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, bound: ArrayLike<number>, m: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i]! - want[i]!), `${what}: element ${i} is ${got[i]}, expected ${want[i]}`).toBeLessThanOrEqual(2 * m * EPS32 * bound[i]!);
  }
}

const abs = (a: Float32Array) => a.map(Math.abs);

describe.each(['software', 'hardware'] as const)('conv2d (%s variants) vs float64 reference', (kernels) => {
  const device = useDevice({ kernels });

  it('runs the implicit-im2col kernels exactly on the hardware variants', async () => {
    const c = cases[1]!;
    const { xShape, wShape, x, w } = setup(c, 1);
    const xt = wc.tensor(x, xShape, { requiresGrad: true }), wt = wc.tensor(w, wShape, { requiresGrad: true });
    wc.tidy(() => wc.sum(wc.conv2d(xt, wt, c.opts)).backward());
    await wt.grad!.toArray();
    expect(device().kernelVariants.conv).toBe(kernels === 'hardware' ? 'implicit-gemm-64x64' : 'unfold-matmul');
    const compiled = device().stats().pipelinesCompiled;
    for (const pass of ['forward', 'weight-grad'] as const) device().pipelines.get(implicitConvKernel(pass));
    expect(device().stats().pipelinesCompiled - compiled, 'pipelines compiled by asking for the implicit kernels').toBe(kernels === 'hardware' ? 0 : 2);
    [xt, wt].forEach((t) => t.dispose());
  });

  it('forward, with and without bias', async () => {
    for (const [i, c] of cases.entries()) {
      const { xShape, wShape, yShape, s, x, w, b } = setup(c, 10 * i);
      const K = c.Cin * c.k[0] * c.k[1];
      for (const withBias of [false, true]) {
        const y = wc.conv2d(wc.tensor(x, xShape), wc.tensor(w, wShape), { ...c.opts, bias: withBias ? wc.tensor(b, [c.Cout]) : undefined });
        expect(y.shape, label(c)).toEqual(yShape);
        const want = conv2dReference(x, w, s, withBias ? b : undefined);
        const bound = conv2dReference(abs(x), abs(w), s, withBias ? abs(b) : undefined);
        expectWithin(await y.toArray(), want, bound, K + 1, `${label(c)} bias ${withBias}`);
      }
    }
  });

  it('gradients of x, w and bias match the reference adjoint', async () => {
    for (const [i, c] of cases.entries()) {
      const { xShape, wShape, yShape, s, x, w, b } = setup(c, 10 * i + 3);
      const g = toF32(randomArray(yShape.reduce((p, q) => p * q), 10 * i + 7));
      const xt = wc.tensor(x, xShape, { requiresGrad: true });
      const wt = wc.tensor(w, wShape, { requiresGrad: true });
      const bt = wc.tensor(b, [c.Cout], { requiresGrad: true });
      wc.tidy(() => wc.conv2d(xt, wt, { ...c.opts, bias: bt }).backward(wc.tensor(g, yShape)));
      const want = conv2dBackwardReference(g, x, w, s);
      const bound = conv2dBackwardReference(abs(g), abs(x), abs(w), s);
      const L = s.w.out[0] * s.w.out[1];
      expectWithin(await xt.grad!.toArray(), want.dx, bound.dx, c.Cout + c.k[0] * c.k[1], `${label(c)} dx`);
      expectWithin(await wt.grad!.toArray(), want.dw, bound.dw, L + c.N, `${label(c)} dw`);
      expectWithin(await bt.grad!.toArray(), want.db, bound.db, L + c.N, `${label(c)} db`);
      [xt, wt, bt].forEach((t) => t.dispose());
    }
  });

  it('finite differences agree for x, w and bias together and for each alone', async () => {
    for (const [i, c] of cases.slice(1, 5).entries()) {
      const { xShape, wShape, x, w, b } = setup(c, 100 + i);
      const X = { shape: xShape, data: x }, W = { shape: wShape, data: w }, B = { shape: [c.Cout], data: b };
      await checkGrad((xx, ww, bb) => wc.conv2d(xx, ww, { ...c.opts, bias: bb }), [X, W, B]);
      const [xc, wcst, bc] = [wc.tensor(x, xShape), wc.tensor(w, wShape), wc.tensor(b, [c.Cout])];
      await checkGrad((xx) => wc.conv2d(xx, wcst, { ...c.opts, bias: bc }), [X]);
      await checkGrad((ww) => wc.conv2d(xc, ww, c.opts), [W]);
      await checkGrad((bb) => wc.conv2d(xc, wcst, { ...c.opts, bias: bb }), [B]);
    }
  });

  it('frees its patches: no tensor outlives a step', async () => {
    const { xShape, wShape, x, w } = setup(cases[1]!, 5);
    const xt = wc.tensor(x, xShape, { requiresGrad: true });
    const wt = wc.tensor(w, wShape, { requiresGrad: true });
    const device = wc.getDevice();
    const before = device.stats().liveTensors;
    wc.tidy(() => { wc.sum(wc.conv2d(xt, wt, cases[1]!.opts)).backward(); });
    wc.noGrad(() => wc.conv2d(xt, wt, cases[1]!.opts)).dispose();
    expect(device.stats().liveTensors).toBe(before + 2); // the two .grad tensors
    [xt, wt].forEach((t) => t.dispose());
  });

  it('onPatches sees exactly unfoldRows(x), with a ones column when there is a bias', async () => {
    for (const c of [cases[1]!, cases[4]!]) {
      const { xShape, wShape, x, w } = setup(c, 9);
      const xt = wc.tensor(x, xShape);
      const wt = wc.tensor(w, wShape);
      const expected = Array.from(await wc.unfoldRows(xt, c.k, c.opts).toArray());
      const d = wShape[1]! * c.k[0] * c.k[1];
      for (const bias of [undefined, wc.tensor(randomArray(c.Cout, 2), [c.Cout])]) {
        const seen: (readonly number[])[] = [];
        const rows: Promise<Float32Array | Int32Array>[] = [];
        wc.noGrad(() => wc.conv2d(xt, wt, { ...c.opts, bias, onPatches: (r) => { seen.push(r.shape); rows.push(r.toArray()); } })).dispose();
        expect(seen).toHaveLength(1);
        const got = Array.from(await rows[0]!);
        const m = expected.length / d;
        expect(seen[0]).toEqual([m, bias ? d + 1 : d]);
        // Copies, no arithmetic: equal bit for bit.
        const patchPart = bias ? got.filter((_, i) => i % (d + 1) !== d) : got;
        expect(patchPart).toEqual(expected);
        if (bias) expect(got.filter((_, i) => i % (d + 1) === d)).toEqual(new Array(m).fill(1));
      }
    }
  });

  it('says what is wrong with bad arguments', () => {
    const x = wc.zeros([2, 3, 8, 8]);
    expect(() => wc.conv2d(wc.zeros([3, 4]), wc.zeros([1, 3, 3, 3]))).toThrow('conv2d: x must be 4-D [N, Cin, H, W], got [3, 4]');
    expect(() => wc.conv2d(x, wc.zeros([3, 3, 3]))).toThrow('conv2d: w must be 4-D [Cout, Cin, kh, kw], got [3, 3, 3]');
    expect(() => wc.conv2d(x, wc.zeros([32, 1, 5, 5]))).toThrow('conv2d: x has 3 channels but w expects 1 (w is [32, 1, 5, 5])');
    expect(() => wc.conv2d(x, wc.zeros([4, 3, 9, 9]))).toThrow('conv2d: kernel 9×9 is larger than the padded input 8×8 (x is [2, 3, 8, 8], padding 0×0)');
    expect(() => wc.conv2d(x, wc.zeros([4, 3, 3, 3]), { stride: [1, 0] })).toThrow('conv2d: stride must be a positive integer or a pair [h, w] of them, got [1,0]');
    expect(() => wc.conv2d(x, wc.zeros([4, 3, 3, 3]), { bias: wc.zeros([3]) })).toThrow('conv2d: bias must have shape [4] (one value per output channel), got [3]');
    expect(() => wc.conv2d(x, wc.zeros([4, 3, 3, 3], { dtype: 'int32' }))).toThrow('conv2d: w must be float32, got int32');
  });

  // The hardware variants never write the forward's patch matrix (and this many channels would take lavapipe minutes).
  it.skipIf(kernels === 'hardware')('says so when the patch matrix would not fit in one storage binding', () => {
    // A 5×5 kernel on 28×28 makes 25·576 patch entries per channel, 18× the input.
    const C = Math.ceil(wc.getDevice().limits.maxStorageBufferBindingSize / (25 * 576 * 4)) + 1;
    const x = wc.zeros([1, C, 28, 28]), w = wc.zeros([1, C, 5, 5]);
    expect(() => wc.conv2d(x, w)).toThrow(new RegExp(`conv2d: the patch matrix of x \\[1, ${C}, 28, 28\\] is \\[1, ${25 * C}, 576\\] \\(.* MiB\\), more than this adapter's largest storage binding \\(.* MiB\\); use a smaller batch`));
    x.dispose(); w.dispose();
  });
});
