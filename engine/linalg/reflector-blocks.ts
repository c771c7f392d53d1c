/**
 * W ← W·Qᵀ for Q = H₀H₁···H_{r−1}, H_k = I − 2v_kv_kᵀ (the tridiagonalisation's reflectors), as
 * matmuls (BLAS-3) on the GPU.
 *
 * Blocks of b consecutive reflectors in compact WY form (Schreiber & Van Loan 1989; LAPACK dlarft,
 * forward, columnwise): H_{j0}···H_{j0+b−1} = I − U·T·Uᵀ with U = [v_{j0} … v_{j0+b−1}] and T upper
 * triangular, T_ii = 2, T[0:i, i] = −2·T[0:i, 0:i]·(U[:, 0:i]ᵀv_i). Then
 *   W·Qᵀ = W·P_lastᵀ···P_0ᵀ,   W·Pᵀ = W − ((W·U)·Tᵀ)·Uᵀ,
 * three matmuls and a subtraction per block, 4·rows·N·b flops. T needs the b×b Gram matrix UᵀU,
 * computed on the host in float64 (b²N/2 flops per block) from Y, which the host holds anyway.
 */
import { tensor } from '../ops/creation.js';
import { sub } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { noGrad } from '../autograd.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';

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

/**
 * W [rows, N] times Qᵀ; y [count, N] holds v_0 … v_{count−1} as rows. Returns the new W and
 * disposes the old one.
 */
export function applyReflectorsRight(w: Tensor, y: Float32Array, count: number, N: number, block: number): Tensor {
  const device = w.device;
  for (let end = count; end > 0; end -= block) {
    const start = Math.max(0, end - block);
    const b = end - start;
    const yb = y.subarray(start * N, end * N);
    const T = compactWyFactor(yb, b, N);
    const next = tidy(() => noGrad(() => {
      const u = tensor(yb, [b, N], { device });
      const t = tensor(Float32Array.from(T), [b, b], { device });
      const wu = matmul(w, u, { transposeB: true });
      return sub(w, matmul(matmul(wu, t, { transposeB: true }), u));
    }));
    w.dispose();
    w = next;
  }
  return w;
}
