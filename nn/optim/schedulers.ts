/**
 * Learning-rate schedulers with PyTorch's semantics (torch/optim/lr_scheduler.py). Call step() once
 * per epoch after the optimizer's steps; construction performs PyTorch's initial step (epoch 0).
 * Each sets `optimizer.lr`; state()/loadState() carry a JSON record for checkpoints.
 */
import type { Optimizer } from './optimizer.js';

/** Schedulers stepped once per epoch with no argument. */
abstract class EpochScheduler {
  baseLr: number;
  lastEpoch = -1;

  constructor(readonly optimizer: Optimizer) {
    this.baseLr = optimizer.lr;
  }

  /** The lr for `lastEpoch` (just incremented), from the optimizer's current lr. */
  protected abstract computeLr(): number;

  step(): void {
    this.lastEpoch++;
    this.optimizer.lr = this.computeLr();
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
    if (!Number.isInteger(stepSize) || stepSize < 1) throw new RangeError(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
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
    if (typeof lrLambda !== 'function') throw new TypeError(`LambdaLR: lrLambda must be a function of the epoch, got ${typeof lrLambda}`);
    this.step();
  }

  protected computeLr(): number {
    return this.baseLr * this.lrLambda(this.lastEpoch);
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
    this.mode = opts.mode ?? 'min';
    this.factor = opts.factor ?? 0.1;
    this.patience = opts.patience ?? 10;
    this.threshold = opts.threshold ?? 1e-4;
    this.thresholdMode = opts.thresholdMode ?? 'rel';
    this.cooldown = opts.cooldown ?? 0;
    this.minLr = opts.minLr ?? 0;
    this.eps = opts.eps ?? 1e-8;
    if (this.mode !== 'min' && this.mode !== 'max') throw new RangeError(`ReduceLROnPlateau: mode must be 'min' or 'max', got ${String(this.mode)}`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') throw new RangeError(`ReduceLROnPlateau: thresholdMode must be 'rel' or 'abs', got ${String(this.thresholdMode)}`);
    if (!(this.factor >= 0 && this.factor < 1)) throw new RangeError(`ReduceLROnPlateau: factor must be in [0, 1), got ${this.factor}`);
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new RangeError(`ReduceLROnPlateau: patience must be a non-negative integer, got ${this.patience}`);
    if (!Number.isInteger(this.cooldown) || this.cooldown < 0) throw new RangeError(`ReduceLROnPlateau: cooldown must be a non-negative integer, got ${this.cooldown}`);
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
