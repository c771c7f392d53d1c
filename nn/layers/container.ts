/** Containers: Sequential (a chain, children named 0, 1, …); MultiHead (one head per task) is in multi-head.ts. */
import { checkTensor, describe } from '../../engine/check.js';
import type { Tensor } from '../../engine/tensor.js';
import { Module } from '../module.js';
import { isMaxPoolFusable, isTilingMaxPool } from './max-pool-fusion.js';

function checkModules(layer: string, list: readonly unknown[]): Module[] {
  list.forEach((m, i) => {
    if (!(m instanceof Module)) throw new TypeError(`${layer}: element ${i} must be a Module, got ${describe(m)}`);
  });
  return [...list] as Module[];
}

/**
 * forward(x) = layers[n−1](…layers[0](x)); parameter names '0.weight', '1.bias', … as in PyTorch.
 * A convolution followed by a max pool whose windows tile its output runs as one fused kernel
 * (max-pool-fusion.ts); the result is the same function.
 */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = checkModules('Sequential', layers);
  }

  override namedChildren(): [string, Module][] {
    return this.layers.map((m, i) => [String(i), m]);
  }

  forward(x: Tensor): Tensor {
    let h = checkTensor('Sequential.forward', 'x', x);
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i]!, next = this.layers[i + 1];
      const pooled = isMaxPoolFusable(layer) && isTilingMaxPool(next) ? layer.forwardMaxPooled(h, next) : null;
      if (pooled) i++;
      h = pooled ?? layer.forward(h);
    }
    return h;
  }
}

export { MultiHead } from './multi-head.js';
