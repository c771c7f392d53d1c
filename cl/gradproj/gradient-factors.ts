/**
 * The factors of a Linear weight's gradient from one backward pass: G = Δᵀ·X, with X [R, d] the
 * layer's 2-D input and Δ [R, out] the gradient of its output (caught by a gradient hook in the
 * layer's forward). The factored projected step multiplies X by P instead of G, and recomputes Δᵀ·X
 * beside G, so anything that changed G since (clipping, a penalty) shows as a difference beyond
 * rounding and is projected exactly. Views are kept, not copies: no dispatch.
 *
 * Only one plain pass qualifies: a second pass before the step (gradient accumulation, a weight used
 * twice) or a batched input sums G in another order, so the factors are dropped until the step.
 */
import { keep, type Tensor } from '../../engine/index.js';

export class GradientFactors {
  private pair: { x: Tensor; dy: Tensor } | null = null;
  private spoiled = false;

  /** Records x [R, d] and its output gradient dy [R, out] (one backward pass through the layer). */
  add(x: Tensor, dy: Tensor): void {
    if (this.spoiled || this.pair || x.rank !== 2 || dy.rank !== 2) {
      this.clear();
      this.spoiled = true;
      return;
    }
    this.pair = { x: keep(x.view(x.shape)), dy: keep(dy.view(dy.shape)) };
  }

  /** X [R, d] and Δ [R, out], or null when no single plain pass was recorded since the last clear(). */
  get matrices(): { x: Tensor; dy: Tensor } | null {
    return this.pair;
  }

  /** Forgets the factors (after a step). */
  clear(): void {
    this.pair?.x.dispose();
    this.pair?.dy.dispose();
    this.pair = null;
    this.spoiled = false;
  }
}
