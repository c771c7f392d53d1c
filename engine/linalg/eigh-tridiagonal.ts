/**
 * Symmetric eigendecomposition by Householder tridiagonalisation on the GPU, the implicit QL
 * iteration on the host, and the eigenvector work back on the GPU:
 *   1. T = QᵀAQ: 2n dispatches (kernels/tridiagonalize.wgsl.ts), ≈ (4/3)n³ flops;
 *   2. T = ZΛZᵀ: QL in float64 on the host, O(n²) (tridiagonal-ql.ts), recording its rotations;
 *   3. W = Zᵀ: the rotations applied to the rows of I (kernels/rotation-chains.wgsl.ts), 6n flops
 *      per rotation, ≈ 0.8n² rotations (fewer where T splits): ≈ 4.5n³ flops;
 *   4. Vᵀ = W·Qᵀ: blocked reflectors as matmuls (reflector-blocks.ts), ≈ 4n³ flops;
 *   5. rows of Vᵀ sorted by eigenvalue, normalised and transposed into columns (gather.ts).
 * Measured at n = 784 (random symmetric, lavapipe, load average 4–8, ms): reduction 240–350, QL
 * 8–13 (473k rotations in 1,194 chains), rotations 350–420, back-transformation 230–330 (blocks of
 * 32, 64 and 128 reflectors all within noise of each other), final gather 10–20. The QL deflation
 * threshold 2⁻³⁰ instead of 2⁻⁵² saves 15% of the rotations (n = 512: 209k instead of 245k).
 * Not done: forming Qᵀ first by growing its trailing block one reflector block at a time, then
 * rotating its rows (≈ (4/3)n³ instead of 4n³ flops for step 4, ≈ 0.2 s at 784). Tensors have no
 * offsets, so each block would copy the growing block into a larger identity (concat) first.
 */
import { CHAIN_BYTES, CHAIN_WORKGROUP, ROTATION_BYTES, rotationChainsKernel } from '../../kernels/rotation-chains.wgsl.js';
import { TRIDIAG_LOAD_WORKGROUP, UPDATE_WORKGROUP, tridiagLoadKernel, tridiagReflectKernel, tridiagUpdateKernel } from '../../kernels/tridiagonalize.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import type { Device } from '../device.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import type { EigenRows } from './eigen-rows.js';
import { applyReflectorsRight } from './reflector-blocks.js';
import { tridiagonalQl, type QlResult } from './tridiagonal-ql.js';

/** Reflectors per compact-WY block of the back-transformation (one matmul tile wide). */
const REFLECTOR_BLOCK = 64;

export interface Tridiagonal {
  d: Float32Array;
  e: Float32Array;
  /** [n, N]: row k is v_k. */
  y: Float32Array;
  /** Row stride of y: n rounded up to a multiple of 4. */
  N: number;
}

/** Step 1 (header): T's diagonal and off-diagonal and the reflectors, read back to the host. */
export async function tridiagonalize(device: Device, a: GPUBuffer, n: number): Promise<Tridiagonal> {
  const N = Math.ceil(n / 4) * 4;
  const work = device.allocate(N * N * 4);
  const y = device.allocate((N + 1) * N * 4);
  const vecs = device.allocate(4 * N * 4);
  try {
    device.dispatch(tridiagLoadKernel(), new Uint32Array([n, N]), [a, work, y, vecs], grid1d(N * N, TRIDIAG_LOAD_WORKGROUP));
    for (let k = 0; k < n; k++) {
      const params = new Uint32Array([N, k]);
      device.dispatch(tridiagReflectKernel(), params, [work, y, vecs], [1, 1, 1]);
      if (k + 1 < n) device.dispatch(tridiagUpdateKernel(), params, [work, y, vecs], grid1d(N / 4 - Math.floor((k + 1) / 4), UPDATE_WORKGROUP));
    }
    const de = new Float32Array(await device.read(vecs, 2 * N * 4, 2 * N * 4));
    const reflectors = new Float32Array(await device.read(y, n * N * 4, N * 4));
    return { d: de.slice(0, n), e: de.slice(N, N + n - 1), y: reflectors, N };
  } finally {
    device.release(work);
    device.release(y);
    device.release(vecs);
  }
}

/**
 * Step 3 (header): W [n, N] = I with the QL rotations applied to its rows, one dispatch per chunk of
 * whole chains holding at most maxRotations rotations (default: what one storage binding holds).
 */
export function rotatedIdentity(device: Device, n: number, N: number, ql: QlResult, maxRotations = Math.floor(device.limits.maxStorageBufferBindingSize / ROTATION_BYTES)): Tensor {
  const eye = new Float32Array(n * N);
  for (let i = 0; i < n; i++) eye[i * N + i] = 1;
  const w = tensor(eye, [n, N], { device });
  const total = ql.chains.length / 4;
  /** One past chain t's last rotation. */
  const endOf = (t: number) => ql.chains[4 * t]! + ql.chains[4 * t + 2]! - ql.chains[4 * t + 1]!;
  for (let t0 = 0; t0 < total;) {
    const first = ql.chains[4 * t0]!;
    let t1 = t0;
    do t1++; while (t1 < total && endOf(t1) - first <= maxRotations);
    const chains = ql.chains.slice(4 * t0, 4 * t1);
    for (let t = 0; t < t1 - t0; t++) chains[4 * t]! -= first;
    const end = endOf(t1 - 1);
    const chainBuf = device.allocate((t1 - t0) * CHAIN_BYTES);
    const csBuf = device.allocate((end - first) * ROTATION_BYTES);
    device.upload(chainBuf, chains);
    device.upload(csBuf, Float32Array.from(ql.cs.subarray(2 * first, 2 * end)));
    device.dispatch(rotationChainsKernel(), new Uint32Array([N / 4, t1 - t0]), [chainBuf, csBuf, w.buffer], grid1d(N / 4, CHAIN_WORKGROUP));
    device.release(chainBuf);
    device.release(csBuf);
    t0 = t1;
  }
  return w;
}

/** Steps 1–4 (header) for the symmetric matrix in `a` [n, n] with ‖a‖_F = norm. */
export async function eighTridiagonal(device: Device, a: GPUBuffer, n: number, norm: number): Promise<EigenRows> {
  const t = await tridiagonalize(device, a, n);
  const ql = tridiagonalQl(t.d, t.e);
  const w = rotatedIdentity(device, n, t.N, ql);
  const rows = applyReflectorsRight(w, t.y, Math.max(0, n - 2), t.N, REFLECTOR_BLOCK);
  return {
    method: 'tridiagonal', values: ql.values, buffer: rows.buffer, rows: n, stride: t.N, sweeps: 0,
    offNorm: norm > 0 ? ql.neglected / norm : 0, release: () => rows.dispose(),
  };
}
