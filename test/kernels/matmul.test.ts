/**
 * The matmul kernels against the float64 reference, for odd and even shapes, every transpose
 * combination, batches and broadcast batches: every case runs on a device forced to the software
 * variant (register blocking, kernels/matmul.wgsl.ts) and on one forced to the hardware variant
 * (workgroup-memory tiles, kernels/matmul-tiled.wgsl.ts), whatever the adapter.
 *
 * Tolerance (error analysis): inputs are float32 and the reference multiplies the same float32
 * values in float64, so the only error is the kernel's: a dot product of K terms, each product and
 * each partial sum rounded at most once (fewer with fma). Higham's bound for any summation order,
 * |ĉ − c| ≤ γ_K · Σ_k |a_ik||b_kj| with γ_K = K·u / (1 − K·u) ≈ ½·K·ε₃₂ (u = 2⁻²⁴ = ε₃₂/2), is the
 * tolerance, per element (test/helpers/error-bounds.ts). Σ|a||b| comes from the same reference
 * applied to |a| and |b|. A kernel that drops one k term, or perturbs every product by 10⁻⁶
 * relative, fails it.
 *
 * Mutations of the tiled kernel (kernels/matmul-tiled.wgsl.ts) these tests catch, each tried: k past
 * K read as a value instead of 0; the last partial slab skipped; every product scaled by 1 + 10⁻⁶;
 * the addend's β·D replaced by α; the in-bounds k clamp off by one; the batch offset dropped; either
 * workgroupBarrier removed. Running the software kernel on a device forced to `hardware` fails
 * 'runs the forced variant'.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { matmulReference } from '../../kernels/matmul.reference.js';
import { tiledMatmulKernel } from '../../kernels/matmul-tiled.wgsl.js';
import { matmulKernel, matmulVariant } from '../../kernels/matmul.wgsl.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { useDevice } from '../helpers/device.js';
import { expectWithin, gamma } from '../helpers/error-bounds.js';
import { randomArray, toF32 } from '../helpers/numeric.js';

interface Case {
  M: number;
  N: number;
  K: number;
  /** Batch dimensions of a and b ([] = one matrix, broadcast when the other side has a batch). */
  batchA?: number[];
  batchB?: number[];
}

const prod = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);

/** Per-batch float64 reference and error bound γ_K·Σ|a||b| for op(A)·op(B). */
function reference(a: Float32Array, b: Float32Array, c: Case, tA: boolean, tB: boolean, batch: number) {
  const { M, N, K } = c;
  const sa = prod(c.batchA ?? []) === 1 ? 0 : M * K;
  const sb = prod(c.batchB ?? []) === 1 ? 0 : K * N;
  const want = new Float64Array(batch * M * N);
  const bound = new Float64Array(batch * M * N);
  for (let i = 0; i < batch; i++) {
    const ai = a.subarray(i * sa, i * sa + M * K);
    const bi = b.subarray(i * sb, i * sb + K * N);
    want.set(matmulReference(ai, bi, M, N, K, tA, tB), i * M * N);
    const absProd = matmulReference(ai.map(Math.abs), bi.map(Math.abs), M, N, K, tA, tB);
    bound.set(absProd.map((s) => gamma(K) * s), i * M * N);
  }
  return { want, bound };
}

async function check(c: Case, tA: boolean, tB: boolean, seed: number): Promise<void> {
  const { M, N, K } = c;
  const batchA = c.batchA ?? [], batchB = c.batchB ?? [];
  const shapeA = [...batchA, ...(tA ? [K, M] : [M, K])];
  const shapeB = [...batchB, ...(tB ? [N, K] : [K, N])];
  const a = toF32(randomArray(prod(shapeA), seed));
  const b = toF32(randomArray(prod(shapeB), seed + 1));
  const batchShape = prod(batchA) >= prod(batchB) ? batchA : batchB;
  const batch = prod(batchShape);
  const y = wc.matmul(wc.tensor(a, shapeA), wc.tensor(b, shapeB), { transposeA: tA, transposeB: tB });
  const what = `${JSON.stringify(shapeA)}${tA ? 'ᵀ' : ''} · ${JSON.stringify(shapeB)}${tB ? 'ᵀ' : ''}`;
  expect(y.shape, what).toEqual([...batchShape, M, N]);
  const { want, bound } = reference(a, b, c, tA, tB, batch);
  expectWithin(await y.toArray(), want, bound, what);
}

const transposes: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];
const tag = (tA: boolean, tB: boolean) => `${tA ? 'Aᵀ' : 'A'}·${tB ? 'Bᵀ' : 'B'}`;

describe.each(['software', 'hardware'] as const)('matmul kernel (%s variant) vs float64 reference', (kernels) => {
  const device = useDevice({ kernels });

  it('runs the forced variant (its pipeline is the one the op compiled)', async () => {
    const variant = { software: 'register-8x8', hardware: 'tiled-64x64' }[kernels];
    expect(device().kernelVariants.matmul).toBe(variant);
    await check({ M: 5, N: 6, K: 7 }, false, false, 1);
    const spec = kernels === 'software' ? matmulKernel(matmulVariant({ M: 5, N: 6, transposeA: false, transposeB: false })) : tiledMatmulKernel({ transposeA: false, transposeB: false, addend: false });
    const compiled = device().stats().pipelinesCompiled;
    device().pipelines.get(spec);
    expect(device().stats().pipelinesCompiled, `${spec.name} was not compiled by matmul()`).toBe(compiled);
  });

  // 1 and 3 (smaller than one 8×8 block), 17 and 65 (partial blocks and partial 64-wide
  // workgroups), 129 (three workgroups), even sizes, and K from 1 to 129. M or N divisible by 4
  // select the vec4 reads (for Aᵀ and B); 12, 20 and 68 end in half a block, where the second vec4
  // of a block is clamped. For the tiled variant: 64 × 64 × 32 is one whole tile of two whole
  // depth-16 slabs; K = 17, 67, 129 end in a partial slab.
  const shapes: Case[] = [
    { M: 1, N: 1, K: 1 }, { M: 3, N: 1, K: 17 }, { M: 1, N: 17, K: 3 }, { M: 17, N: 3, K: 129 },
    { M: 8, N: 8, K: 8 }, { M: 16, N: 24, K: 4 }, { M: 65, N: 66, K: 67 }, { M: 129, N: 17, K: 3 },
    { M: 3, N: 129, K: 1 }, { M: 12, N: 20, K: 5 }, { M: 68, N: 132, K: 9 }, { M: 4, N: 4, K: 1 },
    { M: 64, N: 64, K: 32 },
  ];
  for (const [tA, tB] of transposes) {
    it(`${tag(tA, tB)} for odd and even shapes`, async () => {
      for (const [i, c] of shapes.entries()) await check(c, tA, tB, 10 * i);
    });
  }

  it('a 129 × 129 × 129 product (several workgroups in both directions)', async () => {
    await check({ M: 129, N: 129, K: 129 }, false, false, 3);
    await check({ M: 129, N: 129, K: 129 }, true, true, 4);
  });

  for (const [tA, tB] of transposes) {
    it(`${tag(tA, tB)} batched and broadcast over batches`, async () => {
      await check({ M: 3, N: 5, K: 17, batchA: [2, 3], batchB: [2, 3] }, tA, tB, 1);
      await check({ M: 17, N: 3, K: 5, batchA: [], batchB: [4] }, tA, tB, 2);
      await check({ M: 5, N: 17, K: 3, batchA: [3], batchB: [] }, tA, tB, 3);
      await check({ M: 9, N: 9, K: 9, batchA: [1], batchB: [2, 2] }, tA, tB, 4);
      await check({ M: 12, N: 4, K: 3, batchA: [2, 3], batchB: [2, 3] }, tA, tB, 5);
      await check({ M: 4, N: 20, K: 7, batchA: [3], batchB: [] }, tA, tB, 6);
      await check({ M: 20, N: 12, K: 7, batchA: [], batchB: [3] }, tA, tB, 7);
    });
  }

  // out = α·a·b + β·c: the product's γ_K·|α|·Σ|a||b| plus three more roundings (α·, β·, +), bounded
  // by γ_{K+3}·(|α|·Σ|a||b| + |β|·|c|).
  it('gemmInto writes α·a·b + β·c into out (the addend epilogue), for partial and full blocks', async () => {
    for (const [i, { M, N, K }] of [{ M: 3, N: 5, K: 7 }, { M: 16, N: 136, K: 129 }, { M: 65, N: 12, K: 1 }].entries()) {
      const [a, b, c] = [[M, K], [K, N], [M, N]].map((s, j) => toF32(randomArray(prod(s), 50 + 3 * i + j)));
      const [alpha, beta] = [-0.005, 1];
      const out = wc.zeros([M, N]);
      wc.gemmInto(out, wc.tensor(a!, [M, K]), wc.tensor(b!, [K, N]), wc.tensor(c!, [M, N]), alpha, beta);
      const ab = matmulReference(a!, b!, M, N, K);
      const absAb = matmulReference(a!.map(Math.abs), b!.map(Math.abs), M, N, K);
      const want = ab.map((v, e) => alpha * v + beta * c![e]!);
      const bound = absAb.map((v, e) => gamma(K + 3) * (Math.abs(alpha) * v + Math.abs(beta * c![e]!)));
      expectWithin(await out.toArray(), want, bound, `gemmInto ${M}×${N}×${K}`);
    }
    const t = wc.zeros([2, 2]);
    expect(() => wc.gemmInto(t, wc.zeros([2, 3]), wc.zeros([2, 2]), wc.zeros([2, 2]), 1, 1)).toThrow('gemmInto: inner dimensions differ: a is [2, 3], b is [2, 2]');
    expect(() => wc.gemmInto(t, wc.zeros([2, 2]), wc.zeros([2, 2]), t, 1, 1)).toThrow('gemmInto: out and c must be different tensors');
    expect(() => wc.gemmInto(t, wc.zeros([2, 2]), wc.zeros([2, 3]), wc.zeros([2, 3]), 1, 1)).toThrow('gemmInto: out must be [2, 3], got [2, 2]');
  });

  it('K = 0 gives zeros; an empty batch gives an empty result', async () => {
    expect(Array.from(await wc.matmul(wc.zeros([2, 0]), wc.zeros([0, 3])).toArray())).toEqual([0, 0, 0, 0, 0, 0]);
    const e = wc.matmul(wc.zeros([0, 2, 3]), wc.zeros([3, 4]));
    expect(e.shape).toEqual([0, 2, 4]);
    expect(e.size).toBe(0);
  });

  it('gradients with a broadcast, transposed operand', async () => {
    const x = (shape: number[], seed: number) => ({ data: randomArray(prod(shape), seed), shape });
    await checkGrad((a, b) => wc.matmul(a, b, { transposeA: true }), [x([4, 3], 1), x([2, 4, 5], 2)]);
    await checkGrad((a, b) => wc.matmul(a, b, { transposeB: true }), [x([2, 3, 4], 1), x([5, 4], 2)]);
  });
});

describe('matmul software variant', () => {
  it('vec4 reads are chosen exactly where rows are contiguous and 4-aligned', () => {
    const v = (M: number, N: number, transposeA: boolean, transposeB: boolean) => matmulVariant({ M, N, transposeA, transposeB });
    expect(v(12, 20, true, false)).toEqual({ vec4A: true, vec4B: true, addend: false });
    expect(v(12, 20, false, true)).toEqual({ vec4A: false, vec4B: false, addend: false });
    expect(v(13, 21, true, false)).toEqual({ vec4A: false, vec4B: false, addend: false });
    expect(v(4, 3, true, false)).toEqual({ vec4A: true, vec4B: false, addend: false });
  });
});

describe('matmul argument errors', () => {
  useDevice();

  it('names both shapes when the inner dimensions differ', () => {
    expect(() => wc.matmul(wc.zeros([3, 4]), wc.zeros([5, 6]))).toThrow('matmul: inner dimensions differ: a is [3, 4], b is [5, 6]');
    expect(() => wc.matmul(wc.zeros([3, 4]), wc.zeros([3, 4]), { transposeB: true, transposeA: true }))
      .toThrow('matmul: inner dimensions differ: a is [3, 4] (transposed), b is [3, 4] (transposed)');
  });

  it('names both shapes when the batch dimensions differ', () => {
    expect(() => wc.matmul(wc.zeros([2, 3, 4]), wc.zeros([3, 4, 5])))
      .toThrow('matmul: batch dimensions differ: a is [2, 3, 4], b is [3, 4, 5] (they must be equal, or one side unbatched)');
  });

  it('rejects operands with fewer than 2 dimensions', () => {
    expect(() => wc.matmul(wc.zeros([4]), wc.zeros([4, 2])))
      .toThrow('matmul: operands must have at least 2 dimensions, a is [4], b is [4, 2]');
  });

  it('rejects a batch too large for one dispatch grid', () => {
    expect(() => wc.matmul(wc.zeros([65536, 1, 1]), wc.zeros([1, 1])))
      .toThrow('matmul: output [65536, 1, 1] needs a grid of 1 × 1 × 65536 workgroups, at most 65535 per dimension');
  });
});
