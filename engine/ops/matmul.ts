/**
 * matmul(a, b, {transposeA, transposeB}): batched matrix product with transposed operands read in
 * place (no copies). Shapes: a [..., M, K] (or [..., K, M]), b [..., K, N] (or [..., N, K]); batch
 * dimensions must be equal, or one side has none (it is broadcast). 1-D operands are not promoted.
 */
import { tiledMatmulGrid, tiledMatmulKernel } from '../../kernels/matmul-tiled.wgsl.js';
import { matmulGrid, matmulKernel, matmulParams, matmulVariant, type MatmulShape } from '../../kernels/matmul.wgsl.js';
import { MAX_WORKGROUPS_PER_DIM, type KernelSpec } from '../../kernels/spec.js';
import { record } from '../autograd.js';
import type { Device } from '../device.js';
import { formatShape, sizeOf } from '../shape.js';
import { emptyTensor, type Tensor } from '../tensor.js';
import { checkFloat, checkSameDevice, checkTensor } from './map.js';
import { sumTo } from './reduce.js';

export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
}

/** The program the device's kernel variant (device.kernelVariants.matmul) runs for a shape, and its grid. */
export function matmulProgram(device: Device, shape: MatmulShape, batch: number, addend: boolean): { spec: KernelSpec; grid: [number, number, number] } {
  const { M, N, transposeA, transposeB } = shape;
  if (device.kernelVariants.matmul === 'tiled-64x64') {
    return { spec: tiledMatmulKernel({ transposeA, transposeB, addend }), grid: tiledMatmulGrid(M, N, batch) };
  }
  return { spec: matmulKernel(matmulVariant(shape, addend)), grid: matmulGrid(M, N, batch) };
}

export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  checkTensor('matmul', 'a', a);
  checkTensor('matmul', 'b', b);
  checkFloat('matmul', 'a', a);
  checkFloat('matmul', 'b', b);
  checkSameDevice('matmul', { a, b });
  const tA = opts.transposeA ?? false;
  const tB = opts.transposeB ?? false;
  if (a.rank < 2 || b.rank < 2) {
    throw new RangeError(`matmul: operands must have at least 2 dimensions, a is ${formatShape(a.shape)}, b is ${formatShape(b.shape)}`);
  }
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [M, Ka] = tA ? [ac, ar] : [ar, ac];
  const [Kb, N] = tB ? [bc, br] : [br, bc];
  const desc = (t: Tensor, tr: boolean) => `${formatShape(t.shape)}${tr ? ' (transposed)' : ''}`;
  if (Ka !== Kb) throw new RangeError(`matmul: inner dimensions differ: a is ${desc(a, tA)}, b is ${desc(b, tB)}`);
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const sameBatch = batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i]);
  if (!sameBatch && sizeOf(batchA) !== 1 && sizeOf(batchB) !== 1) {
    throw new RangeError(`matmul: batch dimensions differ: a is ${formatShape(a.shape)}, b is ${formatShape(b.shape)} (they must be equal, or one side unbatched)`);
  }
  // The result takes the batch dimensions of the side that is not broadcast (b's only when a's hold one matrix).
  const aBatched = sizeOf(batchB) === 1 && (sizeOf(batchA) !== 1 || batchA.length >= batchB.length);
  const batchShape = sameBatch || aBatched ? batchA : batchB;
  const batch = sizeOf(batchShape);
  const outShape = [...batchShape, M, N];
  const shape: MatmulShape = {
    M, N, K: Ka, transposeA: tA, transposeB: tB,
    broadcastA: sizeOf(batchA) === 1, broadcastB: sizeOf(batchB) === 1,
  };
  const { spec, grid } = matmulProgram(a.device, shape, batch, false);
  if (grid.some((g) => g > MAX_WORKGROUPS_PER_DIM)) {
    throw new RangeError(`matmul: output ${formatShape(outShape)} needs a grid of ${grid.join(' × ')} workgroups, at most ${MAX_WORKGROUPS_PER_DIM} per dimension`);
  }
  const out = emptyTensor(a.device, outShape);
  if (out.size > 0) a.device.dispatch(spec, matmulParams(shape), [a.buffer, b.buffer, out.buffer], grid);
  // C = op(A)·op(B):  d op(A) = G·op(B)ᵀ,  d op(B) = op(A)ᵀ·G  (transposed back where op transposes).
  return record(out, 'matmul', [a, b], (g) => [
    sumTo(tA ? matmul(b, g, { transposeA: tB, transposeB: true }) : matmul(g, b, { transposeB: !tB }), a.shape),
    sumTo(tB ? matmul(g, a, { transposeA: true, transposeB: tA }) : matmul(a, g, { transposeA: !tA }), b.shape),
  ]);
}

/**
 * out ← α·op(a)·b + β·c for 2-D op(a) [M, K] (a, or aᵀ with `transposeA`), b [K, N], c and out
 * [M, N], written into `out` in one dispatch (the matmul kernel's addend epilogue; its sums are those
 * of matmul() on the same operands, bit for bit). For optimiser updates such as θ = θ₀ − lr·D·P: not
 * recorded for autograd; `out` must be another tensor than `c`.
 */
export function gemmInto(out: Tensor, a: Tensor, b: Tensor, c: Tensor, alpha: number, beta: number, opts: { transposeA?: boolean } = {}): void {
  const named = { out, a, b, c };
  for (const [name, t] of Object.entries(named)) {
    checkTensor('gemmInto', name, t);
    checkFloat('gemmInto', name, t);
    if (t.rank !== 2) throw new RangeError(`gemmInto: ${name} must be 2-D, got ${formatShape(t.shape)}`);
  }
  checkSameDevice('gemmInto', named);
  const transposeA = opts.transposeA ?? false;
  const [M, K] = (transposeA ? [a.shape[1], a.shape[0]] : a.shape) as [number, number];
  const N = b.shape[1]!;
  if (b.shape[0] !== K) {
    throw new RangeError(`gemmInto: inner dimensions differ: a is ${formatShape(a.shape)}${transposeA ? ' (transposed)' : ''}, b is ${formatShape(b.shape)}`);
  }
  for (const [name, t] of [['c', c], ['out', out]] as const) {
    if (t.shape[0] !== M || t.shape[1] !== N) throw new RangeError(`gemmInto: ${name} must be [${M}, ${N}], got ${formatShape(t.shape)}`);
  }
  if (out.buffer === c.buffer) throw new RangeError('gemmInto: out and c must be different tensors');
  if (M * N === 0) return;
  const shape: MatmulShape = { M, N, K, transposeA, transposeB: false, broadcastA: true, broadcastB: true };
  const { spec, grid } = matmulProgram(a.device, shape, 1, true);
  a.device.dispatch(spec, matmulParams(shape, alpha, beta), [a.buffer, b.buffer, out.buffer, c.buffer], grid);
  out.bumpVersion();
}
