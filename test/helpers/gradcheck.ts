/**
 * Finite-difference gradient check along random directions.
 *
 * For L(x) = Σ r ⊙ f(x) with a fixed random r, the analytic directional derivative Σᵢ ⟨∇ᵢL, vᵢ⟩ from
 * backward() must match the central difference D(h) = (L(x + hv) − L(x − hv)) / 2h, extrapolated as
 * (4·D(ε/2) − D(ε))/3 (truncation O(ε⁴)). L is summed on the host in float64, so what remains is the
 * float32 rounding of f's outputs, |δL| ≲ c·ε₃₂·Σ|r ⊙ f|, amplified by about 3/ε.
 */
import { expect } from 'vitest';
import { mul, noGrad, sum, tensor, tidy, type Tensor } from '../../index.js';
import { EPS32, randomArray } from './numeric.js';

export interface GradInput {
  data: ArrayLike<number>;
  shape: readonly number[];
}

export interface GradCheckOptions {
  eps?: number;
  directions?: number;
  rtol?: number;
  seed?: number;
}

async function lossAndOutput(f: (...xs: Tensor[]) => Tensor, xs: readonly GradInput[], r: Float64Array | null, seedOut: number): Promise<{ L: number; S: number; r: Float64Array }> {
  const y = tidy(() => noGrad(() => f(...xs.map((x) => tensor(x.data, x.shape)))));
  const values = await y.toArray();
  y.dispose();
  const rr = r ?? randomArray(values.length, seedOut);
  let L = 0, S = 0;
  for (let i = 0; i < values.length; i++) { L += rr[i]! * values[i]!; S += Math.abs(rr[i]! * values[i]!); }
  return { L, S, r: rr };
}

export async function checkGrad(f: (...xs: Tensor[]) => Tensor, inputs: readonly GradInput[], opts: GradCheckOptions = {}): Promise<void> {
  const eps = opts.eps ?? 1e-2;
  const rtol = opts.rtol ?? 2e-3;
  const seed = opts.seed ?? 7;
  const { r, S } = await lossAndOutput(f, inputs, null, seed);

  // Analytic gradients.
  const leaves = inputs.map((x) => tensor(x.data, x.shape, { requiresGrad: true }));
  tidy(() => {
    const y = f(...leaves);
    const weighted = tensor(Float32Array.from(r), y.shape);
    sum(mul(y, weighted)).backward();
  });
  const grads = await Promise.all(leaves.map(async (t) => (t.grad ? await t.grad.toArray() : new Float32Array(t.size))));
  leaves.forEach((t) => t.dispose());

  for (let d = 0; d < (opts.directions ?? 3); d++) {
    const v = inputs.map((x, i) => randomArray(x.data.length, seed * 100 + d * 10 + i));
    const shifted = (h: number) => inputs.map((x, i) => ({ shape: x.shape, data: Float64Array.from(x.data, (xv, j) => xv + h * eps * v[i]![j]!) }));
    // Richardson extrapolation of two central differences cancels the O(ε²) truncation term.
    const central = async (h: number) => {
      const plus = await lossAndOutput(f, shifted(h), r, seed);
      const minus = await lossAndOutput(f, shifted(-h), r, seed);
      return { D: (plus.L - minus.L) / (2 * h * eps), S: plus.S + minus.S };
    };
    const full = await central(1);
    const halfStep = await central(0.5);
    const numeric = (4 * halfStep.D - full.D) / 3;
    let analytic = 0;
    grads.forEach((g, i) => { for (let j = 0; j < g.length; j++) analytic += g[j]! * v[i]![j]!; });
    const tol = rtol * Math.abs(analytic) + (16 * EPS32 * (S + full.S + halfStep.S)) / eps;
    expect(Math.abs(numeric - analytic), `direction ${d}: numeric ${numeric} vs analytic ${analytic} (tol ${tol})`).toBeLessThanOrEqual(tol);
  }
}
