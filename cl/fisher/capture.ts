/**
 * What per-sample gradients are made of, caught from one batched forward and its backward passes.
 * While installed, each covered layer's forward is replaced by one tape node that computes the layer's
 * output with the layer's own ops (their graph not recorded) and keeps its input rows (LayerInputs)
 *   X [N, L, K]    the inputs the weight multiplies (Linear: the input itself, L = 1; Conv2d: the
 *                  L = Ho·Wo patches of each sample, those conv2d unfolds anyway: no second unfold),
 *   Ã [N, L, D]    X with a column of ones for the bias, the columns the slot covers;
 * and whose backward keeps
 *   Δ [N, L, out]  the gradient that reached the layer's output (Conv2d: per position),
 * then returns the input's gradient only (Linear: Δ·W; Conv2d: fold(Wᵀ·Δ)). Backward thus computes no
 * parameter gradient at all: the representations build what they need from X, Ã and Δ (a sample's
 * gradient is G_n = Δ_nᵀ·Ã_n). A layer whose input needs no gradient (the first) still joins the tape
 * through the anchor, a constant leaf that requires a gradient and is never given one.
 */
import { concat, fold, keep, matmul, noGrad, ones, permute, reshape, slice, zeros, type Tensor } from '../../engine/index.js';
import { record } from '../../engine/autograd.js';
import { conv2d } from '../../engine/ops/conv.js';
import { formatShape } from '../../engine/shape.js';
import { Conv2d } from '../../nn/layers/conv.js';
import { Linear } from '../../nn/layers/linear.js';
import type { FisherLayer } from './layers.js';
import { shadow } from '../util/shadow.js';
import type { Slot } from './layout.js';

/** One layer's statistics for one backward pass. */
export interface Captured {
  /** Ã [N, L, D]: input rows with the ones column (built on first use for a Linear layer). */
  readonly a: Tensor;
  /** X [N, L, K]: Ã without the ones column (slots that cover the weight). */
  readonly x: Tensor;
  /** Δ [N, L, out]. */
  readonly d: Tensor;
}

/**
 * A covered layer's input rows of one minibatch. A Linear layer hands over X alone: appending the ones
 * column copies the whole input (≈ 60 ms for 2048 MNIST rows on lavapipe), which the diagonal never
 * needs (its bias part is Σ Δ²); Conv2d's patches come with it from the unfold kernel.
 */
export class LayerInputs {
  private xs: Tensor | null;
  private full: Tensor | null;

  constructor(private readonly slot: Slot, readonly N: number, readonly L: number, parts: { x?: Tensor; a?: Tensor }) {
    this.xs = parts.x ? keep(parts.x) : null;
    this.full = parts.a ? keep(parts.a) : null;
  }

  get a(): Tensor {
    return (this.full ??= keep(noGrad(() => {
      const { N, L, slot } = this;
      if (!slot.weight) return ones([N, L, 1]);
      if (!slot.bias) return this.x.view(this.x.shape);
      return reshape(concat([reshape(this.x, [N * L, slot.K]), ones([N * L, 1])], 1), [N, L, slot.K + 1]);
    })));
  }

  get x(): Tensor {
    if (!this.slot.weight) throw new Error(`cl.fisher: layer '${this.slot.name}': no weight columns (its weight is not covered)`);
    return (this.xs ??= keep(noGrad(() => (this.slot.bias ? slice(this.full!, 2, 0, this.slot.K) : this.full!.view(this.full!.shape)))));
  }

  dispose(): void {
    this.xs?.dispose();
    this.full?.dispose();
  }
}

export class LayerCapture {
  private readonly inputs: (LayerInputs | null)[];
  private readonly deltas: (Tensor | null)[];
  private readonly anchor: Tensor;
  private restores: (() => void)[] = [];

  constructor(private readonly layers: readonly FisherLayer[]) {
    this.inputs = layers.map(() => null);
    this.deltas = layers.map(() => null);
    this.anchor = keep(zeros([1], { requiresGrad: true }));
  }

  /** Replaces the layers' forwards (until uninstall()). */
  install(): void {
    this.restores = this.layers.map((l, i) => shadow(l.module, l.module instanceof Conv2d
      ? { forward: (x: Tensor) => this.conv(l.module as Conv2d, i, x), forwardMaxPooled: () => null }
      : { forward: (x: Tensor) => this.linear(l.module as Linear, i, x) }));
  }

  uninstall(): void {
    for (const restore of this.restores) restore();
    this.restores = [];
  }

  /** Each layer's Ã and the Δ of the last backward pass (null where the layer did not take part). */
  pass(): (Captured | null)[] {
    return this.inputs.map((rows, i) => {
      const d = this.deltas[i];
      return rows && d ? { get a() { return rows.a; }, get x() { return rows.x; }, d } : null;
    });
  }

  /** Each layer's input rows of this batch (null where it did not run). */
  batchInputs(): (LayerInputs | null)[] {
    return [...this.inputs];
  }

  /** Frees the Δ of the last pass. */
  dropDeltas(): void {
    this.deltas.forEach((d, i) => { d?.dispose(); this.deltas[i] = null; });
  }

  /** Frees everything of the batch. */
  clear(): void {
    this.dropDeltas();
    this.inputs.forEach((rows, i) => { rows?.dispose(); this.inputs[i] = null; });
  }

  dispose(): void {
    this.uninstall();
    this.clear();
    this.anchor.dispose();
  }

  private keepInputs(i: number, N: number, L: number, parts: { x?: Tensor; a?: Tensor }): void {
    if (this.inputs[i]) {
      parts.x?.dispose();
      parts.a?.dispose();
      throw new Error(`cl.fisher: layer '${this.layers[i]!.slot.name}' ran twice in one forward pass; per-sample Fisher statistics need each covered layer to run once per sample`);
    }
    this.inputs[i] = new LayerInputs(this.layers[i]!.slot, N, L, parts);
  }

  private keepDelta(i: number, d: Tensor): void {
    this.deltas[i]?.dispose(); // a second backward through the same graph before dropDeltas(): the latest wins
    this.deltas[i] = keep(d);
  }

  private linear(layer: Linear, i: number, x: Tensor): Tensor {
    const { slot } = this.layers[i]!;
    if (x.rank !== 2) throw new RangeError(`cl.fisher: Linear layer '${slot.name}' got an input ${formatShape(x.shape)}; per-sample gradients need [N, ${layer.inFeatures}]`);
    const N = x.shape[0]!;
    this.keepInputs(i, N, 1, slot.weight ? { x: x.view([N, 1, slot.K]) } : {});
    const y = noGrad(() => Linear.prototype.forward.call(layer, x)); // the class's forward: the instance's is this one
    return record(y, 'fisher.linear', [x, this.anchor], (g) => {
      this.keepDelta(i, g.view([N, 1, slot.out]));
      return [x.requiresGrad ? matmul(g, layer.weight) : null, null];
    });
  }

  private conv(layer: Conv2d, i: number, x: Tensor): Tensor {
    const { slot } = this.layers[i]!;
    const [kh, kw] = [layer.weight.shape[2]!, layer.weight.shape[3]!];
    const geometry = { stride: layer.stride, padding: layer.padding, dilation: layer.dilation };
    const K = layer.weight.size / slot.out;
    let rows: Tensor | null = null; // [N·L, K (+1: ones, with a bias)]
    const y = noGrad(() => conv2d(x, layer.weight, { ...geometry, bias: layer.bias ?? undefined, onPatches: (r) => { rows = keep(r.view(r.shape)); } }));
    const [N, Cout, Ho, Wo] = y.shape as [number, number, number, number];
    const L = Ho * Wo;
    const r = rows! as Tensor;
    // the patches carry the ones column exactly when the layer has a bias
    const parts = !slot.weight ? {} : !slot.bias && layer.bias ? { x: noGrad(() => reshape(slice(r, 1, 0, K), [N, L, K])) } : { a: r.view([N, L, r.shape[1]!]) };
    r.dispose();
    this.keepInputs(i, N, L, parts);
    return record(y, 'fisher.conv2d', [x, this.anchor], (g) => {
      const g3 = reshape(g, [N, Cout, L]);
      this.keepDelta(i, permute(g3, [0, 2, 1]));
      const dx = x.requiresGrad ? fold(matmul(reshape(layer.weight, [Cout, K]), g3, { transposeA: true }), [x.shape[2]!, x.shape[3]!], [kh, kw], geometry) : null;
      return [dx, null];
    });
  }
}
