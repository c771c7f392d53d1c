/**
 * The optimiser state and step of one gradient-projection weight (orthocl semantics, REFERENCE.md §1):
 * θ₀ (snapshot at the task start), the running displacement D (post-projection) or the previous step
 * (classic), Adam/RMSprop moments, and the per-task step counter t. A step is 1 dispatch without a
 * projector; with one it is adjust then θ = θ₀ − lr·D·P as one GEMM (post-projection), or adjust,
 * A·P and apply (classic), or for small weights one fused dispatch; twoProj adds the projection of
 * the raw gradient. All on the GPU.
 *
 * Post-projected SGD on a Linear weight whose gradient comes with its factors G = Δᵀ·X (R rows, fewer
 * than the weight's out rows) takes the factored step instead: θ ← θ − lr·g·P with g·P computed as
 * Δᵀ·(X·P), plus the exact projection of whatever changed g since backward, D ← D + g
 * (kernels/gradproj-factored-step.wgsl.ts): R·d² multiply-adds instead of out·d². That keeps
 * θ = θ₀ − lr·D·P only while nothing else writes θ, so θ is recomputed from D (one GEMM) when its
 * version shows a write from elsewhere (randomStep, a loaded state dict, another optimiser), after
 * any other kind of step, when lr changes, and every REFRESH_STEPS factored steps, so rounding never
 * accumulates over more than that many steps: the same θ as the plain post step, which recomputes
 * it every step. When P = I − U·Uᵀ comes with U [d, k] (NullSpace, GPM) and 2k < d, X·P is taken as
 * X − (X·U)·Uᵀ: 2·R·d·k multiply-adds instead of R·d² (the seed CNN's 512-wide layer keeps k = 159–191).
 *
 * Deliberate differences from the Python original: the step counter restarts at takeSnapshot() (the
 * original never resets it, so Adam's first step of a later task is ~3× too large), and the Adam and
 * RMSprop steps work (the original crashes on a missing argument).
 */
import {
  adjustBuffers, adjustKernel, APPLY_BUFFERS, applyKernel, FUSED_STEP_MACS, fusedStepBuffers, fusedStepKernel, GRADPROJ_SPAN, type StepRule,
} from '../../kernels/gradproj-step.wgsl.js';
import { CORRECT_BUFFERS, correctKernel, factoredParams, flagWords, updateBuffers, updateGrid, updateKernel, updateWidth } from '../../kernels/gradproj-factored-step.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import { clone, gemmInto, keep, matmul, noGrad, reshape, tidy, zeros, zerosLike, type Tensor } from '../../engine/index.js';
import { clampOrigin } from '../../engine/ops/clamp-many.js';
import { emptyTensor } from '../../engine/tensor.js';
import type { GradientFactors } from './gradient-factors.js';

export type { StepRule } from '../../kernels/gradproj-step.wgsl.js';

export interface StepOptions {
  lr: number;
  momentum?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export interface ProjectedStepConfig {
  /** Post-projection (default): θ = θ₀ − lr·D·P with D the running sum of adjusted gradients. */
  post: boolean;
  /** Also project the raw gradient before the Adam/RMSprop statistics. */
  twoProj: boolean;
}

const STATE_NAMES = ['theta0', 'acc', 'prev', 'm1', 'm2'] as const;
type StateName = (typeof STATE_NAMES)[number];

/** P = I − U·Uᵀ in low-rank form: U [d, k] with orthonormal columns, and Ut = Uᵀ stored contiguous. */
export interface ComplementBasis {
  U: Tensor;
  Ut: Tensor;
}

/** Factored steps between two recomputations of θ = θ₀ − lr·D·P from D. */
export const REFRESH_STEPS = 256;

/** X·P = X − (X·U)·Uᵀ for P = I − U·Uᵀ: 2·R·d·k multiply-adds instead of R·d². */
function lowRankProject(x: Tensor, { U, Ut }: ComplementBasis): Tensor {
  const xp = emptyTensor(x.device, x.shape);
  gemmInto(xp, matmul(x, U), Ut, x, -1, 1);
  return xp;
}

export class ProjectedStep {
  /** Steps taken since the last snapshot. */
  t = 0;
  private state = new Map<StateName, Tensor>();
  /**
   * Factored-step state (derived: not checkpointed): the rows' correction flags, the lr and θ's
   * version after the last factored step, and factored steps since θ was recomputed from D.
   */
  private factored: { flags: Tensor; lr: number; version: number; steps: number } | null = null;

  /** Stores θ₀ = θ and zeroes D, the previous step, the moments and t (start of a task). */
  snapshot(theta: Tensor): void {
    this.dispose();
    this.t = 0;
    noGrad(() => {
      this.state.set('theta0', keep(clone(theta)));
      for (const name of STATE_NAMES.slice(1)) this.state.set(name, keep(zerosLike(theta)));
    });
  }

  get theta0(): Tensor | null {
    return this.state.get('theta0') ?? null;
  }

  private get(name: StateName, theta: Tensor): Tensor {
    if (!this.state.size) this.snapshot(theta);
    return this.state.get(name)!;
  }

  /**
   * One step on θ (as [out, d]) from its gradient g, projected by P [d, d] when given.
   * rule: sgd | adam | rms; for rms, beta2 is RMSprop's β (default 0.99).
   */
  step(
    theta: Tensor, grad: Tensor, P: Tensor | null, rule: StepRule, config: ProjectedStepConfig, opts: StepOptions,
    factors?: GradientFactors, complement?: ComplementBasis | null,
  ): void {
    if (!(opts.lr > 0)) throw new RangeError(`${rule}Step: lr must be a positive number, got ${opts.lr}`);
    const momentum = opts.momentum ?? 0;
    if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`sgdStep: momentum must be in [0, 1), got ${momentum}`);
    const beta1 = opts.beta1 ?? 0.9;
    const beta2 = opts.beta2 ?? (rule === 'rms' ? 0.99 : 0.999);
    const eps = opts.eps ?? 1e-8;
    this.t += 1;
    const device = theta.device;
    const n = theta.size;
    const d = P ? P.shape[0]! : n;
    const params = new ArrayBuffer(40);
    const u = new Uint32Array(params);
    const f = new Float32Array(params);
    u[0] = n; u[1] = this.t; u[9] = d;
    f[2] = opts.lr; f[3] = beta1; f[4] = beta2; f[5] = eps; f[6] = momentum;
    f[7] = 1 / (1 - beta1 ** this.t); f[8] = 1 / (1 - beta2 ** this.t);
    const grid = grid1d(n, GRADPROJ_SPAN);
    const project = P !== null;
    if (project && rule === 'sgd' && config.post && !config.twoProj && this.factoredStep(theta, grad, P, opts.lr, factors, complement ?? null)) return;
    this.dropFactored();
    theta.bumpVersion();
    tidy(() => {
      const g2 = project && config.twoProj ? reshape(matmul(reshape(grad, [-1, d]), P), grad.shape) : grad;
      const bufferOf = (name: string): GPUBuffer =>
        name === 'g' ? g2.buffer : name === 'theta' ? theta.buffer : this.get(name as StateName, theta).buffer;
      if (project && n * d <= FUSED_STEP_MACS) {
        const v = { rule, post: config.post };
        device.dispatch(fusedStepKernel(v), u, fusedStepBuffers(v).map(([name]) => (name === 'P' ? P.buffer : bufferOf(name))), [1, 1, 1]);
        return;
      }
      const variant = { rule, post: config.post, project };
      device.dispatch(adjustKernel(variant), u, adjustBuffers(variant).map(([name]) => bufferOf(name)), grid);
      if (!project) return;
      const rows = (t: Tensor) => reshape(t, [-1, d]);
      if (config.post) {
        gemmInto(rows(theta), rows(this.get('acc', theta)), P, rows(this.get('theta0', theta)), -opts.lr, 1);
        return;
      }
      const x = matmul(rows(this.get('acc', theta)), P);
      const apply = APPLY_BUFFERS.map(([name]) => (name === 'x' ? x.buffer : bufferOf(name)));
      device.dispatch(applyKernel, u, apply, grid);
    });
  }

  /**
   * The factored post-projected SGD step (see the header) when the gradient's factors exist and save
   * work: R < out rows, a weight too big for the fused step. Returns false otherwise.
   */
  private factoredStep(theta: Tensor, grad: Tensor, P: Tensor, lr: number, factors: GradientFactors | undefined, complement: ComplementBasis | null): boolean {
    const pair = factors?.matrices;
    const d = P.shape[0]!;
    const out = theta.size / d;
    if (!pair || pair.x.shape[0]! >= out || theta.size * d <= FUSED_STEP_MACS) return false;
    const { x, dy, raw } = pair;
    const device = theta.device;
    noGrad(() => tidy(() => {
      const D = reshape(this.get('acc', theta), [out, d]);
      let state = this.factored;
      if (!state || state.steps >= REFRESH_STEPS || state.lr !== lr || state.version !== theta.version) {
        // θ = θ₀ − lr·D·P afresh: after another kind of step, a new lr, a write into θ from elsewhere, or REFRESH_STEPS steps.
        gemmInto(reshape(theta, [out, d]), D, P, reshape(this.get('theta0', theta), [out, d]), -lr, 1);
        state = this.factored = { flags: state?.flags ?? keep(zeros([flagWords(out)], { dtype: 'int32' })), lr, version: 0, steps: 0 };
      }
      const xp = complement && 2 * complement.U.shape[1]! < d ? lowRankProject(x, complement) : matmul(x, P);
      // A g that clampMany made from the raw gradient is clamped again in the update instead of read.
      const clamp = clampOrigin(grad, raw);
      const params = factoredParams(out, d, x.shape[0]!, lr, clamp ? [clamp.lo, clamp.hi] : undefined);
      const buffers: Record<string, GPUBuffer> = {
        dy: dy.buffer, xp: xp.buffer, g: grad.buffer, raw: raw.buffer, P: P.buffer, acc: D.buffer, theta: theta.buffer,
      };
      const flags = state.flags.buffer;
      const bind = (names: [string, unknown][]) => [...names.map(([name]) => buffers[name]!), flags];
      const variant = { width: updateWidth(d), clamped: clamp !== null };
      device.dispatch(updateKernel(variant), params, bind(updateBuffers(variant.clamped)), updateGrid(out, d));
      device.dispatch(correctKernel, params, bind(CORRECT_BUFFERS), grid1d(flagWords(out), 1));
      theta.bumpVersion();
      state.steps += 1;
      state.version = theta.version;
    }));
    return true;
  }

  /** The factored step's state goes stale once D changes another way; the next factored step recomputes θ. */
  private dropFactored(): void {
    this.factored?.flags.dispose();
    this.factored = null;
  }

  /** Tensors to checkpoint, by name (θ₀, D, previous step, moments). */
  tensors(): Record<string, Tensor> {
    return Object.fromEntries(this.state);
  }

  load(tensors: Record<string, Tensor>, t: number): void {
    this.dispose();
    for (const name of STATE_NAMES) {
      const tensor = tensors[name];
      if (!tensor) throw new Error(`ProjectedStep.load: missing state tensor '${name}'`);
      this.state.set(name, tensor);
    }
    this.t = t;
  }

  dispose(): void {
    for (const t of this.state.values()) t.dispose();
    this.state.clear();
    this.dropFactored();
  }
}
