/**
 * checkNumerics for cl.Strategy (on by default): after each step's optimizer update, one
 * NumericsMonitor check (engine/numerics.ts; one dispatch per 15 tensors, no readback) watches the
 * loss (with the plugins' penalties), every gradient as the optimizer applied it (after clipping and
 * the plugins' edits) and every parameter after the update. The strategy reads the flags at its
 * progress interval, in the readback of the loss it makes anyway, and stops the run with a NumericsError naming
 * the first bad step and, within it, the first bad value in the order they were computed: the loss,
 * then the gradients, then the parameters (each in the model's parameter order).
 * Clipping by value turns an infinite gradient into a finite one before the optimizer sees it; a NaN
 * stays NaN (nn/clip.ts), so a NaN gradient is always caught.
 */
import { NumericsError } from '../../engine/errors.js';
import { NumericsMonitor } from '../../engine/numerics.js';
import type { Tensor } from '../../engine/tensor.js';
import type { Experience } from '../scenarios/experience.js';

/** Where the strategy stands when it reads the flags (to turn a step index back into epoch and step). */
export interface NumericsContext {
  method: string;
  experience: Experience;
  epochs: number;
  stepsPerEpoch: number;
}

export class StepNumerics {
  private readonly monitor: NumericsMonitor;
  private readonly params: readonly Tensor[];
  private readonly names: readonly string[];

  constructor(named: readonly (readonly [string, Tensor])[]) {
    this.names = named.map(([n]) => n);
    this.params = named.map(([, p]) => p);
    this.monitor = new NumericsMonitor(['loss', ...this.names.map((n) => `gradient of ${n}`), ...this.names.map((n) => `parameter ${n} after the optimizer step`)]);
  }

  /** Encodes the check of step `iteration` (0-based within the experience): call after the optimizer step, before zeroGrad. */
  check(iteration: number, loss: Tensor): void {
    this.monitor.check(iteration, [loss, ...this.params.map((p) => p.grad), ...this.params]);
  }

  /** The value of `loss` (one element), read back with the flags: throws a NumericsError if any check so far saw a NaN or ±∞. */
  async readLoss(loss: Tensor, c: NumericsContext): Promise<number> {
    const { fault, value } = await this.monitor.read(loss);
    if (!fault) return value!;
    const p = this.names.length;
    const what = fault.index === 0 ? 'loss' : fault.index <= p ? 'gradient' : 'parameter';
    const layer = fault.index === 0 ? 'loss' : this.names[(fault.index - 1) % p]!;
    const epoch = Math.floor(fault.step / c.stepsPerEpoch);
    const step = fault.step % c.stepsPerEpoch + 1;
    const others = fault.labels.length > 1 ? ` (and ${fault.labels.length - 1} more value${fault.labels.length > 2 ? 's' : ''} at that step: ${fault.labels.slice(1, 4).join(', ')}${fault.labels.length > 4 ? ', …' : ''})` : '';
    throw new NumericsError(
      { experience: c.experience.index, epoch, step, what, layer },
      `Strategy: training diverged (method ${c.method}): the first NaN or ±∞ is in the ${fault.label}${others} at experience ${c.experience.index} (${c.experience.name}), epoch ${epoch + 1}/${c.epochs}, step ${step}/${c.stepsPerEpoch}; lower the learning rate or the method's strength (checkNumerics: false, the CLI's --no-check-numerics, turns this check off)`,
    );
  }

  dispose(): void {
    this.monitor.dispose();
  }
}
