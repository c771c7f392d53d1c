/**
 * A gradient-projection layer (orthocl's GradProjLayer): one weight, no bias, its own projector P and
 * its own optimiser step. The weight gradient G (as [out, d]) is multiplied on the right by P, so
 * updates stay in the subspace P selects (e.g. the null space of earlier tasks' inputs).
 *
 * Lifecycle per task: takeSnapshot() → training steps (sgdStep/adamStep/rmsStep after backward) →
 * projComputation(net, forward passes) which feeds the calculator and recomputes P. A new P starts
 * the next task by itself (it takes the snapshot), so forgetting takeSnapshot() cannot pair the new
 * P with the old task's θ₀ and displacement; writes into the weight from elsewhere are kept (the
 * step re-bases, projected-step.ts).
 *
 * State is the layer's own: clone() copies the calculator, projector and step state, and
 * loadGradProjState() copies what it loads (GPU tensors or nn.io host arrays), as loadStateDict does.
 */
import { abs, add, concat, keep, matmul, noGrad, randn, reshape, sub, sum, tidy, transpose, zeros, type Generator, type Tensor } from '../../engine/index.js';
import { formatShape } from '../../engine/shape.js';
import { assign, copyOf, type TensorLike } from '../../nn/assign.js';
import { Module } from '../../nn/module.js';
import type { CalculatorState, LoadableCalculatorState, PatchSource, ProjectionCalculator } from './calculators/calculator.js';
import { GradientFactors } from './gradient-factors.js';
import { checkStepOptions } from './step-options.js';
import { ProjectedStep, type ComplementBasis, type StepOptions, type StepRule } from './projected-step.js';

export interface SgdStepOptions { lr: number; momentum?: number }
export interface AdamStepOptions { lr: number; beta1?: number; beta2?: number; eps?: number }
export interface RmsStepOptions { lr: number; beta?: number; eps?: number }

/** What gradProjState() returns; loadGradProjState() also takes it with host arrays (nn.io). */
export interface GradProjState {
  tensors: Record<string, Tensor>;
  record: Record<string, unknown>;
  calculator: CalculatorState;
}

export interface LoadableGradProjState {
  tensors: Record<string, TensorLike>;
  record: Record<string, unknown>;
  calculator: LoadableCalculatorState;
}

export abstract class GradProjLayer extends Module {
  abstract readonly weight: Tensor;
  /** Fan-in d: the weight is [out, d] for the projection. */
  abstract readonly inDim: number;
  private calc: ProjectionCalculator;
  private proj: Tensor | null = null;
  /** P = I − U·Uᵀ in low-rank form, when the calculator gives U. */
  private complement: ComplementBasis | null = null;
  private enabled = true;
  private post = true;
  private double = false;
  /** True inside projComputation: forward passes feed the calculator. */
  collecting = false;
  private stepper = new ProjectedStep();
  /** The weight gradient's factors, for layers whose gradient has them (Linear: G = Δᵀ·X). */
  protected gradientFactors: GradientFactors | null = null;

  constructor(calculator: ProjectionCalculator) {
    super();
    this.calc = calculator;
  }

  /** This layer's calculator (its own: clone() copies it). */
  get calculator(): ProjectionCalculator {
    return this.calc;
  }

  /** The current projector [d, d], or null before the first projComputation. */
  get projector(): Tensor | null {
    return this.proj;
  }

  /** Turns projection off (the unprojected baseline); returns this for chaining. */
  disable(): this {
    this.enabled = false;
    return this;
  }

  /** Post-projection (default on): θ = θ₀ − D·P with D the running sum of lr·(adjusted gradient). */
  postProj(enable = true): this {
    this.post = enable;
    return this;
  }

  /** Also projects the raw gradient before Adam/RMSprop statistics. */
  twoProj(enable = true): this {
    this.double = enable;
    return this;
  }

  /** Stores θ₀ and zeroes the displacement, the moments and the step counter (start of a task). */
  takeSnapshot(): void {
    this.stepper.snapshot(this.weight);
  }

  /** Steps taken since the last snapshot. */
  get stepCount(): number {
    return this.stepper.t;
  }

  /**
   * Called by subclasses' forward: while collecting, feeds the calculator the rows `rows()` makes
   * of the input (Linear: input rows; Conv2d: the patches its convolution unfolded anyway).
   */
  protected observe(rows: () => Tensor): void {
    if (!this.collecting) return;
    noGrad(() => tidy(() => this.calculator.registerInput(rows())));
  }

  /**
   * While collecting, feeds the calculator a convolution's patches: straight from the input when it
   * takes them that way (covariance calculators), else as the rows `rows()` unfolds.
   */
  protected observePatches(patches: PatchSource, rows: () => Tensor): void {
    if (!this.collecting) return;
    if (!this.calculator.registerPatches) return this.observe(rows);
    noGrad(() => tidy(() => this.calculator.registerPatches!(patches)));
  }

  /**
   * Recomputes P from what the calculator has seen (end of projComputation) and starts the next task
   * with it: takeSnapshot(), since θ₀ and the displacement of the task that made P mean nothing
   * under P (θ = θ₀ − D·P would jump).
   */
  async updateProjector(): Promise<void> {
    const P = await this.calculator.computeProjection();
    this.proj?.dispose();
    this.proj = P;
    this.takeSnapshot();
    this.dropComplement();
    const basis = P && this.calculator.complementBasis ? this.calculator.complementBasis() : null;
    if (basis) {
      // Zero columns up to a multiple of 4 change nothing in I − U·Uᵀ and let X·U read U as vec4s.
      const pad = (4 - (basis.shape[1]! % 4)) % 4;
      const U = pad ? keep(noGrad(() => tidy(() => concat([basis, zeros([basis.shape[0]!, pad])], 1)))) : basis;
      if (U !== basis) basis.dispose();
      this.complement = { U, Ut: keep(noGrad(() => transpose(U))) };
    }
  }

  private dropComplement(): void {
    this.complement?.U.dispose();
    this.complement?.Ut.dispose();
    this.complement = null;
  }

  private activeProjector(): Tensor | null {
    return this.enabled ? this.proj : null;
  }

  private step(rule: StepRule, opts: StepOptions): void {
    const g = this.weight.grad;
    if (!g) throw new Error(`${rule}Step: the weight has no gradient; call backward() before stepping`);
    const factors = this.gradientFactors ?? undefined;
    const config = { post: this.post, twoProj: this.double };
    this.stepper.step(this.weight, g, this.activeProjector(), rule, config, opts, factors, this.enabled ? this.complement : null);
    factors?.clear();
    g.dispose();
    this.weight.grad = null;
  }

  /** SGD: a = g; momentum (heavy ball) only with the classic update, postProj(false). */
  sgdStep(opts: SgdStepOptions): void {
    checkStepOptions('sgdStep', `${this.constructor.name}.sgdStep`, opts);
    if (this.post && opts.momentum) {
      throw new RangeError(`${this.constructor.name}.sgdStep: options.momentum ${opts.momentum} needs the classic update (postProj(false)); post-projection supports momentum 0`);
    }
    this.step('sgd', opts);
  }

  /** Adam (Kingma & Ba) on the raw gradient; the resulting update is projected (Adam-NSCL). */
  adamStep(opts: AdamStepOptions): void {
    checkStepOptions('adamStep', `${this.constructor.name}.adamStep`, opts);
    this.step('adam', opts);
  }

  /** RMSprop with decay β (default 0.99). */
  rmsStep(opts: RmsStepOptions): void {
    checkStepOptions('rmsStep', `${this.constructor.name}.rmsStep`, opts);
    this.step('rms', { lr: opts.lr, beta2: opts.beta ?? 0.99, eps: opts.eps });
  }

  /** Σ|θ − θ₀|, differentiable in θ; zero on the first task (no projector yet). */
  l1dist(): Tensor {
    const theta0 = this.stepper.theta0;
    if (!theta0 || !this.proj) return zeros([]);
    return sum(abs(sub(this.weight, theta0)));
  }

  /** Moves θ by Gaussian noise of the given amplitude, projected by P (a step in the free subspace). */
  randomStep(amplitude: number, opts: { generator?: Generator } = {}): void {
    if (!(amplitude >= 0)) throw new RangeError(`randomStep: amplitude must be ≥ 0, got ${amplitude}`);
    noGrad(() => tidy(() => {
      const noise = randn(this.weight.shape, { std: amplitude, generator: opts.generator });
      const P = this.activeProjector();
      const delta = P ? reshape(matmul(reshape(noise, [-1, this.inDim]), P), this.weight.shape) : noise;
      assign(this.weight, add(this.weight, delta));
    }));
  }

  /** Projector, optimiser state and calculator state, for checkpoints (the layer's own tensors). */
  gradProjState(): GradProjState {
    const tensors: Record<string, Tensor> = { ...this.stepper.tensors() };
    if (this.proj) tensors.projector = this.proj;
    return {
      tensors,
      record: { t: this.stepper.t, enabled: this.enabled, post: this.post, twoProj: this.double },
      calculator: this.calculator.state(),
    };
  }

  /**
   * Restores gradProjState() output, copying every tensor (its own state, another layer's, or host
   * arrays from nn.io): the source stays usable and shares nothing with this layer.
   */
  loadGradProjState(state: LoadableGradProjState): void {
    const { projector, ...stepTensors } = state.tensors;
    const d = this.inDim;
    if (projector && (projector.shape.length !== 2 || projector.shape[0] !== d || projector.shape[1] !== d)) {
      throw new RangeError(`loadGradProjState: the projector must be [${d}, ${d}] for this layer, got ${formatShape(projector.shape)}`);
    }
    this.stepper.load(stepTensors, Number(state.record.t ?? 0), this.weight);
    const P = projector ? copyOf(projector) : null;
    this.proj?.dispose();
    this.proj = P;
    this.dropComplement();
    this.enabled = Boolean(state.record.enabled);
    this.post = Boolean(state.record.post);
    this.double = Boolean(state.record.twoProj);
    this.calculator.loadState(state.calculator);
  }

  /** clone() (of this layer or a model holding it) copies the calculator, projector and step state. */
  protected override cloneState(source: this): void {
    this.calc = source.calc.clone();
    this.stepper = source.stepper.clone();
    this.proj = source.proj && copyOf(source.proj);
    this.complement = source.complement && { U: copyOf(source.complement.U), Ut: copyOf(source.complement.Ut) };
    if (source.gradientFactors) this.gradientFactors = new GradientFactors();
  }

  override dispose(): void {
    super.dispose();
    this.stepper.dispose();
    this.gradientFactors?.clear();
    this.proj?.dispose();
    this.proj = null;
    this.dropComplement();
    this.calculator.dispose();
  }
}
