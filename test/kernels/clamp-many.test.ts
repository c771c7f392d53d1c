/**
 * clampMany against the float64 reference (kernels/clamp-many.reference.ts). Clamping selects a value
 * or a bound, both float32, so the results are exact. Six tensors (two dispatches: four, then two),
 * sizes that split workgroups unevenly, an empty tensor, infinite bounds.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { clampManyReference } from '../../kernels/clamp-many.reference.js';
import { useDevice } from '../helpers/device.js';
import { randomArray, toF32 } from '../helpers/numeric.js';

describe('clampMany', () => {
  const device = useDevice();
  // Two groups of lengths that are not all multiples of 4 (scalar variant), then two that are (vec4).
  const scalarShapes = [[17, 3], [3000], [1], [0], [5, 5, 11], [2]];
  const vec4Shapes = [[5, 4], [3000], [0], [2, 2, 2], [12]];

  it.each([['scalar', scalarShapes], ['vec4', vec4Shapes]] as const)('matches the reference, four tensors per dispatch (%s)', async (_, shapes) => {
    const hosts = shapes.map((s, k) => toF32(randomArray(s.reduce((a, b) => a * b, 1), 40 + k, -3, 3)));
    const xs = shapes.map((s, k) => wc.tensor(hosts[k]!, s));
    for (const [lo, hi] of [[-1, 0.5], [-Infinity, 0], [0, Infinity]] as const) {
      const before = device().stats().dispatches;
      const ys = wc.clampMany(xs, lo, hi);
      expect(device().stats().dispatches - before).toBe(2);
      const want = clampManyReference(hosts, lo, hi);
      for (let k = 0; k < xs.length; k++) {
        expect(ys[k]!.shape).toEqual(xs[k]!.shape);
        expect(Array.from(await ys[k]!.toArray()), `tensor ${k}, [${lo}, ${hi}]`).toEqual(Array.from(want[k]!));
      }
      ys.forEach((y) => y.dispose());
    }
    xs.forEach((x) => x.dispose());
  });

  // Gradient clipping must not hide a diverged gradient: clamp(NaN) = NaN (PyTorch's clamp and
  // clip_grad_value_), the reference's Math.min/max propagate it. NaN first, in the middle and last
  // of each tensor, hence in every vec4 lane position and in the first and last run of a workgroup.
  it.each([['scalar', scalarShapes], ['vec4', vec4Shapes]] as const)('keeps NaN as NaN, first, middle and last (%s)', async (_, shapes) => {
    const hosts = shapes.map((s, k) => {
      const a = toF32(randomArray(s.reduce((x, y) => x * y, 1), 60 + k, -3, 3));
      for (const i of [0, a.length >> 1, (a.length >> 1) + 1, a.length - 1]) if (i < a.length) a[i] = NaN;
      return a;
    });
    const xs = shapes.map((s, k) => wc.tensor(hosts[k]!, s));
    const ys = wc.clampMany(xs, -1, 0.5);
    const want = clampManyReference(hosts, -1, 0.5);
    for (let k = 0; k < xs.length; k++) {
      expect(Array.from(await ys[k]!.toArray()), `tensor ${k}`).toEqual(Array.from(want[k]!));
    }
    [...xs, ...ys].forEach((t) => t.dispose());
  });

  it('rejects inverted bounds and integer tensors, naming them', () => {
    const x = wc.tensor([1, 2]);
    const i = wc.tensor([1, 2], [2], { dtype: 'int32' });
    expect(() => wc.clampMany([x], 1, 0)).toThrow('clampMany: lo (1) must be ≤ hi (0)');
    expect(() => wc.clampMany([x, i], 0, 1)).toThrow(/clampMany: xs\[1\]/);
    x.dispose(); i.dispose();
  });
});
