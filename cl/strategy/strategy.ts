/**
 * cl.Strategy: one training loop for every method (Avalanche's BaseStrategy, in our terms). Methods are
 * plugins (plugin.ts); the loop owns the batches, the optimizer, gradient clipping, evaluation, the
 * accuracy matrix and the curves, and checkpoints (checkpoint.ts; inside an experience: mid-experience.ts).
 *
 * One step, inside one tidy() scope and with no GPU readback: forward, loss (+ plugins' penalties),
 * backward, clipping by value, plugins' gradient edits, optimizer step, gradients freed. The loss is
 * read back only every `progressEvery` steps and at the end of an epoch: for the progress report, and to
 * stop a diverged run (a NaN or infinite loss) with the method, experience and step, instead of
 * training on into a silent 10 %. With checkNumerics (default) each step also flags, on the GPU, a NaN
 * or ±∞ in the loss, any gradient or any parameter (step-numerics.ts), and that same read stops the run
 * with a NumericsError naming the first bad step and the layer.
 * Batches: experience i shuffles with DataLoader seed `seed·7919 + i`, the order the seed experiment
 * used, so the same seed gives the same run, resumed or not.
 */
import { checkNumber, describe } from '../../engine/check.js';
import { add, getDevice, keep, tidy, type Tensor } from '../../engine/index.js';
import { clipGradValue } from '../../nn/clip.js';
import { DataLoader, type Batch, type TensorDataset } from '../../nn/data/loader.js';
import { crossEntropy } from '../../nn/losses/cross-entropy.js';
import type { Module } from '../../nn/module.js';
import { decode, encode } from '../../nn/io/format.js';
import { load as loadFile, save as saveFile } from '../../nn/io/node.js';
import { accuracy } from '../eval/accuracy.js';
import { checkpointContents, checkpointMeta, restoreCheckpoint } from './checkpoint.js';
import { canSaveMidExperience, midExperienceContents, pendingStop, restoreStop, type PendingStop, type StopPoint } from './mid-experience.js';
import { checkScenario } from './check-scenario.js';
import { StepNumerics } from './step-numerics.js';
import type { Experience, Scenario } from '../scenarios/experience.js';
import { headMaskedLogits, selectHead, type TaskMixedBatch } from './heads.js';
import type { ExperienceContext, IterationContext, StepOptimizer, StrategyPlugin } from './plugin.js';
import { metricsOf, type StrategyResult, type StrategyTimings, type UnlearningRecord } from './result.js';

export interface StrategyOptions {
  model: Module;
  /** Makes the optimizer for the model's parameters (called per experience unless freshOptimizer is false). */
  optimizer: (params: Tensor[]) => StepOptimizer;
  /** loss(output, labels), default cross-entropy. */
  loss?: (output: Tensor, labels: Tensor) => Tensor;
  /** The score of the matrix on one test set, default accuracy (regression: cl/eval's meanSquaredError). */
  score?: (model: Module, data: TensorDataset) => Promise<number>;
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
  /**
   * Flag the first NaN or ±∞ in the loss, a gradient or a parameter on the GPU each step, read at the
   * progress interval: a NumericsError naming the step and the layer (default true; step-numerics.ts).
   */
  checkNumerics?: boolean;
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
  /**
   * Called every progressEvery steps. A returned promise holds the run until it settles (the app's
   * pause, its live evaluation); that wait is left out of timings and seconds.
   */
  onProgress?: (p: Progress) => void | Promise<void>;
  /**
   * Aborting it stops the run at the next step boundary with an AbortError saying where (the model then
   * holds a partly trained experience: see afterStop). In a page, an abort from an event handler is seen
   * at the next progress report.
   */
  signal?: AbortSignal;
  /**
   * Called when the signal stopped the run inside an experience, before the AbortError is thrown (between
   * experiences, afterExperience has saved already): `strategy.save(path)` there writes a checkpoint that
   * resumes from that step (mid-experience.ts). Given, each experience starts with a host copy of the
   * checkpoint as of then (one readback of the model and plugin states).
   */
  afterStop?: (strategy: Strategy) => void | Promise<void>;
  /** Called after each experience with the strategy (checkpoints: `strategy.save(path)`). */
  afterExperience?: (strategy: Strategy) => void | Promise<void>;
  /** After the last experience, unlearn these experiences (0-based indices; Strategy.unlearn). Checked before training. */
  unlearn?: readonly number[];
}

/** Lets timers and callbacks run during a long loop: setImmediate in Node (setTimeout(0) waits ≥ 1 ms there). */
const yieldToEventLoop = () => new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
/**
 * Between the steps of a run with a signal, in Node: one setImmediate (microseconds), so that a signal
 * handler or timer can abort at the next step. Pages: none (setTimeout there waits ≥ 4 ms once nested,
 * too much per step); their clicks run at the progress reports, which yield.
 */
const yieldBetweenSteps = typeof setImmediate === 'function' ? () => new Promise<void>((resolve) => setImmediate(resolve)) : null;

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
  private readonly score: (model: Module, data: TensorDataset) => Promise<number>;
  private readonly progressEvery: number;
  private readonly checkNumerics: boolean;
  /** The current experience's numerics check (checkNumerics), renewed per experience. */
  private numerics: StepNumerics | null = null;
  private opt: StepOptimizer | null = null;
  /** Milliseconds spent waiting on onProgress promises (not training time). */
  private held = 0;

  /** Rows of the accuracy matrix so far (one per trained experience). */
  matrix: number[][] = [];
  curves: number[][][] = [];
  untrained: number[] | null = null;
  /** Experiences trained so far (a resumed run continues at this index). */
  completed = 0;
  seconds = 0;
  timings: StrategyTimings = { train: 0, evaluation: 0, plugins: 0 };
  /** Each reporting plugin's report() after every experience, by plugin name. */
  reports: Record<string, unknown[]> = {};
  /** One record per unlearn() call. */
  unlearning: UnlearningRecord[] = [];
  /** What the last run() evaluated on (unlearn()'s default). */
  private evaluatedOn: readonly Experience[] | null = null;
  /** With run()'s afterStop: the checkpoint as of the start of the current experience (host bytes), for a save after a stop. */
  private experienceStart: ArrayBuffer | null = null;
  /** Where the signal stopped the run inside an experience (null: at an experience boundary, or running). */
  private stop: StopPoint | null = null;
  /** A loaded mid-experience checkpoint's step, restored when train() reaches its experience. */
  private pending: PendingStop | null = null;

  constructor(opts: StrategyOptions) {
    if (!opts || typeof opts !== 'object') throw new TypeError(`Strategy: expected an options object { model, optimizer, epochs, batchSize, seed, ... }, got ${describe(opts)}`);
    if (!opts.model || typeof opts.model.forward !== 'function') throw new TypeError(`Strategy: options.model must be an nn.Module, got ${describe(opts.model)}`);
    if (typeof opts.optimizer !== 'function') throw new TypeError(`Strategy: options.optimizer must be a factory, e.g. (params) => new nn.SGD(params, { lr: 0.01 }), got ${describe(opts.optimizer)}`);
    this.model = opts.model;
    this.makeOptimizer = opts.optimizer;
    this.loss = opts.loss ?? ((out, y) => crossEntropy(out, y));
    this.score = opts.score ?? ((model, data) => accuracy(model, data));
    this.plugins = [...(opts.plugins ?? [])];
    this.plugins.forEach((p, i) => { if (!p || typeof p.name !== 'string') throw new TypeError(`Strategy: options.plugins[${i}] must be a plugin with a name, got ${describe(p)}`); });
    for (const p of this.plugins) p.bind?.(this.model);
    this.epochs = positiveInt('epochs', opts.epochs);
    this.batchSize = positiveInt('batchSize', opts.batchSize);
    if (!Number.isInteger(opts.seed)) throw new TypeError(`Strategy: options.seed must be an integer, got ${String(opts.seed)}`);
    this.seed = opts.seed;
    this.evalEvery = opts.evalEvery ?? 'experience';
    if (this.evalEvery !== 'experience' && this.evalEvery !== 'epoch') throw new RangeError(`Strategy: options.evalEvery must be 'experience' or 'epoch', got ${String(opts.evalEvery)}`);
    this.freshOptimizer = opts.freshOptimizer ?? true;
    if (opts.clipGradValue !== undefined) checkNumber('Strategy', 'options.clipGradValue', opts.clipGradValue, { min: 0, minOpen: true });
    this.clip = opts.clipGradValue;
    this.method = opts.method ?? (this.plugins.map((p) => p.name).join('+') || 'naive');
    this.progressEvery = opts.progressEvery === undefined ? 50 : positiveInt('progressEvery', opts.progressEvery);
    if (opts.checkNumerics !== undefined && typeof opts.checkNumerics !== 'boolean') throw new TypeError(`Strategy: options.checkNumerics must be a boolean, got ${JSON.stringify(opts.checkNumerics)}`);
    this.checkNumerics = opts.checkNumerics ?? true;
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
    // A run resumed mid-experience: the weights of the step it stopped at, then the steps after it.
    const resumed = this.pending?.stop.experience === experience.index ? this.pending.stop : null;
    if (resumed) restoreStop(this, this.pending!, 'Strategy.run');
    this.pending = null;
    const loader = new DataLoader(experience.train, { batchSize: this.batchSize, shuffle: true, seed: this.seed * 7919 + experience.index });
    loader.setEpoch(resumed?.epoch ?? 0);
    const params = this.model.parameters();
    this.numerics?.dispose();
    this.numerics = this.checkNumerics ? new StepNumerics(this.model.namedParameters()) : null;
    const curve: number[][] = resumed ? resumed.curve.map((r) => [...r]) : [];
    const device = getDevice();
    this.model.train();
    for (let epoch = resumed?.epoch ?? 0; epoch < this.epochs; epoch++) {
      ctx.epoch = epoch;
      const skip = epoch === resumed?.epoch ? resumed.step : 0;
      if (epoch !== resumed?.epoch) for (const p of this.plugins) await p.beforeEpoch?.(ctx);
      let start = performance.now();
      let step = skip;
      const stopped = () => {
        this.stop = { experience: experience.index, epoch, step, curve: curve.map((r) => [...r]), timings: { ...this.timings } };
        return abortError(`after step ${step}/${loader.length} of experience ${experience.index + 1}/${experiences.length} (epoch ${epoch + 1}/${this.epochs})`);
      };
      for (const batch of loader.from(skip)) {
        // With a signal, every step boundary honours it (and in Node first lets the event loop run, where Ctrl-C's handler aborts it).
        if (run.signal) {
          if (yieldBetweenSteps) await yieldBetweenSteps();
          if (run.signal.aborted) throw stopped();
        }
        const boundary = ++step % this.progressEvery === 0 || step === loader.length;
        const loss = this.step(ctx, batch, epoch * loader.length + step - 1, params, boundary);
        if (loss) {
          const value = await this.readLoss(loss, experience, loader.length);
          if (!Number.isFinite(value)) {
            throw new Error(`Strategy: training diverged (method ${this.method}): the loss is ${value} at experience ${experience.index} (${experience.name}), epoch ${epoch + 1}/${this.epochs}, step ${step}/${loader.length}; lower the learning rate or the method's strength`);
          }
          if (run.signal?.aborted) throw stopped();
          const holdStart = performance.now();
          await run.onProgress?.({ experience: experience.index, experiences: experiences.length, epoch, epochs: this.epochs, step, steps: loader.length, loss: value });
          const held = performance.now() - holdStart;
          start += held;
          this.held += held;
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
    for (const p of this.plugins) if (p.report) (this.reports[p.name] ??= []).push(await p.report());
    if (evaluateOn) {
      const row = await this.evaluate(evaluateOn);
      curve.push(row);
      this.matrix.push(row);
      this.curves.push(curve[0]!.map((_, j) => curve.map((r) => r[j]!)));
    }
    this.completed = experience.index + 1;
  }

  /**
   * A reported step's loss, read back and freed; with checkNumerics the same readback brings the flags,
   * and a NaN or ±∞ seen since the last report throws a NumericsError.
   */
  private async readLoss(loss: Tensor, experience: Experience, stepsPerEpoch: number): Promise<number> {
    try {
      return await (this.numerics?.readLoss(loss, { method: this.method, experience, epochs: this.epochs, stepsPerEpoch }) ?? loss.item());
    } finally {
      loss.dispose();
    }
  }

  /** One training step; returns the loss, kept, when it is to be reported. */
  private step(base: ExperienceContext, batch: Batch, iteration: number, params: readonly Tensor[], report: boolean): Tensor | null {
    return tidy(() => {
      const ctx: { -readonly [K in keyof IterationContext]: IterationContext[K] } = { ...base, iteration, batch, output: null, loss: null };
      for (const p of this.plugins) ctx.batch = p.beforeIteration?.(ctx) ?? ctx.batch;
      const mixed = (ctx.batch as TaskMixedBatch).mixedTasks ?? base.experience.mixedTasks;
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
      this.numerics?.check(iteration, loss);
      ctx.optimizer.zeroGrad();
      for (const p of this.plugins) p.afterUpdate?.(ctx);
      return report ? keep(loss.detach()) : null;
    });
  }

  /** Accuracy on each experience's test set (its head selected), in eval mode; one readback each. Unlearned experiences (`skip`) are not evaluated: NaN. */
  async evaluate(experiences: readonly Experience[], skip: readonly number[] = this.unlearned): Promise<number[]> {
    const start = performance.now();
    for (const p of this.plugins) await p.beforeEval?.(this.model);
    const row: number[] = [];
    for (const e of experiences) {
      if (skip.includes(e.index)) { row.push(Number.NaN); continue; }
      if (e.test.n === 0) throw new RangeError(`Strategy.evaluate: experience ${e.index} (${e.name}) has an empty test set`);
      selectHead(this.model, e.taskId);
      row.push(await this.score(this.model, e.test));
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
    checkScenario('Strategy.run', scenario, this.model);
    const evaluateOn = scenario.evaluation ?? scenario.experiences;
    if (this.completed > scenario.experiences.length) {
      throw new RangeError(`Strategy.run: this strategy has trained ${this.completed} experiences, the scenario ${scenario.name} has ${scenario.experiences.length}`);
    }
    if (opts.unlearn) this.checkUnlearnable('Strategy.run: options.unlearn', opts.unlearn, scenario.experiences.length);
    this.evaluatedOn = evaluateOn;
    this.untrained ??= await this.evaluate(evaluateOn);
    let mark = start;
    for (let i = this.completed; i < scenario.experiences.length; i++) {
      this.stop = null;
      if (opts.signal?.aborted) throw abortError(`before experience ${i + 1}/${scenario.experiences.length}`);
      const heldBefore = this.held;
      this.experienceStart = opts.afterStop ? await this.toBuffer() : null;
      try {
        await this.train(scenario.experiences[i]!, scenario.experiences, opts, evaluateOn);
      } catch (e) {
        if (this.stop) await opts.afterStop?.(this);
        throw e;
      }
      const now = performance.now();
      this.seconds += (now - mark - (this.held - heldBefore)) / 1000;
      mark = now;
      await opts.afterExperience?.(this);
      mark = performance.now();
    }
    if (opts.unlearn) await this.unlearn(opts.unlearn, evaluateOn);
    return this.result(scenario);
  }

  /** Experiences unlearned so far, in order. */
  get unlearned(): number[] {
    return this.unlearning.flatMap((u) => u.tasks);
  }

  /**
   * Amnesiac unlearning (Graves et al. 2021; cl/unlearning/update-recorder.ts): subtracts the recorded
   * updates of experiences `tasks` (0-based indices) from the model, lets every other plugin drop them
   * (LwF: its teachers) and leaves them out of later evaluations (NaN there: not measured). Records and
   * returns the accuracy on every evaluation experience before and after, and the seconds the unlearning
   * itself took (evaluations excluded). Needs exactly one plugin that records updates.
   */
  async unlearn(tasks: readonly number[], evaluateOn: readonly Experience[] | null = this.evaluatedOn): Promise<UnlearningRecord> {
    this.checkUnlearnable('Strategy.unlearn', tasks, this.completed);
    if (!evaluateOn) throw new Error('Strategy.unlearn: nothing to evaluate on: run() the scenario first, or pass the experiences to evaluate');
    const earlier = this.unlearned;
    const before = await this.evaluate(evaluateOn, earlier);
    const start = performance.now();
    const recorders = this.plugins.filter((p) => p.recordsUpdates);
    for (const p of [...recorders, ...this.plugins.filter((q) => !q.recordsUpdates)]) p.unlearn?.(tasks, this.model);
    await getDevice().sync();
    const seconds = (performance.now() - start) / 1000;
    const after = await this.evaluate(evaluateOn, earlier);
    const record: UnlearningRecord = { tasks: [...tasks], before, after, seconds };
    this.unlearning.push(record);
    return record;
  }

  /** Throws unless `tasks` are distinct experiences below `trained`, not unlearned yet, and one plugin records updates. */
  private checkUnlearnable(op: string, tasks: readonly number[], trained: number): void {
    const recorders = this.plugins.filter((p) => p.recordsUpdates);
    if (recorders.length !== 1) {
      throw new RangeError(recorders.length
        ? `${op}: ${recorders.length} plugins record updates (${recorders.map((p) => p.name).join(', ')}); unlearning subtracts one record, keep one`
        : `${op}: method ${this.method} records no parameter updates to subtract; use one that does (cl.methods.AmnesiacLwF, --method amnesiac-lwf) or add cl.methods.UpdateRecorder to the plugins`);
    }
    if (!Array.isArray(tasks) || !tasks.length) throw new TypeError(`${op}: expected a non-empty list of experience indices, got ${JSON.stringify(tasks)}`);
    for (const t of tasks) {
      if (!Number.isInteger(t) || t < 0 || t >= trained) throw new RangeError(`${op}: experience ${JSON.stringify(t)} was not trained (trained: ${trained ? `0..${trained - 1}` : 'none'})`);
      if (this.unlearned.includes(t)) throw new RangeError(`${op}: experience ${t} is unlearned already`);
    }
    if (new Set(tasks).size !== tasks.length) throw new RangeError(`${op}: experience indices repeat: ${tasks.join(', ')}`);
  }

  /** The result so far (run() returns it at the end). */
  result(scenario: Scenario): StrategyResult {
    return {
      scenario: scenario.name,
      method: this.method,
      config: { setting: scenario.setting, ...this.config },
      experiences: (scenario.evaluation ?? scenario.experiences).map((e) => e.name),
      accuracyMatrix: this.matrix.map((r) => [...r]),
      ...metricsOf(this.matrix, this.untrained ?? [], this.unlearned.filter((j) => this.matrix.some((row) => Number.isNaN(row[j])))),
      curves: this.curves,
      untrained: this.untrained ?? [],
      seconds: this.seconds,
      timings: { ...this.timings },
      ...(Object.keys(this.reports).length ? { reports: structuredClone(this.reports) } : {}),
      ...(this.unlearning.length ? { unlearning: this.unlearning.map((u) => ({ ...u, tasks: [...u.tasks], before: [...u.before], after: [...u.after] })) } : {}),
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
   * Writes a checkpoint (checkpoint.ts) atomically: a temporary file beside `path`, then a rename. After
   * the signal stopped a run inside an experience, it resumes from that step (mid-experience.ts). Node
   * only; in a browser use toBuffer().
   */
  async save(path: string): Promise<void> {
    const { tensors, meta } = this.contents();
    await saveFile(path, tensors, meta);
  }

  /** The checkpoint as an ArrayBuffer (browsers: download or store it). */
  async toBuffer(): Promise<ArrayBuffer> {
    const { tensors, meta } = this.contents();
    return encode(tensors, meta);
  }

  /** Where a checkpoint saved now resumes inside an experience (null: at the start of experience `completed`). */
  get stoppedAt(): Pick<StopPoint, 'experience' | 'epoch' | 'step'> | null {
    if (!this.stop || !this.experienceStart || !canSaveMidExperience(this)) return null;
    const { experience, epoch, step } = this.stop;
    return { experience, epoch, step };
  }

  private contents() {
    if (!this.stop) return checkpointContents(this);
    if (!this.experienceStart) throw new Error(`Strategy.save: the run stopped inside experience ${this.stop.experience + 1}, and the model holds it partly trained; save there from run()'s afterStop, which resumes from that step`);
    return midExperienceContents(this, this.experienceStart, this.stop);
  }

  /**
   * A strategy continuing from a checkpoint (a path in Node, or an ArrayBuffer): the saved configuration
   * (epochs, batch size, seed, …) with the given model, optimizer factory and plugins — built as for the
   * saved run — which get the saved weights and states. run() then trains the remaining experiences.
   */
  static async load(source: string | ArrayBuffer, opts: Pick<StrategyOptions, 'model' | 'optimizer' | 'plugins' | 'loss' | 'score' | 'progressEvery' | 'checkNumerics'>): Promise<Strategy> {
    const where = typeof source === 'string' ? `Strategy.load ${source}` : 'Strategy.load';
    const decoded = await (typeof source === 'string' ? loadFile(source) : Promise.resolve().then(() => decode(source)))
      .catch((e: Error) => { e.message = `Strategy.load: ${e.message}`; throw e; });
    const meta = checkpointMeta(decoded, where);
    const c = meta.config as Partial<StrategyOptions> & { clipGradValue?: number | null };
    const strategy = new Strategy({
      ...opts, method: meta.method, config: meta.config,
      epochs: c.epochs!, batchSize: c.batchSize!, seed: c.seed!, evalEvery: c.evalEvery,
      freshOptimizer: c.freshOptimizer, clipGradValue: c.clipGradValue ?? undefined,
    });
    restoreCheckpoint(strategy, decoded, where);
    strategy.pending = pendingStop(decoded, meta, where);
    return strategy;
  }

  /** Frees the optimizer's and the plugins' state (not the model). */
  dispose(): void {
    this.renewOptimizer();
    this.numerics?.dispose();
    this.numerics = null;
    for (const p of this.plugins) p.dispose?.();
  }
}

/** The AbortError of a run stopped by its signal; `where` says where it stopped. */
function abortError(where: string): Error {
  const e = new Error(`Strategy.run: aborted ${where}`);
  e.name = 'AbortError';
  return e;
}
