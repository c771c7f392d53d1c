/** Optimizer API: checkpoints of state (round trip, errors), argument checks, zeroGrad, lr changes. */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { useDevice } from '../helpers/device.js';
import { randomArray, toF32 } from '../helpers/numeric.js';

const { nn } = wc;
const SHAPES = [[4, 3], [3], [1]];

function makeParams(seed: number): wc.Tensor[] {
  return SHAPES.map((s, k) => wc.tensor(toF32(randomArray(s.reduce((a, b) => a * b, 1), seed + k)), s, { requiresGrad: true }));
}

/** Sets p.grad to a fixed pseudo-random gradient for `step`. */
function setGrads(params: wc.Tensor[], step: number): void {
  params.forEach((p, k) => {
    p.grad?.dispose();
    p.grad = wc.keep(wc.tensor(toF32(randomArray(p.size, 1000 * step + k)), p.shape));
  });
}

const snapshot = (ps: wc.Tensor[]) => Promise.all(ps.map(async (p) => Array.from(await p.toArray())));

describe('optimizers: state and API', () => {
  useDevice();

  const builders: [string, (ps: wc.Tensor[]) => wc.nn.Optimizer][] = [
    ['SGD', (ps) => new nn.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true })],
    ['Adam', (ps) => new nn.Adam(ps, { lr: 0.01, weightDecay: 0.01 })],
    ['RMSprop', (ps) => new nn.RMSprop(ps, { lr: 0.01, momentum: 0.5 })],
  ];
  for (const [name, build] of builders) {
    it(`${name}: state() → encode → decode → loadState resumes bit for bit`, async () => {
      const a = makeParams(1);
      const optA = build(a);
      for (let s = 0; s < 3; s++) { setGrads(a, s); optA.step(); }
      const { tensors, record } = optA.state();
      expect(record.type).toBe(name);
      expect(record.steps).toEqual([3, 3, 3]);
      const saved = nn.io.decode(await nn.io.encode(tensors, record));

      // A second run: the same parameter values, a fresh optimizer, then the saved state.
      const b = await Promise.all(a.map(async (p) => wc.tensor(await p.toArray(), p.shape, { requiresGrad: true })));
      const optB = build(b);
      optB.lr = 123; // restored from the record
      optB.loadState({ tensors: saved.tensors, record: saved.meta as wc.nn.OptimizerRecord });
      expect(optB.lr).toBe(optA.lr);
      for (let s = 3; s < 5; s++) {
        setGrads(a, s); optA.step();
        setGrads(b, s); optB.step();
      }
      expect(await snapshot(b)).toEqual(await snapshot(a));
      optA.dispose(); optB.dispose();
      [...a, ...b].forEach((p) => p.dispose());
    });
  }

  it('loadState checks everything before changing anything', () => {
    const ps = makeParams(3);
    const opt = new nn.SGD(ps, { lr: 0.1, momentum: 0.9 });
    setGrads(ps, 0);
    opt.step();
    const good = opt.state();
    const other = new nn.SGD(ps, { lr: 0.1, momentum: 0.5 });
    expect(() => other.loadState(good)).toThrow('SGD.loadState: momentum is 0.5 here but 0.9 in the state; build the optimizer with the saved hyperparameters');
    const adam = new nn.Adam(ps);
    expect(() => adam.loadState(good)).toThrow('Adam.loadState: the state is for SGD, not Adam');
    const fresh = new nn.SGD(ps, { lr: 0.1, momentum: 0.9 });
    expect(() => fresh.loadState({ ...good, record: { ...good.record, steps: [1, 1] } })).toThrow('SGD.loadState: the state has step counts [1,1], expected 3 non-negative integers (one per parameter)');
    const missing = { ...good.tensors };
    delete missing['1.momentumBuffer'];
    expect(() => fresh.loadState({ tensors: missing, record: good.record })).toThrow("SGD.loadState: missing state tensor '1.momentumBuffer'");
    const wrong = { ...good.tensors, '0.momentumBuffer': wc.zeros([3, 4]) };
    expect(() => fresh.loadState({ tensors: wrong, record: good.record })).toThrow("SGD.loadState: shape mismatch for '0.momentumBuffer': the state has [3, 4], the target has [4, 3]");
    expect(() => fresh.loadState({ tensors: { ...good.tensors, extra: wc.zeros([1]) }, record: good.record })).toThrow('SGD.loadState: unexpected state tensors: extra');
    expect(fresh.state().record.steps).toEqual([0, 0, 0]); // untouched by the failed loads
    [opt, other, adam, fresh].forEach((o) => o.dispose());
    ps.forEach((p) => p.dispose());
  });

  it('constructors check their arguments', () => {
    const ps = makeParams(4);
    expect(() => new nn.SGD([], { lr: 0.1 })).toThrow('SGD: got an empty parameter list');
    expect(() => new nn.SGD([ps[0]!, ps[0]!], { lr: 0.1 })).toThrow('SGD: parameter 1 appears twice in the list (it would be updated twice per step)');
    expect(() => new nn.SGD(ps, { lr: -1 })).toThrow(new RangeError('SGD: options.lr must be a number ≥ 0, got -1'));
    expect(() => new nn.SGD(ps, { lr: 0.1, nesterov: true })).toThrow('SGD: nesterov needs momentum > 0 and dampening = 0, got momentum 0, dampening 0');
    expect(() => new nn.Adam(ps, { betas: [0.9, 1] })).toThrow(new RangeError('Adam: options.betas[1] must be a number in [0, 1), got 1'));
    expect(() => new nn.RMSprop(ps, { alpha: -0.1 })).toThrow(new RangeError('RMSprop: options.alpha must be a number in [0, 1], got -0.1'));
    expect(() => new nn.SGD([wc.zeros([2], { dtype: 'int32' })], { lr: 1 })).toThrow('SGD: parameter 0 must be float32, got int32');
    ps.forEach((p) => p.dispose());
  });

  it('missing, mistyped or misspelt options name the optimizer, the option, what was expected and what came', () => {
    const ps = makeParams(6);
    const bad = <T>(v: unknown) => v as T;
    expect(() => new nn.SGD(ps, bad(undefined))).toThrow(new TypeError('SGD: options.lr is required (a number ≥ 0), got undefined'));
    expect(() => new nn.SGD(ps, bad({ momentum: 0.9 }))).toThrow(new TypeError('SGD: options.lr is required (a number ≥ 0), got undefined'));
    expect(() => new nn.SGD(ps, bad({ lr: '0.1' }))).toThrow(new TypeError('SGD: options.lr must be a number ≥ 0, got string "0.1"'));
    expect(() => new nn.SGD(ps, bad(0.1))).toThrow(new TypeError('SGD: options must be an object, got number 0.1'));
    expect(() => new nn.SGD(ps, bad({ lr: 0.1, weight_decay: 0.01 }))).toThrow(new TypeError("SGD: unknown option 'weight_decay'; the options are lr, momentum, dampening, weightDecay, nesterov"));
    expect(() => new nn.SGD(ps, { lr: 0.1, momentum: NaN })).toThrow(new RangeError('SGD: options.momentum must be a number ≥ 0, got NaN'));
    expect(() => new nn.SGD(ps, { lr: Infinity })).toThrow(new RangeError('SGD: options.lr must be a finite number ≥ 0, got Infinity'));
    expect(() => new nn.SGD(ps, bad({ lr: 0.1, momentum: 0.9, nesterov: 'yes' }))).toThrow(new TypeError('SGD: options.nesterov must be a boolean, got string "yes"'));
    expect(() => new nn.SGD(bad(undefined), { lr: 0.1 })).toThrow(new TypeError('SGD: params must be a list of Tensors (such as model.parameters()), got undefined'));
    expect(() => new nn.SGD(bad([ps[0], [1, 2]]), { lr: 0.1 })).toThrow(new TypeError('SGD: parameter 1 must be a Tensor, got an array'));
    expect(() => new nn.Adam(ps, bad({ lr: '1e-3' }))).toThrow(new TypeError('Adam: options.lr must be a number ≥ 0, got string "1e-3"'));
    expect(() => new nn.Adam(ps, bad({ betas: 0.9 }))).toThrow(new TypeError('Adam: options.betas must be a pair [beta1, beta2], got number 0.9'));
    expect(() => new nn.Adam(ps, bad({ beta1: 0.9 }))).toThrow(new TypeError("Adam: unknown option 'beta1'; the options are lr, betas, eps, weightDecay"));
    expect(() => new nn.RMSprop(ps, bad({ lr: 0.01, eps: '1e-8' }))).toThrow(new TypeError('RMSprop: options.eps must be a number ≥ 0, got string "1e-8"'));
    expect(() => new nn.RMSprop(ps, bad({ lr: 0.01, decay: 0.9 }))).toThrow(new TypeError("RMSprop: unknown option 'decay'; the options are lr, alpha, eps, momentum, weightDecay"));
    const opt = new nn.SGD(ps, { lr: 0.1 });
    expect(() => { opt.lr = bad('0.2'); }).toThrow(new TypeError('SGD: lr must be a number ≥ 0, got string "0.2"'));
    expect(opt.lr).toBe(0.1);
    opt.dispose();
    ps.forEach((p) => p.dispose());
  });

  it('zeroGrad frees gradients; a parameter without a gradient is left alone; lr changes apply at once', async () => {
    const ps = makeParams(5);
    const opt = new nn.SGD(ps, { lr: 1 });
    setGrads(ps, 0);
    opt.zeroGrad();
    expect(ps.every((p) => p.grad === null)).toBe(true);
    const before = await snapshot(ps);
    opt.step();
    expect(await snapshot(ps)).toEqual(before);
    // p ← p − lr·g with g = 1 and lr = 0.5: lr·g is exact, so the result is the one rounding fl(p − 0.5).
    ps.forEach((p) => { p.grad = wc.keep(wc.onesLike(p)); });
    opt.lr = 0.5;
    opt.step();
    const after = await snapshot(ps);
    after.forEach((v, k) => v.forEach((x, i) => expect(x).toBe(Math.fround(before[k]![i]! - 0.5))));
    opt.dispose();
    ps.forEach((p) => p.dispose());
  });
});
