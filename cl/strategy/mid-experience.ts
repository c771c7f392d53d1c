/**
 * Checkpoints of a run stopped in the middle of an experience (by its signal: Ctrl-C), and resuming them
 * to the uninterrupted run's results, bit for bit. Such a file holds two parts:
 *   - at the top level, the boundary checkpoint as of the start of experience k (checkpoint.ts), which
 *     run() keeps as host bytes before each experience when it has a signal; and
 *   - where it stopped: 'now/model/…', 'now/optimizer/…', 'now/plugin/<i>/…' (weightsOf, the optimizer
 *     always included) and meta.partial { experience, epoch, step, curve, timings, optimizer, plugins, rng }.
 * Resuming restores the first part (completed = k); train(k) then renews the optimizer and runs
 * beforeExperience as the original run did, from the same θ (plugins compute there what their state()
 * need not hold: UpdateRecorder's θ_before, hnet's targets), then loads the second part and goes on after
 * step `step` of epoch `epoch`: the batches done are not made (the loader's order depends on its seed and
 * the epoch only), and the epoch hooks already run are not run again (their effects are in the second part).
 * A reader that ignores `partial` resumes from the start of experience k, which is also right.
 * A layer-owned optimizer without state() (gradient-projection layers) cannot be saved mid-experience:
 * the file is then the first part alone. The resumed result's `seconds` leave out the steps before the
 * stop (`timings` keep them up to the last finished epoch); numerics flags raised after the last
 * progress report before the stop are not saved (a NaN saved in the weights stops the resumed run at its
 * first report, as a non-finite loss).
 */
import type { Tensor } from '../../engine/tensor.js';
import { decode, type Decoded, type HostTensor } from '../../nn/io/format.js';
import { restoreWeights, under, weightsOf, type CheckpointMeta, type Weights } from './checkpoint.js';
import type { StrategyTimings } from './result.js';
import type { Strategy } from './strategy.js';

/** Where a run stopped inside experience `experience`: `step` steps done in epoch `epoch` (0-based). */
export interface StopPoint {
  experience: number;
  epoch: number;
  step: number;
  /** The evaluations after the epochs done (evalEvery 'epoch'). */
  curve: number[][];
  timings: StrategyTimings;
}

export type PartialMeta = StopPoint & Omit<Weights, 'tensors'>;

/** A loaded mid-experience checkpoint's second part, waiting for train() to reach its experience. */
export interface PendingStop {
  stop: PartialMeta;
  tensors: Record<string, HostTensor>;
}

/** Whether the optimizer's state can be saved between two steps (nn's optimizers: state()). */
export function canSaveMidExperience(s: Strategy): boolean {
  return typeof s.optimizer.state === 'function';
}

/** The checkpoint's contents: the start of the experience (`start`, toBuffer's bytes) and, when the optimizer allows, the strategy's weights now under 'now/'. */
export function midExperienceContents(s: Strategy, start: ArrayBuffer, stop: StopPoint): { tensors: Record<string, Tensor | HostTensor>; meta: CheckpointMeta & { partial?: PartialMeta } } {
  const first = decode(start);
  const meta = first.meta as CheckpointMeta;
  if (!canSaveMidExperience(s)) return { tensors: first.tensors, meta };
  const { tensors, ...records } = weightsOf(s, true);
  const now = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [`now/${k}`, t]));
  return { tensors: { ...first.tensors, ...now }, meta: { ...meta, partial: { ...stop, ...records } } };
}

/** The second part of a decoded checkpoint, if it has one; checked against the first. */
export function pendingStop(decoded: Decoded, meta: CheckpointMeta, where: string): PendingStop | null {
  const stop = (meta as { partial?: PartialMeta }).partial;
  if (!stop) return null;
  if (stop.experience !== meta.completed) throw new RangeError(`${where}: the checkpoint stopped in experience ${stop.experience}, but its start part has ${meta.completed} experiences done`);
  return { stop, tensors: under(decoded.tensors, 'now') };
}

/** Puts the second part into the strategy (after beforeExperience of its experience). */
export function restoreStop(s: Strategy, pending: PendingStop, where: string): void {
  restoreWeights(s, pending.tensors, pending.stop, where);
  s.timings = { ...pending.stop.timings };
}
