/**
 * Reduction along one axis of an array viewed as [outer, r, inner]:
 *   out[o, j, i] = REDUCE over k in [j·chunk, min((j+1)·chunk, r)) of x[o, k, i]
 * with j < ceil(r / chunk). One invocation per output element, 256 per workgroup, a sequential loop
 * over its chunk: deterministic (fixed order), no atomics, no barriers (costly on software Vulkan).
 * A long axis with few outputs is reduced in two passes (chunks, then the partials) so that enough
 * invocations run. `arg` variants return the index (i32) of the max/min, first one on ties.
 * NaN wins, as in PyTorch: max/min of a line holding NaN is NaN, argmax/argmin its first NaN.
 */
import { FLAT_WORKGROUP, IS_NAN, type KernelSpec } from './spec.js';
import { memoKernel } from './memo.js';

export type ReduceOp = 'sum' | 'max' | 'min' | 'argmax' | 'argmin';
export const REDUCE_WORKGROUP = 256;

export const reduceKernel = memoKernel((op: ReduceOp): KernelSpec => {
  const isArg = op === 'argmax' || op === 'argmin';
  const better = op === 'max' || op === 'argmax' ? '>' : '<';
  // max/min: the first element initialises; NaN wins and then stays (as in PyTorch); IS_NAN tests the bits.
  const step = op === 'sum'
    ? 'acc += v;'
    : `if (k == start || (!isNan(acc) && (isNan(v) || v ${better} acc))) { acc = v; best = k; }`;
  const code = /* wgsl */ `
struct Params { outer: u32, r: u32, inner: u32, chunk: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<${isArg ? 'i32' : 'f32'}>;
${FLAT_WORKGROUP}
${IS_NAN}@compute @workgroup_size(${REDUCE_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let chunks = (p.r + p.chunk - 1u) / p.chunk;
  let idx = flatWorkgroup(wid, nwg) * ${REDUCE_WORKGROUP}u + lid;
  if (idx >= p.outer * chunks * p.inner) { return; }
  let i = idx % p.inner;
  let j = (idx / p.inner) % chunks;
  let o = idx / (p.inner * chunks);
  let start = j * p.chunk;
  let end = min(start + p.chunk, p.r);
  var acc: f32 = 0.0;
  var best: u32 = start;
  for (var k = start; k < end; k++) {
    let v = x[(o * p.r + k) * p.inner + i];
    ${step}
  }
  out[idx] = ${isArg ? 'i32(best)' : 'acc'};
}
`;
  return { name: `reduce[${op}]`, code, bindings: ['uniform', 'read', 'readwrite'] };
});
