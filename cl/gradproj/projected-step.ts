/**
 * The optimiser state and step of one gradient-projection weight (orthocl semantics, REFERENCE.md §1):
 * θ₀ (snapshot at the task start), the running displacement D (post-projection) or the previous step
 * (classic), Adam/RMSprop moments, and the per-task step counter t. A step is 1 dispatch without a
 * projector; with one it is adjust then θ = θ₀ − D·P as one GEMM (post-projection), or adjust,
 * A·P and apply (classic), or for small weights one fused dispatch; twoProj adds the projection of
 * the raw gradient. All on the GPU.
 *
 * Post-projection keeps θ = θ₀ − D·P with D = Σ lr·a over the task's steps (a the adjusted
 * gradient). Two rules keep that true whatever else happens to θ:
 *   - D sums lr·a, not a (orthocl: θ₀ − lr·ΣA·P): identical for a constant lr; under a schedule each
 *     step moves θ by its own lr·a·P instead of rescaling the task's whole displacement.
 *   - Before a post step, when θ's version or the projector is not the one of the last post step
 *     (a write from elsewhere: randomStep, loadStateDict, another optimiser; a new or disabled
 *     projector; state loaded or cloned; classic steps in between), θ₀ is re-based:
 *         θ₀ ← θ + D·P   (θ + D without projector)
 *     so θ = θ₀ − D·P holds again and the step moves θ from where it is, instead of recomputing θ
 *     from the old θ₀ and undoing the write. One GEMM, only when that happened.
 *
 * Post-projected SGD on a Linear weight whose gradient comes with its factors G = Δᵀ·X (R rows, fewer
 * than the weight's out rows) takes the factored step instead: θ ← θ − lr·g·P with g·P computed as
 * Δᵀ·(X·P), plus the exact projection of whatever changed g since backward, D ← D + lr·g
 * (kernels/gradproj-factored-step.wgsl.ts): R·d² multiply-adds instead of out·d². θ is recomputed
 * as θ₀ − D·P (one GEMM) after any other kind of step and every REFRESH_STEPS factored steps, so
 * rounding never accumulates over more than that many steps: the same θ as the plain post step,
 * which recomputes it every step. When P = I − U·Uᵀ comes with U [d, k] (NullSpace, GPM) and 2k < d,
 * X·P is taken as X − (X·U)·Uᵀ: 2·R·d·k multiply-adds instead of R·d² (the seed CNN's 512-wide layer
 * keeps k = 159–191).
 *
 * Deliberate differences from the Python original: the step counter restarts at takeSnapshot() (the
 * original never resets it, so Adam's first step of a later task is ~3× too large), the Adam and
 * RMSprop steps work (the original crashes on a missing argument), D sums lr·a and θ₀ follows writes
 * from elsewhere (above), and momentum with post-projection is an error (the original ignores it).
 */
import {
  adjustBuffers, adjustKernel, APPLY_BUFFERS, applyKernel, FUSED_STEP_MACS, fusedStepBuffers, fusedStepKernel, GRADPROJ_SPAN, type StepRule,
} from '../../kernels/gradproj-step.wgsl.js';
import { CORRECT_BUFFERS, correctKernel, factoredParams, flagWords, updateBuffers, updateGrid, updateKernel, updateWidth } from '../../kernels/gradproj-factored-step.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import { add, clone, gemmInto, keep, matmul, noGrad, reshape, tidy, zeros, zerosLike, type Tensor } from '../../engine/index.js';
import { clampOrigin } from '../../engine/ops/clamp-many.js';
import { emptyTensor } from '../../engine/tensor.js';
import { checkSameLayout, copyOf, type TensorLike } from '../../nn/assign.js';
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
  /** Post-projection (default): θ = θ₀ − D·P with D the running sum of lr·(adjusted gradient). */
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

/** Factored steps between two recomputations of θ = θ₀ − D·P from D. */
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
   * Factored-step state (derived: not checkpointed): the rows' correction flags and factored steps
   * since θ was recomputed from D.
   */
  private factored: { flags: Tensor; steps: number } | null = null;
  /**
   * Where θ = θ₀ − D·P is known to hold: θ's version and the projector P (null: none) after the last
   * post step; P undefined right after a snapshot (D = 0: it holds for any P). Null: not known.
   */
  private consistent: { version: number; P: Tensor | null | undefined } | null = null;

  /** Stores θ₀ = θ and zeroes D, the previous step, the moments and t (start of a task). */
  snapshot(theta: Tensor): void {
    this.dispose();
    this.t = 0;
    noGrad(() => {
      this.state.set('theta0', keep(clone(theta)));
      for (const name of STATE_NAMES.slice(1)) this.state.set(name, keep(zerosLike(theta)));
    });
    this.consistent = { version: theta.version, P: undefined };
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
    if (rule === 'sgd' && config.post && momentum !== 0) {
      throw new RangeError(`sgdStep: options.momentum ${momentum} needs the classic update (postProj(false)); post-projection supports momentum 0`);
    }
    this.t += 1;
    if (config.post) this.rebaseIfStale(theta, P);
    const factored = P !== null && rule === 'sgd' && config.post && !config.twoProj && this.factoredStep(theta, grad, P, opts.lr, factors, complement ?? null);
    if (!factored) this.plainStep(theta, grad, P, rule, config, opts);
    // Classic steps leave A = a in D's buffer: the next post step re-bases.
    this.consistent = config.post ? { version: theta.version, P } : null;
  }

  /** Adjust, then the projected update as described in kernels/gradproj-step.wgsl.ts. */
  private plainStep(theta: Tensor, grad: Tensor, P: Tensor | null, rule: StepRule, config: ProjectedStepConfig, opts: StepOptions): void {
    const beta1 = opts.beta1 ?? 0.9;
    const beta2 = opts.beta2 ?? (rule === 'rms' ? 0.99 : 0.999);
    const eps = opts.eps ?? 1e-8;
    const device = theta.device;
    const n = theta.size;
    const d = P ? P.shape[0]! : n;
    const params = new ArrayBuffer(40);
    const u = new Uint32Array(params);
    const f = new Float32Array(params);
    u[0] = n; u[1] = this.t; u[9] = d;
    f[2] = opts.lr; f[3] = beta1; f[4] = beta2; f[5] = eps; f[6] = opts.momentum ?? 0;
    f[7] = 1 / (1 - beta1 ** this.t); f[8] = 1 / (1 - beta2 ** this.t);
    const grid = grid1d(n, GRADPROJ_SPAN);
    const project = P !== null;
    this.dropFactored();
    theta.bumpVersion();
    tidy(() => {
      const g2 = project && config.twoProj ? reshape(matmul(reshape(grad, [-1, d]), P), grad.shape) : grad;
      const bufferOf = (name: string): GPUBuffer =>
        name === 'g' ? g2.buffer : name === 'theta' ? theta.buffer : this.get(name as StateName, theta).buffer;
      // The fused step's D·P runs on one 8-invocation workgroup: right for a software rasteriser's
      // dispatch cost, idle on a GPU, where the adjust pass and the tiled matmul below win.
      if (project && n * d <= FUSED_STEP_MACS && device.kernelVariants.matmul === 'register-8x8') {
        const v = { rule, post: config.post };
        device.dispatch(fusedStepKernel(v), u, fusedStepBuffers(v).map(([name]) => (name === 'P' ? P.buffer : bufferOf(name))), [1, 1, 1]);
        return;
      }
      const variant = { rule, post: config.post, project };
      device.dispatch(adjustKernel(variant), u, adjustBuffers(variant).map(([name]) => bufferOf(name)), grid);
      if (!project) return;
      const rows = (t: Tensor) => reshape(t, [-1, d]);
      if (config.post) {
        gemmInto(rows(theta), rows(this.get('acc', theta)), P, rows(this.get('theta0', theta)), -1, 1);
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
      if (!state || state.steps >= REFRESH_STEPS) {
        // θ = θ₀ − D·P afresh: after another kind of step, or REFRESH_STEPS steps.
        gemmInto(reshape(theta, [out, d]), D, P, reshape(this.get('theta0', theta), [out, d]), -1, 1);
        state = this.factored = { flags: state?.flags ?? keep(zeros([flagWords(out)], { dtype: 'int32' })), steps: 0 };
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
    }));
    return true;
  }

  /**
   * θ₀ ← θ + D·P (θ + D without projector) unless θ = θ₀ − D·P is known to hold for this θ and P
   * (see the header); a first step without a snapshot takes one.
   */
  private rebaseIfStale(theta: Tensor, P: Tensor | null): void {
    if (!this.state.size) return this.snapshot(theta);
    const known = this.consistent;
    if (known && known.version === theta.version && (known.P === undefined || known.P === P)) return;
    const theta0 = this.state.get('theta0')!;
    const D = this.state.get('acc')!;
    noGrad(() => tidy(() => {
      if (P) {
        const rows = (t: Tensor) => reshape(t, [-1, P.shape[0]!]);
        gemmInto(rows(theta0), rows(D), P, rows(theta), 1, 1);
      } else {
        this.state.set('theta0', keep(add(theta, D)));
        theta0.dispose();
      }
    }));
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

  /**
   * Restores tensors() and t for the weight θ, copying them (GPU tensors, its own included, or host
   * arrays from nn.io); none: no state yet. Whether θ = θ₀ − D·P holds for θ is not known: the next
   * post step re-bases.
   */
  load(tensors: Record<string, TensorLike>, t: number, theta: Tensor): void {
    if (!Object.keys(tensors).length) {
      this.dispose();
      this.t = t;
      return;
    }
    for (const name of STATE_NAMES) {
      const tensor = tensors[name];
      if (!tensor) throw new Error(`loadGradProjState: missing state tensor '${name}'`);
      checkSameLayout('loadGradProjState', name, theta, tensor);
    }
    const copies = STATE_NAMES.map((name) => copyOf(tensors[name]!));
    this.dispose();
    STATE_NAMES.forEach((name, i) => this.state.set(name, copies[i]!));
    this.t = t;
  }

  /** An independent copy of the state (its tensors copied); the copy re-bases on its first post step. */
  clone(): ProjectedStep {
    const copy = new ProjectedStep();
    if (this.state.size) copy.load(this.tensors(), this.t, this.state.get('theta0')!);
    return copy;
  }

  dispose(): void {
    for (const t of this.state.values()) t.dispose();
    this.state.clear();
    this.dropFactored();
    this.consistent = null;
  }
}
