/**
 * Records each experience's parameter update for amnesiac unlearning (Graves, Nagisetti & Ganesh,
 * "Amnesiac Machine Learning", AAAI 2021; CLArena's AmnesiacCLAlgorithm; REFERENCE.md §12):
 *
 *   Δθ_t = θ(after experience t) − θ(before it);     unlearn(U):  θ ← θ − Σ_{t∈U} Δθ_t.
 *
 * Storage: GPU snapshots of every parameter at the experience boundaries, one shared where an experience
 * starts where the previous one ended (the usual case: n + 1 model copies after n experiences, one more
 * than storing the Δθ_t themselves). Δθ_t is the difference of its two snapshots, and a run a..b of
 * consecutive experiences telescopes: Σ_{t=a..b} Δθ_t = θ_after(b) − θ_before(a). When the run ends at the
 * last recorded experience and the model is still where that experience left it, θ − Σ = θ_before(a):
 * the snapshot is copied instead of subtracted, so unlearning the last experiences restores the
 * parameters before them bit for bit (the float32 subtraction would be off by rounding). Every other
 * case subtracts, on the GPU, in one scope.
 *
 * Later experiences trained on top of Δθ_t, so unlearning an earlier one also moves what they learned
 * (REFERENCE.md §12): Strategy.unlearn reports the accuracy kept on the others. Parameters only: buffers
 * (running statistics) are left as they are. CLArena then fine-tunes briefly on the remaining data; we
 * do not (optional there).
 *
 * State for checkpoints: the snapshots ('snapshot/<s>/<i>') and a record of each experience's snapshot
 * pair, the unlearned experiences and whether the model is at the last snapshot.
 */
import { noGrad, sub, tidy, type Tensor } from '../../engine/index.js';
import { assign, copyOf } from '../../nn/assign.js';
import type { Module } from '../../nn/module.js';
import type { ExperienceContext, LoadablePluginState, PluginState, StrategyPlugin } from '../strategy/plugin.js';

interface Span {
  /** The experience's index. */
  index: number;
  /** Snapshots before and after it. */
  before: number;
  after: number;
}

interface RecorderRecord {
  spans: Span[];
  unlearned: number[];
  atLast: boolean;
  /** The snapshot before the experience in progress (a checkpoint saved inside it), else null; absent in older checkpoints. */
  open?: number | null;
}

export class UpdateRecorder implements StrategyPlugin {
  readonly name: string = 'record-updates';
  readonly recordsUpdates = true;
  private snapshots: Tensor[][] = [];
  private spans: Span[] = [];
  private unlearned: number[] = [];
  /** Whether the model's parameters equal the last snapshot (true after an experience, false after unlearning). */
  private atLast = false;
  private open: number | null = null;

  /** The recorded experiences (indices, in order) and the unlearned ones. */
  get recorded(): { experiences: number[]; unlearned: number[] } {
    return { experiences: this.spans.map((s) => s.index), unlearned: [...this.unlearned] };
  }

  /** Δθ_t of experience `index` for every parameter, as new tensors (in the caller's scope). */
  update(index: number): Tensor[] {
    const s = this.span('UpdateRecorder.update', index);
    return noGrad(() => this.snapshots[s.after]!.map((a, i) => sub(a, this.snapshots[s.before]![i]!)));
  }

  beforeExperience(ctx: ExperienceContext): void {
    const { index } = ctx.experience;
    if (this.spans.some((s) => s.index === index)) throw new RangeError(`${this.name}: experience ${index} is recorded already; an experience is trained once`);
    if (!this.atLast || !this.snapshots.length) this.snapshots.push(ctx.model.parameters().map(copyOf));
    this.open = this.snapshots.length - 1;
  }

  afterExperience(ctx: ExperienceContext): void {
    if (this.open === null) throw new Error(`${this.name}: afterExperience without beforeExperience (experience ${ctx.experience.index})`);
    this.snapshots.push(ctx.model.parameters().map(copyOf));
    this.spans.push({ index: ctx.experience.index, before: this.open, after: this.snapshots.length - 1 });
    this.open = null;
    this.atLast = true;
  }

  /** θ ← θ − Σ_{t∈tasks} Δθ_t (module comment), on the GPU. */
  unlearn(tasks: readonly number[], model: Module): void {
    const spans = [...new Set(tasks)].map((i) => this.span(`${this.name}.unlearn`, i));
    for (const s of spans) if (this.unlearned.includes(s.index)) throw new RangeError(`${this.name}.unlearn: experience ${s.index} is unlearned already`);
    const params = model.parameters();
    if (params.length !== this.snapshots[0]!.length) throw new RangeError(`${this.name}.unlearn: the model has ${params.length} parameters, the recorded updates ${this.snapshots[0]!.length}`);
    const runs = telescoped(spans.sort((a, b) => a.before - b.before));
    const last = runs[runs.length - 1]!;
    const fromSnapshot = this.atLast && last.after === this.snapshots.length - 1;
    const base = fromSnapshot ? this.snapshots[last.before]! : params;
    const subtract = fromSnapshot ? runs.slice(0, -1) : runs;
    tidy(() => noGrad(() => params.forEach((p, i) => {
      const value = subtract.reduce((v, r) => sub(v, sub(this.snapshots[r.after]![i]!, this.snapshots[r.before]![i]!)), base[i]!);
      assign(p, value);
    })));
    this.unlearned.push(...spans.map((s) => s.index));
    this.atLast = false;
  }

  state(): PluginState {
    const tensors: Record<string, Tensor> = {};
    this.snapshots.forEach((snap, s) => snap.forEach((t, i) => { tensors[`snapshot/${s}/${i}`] = t; }));
    const record: RecorderRecord = { spans: this.spans, unlearned: this.unlearned, atLast: this.atLast, open: this.open };
    return { tensors, record };
  }

  loadState(state: LoadablePluginState): void {
    const record = state?.record as Partial<RecorderRecord> | null;
    if (!Array.isArray(record?.spans) || !Array.isArray(record.unlearned) || typeof record.atLast !== 'boolean') throw new TypeError(`${this.name}.loadState: the record has no spans, unlearned and atLast`);
    const open = record.open ?? null;
    if (open !== null && !(Number.isInteger(open) && open >= 0)) throw new TypeError(`${this.name}.loadState: record.open must be a snapshot index or null, got ${JSON.stringify(open)}`);
    const count = Math.max(-1, open ?? -1, ...record.spans.map((s) => s.after)) + 1;
    const snapshots: Tensor[][] = [];
    for (let s = 0; s < count; s++) {
      const snap: Tensor[] = [];
      for (let i = 0; state.tensors[`snapshot/${s}/${i}`]; i++) snap.push(copyOf(state.tensors[`snapshot/${s}/${i}`]!));
      snapshots.push(snap);
    }
    if (snapshots.some((snap) => !snap.length || snap.length !== snapshots[0]!.length)) {
      snapshots.flat().forEach((t) => t.dispose());
      throw new RangeError(`${this.name}.loadState: the state's snapshots are missing or of different lengths`);
    }
    this.dispose();
    this.snapshots = snapshots;
    this.spans = record.spans.map((s) => ({ ...s }));
    this.unlearned = [...record.unlearned];
    this.atLast = record.atLast;
    this.open = open;
  }

  dispose(): void {
    this.snapshots.flat().forEach((t) => t.dispose());
    this.snapshots = [];
    this.spans = [];
    this.open = null;
  }

  private span(op: string, index: number): Span {
    const s = this.spans.find((x) => x.index === index);
    if (!s) throw new RangeError(`${op}: experience ${JSON.stringify(index)} was not trained (recorded: ${this.spans.map((x) => x.index).join(', ') || 'none'})`);
    return s;
  }
}

/** Spans (sorted) merged into runs where one starts at the snapshot the previous ended at. */
function telescoped(spans: readonly Span[]): { before: number; after: number }[] {
  const runs: { before: number; after: number }[] = [];
  for (const s of spans) {
    const last = runs[runs.length - 1];
    if (last && last.after === s.before) last.after = s.after;
    else runs.push({ before: s.before, after: s.after });
  }
  return runs;
}
