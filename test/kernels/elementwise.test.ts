/**
 * Elementwise map kernel against the float64 reference. Tolerances: one float32 rounding of the
 * result for + − × ÷ and comparisons (|rel| ≤ 2⁻²³, we allow 2·ε₃₂ for the rounding of inputs to
 * float32 as well); WGSL allows exp/log/pow/tanh errors of a few ULP plus 2⁻²¹ absolute near 0
 * (WGSL spec, "Floating Point Accuracy"), hence 1e-5 relative and 1e-6 absolute there.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { mapReference } from '../../kernels/elementwise.reference.js';
import { MAP_RUN, mapGrid } from '../../kernels/elementwise.wgsl.js';
import { useDevice } from '../helpers/device.js';
import { EPS32, awayFromZero, expectClose, randomArray, toF32 } from '../helpers/numeric.js';

const f32 = (x: number) => Math.fround(x);

describe('elementwise kernels vs float64 reference', () => {
  useDevice();
  const shapes: [number[], number[]][] = [
    [[1], [1]], [[3], [3]], [[17, 3], [17, 3]], [[129], [1]], [[4, 1, 3], [5, 1]], [[2, 3, 1, 5], [3, 17, 1]], [[17], []],
  ];

  const binaries: [string, (a: wc.Tensor, b: wc.Tensor) => wc.Tensor, (a: number, b: number) => number, number][] = [
    ['add', wc.add, (a, b) => a + b, 2 * EPS32],
    ['sub', wc.sub, (a, b) => a - b, 2 * EPS32],
    ['mul', wc.mul, (a, b) => a * b, 2 * EPS32],
    ['div', wc.div, (a, b) => a / b, 4 * EPS32],
    ['maximum', wc.maximum, Math.max, 0],
    ['minimum', wc.minimum, Math.min, 0],
  ];
  for (const [name, op, ref, rtol] of binaries) {
    it(`${name} broadcasts like NumPy`, async () => {
      for (const [sa, sb] of shapes) {
        const a = toF32(randomArray(sa.reduce((x, y) => x * y, 1), 1));
        const b = toF32(awayFromZero(sb.reduce((x, y) => x * y, 1), 2));
        const want = mapReference(ref, [{ data: a, shape: sa }, { data: b, shape: sb }]);
        const y = op(wc.tensor(a, sa), wc.tensor(b, sb));
        expect(y.shape).toEqual(want.shape);
        expectClose(await y.toArray(), want.data, { rtol, atol: 1e-30 }, `${name} ${JSON.stringify(sa)}×${JSON.stringify(sb)}`);
      }
    });
  }

  const unaries: [string, (x: wc.Tensor) => wc.Tensor, (x: number) => number, Float64Array][] = [
    ['neg', wc.neg, (x) => -x, randomArray(129, 3)],
    ['exp', wc.exp, Math.exp, randomArray(129, 3, -10, 10)],
    ['log', wc.log, Math.log, randomArray(129, 3, 1e-3, 100)],
    ['sqrt', wc.sqrt, Math.sqrt, randomArray(129, 3, 0, 100)],
    ['abs', wc.abs, Math.abs, randomArray(129, 3)],
    ['relu', wc.relu, (x) => Math.max(x, 0), randomArray(129, 3)],
    ['sigmoid', wc.sigmoid, (x) => 1 / (1 + Math.exp(-x)), randomArray(129, 3, -30, 30)],
    ['tanh', wc.tanh, Math.tanh, randomArray(129, 3, -30, 30)],
    ['square', wc.square, (x) => x * x, randomArray(129, 3)],
  ];
  for (const [name, op, ref, data] of unaries) {
    it(`${name} matches the reference`, async () => {
      const x = toF32(data);
      const want = mapReference(ref, [{ data: x, shape: [x.length] }]);
      expectClose(await op(wc.tensor(x, [x.length])).toArray(), want.data, { rtol: 1e-5, atol: 1e-6 }, name);
    });
  }

  it('leakyRelu, clamp and pow with scalars', async () => {
    const x = toF32(randomArray(33, 5, -3, 3));
    const t = wc.tensor(x, [33]);
    expectClose(await wc.leakyRelu(t, 0.1).toArray(), Array.from(x, (v) => f32(v > 0 ? v : 0.1 * v)), { rtol: EPS32 }, 'leakyRelu');
    expectClose(await wc.clamp(t, -1, 0.5).toArray(), Array.from(x, (v) => Math.min(Math.max(v, -1), 0.5)), {}, 'clamp');
    expectClose(await wc.pow(t, 3).toArray(), Array.from(x, (v) => v ** 3), { rtol: 1e-5, atol: 1e-6 }, 'pow(x, 3) for negative x');
    expectClose(await wc.pow(t, 2).toArray(), Array.from(x, (v) => v ** 2), { rtol: 1e-5, atol: 1e-6 }, 'pow(x, 2)');
    const half = await wc.pow(t, 0.5).toArray();
    x.forEach((v, i) => (v < 0 ? expect(half[i]).toBeNaN() : expect(Math.abs(half[i]! - Math.sqrt(v))).toBeLessThan(1e-5 * Math.sqrt(v) + 1e-6)));
  });

  it('comparisons and where', async () => {
    const a = wc.tensor([1, 2, 3, 4], [4]);
    const b = wc.tensor([4, 2, 1, 5], [4]);
    expect(Array.from(await wc.lt(a, b).toArray())).toEqual([1, 0, 0, 1]);
    expect(Array.from(await wc.eq(a, b).toArray())).toEqual([0, 1, 0, 0]);
    expect(Array.from(await wc.ge(a, 3).toArray())).toEqual([0, 0, 1, 1]);
    expect(Array.from(await wc.where(wc.gt(a, 2), a, b).toArray())).toEqual([4, 2, 3, 4]);
    expect(Array.from(await wc.where(wc.gt(a, 2), 0, b).toArray())).toEqual([4, 2, 0, 0]);
    expect(Array.from(await wc.where(wc.gt(a, 2), a, -1).toArray())).toEqual([-1, -1, 3, 4]);
  });

  it('full writes small constants and every int32 fill from the host, and fills large float32 ones on the GPU', async () => {
    for (const n of [1, 256, 257, 4099]) {
      for (const dtype of ['float32', 'int32'] as const) {
        const dispatches = wc.getDevice().stats().dispatches;
        const t = wc.full([n], -7, { dtype });
        // int32: the fill kernel's value is an f32 uniform, exact only up to 2²⁴ (creation.ts).
        expect(wc.getDevice().stats().dispatches - dispatches, `${n} ${dtype}`).toBe(n <= 256 || dtype === 'int32' ? 0 : 1);
        expect(t.dtype).toBe(dtype);
        expect((await t.toArray()).every((v) => v === -7), `${n} ${dtype}`).toBe(true);
        t.dispose();
      }
    }
    const five = wc.full([2, 3], 5);
    const z = wc.zerosLike(five);
    expect(Array.from(await z.toArray())).toEqual([0, 0, 0, 0, 0, 0]);
    // the *Like ops keep the dtype (an int32 tensor's zeros are int32, not float32)
    const labels = wc.tensor([3, 1], [2], { dtype: 'int32' });
    const [zi, oi] = [wc.zerosLike(labels), wc.onesLike(labels)];
    expect([zi.dtype, oi.dtype]).toEqual(['int32', 'int32']);
    expect(await oi.toArray()).toEqual(Int32Array.from([1, 1]));
    five.dispose(); z.dispose(); labels.dispose(); zi.dispose(); oi.dispose();
  });

  it('a large 1-D map computes every element (MAP_RUN per invocation, a partial last one)', async () => {
    const n = 65536 * 256 + 3;
    expect(mapGrid(n, n).invocations * MAP_RUN).toBeGreaterThan(n);
    const x = wc.full([n], 2);
    const y = wc.add(x, 1);
    const v = await y.toArray();
    expect(v.length).toBe(n);
    expect(v.every((e) => e === 3)).toBe(true);
    x.dispose(); y.dispose();
  });

  // Several elements per invocation (n > MAP_MIN_INVOCATIONS), rows that do not split evenly among
  // their invocations, row, column, middle-axis and scalar broadcasts, three inputs.
  it('broadcasts with several elements per invocation', async () => {
    const cases: { shapes: number[][]; fn: (...x: wc.Tensor[]) => wc.Tensor; ref: (...x: number[]) => number }[] = [
      { shapes: [[3, 5, 7, 41], [5, 1, 1]], fn: wc.add, ref: (a, b) => a + b },
      { shapes: [[2, 3, 65, 97], [3, 1, 1]], fn: wc.mul, ref: (a, b) => a * b },
      { shapes: [[129, 33], [33]], fn: wc.sub, ref: (a, b) => a - b },
      { shapes: [[129, 33], [129, 1]], fn: wc.sub, ref: (a, b) => a - b },
      { shapes: [[1, 4099], [17, 1]], fn: wc.maximum, ref: Math.max },
      { shapes: [[4099], []], fn: wc.mul, ref: (a, b) => a * b },
      { shapes: [[17, 1, 129], [1, 3, 1], [3, 129]], fn: (c, a, b) => wc.where(wc.gt(c, 0), a, b), ref: (c, a, b) => (c > 0 ? a : b) },
    ];
    for (const [i, c] of cases.entries()) {
      const data = c.shapes.map((s, k) => toF32(randomArray(s.reduce((x, y) => x * y, 1), 10 * i + k)));
      const want = mapReference(c.ref, data.map((d, k) => ({ data: d, shape: c.shapes[k]! })));
      expect(mapGrid(want.data.length, want.shape[want.shape.length - 1]!).invocations).toBeLessThan(want.data.length);
      const y = c.fn(...data.map((d, k) => wc.tensor(d, c.shapes[k]!)));
      expect(y.shape).toEqual(want.shape);
      expectClose(await y.toArray(), want.data, { rtol: EPS32, atol: 1e-30 }, JSON.stringify(c.shapes));
    }
  });

  // PyTorch semantics: relu(NaN) = clamp(NaN) = NaN, maximum/minimum with a NaN operand = NaN (JS's
  // Math.max/min, the references here, propagate NaN too). WGSL's max/min/clamp promise nothing for
  // NaN (lavapipe returns the other operand), so the kernels test the bits. 4099 elements: several per
  // invocation, NaN first, in the middle and last (last in its run and in the array).
  it('NaN propagates through relu, clamp, maximum and minimum (first, middle and last element)', async () => {
    const n = 4099;
    const withNaN = (seed: number, at: readonly number[]) => { const a = toF32(randomArray(n, seed, -2, 2)); at.forEach((i) => { a[i] = NaN; }); return a; };
    const a = withNaN(1, [0, 2049, n - 1]);
    const b = withNaN(2, [1, 2050, n - 2]);
    const ta = wc.tensor(a, [n]), tb = wc.tensor(b, [n]);
    const clampRef = (lo: number, hi: number) => (x: number) => Math.min(Math.max(x, lo), hi);
    const unary: [string, (x: wc.Tensor) => wc.Tensor, (x: number) => number][] = [
      ['relu', wc.relu, (x) => Math.max(x, 0)],
      ['leakyRelu', (x) => wc.leakyRelu(x, 0.1), (x) => (x > 0 ? x : f32(0.1 * x))],
      ['clamp(x, -1, 0.5)', (x) => wc.clamp(x, -1, 0.5), clampRef(-1, 0.5)],
      ['clamp(x, 0)', (x) => wc.clamp(x, 0), clampRef(0, Infinity)],
      ['clamp(x, -Infinity, 0)', (x) => wc.clamp(x, -Infinity, 0), clampRef(-Infinity, 0)],
      ['maximum(x, 0)', (x) => wc.maximum(x, 0), (x) => Math.max(x, 0)],
      ['maximum(0, x)', (x) => wc.maximum(0, x), (x) => Math.max(0, x)],
      ['minimum(x, 0)', (x) => wc.minimum(x, 0), (x) => Math.min(x, 0)],
      ['minimum(0, x)', (x) => wc.minimum(0, x), (x) => Math.min(0, x)],
      ['abs', wc.abs, Math.abs],
      ['sigmoid', wc.sigmoid, (x) => 1 / (1 + Math.exp(-x))],
      ['tanh', wc.tanh, Math.tanh],
    ];
    for (const [name, op, ref] of unary) {
      const want = mapReference(ref, [{ data: a, shape: [n] }]);
      expect([0, 2049, n - 1].every((i) => Number.isNaN(want.data[i]!)), `${name}: the reference propagates NaN`).toBe(true);
      expectClose(await op(ta).toArray(), want.data, { rtol: 1e-5, atol: 1e-6 }, name);
    }
    for (const [name, op, ref] of [['maximum', wc.maximum, Math.max], ['minimum', wc.minimum, Math.min]] as const) {
      const want = mapReference(ref, [{ data: a, shape: [n] }, { data: b, shape: [n] }]);
      expectClose(await op(ta, tb).toArray(), want.data, {}, `${name}(a, b), NaN in a or in b`);
      const row = mapReference(ref, [{ data: a.subarray(0, 33), shape: [33, 1] }, { data: b.subarray(0, 4), shape: [4] }]);
      expectClose(await op(wc.tensor(a.subarray(0, 33), [33, 1]), wc.tensor(b.subarray(0, 4), [4])).toArray(), row.data, {}, `${name} broadcast`);
    }
    ta.dispose(); tb.dispose();
  });
});
