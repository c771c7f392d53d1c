/**
 * PyTorch's default initialisation: W, b ~ U(±1/√fan_in), reproducible from a seed.
 * Statistics of n draws of U(−β, β): the mean has standard deviation β/√(3n), the mean square has
 * expectation β²/3 and standard deviation β²·√(4/(45n)); we allow 5 standard deviations.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { useDevice } from '../helpers/device.js';

const { nn } = wc;

describe('initialisation', () => {
  useDevice();

  it('the same seed gives the same model, another seed another one', async () => {
    const build = () => new nn.Sequential(new nn.Linear(7, 5), new nn.Conv2d(2, 3, 3));
    const snapshot = async (m: wc.nn.Module) => Promise.all(m.parameters().map(async (p) => Array.from(await p.toArray())));
    wc.manualSeed(42);
    const a = build();
    wc.manualSeed(42);
    const b = build();
    wc.manualSeed(43);
    const c = build();
    expect(await snapshot(b)).toEqual(await snapshot(a));
    expect((await snapshot(c))[0]).not.toEqual((await snapshot(a))[0]);
    // An explicit generator does not touch the global one.
    const g1 = new nn.Linear(4, 4, { generator: new wc.Generator(9) });
    const g2 = new nn.Linear(4, 4, { generator: new wc.Generator(9) });
    expect(Array.from(await g2.weight.toArray())).toEqual(Array.from(await g1.weight.toArray()));
    for (const m of [a, b, c, g1, g2]) m.dispose();
  });

  it('weights and biases are U(±1/√fan_in) (Linear: fan_in = in; Conv2d: in·kh·kw)', async () => {
    const cases: [wc.nn.Linear | wc.nn.Conv2d, number][] = [[new nn.Linear(400, 300), 400], [new nn.Conv2d(16, 64, [5, 3]), 16 * 15]];
    for (const [layer, fanIn] of cases) {
      expect(nn.init.fanIn(layer.weight.shape)).toBe(fanIn);
      const beta = 1 / Math.sqrt(fanIn);
      for (const p of [layer.weight, layer.bias!]) {
        const v = await p.toArray();
        const n = v.length;
        let sum = 0, sq = 0, maxAbs = 0;
        for (const x of v) { sum += x; sq += x * x; maxAbs = Math.max(maxAbs, Math.abs(x)); }
        expect(maxAbs).toBeLessThanOrEqual(Math.fround(beta));
        if (n < 1000) continue; // biases are too few for the statistics below
        expect(maxAbs).toBeGreaterThan(0.99 * beta);
        expect(Math.abs(sum / n)).toBeLessThan(5 * beta / Math.sqrt(3 * n));
        expect(Math.abs(sq / n - beta * beta / 3)).toBeLessThan(5 * beta * beta * Math.sqrt(4 / (45 * n)));
      }
      layer.dispose();
    }
  });

  it('kaimingUniform follows gain·√(3/fan_in) for other slopes', async () => {
    const w = nn.init.kaimingUniform([50, 20], { a: 0, generator: new wc.Generator(1) }); // ReLU gain √2
    const bound = Math.sqrt(2) * Math.sqrt(3 / 20);
    const v = await w.toArray();
    expect(Math.max(...Array.from(v, Math.abs))).toBeLessThanOrEqual(Math.fround(bound));
    expect(Math.max(...Array.from(v, Math.abs))).toBeGreaterThan(0.95 * bound);
    expect(() => nn.init.fanIn([5])).toThrow('fanIn: a weight needs at least 2 dimensions [out, in, ...], got [5]');
    w.dispose();
  });
});
