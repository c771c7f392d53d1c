/** memoKernel: one KernelSpec object per distinct variant, so the pipeline cache's string key is hashed once. */
import { describe, expect, it } from 'vitest';
import { mapKernel } from '../../kernels/elementwise.wgsl.js';
import { memoKernel } from '../../kernels/memo.js';

describe('memoKernel', () => {
  it('builds each variant once and returns the same spec for equal variants', () => {
    let builds = 0;
    const kernel = memoKernel((v: { op: string; n: number }) => {
      builds++;
      return { name: `${v.op}${v.n}`, code: `// ${v.op} ${v.n}`, bindings: ['uniform'] };
    });
    const a = kernel({ op: 'max', n: 1 });
    expect(kernel({ op: 'max', n: 1 })).toBe(a);
    const b = kernel({ op: 'max', n: 2 });
    expect(b).not.toBe(a);
    expect(b.code).toBe('// max 2');
    expect(builds).toBe(2);
  });

  it('is what the map kernel factory returns', () => {
    const v = { expr: 'x0 + x1', arity: 2 as const, intInputs: [false, true], outInt: false };
    expect(mapKernel({ ...v })).toBe(mapKernel({ ...v }));
    expect(mapKernel({ ...v, intInputs: [false, false] })).not.toBe(mapKernel(v));
  });
});
