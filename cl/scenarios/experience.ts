/**
 * What a continual-learning stream is made of. An experience is one step of the stream (Avalanche's
 * term): its training and test sets, the task id that selects a head in task-incremental learning,
 * and the classes it holds. A scenario is the ordered list of experiences plus what a model for it
 * needs to know (input shape, outputs, setting).
 *
 * Settings (van de Ven & Tolias 2019):
 * - 'task':   the task id is given at training and test time; one head per task (nn.MultiHead), labels
 *             local to the task (0..k−1).
 * - 'domain': the task id is not given; one shared head, labels of the same range in every task.
 * - 'class':  the task id is not given; one head over every class of the stream, global labels.
 */
import type { TensorDataset } from '../../nn/data/loader.js';

export type Setting = 'task' | 'domain' | 'class';

export interface Experience {
  /** Position in the stream, 0-based. */
  readonly index: number;
  /** Selects the head in the 'task' setting (= index there); 0 in the 'domain' and 'class' settings. */
  readonly taskId: number;
  readonly name: string;
  /** The classes of the experience as the source dataset numbers them (MNIST digits 0..9; Fashion 10..19 after MNIST). */
  readonly classes: readonly number[];
  /** Labels as the model sees them: local (0..k−1) in 'task', shared in 'domain', global in 'class'. */
  readonly train: TensorDataset;
  readonly test: TensorDataset;
  /**
   * Joint training in the 'task' setting: the experience mixes every task, its labels are
   * taskId·k + local label with k = mixedTasks outputs per head, and each sample trains its own head.
   */
  readonly mixedTasks?: number;
}

export interface Scenario {
  /** e.g. 'permuted-mnist', 'split-mnist'. */
  readonly name: string;
  readonly setting: Setting;
  /** One input sample's shape, e.g. [1, 28, 28]. */
  readonly inputShape: readonly number[];
  /** Outputs of one head: classes per task in 'task' and 'domain', all classes of the stream in 'class'. */
  readonly outputs: number;
  /** Heads a model needs: the number of tasks in 'task', 1 otherwise. */
  readonly heads: number;
  readonly experiences: readonly Experience[];
  /** What to evaluate on after each experience, when not the experiences themselves (joint training). */
  readonly evaluation?: readonly Experience[];
  /** Frees every experience's datasets (shared tensors once). */
  dispose(): void;
}
