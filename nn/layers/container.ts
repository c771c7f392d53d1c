/** Containers: Sequential (a chain, children named 0, 1, …) and MultiHead (one head per task). */
import type { Tensor } from '../../engine/tensor.js';
import { Module } from '../module.js';
import { Linear, type LinearOptions } from './linear.js';
import { isMaxPoolFusable, isTilingMaxPool } from './max-pool-fusion.js';

function checkModules(layer: string, list: readonly unknown[]): Module[] {
  list.forEach((m, i) => {
    if (!(m instanceof Module)) throw new TypeError(`${layer}: element ${i} must be a Module, got ${m === null ? 'null' : typeof m}`);
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
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i]!, next = this.layers[i + 1];
      const pooled = isMaxPoolFusable(layer) && isTilingMaxPool(next) ? layer.forwardMaxPooled(h, next) : null;
      if (pooled) i++;
      h = pooled ?? layer.forward(h);
    }
    return h;
  }
}

/**
 * One output head per task (task-incremental learning): forward(x, taskId) runs heads[taskId] only,
 * so other tasks' heads get no gradient. Parameters are named 'heads.0.weight', … .
 */
export class MultiHead extends Module {
  readonly heads: Module[];

  constructor(heads: readonly Module[]) {
    super();
    this.heads = checkModules('MultiHead', heads);
  }

  /** A Linear(inFeatures, n) head for each entry n of outPerTask. */
  static linear(inFeatures: number, outPerTask: readonly number[], opts: LinearOptions = {}): MultiHead {
    return new MultiHead(outPerTask.map((n) => new Linear(inFeatures, n, opts)));
  }

  /** Appends a head for a new task; returns its task id. */
  addHead(head: Module): number {
    checkModules('MultiHead.addHead', [head]);
    return this.heads.push(head) - 1;
  }

  forward(x: Tensor, taskId: number): Tensor {
    if (!Number.isInteger(taskId) || taskId < 0 || taskId >= this.heads.length) {
      throw new RangeError(`MultiHead: taskId must be an integer in [0, ${this.heads.length}), got ${taskId}`);
    }
    return this.heads[taskId]!.forward(x);
  }
}
