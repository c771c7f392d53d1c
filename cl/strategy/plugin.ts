/**
 * A continual-learning method as a plugin of the training loop (Avalanche's StrategyPlugin). Every hook
 * is optional; the strategy calls them in this order, plugins in the order given:
 *
 *   beforeExperience → ( beforeEpoch → ( beforeIteration → forward → afterForward → beforeBackward →
 *   backward → [gradient clipping] → afterBackward → optimizer step → afterUpdate )* → afterEpoch )* →
 *   afterExperience;   beforeEval → accuracy on every experience → afterEval
 *
 * bind(model) is called once, when the strategy is made. The iteration hooks run inside the step's tidy() scope, synchronously: tensors they make there are
 * freed with the step unless they keep() them. beforeIteration may return a replacement batch (replay);
 * beforeBackward may return a penalty that is added to the loss (EWC, LwF); afterBackward may edit the
 * gradients (projection). The experience and evaluation hooks may be async (Fisher, projectors).
 *
 * A plugin's state is named tensors plus a JSON record (state()/loadState()), so a checkpoint carries it.
 */
import type { Tensor } from '../../engine/tensor.js';
import type { Batch } from '../../nn/data/loader.js';
import type { Module } from '../../nn/module.js';
import type { Experience } from '../scenarios/experience.js';

/** What the strategy's `optimizer` factory returns: nn.SGD, nn.Adam, … or a layer-owned step. */
export interface StepOptimizer {
  step(): void;
  /** Frees the gradients of its parameters (nn.Optimizer.zeroGrad). */
  zeroGrad(): void;
  /** Checkpoint state, when it has any (moments, step counts). */
  state?(): { tensors: Record<string, Tensor>; record: unknown };
  loadState?(state: { tensors: Record<string, Tensor | import('../../nn/io/format.js').HostTensor>; record: unknown }): void;
  dispose?(): void;
}

export interface ExperienceContext {
  readonly model: Module;
  readonly optimizer: StepOptimizer;
  readonly experience: Experience;
  /** Every experience of the stream, for plugins that look ahead or back (heads, teachers). */
  readonly experiences: readonly Experience[];
  /** Epoch within the experience (0-based); during afterExperience, the number of epochs run. */
  readonly epoch: number;
}

export interface IterationContext extends ExperienceContext {
  /** Step within the experience, 0-based, counting every epoch. */
  readonly iteration: number;
  /** The batch being trained on (after beforeIteration replacements). */
  readonly batch: Batch;
  /** The model's output for the batch (from afterForward on). */
  readonly output: Tensor | null;
  /** The task loss before penalties (from beforeBackward on). */
  readonly loss: Tensor | null;
}

export interface PluginState {
  tensors: Record<string, Tensor>;
  record: unknown;
}

/** State as a checkpoint gives it back: GPU tensors or host arrays. */
export interface LoadablePluginState {
  tensors: Record<string, Tensor | import('../../nn/io/format.js').HostTensor>;
  record: unknown;
}

export interface StrategyPlugin {
  /** Names the plugin in checkpoints and results (e.g. 'ewc'). */
  readonly name: string;
  /** Called once by the Strategy's constructor with its model (plugins that attach to layers). */
  bind?(model: Module): void;
  beforeExperience?(ctx: ExperienceContext): void | Promise<void>;
  beforeEpoch?(ctx: ExperienceContext): void | Promise<void>;
  beforeIteration?(ctx: IterationContext): Batch | void;
  afterForward?(ctx: IterationContext): void;
  beforeBackward?(ctx: IterationContext): Tensor | void;
  afterBackward?(ctx: IterationContext): void;
  afterUpdate?(ctx: IterationContext): void;
  afterEpoch?(ctx: ExperienceContext): void | Promise<void>;
  afterExperience?(ctx: ExperienceContext): void | Promise<void>;
  beforeEval?(model: Module): void | Promise<void>;
  afterEval?(model: Module): void | Promise<void>;
  /** True for a plugin that records each experience's parameter update, so that Strategy.unlearn can subtract it (UpdateRecorder, AmnesiacLwF). */
  readonly recordsUpdates?: boolean;
  /** Strategy.unlearn(tasks): a recorder subtracts those experiences' updates from the model; every other plugin drops them from its state (LwF: the teachers). */
  unlearn?(tasks: readonly number[], model: Module): void;
  /**
   * After each experience (after every afterExperience): a JSON-able record of what the plugin did, kept
   * per experience in result.reports[name] and in checkpoints (projection: the protected share of each
   * layer's input space). May read back: it runs once per experience.
   */
  report?(): unknown | Promise<unknown>;
  /** The plugin's own tensors (not copies: the checkpoint reads them) and a JSON-able record. */
  state?(): PluginState;
  /** Restores state(); tensors are copied, never adopted. */
  loadState?(state: LoadablePluginState): void;
  dispose?(): void;
}
