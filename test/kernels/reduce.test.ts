/**
 * Reductions (kernels/reduce.wgsl.ts through sum/mean/max/min/argmax/argmin) against the float64
 * reference, over each axis, several axes, with and without keepDims, odd sizes, and a long axis
 * (r = 100,000 with few outputs) that takes the chunked multi-pass path.
 *
 * Tolerance for sum: the kernel adds in float32, sequentially within each chunk and then over the
 * partials; any such order of r additions errs by at most (r − 1)·ε₃₂·Σ|x| (recursive summation
 * bound), so we allow r·ε₃₂·Σ|x| per output. max/min/argmax/argmin select an element: exact.
 *
 * Every case runs on a device forced to the software variants (kernels/reduce.wgsl.ts only) and on
 * one forced to the hardware variants, where lines along a contiguous axis of 128 values or more
 * take the workgroup kernel (kernels/reduce-workgroup.wgsl.ts): the 129-long last axis, the merged
 * all-axes reductions, the r = 100,000 lines and the 769-long NaN lines.
 * Mutations of the workgroup kernel these tests catch, each tried: the tree's first step skipped
 * (s from 64); ties going to the larger index; a later NaN replacing the first; the EMPTY partial
 * of an invocation with no values winning.
 *
 * Sums on a Vulkan device forced to the hardware variants, where the device has `subgroups` (Dawn on
 * lavapipe does, subgroups of 8): the workgroup kernel's first level by subgroupAdd. Skipped, with
 * the reason printed, on a platform whose Vulkan device has no subgroups. Mutations caught, each
 * tried: the invocation's own partial stored instead of subgroupAdd's total; subgroup 0's partial
 * left out of invocation 0's sum.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { workgroupReduceKernel } from '../../kernels/reduce-workgroup.wgsl.js';
import { reduceReference } from '../../kernels/reduce.reference.js';
import type { ReduceOp } from '../../kernels/reduce.wgsl.js';
import { useDevice } from '../helpers/device.js';
import { EPS32, randomArray, toF32 } from '../helpers/numeric.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Reference over several axes: one axis at a time, last first (float64, so order is immaterial). */
function reduceAxesRef(op: 'sum' | 'max' | 'min', x: ArrayLike<number>, shape: readonly number[], axes: readonly number[]): Float64Array {
  let data: ArrayLike<number> = x;
  let cur = [...shape];
  for (const a of [...axes].sort((p, q) => q - p)) {
    data = reduceReference(op, data, size(cur.slice(0, a)), cur[a]!, size(cur.slice(a + 1)));
    cur = cur.map((d, i) => (i === a ? 1 : d));
  }
  return Float64Array.from(data);
}

function outShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  return keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

async function checkReduction(op: 'sum' | 'max' | 'min', data: Float32Array, shape: number[], axes: number[], keepDims: boolean): Promise<void> {
  const fn = { sum: wc.sum, max: wc.max, min: wc.min }[op];
  const y = fn(wc.tensor(data, shape), axes, { keepDims });
  const what = `${op} of ${JSON.stringify(shape)} over ${JSON.stringify(axes)}${keepDims ? ' keepDims' : ''}`;
  expect(y.shape, what).toEqual(outShape(shape, axes, keepDims));
  const got = await y.toArray();
  const want = reduceAxesRef(op, data, shape, axes);
  if (op !== 'sum') {
    expect(Array.from(got), what).toEqual(Array.from(want));
    return;
  }
  const r = axes.reduce((n, a) => n * shape[a]!, 1);
  const sumAbs = reduceAxesRef('sum', data.map(Math.abs), shape, axes);
  for (let i = 0; i < want.length; i++) {
    const tol = r * EPS32 * sumAbs[i]!;
    if (!(Math.abs(got[i]! - want[i]!) <= tol)) expect.fail(`${what}: output ${i} is ${got[i]}, expected ${want[i]} ± ${tol}`);
  }
  y.dispose();
}

describe.each(['software', 'hardware'] as const)('reductions (%s variants) vs float64 reference', (kernels) => {
  const device = useDevice({ kernels });
  const shapes = [[17], [3, 17], [5, 3, 7], [2, 3, 1, 129], [129, 3]];

  for (const op of ['sum', 'max', 'min'] as const) {
    it(`${op} over each axis, several axes, all axes, with and without keepDims`, async () => {
      for (const [k, shape] of shapes.entries()) {
        const data = toF32(randomArray(size(shape), 10 + k, -2, 3));
        const all = shape.map((_, i) => i);
        const axisSets = [...all.map((a) => [a]), all, ...(shape.length >= 3 ? [[0, 2], [1, 2], [0, shape.length - 1]] : [])];
        for (const axes of axisSets) {
          for (const keepDims of [false, true]) await checkReduction(op, data, shape, axes, keepDims);
        }
      }
    });
  }

  for (const op of ['argmax', 'argmin'] as const) {
    it(`${op} along each axis (int32, first index on ties)`, async () => {
      for (const [k, shape] of shapes.entries()) {
        const data = toF32(randomArray(size(shape), 20 + k));
        for (let a = 0; a < shape.length; a++) {
          for (const keepDims of [false, true]) {
            const y = wc[op](wc.tensor(data, shape), a, { keepDims });
            expect(y.dtype).toBe('int32');
            expect(y.shape).toEqual(outShape(shape, [a], keepDims));
            const want = reduceReference(op, data, size(shape.slice(0, a)), shape[a]!, size(shape.slice(a + 1)));
            expect(Array.from(await y.toArray()), `${op} of ${JSON.stringify(shape)} on axis ${a}`).toEqual(Array.from(want));
          }
        }
      }
      const ties = wc.tensor([1, 3, 3, 2, -1, -1], [6]);
      expect(await wc[op](ties).item()).toBe(op === 'argmax' ? 1 : 4);
      // A long line whose extreme sits at three indices held by different invocations of a workgroup.
      const long = new Float32Array(1000).fill(0);
      for (const k of [700, 300, 944]) long[k] = op === 'argmax' ? 2 : -2;
      expect(await wc[op](wc.tensor(long, [1000])).item(), 'first index on ties in a long line').toBe(300);
      // 200 values: 56 invocations of a workgroup hold none, and their empty partials must lose.
      const sign = op === 'argmax' ? -1 : 1;
      const short = new Float32Array(200).fill(sign);
      short[150] = sign / 2;
      expect(await wc[op](wc.tensor(short, [200])).item(), 'a line shorter than a workgroup').toBe(150);
      expect(await wc[op === 'argmax' ? 'max' : 'min'](wc.tensor(short, [200])).item()).toBe(sign / 2);
    });
  }

  it('a long axis (r = 100,000, few outputs) takes the chunked path and stays within the bound', async () => {
    const r = 100_000;
    const data = toF32(randomArray(3 * r, 30, -1, 2));
    for (const [shape, axis] of [[[r], 0], [[3, r], 1], [[r, 3], 0]] as [number[], number][]) {
      const slice = shape.length === 1 ? data.subarray(0, r) : data;
      for (const op of ['sum', 'max', 'min'] as const) {
        const before = device().stats().dispatches;
        await checkReduction(op, slice, shape, [axis], false);
        expect(device().stats().dispatches - before, `${op} of ${JSON.stringify(shape)} runs more than one pass`).toBeGreaterThanOrEqual(2);
      }
      for (const op of ['argmax', 'argmin'] as const) {
        const want = reduceReference(op as ReduceOp, slice, size(shape.slice(0, axis)), r, size(shape.slice(axis + 1)));
        expect(Array.from(await wc[op](wc.tensor(slice, shape), axis).toArray()), `${op} of ${JSON.stringify(shape)}`).toEqual(Array.from(want));
      }
    }
  });

  it('a long contiguous line runs the workgroup kernel exactly on the hardware variants', async () => {
    const x = wc.tensor(toF32(randomArray(2 * 300, 60)), [2, 300]);
    await wc.sum(x, 1).toArray();
    const compiled = device().stats().pipelinesCompiled;
    device().pipelines.get(workgroupReduceKernel({ op: 'sum', subgroups: false }));
    expect(device().stats().pipelinesCompiled - compiled, 'pipelines compiled by asking for the workgroup kernel').toBe(kernels === 'hardware' ? 0 : 1);
  });

  it('mean is sum / count; an empty axis list copies', async () => {
    const shape = [3, 17, 5];
    const data = toF32(randomArray(size(shape), 40));
    const sumRef = reduceAxesRef('sum', data, shape, [0, 2]);
    const sumAbs = reduceAxesRef('sum', data.map(Math.abs), shape, [0, 2]);
    const got = await wc.mean(wc.tensor(data, shape), [0, 2]).toArray();
    got.forEach((v, i) => expect(Math.abs(v - sumRef[i]! / 15)).toBeLessThanOrEqual((16 * EPS32 * sumAbs[i]!) / 15 + EPS32 * Math.abs(sumRef[i]! / 15)));
    expect(Array.from(await wc.sum(wc.tensor(data, shape), []).toArray())).toEqual(Array.from(data));
  });

  it('max and min propagate NaN (as PyTorch does); argmax points at it', async () => {
    const x = wc.tensor([1, NaN, 2, 0], [4]);
    expect(await wc.max(x).item()).toBeNaN();
    expect(await wc.min(x).item()).toBeNaN();
    expect(await wc.argmax(x).item()).toBe(1);
    const first = wc.tensor([NaN, 5, 7], [3]);
    expect(await wc.max(first).item()).toBeNaN();
    const long = new Float32Array(100_000).fill(1);
    long[70_000] = NaN;
    long[90_000] = NaN;
    expect(await wc.max(wc.tensor(long, [long.length])).item(), 'through the chunked path').toBeNaN();
    expect(await wc.argmin(wc.tensor(long, [long.length])).item(), 'the first NaN').toBe(70_000);
    // NaN at 10, 100 and 266: later ones in the same invocation (266) and in a later one (100) lose.
    const three = new Float32Array(1000).fill(1);
    for (const k of [10, 100, 266]) three[k] = NaN;
    expect(await wc.argmax(wc.tensor(three, [1000])).item(), 'the first of three NaN').toBe(10);
  });

  // The reference and the kernel agree on NaN (PyTorch's rule: max/min of a line holding NaN is NaN,
  // argmax/argmin is its first NaN) wherever it sits: first, middle or last along the reduced axis,
  // in lines of every axis, and through the chunked path (r = 3·256 + 1, few outputs).
  it('NaN first, middle or last along the axis: max/min are NaN, argmax/argmin its first index (reference and kernel)', async () => {
    for (const shape of [[5, 3, 7], [2, 3, 1, 129], [3, 769]]) {
      for (let a = 0; a < shape.length; a++) {
        const [outer, r, inner] = [size(shape.slice(0, a)), shape[a]!, size(shape.slice(a + 1))];
        if (r === 1) continue;
        const data = toF32(randomArray(size(shape), 50 + a, -2, 3));
        // Line (o, i) gets NaN at k = first, middle or last (by line); one line in four has none.
        for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
          const line = o * inner + i;
          if (line % 4 === 3) continue;
          const k = [0, r >> 1, r - 1][line % 4]!;
          data[(o * r + k) * inner + i] = NaN;
          if (line % 8 === 1) data[(o * r + r - 1) * inner + i] = NaN; // a second, later NaN
        }
        const what = `${JSON.stringify(shape)} on axis ${a}`;
        for (const op of ['max', 'min', 'argmax', 'argmin'] as const) {
          const want = reduceReference(op, data, outer, r, inner);
          for (let line = 0; line < outer * inner; line++) {
            const k = line % 4 === 3 ? -1 : [0, r >> 1, r - 1][line % 4]!;
            if (k < 0) continue;
            if (op === 'max' || op === 'min') expect(want[line], `reference ${op} ${what}`).toBeNaN();
            else expect(want[line], `reference ${op} ${what}`).toBe(k);
          }
          const got = await wc[op](wc.tensor(data, shape), a).toArray();
          expect(Array.from(got), `${op} ${what}`).toEqual(Array.from(want));
        }
      }
    }
  });

  it.skipIf(kernels === 'software')('sums take the subgroup first level wherever the device has subgroups (Vulkan)', async () => {
    const vulkan = await wc.initDevice({ backend: 'vulkan', kernels: 'hardware', makeCurrent: false });
    const { reduce } = vulkan.kernelVariants;
    vulkan.destroy();
    if (reduce !== 'workgroup-subgroups') {
      console.log(`skipped: the Vulkan device has no subgroups (reduce variant '${reduce}')`);
      return;
    }
    const sub = await wc.initDevice({ backend: 'vulkan', kernels: 'hardware' });
    try {
      for (const [k, shape] of [[2, 300], [3, 769], [1, 100_000], [4, 129]].entries()) {
        await checkReduction('sum', toF32(randomArray(size(shape), 70 + k, -2, 3)), shape, [1], false);
      }
      const compiled = sub.stats().pipelinesCompiled;
      sub.pipelines.get(workgroupReduceKernel({ op: 'sum', subgroups: true }));
      expect(sub.stats().pipelinesCompiled - compiled, 'pipelines compiled by asking for the subgroup kernel').toBe(0);
    } finally {
      sub.destroy();
      wc.setDevice(device());
    }
  });

  it('rejects bad arguments with messages that say what is wrong', () => {
    const x = wc.zeros([2, 3]);
    expect(() => wc.sum(wc.zeros([2], { dtype: 'int32' }))).toThrow('sum: x must be float32, got int32');
    expect(() => wc.sum(x, 2)).toThrow('sum: axis 2 is out of range for a tensor of rank 2');
    expect(() => wc.max(x, [0, -2])).toThrow('max: repeated axis in [0,-2]');
    expect(() => wc.argmax(x, -3)).toThrow('argmax: axis -3 is out of range for a tensor of rank 2');
    expect(() => wc.min(wc.zeros([0, 3]), 0)).toThrow('min: cannot reduce over axis 0 of size 0 (shape [0, 3])');
    expect(() => wc.mean([1, 2] as unknown as wc.Tensor)).toThrow('mean: x must be a Tensor, got an array');
  });
});
