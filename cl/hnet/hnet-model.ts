/**
 * HnetModel: a hypernetwork and its main network (MainMLP, MainCNN) as one nn.Module for cl.Strategy.
 * forward(x) runs the main network with the weights the hypernetwork generates from the selected task's embedding,
 *   y = f(x; h(e_t, θ)),
 * so the task loss's gradient reaches θ and e_t. The strategy tells it the task through selectTask(t)
 * (cl/strategy/heads.ts's selectHead, for training and for evaluation); a main network with several heads
 * runs head t, one with a single head runs it for every task. Parameters: θ and every embedding (those of
 * other tasks get no gradient from forward and are skipped by the optimizer).
 */
import { describe } from '../../engine/check.js';
import type { Generator } from '../../engine/random.js';
import type { Tensor } from '../../engine/tensor.js';
import { Module } from '../../nn/module.js';
import { HMLP, type HMLPOptions } from './hmlp.js';
import type { MainNetwork } from './main-network.js';

export class HnetModel extends Module {
  readonly hnet: HMLP;
  readonly main: MainNetwork;
  private task = 0;

  constructor(main: MainNetwork, opts: Omit<HMLPOptions, 'targetShapes' | 'generator'> & { generator?: Generator }) {
    super();
    this.main = main;
    this.hnet = new HMLP({ ...opts, targetShapes: main.shapes });
    if (main.heads > 1 && main.heads !== opts.tasks) throw new RangeError(`HnetModel: a main network with ${main.heads} heads needs one embedding per head, got tasks ${opts.tasks}`);
  }

  get tasks(): number {
    return this.hnet.embeddings.length;
  }

  /** The task whose embedding forward() uses. */
  get selectedTask(): number {
    return this.task;
  }

  selectTask(taskId: number): void {
    if (!Number.isInteger(taskId) || taskId < 0 || taskId >= this.tasks) throw new RangeError(`HnetModel.selectTask: task must be in [0, ${this.tasks - 1}] (one embedding per task), got ${describe(taskId)}`);
    this.task = taskId;
  }

  /** The head of task t: t with one head per task, else the only one. */
  headOf(taskId: number): number {
    return this.main.heads > 1 ? taskId : 0;
  }

  forward(x: Tensor): Tensor {
    return this.main.forward(x, this.hnet.weightsOf(this.task), this.headOf(this.task));
  }
}
