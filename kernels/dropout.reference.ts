/** Float64 CPU reference for kernels/dropout.wgsl.ts (the same integer hash, so the same mask). */
import { dropoutParams } from './dropout.wgsl.js';

/** PCG-RXS-M-XS 32-bit hash in uint32 arithmetic. */
export function pcg(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

export function dropoutHash(seed: number, i: number): number {
  return pcg((pcg(i) ^ pcg(seed)) >>> 0);
}

export function dropoutReference(x: ArrayLike<number>, seed: number, p: number): Float64Array {
  const { threshold, scale } = dropoutParams(p);
  return Float64Array.from(x, (v, i) => (dropoutHash(seed, i) >= threshold ? v * scale : 0));
}
