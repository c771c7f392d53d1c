/**
 * LwF, Learning without Forgetting (Li & Hoiem, ECCV 2016), as a strategy plugin (REFERENCE.md §6).
 * After each experience the plugin keeps a teacher: a frozen GPU copy of the model (Module.clone(), eval
 * mode, no gradients, no readback). While a later experience i trains, the loss gets
 *
 *   α_i · Σ_teachers Σ_{old outputs o it covers} CE_T(z_teacher,o, z_student,o),
 *   CE_T(t, s) = −(1/B) Σ_b Σ_c softmax(t_b/T)_c · log softmax(s_b/T)_c       (nn/losses/distillation.ts)
 *
 * (CLArena's DistillationReg; KL(teacher ‖ student) differs by the teacher's entropy, a constant). α is
 * one number, or a list with one factor per experience (Avalanche's form; α_0 is never used: nothing is
 * distilled while the first experience trains). What "the old outputs" are depends on the model:
 * - Task-incremental (the model has one nn.MultiHead): per old task id τ, the teacher's head τ against
 *   the student's head τ. The student's old heads run on the features its own forward of the step fed
 *   into the MultiHead (captured there), so the student's trunk runs once; the teacher runs once. All
 *   old heads go into one CE: [B, n·k] → [B·n, k] rows, times n (the sum over the n old tasks).
 *   The student's old heads move with the distillation gradient (as CLArena), or stay as they were with
 *   freezeOldHeads (their gradients are dropped; the trunk still gets the distillation gradient).
 * - One shared head (domain- and class-incremental): the output columns of the labels the covered
 *   experiences trained on (Avalanche's "active units"): in domain-IL every output (labels 0..k−1 in
 *   every task), in class-IL the classes seen so far. The labels are read once per experience, after it.
 *
 * Teachers. Default: one, the model after the last experience, covering every earlier experience; it
 * replaces the previous teacher, so memory is one model copy whatever the number of tasks (Li & Hoiem,
 * Avalanche). perTaskTeachers: the model after experience t is kept as the teacher of experience t alone
 * (CLArena keeps every previous backbone): n model copies after n experiences, and each old task is
 * distilled from the model that had just learned it rather than from the latest model, whose outputs on
 * old tasks have already drifted.
 *
 * Unlearning (Strategy.unlearn): the unlearned experiences leave the teacher set. Per-task teachers of
 * those experiences are freed; the single teacher is replaced by a copy of the model after unlearning,
 * covering the experiences that remain (the old teacher would teach the unlearned task back).
 *
 * Where we differ from reference code on purpose: the teacher runs in eval mode (Avalanche's copy stays
 * in training mode: with dropout its targets would be noisy); a MultiHead with heads of unequal sizes is
 * refused rather than distilled head by head.
 *
 * State for checkpoints: every teacher's weights ('teacher/<j>/<name>') and a record of the options, the
 * finished experiences (index, task id, labels), which experiences each teacher covers, the unlearned ones.
 */
import { checkNumber, describe } from '../../engine/check.js';
import { concat, gather, keep, mul, noGrad, reshape, tensor, tidy, type Tensor } from '../../engine/index.js';
import { distillation } from '../../nn/losses/distillation.js';
import { MultiHead } from '../../nn/layers/multi-head.js';
import type { Module } from '../../nn/module.js';
import type { TensorLike } from '../../nn/assign.js';
import { total } from '../fisher/fisher-matrix.js';
import { shadow } from '../util/shadow.js';
import type { ExperienceContext, IterationContext, LoadablePluginState, PluginState, StrategyPlugin } from '../strategy/plugin.js';
import { registerMethod, type Options, type OptionSpec } from './registry.js';

export interface LwFOptions {
  /** Distillation factor α ≥ 0, or one per experience (entry i while experience i trains). */
  alpha: number | readonly number[];
  /** Softmax temperature T > 0. */
  temperature: number;
  /** Keep the model after each experience as that experience's teacher (default false: one teacher). */
  perTaskTeachers?: boolean;
  /** Task-incremental: the student's old heads get no update (default false: they move, as CLArena). */
  freezeOldHeads?: boolean;
}

interface Finished {
  index: number;
  taskId: number;
  /** The labels of its training set, sorted (shared head: the output columns distilled). */
  labels: number[];
}

interface Teacher {
  model: Module;
  /** Indices of the experiences it distils. */
  tasks: number[];
  /** Its MultiHead (task-incremental), or null. */
  head: MultiHead | null;
  /** Shared head: the output columns it distils (int32, kept); null with a MultiHead. */
  columns: Tensor | null;
  /** n when the columns are 0..n−1 (every output of an n-output head), else 0. */
  leading: number;
}

/** The model's nn.MultiHead (task-incremental learning), null when it has none; more than one is an error. */
function multiHeadOf(op: string, model: Module): MultiHead | null {
  const heads = model.modules().filter((m): m is MultiHead => m instanceof MultiHead);
  if (heads.length > 1) throw new RangeError(`${op}: the model has ${heads.length} nn.MultiHead modules; task-incremental distillation needs one (the output heads)`);
  return heads[0] ?? null;
}

/** Makes `head` record the input of its next forward: `read()` gives it, `release()` puts forward back. */
function captureInput(head: MultiHead): { read: () => Tensor | null; release: () => void } {
  let input: Tensor | null = null;
  const forward = head.forward.bind(head);
  const release = shadow(head, { forward: (x: Tensor, taskId?: number) => { input = x; return forward(x, taskId); } });
  return { read: () => input, release };
}

export class LwF implements StrategyPlugin {
  readonly name: string = 'lwf';
  readonly alpha: number | readonly number[];
  readonly temperature: number;
  readonly perTaskTeachers: boolean;
  readonly freezeOldHeads: boolean;
  private model: Module | null = null;
  private head: MultiHead | null = null;
  private finished: Finished[] = [];
  private unlearned: number[] = [];
  private teachers: Teacher[] = [];
  /** α of the experience being trained. */
  private factor = 0;
  /** The input of the student's MultiHead in this step's forward (captured between beforeIteration and afterForward). */
  private capture: ReturnType<typeof captureInput> | null = null;
  private features: Tensor | null = null;

  constructor(opts: LwFOptions) {
    if (!opts || typeof opts !== 'object') throw new TypeError(`LwF: expected options { alpha, temperature, perTaskTeachers?, freezeOldHeads? }, got ${describe(opts)}`);
    const { alpha, temperature, perTaskTeachers = false, freezeOldHeads = false } = opts;
    const factors = typeof alpha === 'number' ? [alpha] : alpha;
    if (!Array.isArray(factors) || !factors.length || !factors.every((a) => typeof a === 'number' && Number.isFinite(a) && a >= 0)) {
      throw new RangeError(`LwF: alpha must be a finite number ≥ 0 or a non-empty list of them (one per experience), got ${JSON.stringify(alpha)}`);
    }
    checkNumber('LwF', 'temperature', temperature, { min: 0, minOpen: true });
    if (typeof perTaskTeachers !== 'boolean') throw new TypeError(`LwF: perTaskTeachers must be true or false, got ${JSON.stringify(perTaskTeachers)}`);
    if (typeof freezeOldHeads !== 'boolean') throw new TypeError(`LwF: freezeOldHeads must be true or false, got ${JSON.stringify(freezeOldHeads)}`);
    this.alpha = typeof alpha === 'number' ? alpha : [...alpha];
    this.temperature = temperature;
    this.perTaskTeachers = perTaskTeachers;
    this.freezeOldHeads = freezeOldHeads;
  }

  /** The teachers: which experiences each distils (a copy; the models stay the plugin's). */
  get teacherTasks(): number[][] {
    return this.teachers.map((t) => [...t.tasks]);
  }

  /** The teachers' models (the plugin's own: do not dispose them). */
  get teacherModels(): Module[] {
    return this.teachers.map((t) => t.model);
  }

  bind(model: Module): void {
    this.head = multiHeadOf(this.name, model);
    if (!this.head && this.freezeOldHeads) throw new RangeError(`${this.name}: freezeOldHeads needs a model with task heads (nn.MultiHead); this model has one shared head`);
    this.model = model;
  }

  /** α of experience `index`. */
  factorOf(index: number): number {
    if (typeof this.alpha === 'number') return this.alpha;
    if (index >= this.alpha.length) throw new RangeError(`${this.name}: alpha has ${this.alpha.length} entries (one per experience), experience ${index} needs entry ${index}`);
    return this.alpha[index]!;
  }

  beforeExperience(ctx: ExperienceContext): void {
    if (ctx.experience.mixedTasks) throw new RangeError(`${this.name}: experience ${ctx.experience.index} (${ctx.experience.name}) mixes every task (joint training); LwF distils earlier experiences into later ones`);
    if (this.model !== ctx.model) this.bind(ctx.model);
    this.factor = this.factorOf(ctx.experience.index);
  }

  beforeIteration(): void {
    this.endCapture();
    if (this.head && this.teachers.length && this.factor > 0) this.capture = captureInput(this.head);
  }

  afterForward(): void {
    this.features = this.capture?.read() ?? null;
    this.endCapture();
  }

  /** α_i · Σ_teachers CE_T over the old outputs each covers (nothing before the first teacher or with α_i = 0). */
  beforeBackward(ctx: IterationContext): Tensor | void {
    if (!this.teachers.length || this.factor === 0) return;
    const terms = this.teachers.map((t) => (this.head ? this.headsTerm(t, ctx.batch.x) : this.sharedTerm(t, ctx.batch.x, ctx.output!)));
    this.features = null;
    return mul(total(terms), this.factor);
  }

  /** Σ_τ CE_T(teacher head τ, student head τ) over the old task ids τ of `teacher`, as one CE over [B·n, k] rows, times n. */
  private headsTerm(teacher: Teacher, x: Tensor): Tensor {
    const features = this.features;
    if (!features) throw new Error(`${this.name}: the input of the model's MultiHead was not seen in this step's forward; the MultiHead must be in the model's forward path`);
    const ids = [...new Set(teacher.tasks.map((i) => this.finishedAt(i).taskId))];
    const student = ids.map((id) => this.head!.forward(features, id));
    // Each teacher's forward in its own scope: only its outputs outlive it, so a step with n teachers holds
    // n targets, not n copies of the teacher's activations (issue #16: per-task teachers grew the pool each task).
    const target = tidy(() => noGrad(() => {
      const seen = captureInput(teacher.head!);
      try {
        teacher.model.forward(x);
      } finally {
        seen.release();
      }
      return concat(ids.map((id) => teacher.head!.forward(seen.read()!, id)), -1);
    }));
    const [B, k] = student[0]!.shape as [number, number];
    if (student.some((s) => s.shape[1] !== k)) throw new RangeError(`${this.name}: the old task heads have different sizes (${student.map((s) => s.shape[1]).join(', ')} outputs); LwF needs heads of equal size`);
    const n = ids.length;
    return mul(distillation(reshape(concat(student, -1), [B * n, k]), reshape(target, [B * n, k]), { temperature: this.temperature }), n);
  }

  /** CE_T over the output columns of the labels `teacher` covers (shared head); every column (domain-IL) needs no gather. */
  private sharedTerm(teacher: Teacher, x: Tensor, output: Tensor): Tensor {
    const columns = teacher.columns!;
    const every = teacher.leading === output.shape[1];
    const target = tidy(() => noGrad(() => (every ? teacher.model.forward(x) : gather(teacher.model.forward(x), columns, 1))));
    return distillation(every ? output : gather(output, columns, 1), target, { temperature: this.temperature });
  }

  /** freezeOldHeads: the old heads' gradients are dropped, so the optimizer leaves them as they are. */
  afterBackward(ctx: IterationContext): void {
    if (!this.freezeOldHeads || !this.head) return;
    for (const f of this.live()) {
      if (f.taskId === ctx.experience.taskId) continue;
      for (const p of this.head.heads[f.taskId]!.parameters()) {
        p.grad?.dispose();
        p.grad = null;
      }
    }
  }

  /** Records the experience (its labels: one readback per experience) and makes the teacher(s). */
  async afterExperience(ctx: ExperienceContext): Promise<void> {
    const { index, taskId } = ctx.experience;
    const labels = [...new Set(await ctx.experience.train.y.toArray())].sort((a, b) => a - b);
    this.finished = [...this.finished.filter((f) => f.index !== index), { index, taskId, labels }];
    if (this.perTaskTeachers) {
      this.teachers.push(this.teacher(ctx.model, [index]));
    } else {
      this.replaceTeacher(ctx.model);
    }
  }

  /** Unlearned experiences leave the teacher set (module comment). */
  unlearn(tasks: readonly number[], model: Module): void {
    for (const i of tasks) {
      if (!this.live().some((f) => f.index === i)) throw new RangeError(`${this.name}.unlearn: experience ${i} is not among the experiences this plugin has distilled (${this.live().map((f) => f.index).join(', ') || 'none'})`);
    }
    this.unlearned.push(...tasks);
    if (this.perTaskTeachers) {
      const [gone, kept] = [this.teachers.filter((t) => tasks.includes(t.tasks[0]!)), this.teachers.filter((t) => !tasks.includes(t.tasks[0]!))];
      gone.forEach(freeTeacher);
      this.teachers = kept;
    } else {
      this.replaceTeacher(model);
    }
  }

  state(): PluginState {
    const tensors: Record<string, Tensor> = {};
    this.teachers.forEach((t, j) => { for (const [k, v] of Object.entries(t.model.stateDict())) tensors[`teacher/${j}/${k}`] = v; });
    return {
      tensors,
      record: {
        alpha: this.alpha, temperature: this.temperature, perTaskTeachers: this.perTaskTeachers, freezeOldHeads: this.freezeOldHeads,
        finished: this.finished, unlearned: this.unlearned, teachers: this.teachers.map((t) => t.tasks),
      },
    };
  }

  loadState(state: LoadablePluginState): void {
    const record = state?.record as { perTaskTeachers?: unknown; finished?: unknown; unlearned?: unknown; teachers?: unknown } | null;
    if (!this.model) throw new Error(`${this.name}.loadState: bind(model) first (the Strategy does it); the teachers are copies of the model`);
    if (record?.perTaskTeachers !== this.perTaskTeachers) throw new RangeError(`${this.name}.loadState: the state was saved with perTaskTeachers ${JSON.stringify(record?.perTaskTeachers)}, this plugin has ${this.perTaskTeachers}`);
    if (!Array.isArray(record.finished) || !Array.isArray(record.unlearned) || !Array.isArray(record.teachers)) throw new TypeError(`${this.name}.loadState: the record has no finished, unlearned and teachers lists`);
    const previous = { finished: this.finished, teachers: this.teachers };
    this.finished = record.finished as Finished[];
    const teachers: Teacher[] = [];
    try {
      (record.teachers as number[][]).forEach((tasks, j) => {
        const t = this.teacher(this.model!, tasks);
        teachers.push(t);
        const prefix = `teacher/${j}/`;
        t.model.loadStateDict(Object.fromEntries(Object.entries(state.tensors).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v])) as Record<string, TensorLike>);
      });
    } catch (e) {
      teachers.forEach(freeTeacher);
      this.finished = previous.finished;
      throw e;
    }
    previous.teachers.forEach(freeTeacher);
    this.teachers = teachers;
    this.unlearned = [...(record.unlearned as number[])];
  }

  dispose(): void {
    this.endCapture();
    this.teachers.forEach(freeTeacher);
    this.teachers = [];
  }

  /** Finished experiences not unlearned. */
  private live(): Finished[] {
    return this.finished.filter((f) => !this.unlearned.includes(f.index));
  }

  private finishedAt(index: number): Finished {
    const f = this.finished.find((x) => x.index === index);
    if (!f) throw new Error(`${this.name}: experience ${index} has no record`);
    return f;
  }

  /** One teacher (a copy of `model` now) for every live experience, in place of the earlier one; none when none is live. */
  private replaceTeacher(model: Module): void {
    const tasks = this.live().map((f) => f.index);
    const next = tasks.length ? this.teacher(model, tasks) : null;
    this.teachers.forEach(freeTeacher);
    this.teachers = next ? [next] : [];
  }

  /** A frozen copy of `model` distilling experiences `tasks`. */
  private teacher(model: Module, tasks: number[]): Teacher {
    const copy = model.clone().eval().requiresGrad_(false);
    const head = multiHeadOf(this.name, copy);
    if (head) return { model: copy, tasks, head, columns: null, leading: 0 };
    const labels = [...new Set(tasks.flatMap((i) => this.finishedAt(i).labels))].sort((a, b) => a - b);
    const leading = labels.every((c, i) => c === i) ? labels.length : 0;
    return { model: copy, tasks, head, columns: keep(tensor(Int32Array.from(labels), [labels.length], { dtype: 'int32' })), leading };
  }

  private endCapture(): void {
    this.capture?.release();
    this.capture = null;
  }
}

function freeTeacher(t: Teacher): void {
  t.model.dispose();
  t.columns?.dispose();
}

export const LWF_OPTIONS: Record<string, OptionSpec> = {
  alpha: { kind: 'numbers', min: 0, default: [1], help: 'distillation factor α, or one per experience (comma-separated; entry i while experience i trains)' },
  temperature: { kind: 'number', default: 2, help: 'softmax temperature T > 0' },
  'per-task-teachers': { kind: 'boolean', default: false, help: 'keep the model after each experience as its teacher (one model copy per task) instead of one teacher' },
  'freeze-old-heads': { kind: 'boolean', default: false, help: "task-incremental: the old heads get no update (default: they move with the distillation, as CLArena)" },
};

/** LwFOptions from the registry's resolved options. */
export function lwfOptions(o: Options): LwFOptions {
  const alpha = o.alpha as number[];
  return { alpha: alpha.length === 1 ? alpha[0]! : alpha, temperature: o.temperature as number, perTaskTeachers: o['per-task-teachers'] as boolean, freezeOldHeads: o['freeze-old-heads'] as boolean };
}

registerMethod({
  name: 'lwf',
  description: 'Learning without Forgetting (Li & Hoiem 2016): distils a frozen copy of the model after each experience into the later ones',
  options: LWF_OPTIONS,
  plugins: ({ options }) => [new LwF(lwfOptions(options))],
});
