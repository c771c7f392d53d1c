/**
 * X ← Q·X for Q = H₀H₁···H_{r−1}, H_j = I − 2v_jv_jᵀ (the tridiagonalisation's reflectors), as
 * matmuls (BLAS-3) on the GPU, with X's rows reversed (row i holds component n−1−i; see
 * eigh-tridiagonal.ts).
 *
 * Blocks of b consecutive reflectors in compact WY form (Schreiber & Van Loan 1989; LAPACK dlarft,
 * forward, columnwise): H_{j0}···H_{j0+b−1} = I − U·T·Uᵀ with U = [v_{j0} … v_{j0+b−1}] and T upper
 * triangular, T_ii = 2, T[0:i, i] = −2·T[0:i, 0:i]·(U[:, 0:i]ᵀv_i). T needs the b×b Gram matrix UᵀU,
 * computed on the host in float64 (b²L/2 flops per block) from the reflectors the host holds anyway.
 * With R = (JU)ᵀ, the block's reflectors reversed (J: the row reversal), JQJ = P₀P₁···P_last with
 * P = I − RᵀTR, so
 *   J·Q·X = P₀(P₁(···(P_last·JX))),   P·Y = Y − Rᵀ·(T·(R·Y)),
 * three matmuls per block (the last one with the subtraction in its epilogue). v_j vanishes on
 * components ≤ j, so the block's reversed reflectors vanish on rows ≥ L = n − 1 − j0: the matmuls run
 * on rows [0, L) of X only, 4·L·b·cols flops per block and ≈ 2n²·cols in all (half of what full-height
 * blocks cost). Blocks run last to first, so each touches a superset of the rows of those before it.
 */
import { matmulParams, type MatmulShape } from '../../kernels/matmul.wgsl.js';
import type { Device } from '../device.js';
import { matmulProgram } from '../ops/matmul.js';

/** T of the compact WY form of the reflectors in the rows of y [b, N] (header). */
export function compactWyFactor(y: Float32Array, b: number, N: number): Float64Array {
  const T = new Float64Array(b * b);
  const gram = new Float64Array(b);
  for (let i = 0; i < b; i++) {
    const vi = y.subarray(i * N, (i + 1) * N);
    for (let j = 0; j < i; j++) {
      const vj = y.subarray(j * N, (j + 1) * N);
      let s = 0;
      for (let t = 0; t < N; t++) s += vj[t]! * vi[t]!;
      gram[j] = s;
    }
    for (let r = 0; r < i; r++) {
      let s = 0;
      for (let j = r; j < i; j++) s += T[r * b + j]! * gram[j]!;
      T[r * b + i] = -2 * s;
    }
    T[i * b + i] = 2;
  }
  return T;
}

/** c [M, N] ← α·op(a)·b (+ β·d): one dispatch of the device's matmul variant on rows 0..M−1 of raw buffers. */
function gemm(device: Device, M: number, N: number, K: number, a: GPUBuffer, transposeA: boolean, b: GPUBuffer, c: GPUBuffer, d?: GPUBuffer): void {
  const shape: MatmulShape = { M, N, K, transposeA, transposeB: false, broadcastA: true, broadcastB: true };
  const params = d ? matmulParams(shape, -1, 1) : matmulParams(shape);
  const { spec, grid } = matmulProgram(device, shape, 1, d !== undefined);
  device.dispatch(spec, params, d ? [a, b, c, d] : [a, b, c], grid);
}

/**
 * Q·X for X [rows, cols] in `x` (rows reversed, as in the header; rows ≥ n zero), where y
 * [count, stride] holds v_0 … v_{count−1} as rows (components 0..n−1). Returns the buffer holding the
 * result and releases the other one (`x` itself when count > 0). The blocks alternate between two
 * buffers (a matmul cannot write the buffer it reads); the first block writes every row, its R
 * zero-padded to full height, so that the second buffer holds X wherever later blocks do not write.
 */
export function applyReflectorsLeft(device: Device, x: GPUBuffer, rows: number, cols: number, y: Float32Array, count: number, n: number, stride: number, block: number): GPUBuffer {
  if (count === 0) return x;
  let [cur, next] = [x, device.allocate(rows * cols * 4)];
  for (let end = count; end > 0; end -= block) {
    const start = Math.max(0, end - block);
    const b = end - start;
    // R [b, L4]: row i is v_{start+i} reversed, zero-padded to a multiple of 4 rows (vec4 reads).
    const L = n - 1 - start;
    const L4 = end === count ? rows : Math.ceil(L / 4) * 4;
    const r = new Float32Array(b * L4);
    for (let i = 0; i < b; i++) {
      const v = y.subarray((start + i) * stride, (start + i) * stride + n);
      for (let row = 0; row < L; row++) r[i * L4 + row] = v[n - 1 - row]!;
    }
    const rBuf = device.allocate(r.byteLength);
    const tBuf = device.allocate(b * b * 4);
    const ry = device.allocate(b * cols * 4);
    const tRy = device.allocate(b * cols * 4);
    device.upload(rBuf, r);
    device.upload(tBuf, Float32Array.from(compactWyFactor(r, b, L4)));
    gemm(device, b, cols, L4, rBuf, false, cur, ry);
    gemm(device, b, cols, b, tBuf, false, ry, tRy);
    gemm(device, L4, cols, b, rBuf, true, tRy, next, cur);
    for (const buf of [rBuf, tBuf, ry, tRy]) device.release(buf);
    [cur, next] = [next, cur];
  }
  device.release(next);
  return cur;
}
