/**
 * RWalk, Riemannian Walk (Chaudhry, Dokania, Ajanthan & Torr, "Riemannian Walk for Incremental
 * Learning: Understanding Forgetting and Intransigence", ECCV 2018), as a strategy plugin; defaults of
 * Avalanche's RWalkPlugin (λ = 0.1, α = 0.9, Δt = 10). REFERENCE.md §5.
 *
 * Per training step t, for every regularised parameter θ (g: the gradient of the task loss alone):
 *   F ← α·g² + (1 − α)·F                                   importance, EWC++ (paper eq. 6)
 *   p ← p − g·Δθ,  Δθ = θ(after the step) − θ(before)       loss change along the path (eq. 7, first order)
 *   every Δt steps:  s ← s + p / (½·F·(θ − θ_w)² + ε),  then θ_w ← θ, p ← 0      (eq. 7; θ_w: window start)
 * At the end of task k:  S_k = s (k = 1) or ½·(S_{k−1} + s);  s ← 0                 (score of tasks 1..k)
 *   (s: the finished task's running score; earlier tasks thus weigh ½, ¼, …, as in Avalanche)
 *   c = F / max F + relu(S_k) / max relu(S_k)    (max over the whole model; a max of 0 makes its term 0)
 *   θ* ← θ
 * From task 2 on the loss gets  λ·Σ c·(θ − θ*)²  (eq. 8).  ε = 2⁻²³ (float32's machine epsilon, as Avalanche).
 *
 * Everything stays on the GPU: no readback per step or per task (the maxima are GPU reductions); each
 * step's intermediates die with the step's tidy() scope, the state is replaced, never grown.
 *
 * Where we deliberately differ from Avalanche (avalanche/training/plugins/rwalk.py):
 * - No second forward/backward pass per step. Avalanche recomputes the unregularised gradient in eval
 *   mode (and leaves the model in eval mode: a bug). We take the step's own gradient in afterBackward,
 *   which holds the task loss's gradient plus our penalty's, 2λ·c·(θ − θ*), and subtract the latter
 *   on the GPU (equal to rounding). The model is never switched to eval mode. Consequences: with
 *   dropout the importance sees the training-mode gradient; with clipGradValue the subtraction is
 *   applied to the clipped gradient (exact wherever nothing was clipped); another plugin's penalty,
 *   or a gradient edit by a plugin listed before this one, is part of g.
 * - F starts at 0, so the first step gives F = α·g² (Avalanche starts at g²); the difference decays
 *   as (1 − α)^t, 10⁻³ after three steps at α = 0.9.
 * - A task's score holds its own steps only: at the end of a task the last, shorter window is added
 *   and every task starts a new window. Avalanche's window runs on a global step counter across task
 *   boundaries, so the tail of task k counts in task k+1's score and the tail of the last task never.
 * - An old Avalanche release used the new importance twice in the EWC++ average; not copied.
 * - Multi-head models: the parameters of every nn.MultiHead (task-specific heads) get neither
 *   importance nor penalty; each head only ever trains on its own task, so there is nothing to protect
 *   it from. Avalanche regularises every parameter the model had at the task's end.
 *
 * State for checkpoints: per regularised parameter i the tensors 'i.importance' (F), 'i.score' (s),
 * 'i.windowStart' (θ_w), 'i.path' (p), and after the first task 'i.taskScore' (S_k), 'i.coef' (c),
 * 'i.anchor' (θ*); the record holds the options, the tasks finished and the steps of the open window.
 */
import { noGrad } from '../../engine/autograd.js';
import { checkNumber } from '../../engine/check.js';
import { zeros } from '../../engine/ops/creation.js';
import { add, clone, div, eq, mul, relu, square, sub, where } from '../../engine/ops/elementwise.js';
import { concat } from '../../engine/ops/indexing.js';
import { max, sum } from '../../engine/ops/reduce.js';
import { reshape } from '../../engine/ops/shape.js';
import { keep, tidy } from '../../engine/scope.js';
import type { Tensor } from '../../engine/tensor.js';
import { checkSameLayout, copyOf } from '../../nn/assign.js';
import { MultiHead } from '../../nn/layers/multi-head.js';
import type { Module } from '../../nn/module.js';
import type { LoadablePluginState, PluginState, StrategyPlugin } from '../strategy/plugin.js';
import { registerMethod } from './registry.js';

export interface RWalkOptions {
  /** Weight of the penalty λ ≥ 0 (default 0.1). */
  lambda?: number;
  /** EWC++ averaging factor α in [0, 1]: the weight of the newest squared gradient (default 0.9). */
  alpha?: number;
  /** Steps per path-score window Δt, a positive integer (default 10). */
  deltaT?: number;
}

interface RWalkRecord {
  lambda: number;
  alpha: number;
  deltaT: number;
  /** Tasks (experiences) finished. */
  tasks: number;
  /** Steps taken in the open window. */
  windowSteps: number;
  /** Shapes of the regularised parameters, in model order. */
  shapes: number[][];
}

/** float32's machine epsilon (torch.finfo(torch.float32).eps, Avalanche's ε). */
const EPS = 2 ** -23;

/** One regularised parameter and its state (every tensor kept, owned by the plugin). */
interface Slot {
  param: Tensor;
  importance: Tensor;
  score: Tensor;
  windowStart: Tensor;
  path: Tensor;
  taskScore: Tensor | null;
  coef: Tensor | null;
  anchor: Tensor | null;
  /** Between afterBackward and afterUpdate: the task-loss gradient and θ before the step (the step's scope owns them). */
  grad: Tensor | null;
  before: Tensor | null;
}

/** Replaces a kept state tensor by `next` (kept), freeing the old one. */
function swap(old: Tensor | null, next: Tensor): Tensor {
  old?.dispose();
  return keep(next);
}

export class RWalk implements StrategyPlugin {
  readonly name = 'rwalk';
  readonly lambda: number;
  readonly alpha: number;
  readonly deltaT: number;
  private slots: Slot[] | null = null;
  private tasks = 0;
  private windowSteps = 0;
  /** Whether this step's loss got our penalty (its gradient is then taken out of g). */
  private penalised = false;

  constructor(opts: RWalkOptions = {}) {
    if (opts === null || typeof opts !== 'object') throw new TypeError('RWalk: expected an options object { lambda, alpha, deltaT }');
    for (const k of Object.keys(opts)) if (!['lambda', 'alpha', 'deltaT'].includes(k)) throw new RangeError(`RWalk: unknown option '${k}'; options: lambda, alpha, deltaT`);
    this.lambda = checkNumber('RWalk', 'options.lambda', opts.lambda ?? 0.1, { min: 0 });
    this.alpha = checkNumber('RWalk', 'options.alpha', opts.alpha ?? 0.9, { min: 0, max: 1 });
    this.deltaT = checkNumber('RWalk', 'options.deltaT', opts.deltaT ?? 10, { min: 1, integer: true });
  }

  /** Picks the regularised parameters (all but the task heads') and makes the running state. */
  bind(model: Module): void {
    if (this.slots) throw new Error('RWalk: already bound to a model; make one plugin per strategy');
    const inHeads = new Set(model.modules().filter((m) => m instanceof MultiHead).flatMap((m) => m.parameters()));
    const params = model.parameters().filter((p) => !inHeads.has(p));
    if (!params.length) throw new RangeError('RWalk: the model has no parameters outside its task heads (nn.MultiHead) to regularise');
    this.slots = noGrad(() => params.map((p) => ({
      param: p, importance: keep(zeros(p.shape)), score: keep(zeros(p.shape)), windowStart: keep(clone(p)), path: keep(zeros(p.shape)),
      taskScore: null, coef: null, anchor: null, grad: null, before: null,
    })));
  }

  private bound(): Slot[] {
    if (!this.slots) throw new Error('RWalk: not bound to a model (give it to a cl.Strategy)');
    return this.slots;
  }

  /** Each task starts a path window at its starting point. */
  beforeExperience(): void {
    tidy(() => noGrad(() => this.restartWindow()));
  }

  /** λ·Σ c·(θ − θ*)² over the regularised parameters, from the second task on. */
  beforeBackward(): Tensor | void {
    this.penalised = false;
    if (this.tasks === 0 || this.lambda === 0) return;
    const terms = this.bound().map((s) => sum(mul(s.coef!, square(sub(s.param, s.anchor!)))));
    this.penalised = true;
    return mul(terms.reduce((a, b) => add(a, b)), this.lambda);
  }

  /**
   * g = ∇θ(loss) − 2λ·c·(θ − θ*) (our penalty's gradient taken out), F ← α·g² + (1 − α)·F; g and θ
   * (before the optimizer's step) stay for afterUpdate. A parameter without gradient has g = 0.
   */
  afterBackward(): void {
    noGrad(() => {
      for (const s of this.bound()) {
        const total = s.param.grad ?? zeros(s.param.shape);
        // A copy even unpenalised: the optimizer frees the gradient before afterUpdate.
        s.grad = this.penalised ? sub(total, mul(mul(s.coef!, 2 * this.lambda), sub(s.param, s.anchor!))) : clone(total);
        s.before = clone(s.param);
        s.importance = swap(s.importance, add(mul(square(s.grad), this.alpha), mul(s.importance, 1 - this.alpha)));
      }
    });
    this.penalised = false;
  }

  /** p ← p − g·Δθ; at the Δt-th step of the window, s += p / (½·F·(θ − θ_w)² + ε) and a new window. */
  afterUpdate(): void {
    noGrad(() => {
      for (const s of this.bound()) {
        if (!s.grad || !s.before) throw new Error('RWalk.afterUpdate: called without afterBackward in the same step');
        s.path = swap(s.path, sub(s.path, mul(s.grad, sub(s.param, s.before))));
        s.grad = s.before = null;
      }
      if (++this.windowSteps === this.deltaT) {
        this.addWindowScore();
        this.restartWindow();
      }
    });
  }

  /**
   * The task's end: its last window scored, S_k = s or ½·(S_{k−1} + s), s ← 0, the penalty's
   * coefficients c from F and S_k (normalised by their maxima over the model, on the GPU), θ* ← θ.
   */
  afterExperience(): void {
    const slots = this.bound();
    tidy(() => noGrad(() => {
      if (this.windowSteps > 0) this.addWindowScore();
      this.restartWindow();
      for (const s of slots) {
        s.taskScore = swap(s.taskScore, s.taskScore ? mul(add(s.taskScore, s.score), 0.5) : clone(s.score));
        s.score = swap(s.score, zeros(s.param.shape));
      }
      const maxF = modelMax(slots.map((s) => s.importance));
      const maxS = relu(modelMax(slots.map((s) => s.taskScore!)));
      for (const s of slots) {
        s.coef = swap(s.coef, add(normalised(s.importance, maxF), normalised(relu(s.taskScore!), maxS)));
        s.anchor = swap(s.anchor, clone(s.param));
      }
    }));
    this.tasks++;
  }

  /** s ← s + p / (½·F·(θ − θ_w)² + ε) for the open window (with no grad, in a scope). */
  private addWindowScore(): void {
    for (const s of this.bound()) {
      s.score = swap(s.score, add(s.score, div(s.path, add(mul(mul(s.importance, 0.5), square(sub(s.param, s.windowStart))), EPS))));
    }
  }

  /** θ_w ← θ, p ← 0 (with no grad, in a scope). */
  private restartWindow(): void {
    for (const s of this.bound()) {
      s.windowStart = swap(s.windowStart, clone(s.param));
      s.path = swap(s.path, zeros(s.param.shape));
    }
    this.windowSteps = 0;
  }

  state(): PluginState {
    const tensors: Record<string, Tensor> = {};
    const slots = this.bound();
    slots.forEach((s, i) => {
      Object.assign(tensors, { [`${i}.importance`]: s.importance, [`${i}.score`]: s.score, [`${i}.windowStart`]: s.windowStart, [`${i}.path`]: s.path });
      if (s.taskScore) Object.assign(tensors, { [`${i}.taskScore`]: s.taskScore, [`${i}.coef`]: s.coef!, [`${i}.anchor`]: s.anchor! });
    });
    const record: RWalkRecord = {
      lambda: this.lambda, alpha: this.alpha, deltaT: this.deltaT, tasks: this.tasks, windowSteps: this.windowSteps,
      shapes: slots.map((s) => [...s.param.shape]),
    };
    return { tensors, record };
  }

  /** Restores state() output (GPU tensors or host arrays), copying it; everything is checked before anything changes. */
  loadState(state: LoadablePluginState): void {
    const op = 'RWalk.loadState';
    const slots = this.bound();
    const r = state.record as Partial<RWalkRecord> | null;
    if (!r || typeof r !== 'object') throw new TypeError(`${op}: the state has no RWalk record`);
    for (const k of ['lambda', 'alpha', 'deltaT'] as const) {
      if (r[k] !== this[k]) throw new RangeError(`${op}: ${k} is ${this[k]} here but ${r[k]} in the state; build RWalk with the saved options`);
    }
    checkNumber(op, "the record's tasks", r.tasks, { min: 0, integer: true });
    checkNumber(op, "the record's windowSteps", r.windowSteps, { min: 0, max: this.deltaT - 1, integer: true });
    const shapes = slots.map((s) => s.param.shape.join('x')).join(', ');
    if (!Array.isArray(r.shapes) || r.shapes.map((s) => s.join('x')).join(', ') !== shapes) {
      throw new RangeError(`${op}: the state is for parameters [${Array.isArray(r.shapes) ? r.shapes.map((s) => s.join('x')).join(', ') : '?'}], this model regularises [${shapes}]`);
    }
    const names = ['importance', 'score', 'windowStart', 'path', ...(r.tasks! > 0 ? ['taskScore', 'coef', 'anchor'] : [])];
    const expected = new Set<string>();
    slots.forEach((s, i) => {
      for (const n of names) {
        const key = `${i}.${n}`;
        const t = state.tensors[key];
        if (!t) throw new RangeError(`${op}: missing state tensor '${key}'`);
        checkSameLayout(op, key, s.param, t);
        expected.add(key);
      }
    });
    const unexpected = Object.keys(state.tensors).filter((k) => !expected.has(k));
    if (unexpected.length) throw new RangeError(`${op}: unexpected state tensors: ${unexpected.join(', ')}`);

    slots.forEach((s, i) => {
      const at = (n: string) => copyOf(state.tensors[`${i}.${n}`]!);
      s.importance.dispose(); s.score.dispose(); s.windowStart.dispose(); s.path.dispose();
      s.taskScore?.dispose(); s.coef?.dispose(); s.anchor?.dispose();
      s.importance = at('importance'); s.score = at('score'); s.windowStart = at('windowStart'); s.path = at('path');
      [s.taskScore, s.coef, s.anchor] = r.tasks! > 0 ? [at('taskScore'), at('coef'), at('anchor')] : [null, null, null];
    });
    this.tasks = r.tasks!;
    this.windowSteps = r.windowSteps!;
  }

  dispose(): void {
    for (const s of this.slots ?? []) for (const t of [s.importance, s.score, s.windowStart, s.path, s.taskScore, s.coef, s.anchor]) t?.dispose();
    this.slots = null;
  }
}

/** The largest entry of all the tensors, a scalar on the GPU: each tensor's max, then the max of those. */
function modelMax(ts: readonly Tensor[]): Tensor {
  return max(concat(ts.map((t) => reshape(max(t), [1]))));
}

/** x / m, or 0 where m = 0 (a NaN m propagates). */
function normalised(x: Tensor, m: Tensor): Tensor {
  return where(eq(m, 0), 0, div(x, m));
}

registerMethod({
  name: 'rwalk',
  description: 'Riemannian Walk (Chaudhry et al. 2018): EWC++ importance plus path-integral scores as a quadratic penalty',
  options: {
    lambda: { kind: 'number', default: 3, min: 0, help: 'penalty weight λ (tuned on permuted and split MNIST with SGD lr 0.01 momentum 0.9, README; Avalanche and cl.methods.RWalk: 0.1)' },
    alpha: { kind: 'number', default: 0.9, min: 0, max: 1, help: 'EWC++ averaging factor α, the weight of the newest squared gradient (0.9)' },
    'delta-t': { kind: 'int', default: 10, min: 1, help: 'steps per path-score window Δt (10)' },
  },
  plugins: (ctx) => [new RWalk({ lambda: ctx.options.lambda as number, alpha: ctx.options.alpha as number, deltaT: ctx.options['delta-t'] as number })],
});
