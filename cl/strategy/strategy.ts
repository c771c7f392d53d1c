/**
 * cl.Strategy: one training loop for every method (Avalanche's BaseStrategy, in our terms). Methods are
 * plugins (plugin.ts); the loop owns the batches, the optimizer, gradient clipping, evaluation, the
 * accuracy matrix and the curves, and checkpoints (checkpoint.ts).
 *
 * One step, inside one tidy() scope and with no GPU readback: forward, loss (+ plugins' penalties),
 * backward, clipping by value, plugins' gradient edits, optimizer step, gradients freed. The loss is
 * read back only every `progressEvery` steps and at the end of an epoch: for the progress report, and to
 * stop a diverged run (a NaN or infinite loss) with the method, experience and step, instead of
 * training on into a silent 10 %.
 * Batches: experience i shuffles with DataLoader seed `seed·7919 + i`, the order the seed experiment
 * used, so the same seed gives the same run, resumed or not.
 */
import { add, getDevice, keep, tidy, type Tensor } from '../../engine/index.js';
import { clipGradValue } from '../../nn/clip.js';
import { DataLoader, type Batch } from '../../nn/data/loader.js';
import { crossEntropy } from '../../nn/losses/cross-entropy.js';
import type { Module } from '../../nn/module.js';
import { decode, encode } from '../../nn/io/format.js';
import { load as loadFile, save as saveFile } from '../../nn/io/node.js';
import { accuracy } from '../eval/accuracy.js';
import { checkpointContents, checkpointMeta, restoreCheckpoint } from './checkpoint.js';
import type { Experience, Scenario } from '../scenarios/experience.js';
import { headMaskedLogits, selectHead } from './heads.js';
import type { ExperienceContext, IterationContext, StepOptimizer, StrategyPlugin } from './plugin.js';
import { metricsOf, type StrategyResult, type StrategyTimings } from './result.js';

export interface StrategyOptions {
  model: Module;
  /** Makes the optimizer for the model's parameters (called per experience unless freshOptimizer is false). */
  optimizer: (params: Tensor[]) => StepOptimizer;
  /** loss(output, labels), default cross-entropy. */
  loss?: (output: Tensor, labels: Tensor) => Tensor;
  plugins?: readonly StrategyPlugin[];
  epochs: number;
  batchSize: number;
  /** Evaluate every experience after each experience (default) or after each epoch (fuller curves). */
  evalEvery?: 'experience' | 'epoch';
  /** A new optimizer per experience (default true, as GPM's and the seed's recipes). */
  freshOptimizer?: boolean;
  seed: number;
  /** Clip every gradient to [−clip, clip] after backward, before the plugins' gradient edits. */
  clipGradValue?: number;
  /** Names the method in results (default: the plugins' names, or 'naive'). */
  method?: string;
  /** Steps between progress reports and divergence checks (default 50; each reads one value back). */
  progressEvery?: number;
  /** Extra configuration recorded in results and checkpoints. */
  config?: Record<string, unknown>;
}

export interface Progress {
  experience: number;
  experiences: number;
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  /** The loss of the step just taken (read back only for this report). */
  loss: number;
}

export interface RunOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** Called after each experience with the strategy (checkpoints: `strategy.save(path)`). */
  afterExperience?: (strategy: Strategy) => void | Promise<void>;
}

/** Lets timers and callbacks run during a long loop: setImmediate in Node (setTimeout(0) waits ≥ 1 ms there). */
const yieldToEventLoop = () => new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`Strategy: options.${name} must be a positive integer, got ${typeof v === 'number' ? v : JSON.stringify(v)}`);
  return v;
}

export class Strategy {
  readonly model: Module;
  readonly plugins: readonly StrategyPlugin[];
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly evalEvery: 'experience' | 'epoch';
  readonly freshOptimizer: boolean;
  readonly clip: number | undefined;
  readonly method: string;
  readonly config: Record<string, unknown>;
  private readonly makeOptimizer: (params: Tensor[]) => StepOptimizer;
  private readonly loss: (output: Tensor, labels: Tensor) => Tensor;
  private readonly progressEvery: number;
  private opt: StepOptimizer | null = null;

  /** Rows of the accuracy matrix so far (one per trained experience). */
  matrix: number[][] = [];
  curves: number[][][] = [];
  untrained: number[] | null = null;
  /** Experiences trained so far (a resumed run continues at this index). */
  completed = 0;
  seconds = 0;
  timings: StrategyTimings = { train: 0, evaluation: 0, plugins: 0 };

  constructor(opts: StrategyOptions) {
    if (!opts || typeof opts !== 'object') throw new TypeError('Strategy: expected an options object { model, optimizer, epochs, batchSize, seed, ... }');
    if (!opts.model || typeof opts.model.forward !== 'function') throw new TypeError('Strategy: options.model must be an nn.Module');
    if (typeof opts.optimizer !== 'function') throw new TypeError('Strategy: options.optimizer must be a factory, e.g. (params) => new nn.SGD(params, { lr: 0.01 })');
    this.model = opts.model;
    this.makeOptimizer = opts.optimizer;
    this.loss = opts.loss ?? ((out, y) => crossEntropy(out, y));
    this.plugins = [...(opts.plugins ?? [])];
    this.plugins.forEach((p, i) => { if (!p || typeof p.name !== 'string') throw new TypeError(`Strategy: options.plugins[${i}] must be a plugin with a name`); });
    for (const p of this.plugins) p.bind?.(this.model);
    this.epochs = positiveInt('epochs', opts.epochs);
    this.batchSize = positiveInt('batchSize', opts.batchSize);
    if (!Number.isInteger(opts.seed)) throw new TypeError(`Strategy: options.seed must be an integer, got ${String(opts.seed)}`);
    this.seed = opts.seed;
    this.evalEvery = opts.evalEvery ?? 'experience';
    if (this.evalEvery !== 'experience' && this.evalEvery !== 'epoch') throw new RangeError(`Strategy: options.evalEvery must be 'experience' or 'epoch', got ${String(opts.evalEvery)}`);
    this.freshOptimizer = opts.freshOptimizer ?? true;
    if (opts.clipGradValue !== undefined && !(opts.clipGradValue > 0)) throw new RangeError(`Strategy: options.clipGradValue must be > 0, got ${opts.clipGradValue}`);
    this.clip = opts.clipGradValue;
    this.method = opts.method ?? (this.plugins.map((p) => p.name).join('+') || 'naive');
    this.progressEvery = opts.progressEvery === undefined ? 50 : positiveInt('progressEvery', opts.progressEvery);
    this.config = { epochs: this.epochs, batchSize: this.batchSize, seed: this.seed, evalEvery: this.evalEvery, freshOptimizer: this.freshOptimizer, clipGradValue: this.clip ?? null, ...opts.config };
  }

  /** The current optimizer (made on first use). */
  get optimizer(): StepOptimizer {
    return (this.opt ??= this.makeOptimizer(this.model.parameters()));
  }

  /** Replaces the optimizer by a fresh one from the factory (start of an experience). */
  private renewOptimizer(): void {
    this.opt?.dispose?.();
    this.opt = null;
  }

  /** Trains on one experience: every plugin hook in order, `epochs` epochs of shuffled batches. */
  async train(experience: Experience, experiences: readonly Experience[] = [experience], run: RunOptions = {}, evaluateOn?: readonly Experience[]): Promise<void> {
    if (experience.train.n === 0) throw new RangeError(`Strategy.train: experience ${experience.index} (${experience.name}) has an empty training set`);
    if (this.freshOptimizer) this.renewOptimizer();
    const ctx: { -readonly [K in keyof ExperienceContext]: ExperienceContext[K] } = { model: this.model, optimizer: this.optimizer, experience, experiences, epoch: 0 };
    await this.timed('plugins', () => this.each(async (p) => p.beforeExperience?.(ctx)));
    const loader = new DataLoader(experience.train, { batchSize: this.batchSize, shuffle: true, seed: this.seed * 7919 + experience.index });
    const params = this.model.parameters();
    const curve: number[][] = [];
    const device = getDevice();
    this.model.train();
    for (let epoch = 0; epoch < this.epochs; epoch++) {
      ctx.epoch = epoch;
      for (const p of this.plugins) await p.beforeEpoch?.(ctx);
      const start = performance.now();
      let step = 0;
      for (const batch of loader) {
        const boundary = ++step % this.progressEvery === 0 || step === loader.length;
        const loss = this.step(ctx, batch, epoch * loader.length + step - 1, params, boundary);
        if (loss) {
          const value = await loss.item();
          loss.dispose();
          if (!Number.isFinite(value)) {
            throw new Error(`Strategy: training diverged (method ${this.method}): the loss is ${value} at experience ${experience.index} (${experience.name}), epoch ${epoch + 1}/${this.epochs}, step ${step}/${loader.length}; lower the learning rate or the method's strength`);
          }
          if (run.signal?.aborted) throw abortError();
          run.onProgress?.({ experience: experience.index, experiences: experiences.length, epoch, epochs: this.epochs, step, steps: loader.length, loss: value });
          await yieldToEventLoop();
        }
      }
      await device.sync();
      this.timings.train += (performance.now() - start) / 1000;
      for (const p of this.plugins) await p.afterEpoch?.(ctx);
      if (this.evalEvery === 'epoch' && evaluateOn && epoch < this.epochs - 1) curve.push(await this.evaluate(evaluateOn));
    }
    ctx.epoch = this.epochs;
    await this.timed('plugins', () => this.each(async (p) => p.afterExperience?.(ctx)));
    if (evaluateOn) {
      const row = await this.evaluate(evaluateOn);
      curve.push(row);
      this.matrix.push(row);
      this.curves.push(curve[0]!.map((_, j) => curve.map((r) => r[j]!)));
    }
    this.completed = experience.index + 1;
  }

  /** One training step; returns the loss, kept, when it is to be reported. */
  private step(base: ExperienceContext, batch: Batch, iteration: number, params: readonly Tensor[], report: boolean): Tensor | null {
    return tidy(() => {
      const ctx: { -readonly [K in keyof IterationContext]: IterationContext[K] } = { ...base, iteration, batch, output: null, loss: null };
      for (const p of this.plugins) ctx.batch = p.beforeIteration?.(ctx) ?? ctx.batch;
      const mixed = base.experience.mixedTasks;
      selectHead(this.model, mixed ? 'all' : base.experience.taskId);
      const output = this.model.forward(ctx.batch.x);
      ctx.output = mixed ? headMaskedLogits(output, ctx.batch.y, mixed) : output;
      for (const p of this.plugins) p.afterForward?.(ctx);
      let loss = this.loss(ctx.output, ctx.batch.y);
      ctx.loss = loss;
      for (const p of this.plugins) {
        const penalty = p.beforeBackward?.(ctx);
        if (penalty) loss = add(loss, penalty);
      }
      loss.backward();
      if (this.clip !== undefined) clipGradValue(params, this.clip);
      for (const p of this.plugins) p.afterBackward?.(ctx);
      ctx.optimizer.step();
      ctx.optimizer.zeroGrad();
      for (const p of this.plugins) p.afterUpdate?.(ctx);
      return report ? keep(loss.detach()) : null;
    });
  }

  /** Accuracy on each experience's test set (its head selected), in eval mode; one readback each. */
  async evaluate(experiences: readonly Experience[]): Promise<number[]> {
    const start = performance.now();
    for (const p of this.plugins) await p.beforeEval?.(this.model);
    const row: number[] = [];
    for (const e of experiences) {
      if (e.test.n === 0) throw new RangeError(`Strategy.evaluate: experience ${e.index} (${e.name}) has an empty test set`);
      selectHead(this.model, e.taskId);
      row.push(await accuracy(this.model, e.test));
    }
    for (const p of this.plugins) await p.afterEval?.(this.model);
    this.timings.evaluation += (performance.now() - start) / 1000;
    return row;
  }

  /**
   * Trains on each experience of the scenario in turn (from `completed` on: a loaded checkpoint
   * resumes), evaluating on every experience after each; returns the result.
   */
  async run(scenario: Scenario, opts: RunOptions = {}): Promise<StrategyResult> {
    const start = performance.now();
    const evaluateOn = scenario.evaluation ?? scenario.experiences;
    if (!scenario.experiences.length) throw new RangeError(`Strategy.run: scenario ${scenario.name} has no experience`);
    if (this.completed > scenario.experiences.length) {
      throw new RangeError(`Strategy.run: this strategy has trained ${this.completed} experiences, the scenario ${scenario.name} has ${scenario.experiences.length}`);
    }
    this.untrained ??= await this.evaluate(evaluateOn);
    let mark = start;
    for (let i = this.completed; i < scenario.experiences.length; i++) {
      if (opts.signal?.aborted) throw abortError();
      await this.train(scenario.experiences[i]!, scenario.experiences, opts, evaluateOn);
      const now = performance.now();
      this.seconds += (now - mark) / 1000;
      mark = now;
      await opts.afterExperience?.(this);
      mark = performance.now();
    }
    return this.result(scenario);
  }

  /** The result so far (run() returns it at the end). */
  result(scenario: Scenario): StrategyResult {
    return {
      scenario: scenario.name,
      method: this.method,
      config: { setting: scenario.setting, ...this.config },
      experiences: (scenario.evaluation ?? scenario.experiences).map((e) => e.name),
      accuracyMatrix: this.matrix.map((r) => [...r]),
      ...metricsOf(this.matrix, this.untrained ?? []),
      curves: this.curves,
      untrained: this.untrained ?? [],
      seconds: this.seconds,
      timings: { ...this.timings },
    };
  }

  private async each(fn: (p: StrategyPlugin) => Promise<unknown>): Promise<void> {
    for (const p of this.plugins) await fn(p);
  }

  private async timed(key: keyof StrategyTimings, fn: () => Promise<void>): Promise<void> {
    const start = performance.now();
    await fn();
    await getDevice().sync();
    this.timings[key] += (performance.now() - start) / 1000;
  }

  /**
   * Writes a checkpoint (checkpoint.ts) atomically: a temporary file beside `path`, then a rename. Node
   * only; in a browser use toBuffer().
   */
  async save(path: string): Promise<void> {
    const { tensors, meta } = checkpointContents(this);
    await saveFile(path, tensors, meta);
  }

  /** The checkpoint as an ArrayBuffer (browsers: download or store it). */
  async toBuffer(): Promise<ArrayBuffer> {
    const { tensors, meta } = checkpointContents(this);
    return encode(tensors, meta);
  }

  /**
   * A strategy continuing from a checkpoint (a path in Node, or an ArrayBuffer): the saved configuration
   * (epochs, batch size, seed, …) with the given model, optimizer factory and plugins — built as for the
   * saved run — which get the saved weights and states. run() then trains the remaining experiences.
   */
  static async load(source: string | ArrayBuffer, opts: Pick<StrategyOptions, 'model' | 'optimizer' | 'plugins' | 'loss'>): Promise<Strategy> {
    const where = typeof source === 'string' ? `Strategy.load ${source}` : 'Strategy.load';
    const decoded = typeof source === 'string' ? await loadFile(source) : decode(source);
    const meta = checkpointMeta(decoded, where);
    const c = meta.config as Partial<StrategyOptions> & { clipGradValue?: number | null };
    const strategy = new Strategy({
      ...opts, method: meta.method, config: meta.config,
      epochs: c.epochs!, batchSize: c.batchSize!, seed: c.seed!, evalEvery: c.evalEvery,
      freshOptimizer: c.freshOptimizer, clipGradValue: c.clipGradValue ?? undefined,
    });
    restoreCheckpoint(strategy, decoded, where);
    return strategy;
  }

  /** Frees the optimizer's and the plugins' state (not the model). */
  dispose(): void {
    this.renewOptimizer();
    for (const p of this.plugins) p.dispose?.();
  }
}

function abortError(): Error {
  const e = new Error('Strategy.run: aborted');
  e.name = 'AbortError';
  return e;
}
