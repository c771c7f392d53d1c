/**
 * cl.methods.LwF (Li & Hoiem 2016) on small split MNIST in the three settings: the penalty
 * α·Σ CE_T(teacher, student) over the old heads (task-IL), every output (domain-IL) or the classes seen
 * (class-IL) against a float64 host computation of the definition from the teacher's and the student's
 * weights, and its gradient against float64 central differences of that definition (trunk and heads);
 * one teacher vs per-task teachers (coverage, value, memory); the teacher frozen while the student
 * trains; α lists; freezeOldHeads; a run that reads back nothing per step and resumes bit for bit;
 * option and setting errors.
 * Mutations tried (each fails a test): the temperature left out of the teacher's softmax (distillation.ts);
 * the sum over old heads replaced by their mean (no ×n); the current head distilled too; the class-IL
 * columns of every output instead of the labels seen; α_i taken from entry i − 1; freezeOldHeads dropping
 * no gradient; the single teacher kept beside the new one instead of replaced (memory grows); the teacher
 * left in training mode with gradients; loadState not restoring the teachers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { add, arange, cl, keep, mul, nn, noGrad, randn, sum, tidy, Generator, type Tensor } from '../../index.js';
import { assign } from '../../nn/assign.js';
import { useDevice } from '../helpers/device.js';
import { expectClose } from '../helpers/numeric.js';
import { expectResumeMatches } from '../helpers/resume.js';

const SMALL = { trainPerClass: 24, testPerClass: 20 };
const B = 12;
type Setting = 'task' | 'domain' | 'class';
type Host = Record<string, Float64Array>;

describe('cl.methods.LwF', () => {
  const device = useDevice();
  const split: Partial<Record<Setting, cl.scenarios.Scenario>> = {};
  beforeAll(async () => {
    for (const setting of ['task', 'domain', 'class'] as const) split[setting] = await cl.scenarios.splitMnist({ setting, ...SMALL });
  });
  afterAll(() => { for (const s of Object.values(split)) s.dispose(); });

  /** Flatten → Linear(784, 8) → ReLU → head: a MultiHead of 2-way heads (task) or one Linear. */
  const mlp = (setting: Setting, seed: number) => {
    const s = split[setting]!;
    const g = new Generator(seed);
    const head = setting === 'task' ? new nn.MultiHead(8, s.heads, s.outputs, { generator: g }) : new nn.Linear(8, s.outputs, { generator: g });
    return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 8, { generator: g }), new nn.ReLU(), head);
  };
  const read = async (t: Tensor) => Float64Array.from(await t.data());
  const hostOf = async (m: nn.Module): Promise<Host> => Object.fromEntries(await Promise.all(Object.entries(m.stateDict()).map(async ([k, t]) => [k, await read(t)] as const)));
  const ctxOf = (setting: Setting, model: nn.Module, index: number): cl.ExperienceContext => ({ model, optimizer: null as never, experience: split[setting]!.experiences[index]!, experiences: split[setting]!.experiences, epoch: 0 });
  const batchOf = (setting: Setting, index: number) => {
    const ds = split[setting]!.experiences[index]!.train;
    const rows = arange(0, B, 1, { dtype: 'int32' });
    const batch = { x: keep(ds.rows(rows)), y: keep(ds.y) };
    rows.dispose();
    return batch;
  };

  /** Moves every parameter by amount·N(0, 1) (a "later task's training"). */
  const move = (model: nn.Module, amount: number, seed: number) => {
    const g = new Generator(seed);
    tidy(() => noGrad(() => { for (const p of model.parameters()) assign(p, add(p, mul(randn(p.shape, { generator: g }), amount))); }));
  };

  /** One step's hooks around the forward (as cl.Strategy calls them): the penalty, and the gradients it leaves. */
  function step(lwf: cl.methods.LwF, model: nn.Sequential, setting: Setting, index: number, x: Tensor): { value: Tensor | null; grads: Map<string, Tensor | null> } {
    const ctx = { ...ctxOf(setting, model, index), iteration: 0, batch: { x, y: x }, output: null as Tensor | null, loss: null };
    const value = tidy(() => {
      lwf.beforeIteration();
      const head = model.modules().find((m) => m instanceof nn.MultiHead) as nn.MultiHead | undefined;
      head?.select(ctx.experience.taskId);
      ctx.output = model.forward(x);
      lwf.afterForward();
      const p = lwf.beforeBackward(ctx);
      if (!p) return null;
      p.backward();
      return keep(p.detach());
    });
    const grads = new Map(model.namedParameters().map(([k, p]) => [k, p.grad] as const));
    for (const p of model.parameters()) p.grad = null;
    return { value, grads };
  }

  /** The definition in float64: α·Σ_teachers Σ_groups CE_T over each group of output columns (of the named head). */
  function hostPenalty(student: Host, teachers: { weights: Host; groups: { head: string; columns: number[] }[] }[], x: Float64Array, alpha: number, T: number): number {
    const logits = (w: Host, head: string) => Array.from({ length: B }, (_, b) => {
      const h = Array.from({ length: 8 }, (_, j) => {
        let v = w['1.bias']![j]!;
        for (let i = 0; i < 784; i++) v += w['1.weight']![j * 784 + i]! * x[b * 784 + i]!;
        return Math.max(v, 0);
      });
      const bias = w[`${head}bias`]!;
      return Array.from({ length: bias.length }, (_, c) => h.reduce((s, hj, j) => s + w[`${head}weight`]![c * 8 + j]! * hj, bias[c]!));
    });
    const logSoftmax = (z: number[]) => { const m = Math.max(...z); const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)); return z.map((v) => v - lse); };
    let total = 0;
    for (const t of teachers) {
      for (const { head, columns } of t.groups) {
        const [zt, zs] = [logits(t.weights, head), logits(student, head)];
        for (let b = 0; b < B; b++) {
          const p = logSoftmax(columns.map((c) => zt[b]![c]! / T)).map(Math.exp);
          const q = logSoftmax(columns.map((c) => zs[b]![c]! / T));
          total -= p.reduce((s, pc, c) => s + pc * q[c]!, 0) / B;
        }
      }
    }
    return alpha * total;
  }

  /** ∂penalty/∂student[key][i] by float64 central differences of hostPenalty. */
  function hostGradient(f: (w: Host) => number, w: Host, key: string, indices: number[]): number[] {
    const h = 1e-4;
    return indices.map((i) => {
      const at = (d: number) => { const v = w[key]!.slice(); v[i]! += d; return f({ ...w, [key]: v }); };
      return (at(h) - at(-h)) / (2 * h);
    });
  }

  const SETTINGS: { setting: Setting; groups: (teacherTasks: number[]) => { head: string; columns: number[] }[] }[] = [
    { setting: 'task', groups: (tasks) => tasks.map((t) => ({ head: `3.heads.${t}.`, columns: [0, 1] })) },
    { setting: 'domain', groups: () => [{ head: '3.', columns: [0, 1] }] },
    { setting: 'class', groups: (tasks) => [{ head: '3.', columns: tasks.flatMap((t) => [2 * t, 2 * t + 1]) }] },
  ];

  for (const { setting, groups } of SETTINGS) {
    for (const perTaskTeachers of [false, true]) {
      it(`${setting}-incremental, ${perTaskTeachers ? 'per-task teachers' : 'one teacher'}: the penalty at experience 2 and its gradient match float64 (value and central differences)`, async () => {
        const alpha = 0.7, T = 2;
        const model = mlp(setting, 3);
        const lwf = new cl.methods.LwF({ alpha, temperature: T, perTaskTeachers });
        lwf.bind(model);
        lwf.beforeExperience(ctxOf(setting, model, 0));
        const first = batchOf(setting, 0).x;
        expect(step(lwf, model, setting, 0, first).value).toBeNull(); // nothing to distil yet
        first.dispose();
        await lwf.afterExperience(ctxOf(setting, model, 0));
        move(model, 0.05, 1);
        lwf.beforeExperience(ctxOf(setting, model, 1));
        await lwf.afterExperience(ctxOf(setting, model, 1));
        expect(lwf.teacherTasks).toEqual(perTaskTeachers ? [[0], [1]] : [[0, 1]]);
        move(model, 0.05, 2); // the student moves away from its teachers
        lwf.beforeExperience(ctxOf(setting, model, 2));
        const { x } = batchOf(setting, 2);
        const { value, grads } = step(lwf, model, setting, 2, x);
        const xs = await read(x);
        const teachers = await Promise.all(lwf.teacherModels.map(async (m, j) => ({ weights: await hostOf(m), groups: groups(lwf.teacherTasks[j]!) })));
        const f = (w: Host) => hostPenalty(w, teachers, xs, alpha, T);
        const student = await hostOf(model);
        const want = f(student);
        expect(want).toBeGreaterThan(1e-3);
        expectClose([await value!.item()], [want], { rtol: 2e-5 }, 'penalty');
        // gradients: the trunk (through the captured features) and the distilled head(s)
        const head = setting === 'task' ? '3.heads.0.' : '3.';
        for (const [key, idx] of [['1.bias', [0, 1, 2, 3, 4, 5, 6, 7]], ['1.weight', [300, 1000, 4000]], [`${head}weight`, [0, 5, 9]], [`${head}bias`, [0, 1]]] as const) {
          const got = await read(grads.get(key)!);
          const fd = hostGradient(f, student, key, [...idx]);
          const scale = Math.max(...fd.map(Math.abs), 1e-3);
          expectClose([...idx].map((i) => got[i]!), fd, { rtol: 1e-3, atol: 1e-4 * scale }, `∂/∂${key}`);
        }
        if (setting === 'task') {
          for (const t of [2, 3, 4]) expect(grads.get(`3.heads.${t}.weight`)).toBeNull(); // only old heads are distilled
        }
        for (const t of [value, x, ...grads.values()]) t?.dispose();
        lwf.dispose(); model.dispose();
      });
    }
  }

  it('the teacher stays as it was while the student trains; one teacher keeps memory flat across tasks, per-task teachers grow by one model each', async () => {
    for (const perTaskTeachers of [false, true]) {
      const model = mlp('task', 5);
      const lwf = new cl.methods.LwF({ alpha: 1, temperature: 2, perTaskTeachers });
      lwf.bind(model);
      const live: number[] = [];
      const opt = new nn.SGD(model.parameters(), { lr: 0.1 });
      for (let e = 0; e < 4; e++) {
        lwf.beforeExperience(ctxOf('task', model, e));
        move(model, 0.02, 10 + e); // away from the teacher, so that the distillation has a gradient
        const { x } = batchOf('task', e);
        const teacher = e ? await hostOf(lwf.teacherModels[lwf.teacherModels.length - 1]!) : null;
        for (let s = 0; s < 3; s++) {
          const { value, grads } = step(lwf, model, 'task', e, x);
          if (value) {
            for (const [k, g] of grads) { const p = model.stateDict()[k]!; p.grad = g; }
            opt.step(); opt.zeroGrad();
          }
          value?.dispose();
        }
        if (teacher) {
          expect(await hostOf(lwf.teacherModels[lwf.teacherModels.length - 1]!)).toEqual(teacher); // unchanged, bit for bit
          expect((await hostOf(model))['1.bias']).not.toEqual(teacher['1.bias']); // while the student moved
        }
        x.dispose();
        await lwf.afterExperience(ctxOf('task', model, e));
        live.push(device().liveTensors);
      }
      const perModel = model.parameters().length;
      const growth = live.slice(1).map((v, i) => v - live[i]!);
      expect(growth).toEqual(perTaskTeachers ? [perModel, perModel, perModel] : [0, 0, 0]);
      expect(lwf.teacherModels.every((m) => !m.training && m.parameters().every((p) => !p.requiresGrad))).toBe(true);
      opt.dispose(); lwf.dispose(); model.dispose();
    }
  });

  it('α as a list: entry i while experience i trains (0: no penalty); too short a list is an error naming alpha', async () => {
    const model = mlp('domain', 6);
    const ref = new cl.methods.LwF({ alpha: 1, temperature: 3 });
    const list = new cl.methods.LwF({ alpha: [5, 0, 2.5], temperature: 3 });
    for (const l of [ref, list]) { l.bind(model); await l.afterExperience(ctxOf('domain', model, 0)); }
    move(model, 0.05, 3);
    const { x } = batchOf('domain', 1);
    const at = (l: cl.methods.LwF, index: number) => { l.beforeExperience(ctxOf('domain', model, index)); return step(l, model, 'domain', index, x).value; };
    const one = await at(ref, 1)!.item();
    expect(at(list, 1)).toBeNull(); // α_1 = 0
    expect(await at(list, 2)!.item()).toBeCloseTo(2.5 * one, 5);
    expect(() => list.beforeExperience(ctxOf('domain', model, 3))).toThrow(/lwf: alpha has 3 entries \(one per experience\), experience 3 needs entry 3/);
    x.dispose(); ref.dispose(); list.dispose(); model.dispose();
  });

  it('freezeOldHeads: a training step leaves the old heads as they were and moves the trunk and the current head; by default the old heads move', async () => {
    for (const freezeOldHeads of [true, false]) {
      const model = mlp('task', 7);
      const lwf = new cl.methods.LwF({ alpha: 1, temperature: 2, freezeOldHeads });
      lwf.bind(model);
      await lwf.afterExperience(ctxOf('task', model, 0));
      await lwf.afterExperience(ctxOf('task', model, 1));
      move(model, 0.05, 4);
      lwf.beforeExperience(ctxOf('task', model, 2));
      const before = await hostOf(model);
      const { x } = batchOf('task', 2);
      const opt = new nn.SGD(model.parameters(), { lr: 0.5 });
      tidy(() => {
        const ctx = { ...ctxOf('task', model, 2), iteration: 0, batch: { x, y: x }, output: null as Tensor | null, loss: null };
        lwf.beforeIteration();
        (model.modules().find((m) => m instanceof nn.MultiHead) as nn.MultiHead).select(2);
        ctx.output = model.forward(x);
        lwf.afterForward();
        add(lwf.beforeBackward(ctx) as Tensor, mul(sum(ctx.output), 1e-3)).backward(); // + a task-loss stand-in on head 2
        lwf.afterBackward(ctx);
        opt.step(); opt.zeroGrad();
      });
      const after = await hostOf(model);
      for (const k of ['3.heads.0.weight', '3.heads.1.bias']) expect(after[k]!.every((v, i) => v === before[k]![i]), `${k} (freezeOldHeads ${freezeOldHeads})`).toBe(freezeOldHeads);
      for (const k of ['1.weight', '3.heads.2.bias']) expect(after[k]).not.toEqual(before[k]);
      x.dispose(); opt.dispose(); lwf.dispose(); model.dispose();
    }
  });

  it('a strategy run reads back nothing per step (one label readback per experience), and a run stopped after experience 2 of 3 resumes bit for bit, teachers included', async () => {
    const s = split.task!;
    const three: cl.scenarios.Scenario = { ...s, name: 'split-mnist-3', experiences: s.experiences.slice(0, 3), dispose: () => {} };
    const sgd = (p: Tensor[]) => new nn.SGD(p, { lr: 0.05, momentum: 0.9 });
    const readbacks: number[] = [];
    for (const plugins of [[], [new cl.methods.LwF({ alpha: 1, temperature: 2 })]]) {
      const model = mlp('task', 8);
      const strategy = new cl.Strategy({ model, optimizer: sgd, plugins, epochs: 2, batchSize: 16, seed: 2, progressEvery: 1000 });
      const reads = device().stats().readbacks;
      await strategy.run(three);
      readbacks.push(device().stats().readbacks - reads);
      strategy.dispose(); model.dispose();
    }
    expect(readbacks[1]! - readbacks[0]!).toBe(3);
    const { state } = await expectResumeMatches({
      scenario: three, optimizer: sgd, options: { epochs: 2, batchSize: 16, seed: 5 },
      make: () => ({ model: mlp('task', 11), plugins: [new cl.methods.LwF({ alpha: 1, temperature: 2, perTaskTeachers: true })] }),
    });
    expect(Object.keys((state as { tensors: object }).tensors)).toHaveLength(3 * 12); // 3 teachers × (2 trunk + 5 heads × 2)
  });

  it('bad options and settings are errors naming the option; the registry builds lwf and amnesiac-lwf', async () => {
    const L = cl.methods.LwF;
    expect(() => new L({ alpha: -1, temperature: 2 })).toThrow(/LwF: alpha must be a finite number ≥ 0 or a non-empty list of them \(one per experience\), got -1/);
    expect(() => new L({ alpha: [1, -0.5], temperature: 2 })).toThrow(/LwF: alpha must be .* got \[1,-0.5\]/);
    expect(() => new L({ alpha: [], temperature: 2 })).toThrow(/LwF: alpha must be/);
    expect(() => new L({ alpha: 1, temperature: 0 })).toThrow(/LwF: temperature must be a number > 0, got 0/);
    expect(() => new L({ alpha: 1, temperature: -2 })).toThrow(/temperature must be a number > 0, got -2/);
    expect(() => new L({ alpha: 1 } as never)).toThrow(/temperature is required \(a number > 0\), got undefined/);
    expect(() => new L({ alpha: 1, temperature: 2, perTaskTeachers: 'yes' as never })).toThrow(/perTaskTeachers must be true or false/);
    expect(() => new L({ alpha: 1, temperature: 2, freezeOldHeads: true }).bind(mlp('class', 1))).toThrow(/freezeOldHeads needs a model with task heads \(nn.MultiHead\)/);
    const twoHeads = new nn.Sequential(new nn.MultiHead(4, 2, 2), new nn.MultiHead(2, 2, 2));
    expect(() => new L({ alpha: 1, temperature: 2 }).bind(twoHeads)).toThrow(/2 nn.MultiHead modules/);
    const model = mlp('task', 2);
    const joint = { ...ctxOf('task', model, 0), experience: { ...split.task!.experiences[0]!, mixedTasks: 2 } };
    expect(() => new L({ alpha: 1, temperature: 2 }).beforeExperience(joint)).toThrow(/mixes every task \(joint training\)/);
    expect(() => new L({ alpha: 1, temperature: 2, perTaskTeachers: true }).loadState(new L({ alpha: 1, temperature: 2 }).state())).toThrow(/bind\(model\) first/);
    const bound = new L({ alpha: 1, temperature: 2, perTaskTeachers: true });
    bound.bind(model);
    expect(() => bound.loadState(new L({ alpha: 1, temperature: 2 }).state())).toThrow(/saved with perTaskTeachers false, this plugin has true/);
    model.dispose(); twoHeads.dispose();

    for (const name of ['lwf', 'amnesiac-lwf']) {
      const spec = cl.methods.method(name);
      expect(cl.methods.resolveOptions(`method ${name}`, spec.options)).toEqual({ alpha: [1], temperature: 2, 'per-task-teachers': false, 'freeze-old-heads': false });
      const options = cl.methods.resolveOptions(`method ${name}`, spec.options, { alpha: [0, 1, 2], temperature: 4, 'per-task-teachers': true });
      const [p] = spec.plugins!({ model: null as never, scenario: null as never, seed: 0, options }) as [InstanceType<typeof L>];
      expect([p.name, p.alpha, p.temperature, p.perTaskTeachers, p.freezeOldHeads]).toEqual([name, [0, 1, 2], 4, true, false]);
      expect(p instanceof L).toBe(true);
    }
    const [one] = cl.methods.method('lwf').plugins!({ model: null as never, scenario: null as never, seed: 0, options: { alpha: [1], temperature: 2, 'per-task-teachers': false, 'freeze-old-heads': false } }) as [InstanceType<typeof L>];
    expect(one.alpha).toBe(1);
  });
});
