/**
 * checkNumerics (issue #16, numeric faults): the engine's NumericsMonitor on crafted tensors against
 * the float64 reference (NaN in one of several, ±∞, all finite, more tensors than one dispatch takes,
 * the first bad step kept over later ones), and cl.Strategy stopping a diverging run with a
 * NumericsError that names the same first bad step, value and layer as a run that reads every loss,
 * gradient and parameter back after every step. With checkNumerics off the run trains on past that step
 * and only the loss check at the progress interval stops it.
 * Mutations tried: the kernel's test `== 0x7f800000` on the exponent replaced by the NaN-only test (the
 * ±∞ cases fail); atomicMax instead of atomicMin (7 monitor tests fail); every workgroup of an array
 * reading its first span (the two cases at an array's far end fail); the strategy's check after zeroGrad
 * (the NaN-gradient case fails: no gradient is seen, the parameter is named instead).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cl, keep, mul, nn, sqrt, square, sub, sum, tensor, Generator, NumericsError, NumericsMonitor, type Tensor } from '../../index.js';
import { nonFiniteFlagsReference } from '../../kernels/non-finite-flags.reference.js';
import { useDevice } from '../helpers/device.js';

const CLEAN = 0xffffffff;

/** The fault the reference finds after checks (step, arrays per label, null: skipped). */
function referenceFault(labels: readonly string[], checks: readonly [number, readonly (Float32Array | null)[]][]) {
  let flags = labels.map(() => CLEAN);
  for (const [step, arrays] of checks) {
    const slots = arrays.flatMap((a, i) => (a ? [i] : []));
    flags = nonFiniteFlagsReference(flags, slots.map((i) => arrays[i]!), slots, step);
  }
  const step = Math.min(...flags);
  if (step === CLEAN) return null;
  const bad = flags.flatMap((s, i) => (s === step ? [i] : []));
  return { step, index: bad[0]!, label: labels[bad[0]!]!, labels: bad.map((i) => labels[i]!) };
}

/** Arrays of the given sizes, deterministic finite values (including extremes that are finite). */
function finiteArrays(sizes: readonly number[]): Float32Array[] {
  return sizes.map((n, k) => Float32Array.from({ length: n }, (_, i) => (i === 0 ? 3.4e38 : i === 1 ? -1e-45 : Math.sin(i + k) * 10)));
}

describe('NumericsMonitor', () => {
  const device = useDevice();
  // Sizes: a scalar (the loss), a vec4 array, an odd one, one spanning several workgroups (vec4 and scalar).
  const sizes = [1, 8, 7, 16400, 4099]; // 4100 vec4 and 4099 f32 units: two workgroups each (4096 units a workgroup)
  const labels = sizes.map((n, i) => `t${i}[${n}]`);

  const run = async (checks: [number, (Float32Array | null)[]][], monitorLabels = labels) => {
    const monitor = new NumericsMonitor(monitorLabels);
    const made: Tensor[] = [];
    for (const [step, arrays] of checks) {
      const ts = arrays.map((a) => (a ? keep(tensor(a, [a.length])) : null));
      made.push(...ts.filter((t): t is Tensor => t !== null));
      monitor.check(step, ts);
    }
    const { fault, value } = await monitor.read();
    monitor.dispose();
    made.forEach((t) => t.dispose());
    expect(value).toBeNull();
    return fault;
  };

  const withValue = (arrays: Float32Array[], k: number, i: number, v: number) => arrays.map((a, j) => (j === k ? Float32Array.from(a, (x, m) => (m === i ? v : x)) : a));

  it('all finite (3.4e38, subnormals, −0 included): no fault', async () => {
    const a = finiteArrays(sizes);
    expect(await run([[0, a], [1, a], [2, a]])).toBeNull();
  });

  it.each([
    ['NaN in one of several', 2, 6, Number.NaN],
    ['+∞ in the last element of a vec4 array spanning workgroups', 3, 16399, Number.POSITIVE_INFINITY],
    ['−∞ in a scalar array spanning workgroups', 4, 4098, Number.NEGATIVE_INFINITY],
    ['NaN in the one-element loss', 0, 0, Number.NaN],
  ])('%s: named at its step, as the reference', async (_, k, i, v) => {
    const clean = finiteArrays(sizes);
    const bad = withValue(clean, k, i, v);
    const checks: [number, Float32Array[]][] = [[0, clean], [1, clean], [2, bad], [3, clean]];
    const fault = await run(checks);
    expect(fault).toEqual(referenceFault(labels, checks));
    expect(fault).toMatchObject({ step: 2, index: k, label: labels[k] });
  });

  it('keeps the first bad step over later ones, names every label bad at it in order, skips null entries', async () => {
    const clean = finiteArrays(sizes);
    const nanIn = (k: number) => withValue(clean, k, 0, Number.NaN);
    const checks: [number, (Float32Array | null)[]][] = [
      [4, nanIn(1)],
      [5, [null, null, clean[2]!, null, clean[4]!]],
      [2, withValue(nanIn(4), 3, 5, Number.POSITIVE_INFINITY)],
      [9, nanIn(0)],
      [3, [null, null, null, withValue(clean, 3, 1, Number.NaN)[3]!, null]],
    ];
    const fault = await run(checks);
    expect(fault).toEqual(referenceFault(labels, checks));
    expect(fault).toEqual({ step: 2, index: 3, label: labels[3], labels: [labels[3], labels[4]] });
  });

  it('more tensors than one dispatch takes: each group lands in its own slots', async () => {
    const many = Array.from({ length: 40 }, (_, i) => new Float32Array(5).fill(i));
    const names = many.map((_, i) => `p${i}`);
    const bad = many.map((a, i) => (i === 37 ? Float32Array.from(a, (x, m) => (m === 4 ? Number.NaN : x)) : a));
    expect(await run([[0, many]], names)).toBeNull();
    expect(await run([[0, many], [1, bad]], names)).toMatchObject({ step: 1, index: 37, label: 'p37', labels: ['p37'] });
  });

  it('brings a one-element tensor along in the same readback', async () => {
    const monitor = new NumericsMonitor(['x']);
    const x = tensor([1, Number.POSITIVE_INFINITY, 3], [3]);
    const loss = tensor([2.5], [1]);
    monitor.check(7, [x]);
    const reads = device().stats().readbacks;
    expect(await monitor.read(loss)).toEqual({ fault: { step: 7, index: 0, label: 'x', labels: ['x'] }, value: 2.5 });
    expect(device().stats().readbacks - reads).toBe(1);
    [monitor, x, loss].forEach((t) => t.dispose());
  });

  it('rejects bad arguments with the function, the argument and what came', async () => {
    const monitor = new NumericsMonitor(['a', 'b']);
    const x = tensor([1, 2], [2]);
    const ints = tensor([1, 2], [2], { dtype: 'int32' });
    expect(() => new NumericsMonitor([])).toThrow(/NumericsMonitor: labels must be a non-empty array of strings, got \[\]/);
    expect(() => monitor.check(0, [x])).toThrow(/NumericsMonitor.check: expected 2 tensors \(one per label, null to skip\), got 1/);
    expect(() => monitor.check(-1, [x, x])).toThrow(/NumericsMonitor.check: step must be an integer in \[0, 4294967294\], got -1/);
    expect(() => monitor.check(1.5, [x, x])).toThrow(/got 1.5/);
    expect(() => monitor.check(0, [x, ints])).toThrow(/NumericsMonitor.check: tensors\[1\] \(b\)/);
    await expect(monitor.read(x)).rejects.toThrow(/NumericsMonitor.read: alongWith must have one element, got shape \[2\]/);
    const gone = tensor([1], [1]);
    gone.dispose();
    expect(() => monitor.check(0, [x, gone])).toThrow(/disposed/);
    [monitor, x, ints].forEach((t) => t.dispose());
  });
});

describe('cl.Strategy checkNumerics', () => {
  const device = useDevice();
  let scenario: cl.scenarios.Scenario;
  beforeAll(async () => { scenario = await cl.scenarios.splitMnist({ setting: 'class', trainPerClass: 8, testPerClass: 2 }); });
  afterAll(() => scenario?.dispose());

  const model = () => {
    const g = new Generator(5);
    // Linear layers only (no ReLU that a huge step could silence): each layer's gradient grows with the others' weights.
    return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 16, { generator: g }), new nn.Linear(16, 16, { generator: g }), new nn.Linear(16, 10, { generator: g }));
  };
  // A sane first experience, then a learning rate that diverges in the second: 1e4 makes the logits
  // overflow within a few steps (the loss goes first), 1e38 sends a weight to ±∞ in the first update.
  const divergingOptimizer = (lr: number) => {
    let experiences = 0;
    return (params: Tensor[]) => new nn.SGD(params, { lr: experiences++ === 0 ? 0.05 : lr });
  };
  const base = { epochs: 2, batchSize: 4, seed: 3 } as const; // 4 steps per epoch

  /**
   * The reference: a run that reads back, after every step, the loss (progressEvery 1) and every
   * gradient (copied by a plugin before zeroGrad) and parameter; the first non-finite one in the order
   * loss, gradients, parameters. Its loss check throws at a non-finite loss before onProgress sees that step.
   */
  async function firstBadByReadback(lr: number, plugins: cl.StrategyPlugin[] = []): Promise<{ experience: number; epoch: number; step: number; what: string; layer: string }> {
    const m = model();
    const names = m.namedParameters().map(([n]) => n);
    let grads: Tensor[] = [];
    const copyGrads: cl.StrategyPlugin = {
      name: 'copy-grads',
      afterBackward: (ctx) => { grads.forEach((g) => g.dispose()); grads = ctx.model.parameters().map((p) => keep(mul(p.grad!, 1))); },
    };
    let found: Awaited<ReturnType<typeof firstBadByReadback>> | null = null;
    let last = { experience: 0, epoch: 0, step: 0 };
    const s = new cl.Strategy({ model: m, optimizer: divergingOptimizer(lr), plugins: [...plugins, copyGrads], ...base, progressEvery: 1, checkNumerics: false });
    const finite = (a: Float32Array) => a.every(Number.isFinite);
    try {
      await s.run(scenario, {
        onProgress: async (p) => {
          last = { experience: p.experience, epoch: p.epoch, step: p.step };
          if (found) return;
          const at = { experience: p.experience, epoch: p.epoch, step: p.step };
          const g = await Promise.all(grads.map((t) => t.data()));
          const w = await Promise.all(m.parameters().map((t) => t.data()));
          const gi = g.findIndex((a) => !finite(a));
          const wi = w.findIndex((a) => !finite(a));
          if (gi >= 0) found = { ...at, what: 'gradient', layer: names[gi]! };
          else if (wi >= 0) found = { ...at, what: 'parameter', layer: names[wi]! };
        },
      });
    } catch (e) {
      expect((e as Error).message).toMatch(/the loss is (NaN|Infinity)/);
      const step = last.step === 4 ? { epoch: last.epoch + 1, step: 1 } : { epoch: last.epoch, step: last.step + 1 };
      found ??= { experience: last.experience, ...step, what: 'loss', layer: 'loss' };
    } finally {
      grads.forEach((g) => g.dispose());
      s.dispose();
      m.dispose();
    }
    return found!;
  }

  // A penalty ‖θ − θ‖ on layer 2's weight at experience 1, step 3: the loss stays finite (0), the gradient (θ − θ)/0 is NaN.
  const nanGradient: cl.StrategyPlugin = {
    name: 'nan-gradient',
    beforeBackward: (ctx) => {
      if (ctx.experience.index !== 1 || ctx.iteration !== 2) return undefined;
      const w = ctx.model.namedParameters().find(([n]) => n === '2.weight')![1];
      return sqrt(sum(square(sub(w, w.detach()))));
    },
  };

  it.each([
    ['1e4', 1e4, [], { step: 3, what: 'loss' }],
    ['1e38', 1e38, [], { step: 1, what: 'parameter' }],
    ['0.05 and a NaN gradient', 0.05, [nanGradient], { step: 3, what: 'gradient', layer: '2.weight' }],
  ])('lr %s: stops the run at the progress interval with the first bad step, value and layer, as a run reading every step back', async (_, lr, plugins, site) => {
    const expected = await firstBadByReadback(lr, plugins);
    expect(expected).toMatchObject({ experience: 1, epoch: 0, ...site });
    const before = device().liveTensors;
    const m = model();
    const s = new cl.Strategy({ model: m, optimizer: divergingOptimizer(lr), plugins, ...base, progressEvery: 100 });
    const error = await s.run(scenario).catch((e: unknown) => e);
    s.dispose();
    m.dispose();
    expect(device().liveTensors).toBe(before);
    expect(error).toBeInstanceOf(NumericsError);
    const e = error as NumericsError;
    expect({ experience: e.experience, epoch: e.epoch, step: e.step, what: e.what, layer: e.layer }).toEqual(expected);
    const name = e.what === 'loss' ? 'the loss' : e.what === 'gradient' ? `the gradient of ${e.layer}` : `the parameter ${e.layer} after the optimizer step`;
    expect(e.message).toContain(`training diverged (method ${s.method}): the first NaN or ±∞ is in ${name}`);
    expect(e.message).toContain(`at experience 1 (${scenario.experiences[1]!.name}), epoch ${e.epoch + 1}/2, step ${e.step}/4`);
  });

  it('with checkNumerics off the run trains on past the first bad step; only the loss check stops it', async () => {
    const expected = await firstBadByReadback(1e4);
    const m = model();
    const s = new cl.Strategy({ model: m, optimizer: divergingOptimizer(1e4), ...base, progressEvery: 100, checkNumerics: false });
    const error = await s.run(scenario).catch((e: unknown) => e);
    s.dispose();
    m.dispose();
    expect(error).not.toBeInstanceOf(NumericsError);
    // the epoch's last step, where the loss is read: later than the first bad step
    expect((error as Error).message).toMatch(/the loss is (NaN|Infinity) at experience 1 \(.*\), epoch \d\/2, step 4\/4/);
    expect(expected.step).toBeLessThan(4);
  });
});
