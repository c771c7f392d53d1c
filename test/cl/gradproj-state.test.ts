/**
 * Gradient-projection layer state that must never go silently wrong (issue #18 §3). A post-projected
 * step keeps θ = θ₀ − D·P; each test below is a way that invariant used to break without a word:
 * a new projector with the old θ₀ and D, an lr schedule, a write into θ from elsewhere, a momentum
 * that did nothing, clones and loaded states sharing tensors, and the fused conv+pool path skipping
 * GradientProjection's hook.
 *
 * Every step is checked against its definition: θ ← θ − lr·g·P for the gradient g of that step and
 * the layer's projector P, computed in float64 from θ, g and P read back before the step. A float32
 * step rounds θ (|θ| ≲ 1) and D·P to ~1e-7 relative: 1e-5 absolute is ample and far below the errors
 * these tests catch (≥ 1e-2).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { GPM, GradProjLinear, LowPlasticity, NullSpace, type GradProjLayer } from '../../index.js';
import { GradientProjection } from '../../cl/gradproj/gradient-projection.js';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, SGD, Sequential, crossEntropy, io } from '../../nn/index.js';
import { useDevice } from '../helpers/device.js';
import { rotatedPair } from '../helpers/mnist-sample.js';
import { expectClose, randomArray } from '../helpers/numeric.js';

const ROWS = 8;
const TOL = { atol: 1e-5 };

/**
 * The three projected steps a GradProjLinear takes: the fused single-dispatch step (a small weight),
 * the factored step (R = 8 input rows < 40 output rows) and adjust + GEMM (the same rows as a batch
 * [2, 4, 48], whose gradient keeps no factors).
 */
const PATHS = [
  { path: 'fused', inDim: 16, out: 10, batch: (x: wc.Tensor) => x },
  { path: 'factored', inDim: 48, out: 40, batch: (x: wc.Tensor) => x },
  { path: 'GEMM', inDim: 48, out: 40, batch: (x: wc.Tensor) => wc.reshape(x, [2, 4, 48]) },
] as const;
type Path = (typeof PATHS)[number];

/** Task-1 inputs span the first half of the input space only; task-2 inputs span all of it. */
function taskData(inDim: number, out: number) {
  const half = Float32Array.from(randomArray(ROWS * inDim, 11), (v, k) => (k % inDim < inDim / 2 ? v : 0));
  return {
    x1: wc.keep(wc.tensor(half, [ROWS, inDim])),
    x2: wc.keep(wc.tensor(randomArray(ROWS * inDim, 12), [ROWS, inDim])),
    labels: wc.keep(wc.tensor(Array.from({ length: ROWS }, (_, i) => (i * 7) % out), [ROWS], { dtype: 'int32' })),
  };
}

function backward(layer: GradProjLayer, p: Path, x: wc.Tensor, labels: wc.Tensor): void {
  wc.tidy(() => crossEntropy(wc.reshape(layer.forward(p.batch(x)), [ROWS, p.out]), labels).backward());
}

function train(layer: GradProjLayer, p: Path, x: wc.Tensor, labels: wc.Tensor, steps: number, lr: number): void {
  for (let s = 0; s < steps; s++) {
    backward(layer, p, x, labels);
    layer.sgdStep({ lr });
  }
}

/** θ − lr·g·P in float64 from the layer's current θ, gradient and projector (none: P = I). */
async function expectedStep(layer: GradProjLayer, lr: number): Promise<Float64Array> {
  const theta = await layer.weight.toArray();
  const g = await layer.weight.grad!.toArray();
  const P = layer.projector ? await layer.projector.toArray() : null;
  const d = layer.inDim;
  return Float64Array.from(theta, (v, k) => {
    const [o, j] = [Math.floor(k / d), k % d];
    let gp = 0;
    for (let i = 0; i < d; i++) gp += g[o * d + i]! * (P ? P[i * d + j]! : i === j ? 1 : 0);
    return v - lr * gp;
  });
}

/** One backward and sgdStep, checked against θ ← θ − lr·g·P. */
async function checkedStep(layer: GradProjLayer, p: Path, x: wc.Tensor, labels: wc.Tensor, lr: number, what: string): Promise<void> {
  backward(layer, p, x, labels);
  const want = await expectedStep(layer, lr);
  layer.sgdStep({ lr });
  expectClose(await layer.weight.toArray(), want, TOL, what);
}

/** A layer after task 1 (trained from a snapshot, then its projector computed on task 1's inputs). */
async function afterTaskOne(p: Path, data: ReturnType<typeof taskData>, calc = () => new LowPlasticity() as NullSpace | LowPlasticity | GPM) {
  const layer = new GradProjLinear(p.inDim, p.out, calc(), { generator: new wc.Generator(4) });
  layer.takeSnapshot();
  train(layer, p, data.x1, data.labels, 5, 0.5);
  await wc.projComputation(layer, () => { wc.tidy(() => { layer.forward(data.x1); }); });
  return layer;
}

describe('gradient-projection layer state', () => {
  useDevice();

  for (const p of PATHS) {
    describe(`${p.path} step`, () => {
      let data: ReturnType<typeof taskData>;
      beforeAll(() => { data = taskData(p.inDim, p.out); });

      // Task 1's inputs span half the space: LowPlasticity's P is the other half, so task-2 steps
      // leave task-1 outputs unchanged up to rounding. Before the fix the first task-2 step without
      // takeSnapshot() set θ = θ₀ − lr·D·P from task 1's θ₀ and D: task 1's training undone.
      it('a new projector starts a new task: no takeSnapshot() needed to keep old outputs', async () => {
        const layer = await afterTaskOne(p, data);
        const before = await wc.noGrad(() => layer.forward(data.x1)).toArray();
        await checkedStep(layer, p, data.x2, data.labels, 0.5, 'first task-2 step');
        const after = await wc.noGrad(() => layer.forward(data.x1)).toArray();
        expectClose(after, before, { atol: 1e-5 }, 'task-1 outputs after a task-2 step');
        expect(layer.stepCount).toBe(1);
        layer.dispose();
      });

      // D accumulates lr·g: a step at a new lr moves θ by that step's lr·g·P alone. Before, D summed
      // g and θ = θ₀ − lr·D·P rescaled all 30 earlier steps (a halving lr moved θ halfway back).
      it('an lr schedule moves θ by each step’s lr·g·P', async () => {
        const layer = await afterTaskOne(p, data);
        train(layer, p, data.x2, data.labels, 30, 0.1);
        await checkedStep(layer, p, data.x2, data.labels, 0.05, 'step at lr 0.05 after 30 at 0.1');
        await checkedStep(layer, p, data.x2, data.labels, 0.2, 'then one at lr 0.2');
        layer.dispose();
      });

      it('an lr schedule on the first task (no projector) too', async () => {
        const layer = new GradProjLinear(p.inDim, p.out, new NullSpace(), { generator: new wc.Generator(4) });
        train(layer, p, data.x1, data.labels, 30, 0.1);
        await checkedStep(layer, p, data.x1, data.labels, 0.05, 'unprojected step at lr 0.05 after 30 at 0.1');
        layer.dispose();
      });

      // Before, the next step recomputed θ from θ₀ and D and undid the write.
      const writes: [string, (layer: GradProjLayer) => Promise<void> | void][] = [
        ['randomStep', (layer) => layer.randomStep(0.3, { generator: new wc.Generator(9) })],
        ['loadStateDict', (layer) => {
          layer.loadStateDict({ weight: { data: Float32Array.from(randomArray(p.out * p.inDim, 13)), shape: [p.out, p.inDim], dtype: 'float32' } });
        }],
        ['another optimizer', (layer) => {
          backward(layer, p, data.x2, data.labels);
          const sgd = new SGD([layer.weight], { lr: 0.5 });
          sgd.step();
          sgd.zeroGrad();
          sgd.dispose();
        }],
      ];
      for (const [name, write] of writes) {
        it(`a write into θ mid-task (${name}) is kept: the next step moves θ from there`, async () => {
          const layer = await afterTaskOne(p, data);
          train(layer, p, data.x2, data.labels, 3, 0.2);
          await write(layer);
          await checkedStep(layer, p, data.x2, data.labels, 0.2, `first step after ${name}`);
          await checkedStep(layer, p, data.x2, data.labels, 0.2, `second step after ${name}`);
          layer.dispose();
        });
      }

      // Classic steps keep A = a in D's buffer; back in post-projection the step must re-base.
      it('classic steps in between (postProj(false), then back) are kept', async () => {
        const layer = await afterTaskOne(p, data);
        train(layer, p, data.x2, data.labels, 2, 0.2);
        layer.postProj(false);
        await checkedStep(layer, p, data.x2, data.labels, 0.2, 'classic step');
        layer.postProj(true);
        await checkedStep(layer, p, data.x2, data.labels, 0.2, 'post step after a classic one');
        layer.dispose();
      });

      // A shared calculator, projector and step state: the copy's steps moved the original's θ₀ and
      // D, and disposing the copy freed the original's projector.
      it('clone() is independent: its own calculator, projector and step state', async () => {
        const layer = await afterTaskOne(p, data, () => new NullSpace({ R: 0.2 }));
        train(layer, p, data.x2, data.labels, 2, 0.2);
        const copy = layer.clone();
        expect(copy.calculator).not.toBe(layer.calculator);
        expect(copy.projector).not.toBe(layer.projector);
        expectClose(await copy.projector!.toArray(), await layer.projector!.toArray(), { atol: 0 }, 'copied projector');
        await checkedStep(copy, p, data.x2, data.labels, 0.2, 'the copy steps from its own θ');
        train(copy, p, data.x1, data.labels, 3, 0.5);
        await wc.projComputation(copy, () => { wc.tidy(() => { copy.forward(data.x2); }); });
        copy.dispose();
        await checkedStep(layer, p, data.x2, data.labels, 0.2, 'the original after its copy stepped and was disposed');
        expect(layer.calculator.state().record.count).toBe(ROWS);
        layer.dispose();
      });

      // Before, the layer kept the source's tensors: two layers shared θ₀ and D, a layer loading its
      // own state disposed it first (DisposedError), and host tensors failed as weak-map keys.
      it('loadGradProjState copies: from another layer, from itself, from host tensors (nn.io)', async () => {
        const source = await afterTaskOne(p, data, () => new NullSpace({ R: 0.2 }));
        train(source, p, data.x2, data.labels, 2, 0.2);
        const state = source.gradProjState();
        const host = {
          tensors: await io.toHost(state.tensors), record: state.record,
          calculator: { tensors: await io.toHost(state.calculator.tensors), record: state.calculator.record },
        };
        const [fromGpu, fromHost] = [0, 1].map(() => new GradProjLinear(p.inDim, p.out, new NullSpace({ R: 0.2 })));
        for (const [layer, s] of [[fromGpu, state], [fromHost, host]] as const) {
          layer!.loadStateDict(source.stateDict());
          layer!.loadGradProjState(s);
        }
        source.loadGradProjState(source.gradProjState());
        for (const layer of [fromGpu!, fromHost!, source]) await checkedStep(layer, p, data.x2, data.labels, 0.2, 'step after loading');
        // The same gradient steps every copy alike; the others do not move the source's θ₀ and D.
        const [a, b, c] = await Promise.all([source, fromGpu!, fromHost!].map((l) => l.weight.toArray()));
        expectClose(b!, a!, TOL, 'loaded from GPU tensors vs source');
        expectClose(c!, a!, TOL, 'loaded from host tensors vs source');
        fromGpu!.dispose();
        await checkedStep(source, p, data.x2, data.labels, 0.2, 'source after a loaded copy was disposed');
        for (const layer of [source, fromHost!]) {
          await wc.projComputation(layer, () => { wc.tidy(() => { layer.forward(data.x2); }); });
          expect(layer.calculator.state().record.count).toBe(2 * ROWS);
          layer.dispose();
        }
      });
    });
  }

  it('clone() of a model holding projection layers gives each copied layer its own state', async () => {
    const p = PATHS[0];
    const data = taskData(p.inDim, p.out);
    const layer = await afterTaskOne(p, data, () => new NullSpace({ R: 0.2 }));
    const net = new Sequential(layer);
    const copy = net.clone();
    const inner = copy.layers[0] as GradProjLayer;
    expect(inner.calculator).not.toBe(layer.calculator);
    expect(inner.projector).not.toBe(layer.projector);
    await checkedStep(inner, p, data.x2, data.labels, 0.2, 'the copied layer steps from its own θ');
    copy.dispose();
    await checkedStep(layer, p, data.x2, data.labels, 0.2, 'the original after the copied model was disposed');
    net.dispose();
  });

  // Heavy-ball momentum on D does not commute with the factored step; post-projection is orthocl's
  // momentum-free update. Before, the option was accepted and ignored.
  it('sgdStep rejects momentum in post-projection mode and names what is supported', async () => {
    const p = PATHS[1];
    const data = taskData(p.inDim, p.out);
    const layer = await afterTaskOne(p, data);
    backward(layer, p, data.x2, data.labels);
    expect(() => layer.sgdStep({ lr: 0.1, momentum: 0.9 })).toThrow(new RangeError('GradProjLinear.sgdStep: options.momentum 0.9 needs the classic update (postProj(false)); post-projection supports momentum 0'));
    await checkedStep(layer, p, data.x2, data.labels, 0.1, 'momentum 0 still steps');
    layer.postProj(false);
    backward(layer, p, data.x2, data.labels);
    expect(() => layer.sgdStep({ lr: 0.1, momentum: 0.9 })).not.toThrow();
    layer.dispose();
  });

  it('GPM and NullSpace load their own state (and host copies of it)', async () => {
    const x = wc.keep(wc.tensor(randomArray(32 * 12, 3), [32, 12]));
    for (const calc of [new GPM({ R: 0.1 }), new NullSpace({ R: 0.1 })]) {
      calc.registerInput(x);
      const P = await calc.computeProjection();
      calc.loadState(calc.state());
      const host = calc.state();
      calc.loadState({ tensors: await io.toHost(host.tensors), record: host.record });
      calc.registerInput(x);
      const Q = await calc.computeProjection();
      expect(Q.shape).toEqual([12, 12]);
      const R = calc instanceof GPM ? calc.projector() : null;
      if (R) expectClose(await R.toArray(), await Q.toArray(), { atol: 0 }, 'GPM projector');
      [P, Q, R].forEach((t) => t?.dispose());
      calc.dispose();
    }
    x.dispose();
  });

  // Sequential runs Conv2d + a tiling MaxPool2d as one fused kernel, past the layer's forward that
  // collect() hooked: before, the conv's calculator saw nothing ("no inputs were registered").
  it('GradientProjection.collect sees a convolution that Sequential fuses with its max pool', async () => {
    const { x1 } = await rotatedPair(2);
    const make = (pool: boolean) => {
      const generator = new wc.Generator(2);
      const conv = new Conv2d(1, 3, 3, { padding: 1, generator });
      const tail = [new MaxPool2d(2), new Flatten(), new Linear(3 * 14 * 14, 10, { generator })];
      return new Sequential(conv, ...(pool ? tail : [new ReLU(), ...tail]));
    };
    const [fused, plain] = [make(true), make(false)];
    const forwardDispatches = () => {
      const start = wc.getDevice().stats().dispatches;
      wc.tidy(() => { wc.noGrad(() => fused.forward(x1)); });
      return wc.getDevice().stats().dispatches - start;
    };
    const fusedDispatches = forwardDispatches();
    const projectors: ArrayLike<number>[] = [];
    for (const net of [fused, plain]) {
      const gp = new GradientProjection(net, { calculator: () => new NullSpace({ R: 0.1 }) });
      await gp.collect(() => { wc.tidy(() => { net.forward(x1); }); });
      projectors.push(await gp.projectors[0]!.toArray());
      gp.dispose();
    }
    expectClose(projectors[0]!, projectors[1]!, { atol: 1e-5 }, 'conv projector: fused vs unfused net');
    expect(forwardDispatches(), 'the fused path is back once collect() is over').toBe(fusedDispatches);
    fused.dispose(); plain.dispose(); x1.dispose();
  });
});
