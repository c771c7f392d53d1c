/**
 * The factors of a Linear weight's gradient from one backward pass: G = Δᵀ·X, with X [R, d] the
 * layer's 2-D input and Δ [R, out] the gradient of its output, plus G itself as backward made it
 * (the raw gradient), all caught by gradient hooks in the layer's forward. The factored projected
 * step multiplies X by P instead of G, and compares the gradient it is given with the raw one, so
 * anything that changed G since (clipping, a penalty) shows as a nonzero difference and is projected
 * exactly. Views are kept, not copies: no dispatch.
 *
 * Only one plain pass qualifies: a second pass before the step (gradient accumulation, a weight used
 * twice) or a batched input sums G in another order, so the factors are dropped until the step.
 */
import { keep, type Tensor } from '../../engine/index.js';

export interface Factors {
  /** The layer's input X [R, d]. */
  x: Tensor;
  /** Its output gradient Δ [R, out]. */
  dy: Tensor;
  /** G = Δᵀ·X [out, d] as backward computed it. */
  raw: Tensor;
}

export class GradientFactors {
  private pair: { x: Tensor; dy: Tensor } | null = null;
  private raw: Tensor | null = null;
  private spoiled = false;

  /** Records x [R, d] and its output gradient dy [R, out] (one backward pass through the layer). */
  add(x: Tensor, dy: Tensor): void {
    if (this.spoiled || this.pair || x.rank !== 2 || dy.rank !== 2) return this.spoil();
    this.pair = { x: keep(x.view(x.shape)), dy: keep(dy.view(dy.shape)) };
  }

  /** Records the weight gradient backward computed from that pass. */
  addWeightGradient(raw: Tensor): void {
    if (this.spoiled || this.raw) return this.spoil();
    this.raw = keep(raw.view(raw.shape));
  }

  /** X, Δ and the raw G, or null unless exactly one plain pass was recorded since the last clear(). */
  get matrices(): Factors | null {
    return this.pair && this.raw ? { ...this.pair, raw: this.raw } : null;
  }

  private spoil(): void {
    this.clear();
    this.spoiled = true;
  }

  /** Forgets the factors (after a step). */
  clear(): void {
    this.pair?.x.dispose();
    this.pair?.dy.dispose();
    this.raw?.dispose();
    this.pair = null;
    this.raw = null;
    this.spoiled = false;
  }
}
