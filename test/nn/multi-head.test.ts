/**
 * nn.MultiHead: one Linear head per task. select(t) routes forward to head t (the same values as
 * that head's own forward) and only head t gets gradients; selectAll() concatenates every head's
 * logits; parameters are registered as heads.0.weight, …; errors name the argument and the range.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { useDevice } from '../helpers/device.js';

const { nn } = wc;
type Linear = InstanceType<typeof nn.Linear>;

const values = async (t: wc.Tensor) => Array.from(await t.toArray());

describe('nn.MultiHead', () => {
  const device = useDevice();

  it('builds `heads` Linear heads registered as heads.<t>.weight / .bias, initialised from the generator', async () => {
    const base = device().stats().liveTensors;
    const m = new nn.MultiHead(4, 3, 2, { generator: new wc.Generator(7) });
    expect(m.heads).toHaveLength(3);
    expect(m.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['heads.0.weight', [2, 4]], ['heads.0.bias', [2]],
      ['heads.1.weight', [2, 4]], ['heads.1.bias', [2]],
      ['heads.2.weight', [2, 4]], ['heads.2.bias', [2]],
    ]);
    expect(Object.keys(m.stateDict())).toHaveLength(6);
    expect(m.parameters().every((p) => p.requiresGrad)).toBe(true);
    // The same generator seed gives the same heads; the heads differ from one another.
    const again = new nn.MultiHead(4, 3, 2, { generator: new wc.Generator(7) });
    const sd = m.stateDict(), sd2 = again.stateDict();
    for (const k of Object.keys(sd)) expect(await values(sd2[k]!)).toEqual(await values(sd[k]!));
    expect(await values(sd['heads.1.weight']!)).not.toEqual(await values(sd['heads.0.weight']!));
    // Like Linear(4, 2) drawn from the same stream: Kaiming-uniform weights in ±1/√4.
    const ref = new nn.Linear(4, 2, { generator: new wc.Generator(7) });
    expect(await values(sd['heads.0.weight']!)).toEqual(await values(ref.weight));
    expect(await values(sd['heads.0.bias']!)).toEqual(await values(ref.bias!));
    for (const x of [m, again, ref]) x.dispose();
    expect(device().stats().liveTensors).toBe(base);
  });

  it('select(t) runs head t only: its own forward values, gradients into head t alone', async () => {
    const m = new nn.MultiHead(3, 3, 2);
    const heads = m.heads as Linear[];
    const x = wc.tensor(Float32Array.from({ length: 15 }, (_, i) => Math.sin(i)), [5, 3]);
    expect(m.selected).toBe(0);
    for (const t of [2, 0, 1]) {
      expect(m.select(t)).toBe(m);
      expect(m.selected).toBe(t);
      const y = m.forward(x);
      expect(y.shape).toEqual([5, 2]);
      expect(await values(y)).toEqual(await values(heads[t]!.forward(x)));
    }
    m.select(1);
    wc.tidy(() => wc.sum(m.forward(x)).backward());
    expect(heads.map((h) => [h.weight.grad !== null, h.bias!.grad !== null])).toEqual([[false, false], [true, true], [false, false]]);
    // d Σ(x Wᵀ + b) / d b = the batch size for every output.
    expect(await values(heads[1]!.bias!.grad!)).toEqual([5, 5]);
    m.zeroGrad();
    // forward(x, t) picks a head for one call, whatever is selected.
    expect(await values(m.forward(x, 2))).toEqual(await values(heads[2]!.forward(x)));
    expect(m.selected).toBe(1);
    x.dispose();
    m.dispose();
  });

  it('selectAll() concatenates every head: head t in columns t·k … t·k + k − 1, all heads get gradients', async () => {
    const m = new nn.MultiHead(3, 3, 2).selectAll();
    const heads = m.heads as Linear[];
    expect(m.selected).toBe('all');
    const x = wc.tensor(Float32Array.from({ length: 12 }, (_, i) => Math.cos(i)), [4, 3]);
    const y = m.forward(x);
    expect(y.shape).toEqual([4, 6]);
    const all = await y.toArray();
    for (const [t, h] of heads.entries()) {
      const own = await h.forward(x).toArray();
      for (let b = 0; b < 4; b++) expect(Array.from(all.subarray(6 * b + 2 * t, 6 * b + 2 * t + 2))).toEqual(Array.from(own.subarray(2 * b, 2 * b + 2)));
    }
    wc.tidy(() => wc.sum(m.forward(x)).backward());
    expect(heads.every((h) => h.weight.grad !== null && h.bias!.grad !== null)).toBe(true);
    // Selection is configuration: a clone keeps it, the state dict does not hold it.
    const c = m.clone();
    expect(c.selected).toBe('all');
    expect(c.select(2).selected).toBe(2);
    expect(m.selected).toBe('all');
    x.dispose();
    m.dispose();
    c.dispose();
  });

  it('errors name the argument and the range', () => {
    const m = new nn.MultiHead(3, 3, 2);
    expect(() => m.select(3)).toThrow(new RangeError('MultiHead.select: taskId must be an integer in [0, 3), got 3'));
    expect(() => m.select(-1)).toThrow(new RangeError('MultiHead.select: taskId must be an integer in [0, 3), got -1'));
    expect(() => m.select(1.5)).toThrow(new RangeError('MultiHead.select: taskId must be an integer in [0, 3), got 1.5'));
    expect(() => m.select('1' as unknown as number)).toThrow(new TypeError('MultiHead.select: taskId must be an integer in [0, 3), got string "1"'));
    expect(() => m.forward(wc.zeros([1, 3]), 5)).toThrow(new RangeError('MultiHead.forward: taskId must be an integer in [0, 3), got 5'));
    expect(() => m.forward([[1, 2, 3]] as unknown as wc.Tensor)).toThrow(new TypeError('MultiHead.forward: x must be a Tensor, got an array'));
    expect(() => new nn.MultiHead(3, 0, 2)).toThrow(new RangeError('MultiHead: heads must be a positive integer, got 0'));
    expect(() => new nn.MultiHead(3, 2, 0)).toThrow(new RangeError('MultiHead: outputsPerHead must be a positive integer, got 0'));
    expect(() => new nn.MultiHead([new nn.ReLU(), 3 as unknown as wc.nn.Module])).toThrow(new TypeError('MultiHead: element 1 must be a Module, got number 3'));
    m.dispose();
  });
});
