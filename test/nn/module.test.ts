/** Module: registration by assignment, names, state dicts, clone, modes, gradients, disposal. */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { useDevice } from '../helpers/device.js';

const { nn } = wc;

class MLP extends nn.Module {
  fc1 = new nn.Linear(5, 4);
  act = new nn.ReLU();
  fc2 = new nn.Linear(4, 3);
  scale = 2; // configuration, not a parameter
  forward(x: wc.Tensor): wc.Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x)));
  }
}

/** A layer with its own parameter, a buffer and an unmarked tensor. */
class Scaled extends nn.Module {
  gain = nn.parameter(wc.ones([3]));
  count = nn.buffer(wc.zeros([1]));
  constant = wc.full([3], 7);
  forward(x: wc.Tensor): wc.Tensor {
    return wc.mul(x, this.gain);
  }
}

const values = async (t: wc.Tensor) => Array.from(await t.toArray());

describe('Module', () => {
  const device = useDevice();

  it('names parameters like PyTorch: properties, Sequential indices, lists', () => {
    const mlp = new MLP();
    expect(mlp.namedParameters().map(([n]) => n)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    const seq = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2, { bias: false }));
    expect(seq.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['0.weight', [4, 3]], ['0.bias', [4]], ['2.weight', [2, 4]]]);
    const heads = nn.MultiHead.linear(4, [2, 3]);
    expect(heads.namedParameters().map(([n]) => n)).toEqual(['heads.0.weight', 'heads.0.bias', 'heads.1.weight', 'heads.1.bias']);
    const s = new Scaled();
    expect(s.namedParameters().map(([n]) => n)).toEqual(['gain']);
    expect(s.namedBuffers().map(([n]) => n)).toEqual(['count']);
    expect(Object.keys(s.stateDict())).toEqual(['gain', 'count']);
    expect(seq.namedModules().map(([n]) => n)).toEqual(['', '0', '1', '2']);
    for (const m of [mlp, seq, heads, s]) m.dispose();
    s.constant.dispose();
  });

  it('lists a parameter shared by two layers once', () => {
    const a = new nn.Linear(2, 2);
    const seq = new nn.Sequential(a, a);
    expect(seq.parameters()).toHaveLength(2);
    seq.dispose();
  });

  it('keeps parameters when built inside tidy', async () => {
    const m = wc.tidy(() => new MLP());
    expect(m.parameters().every((p) => !p.disposed && p.requiresGrad)).toBe(true);
    const y = m.forward(wc.ones([2, 5]));
    expect(y.shape).toEqual([2, 3]);
    y.dispose();
    m.dispose();
  });

  it('train() and eval() reach every descendant', () => {
    const seq = new nn.Sequential(new nn.Dropout(0.5), new nn.Sequential(new nn.Dropout(0.1)));
    seq.eval();
    expect(seq.modules().map((m) => m.training)).toEqual([false, false, false, false]);
    seq.train();
    expect(seq.modules().every((m) => m.training)).toBe(true);
  });

  it('loadStateDict copies values and round-trips through host tensors', async () => {
    const a = new MLP();
    const b = new MLP();
    b.loadStateDict(a.stateDict());
    for (const [[na, pa], [nb, pb]] of a.namedParameters().map((e, i) => [e, b.namedParameters()[i]!] as const)) {
      expect(nb).toBe(na);
      expect(await values(pb)).toEqual(await values(pa));
    }
    const host = await nn.io.toHost(a.stateDict());
    const c = new MLP();
    c.loadStateDict(host);
    expect(await values(c.fc2.weight)).toEqual(await values(a.fc2.weight));
    for (const m of [a, b, c]) m.dispose();
  });

  it('loadStateDict errors name missing and unexpected keys and both shapes; nothing is copied', async () => {
    const m = new nn.Sequential(new nn.Linear(3, 4), new nn.Linear(4, 2));
    const before = await values(m.parameters()[0]!);
    const other = new nn.Sequential(new nn.Linear(3, 4), new nn.Linear(4, 5));
    expect(() => m.loadStateDict(other.stateDict())).toThrow("loadStateDict: shape mismatch for '1.weight': the state has [5, 4], the target has [2, 4]");
    expect(await values(m.parameters()[0]!)).toEqual(before); // '0.weight' was not copied before the check failed
    const sd = { ...m.stateDict(), extra: wc.zeros([1]) } as Record<string, wc.Tensor>;
    delete sd['1.bias'];
    expect(() => m.loadStateDict(sd)).toThrow('loadStateDict: missing keys: 1.bias; unexpected keys: extra');
    expect(m.loadStateDict(sd, { strict: false })).toEqual({ missingKeys: ['1.bias'], unexpectedKeys: ['extra'] });
    const ints = { ...m.stateDict(), '1.bias': wc.zeros([2], { dtype: 'int32' }) };
    expect(() => m.loadStateDict(ints)).toThrow("loadStateDict: dtype mismatch for '1.bias': the state has int32, the target has float32");
    m.dispose();
    other.dispose();
  });

  it('clone() is a deep, independent copy of the same class', async () => {
    const m = new MLP();
    const c = m.clone();
    expect(c).toBeInstanceOf(MLP);
    expect(c.scale).toBe(2);
    expect(c.fc1).not.toBe(m.fc1);
    expect(c.fc1.weight).not.toBe(m.fc1.weight);
    expect(c.namedParameters().map(([n]) => n)).toEqual(m.namedParameters().map(([n]) => n));
    const original = await values(m.fc1.weight);
    expect(await values(c.fc1.weight)).toEqual(original);
    // Training the clone leaves the original alone, and disposing the clone frees only its tensors.
    const opt = new nn.SGD(c.parameters(), { lr: 0.5 });
    wc.tidy(() => wc.sum(c.forward(wc.ones([2, 5]))).backward());
    opt.step();
    expect(await values(c.fc1.weight)).not.toEqual(original);
    expect(await values(m.fc1.weight)).toEqual(original);
    c.dispose();
    expect(await values(m.fc1.weight)).toEqual(original);
    m.dispose();
  });

  it('clone() copies buffers, keeps frozen parameters frozen, and works inside tidy', async () => {
    const s = new Scaled();
    s.gain.requiresGrad = false;
    const c = wc.tidy(() => s.clone());
    expect(c.namedBuffers().map(([n]) => n)).toEqual(['count']);
    expect(c.count).not.toBe(s.count);
    expect(c.gain.requiresGrad).toBe(false);
    expect(c.gain.disposed).toBe(false);
    expect(c.constant).toBe(s.constant); // unmarked tensors are configuration: shared
    s.dispose();
    c.dispose();
    s.constant.dispose();
  });

  it('zeroGrad frees gradients; requiresGrad_ freezes; dispose frees every tensor', async () => {
    const live = device().stats().liveTensors;
    const m = new MLP();
    wc.tidy(() => wc.sum(m.forward(wc.ones([1, 5]))).backward());
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
    m.requiresGrad_(false);
    expect(m.parameters().some((p) => p.requiresGrad)).toBe(false);
    m.dispose();
    expect(device().stats().liveTensors).toBe(live);
  });
});
