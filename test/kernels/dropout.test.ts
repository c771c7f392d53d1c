/**
 * Dropout kernel against its reference (kernels/dropout.reference.ts): the mask comes from the same
 * integer hash, so it must match exactly; kept values are x·scale with scale = fl32(1/(1−p)), one
 * product rounded, so within 2·ε₃₂ relative of the float64 x/(1−p).
 * The fraction dropped of n elements is Binomial(n, p)/n: within 5·√(p(1−p)/n) of p.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { dropoutReference } from '../../kernels/dropout.reference.js';
import { useDevice } from '../helpers/device.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { EPS32, expectClose, randomArray, toF32 } from '../helpers/numeric.js';

const { nn } = wc;

describe('dropout kernel', () => {
  useDevice();

  it('matches the reference mask exactly and scales the kept values', async () => {
    for (const [n, p, seed] of [[1, 0.5, 0], [17, 0.3, 1], [129, 0.9, 0xffffffff], [4099, 0.5, 12345], [1000, 1, 7]] as const) {
      const x = toF32(randomArray(n, n, 0.5, 2)); // nonzero, so a zero output means dropped
      const got = await nn.dropout(wc.tensor(x, [n]), p, seed).toArray();
      const want = dropoutReference(x, seed, p);
      expect(Array.from(got, (v) => v === 0), `mask n=${n} p=${p}`).toEqual(Array.from(want, (v) => v === 0));
      expectClose(got, want, { rtol: 2 * EPS32 }, `values n=${n} p=${p}`);
    }
  });

  it('drops a fraction p, and different seeds give different masks', async () => {
    const n = 20000;
    const x = wc.ones([n]);
    for (const p of [0.1, 0.5, 0.8]) {
      const v = await nn.dropout(x, p, 99).toArray();
      const dropped = v.filter((e) => e === 0).length / n;
      expect(Math.abs(dropped - p)).toBeLessThan(5 * Math.sqrt(p * (1 - p) / n));
    }
    const a = await nn.dropout(x, 0.5, 1).toArray();
    const b = await nn.dropout(x, 0.5, 2).toArray();
    const agree = a.filter((e, i) => (e === 0) === (b[i] === 0)).length / n;
    expect(Math.abs(agree - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / n)); // independent masks agree half the time
    x.dispose();
  });

  it('the backward pass applies the same mask (finite differences, and exactly)', async () => {
    await checkGrad((t) => nn.dropout(t, 0.4, 5), [{ shape: [3, 7], data: randomArray(21, 2) }]);
    const x = wc.tensor(toF32(randomArray(33, 3, 0.5, 1)), [33], { requiresGrad: true });
    const y = nn.dropout(x, 0.25, 77);
    wc.sum(y).backward();
    const [yv, gv] = [await y.toArray(), await x.grad!.toArray()];
    expect(Array.from(gv, (g) => g !== 0)).toEqual(Array.from(yv, (v) => v !== 0));
    expectClose(gv.filter((g) => g !== 0), new Array(gv.filter((g) => g !== 0).length).fill(1 / 0.75), { rtol: EPS32 }, 'kept gradient = 1/(1−p)');
  });

  it('Dropout layer: seeded per call, identity in eval, checks p', async () => {
    const x = wc.ones([64]);
    const layer = new nn.Dropout(0.5, { generator: new wc.Generator(3) });
    const first = await layer.forward(x).toArray();
    const second = await layer.forward(x).toArray();
    expect(Array.from(second)).not.toEqual(Array.from(first)); // a new seed each call
    const replay = new nn.Dropout(0.5, { generator: new wc.Generator(3) });
    expect(Array.from(await replay.forward(x).toArray())).toEqual(Array.from(first));
    layer.eval();
    expect(layer.forward(x)).toBe(x);
    expect(() => new nn.Dropout(1.5)).toThrow('Dropout: p must be a number in [0, 1], got 1.5');
    expect(() => nn.dropout(x, 0.5, -1)).toThrow('dropout: seed must be a 32-bit unsigned integer, got -1');
    x.dispose();
  });
});
