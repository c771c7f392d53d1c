/**
 * What an optimizer's look-ahead (the update step() would make, without making it) reads for one
 * parameter: its index, the step number step() would use, its gradient with L2 weight decay folded in,
 * and its state buffers (null before its first step). Read-only: nothing of the optimizer changes.
 */
import { add, mul } from '../../engine/ops/elementwise.js';
import type { Tensor } from '../../engine/tensor.js';
import type { Optimizer } from './optimizer.js';

export interface LookaheadInputs {
  /** grad + weightDecay·param. */
  g: Tensor;
  /** The step number step() would use next (1 for the first). */
  step: number;
  /** The state buffer called `name` (state() names), or null before the first step. */
  slot(name: string): Tensor | null;
}

/** Per parameter of `params` (each one of opt's): its look-ahead inputs, or null where it has no gradient (step() skips it). */
export function lookaheadInputs(opt: Optimizer, params: readonly Tensor[], weightDecay: number): (LookaheadInputs | null)[] {
  const { tensors, record } = opt.state();
  return params.map((p, k) => {
    const i = opt.params.indexOf(p);
    if (i < 0) throw new RangeError(`${opt.type}.lookahead: params[${k}] is not one of this optimizer's parameters`);
    if (!p.grad) return null;
    return {
      g: weightDecay ? add(p.grad, mul(p.detach(), weightDecay)) : p.grad,
      step: record.steps[i]! + 1,
      slot: (name) => tensors[`${i}.${name}`] ?? null,
    };
  });
}
