/**
 * Head selection for multi-head models (task-incremental learning): every nn.MultiHead in the model
 * answers with the head of the experience's task id; joint training over all tasks uses every head at
 * once, each sample scored by its own task's head only.
 */
import { add, arange, cast, div, eq, reshape, where, type Tensor } from '../../engine/index.js';
import type { Batch } from '../../nn/data/loader.js';
import { MultiHead } from '../../nn/layers/multi-head.js';
import type { Module } from '../../nn/module.js';

/**
 * A batch that mixes tasks (replay in the task-incremental setting): its labels are taskId·k + local
 * label with k = mixedTasks outputs per head, and the strategy scores each sample with its own task's
 * head (headMaskedLogits), as for an experience with mixedTasks.
 */
export interface TaskMixedBatch extends Batch {
  readonly mixedTasks?: number;
}

/** A module conditioned on the task id (a hypernetwork's task embedding, cl/hnet). */
interface TaskConditioned {
  selectTask(taskId: number): void;
}

const isTaskConditioned = (m: Module): m is Module & TaskConditioned => typeof (m as Partial<TaskConditioned>).selectTask === 'function';

/**
 * Points every MultiHead of the model at head `taskId`, or at all heads concatenated ('all'), and tells
 * every module with a selectTask(taskId) method the task (such a module serves one task at a time).
 */
export function selectHead(model: Module, taskId: number | 'all'): void {
  for (const m of model.modules()) {
    if (isTaskConditioned(m)) {
      if (taskId === 'all') throw new RangeError(`selectHead: ${m.constructor.name} serves one task at a time; it cannot train on an experience that mixes every task (joint training)`);
      m.selectTask(taskId);
    }
    if (!(m instanceof MultiHead)) continue;
    if (taskId === 'all') m.selectAll();
    else m.select(taskId);
  }
}

/**
 * All heads' logits z [B, H·k] with every column outside sample b's head set to −1e9, where sample b's
 * head is ⌊y_b / k⌋ (labels taskId·k + local). Softmax over the row is then softmax over the sample's
 * own head: cross-entropy equals that head's k-way loss, and other heads get no gradient from it.
 */
export function headMaskedLogits(z: Tensor, y: Tensor, k: number): Tensor {
  const cols = z.shape[1]!;
  const headOfColumn = reshape(headOf(arange(cols), k), [1, cols]);
  const headOfSample = reshape(headOf(cast(y, 'float32'), k), [-1, 1]);
  return where(eq(headOfColumn, headOfSample), z, -1e9);
}

/** ⌊i / k⌋ for integers i ≥ 0 (float32): (i + ½)/k stays ½/k away from an integer, so the division's rounding cannot cross one. */
function headOf(i: Tensor, k: number): Tensor {
  return cast(cast(div(add(i, 0.5), k), 'int32'), 'float32');
}
