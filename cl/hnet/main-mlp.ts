/**
 * MainMLP: the main network of a hypernetwork (von Oswald et al., ICLR 2020; hypnettorch's `mnets.MLP`),
 * an MLP that owns no weights: forward(x, weights, task) runs it with weights given as tensors (nn.functional),
 * so the hypernetwork that produced them gets the gradients.
 *
 *   sizes [in, h₁, …, h_L, out]:  x → flatten → (Linear hᵢ → ReLU)* → head: Linear(h_L, out)
 *   heads > 1: one output layer per task (task-incremental learning); forward(x, w, t) runs head t.
 *
 * The weights come in the order of `shapes`: W₁, b₁, …, W_L, b_L (PyTorch's [out, in] layout), then each
 * head's W and b.
 */
import { describe } from '../../engine/check.js';
import { reshape } from '../../engine/ops/shape.js';
import { Generator } from '../../engine/random.js';
import { formatShape } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';
import { linear, relu } from '../../nn/functional/index.js';
import { ReLU } from '../../nn/layers/activation.js';
import { Sequential } from '../../nn/layers/container.js';
import { Flatten } from '../../nn/layers/flatten.js';
import { Linear } from '../../nn/layers/linear.js';
import { MultiHead } from '../../nn/layers/multi-head.js';
import type { Module } from '../../nn/module.js';
import { checkWeights, denseLayers, type MainNetwork } from './main-network.js';

export interface MainMLPOptions {
  /** Output layers, one per task (default 1). */
  heads?: number;
}

export class MainMLP implements MainNetwork {
  readonly sizes: readonly number[];
  readonly heads: number;
  readonly shapes: readonly (readonly number[])[];
  readonly headOf: readonly number[];

  constructor(sizes: readonly number[], opts: MainMLPOptions = {}) {
    if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s > 0)) {
      throw new RangeError(`MainMLP: sizes must be [in, hidden…, out] (at least two positive integers), got ${describe(sizes)}`);
    }
    const heads = opts.heads ?? 1;
    if (!Number.isInteger(heads) || heads < 1) throw new RangeError(`MainMLP: options.heads must be a positive integer, got ${describe(heads)}`);
    this.sizes = [...sizes];
    this.heads = heads;
    ({ shapes: this.shapes, headOf: this.headOf } = denseLayers(sizes, heads));
  }

  /** x [N, …] (flattened to [N, in]) → head `task`'s outputs [N, out]. */
  forward(x: Tensor, weights: readonly Tensor[], task = 0): Tensor {
    checkWeights('MainMLP.forward', this, x, weights, task);
    const n = this.sizes[0]!;
    if (x.rank < 1 || x.size !== x.shape[0]! * n) throw new RangeError(`MainMLP.forward: x must hold ${n} features per sample, got ${formatShape(x.shape)}`);
    let h = reshape(x, [x.shape[0]!, n]);
    const trunk = this.sizes.length - 2;
    for (let i = 0; i < trunk; i++) h = relu(linear(h, weights[2 * i]!, weights[2 * i + 1]));
    const head = 2 * (trunk + task);
    return linear(h, weights[head]!, weights[head + 1]);
  }

  /** Flatten → (Linear → ReLU)* → Linear, or MultiHead with several heads (initialised from its own seed). */
  module(): Module {
    const s = this.sizes, L = s.length, generator = new Generator(0);
    const trunk = s.slice(1, -1).flatMap((out, i) => [new Linear(s[i]!, out, { generator }), new ReLU()]);
    const head = this.heads > 1 ? new MultiHead(s[L - 2]!, this.heads, s[L - 1]!, { generator }) : new Linear(s[L - 2]!, s[L - 1]!, { generator });
    return new Sequential(new Flatten(), ...trunk, head);
  }
}
