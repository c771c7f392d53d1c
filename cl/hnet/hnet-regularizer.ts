/**
 * HnetRegularizer: the output regulariser of task-conditioned hypernetworks (von Oswald et al., ICLR 2020,
 * eq. 2; hypnettorch's `hnet_regularizer.calc_fix_target_reg` as `train_reg` calls it), as a strategy
 * plugin on an HnetModel (REFERENCE.md §11):
 *
 *   beforeExperience  targets W*_{t'} = h(e_{t'}, θ) for every earlier task t' (one pass, kept on the GPU),
 *                     and the weights A = (2β/n)·M ⊙ F of the squared differences (below)
 *   afterBackward     the task loss's gradient is in θ.grad; with the look-ahead Δθ = the step the
 *                     optimizer would take from it alone (SGD −lr·g, Adam from its moments, unchanged;
 *                     detached, hypnettorch's default), the gradient of
 *                       R = β·(1/n) Σ_{t'} Σ_k M_{t'k} F_{t'k} (h(e_{t'}, θ + Δθ)_k − W*_{t'k})²
 *                     goes into θ.grad, and the step updates θ with both. The n earlier embeddings are
 *                     stacked and run through h in ONE pass; R's graph is never built: backward starts at
 *                     h's output with ∂R/∂h = A ⊙ (h − W*), one subtraction and one product.
 *   afterExperience   (ewcWeighting) F_t, the diagonal Fisher of the main-network weights generated for the
 *                     task just learned (main-fisher.ts), one vector [P] per task kept on the GPU.
 *   M_{t'}: with one head per task only the shared weights and head t''s own weights (hypnettorch's
 *   `inds_of_out_heads`); every weight otherwise; 0 on the last chunk's padding (HMLP.generatePadded).
 *   F_{t'}: 1, or with ewcWeighting the Fisher F_{t'} (hypnettorch's ewc_weight_importance /
 *   fisher_estimates: a weight the old task's likelihood does not depend on is free to move).
 *
 * The current embedding e_t gets the task loss's gradient only (the regulariser never sees it); it is
 * stepped by the strategy's optimizer, whose state is per parameter, so that is an optimizer of its own
 * with the same rule. Earlier embeddings are frozen (detached in the regulariser) unless `plastic`: then
 * the regulariser trains them too (hypnettorch's plastic_prev_tasks_embs).
 *
 * Where we differ: the targets are recomputed from the model before each experience, as hypnettorch does,
 * so a checkpoint (written between experiences) needs no plugin state but the Fishers. The reported loss is
 * the task loss. Not implemented: a look-ahead that is differentiated through (detach_dθ false). EWC on θ
 * (hypnettorch's reg = 3) is the other plugin, ThetaEWC.
 */
import { checkBoolean, checkNumber, checkOptions, describe } from '../../engine/check.js';
import { noGrad } from '../../engine/autograd.js';
import { add, mul, sub } from '../../engine/ops/elementwise.js';
import { tensor, zeros } from '../../engine/ops/creation.js';
import { concat } from '../../engine/ops/indexing.js';
import { reshape } from '../../engine/ops/shape.js';
import { keep, tidy } from '../../engine/scope.js';
import type { Tensor } from '../../engine/tensor.js';
import { copyOf } from '../../nn/assign.js';
import type { Module } from '../../nn/module.js';
import { checkLikelihood, type Likelihood } from '../fisher/compute.js';
import type { ExperienceContext, IterationContext, LoadablePluginState, PluginState, StepOptimizer, StrategyPlugin } from '../strategy/plugin.js';
import { HnetModel } from './hnet-model.js';
import { mainFisher } from './main-fisher.js';

export interface HnetRegularizerOptions {
  /** Strength β ≥ 0 of the output regulariser. */
  beta: number;
  /** Evaluate the regulariser at θ + Δθ, the optimizer's look-ahead (default true). */
  lookahead?: boolean;
  /** Let the regulariser train the earlier tasks' embeddings (default false: frozen). */
  plastic?: boolean;
  /** Weight the squared differences by the main network's diagonal Fisher of each earlier task (default false). */
  ewcWeighting?: boolean;
  /** The likelihood of that Fisher: 'categorical' (default) or { gaussian: { std } } (regression). */
  likelihood?: Likelihood;
  /** Training samples the Fisher sees (default: all). */
  fisherSamples?: number;
  /** Seed of the Fisher's sample choice (default 0). */
  seed?: number;
}

/** An optimizer that can say what its next step would be (nn.SGD, nn.Adam). */
interface LookaheadOptimizer extends StepOptimizer {
  lookahead(params: readonly Tensor[]): Tensor[];
}

const canLookahead = (o: StepOptimizer): o is LookaheadOptimizer => typeof (o as Partial<LookaheadOptimizer>).lookahead === 'function';

export class HnetRegularizer implements StrategyPlugin {
  readonly name = 'hnet';
  readonly beta: number;
  readonly lookahead: boolean;
  readonly plastic: boolean;
  readonly ewcWeighting: boolean;
  private readonly likelihood: Likelihood;
  private readonly fisherSamples: number | undefined;
  private readonly seed: number;
  private model: HnetModel | null = null;
  /** The earlier tasks regularised in this experience, their targets [n, width] and weights A [n, width]. */
  private previous: number[] = [];
  private targets: Tensor | null = null;
  private weight: Tensor | null = null;
  /** ewcWeighting: F_t [P] of every task learned so far. */
  private fishers = new Map<number, Tensor>();

  constructor(opts: HnetRegularizerOptions) {
    const o = checkOptions('HnetRegularizer', opts, ['beta', 'lookahead', 'plastic', 'ewcWeighting', 'likelihood', 'fisherSamples', 'seed']);
    this.beta = checkNumber('HnetRegularizer', 'options.beta', o.beta, { min: 0 });
    this.lookahead = checkBoolean('HnetRegularizer', 'options.lookahead', o.lookahead ?? true);
    this.plastic = checkBoolean('HnetRegularizer', 'options.plastic', o.plastic ?? false);
    this.ewcWeighting = checkBoolean('HnetRegularizer', 'options.ewcWeighting', o.ewcWeighting ?? false);
    this.likelihood = checkLikelihood('HnetRegularizer: options.likelihood', o.likelihood ?? 'categorical');
    this.fisherSamples = o.fisherSamples === undefined ? undefined : checkNumber('HnetRegularizer', 'options.fisherSamples', o.fisherSamples, { integer: true, min: 1 });
    this.seed = checkNumber('HnetRegularizer', 'options.seed', o.seed ?? 0, { integer: true });
  }

  bind(model: Module): void {
    if (!(model instanceof HnetModel)) throw new TypeError(`HnetRegularizer: the model must be a cl.hnet.HnetModel (a hypernetwork and its main network), got ${describe(model)}`);
    this.model = model;
  }

  /** The tasks trained before this experience, their targets h(e_{t'}, θ) and the weights A. */
  beforeExperience(ctx: ExperienceContext): void {
    const model = this.bound();
    if (this.lookahead && !canLookahead(ctx.optimizer)) throw new TypeError('HnetRegularizer: lookahead needs an optimizer with lookahead(params) (nn.SGD, nn.Adam); pass lookahead: false for another');
    const t = ctx.experience.taskId;
    model.selectTask(t);
    this.free();
    this.previous = [...new Set(ctx.experiences.slice(0, ctx.experience.index).map((e) => e.taskId))].filter((p) => p !== t);
    if (!this.previous.length) return;
    const missing = this.ewcWeighting ? this.previous.filter((p) => !this.fishers.has(p)) : [];
    if (missing.length) throw new RangeError(`HnetRegularizer: ewcWeighting has no Fisher for earlier task${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (computed after each experience, or restored by loadState)`);
    this.targets = keep(tidy(() => noGrad(() => model.hnet.generatePadded(this.embeddings(true)))));
    this.weight = keep(tidy(() => this.weights()));
  }

  /** Adds the gradient of R = β·(1/n) Σ_{t'} Σ_k M F (h(e_{t'}, θ + Δθ) − W*_{t'})² to θ.grad (after the task loss's). */
  afterBackward(ctx: IterationContext): void {
    if (!this.targets || this.beta === 0) return;
    const hnet = this.bound().hnet;
    const theta = hnet.theta();
    const delta = this.lookahead ? (ctx.optimizer as LookaheadOptimizer).lookahead(theta) : null;
    const shifted = delta ? theta.map((p, i) => add(p, delta[i]!)) : theta;
    const h = hnet.generatePadded(this.embeddings(!this.plastic), shifted);
    // ∂R/∂h = (2β/n)·M ⊙ F ⊙ (h − W*) = A ⊙ (h − W*)
    h.backward(noGrad(() => mul(this.weight!, sub(h.detach(), this.targets!))));
  }

  /** ewcWeighting: F_t of the task just learned (main-fisher.ts). */
  async afterExperience(ctx: ExperienceContext): Promise<void> {
    if (!this.ewcWeighting) return;
    const t = ctx.experience.taskId;
    const F = await mainFisher(this.bound(), t, ctx.experience.train, { likelihood: this.likelihood, samples: this.fisherSamples, seed: this.seed * 7919 + ctx.experience.index });
    this.fishers.get(t)?.dispose();
    this.fishers.set(t, F);
  }

  /** The earlier tasks' embeddings stacked [n, E] (detached when frozen). */
  private embeddings(detach: boolean): Tensor {
    const hnet = this.bound().hnet;
    return concat(this.previous.map((p) => {
      const e = hnet.embeddings[p];
      if (!e) throw new RangeError(`HnetRegularizer: task ${p} has no embedding (the model has ${hnet.embeddings.length})`);
      return reshape(detach ? e.detach() : e, [1, hnet.embeddingSize]);
    }), 0);
  }

  /** A = (2β/n)·M ⊙ F [n, width] (F = 1 without ewcWeighting). */
  private weights(): Tensor {
    const { hnet } = this.bound();
    const n = this.previous.length;
    const scaled = mul(this.headMask(), 2 * this.beta / n);
    if (!this.ewcWeighting) return scaled;
    const pad = hnet.width - hnet.outputs;
    const rows = this.previous.map((p) => reshape(pad ? concat([this.fishers.get(p)!, zeros([pad])], 0) : this.fishers.get(p)!, [1, hnet.width]));
    return mul(scaled, concat(rows, 0));
  }

  /** M [n, width]: 1 on the shared weights and on task t''s head, 0 on the other heads and on the padding. */
  private headMask(): Tensor {
    const { hnet, main } = this.bound();
    const data = new Float32Array(this.previous.length * hnet.width);
    this.previous.forEach((task, r) => {
      let offset = r * hnet.width;
      main.shapes.forEach((shape, k) => {
        const size = shape.reduce((a, b) => a * b, 1);
        const head = main.headOf[k]!;
        if (head === -1 || head === this.bound().headOf(task)) data.fill(1, offset, offset + size);
        offset += size;
      });
    });
    return tensor(data, [this.previous.length, hnet.width]);
  }

  /** ewcWeighting: every task's F_t (the targets are recomputed from the model, so need no state). */
  state(): PluginState {
    return { tensors: Object.fromEntries([...this.fishers].map(([t, F]) => [`fisher/${t}`, F])), record: { ewcWeighting: this.ewcWeighting } };
  }

  loadState(state: LoadablePluginState): void {
    const P = this.bound().hnet.outputs;
    const fishers = new Map<number, Tensor>();
    for (const [name, F] of Object.entries(state?.tensors ?? {})) {
      const t = Number(/^fisher\/(\d+)$/.exec(name)?.[1] ?? NaN);
      if (!Number.isInteger(t) || F.shape.join() !== String(P)) {
        fishers.forEach((f) => f.dispose());
        throw new RangeError(`HnetRegularizer.loadState: expected tensors 'fisher/<task>' of shape [${P}], got '${name}' of shape [${F.shape.join(', ')}]`);
      }
      fishers.set(t, copyOf(F));
    }
    this.fishers.forEach((f) => f.dispose());
    this.fishers = fishers;
  }

  private bound(): HnetModel {
    if (!this.model) throw new Error('HnetRegularizer: not bound to a model (give it to a cl.Strategy with an HnetModel)');
    return this.model;
  }

  private free(): void {
    this.targets?.dispose();
    this.weight?.dispose();
    this.targets = this.weight = null;
  }

  dispose(): void {
    this.free();
    this.fishers.forEach((f) => f.dispose());
    this.fishers.clear();
  }
}
