/**
 * The scatter-rows kernel (kernels/scatter-rows.wgsl.ts, used by the replay buffer) against its float64
 * reference: a copy, so exact; float32 and int32 words, both the scalar and the vec4 variant, slots
 * outside [0, r) writing nothing, untouched rows kept, NaN bits kept.
 * Mutations tried (each fails a test): the source read at the destination offset; the slot of element
 * e read as slot[e mod m] instead of its row's; the vec4 variant chosen for inner = 6. Not caught: the
 * bounds test k ≥ r dropped (WebGPU's robust buffer access discards the write past the buffer here).
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { scatterRows } from '../../cl/replay/buffer.js';
import { scatterRowsReference } from '../../kernels/scatter-rows.reference.js';
import { useDevice } from '../helpers/device.js';
import { randomArray, toF32 } from '../helpers/numeric.js';

describe('scatterRows', () => {
  useDevice();
  const cases: [number, number, number[]][] = [
    [5, 3, [4, -1, 0]], // scalar rows, a skipped row
    [6, 8, [5, 0, 2, 6, -7]], // vec4 rows; slot 6 = r is out of range
    [4, 6, [3, 1]], // inner 6: not a multiple of 4
    [20, 784, [19, 3, 7, -1, 0]], // MNIST-sized rows
    [3, 4, []],
  ];

  it('matches the reference (float32), rows outside the slots unchanged', async () => {
    for (const [r, inner, slots] of cases) {
      const buf0 = toF32(randomArray(r * inner, 1));
      const src = toF32(randomArray(slots.length * inner, 2));
      const buf = wc.tensor(buf0, [r, inner]);
      scatterRows(buf, wc.tensor(src, [slots.length, inner]), wc.tensor(slots, [slots.length], { dtype: 'int32' }));
      expect(Array.from(await buf.data()), `r ${r} inner ${inner} slots ${slots}`).toEqual(Array.from(scatterRowsReference(buf0, src, slots, r, inner)));
    }
  });

  it('copies int32 words and NaN bits exactly', async () => {
    const labels = wc.tensor([1, 2, 3, 4], [4], { dtype: 'int32' });
    scatterRows(labels, wc.tensor([-9, 7], [2], { dtype: 'int32' }), wc.tensor([2, 0], [2], { dtype: 'int32' }));
    expect(Array.from(await labels.toArray())).toEqual([7, 2, -9, 4]);
    const x = wc.zeros([2, 4]);
    scatterRows(x, wc.tensor([NaN, 1, -0, Infinity], [1, 4]), wc.tensor([1], [1], { dtype: 'int32' }));
    expect(Array.from(await x.data())).toEqual([0, 0, 0, 0, NaN, 1, -0, Infinity]);
  });

  it('rejects rows of another shape or dtype and a slot list of another length', () => {
    const buf = wc.zeros([3, 4]);
    expect(() => scatterRows(buf, wc.zeros([2, 5]), wc.tensor([0, 1], [2], { dtype: 'int32' }))).toThrow(/scatterRows: src float32 \[2, 5\] must be rows of buf float32 \[3, 4\]/);
    expect(() => scatterRows(buf, wc.zeros([2, 4]), wc.tensor([0], [1], { dtype: 'int32' }))).toThrow(/scatterRows: slots must be int32 \[2\]/);
  });
});
