/**
 * EWC, Elastic Weight Consolidation (Kirkpatrick et al., PNAS 2017), and online EWC (Schwarz et al.,
 * "Progress & Compress", ICML 2018), as a strategy plugin (REFERENCE.md §4):
 *
 *   afterExperience  F_t = cl.fisher.compute(model, the experience's training set, or `samples` of it
 *                    drawn with seed·7919 + index), θ*_t = θ (GPU copies, no readback);
 *                    separate: (F_t, θ*_t) kept beside the earlier tasks'     (Kirkpatrick eq. 3)
 *                    online:   F ← γ·F + F_t, θ* ← θ, once per experience    (Schwarz eq. 8)
 *   beforeBackward   ½λ·Σ_k (θ − θ*_k)ᵀ F_k (θ − θ*_k)   (one k in online mode), from F.vTMv: its
 *                    gradient λ·F_k(θ − θ*_k) reaches θ through the tape. Separate mode with diagonal
 *                    Fishers merges the tasks' terms into one per parameter (ewc-merged.ts): the cost per
 *                    step stays that of one task.
 *
 * Parameters: every parameter of the model outside its task heads (nn.MultiHead). A head serves one task
 * and gets no gradient from the other tasks' losses, so it is regularised only by its own task's loss;
 * leaving the heads out of F and of the penalty is the standard multi-head EWC (REFERENCE.md §4).
 *
 * priorVariance σ² (hypnettorch's Bayesian reading of EWC): before anything is consolidated the penalty
 * is the Gaussian prior's ½‖θ‖²/σ² (λ does not scale it: it is no Fisher term); every consolidated F then
 * carries the prior's precision as the offset F + I/σ² (a shift of the matrix, exact in every
 * representation), which λ scales with F. hypnettorch allows the prior in online mode only, where the
 * offsets decay with γ like the rest of F; in separate mode each task's F carries it.
 *
 * Where we differ from reference code on purpose: γ multiplies the stored F once per consolidation
 * (hypnettorch's ewc_regularizer multiplies its Fisher buffer by γ in place at every call, REFERENCE.md
 * §4); the default Fisher is the exact per-sample one (the 'batched' variant reproduces Avalanche's
 * squared minibatch gradients on request); the Fisher is computed in eval mode. Online KFAC keeps one
 * Kronecker term per consolidated task (a sum of Kronecker products has no Kronecker form).
 *
 * State for checkpoints: every F (tensors and record) and θ*, so that a resumed run goes on bit for bit.
 */
import { checkNumber, describe } from '../../engine/check.js';
import { clone, keep, mul, noGrad, square, sub, sum, type Tensor } from '../../engine/index.js';
import { copyOf, type TensorLike } from '../../nn/assign.js';
import { MultiHead } from '../../nn/layers/multi-head.js';
import type { Module } from '../../nn/module.js';
import { checkLikelihood, compute, type Likelihood } from '../fisher/compute.js';
import { total, REPRESENTATIONS, type FisherMatrix, type Representation } from '../fisher/fisher-matrix.js';
import { parameters as fisherParameters } from '../fisher/layers.js';
import { fromState } from '../fisher/restore.js';
import { VARIANTS, type Variant } from '../fisher/seeds.js';
import { selectHead } from '../strategy/heads.js';
import { DiagFisher } from '../fisher/diag.js';
import { disposeMerged, keepMerged, mergeDiagonal, mergedValue, type MergedDiagonal } from './ewc-merged.js';
import type { ExperienceContext, LoadablePluginState, PluginState, StrategyPlugin } from '../strategy/plugin.js';
import { registerMethod, type OptionSpec } from './registry.js';
import type { Scenario } from '../scenarios/experience.js';
import type { RegressionScenario } from '../scenarios/polynomial-regression.js';

export interface EWCOptions {
  /** Penalty strength λ ≥ 0. */
  lambda: number;
  /** 'separate' (default): one (F, θ*) per task; 'online': one F, decayed by gamma. */
  mode?: 'separate' | 'online';
  /** Online decay γ in [0, 1] (default 1), applied once per consolidation. */
  gamma?: number;
  fisher?: {
    /** 'diag' (default), 'kfac', 'blockdiag' or 'dense'. */
    representation?: Representation;
    /** 'exact' (default), 'sampled', 'empirical' or 'batched'. */
    variant?: Variant;
    /** Training samples per experience the Fisher sees (default: all). */
    samples?: number;
    /** Samples per forward pass of the Fisher (default cl.fisher's). */
    batchSize?: number;
    /** 'categorical' (default, a classifier) or { gaussian: { std } } (regression; hypnettorch's ll_dist_std). */
    likelihood?: Likelihood;
  };
  /** σ² of a Gaussian prior N(0, σ²I): ½‖θ‖²/σ² on the first task, F + I/σ² afterwards. */
  priorVariance?: number;
  /** Seed of the samples drawn and the sampled labels (default 0). */
  seed?: number;
}

interface Consolidated {
  fisher: FisherMatrix;
  theta: Tensor[];
}

export class EWC implements StrategyPlugin {
  readonly name: 'ewc' | 'online-ewc';
  readonly lambda: number;
  readonly mode: 'separate' | 'online';
  readonly gamma: number;
  readonly representation: Representation;
  readonly variant: Variant;
  readonly priorVariance: number | undefined;
  protected readonly samples: number | undefined;
  private readonly batchSize: number | undefined;
  protected readonly likelihood: Likelihood;
  protected readonly seed: number;
  private tasks: Consolidated[] = [];
  /** Separate mode with diagonal Fishers: every task's term merged into one per parameter (ewc-merged.ts). */
  private merged: MergedDiagonal | null = null;
  private covered: { model: Module; params: Tensor[] } | null = null;

  constructor(opts: EWCOptions) {
    if (!opts || typeof opts !== 'object') throw new TypeError(`EWC: expected options { lambda, mode?, gamma?, fisher?, priorVariance? }, got ${describe(opts)}`);
    const { lambda, mode = 'separate', gamma, fisher = {}, priorVariance, seed = 0 } = opts;
    checkNumber('EWC', 'lambda', lambda, { min: 0 });
    if (mode !== 'separate' && mode !== 'online') throw new RangeError(`EWC: mode must be 'separate' or 'online', got ${JSON.stringify(mode)}`);
    if (gamma !== undefined) checkNumber('EWC', 'gamma', gamma, { min: 0, max: 1 });
    if (gamma !== undefined && gamma !== 1 && mode !== 'online') throw new RangeError(`EWC: gamma (${gamma}) applies to mode 'online' only; separate mode keeps every task's Fisher as it was`);
    if (typeof fisher !== 'object' || fisher === null) throw new TypeError('EWC: fisher must be an object { representation?, variant?, samples? }');
    const representation = fisher.representation ?? 'diag';
    if (!REPRESENTATIONS.includes(representation)) throw new RangeError(`EWC: fisher.representation must be one of ${REPRESENTATIONS.join(', ')}, got ${JSON.stringify(representation)}`);
    const variant = fisher.variant ?? 'exact';
    if (!VARIANTS.includes(variant)) throw new RangeError(`EWC: fisher.variant must be one of ${VARIANTS.join(', ')}, got ${JSON.stringify(variant)}`);
    if (representation === 'kfac' && variant === 'batched') throw new RangeError("EWC: the 'batched' Fisher variant has no KFAC form; use 'exact', 'sampled' or 'empirical' with 'kfac'");
    for (const [k, v] of [['samples', fisher.samples], ['batchSize', fisher.batchSize]] as const) {
      if (v !== undefined) checkNumber('EWC', `fisher.${k}`, v, { integer: true, min: 1 });
    }
    if (priorVariance !== undefined) checkNumber('EWC', 'priorVariance', priorVariance, { min: 0, minOpen: true });
    checkNumber('EWC', 'seed', seed, { integer: true });
    this.name = mode === 'online' ? 'online-ewc' : 'ewc';
    this.lambda = lambda;
    this.mode = mode;
    this.gamma = gamma ?? 1;
    this.representation = representation;
    this.variant = variant;
    this.priorVariance = priorVariance;
    this.samples = fisher.samples;
    this.batchSize = fisher.batchSize;
    this.likelihood = checkLikelihood('EWC: fisher.likelihood', fisher.likelihood ?? 'categorical');
    this.seed = seed;
  }

  /** Consolidated tasks so far (one at most in online mode). */
  get consolidated(): readonly Readonly<Consolidated>[] {
    return this.tasks;
  }

  /** The regularised parameters of `model`: all outside nn.MultiHead heads, in model order. */
  parameters(model: Module): Tensor[] {
    if (this.covered?.model !== model) {
      const inHeads = new Set(model.modules().filter((m) => m instanceof MultiHead).flatMap((m) => m.parameters()));
      const params = model.parameters().filter((p) => !inHeads.has(p));
      if (!params.length) throw new RangeError('EWC: the model has no parameter outside its task heads to regularise');
      this.covered = { model, params: fisherParameters(model, params) };
    }
    return this.covered.params;
  }

  bind(model: Module): void {
    this.parameters(model);
  }

  beforeExperience(ctx: ExperienceContext): void {
    if (ctx.experience.mixedTasks) throw new RangeError(`EWC: experience ${ctx.experience.index} (${ctx.experience.name}) mixes every task (joint training); EWC consolidates one task at a time`);
  }

  /** ½λ·Σ_k (θ − θ*_k)ᵀF_k(θ − θ*_k), or the prior's ½‖θ‖²/σ² before the first consolidation. */
  beforeBackward(ctx: ExperienceContext): Tensor | void {
    const params = this.parameters(ctx.model);
    if (!this.tasks.length) {
      if (this.priorVariance === undefined) return;
      return mul(total(params.map((p) => sum(square(p)))), 0.5 / this.priorVariance);
    }
    if (this.merged) return mul(mergedValue(this.merged, params), 0.5 * this.lambda);
    const terms = this.tasks.map(({ fisher, theta }) => fisher.vTMv(params.map((p, i) => sub(p, theta[i]!))));
    return mul(total(terms), 0.5 * this.lambda);
  }

  async afterExperience(ctx: ExperienceContext): Promise<void> {
    const params = this.parameters(ctx.model);
    let F = await this.fisher(ctx, params);
    if (this.priorVariance !== undefined) F = replaced(F, F.addIdentity(1 / this.priorVariance));
    const theta = params.map((p) => keep(noGrad(() => clone(p))));
    const last = this.tasks[0];
    if (this.mode === 'online' && last) {
      const decayed = last.fisher.scale(this.gamma);
      const sum = decayed.add(F);
      decayed.dispose();
      F.dispose();
      free(last);
      this.tasks = [{ fisher: sum, theta }];
    } else {
      this.tasks.push({ fisher: F, theta });
    }
    this.remerge();
  }

  /** F of the experience just learned over `params`: cl.fisher.compute (cl.hnet.ThetaEWC computes it through a hypernetwork). */
  protected fisher(ctx: ExperienceContext, params: Tensor[]): Promise<FisherMatrix> {
    const { experience } = ctx;
    selectHead(ctx.model, experience.taskId);
    return compute(ctx.model, experience.train, {
      representation: this.representation, variant: this.variant, params, samples: this.samples, batchSize: this.batchSize,
      likelihood: this.likelihood, seed: this.seed * 7919 + experience.index,
    });
  }

  /** Rebuilds the merged quadratic from the tasks (the same arithmetic after a run and after loadState). */
  private remerge(): void {
    disposeMerged(this.merged);
    this.merged = null;
    const diagonal = this.tasks.every(({ fisher }) => fisher instanceof DiagFisher);
    if (this.mode === 'separate' && this.tasks.length > 1 && diagonal) {
      this.merged = keepMerged(mergeDiagonal(this.tasks as { fisher: DiagFisher; theta: Tensor[] }[]));
    }
  }

  state(): PluginState {
    const tensors: Record<string, Tensor> = {};
    const fishers = this.tasks.map(({ fisher, theta }, k) => {
      const s = fisher.state();
      for (const [name, t] of Object.entries(s.tensors)) tensors[`task/${k}/fisher/${name}`] = t;
      theta.forEach((t, i) => { tensors[`task/${k}/theta/${i}`] = t; });
      return s.record;
    });
    return { tensors, record: { mode: this.mode, representation: this.representation, variant: this.variant, lambda: this.lambda, gamma: this.gamma, priorVariance: this.priorVariance ?? null, fishers } };
  }

  loadState(state: LoadablePluginState): void {
    const record = state?.record as { mode?: unknown; representation?: unknown; fishers?: unknown } | null;
    if (record?.mode !== this.mode) throw new RangeError(`${this.name}.loadState: the state was saved in mode ${JSON.stringify(record?.mode)}, this plugin runs in mode '${this.mode}'`);
    if (record.representation !== this.representation) throw new RangeError(`${this.name}.loadState: the state holds ${JSON.stringify(record.representation)} Fisher matrices, this plugin computes '${this.representation}'`);
    if (!Array.isArray(record.fishers)) throw new TypeError(`${this.name}.loadState: the state's record has no list of Fisher records`);
    const under = (prefix: string) => Object.fromEntries(Object.entries(state.tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t])) as Record<string, TensorLike>;
    const tasks: Consolidated[] = [];
    try {
      record.fishers.forEach((fr, k) => {
        const fisher = fromState({ tensors: under(`task/${k}/fisher/`), record: fr });
        const thetas = under(`task/${k}/theta/`);
        tasks.push({ fisher, theta: [] });
        tasks[k]!.theta = fisher.layout.shapes.map((shape, i) => {
          const t = thetas[String(i)];
          if (!t || t.shape.join() !== shape.join()) throw new RangeError(`${this.name}.loadState: task ${k}'s θ*[${i}] is missing or not of shape [${shape.join(', ')}]`);
          return copyOf(t);
        });
      });
    } catch (e) {
      tasks.forEach(free);
      throw e;
    }
    this.tasks.forEach(free);
    this.tasks = tasks;
    this.remerge();
  }

  dispose(): void {
    this.tasks.forEach(free);
    this.tasks = [];
    disposeMerged(this.merged);
    this.merged = null;
  }
}

function free({ fisher, theta }: Consolidated): void {
  fisher.dispose();
  for (const t of theta) t.dispose();
}

/** `next`, after freeing `prev`. */
function replaced(prev: FisherMatrix, next: FisherMatrix): FisherMatrix {
  prev.dispose();
  return next;
}

const LAMBDA: OptionSpec = { kind: 'number', min: 0, default: 10, help: 'penalty strength λ (tuned on permuted MNIST with SGD lr 0.01 momentum 0.9: 10; split MNIST task-IL: 100; README)' };
const FISHER: Record<string, OptionSpec> = {
  fisher: { kind: 'string', default: 'diag', choices: REPRESENTATIONS, help: 'Fisher representation' },
  variant: { kind: 'string', default: 'exact', choices: VARIANTS, help: "Fisher variant ('batched': squared minibatch gradients, as Avalanche)" },
  samples: { kind: 'int', min: 1, help: 'training samples per experience the Fisher is computed on (default: all)' },
  'prior-variance': { kind: 'number', min: 1e-12, help: 'variance σ² of a Gaussian prior: ½‖θ‖²/σ² on the first task, F + I/σ² after' },
};

/** The Fisher's likelihood: categorical, or on a regression scenario Gaussian with the scenario's noise σ (hypnettorch's ll_dist_std). */
export function likelihoodOf(scenario: Scenario): Likelihood {
  const std = (scenario as Partial<RegressionScenario> | null)?.std;
  return std === undefined ? 'categorical' : { gaussian: { std } };
}

/** The Fisher's options from the method's. */
function fisherOf(o: Record<string, unknown>, scenario: Scenario): EWCOptions['fisher'] {
  return { representation: o.fisher as Representation, variant: o.variant as Variant, samples: o.samples as number | undefined, likelihood: likelihoodOf(scenario) };
}

registerMethod({
  name: 'ewc',
  description: 'Elastic Weight Consolidation (Kirkpatrick et al. 2017): one Fisher penalty per earlier task',
  options: { lambda: LAMBDA, ...FISHER },
  regression: true,
  plugins: ({ options: o, seed, scenario }) => [new EWC({ lambda: o.lambda as number, mode: 'separate', fisher: fisherOf(o, scenario), priorVariance: o['prior-variance'] as number | undefined, seed })],
});

registerMethod({
  name: 'online-ewc',
  description: 'online EWC (Schwarz et al. 2018): one Fisher, F ← γF + F_new after each task',
  options: { lambda: LAMBDA, gamma: { kind: 'number', min: 0, max: 1, default: 1, help: 'decay γ of the earlier Fisher, once per task' }, ...FISHER },
  regression: true,
  plugins: ({ options: o, seed, scenario }) => [new EWC({ lambda: o.lambda as number, mode: 'online', gamma: o.gamma as number, fisher: fisherOf(o, scenario), priorVariance: o['prior-variance'] as number | undefined, seed })],
});
