/**
 * HnetRegularizer: the output regulariser of task-conditioned hypernetworks (von Oswald et al., ICLR 2020,
 * eq. 2; hypnettorch's `hnet_regularizer.calc_fix_target_reg` as `train_reg` calls it), as a strategy
 * plugin on an HnetModel (REFERENCE.md §11):
 *
 *   beforeExperience  targets W*_{t'} = h(e_{t'}, θ) for every earlier task t' (one pass, kept on the GPU)
 *   afterBackward     the task loss's gradient is in θ.grad; with the look-ahead Δθ = the step the
 *                     optimizer would take from it alone (SGD −lr·g, Adam from its moments, unchanged;
 *                     detached, hypnettorch's default), backward of
 *                       β·(1/n) Σ_{t'} ‖M_{t'} ⊙ (h(e_{t'}, θ + Δθ) − W*_{t'})‖²
 *                     adds the regulariser's gradient into θ.grad, and the step updates θ with both.
 *                     The n earlier embeddings are stacked and run through h in ONE pass.
 *   M_{t'}: with one head per task only the shared weights and head t''s own weights (hypnettorch's
 *   `inds_of_out_heads`); every weight otherwise.
 *
 * The current embedding e_t gets the task loss's gradient only (the regulariser never sees it); it is
 * stepped by the strategy's optimizer, whose state is per parameter, so that is an optimizer of its own
 * with the same rule. Earlier embeddings are frozen (detached in the regulariser) unless `plastic`: then
 * the regulariser trains them too (hypnettorch's plastic_prev_tasks_embs).
 *
 * Where we differ: the targets are recomputed from the model before each experience, as hypnettorch does,
 * so a checkpoint (written between experiences) needs no plugin state. The reported loss is the task loss.
 * Not implemented: a look-ahead that is differentiated through (detach_dθ false), the Fisher weighting
 * (ewc_weight_importance), EWC on θ (hypnettorch's reg = 3).
 */
import { checkBoolean, checkNumber, checkOptions, describe } from '../../engine/check.js';
import { noGrad } from '../../engine/autograd.js';
import { add, mul, square, sub } from '../../engine/ops/elementwise.js';
import { tensor } from '../../engine/ops/creation.js';
import { concat } from '../../engine/ops/indexing.js';
import { sum } from '../../engine/ops/reduce.js';
import { reshape } from '../../engine/ops/shape.js';
import { keep, tidy } from '../../engine/scope.js';
import type { Tensor } from '../../engine/tensor.js';
import type { Module } from '../../nn/module.js';
import type { ExperienceContext, IterationContext, StepOptimizer, StrategyPlugin } from '../strategy/plugin.js';
import { HnetModel } from './hnet-model.js';

export interface HnetRegularizerOptions {
  /** Strength β ≥ 0 of the output regulariser. */
  beta: number;
  /** Evaluate the regulariser at θ + Δθ, the optimizer's look-ahead (default true). */
  lookahead?: boolean;
  /** Let the regulariser train the earlier tasks' embeddings (default false: frozen). */
  plastic?: boolean;
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
  private model: HnetModel | null = null;
  /** The earlier tasks regularised in this experience, their targets [n, P] and masks [n, P] (multi-head). */
  private previous: number[] = [];
  private targets: Tensor | null = null;
  private mask: Tensor | null = null;

  constructor(opts: HnetRegularizerOptions) {
    const o = checkOptions('HnetRegularizer', opts, ['beta', 'lookahead', 'plastic']);
    this.beta = checkNumber('HnetRegularizer', 'options.beta', o.beta, { min: 0 });
    this.lookahead = checkBoolean('HnetRegularizer', 'options.lookahead', o.lookahead ?? true);
    this.plastic = checkBoolean('HnetRegularizer', 'options.plastic', o.plastic ?? false);
  }

  bind(model: Module): void {
    if (!(model instanceof HnetModel)) throw new TypeError(`HnetRegularizer: the model must be a cl.hnet.HnetModel (a hypernetwork and its main network), got ${describe(model)}`);
    this.model = model;
  }

  /** The tasks trained before this experience, their targets h(e_{t'}, θ) and head masks. */
  beforeExperience(ctx: ExperienceContext): void {
    const model = this.bound();
    if (this.lookahead && !canLookahead(ctx.optimizer)) throw new TypeError('HnetRegularizer: lookahead needs an optimizer with lookahead(params) (nn.SGD, nn.Adam); pass lookahead: false for another');
    const t = ctx.experience.taskId;
    model.selectTask(t);
    this.free();
    this.previous = [...new Set(ctx.experiences.slice(0, ctx.experience.index).map((e) => e.taskId))].filter((p) => p !== t);
    if (!this.previous.length) return;
    this.targets = keep(tidy(() => noGrad(() => model.hnet.generate(this.embeddings(true)))));
    if (model.main.heads > 1) this.mask = keep(tidy(() => this.headMask()));
  }

  /** Adds β·(1/n) Σ ‖M ⊙ (h(e_{t'}, θ + Δθ) − W*_{t'})‖²'s gradient to θ.grad (after the task loss's). */
  afterBackward(ctx: IterationContext): void {
    if (!this.targets || this.beta === 0) return;
    const hnet = this.bound().hnet;
    const theta = hnet.theta();
    const delta = this.lookahead ? (ctx.optimizer as LookaheadOptimizer).lookahead(theta) : null;
    const shifted = delta ? theta.map((p, i) => add(p, delta[i]!)) : theta;
    const diff = sub(hnet.generate(this.embeddings(!this.plastic), shifted), this.targets);
    const sq = square(diff);
    mul(sum(this.mask ? mul(sq, this.mask) : sq), this.beta / this.previous.length).backward();
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

  /** M [n, P]: 1 on the shared weights and on task t''s head, 0 on the other heads. */
  private headMask(): Tensor {
    const { hnet, main } = this.bound();
    const data = new Float32Array(this.previous.length * hnet.outputs);
    this.previous.forEach((task, r) => {
      let offset = r * hnet.outputs;
      main.shapes.forEach((shape, k) => {
        const size = shape.reduce((a, b) => a * b, 1);
        const head = main.headOf[k]!;
        if (head === -1 || head === this.bound().headOf(task)) data.fill(1, offset, offset + size);
        offset += size;
      });
    });
    return tensor(data, [this.previous.length, hnet.outputs]);
  }

  private bound(): HnetModel {
    if (!this.model) throw new Error('HnetRegularizer: not bound to a model (give it to a cl.Strategy with an HnetModel)');
    return this.model;
  }

  private free(): void {
    this.targets?.dispose();
    this.mask?.dispose();
    this.targets = this.mask = null;
  }

  dispose(): void {
    this.free();
  }
}
