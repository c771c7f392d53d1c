/**
 * The command batcher's bind-group cache: a dispatch that repeats a kernel on the same buffers and
 * uniform slot reuses its bind group, the params written for that dispatch still reach the kernel,
 * and the cache is dropped whole at its limit.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { CommandBatcher } from '../../engine/command-batcher.js';
import { mapKernel, mapGrid } from '../../kernels/elementwise.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import { useDevice } from '../helpers/device.js';

describe('CommandBatcher bind groups', () => {
  const device = useDevice();

  it('reuses them across repeated steps, with each step\'s own params', async () => {
    const d = device();
    const x = wc.tensor([1, 2, 3]);
    const before = d.stats().bindGroupHits;
    for (let k = 0; k < 6; k++) {
      // Same kernels, same pooled buffers every other step (LIFO free lists), same uniform slots.
      const y = wc.tidy(() => wc.mul(wc.add(x, k), 2));
      expect(Array.from(await y.toArray()), `step ${k}`).toEqual([1, 2, 3].map((v) => (v + k) * 2));
      y.dispose();
    }
    expect(d.stats().bindGroupHits - before).toBeGreaterThan(0);
    x.dispose();
  });

  /** y_j = x + j for three output buffers, one dispatch (uniform slot 0) per submit, `rounds` times. */
  async function cycle(maxBindGroups: number, rounds: number): Promise<{ hits: number; values: number[][] }> {
    const d = device();
    const batcher = new CommandBatcher(d.gpu, d.pool, 4, maxBindGroups);
    const kernel = d.pipelines.get(mapKernel({ expr: 'x0 + p.alpha', arity: 1, intInputs: [false], outInt: false }));
    const x = wc.tensor([10, 20]);
    const outs = [0, 1, 2].map(() => d.allocate(8));
    const { runsPerRow, invocations } = mapGrid(2, 2);
    const params = (alpha: number) => {
      const u = new Uint32Array(40);
      u.set([invocations, 1, 0, 0, runsPerRow, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1]);
      new Float32Array(u.buffer)[2] = alpha;
      return u;
    };
    const values: number[][] = [];
    for (let r = 0; r < rounds; r++) {
      for (const [j, out] of outs.entries()) {
        batcher.dispatch(kernel, params(j + r), [x.buffer, out], grid1d(invocations, 256));
        batcher.flush();
        values.push(Array.from(new Float32Array(await batcher.read(out, 0, 8))));
      }
    }
    x.dispose();
    for (const b of outs) d.release(b);
    return { hits: batcher.stats.bindGroupHits, values };
  }

  it('keeps up to maxBindGroups and drops them all at the limit', async () => {
    const want = Array.from({ length: 9 }, (_, i) => [10, 20].map((v) => v + (i % 3) + Math.floor(i / 3)));
    const fits = await cycle(3, 3);
    expect(fits.values).toEqual(want);
    expect(fits.hits).toBe(6); // 3 misses, then every dispatch hits
    const tooMany = await cycle(2, 3);
    expect(tooMany.values).toEqual(want);
    expect(tooMany.hits).toBe(0); // three groups cycling through a cache of two: each miss drops the other
  });

  it('submits a batch once it holds more than maxPendingBytes of released buffers, so they are reused', async () => {
    const d = device();
    const batcher = new CommandBatcher(d.gpu, d.pool, 64, 8, 1 << 20);
    const kernel = d.pipelines.get(mapKernel({ expr: 'x0 + p.alpha', arity: 1, intInputs: [false], outInt: false }));
    const x = wc.tensor([1, 2]);
    const out = d.allocate(8);
    const { runsPerRow, invocations } = mapGrid(2, 2);
    const params = new Uint32Array(40);
    params.set([invocations, 1, 0, 0, runsPerRow, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1]);
    const submits = () => batcher.stats.submits;
    batcher.dispatch(kernel, params, [x.buffer, out], grid1d(invocations, 256));
    const before = submits();
    // 512 KiB buffers: the first release stays pending, the third passes 1 MiB and submits.
    const big = () => d.pool.acquire(512 * 1024);
    const held = [big(), big(), big()];
    const pooled = d.pool.stats.bytesPooled;
    batcher.release(held[0]!);
    batcher.release(held[1]!);
    expect(submits()).toBe(before);
    expect(d.pool.stats.bytesPooled).toBe(pooled);
    batcher.release(held[2]!);
    expect(submits()).toBe(before + 1);
    expect(d.pool.stats.bytesPooled - pooled).toBe(3 * 512 * 1024); // back in the pool for the next request
    d.release(out);
    x.dispose();
  });

  it('reuses a buffer released within the open batch, and submits before an upload overwrites it', async () => {
    const d = device();
    const a = wc.tensor([1, 2, 3, 4]);
    const b = wc.add(a, 1); // encoded, not submitted: still reads a's buffer
    const buffer = a.buffer;
    a.dispose();
    // Host data goes into a pooled buffer, never one the open batch may still read: no submit.
    const submits = d.stats().submits;
    const h = wc.tensor([5, 6, 7, 8]);
    expect(h.buffer).not.toBe(buffer);
    expect(d.stats().submits).toBe(submits);
    // A plain allocation of that size gets a's buffer back; writing it from the host must wait for b.
    const reused = d.stats().reusedInBatch;
    const raw = d.allocate(16);
    expect(raw).toBe(buffer);
    expect(d.stats().reusedInBatch).toBe(reused + 1);
    d.upload(raw, Float32Array.of(10, 20, 30, 40));
    expect(d.stats().submits).toBe(submits + 1);
    expect(Array.from(await b.toArray())).toEqual([2, 3, 4, 5]);
    expect(Array.from(new Float32Array(await d.read(raw, 16)))).toEqual([10, 20, 30, 40]);
    expect(Array.from(await h.toArray())).toEqual([5, 6, 7, 8]);
    d.release(raw);
    const c = wc.tensor([10, 20, 30, 40]);
    // A dispatch output needs no submit: commands of one batch run in order.
    const e = wc.mul(c, 2);
    const out = e.buffer;
    e.dispose();
    const before = d.stats().submits;
    const f = wc.add(c, 1);
    expect(f.buffer).toBe(out);
    expect(d.stats().submits).toBe(before);
    expect(Array.from(await f.toArray())).toEqual([11, 21, 31, 41]);
    [b, c, f, h].forEach((t) => t.dispose());
  });
});
