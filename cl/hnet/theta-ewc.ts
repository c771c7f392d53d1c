/**
 * ThetaEWC: EWC on the hypernetwork's own parameters θ instead of the output regulariser (hypnettorch's toy
 * regression with reg = 3): after each task the diagonal empirical Fisher of θ through the main network's
 * likelihood (theta-fisher.ts) and θ* are kept, and the loss adds
 *   ½λ Σ_{t'} Σ_i F_{t',i} (θ_i − θ*_{t',i})²
 * (hypnettorch: β·ewc_regularizer, which is ½ Σ F(θ − θ*)²; λ here is its β). This is cl.EWC in separate
 * mode with a diagonal Fisher (its penalty, merged over tasks, its checkpoint state); only what it covers,
 * θ, and how F is computed differ. Task embeddings are not regularised: each is trained on its own task only.
 */
import { describe } from '../../engine/check.js';
import type { Tensor } from '../../engine/tensor.js';
import type { Module } from '../../nn/module.js';
import type { Likelihood } from '../fisher/compute.js';
import type { FisherMatrix } from '../fisher/fisher-matrix.js';
import { EWC } from '../methods/ewc.js';
import type { ExperienceContext } from '../strategy/plugin.js';
import { HnetModel } from './hnet-model.js';
import { thetaFisher } from './theta-fisher.js';

export interface ThetaEWCOptions {
  /** Penalty strength λ ≥ 0. */
  lambda: number;
  /** 'categorical' (default) or { gaussian: { std } } (regression). */
  likelihood?: Likelihood;
  /** Training samples the Fisher sees per task (default: all; one backward pass each). */
  samples?: number;
  /** Seed of the samples drawn (default 0). */
  seed?: number;
}

export class ThetaEWC extends EWC {
  constructor(opts: ThetaEWCOptions) {
    if (!opts || typeof opts !== 'object') throw new TypeError('ThetaEWC: expected options { lambda, likelihood?, samples?, seed? }');
    super({ lambda: opts.lambda, mode: 'separate', fisher: { representation: 'diag', variant: 'empirical', samples: opts.samples, likelihood: opts.likelihood }, seed: opts.seed });
  }

  /** θ of the hypernetwork (the task embeddings are not covered). */
  override parameters(model: Module): Tensor[] {
    if (!(model instanceof HnetModel)) throw new TypeError(`ThetaEWC: the model must be a cl.hnet.HnetModel (a hypernetwork and its main network), got ${describe(model)}`);
    return model.hnet.theta();
  }

  /** F of θ through the main network (theta-fisher.ts) instead of cl.fisher.compute over layers. */
  protected override fisher(ctx: ExperienceContext): Promise<FisherMatrix> {
    const { experience } = ctx;
    return Promise.resolve(thetaFisher(ctx.model as HnetModel, experience.taskId, experience.train, { likelihood: this.likelihood, samples: this.samples, seed: this.seed * 7919 + experience.index }));
  }
}
