/**
 * The kernels of a training step inside Chromium's WebGPU (SwiftShader without a GPU), checked against
 * the same float64 references and error bounds as on Dawn (test/kernels/*.test.ts, where each bound is
 * derived): the page (kernels-page.js) runs conv2d forward and backward, softmax, cross-entropy forward
 * and backward, a sum, and a matmul, a covariance, the conv2d step and the sum again with each kernel
 * set (register-blocked / unfold + matmul / per-output sums, and workgroup-tiled / implicit im2col /
 * workgroup sums, by subgroups where SwiftShader's device has them) on the browser build; this file
 * computes the references.
 *
 * Bounds (ε₃₂ = 2⁻²³; any order of m float32 products and sums errs by at most m·ε₃₂·Σ|terms|; twice that allowed):
 *   conv2d y: K + 1 terms (K = Cin·kh·kw, and the bias) → 2(K + 1)·ε₃₂·(Σ|x||w| + |b|)
 *          dx: Cout + kh·kw → 2(Cout + kh·kw)·ε₃₂·Σ|g||w|;  dw: L + N (L = Ho·Wo) → 2(L + N)·ε₃₂·Σ|g||x|;  db likewise with Σ|g|
 *          (implicit im2col sums dw's N·L terms in one chain: γ_{N·L} ≤ 2(L + N)·ε₃₂ at N = 2)
 *   softmax (inputs in [−1, 1], r per line): relative (40 + r)·ε₃₂ (WGSL's exp to 3 + 2|x| ULP, the sum, the division)
 *   cross-entropy, mean of N rows of C logits in [−4, 4]: each row to 2⁻²¹ + (20 + C)·ε₃₂ + 3·ε₃₂·log C absolute, the
 *     mean adds (N + 2)·ε₃₂·Σ|row|/N; dlogits (p − onehot)/N to ((40 + C)·ε₃₂·(|p − onehot| + 1) + 3·ε₃₂·|p − onehot|)/N
 *   sum of r values: r·ε₃₂·Σ|x|
 *   matmul with K terms: γ_K·Σ|a||b| (Higham; test/kernels/matmul.test.ts)
 *   covariance XᵀX/n over n rows: γ_{n+1}·Σ|x_i||x_j|/n (the sum, then the scale; test/kernels/covariance.test.ts)
 * Mutations tried: the page's conv2d without its bias (y fails); dlogits not divided by N on the
 * reference side (fails); the softmax tolerance cut to ε₃₂/8 (fails: the page's values are not the
 * reference rounded, so the check compares real results); the matmul and covariance bounds cut to
 * γ₁/64 (both fail: real float32 results on both kernel sets).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv2dBackwardReference, conv2dReference, type ConvShapes } from '../../kernels/conv2d.reference.js';
import { crossEntropyBackwardReference, crossEntropyReference } from '../../kernels/cross-entropy.reference.js';
import { reduceReference } from '../../kernels/reduce.reference.js';
import { softmaxReference } from '../../kernels/softmax.reference.js';
import { matmulReference } from '../../kernels/matmul.reference.js';
import { covarianceReference } from '../../kernels/covariance.reference.js';
import { windowGeometry } from '../../engine/ops/window2d.js';
import { expectWithin, gamma } from '../helpers/error-bounds.js';
import { EPS32, randomArray, toF32 } from '../helpers/numeric.js';
import { openLibraryPage, type LibraryPage } from './library-page.js';

const abs = (a: ArrayLike<number>) => Float64Array.from(a, Math.abs);
const scaled = (a: ArrayLike<number>, k: number) => Float64Array.from(a, (v) => k * v);
const list = (a: ArrayLike<number>) => Array.from(a);

// conv2d: two samples, 3 → 4 channels, a 3×3 kernel with stride 2 and padding 1 on 9×8 images.
const N = 2, Cin = 3, Cout = 4, kh = 3, kw = 3;
const xShape = [N, Cin, 9, 8], wShape = [Cout, Cin, kh, kw], opts = { stride: 2, padding: 1 };
const shapes: ConvShapes = { N, Cin, Cout, w: windowGeometry('test', xShape, [kh, kw], opts) };
const yShape = [N, Cout, ...shapes.w.out];
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const conv = {
  xShape, wShape, yShape, opts,
  x: toF32(randomArray(size(xShape), 1)), w: toF32(randomArray(size(wShape), 2)), b: toF32(randomArray(Cout, 3)), g: toF32(randomArray(size(yShape), 4)),
};
const softmax = { shape: [7, 33], x: toF32(randomArray(7 * 33, 5)) };
const CE_N = 17, CE_C = 10;
const ce = { N: CE_N, C: CE_C, logits: toF32(randomArray(CE_N * CE_C, 6, -4, 4)), labels: Int32Array.from({ length: CE_N }, (_, n) => (n * 7) % CE_C) };
const sum = { shape: [5, 301], axis: 1, x: toF32(randomArray(5 * 301, 7)) };
// A·Bᵀ with edges in every dimension (70 and 45 are not multiples of the 64-wide tiles, 130 not of the k slabs).
const mm = { M: 70, N: 45, K: 130, a: toF32(randomArray(70 * 130, 8)), b: toF32(randomArray(45 * 130, 9)) };
// XᵀX/n of 300 rows of 70 features (70: a partial 64-wide tile).
const cv = { rows: 300, d: 70, x: toF32(randomArray(300 * 70, 10)) };

interface PageResult {
  backend: string;
  conv: { y: number[]; dx: number[]; dw: number[]; db: number[] };
  softmax: number[];
  ce: { loss: number; dlogits: number[] };
  sum: number[];
  matmul: {
    variant: string; c: number[]; covVariant: string; cov: number[];
    convVariant: string; conv: PageResult['conv']; reduceVariant: string; sum: number[];
  }[];
}

/** conv2d's y, dx, dw, db within the bounds above. */
function expectConv(got: PageResult['conv'], what: string): void {
  const K = Cin * kh * kw, L = shapes.w.out[0] * shapes.w.out[1];
  expectWithin(got.y, conv2dReference(conv.x, conv.w, shapes, conv.b), scaled(conv2dReference(abs(conv.x), abs(conv.w), shapes, abs(conv.b)), 2 * (K + 1) * EPS32), `${what} y`);
  const want = conv2dBackwardReference(conv.g, conv.x, conv.w, shapes);
  const bound = conv2dBackwardReference(abs(conv.g), abs(conv.x), abs(conv.w), shapes);
  expectWithin(got.dx, want.dx, scaled(bound.dx, 2 * (Cout + kh * kw) * EPS32), `${what} dx`);
  expectWithin(got.dw, want.dw, scaled(bound.dw, 2 * (L + N) * EPS32), `${what} dw`);
  expectWithin(got.db, want.db, scaled(bound.db, 2 * (L + N) * EPS32), `${what} db`);
}

function expectSum(got: number[], what: string): void {
  const [outer, len] = sum.shape as [number, number];
  expectWithin(got, reduceReference('sum', sum.x, outer, len, 1), scaled(reduceReference('sum', abs(sum.x), outer, len, 1), len * EPS32), what);
}

describe('kernels in Chromium vs float64 references', () => {
  let opened: LibraryPage | undefined;
  let r: PageResult;

  beforeAll(async () => {
    opened = await openLibraryPage(['kernels-page.js']);
    const input = {
      conv: { ...conv, x: list(conv.x), w: list(conv.w), b: list(conv.b), g: list(conv.g) },
      softmax: { shape: softmax.shape, x: list(softmax.x) },
      ce: { N: CE_N, C: CE_C, logits: list(ce.logits), labels: list(ce.labels) },
      sum: { ...sum, x: list(sum.x) },
      matmul: { ...mm, a: list(mm.a), b: list(mm.b) },
      cov: { ...cv, x: list(cv.x) },
    };
    r = await opened.run<PageResult>('kernels-page.js', input);
  });

  afterAll(async () => {
    await opened?.close();
  });

  it('runs on the browser backend', () => {
    expect(r.backend).toBe('browser');
  });

  it('conv2d forward and backward (x, w, bias)', () => {
    expectConv(r.conv, 'conv2d');
  });

  it('conv2d with unfold + matmul and with implicit im2col', () => {
    expect(r.matmul.map((m) => m.convVariant)).toEqual(['unfold-matmul', 'implicit-gemm-64x64']);
    for (const m of r.matmul) expectConv(m.conv, `conv2d (${m.convVariant})`);
  });

  it('sum with the per-output and with the workgroup kernels', () => {
    expect(r.matmul[0]!.reduceVariant).toBe('per-output');
    expect(r.matmul[1]!.reduceVariant).toMatch(/^workgroup(-subgroups)?$/);
    console.log(`Chromium's hardware-forced device: reduce variant '${r.matmul[1]!.reduceVariant}'`);
    for (const m of r.matmul) expectSum(m.sum, `sum (${m.reduceVariant})`);
  });

  it('softmax along the last axis', () => {
    const [outer, len] = softmax.shape as [number, number];
    const want = softmaxReference('softmax', softmax.x, outer, len, 1);
    expectWithin(r.softmax, want, scaled(want, (40 + len) * EPS32), 'softmax');
  });

  it('cross-entropy (mean) and its gradient', () => {
    const rows = crossEntropyReference(ce.logits, ce.labels, CE_N, CE_C);
    const rowAtol = 2 ** -21 + (20 + CE_C) * EPS32 + 3 * EPS32 * Math.log(CE_C);
    const want = rows.reduce((a, b) => a + b, 0) / CE_N;
    expect(Math.abs(r.ce.loss - want), `loss ${r.ce.loss}, expected ${want}`).toBeLessThanOrEqual(rowAtol + ((CE_N + 2) * EPS32 * abs(rows).reduce((a, b) => a + b, 0)) / CE_N);
    const dlogits = crossEntropyBackwardReference(ce.logits, ce.labels, new Float64Array(CE_N).fill(1 / CE_N), CE_N, CE_C);
    const bound = dlogits.map((d) => { const p = Math.abs(d * CE_N); return ((40 + CE_C) * EPS32 * (p + 1) + 3 * EPS32 * p) / CE_N; });
    expectWithin(r.ce.dlogits, dlogits, bound, 'dlogits');
  });

  it('sum along an axis of 301', () => {
    expectSum(r.sum, 'sum');
  });

  it('matmul A·Bᵀ with the register-blocked and with the workgroup-tiled kernels', () => {
    expect(r.matmul.map((m) => m.variant)).toEqual(['register-8x8', 'tiled-64x64']);
    const want = matmulReference(mm.a, mm.b, mm.M, mm.N, mm.K, false, true);
    const bound = scaled(matmulReference(abs(mm.a), abs(mm.b), mm.M, mm.N, mm.K, false, true), gamma(mm.K));
    for (const m of r.matmul) expectWithin(m.c, want, bound, `matmul (${m.variant})`);
  });

  it('covariance XᵀX/n with the register-blocked and with the tiled kernels', () => {
    expect(r.matmul.map((m) => m.covVariant)).toEqual(['register-8x8', 'tiled-64x64']);
    const want = covarianceReference(cv.x, cv.rows, cv.d, 1 / cv.rows);
    const bound = scaled(covarianceReference(abs(cv.x), cv.rows, cv.d, 1 / cv.rows), gamma(cv.rows + 1));
    for (const m of r.matmul) expectWithin(m.cov, want, bound, `covariance (${m.covVariant})`);
  });
});
