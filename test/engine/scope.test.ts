/**
 * Memory scopes: what tidy() frees and keeps (counted by device.stats()), keep(), nesting, errors
 * inside a scope, and what using a disposed tensor says.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { DisposedError, type Tensor } from '../../index.js';
import { useDevice } from '../helpers/device.js';

describe('tidy and keep', () => {
  const device = useDevice();
  /** Live tensors and bytes in use once pending releases have gone back to the pool. */
  const usage = () => {
    device().flush();
    const s = device().stats();
    return { tensors: s.liveTensors, bytes: s.bytesInUse };
  };

  it('frees every intermediate and keeps only the result', () => {
    const x = wc.ones([64]);
    const before = usage();
    const y = wc.tidy(() => wc.sum(wc.mul(wc.exp(x), wc.add(x, 1))));
    const after = usage();
    expect(after.tensors - before.tensors).toBe(1);
    expect(after.bytes - before.bytes, 'only the 4-byte result (a 16-byte pooled buffer)').toBe(16);
    y.dispose();
    x.dispose();
    expect(usage()).toEqual({ tensors: before.tensors - 1, bytes: before.bytes - 256 });
  });

  it('keeps tensors returned inside arrays and plain objects, and moves them to the parent scope', () => {
    const before = usage();
    let inner: { a: Tensor; list: Tensor[] } | undefined;
    const outer = wc.tidy(() => {
      inner = wc.tidy(() => {
        const t = wc.ones([3]);
        return { a: wc.add(t, 1), list: [wc.mul(t, 2), wc.neg(t)] };
      });
      expect(usage().tensors - before.tensors, 'the three returned tensors survive the inner scope').toBe(3);
      return inner.list[0]!;
    });
    expect(outer.disposed).toBe(false);
    expect(inner!.a.disposed, 'not returned by the outer scope: freed with it').toBe(true);
    expect(inner!.list[1]!.disposed).toBe(true);
    expect(usage().tensors - before.tensors).toBe(1);
    outer.dispose();
    expect(usage()).toEqual(before);
  });

  it('frees inner intermediates when the inner scope ends and outer ones when the outer ends', () => {
    const before = usage();
    wc.tidy(() => {
      const a = wc.ones([8]);
      const b = wc.tidy(() => wc.add(wc.mul(a, 2), 1)); // the mul result is freed here
      expect(usage().tensors - before.tensors).toBe(2);
      expect(wc.scopeDepth()).toBe(1);
      return wc.add(a, b).disposed; // not a tensor: nothing is kept
    });
    expect(wc.scopeDepth()).toBe(0);
    expect(usage()).toEqual(before);
  });

  it('keep() takes a tensor out of every scope; the caller disposes it', () => {
    const before = usage();
    let kept: Tensor | undefined;
    const result = wc.tidy(() => {
      wc.tidy(() => { kept = wc.keep(wc.full([5], 3)); wc.add(kept, 1); });
      return null;
    });
    expect(result).toBeNull();
    expect(kept!.disposed).toBe(false);
    expect(usage().tensors - before.tensors).toBe(1);
    kept!.dispose();
    expect(usage()).toEqual(before);
  });

  it('a tensor disposed inside its scope is not disposed again; returning a view keeps the storage', async () => {
    const before = usage();
    const v = wc.tidy(() => {
      const a = wc.ones([6]);
      a.dispose();
      a.dispose();
      return wc.reshape(wc.add(wc.ones([6]), 1), [2, 3]);
    });
    expect(v.shape).toEqual([2, 3]);
    expect(Array.from(await v.toArray())).toEqual([2, 2, 2, 2, 2, 2]);
    expect(usage().tensors - before.tensors).toBe(1);
    v.dispose();
    expect(usage()).toEqual(before);
  });

  it('using a disposed tensor raises DisposedError naming the op, the argument and the remedy', async () => {
    const y = wc.ones([3, 2]);
    // The scope returns a closure, not the tensor: the tensor is freed when the scope ends.
    const freed = wc.tidy(() => { const t = wc.ones([2, 3]); return () => t; })();
    expect(() => wc.add(freed, 1)).toThrow(DisposedError);
    expect(() => wc.add(freed, 1)).toThrow('add: a [2, 3]: tensor was already disposed (freed by dispose() or by the tidy() scope that created it; return it from the scope or call keep() to keep it)');
    expect(() => wc.matmul(y, freed)).toThrow('matmul: b [2, 3]: tensor was already disposed');
    await expect(freed.toArray()).rejects.toThrow('toArray of tensor [2, 3]: tensor was already disposed');
    y.dispose();
  });

  it('an async fn is refused, and its tensors are freed', () => {
    const before = usage();
    const asyncFn = (async () => wc.ones([4])) as unknown as () => Tensor;
    expect(() => wc.tidy(asyncFn)).toThrow('tidy: fn returned a Promise; tidy scopes are synchronous');
    expect(wc.scopeDepth()).toBe(0);
    expect(usage()).toEqual(before);
  });

  it('an exception inside a scope frees the tensors it made and closes the scope', () => {
    const before = usage();
    expect(() => wc.tidy(() => {
      const a = wc.ones([16]);
      wc.tidy(() => wc.add(a, 1));
      wc.add(a, wc.zeros([3])); // shape mismatch: throws
    })).toThrow('add: shapes [16] and [3] cannot be broadcast');
    expect(wc.scopeDepth()).toBe(0);
    expect(usage()).toEqual(before);
  });
});
