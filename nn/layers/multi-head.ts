/**
 * MultiHead: one output head per task, for task-incremental learning (the 'task' setting of
 * cl/scenarios, where the task id is given with every sample).
 *
 *   new MultiHead(inFeatures, heads, k)   heads × Linear(inFeatures, k), initialised as nn.Linear
 *   new MultiHead([m0, m1, …])            any modules as heads (MultiHead.linear for Linear heads of
 *                                         different sizes)
 *
 * Which head forward(x) runs:
 * - select(t): head t only, logits [B, k]. Only head t is in the graph, so only it gets gradients
 *   (the shared trunk below it does, of course).
 * - selectAll(): every head, logits concatenated along the last axis, [B, heads·k]: head t's logits
 *   are columns t·k … t·k + k − 1. For a batch mixing tasks, mask or gather those columns per sample.
 * - forward(x, t) runs head t whatever is selected (the form older code uses).
 * The selection is configuration, not state: stateDict() holds the heads' parameters only
 * ('heads.0.weight', 'heads.0.bias', 'heads.1.weight', …); clone() copies it.
 */
import { describe } from '../../engine/check.js';
import { concat } from '../../engine/ops/indexing.js';
import { checkTensor } from '../../engine/ops/map.js';
import type { Tensor } from '../../engine/tensor.js';
import { Module } from '../module.js';
import { checkPositiveInt } from './check.js';
import { Linear, type LinearOptions } from './linear.js';

export class MultiHead extends Module {
  readonly heads: Module[];
  /** The head forward(x) runs, or 'all' for every head concatenated. */
  private active: number | 'all' = 0;

  /** `heads` Linear(inFeatures, outputsPerHead) heads (with bias unless opts.bias is false). */
  constructor(inFeatures: number, heads: number, outputsPerHead: number, opts?: LinearOptions);
  /** The given modules as heads, task t → heads[t]. */
  constructor(heads: readonly Module[]);
  constructor(a: number | readonly Module[], heads?: number, outputsPerHead?: number, opts: LinearOptions = {}) {
    super();
    if (Array.isArray(a)) {
      a.forEach((m, i) => {
        if (!(m instanceof Module)) throw new TypeError(`MultiHead: element ${i} must be a Module, got ${describe(m)}`);
      });
      this.heads = [...(a as readonly Module[])];
    } else {
      checkPositiveInt('MultiHead', 'inFeatures', a);
      checkPositiveInt('MultiHead', 'heads', heads);
      checkPositiveInt('MultiHead', 'outputsPerHead', outputsPerHead);
      this.heads = Array.from({ length: heads! }, () => new Linear(a as number, outputsPerHead!, opts));
    }
  }

  /** A Linear(inFeatures, n) head for each entry n of outPerTask. */
  static linear(inFeatures: number, outPerTask: readonly number[], opts: LinearOptions = {}): MultiHead {
    return new MultiHead(outPerTask.map((n) => new Linear(inFeatures, n, opts)));
  }

  /** The head forward(x) runs: a task id, or 'all'. */
  get selected(): number | 'all' {
    return this.active;
  }

  /** forward(x) runs head taskId from now on; returns this. */
  select(taskId: number): this {
    this.active = this.checkTaskId('MultiHead.select', taskId);
    return this;
  }

  /** forward(x) returns every head's logits, concatenated along the last axis; returns this. */
  selectAll(): this {
    this.active = 'all';
    return this;
  }

  /** Appends a head for a new task; returns its task id. */
  addHead(head: Module): number {
    if (!(head instanceof Module)) throw new TypeError(`MultiHead.addHead: head must be a Module, got ${describe(head)}`);
    return this.heads.push(head) - 1;
  }

  /** The selected head's logits (all heads' with selectAll), or head taskId's when it is given. */
  forward(x: Tensor, taskId?: number): Tensor {
    checkTensor('MultiHead.forward', 'x', x);
    if (taskId !== undefined) return this.heads[this.checkTaskId('MultiHead.forward', taskId)]!.forward(x);
    if (this.active === 'all') return concat(this.heads.map((h) => h.forward(x)), -1);
    // Checked again: `heads` is a plain array that code may have shortened since select().
    return this.heads[this.checkTaskId('MultiHead.forward', this.active)]!.forward(x);
  }

  private checkTaskId(op: string, taskId: unknown): number {
    if (typeof taskId !== 'number' || !Number.isInteger(taskId) || taskId < 0 || taskId >= this.heads.length) {
      const want = `${op}: taskId must be an integer in [0, ${this.heads.length})`;
      throw typeof taskId === 'number' ? new RangeError(`${want}, got ${taskId}`) : new TypeError(`${want}, got ${describe(taskId)}`);
    }
    return taskId;
  }
}
