/**
 * The orthocl layers (GradProjLinear, GradProjConv2d: each layer owns its projector and its optimiser
 * step, REFERENCE.md §1) on the strategy loop, as the seed experiment runs them:
 *
 *   GradProjLayersPlugin   beforeExperience: takeSnapshot() on every layer (θ₀, displacement, moments);
 *                          afterExperience: projComputation over the experience's whole training set
 *                          (batches of 512), unless projection is off (the baseline)
 *   gradProjOptimizer      the strategy's optimizer for such a model: step() is every layer's own
 *                          sgdStep / adamStep / rmsStep (post-projection: θ = θ₀ − D·P)
 *
 * State for checkpoints: each layer's gradProjState() (projector, step state, calculator state).
 */
import type { Module } from '../../nn/module.js';
import { GradProjLayer, type AdamStepOptions, type RmsStepOptions, type SgdStepOptions } from '../gradproj/grad-proj-layer.js';
import { gradprojLayers, projComputation } from '../gradproj/proj-computation.js';
import { protectedShares } from '../gradproj/protected-share.js';
import { checkSamples, forwardOverTraining, type SampleOptions } from './collect-passes.js';
import type { ExperienceContext, LoadablePluginState, PluginState, StepOptimizer, StrategyPlugin } from '../strategy/plugin.js';

function layersOf(where: string, model: Module): GradProjLayer[] {
  const layers = gradprojLayers(model);
  if (!layers.length) throw new RangeError(`${where}: the model has no gradient-projection layer (GradProjLinear, GradProjConv2d)`);
  return layers;
}

export class GradProjLayersPlugin implements StrategyPlugin {
  readonly name = 'gradproj-layers';
  private layers: GradProjLayer[] = [];

  /** project: false runs the same layers unprojected (the seed's baseline). */
  constructor(private readonly opts: { project?: boolean } & SampleOptions = {}) {
    checkSamples('GradProjLayersPlugin', opts.samples);
  }

  bind(model: Module): void {
    this.layers = layersOf('GradProjLayersPlugin', model);
    if (this.opts.project === false) for (const l of this.layers) l.disable();
  }

  beforeExperience(): void {
    for (const l of this.layers) l.takeSnapshot();
  }

  async afterExperience(ctx: ExperienceContext): Promise<void> {
    if (this.opts.project === false) return;
    await projComputation(ctx.model, () => forwardOverTraining(ctx.model, ctx.experience, this.opts));
  }

  /** The share of each layer's input space protected after the experience (protected-share.ts; 0 with projection off). */
  async report(): Promise<{ protectedShare: number[] }> {
    return { protectedShare: await protectedShares(this.layers.map((l) => (this.opts.project === false ? null : l.projector))) };
  }

  state(): PluginState {
    const tensors: PluginState['tensors'] = {};
    const records = this.layers.map((l, i) => {
      const s = l.gradProjState();
      for (const [k, t] of Object.entries(s.tensors)) tensors[`${i}/${k}`] = t;
      for (const [k, t] of Object.entries(s.calculator.tensors)) tensors[`${i}/calculator/${k}`] = t;
      return { record: s.record, calculator: s.calculator.record };
    });
    return { tensors, record: records };
  }

  loadState(state: LoadablePluginState): void {
    const records = state.record as { record: Record<string, unknown>; calculator: Record<string, unknown> }[];
    if (!Array.isArray(records) || records.length !== this.layers.length) {
      throw new RangeError(`GradProjLayersPlugin.loadState: the state is for ${Array.isArray(records) ? records.length : 'no'} layers, this model has ${this.layers.length}`);
    }
    this.layers.forEach((l, i) => {
      const own: Record<string, (typeof state.tensors)[string]> = {};
      const calc: Record<string, (typeof state.tensors)[string]> = {};
      for (const [k, t] of Object.entries(state.tensors)) {
        if (k.startsWith(`${i}/calculator/`)) calc[k.slice(`${i}/calculator/`.length)] = t;
        else if (k.startsWith(`${i}/`)) own[k.slice(`${i}/`.length)] = t;
      }
      l.loadGradProjState({ tensors: own, record: records[i]!.record, calculator: { tensors: calc, record: records[i]!.calculator } } as Parameters<GradProjLayer['loadGradProjState']>[0]);
    });
  }
}

export type GradProjRule =
  | ({ rule: 'sgd' } & SgdStepOptions)
  | ({ rule: 'adam' } & AdamStepOptions)
  | ({ rule: 'rms' } & RmsStepOptions);

/**
 * The optimizer of a model built from gradient-projection layers: each layer's own step, then the
 * gradients of any other parameter are dropped (such a model should have none).
 */
export function gradProjOptimizer(model: Module, opts: GradProjRule): StepOptimizer {
  const layers = layersOf('gradProjOptimizer', model);
  const params = model.parameters();
  const { rule, ...step } = opts;
  return {
    step() {
      for (const l of layers) {
        if (rule === 'sgd') l.sgdStep(step as SgdStepOptions);
        else if (rule === 'adam') l.adamStep(step as AdamStepOptions);
        else l.rmsStep(step as RmsStepOptions);
      }
    },
    zeroGrad() {
      for (const p of params) { p.grad?.dispose(); p.grad = null; }
    },
  };
}
