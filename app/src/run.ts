/**
 * One run in the page through cl.runExperiment — the CLI's code path — with what a page adds: pause and
 * resume (a promise the run's onProgress waits on), stop (an AbortSignal), live evaluations of every
 * task every `liveEvery` steps, a checkpoint kept after each experience, and steps per second.
 *
 * Timing: `trainMs` is the wall time of the run from the moment the strategy is built, less the time
 * spent in this file's callbacks (pauses, live evaluations, checkpoints) except drawing, which counts:
 * steps / trainMs is the speed the user gets, so switching drawing off and on measures its cost.
 * Live evaluations are left out of the run's own timings too (the result JSON is the CLI's).
 */
import { cl } from 'webgpu-cl';
import type { PageData } from './data.js';
import type { LiveState } from './live-view.js';

/**
 * The shortest time between two drawings while training. Measured with app/measure-drawing.ts (Split MNIST,
 * live evaluations every 5 steps, headless Chromium on SwiftShader, 2 shared cores): drawing at most every
 * 250 ms cost 15–17 % of the steps per second (the page's raster is software there), every 1000 ms 3.3 %.
 */
const DRAW_EVERY_MS = 1000;

export interface RunView {
  /** The state line, every progress report. */
  status(text: string): void;
  /** The figures, after each live evaluation and experience (only when drawing is on). */
  live(state: LiveState): void;
}

export interface RunSettings {
  /** Steps between live evaluations. */
  liveEvery: number;
  /** Draw the figures while training (off: only at the end). */
  draw: boolean;
}

export class PageRun {
  private readonly abort = new AbortController();
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;
  /** The checkpoint after the last finished experience (resume from it). */
  checkpoint: ArrayBuffer | null = null;
  trainMs = 0;
  drawMs = 0;
  steps = 0;
  readonly state: LiveState & { points: { step: number; acc: readonly number[] }[]; starts: number[] } = { experiences: [], trained: [], points: [], starts: [], matrix: [] };

  constructor(readonly config: cl.ExperimentConfig, private readonly view: RunView, private readonly settings: RunSettings) {}

  get paused(): boolean {
    return this.gate !== null;
  }

  pause(): void {
    this.gate ??= new Promise<void>((resolve) => { this.open = resolve; });
  }

  resume(): void {
    this.open?.();
    this.gate = this.open = null;
  }

  stop(): void {
    this.abort.abort();
    this.resume();
  }

  /** Trains to the end (or from `resume`, a checkpoint of this same configuration); throws an AbortError when stopped. */
  async run(data: PageData, resume?: ArrayBuffer): Promise<cl.StrategyResult> {
    let strategy: cl.Strategy | null = null;
    let evaluateOn: readonly cl.scenarios.Experience[] = [];
    let clock = 0;
    // Steps before the current experience, which one it is, and its steps in all.
    let base = 0, current = -1, total = 0, lastLive = 0;
    const enter = () => { this.trainMs += performance.now() - clock; };
    const leave = () => { clock = performance.now(); };
    // At most one drawing per DRAW_EVERY_MS (the points in between wait for the next one), and always at
    // an experience's end: rendering then costs a bounded share of the time however often the tasks are evaluated.
    let drawn = -Infinity;
    const draw = (always: boolean) => {
      const start = performance.now();
      if (!this.settings.draw || (!always && start - drawn < DRAW_EVERY_MS)) return;
      this.view.live(this.state);
      drawn = performance.now();
      const ms = drawn - start;
      this.drawMs += ms;
      this.trainMs += ms;
    };
    const evaluate = async (s: cl.Strategy) => {
      const kept = s.timings.evaluation;
      const acc = await s.evaluate(evaluateOn);
      s.timings.evaluation = kept;
      return acc;
    };
    const result = await cl.runExperiment(this.config, {
      data,
      resume,
      signal: this.abort.signal,
      progressEvery: Math.min(10, this.settings.liveEvery),
      onStart: (s, scenario) => {
        strategy = s;
        evaluateOn = scenario.evaluation ?? scenario.experiences;
        Object.assign(this.state, { experiences: evaluateOn.map((e) => e.name), trained: scenario.experiences.map((e) => e.name), matrix: s.matrix });
        leave();
      },
      onProgress: async (p) => {
        enter();
        const s = strategy!;
        if (p.experience !== current) {
          if (current >= 0) base += total;
          current = p.experience;
          total = p.epochs * p.steps;
          lastLive = this.state.starts[current] = base;
          // Where the curves start: the untrained model, or the checkpoint's last row when resumed.
          if (!this.state.points.length) this.state.points.push({ step: base, acc: s.matrix.at(-1) ?? s.untrained ?? [] });
        }
        const step = base + p.epoch * p.steps + p.step;
        this.steps = step;
        const rate = this.steps / (this.trainMs / 1000);
        this.view.status(`Training on ${this.state.trained[p.experience]} (experience ${p.experience + 1}/${this.state.trained.length}), epoch ${p.epoch + 1}/${p.epochs}, step ${p.step}/${p.steps}; loss ${p.loss.toFixed(4)}; ${rate.toFixed(1)} steps/s`);
        if (step - lastLive >= this.settings.liveEvery) {
          lastLive = step;
          this.state.points.push({ step, acc: await evaluate(s) });
          draw(false);
        }
        if (this.gate) {
          this.view.status(`Paused at step ${step}.`);
          await this.gate;
        }
        leave();
      },
      afterExperience: async (s) => {
        enter();
        this.state.points.push({ step: base + total, acc: s.matrix.at(-1)! });
        this.state.protectedShare = cl.protectedShareOf(s.reports);
        draw(true);
        this.checkpoint = await s.toBuffer();
        leave();
      },
    });
    enter();
    return result;
  }
}
