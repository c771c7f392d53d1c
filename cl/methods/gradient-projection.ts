/**
 * Gradient projection as a strategy plugin, for ordinary models (nn.Linear / nn.Conv2d layers): GPM
 * (Saha et al., ICLR 2021), null space (Adam-NSCL's projector, Wang et al., CVPR 2021) and the other
 * calculators of cl/gradproj, through cl.GradientProjection.
 *
 *   afterBackward    [G_W | g_b] ← [G_W | g_b]·P for every projected layer (before the optimizer step:
 *                    GPM's rule; momentum then only ever sees projected gradients)
 *   afterExperience  forward passes over `samples` seeded random training samples of the experience
 *                    (GPM's recipe: 300) or all of them, feeding every layer's calculator; projectors update
 *
 * State for checkpoints: each layer's calculator state and projector.
 */
import { Conv2d } from '../../nn/layers/conv.js';
import { Linear } from '../../nn/layers/linear.js';
import { MultiHead } from '../../nn/layers/multi-head.js';
import type { Module } from '../../nn/module.js';
import { checkSamples, forwardOverTraining, type SampleOptions } from './collect-passes.js';
import type { ProjectionCalculator } from '../gradproj/calculators/calculator.js';
import { GradientProjection } from '../gradproj/gradient-projection.js';
import { protectedShares } from '../gradproj/protected-share.js';
import type { ExperienceContext, LoadablePluginState, PluginState, StrategyPlugin } from '../strategy/plugin.js';

export interface GradientProjectionPluginOptions extends SampleOptions {
  /** One calculator per projected layer; `layer` is its index among the model's Linear/Conv2d layers. */
  calculator: (layer: number) => ProjectionCalculator;
}

export class GradientProjectionPlugin implements StrategyPlugin {
  readonly name = 'gradient-projection';
  private gp: GradientProjection | null = null;
  constructor(private readonly opts: GradientProjectionPluginOptions) {
    if (typeof opts?.calculator !== 'function') throw new TypeError('GradientProjectionPlugin: options.calculator must be a function (layer index) => calculator');
    checkSamples('GradientProjectionPlugin', opts.samples);
  }

  /**
   * Attaches a calculator to every Linear / Conv2d layer of the strategy's model outside its task heads
   * (nn.MultiHead): a head serves one task and sees only its inputs, so it is never projected (GPM's
   * multi-head recipe).
   */
  bind(model: Module): void {
    if (this.gp) throw new Error('GradientProjectionPlugin: already bound to a model; make one plugin per strategy');
    const inHeads = new Set(model.modules().filter((m) => m instanceof MultiHead).flatMap((m) => m.modules()));
    const layers = model.modules().filter((m): m is Linear | Conv2d => (m instanceof Linear || m instanceof Conv2d) && !inHeads.has(m));
    this.gp = new GradientProjection(model, { calculator: this.opts.calculator, layers });
  }

  private bound(): GradientProjection {
    if (!this.gp) throw new Error('GradientProjectionPlugin: not bound to a model (give it to a cl.Strategy)');
    return this.gp;
  }

  afterBackward(): void {
    this.gp?.projectGradients();
  }

  async afterExperience(ctx: ExperienceContext): Promise<void> {
    await this.bound().collect(() => forwardOverTraining(ctx.model, ctx.experience, this.opts));
  }

  /** The share of each projected layer's input space protected after the experience (protected-share.ts). */
  async report(): Promise<{ protectedShare: number[] }> {
    return { protectedShare: await protectedShares(this.bound().projectors) };
  }

  state(): PluginState {
    return this.bound().state();
  }

  loadState(state: LoadablePluginState): void {
    this.bound().loadState(state);
  }

  dispose(): void {
    this.gp?.dispose();
    this.gp = null;
  }
}
