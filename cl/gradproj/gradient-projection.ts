/**
 * Gradient projection for an ordinary nn model: attaches a calculator to each Linear / Conv2d layer
 * so users keep their model and optimizer. A layer's weight and bias are projected together as the
 * matrix [W | b] (out × (d+1)) whose inputs are [x, 1] — the bias is the weight of a constant input
 * (as in Adam-NSCL) — so the calculator sees input rows with a 1 appended (Conv2d: the patch rows its
 * own forward builds, handed over by conv2d's onPatches).
 *
 *   collect(fn)         forward passes (eval, no gradients) feed the calculators; projectors update.
 *                       A Conv2d that Sequential would fuse with its max pool runs unfused meanwhile,
 *                       so its hooked forward (which unfolds the patches anyway) sees every input.
 *   projectGradients()  [G_W | g_b] ← [G_W | g_b]·P  (then any optimizer step).
 *   step(optimizer)     optimizer.step() with its update projected: θ ← θ_old + (θ_new − θ_old)·P —
 *                       Adam-NSCL's rule: Adam on the raw gradient, projected update.
 */
import {
  add, clone, concat, conv2d, keep, matmul, noGrad, ones, reshape, setGradEnabled, slice, sub, tidy, type Tensor,
} from '../../engine/index.js';
import { assign, copyOf, type TensorLike } from '../../nn/assign.js';
import { Conv2d } from '../../nn/layers/conv.js';
import { Linear } from '../../nn/layers/linear.js';
import type { Module } from '../../nn/module.js';
import type { Optimizer } from '../../nn/optim/optimizer.js';
import { shadow } from '../util/shadow.js';
import type { ProjectionCalculator } from './calculators/calculator.js';

type ProjectedLayer = Linear | Conv2d;

interface Attached {
  layer: ProjectedLayer;
  calculator: ProjectionCalculator;
  projector: Tensor | null;
  /** U [d, k] when P = I − U·Uᵀ with 2k < d: M·P is then taken as M − (M·U)·Uᵀ (2k/d of the work). */
  basis: Tensor | null;
}

/** M·P for the rows of M, in low-rank form when the layer has a basis. */
function project(a: Attached, m: Tensor): Tensor {
  return a.basis ? sub(m, matmul(matmul(m, a.basis), a.basis, { transposeB: true })) : matmul(m, a.projector!);
}

export interface GradientProjectionOptions {
  /** Makes the calculator of projected layer `layer` (its index in model order), e.g. () => new NullSpace({ R: 0.01 }). */
  calculator: (layer: number) => ProjectionCalculator;
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
    this.attached = layers.map((layer, i) => ({ layer, calculator: opts.calculator(i), projector: null, basis: null }));
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
    const restores = this.attached.map(({ layer, calculator }) => {
      if (layer instanceof Conv2d) {
        return shadow(layer, {
          // Conv2d hands over the patch rows it builds anyway (with the ones column when it has a bias).
          forward: (x: Tensor) => conv2d(x, layer.weight, {
            stride: layer.stride, padding: layer.padding, dilation: layer.dilation, bias: layer.bias ?? undefined,
            onPatches: (rows) => calculator.registerInput(rows),
          }),
          // Sequential's fused conv + max pool would bypass that forward: decline, so it calls forward, then the pool.
          forwardMaxPooled: () => null,
        });
      }
      const forward = layer.forward;
      return shadow(layer, {
        forward: (x: Tensor) => {
          tidy(() => calculator.registerInput(inputRows(layer, x)));
          return forward.call(layer, x);
        },
      });
    });
    try {
      await forwardPasses();
    } finally {
      for (const restore of restores) restore();
      setGradEnabled(grad);
      this.model.train(wasTraining);
    }
    for (const a of this.attached) {
      const P = await a.calculator.computeProjection();
      a.projector?.dispose();
      a.basis?.dispose();
      a.projector = P;
      const U = P && a.calculator.complementBasis ? a.calculator.complementBasis() : null;
      a.basis = U && 2 * U.shape[1]! < U.shape[0]! ? U : null;
      if (U && !a.basis) U.dispose();
    }
  }

  /** Replaces each projected layer's gradients by [G_W | g_b]·P. */
  projectGradients(): void {
    noGrad(() => {
      for (const a of this.attached) {
        const { layer, projector } = a;
        if (!projector || !layer.weight.grad || (layer.bias && !layer.bias.grad)) continue;
        const { w, b } = tidy(() => fromMatrix(layer, project(a, asMatrix(layer, (p) => p.grad!))));
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
    noGrad(() => this.attached.forEach((a, i) => {
      const { layer, projector } = a;
      const old = before[i];
      if (!projector || !old) return;
      tidy(() => {
        const projected = add(old, project(a, sub(asMatrix(layer, (p) => p), old)));
        const { w, b } = fromMatrix(layer, projected);
        assign(layer.weight, w);
        if (layer.bias && b) assign(layer.bias, b);
      });
      old.dispose();
    }));
  }

  /**
   * For checkpoints: per layer i, its projector as 'i/projector' (and its low-rank basis 'i/basis'), its calculator's tensors as
   * 'i/calculator/<name>' (this object's own tensors); the record lists the calculators' records.
   */
  state(): { tensors: Record<string, Tensor>; record: { kind: string; record: Record<string, unknown> }[] } {
    const tensors: Record<string, Tensor> = {};
    const record = this.attached.map((a, i) => {
      const s = a.calculator.state();
      if (a.projector) tensors[`${i}/projector`] = a.projector;
      if (a.basis) tensors[`${i}/basis`] = a.basis;
      for (const [k, t] of Object.entries(s.tensors)) tensors[`${i}/calculator/${k}`] = t;
      return { kind: a.calculator.kind, record: s.record };
    });
    return { tensors, record };
  }

  /** Restores state() output (GPU tensors or nn.io host arrays), copying it; checked before anything changes. */
  loadState(state: { tensors: Record<string, TensorLike>; record: unknown }): void {
    const records = state.record as { kind: string; record: Record<string, unknown> }[];
    if (!Array.isArray(records) || records.length !== this.attached.length) {
      throw new RangeError(`GradientProjection.loadState: the state is for ${Array.isArray(records) ? records.length : 'no'} layers, this model has ${this.attached.length}`);
    }
    this.attached.forEach((a, i) => {
      if (records[i]!.kind !== a.calculator.kind) throw new TypeError(`GradientProjection.loadState: layer ${i}'s state is for ${records[i]!.kind}, its calculator is ${a.calculator.kind}`);
      const P = state.tensors[`${i}/projector`];
      const d = a.layer.weight.size / a.layer.weight.shape[0]! + (a.layer.bias ? 1 : 0);
      if (P && (P.shape.length !== 2 || P.shape[0] !== d || P.shape[1] !== d)) {
        throw new RangeError(`GradientProjection.loadState: layer ${i}'s projector must be [${d}, ${d}], got [${P.shape.join(', ')}]`);
      }
    });
    this.attached.forEach((a, i) => {
      const calc: Record<string, TensorLike> = {};
      const prefix = `${i}/calculator/`;
      for (const [k, t] of Object.entries(state.tensors)) if (k.startsWith(prefix)) calc[k.slice(prefix.length)] = t;
      a.calculator.loadState({ tensors: calc, record: records[i]!.record });
      const P = state.tensors[`${i}/projector`];
      const U = state.tensors[`${i}/basis`];
      a.projector?.dispose();
      a.basis?.dispose();
      a.projector = P ? copyOf(P) : null;
      a.basis = P && U ? copyOf(U) : null;
    });
  }

  dispose(): void {
    for (const a of this.attached) { a.projector?.dispose(); a.basis?.dispose(); a.projector = a.basis = null; a.calculator.dispose(); }
  }
}
