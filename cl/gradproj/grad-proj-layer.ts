/**
 * A gradient-projection layer (orthocl's GradProjLayer): one weight, no bias, its own projector P and
 * its own optimiser step. The weight gradient G (as [out, d]) is multiplied on the right by P, so
 * updates stay in the subspace P selects (e.g. the null space of earlier tasks' inputs).
 *
 * Lifecycle per task: takeSnapshot() → training steps (sgdStep/adamStep/rmsStep after backward) →
 * projComputation(net, forward passes) which feeds the calculator and recomputes P.
 */
import { abs, add, concat, keep, matmul, noGrad, randn, reshape, sub, sum, tidy, transpose, zeros, type Generator, type Tensor } from '../../engine/index.js';
import { assign } from '../../nn/assign.js';
import { Module } from '../../nn/module.js';
import type { CalculatorState, PatchSource, ProjectionCalculator } from './calculators/calculator.js';
import type { GradientFactors } from './gradient-factors.js';
import { ProjectedStep, type ComplementBasis, type StepOptions, type StepRule } from './projected-step.js';

export interface SgdStepOptions { lr: number; momentum?: number }
export interface AdamStepOptions { lr: number; beta1?: number; beta2?: number; eps?: number }
export interface RmsStepOptions { lr: number; beta?: number; eps?: number }

export abstract class GradProjLayer extends Module {
  abstract readonly weight: Tensor;
  /** Fan-in d: the weight is [out, d] for the projection. */
  abstract readonly inDim: number;
  private proj: Tensor | null = null;
  /** P = I − U·Uᵀ in low-rank form, when the calculator gives U. */
  private complement: ComplementBasis | null = null;
  private enabled = true;
  private post = true;
  private double = false;
  /** True inside projComputation: forward passes feed the calculator. */
  collecting = false;
  private readonly stepper = new ProjectedStep();
  /** The weight gradient's factors, for layers whose gradient has them (Linear: G = Δᵀ·X). */
  protected readonly gradientFactors: GradientFactors | null = null;

  constructor(readonly calculator: ProjectionCalculator) {
    super();
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

  /** Post-projection (default on): θ = θ₀ − lr·D·P with D the running sum of adjusted gradients. */
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

  /** Recomputes P from what the calculator has seen (end of projComputation). */
  async updateProjector(): Promise<void> {
    const P = await this.calculator.computeProjection();
    this.proj?.dispose();
    this.proj = P;
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

  /** SGD: a = g (momentum applies to the classic, postProj(false), update). */
  sgdStep(opts: SgdStepOptions): void {
    this.step('sgd', opts);
  }

  /** Adam (Kingma & Ba) on the raw gradient; the resulting update is projected (Adam-NSCL). */
  adamStep(opts: AdamStepOptions): void {
    this.step('adam', opts);
  }

  /** RMSprop with decay β (default 0.99). */
  rmsStep(opts: RmsStepOptions): void {
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

  /** Projector, optimiser state and calculator state, for checkpoints. */
  gradProjState(): { tensors: Record<string, Tensor>; record: Record<string, unknown>; calculator: CalculatorState } {
    const tensors: Record<string, Tensor> = { ...this.stepper.tensors() };
    if (this.proj) tensors.projector = this.proj;
    return {
      tensors,
      record: { t: this.stepper.t, enabled: this.enabled, post: this.post, twoProj: this.double },
      calculator: this.calculator.state(),
    };
  }

  loadGradProjState(state: { tensors: Record<string, Tensor>; record: Record<string, unknown>; calculator: CalculatorState }): void {
    const { projector, ...stepTensors } = state.tensors;
    if (Object.keys(stepTensors).length) this.stepper.load(stepTensors, Number(state.record.t));
    this.proj?.dispose();
    this.proj = projector ? keep(projector) : null;
    this.dropComplement();
    this.enabled = Boolean(state.record.enabled);
    this.post = Boolean(state.record.post);
    this.double = Boolean(state.record.twoProj);
    this.calculator.loadState(state.calculator);
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
