/**
 * How much of each layer's input space gradient projection protects: a layer's projector P [d, d] is the
 * orthogonal projector onto the directions its updates may still take, so tr(P) is their number and
 *   protected share = 1 − tr(P)/d
 * (0 while a layer has no projector: before the first experience, or with projection off). One readback
 * for every layer together; called once per experience, never on the training step.
 */
import { concat, eye, mul, reshape, sum, tidy, type Tensor } from '../../engine/index.js';

export async function protectedShares(projectors: readonly (Tensor | null)[]): Promise<number[]> {
  const present = projectors.filter((P): P is Tensor => P !== null);
  if (!present.length) return projectors.map(() => 0);
  const traces = tidy(() => concat(present.map((P) => reshape(sum(mul(P, eye(P.shape[0]!))), [1])), 0));
  const values = await traces.data();
  traces.dispose();
  let k = 0;
  return projectors.map((P) => (P ? 1 - values[k++]! / P.shape[0]! : 0));
}
