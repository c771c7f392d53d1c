/**
 * Learning-rate schedulers with PyTorch's semantics (torch/optim/lr_scheduler.py). Call step() once
 * per epoch after the optimizer's steps; construction performs PyTorch's initial step (epoch 0).
 * Each sets `optimizer.lr`; state()/loadState() carry a JSON record for checkpoints.
 */
import { checkChoice, checkFunction, checkNumber, checkOptions, describe } from '../../engine/check.js';
import { LR_RULE, Optimizer } from './optimizer.js';

function checkOptimizer(op: string, v: unknown): Optimizer {
  if (!(v instanceof Optimizer)) throw new TypeError(`${op}: optimizer must be an Optimizer (such as nn.SGD), got ${describe(v)}`);
  return v;
}

/** Schedulers stepped once per epoch with no argument. */
abstract class EpochScheduler {
  baseLr: number;
  lastEpoch = -1;

  constructor(readonly optimizer: Optimizer) {
    this.baseLr = checkOptimizer(this.constructor.name, optimizer).lr;
  }

  /** The lr for `lastEpoch` (just incremented), from the optimizer's current lr. */
  protected abstract computeLr(): number;

  step(): void {
    this.lastEpoch++;
    try {
      this.optimizer.lr = this.computeLr();
    } catch (e) {
      this.lastEpoch--; // a failed step leaves the schedule where it was
      throw e;
    }
  }

  state(): { lastEpoch: number; baseLr: number } {
    return { lastEpoch: this.lastEpoch, baseLr: this.baseLr };
  }

  loadState(s: { lastEpoch: number; baseLr: number }): void {
    if (!Number.isInteger(s?.lastEpoch) || typeof s.baseLr !== 'number') throw new TypeError(`${this.constructor.name}.loadState: expected { lastEpoch, baseLr }, got ${JSON.stringify(s)}`);
    this.lastEpoch = s.lastEpoch;
    this.baseLr = s.baseLr;
  }
}

/** lr ← lr·gamma every stepSize epochs. */
export class StepLR extends EpochScheduler {
  constructor(optimizer: Optimizer, readonly stepSize: number, readonly gamma = 0.1) {
    super(optimizer);
    checkNumber('StepLR', 'stepSize', stepSize, { integer: true, min: 1 });
    checkNumber('StepLR', 'gamma', gamma, { min: 0 });
    this.step();
  }

  protected computeLr(): number {
    const lr = this.optimizer.lr;
    return this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0 ? lr : lr * this.gamma;
  }
}

/** lr = baseLr · lambda(epoch). */
export class LambdaLR extends EpochScheduler {
  constructor(optimizer: Optimizer, readonly lrLambda: (epoch: number) => number) {
    super(optimizer);
    checkFunction('LambdaLR', 'lrLambda', lrLambda, 'a function of the epoch');
    this.step();
  }

  protected computeLr(): number {
    const factor: unknown = this.lrLambda(this.lastEpoch);
    if (typeof factor !== 'number' || !(Number.isFinite(factor) && factor >= 0)) {
      const got = typeof factor === 'number' ? factor : describe(factor);
      throw new (typeof factor === 'number' ? RangeError : TypeError)(`LambdaLR: lrLambda(${this.lastEpoch}) must return a number ≥ 0, got ${got}`);
    }
    return this.baseLr * factor;
  }
}

export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number;
  eps?: number;
}

interface PlateauState {
  /** null before the first metric (±Infinity is not JSON). */
  best: number | null;
  numBadEpochs: number;
  cooldownCounter: number;
  lastEpoch: number;
}

/**
 * lr ← max(lr·factor, minLr) once the metric has not improved for more than `patience` epochs
 * (improved: below best·(1 − threshold) in 'min'/'rel' mode, below best − threshold in 'abs', mirrored
 * for 'max'); then waits `cooldown` epochs. Changes smaller than eps are ignored.
 */
export class ReduceLROnPlateau {
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  private s: PlateauState & { best: number };

  constructor(readonly optimizer: Optimizer, opts: ReduceLROnPlateauOptions = {}) {
    const op = 'ReduceLROnPlateau';
    checkOptimizer(op, optimizer);
    const o = checkOptions(op, opts, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps']);
    this.mode = checkChoice(op, 'options.mode', o.mode ?? 'min', ['min', 'max']);
    this.factor = checkNumber(op, 'options.factor', o.factor ?? 0.1, { min: 0, max: 1, maxOpen: true });
    this.patience = checkNumber(op, 'options.patience', o.patience ?? 10, { integer: true, min: 0 });
    this.threshold = checkNumber(op, 'options.threshold', o.threshold ?? 1e-4, { min: 0 });
    this.thresholdMode = checkChoice(op, 'options.thresholdMode', o.thresholdMode ?? 'rel', ['rel', 'abs']);
    this.cooldown = checkNumber(op, 'options.cooldown', o.cooldown ?? 0, { integer: true, min: 0 });
    this.minLr = checkNumber(op, 'options.minLr', o.minLr ?? 0, LR_RULE);
    this.eps = checkNumber(op, 'options.eps', o.eps ?? 1e-8, { min: 0 });
    this.s = { best: this.worst(), numBadEpochs: 0, cooldownCounter: 0, lastEpoch: 0 };
  }

  private worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  private isBetter(a: number): boolean {
    const { best } = this.s;
    const t = this.threshold;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === 'rel' ? a > best * (1 + t) : a > best + t;
  }

  /** Records one epoch's metric (a host number, e.g. the validation loss). */
  step(metric: number): void {
    if (typeof metric !== 'number' || Number.isNaN(metric)) throw new TypeError(`ReduceLROnPlateau.step: metric must be a number, got ${String(metric)}`);
    const s = this.s;
    s.lastEpoch++;
    if (this.isBetter(metric)) { s.best = metric; s.numBadEpochs = 0; } else s.numBadEpochs++;
    if (s.cooldownCounter > 0) { s.cooldownCounter--; s.numBadEpochs = 0; }
    if (s.numBadEpochs > this.patience) {
      const old = this.optimizer.lr;
      const next = Math.max(old * this.factor, this.minLr);
      if (old - next > this.eps) this.optimizer.lr = next;
      s.cooldownCounter = this.cooldown;
      s.numBadEpochs = 0;
    }
  }

  state(): PlateauState {
    return { ...this.s, best: Number.isFinite(this.s.best) ? this.s.best : null };
  }

  loadState(s: PlateauState): void {
    const ok = (typeof s?.best === 'number' || s?.best === null) && [s.numBadEpochs, s.cooldownCounter, s.lastEpoch].every((v) => Number.isInteger(v) && v >= 0);
    if (!ok) throw new TypeError(`ReduceLROnPlateau.loadState: expected { best, numBadEpochs, cooldownCounter, lastEpoch }, got ${JSON.stringify(s)}`);
    this.s = { ...s, best: s.best ?? this.worst() };
  }
}
