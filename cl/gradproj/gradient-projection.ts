/**
 * Gradient projection for an ordinary nn model: attaches a calculator to each Linear / Conv2d layer
 * so users keep their model and optimizer. A layer's weight and bias are projected together as the
 * matrix [W | b] (out × (d+1)) whose inputs are [x, 1] — the bias is the weight of a constant input
 * (as in Adam-NSCL) — so the calculator sees input rows with a 1 appended (Conv2d: the patch rows its
 * own forward builds, handed over by conv2d's onPatches).
 *
 *   collect(fn)         forward passes (eval, no gradients) feed the calculators; projectors update.
 *   projectGradients()  [G_W | g_b] ← [G_W | g_b]·P  (then any optimizer step).
 *   step(optimizer)     optimizer.step() with its update projected: θ ← θ_old + (θ_new − θ_old)·P —
 *                       Adam-NSCL's rule: Adam on the raw gradient, projected update.
 */
import {
  add, clone, concat, conv2d, keep, matmul, noGrad, ones, reshape, setGradEnabled, slice, sub, tidy, type Tensor,
} from '../../engine/index.js';
import { assign } from '../../nn/assign.js';
import { Conv2d } from '../../nn/layers/conv.js';
import { Linear } from '../../nn/layers/linear.js';
import type { Module } from '../../nn/module.js';
import type { Optimizer } from '../../nn/optim/optimizer.js';
import type { ProjectionCalculator } from './calculators/calculator.js';

type ProjectedLayer = Linear | Conv2d;

interface Attached {
  layer: ProjectedLayer;
  calculator: ProjectionCalculator;
  projector: Tensor | null;
}

export interface GradientProjectionOptions {
  /** Makes one calculator per layer, e.g. () => new NullSpace({ R: 0.01 }). */
  calculator: () => ProjectionCalculator;
  /** Layers to project (default: every Linear and Conv2d of the model). */
  layers?: readonly ProjectedLayer[];
}

/** Input rows of a Linear layer, with a 1 appended when it has a bias: [m, in(+1)]. */
function inputRows(layer: Linear, x: Tensor): Tensor {
  const rows = reshape(x, [-1, layer.inFeatures]);
  return layer.bias ? concat([rows, ones([rows.shape[0]!, 1])], 1) : rows;
}

/** The layer's parameters as one matrix [W | b] of shape [out, d(+1)], from `pick` (value or gradient). */
function asMatrix(layer: ProjectedLayer, pick: (p: Tensor) => Tensor): Tensor {
  const out = layer.weight.shape[0]!;
  const w = reshape(pick(layer.weight), [out, -1]);
  return layer.bias ? concat([w, reshape(pick(layer.bias), [out, 1])], 1) : w;
}

/** Splits [W | b] back into the weight's and the bias's shapes. */
function fromMatrix(layer: ProjectedLayer, m: Tensor): { w: Tensor; b: Tensor | null } {
  const d = layer.weight.size / layer.weight.shape[0]!;
  if (!layer.bias) return { w: reshape(m, layer.weight.shape), b: null };
  return { w: reshape(slice(m, 1, 0, d), layer.weight.shape), b: reshape(slice(m, 1, d, d + 1), layer.bias.shape) };
}

export class GradientProjection {
  private readonly attached: Attached[];

  constructor(readonly model: Module, opts: GradientProjectionOptions) {
    if (typeof opts?.calculator !== 'function') throw new TypeError('GradientProjection: options.calculator must be a function returning a calculator, e.g. () => new NullSpace()');
    const layers = opts.layers ?? model.modules().filter((m): m is ProjectedLayer => m instanceof Linear || m instanceof Conv2d);
    if (!layers.length) throw new RangeError('GradientProjection: the model has no Linear or Conv2d layer to project');
    for (const l of layers) {
      if (!(l instanceof Linear || l instanceof Conv2d)) throw new TypeError(`GradientProjection: layers must be Linear or Conv2d, got ${(l as object)?.constructor?.name}`);
    }
    this.attached = layers.map((layer) => ({ layer, calculator: opts.calculator(), projector: null }));
  }

  /** Projectors by layer, in order (null before the first collect). */
  get projectors(): (Tensor | null)[] {
    return this.attached.map((a) => a.projector);
  }

  /** Runs the caller's forward passes in eval mode without gradients, feeding every calculator; then recomputes the projectors. */
  async collect(forwardPasses: () => unknown): Promise<void> {
    const wasTraining = this.model.training;
    this.model.eval();
    const grad = setGradEnabled(false);
    const originals = this.attached.map(({ layer, calculator }) => {
      const forward = layer.forward;
      // Conv2d hands over the patch rows it builds anyway (with the ones column when it has a bias).
      layer.forward = layer instanceof Conv2d
        ? (x: Tensor) => conv2d(x, layer.weight, {
          stride: layer.stride, padding: layer.padding, dilation: layer.dilation, bias: layer.bias ?? undefined,
          onPatches: (rows) => calculator.registerInput(rows),
        })
        : (x: Tensor) => {
          tidy(() => calculator.registerInput(inputRows(layer as Linear, x)));
          return forward.call(layer, x);
        };
      return forward;
    });
    try {
      await forwardPasses();
    } finally {
      this.attached.forEach(({ layer }, i) => {
        if (layer.forward !== originals[i]) delete (layer as { forward?: unknown }).forward;
      });
      setGradEnabled(grad);
      this.model.train(wasTraining);
    }
    for (const a of this.attached) {
      const P = await a.calculator.computeProjection();
      a.projector?.dispose();
      a.projector = P;
    }
  }

  /** Replaces each projected layer's gradients by [G_W | g_b]·P. */
  projectGradients(): void {
    noGrad(() => {
      for (const { layer, projector } of this.attached) {
        if (!projector || !layer.weight.grad || (layer.bias && !layer.bias.grad)) continue;
        const { w, b } = tidy(() => fromMatrix(layer, matmul(asMatrix(layer, (p) => p.grad!), projector)));
        layer.weight.grad.dispose();
        layer.weight.grad = keep(w);
        if (layer.bias && b) { layer.bias.grad!.dispose(); layer.bias.grad = keep(b); }
      }
    });
  }

  /** optimizer.step() with each projected layer's update Δ replaced by Δ·P. */
  step(optimizer: Optimizer): void {
    const before = noGrad(() => this.attached.map(({ layer, projector }) => (projector ? keep(tidy(() => clone(asMatrix(layer, (p) => p)))) : null)));
    optimizer.step();
    noGrad(() => this.attached.forEach(({ layer, projector }, i) => {
      const old = before[i];
      if (!projector || !old) return;
      tidy(() => {
        const projected = add(old, matmul(sub(asMatrix(layer, (p) => p), old), projector));
        const { w, b } = fromMatrix(layer, projected);
        assign(layer.weight, w);
        if (layer.bias && b) assign(layer.bias, b);
      });
      old.dispose();
    }));
  }

  dispose(): void {
    for (const a of this.attached) { a.projector?.dispose(); a.projector = null; a.calculator.dispose(); }
  }
}
