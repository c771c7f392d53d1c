/**
 * Amnesiac LwF (CLArena's AmnesiacLwF): LwF (lwf.ts) that also records each experience's parameter
 * update (cl/unlearning/update-recorder.ts), so that Strategy.unlearn([t]) can take experience t back
 * out — θ ← θ − Δθ_t (Graves et al., AAAI 2021) — and LwF stops distilling it (REFERENCE.md §12).
 *
 * State for checkpoints: LwF's under 'lwf/', the recorder's under 'recorder/'.
 */
import type { Tensor } from '../../engine/index.js';
import type { Module } from '../../nn/module.js';
import type { ExperienceContext, LoadablePluginState, PluginState } from '../strategy/plugin.js';
import { UpdateRecorder } from '../unlearning/update-recorder.js';
import { LWF_OPTIONS, LwF, lwfOptions } from './lwf.js';
import { registerMethod } from './registry.js';

export class AmnesiacLwF extends LwF {
  override readonly name: string = 'amnesiac-lwf';
  readonly recordsUpdates = true;
  /** The recorded updates (Δθ_t per experience). */
  readonly recorder = new UpdateRecorder();

  override beforeExperience(ctx: ExperienceContext): void {
    super.beforeExperience(ctx);
    this.recorder.beforeExperience(ctx);
  }

  override async afterExperience(ctx: ExperienceContext): Promise<void> {
    this.recorder.afterExperience(ctx);
    await super.afterExperience(ctx);
  }

  /** Subtracts the experiences' updates, then drops them from the teachers (whose copy is then of the unlearned model). */
  override unlearn(tasks: readonly number[], model: Module): void {
    this.recorder.unlearn(tasks, model);
    super.unlearn(tasks, model);
  }

  override state(): PluginState {
    const lwf = super.state();
    const recorder = this.recorder.state();
    const tensors: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(lwf.tensors)) tensors[`lwf/${k}`] = t;
    for (const [k, t] of Object.entries(recorder.tensors)) tensors[`recorder/${k}`] = t;
    return { tensors, record: { lwf: lwf.record, recorder: recorder.record } };
  }

  override loadState(state: LoadablePluginState): void {
    const record = state?.record as { lwf?: unknown; recorder?: unknown } | null;
    if (!record || !('lwf' in record) || !('recorder' in record)) throw new TypeError(`${this.name}.loadState: the record has no lwf and recorder parts`);
    const under = (prefix: string) => Object.fromEntries(Object.entries(state.tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
    this.recorder.loadState({ tensors: under('recorder/'), record: record.recorder });
    super.loadState({ tensors: under('lwf/'), record: record.lwf });
  }

  override dispose(): void {
    super.dispose();
    this.recorder.dispose();
  }
}

registerMethod({
  name: 'amnesiac-lwf',
  description: 'LwF that records each experience\'s update, so that --unlearn can subtract it (amnesiac unlearning, Graves et al. 2021)',
  options: LWF_OPTIONS,
  plugins: ({ options }) => [new AmnesiacLwF(lwfOptions(options))],
});
