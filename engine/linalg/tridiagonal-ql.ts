/**
 * Eigenvalues of a symmetric tridiagonal matrix by the implicit QL iteration with Wilkinson-type
 * shifts (EISPACK tql2, as in JAMA), in float64 on the host, O(n²) per run. The eigenvector
 * accumulation Z ← Z·G, O(n³), is not done here: every rotation is recorded, as chains of
 * adjacent-row rotations for kernels/rotation-sweeps.wgsl.ts to apply on the GPU.
 *
 * Deflation: e_m counts as zero when |e_m| ≤ eps·max_{i≤l}(|d_i| + |e_i|). The default eps = 2⁻³⁰
 * sits far below float32 rounding of the input (the tridiagonal comes from a float32 reduction), so
 * it changes no result at float32 precision, and saves the iteration per eigenvalue that driving
 * |e| down to 2⁻⁵² would cost (each is a chain of rotations on the GPU).
 */

export interface QlResult {
  /** Eigenvalues in index order (not sorted): values[i] belongs to row i of the rotated W. */
  values: Float64Array;
  /** Per chain (first rotation, l, m, 0): rotations on rows (m−1, m), …, (l, l+1). */
  chains: Uint32Array;
  /** (c, s) of every rotation, chain after chain. */
  cs: Float64Array;
  /** √Σ e_l² over the off-diagonal entries set to zero at deflation (the QL's backward error). */
  neglected: number;
}

/**
 * √(a² + b²) without Math.hypot (several times slower in V8). No overflow or underflow: the entries
 * come from float32 data, so their squares lie within float64's range.
 */
const hypot = (a: number, b: number) => Math.sqrt(a * a + b * b);

/** Growable typed array (the number of rotations is known only at the end). */
class Grow<T extends Float64Array | Uint32Array> {
  length = 0;
  constructor(public data: T) {}
  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new (this.data.constructor as new (n: number) => T)(2 * this.data.length);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }
  done(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/**
 * d [n] diagonal, e [n − 1] off-diagonal (e_i couples i and i+1); inputs are not modified.
 * Throws after 30·n iterations in all (does not happen with these shifts, short of NaN input).
 */
export function tridiagonalQl(diag: ArrayLike<number>, off: ArrayLike<number>, eps = 2 ** -30): QlResult {
  const n = diag.length;
  const d = Float64Array.from(diag);
  const e = new Float64Array(n);
  for (let i = 0; i + 1 < n; i++) e[i] = off[i]!;
  const chains = new Grow(new Uint32Array(4 * Math.max(16, n)));
  const cs = new Grow(new Float64Array(2 * Math.max(16, n * n)));
  let shift = 0, tst1 = 0, iterations = 0, neglected = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > eps * tst1) m++;
    while (m > l && Math.abs(e[l]!) > eps * tst1) {
      if (++iterations > 30 * n) throw new Error(`eigh: the tridiagonal QL iteration did not converge in ${30 * n} iterations`);
      // Shift by the eigenvalue of the leading 2×2 block nearer d_l (d_l := that eigenvalue).
      const g = d[l]!;
      let p = (d[l + 1]! - g) / (2 * e[l]!);
      let r = hypot(p, 1);
      if (p < 0) r = -r;
      d[l] = e[l]! / (p + r);
      d[l + 1] = e[l]! * (p + r);
      const dl1 = d[l + 1]!;
      let h = g - d[l]!;
      for (let i = l + 2; i < n; i++) d[i]! -= h;
      shift += h;
      // One implicit QL sweep from m up to l: rotations (i, i+1) for i = m−1 … l.
      p = d[m]!;
      let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
      const el1 = e[l + 1]!;
      chains.push(cs.length / 2);
      chains.push(l);
      chains.push(m);
      chains.push(0);
      for (let i = m - 1; i >= l; i--) {
        c3 = c2; c2 = c; s2 = s;
        const gi = c * e[i]!;
        h = c * p;
        r = hypot(p, e[i]!);
        e[i + 1] = s * r;
        s = e[i]! / r;
        c = p / r;
        p = c * d[i]! - s * gi;
        d[i + 1] = h + s * (c * gi + s * d[i]!);
        cs.push(c);
        cs.push(s);
      }
      p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
      e[l] = s * p;
      d[l] = c * p;
    }
    d[l]! += shift;
    neglected += e[l]! ** 2;
    e[l] = 0;
  }
  return { values: d, chains: chains.done(), cs: cs.done(), neglected: Math.sqrt(neglected) };
}
