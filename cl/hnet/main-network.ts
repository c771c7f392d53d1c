/**
 * What a hypernetwork's main network (MainMLP, MainCNN) is to the rest of cl.hnet: the shapes of the
 * weights it takes, which head each belongs to, forward(x, weights, task) with the weights as tensors, and
 * module(): the same network built of nn layers (its parameters in the order of `shapes`), which
 * cl.fisher.compute can take (ewcWeighting: the Fisher of the generated weights).
 */
import { checkTensor, describe } from '../../engine/check.js';
import { formatShape } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';
import type { Module } from '../../nn/module.js';

export interface MainNetwork {
  readonly heads: number;
  /** Shape of every weight forward() takes, in order: trunk layers, then each head's W and b. */
  readonly shapes: readonly (readonly number[])[];
  /** headOf[k]: the head weight k belongs to, or −1 for the shared trunk. */
  readonly headOf: readonly number[];
  forward(x: Tensor, weights: readonly Tensor[], task?: number): Tensor;
  /** The network of nn layers (fresh parameters; a MultiHead when heads > 1) with parameters() in `shapes` order. */
  module(): Module;
}

/** Throws unless `weights` match net.shapes and `task` is a head of net; `op` names the caller. */
export function checkWeights(op: string, net: MainNetwork, x: Tensor, weights: readonly Tensor[], task: number): void {
  checkTensor(op, 'x', x);
  if (!Array.isArray(weights) || weights.length !== net.shapes.length) {
    throw new RangeError(`${op}: expected ${net.shapes.length} weight tensors (shapes), got ${Array.isArray(weights) ? weights.length : describe(weights)}`);
  }
  weights.forEach((w, k) => {
    checkTensor(op, `weights[${k}]`, w);
    if (w.shape.join() !== net.shapes[k]!.join()) throw new RangeError(`${op}: weights[${k}] must be ${formatShape(net.shapes[k]!)}, got ${formatShape(w.shape)}`);
  });
  if (!Number.isInteger(task) || task < 0 || task >= net.heads) throw new RangeError(`${op}: task must be a head index in [0, ${net.heads - 1}], got ${describe(task)}`);
}

/** The shapes and head owners of dense layers: trunk layers (head −1), then `heads` copies of the output layer. */
export function denseLayers(sizes: readonly number[], heads: number): { shapes: number[][]; headOf: number[] } {
  const shapes: number[][] = [], headOf: number[] = [];
  const layer = (inF: number, outF: number, head: number) => {
    shapes.push([outF, inF], [outF]);
    headOf.push(head, head);
  };
  for (let i = 0; i + 2 < sizes.length; i++) layer(sizes[i]!, sizes[i + 1]!, -1);
  for (let h = 0; h < heads; h++) layer(sizes[sizes.length - 2]!, sizes[sizes.length - 1]!, h);
  return { shapes, headOf };
}
