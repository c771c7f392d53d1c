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
import { checkTensor, describe } from '../../engine/check.js';
import { reshape } from '../../engine/ops/shape.js';
import { formatShape } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';
import { linear, relu } from '../../nn/functional/index.js';

export interface MainMLPOptions {
  /** Output layers, one per task (default 1). */
  heads?: number;
}

export class MainMLP {
  readonly sizes: readonly number[];
  readonly heads: number;
  /** Shape of every weight forward() takes, in order: trunk layers, then each head's W and b. */
  readonly shapes: readonly (readonly number[])[];
  /** headOf[k]: the head weight k belongs to, or −1 for the shared trunk. */
  readonly headOf: readonly number[];

  constructor(sizes: readonly number[], opts: MainMLPOptions = {}) {
    if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s > 0)) {
      throw new RangeError(`MainMLP: sizes must be [in, hidden…, out] (at least two positive integers), got ${describe(sizes)}`);
    }
    const heads = opts.heads ?? 1;
    if (!Number.isInteger(heads) || heads < 1) throw new RangeError(`MainMLP: options.heads must be a positive integer, got ${describe(heads)}`);
    this.sizes = [...sizes];
    this.heads = heads;
    const shapes: number[][] = [], headOf: number[] = [];
    const layer = (inF: number, outF: number, head: number) => {
      shapes.push([outF, inF], [outF]);
      headOf.push(head, head);
    };
    for (let i = 0; i + 2 < sizes.length; i++) layer(sizes[i]!, sizes[i + 1]!, -1);
    for (let h = 0; h < heads; h++) layer(sizes[sizes.length - 2]!, sizes[sizes.length - 1]!, h);
    this.shapes = shapes;
    this.headOf = headOf;
  }

  /** x [N, …] (flattened to [N, in]) → head `task`'s outputs [N, out]. */
  forward(x: Tensor, weights: readonly Tensor[], task = 0): Tensor {
    checkTensor('MainMLP.forward', 'x', x);
    if (!Array.isArray(weights) || weights.length !== this.shapes.length) {
      throw new RangeError(`MainMLP.forward: expected ${this.shapes.length} weight tensors (MainMLP.shapes), got ${Array.isArray(weights) ? weights.length : describe(weights)}`);
    }
    weights.forEach((w, k) => {
      checkTensor('MainMLP.forward', `weights[${k}]`, w);
      if (w.shape.join() !== this.shapes[k]!.join()) throw new RangeError(`MainMLP.forward: weights[${k}] must be ${formatShape(this.shapes[k]!)}, got ${formatShape(w.shape)}`);
    });
    if (!Number.isInteger(task) || task < 0 || task >= this.heads) throw new RangeError(`MainMLP.forward: task must be a head index in [0, ${this.heads - 1}], got ${describe(task)}`);
    const n = this.sizes[0]!;
    if (x.rank < 1 || x.size !== x.shape[0]! * n) throw new RangeError(`MainMLP.forward: x must hold ${n} features per sample, got ${formatShape(x.shape)}`);
    let h = reshape(x, [x.shape[0]!, n]);
    const trunk = this.sizes.length - 2;
    for (let i = 0; i < trunk; i++) h = relu(linear(h, weights[2 * i]!, weights[2 * i + 1]));
    const head = 2 * (trunk + task);
    return linear(h, weights[head]!, weights[head + 1]);
  }
}
