/**
 * Stamps the step at which float32 arrays first held a NaN or ±∞ (engine/numerics.ts), up to
 * NON_FINITE_TENSORS arrays in one dispatch:
 *   flags[slot_j] = min(flags[slot_j], step)   if some x_j[i] is not finite.
 * `flags` is a persistent u32 array (0xffffffff: clean so far); atomicMin over many dispatches keeps
 * the first bad step of each slot until the host reads it back, so a training loop checks every step
 * without a readback per step.
 * Not finite = exponent bits all ones (NaN or ±∞): a test on the bits, because WGSL has no isinf/isnan
 * and shader compilers that assume finite math fold `v != v` to false (see IS_NAN in spec.ts).
 *
 * Layout: each array gets its own run of workgroups (ends_j: the running workgroup count), so a
 * workgroup picks its array once, in uniform control flow, and then streams that one array: a per-element
 * choice among 13 arrays (the concatenation kernels/clamp-many.wgsl.ts uses) made the check of an MLP's
 * loss, gradients and parameters 0.69 ms on llvmpipe, where the largest array alone took 0.10 ms.
 * Each array is read as vec4 when its length is a multiple of 4, else as f32 (the width is part of the
 * variant, per array, so a one-element loss does not slow the gradients beside it to scalars).
 * 64 invocations per workgroup, each reading NON_FINITE_RUN = 64 units 64 apart (fewer workgroups: the
 * MLP's check 0.16 → 0.14 ms of CPU on llvmpipe against 16 units); only an invocation that saw a bad
 * value touches `flags` (atomicMin), so a clean step writes nothing.
 */
import { FLAT_WORKGROUP, type BindingKind, type KernelSpec } from './spec.js';
import { memoKernel } from './memo.js';

/** Most arrays per dispatch (the device's storage-buffer limit, less one for flags, may allow fewer). */
export const NON_FINITE_TENSORS = 15;
const NON_FINITE_WORKGROUP = 64;
const NON_FINITE_RUN = 64;
/** Units per workgroup. */
const NON_FINITE_SPAN = NON_FINITE_WORKGROUP * NON_FINITE_RUN;

/** Element width of each array in the dispatch, in order (4: read as vec4). */
export interface NonFiniteVariant {
  widths: readonly (1 | 4)[];
}

/** WGSL access to entry j of a uniform array<vec4<u32>, 4>. */
const entry = (name: string, j: number) => `p.${name}[${j >> 2}].${'xyzw'[j & 3]}`;

export const nonFiniteFlagsKernel = memoKernel(({ widths }: NonFiniteVariant): KernelSpec => {
  const ids = widths.map((_, j) => j);
  const decl = ids.map((j) => `@group(0) @binding(${j + 2}) var<storage, read> x${j}: array<${widths[j] === 4 ? 'vec4<f32>' : 'f32'}>;`).join('\n');
  const pick = ids.map((j) => `${j ? 'else ' : ''}if (w < ${entry('ends', j)}) {
    let first = (w - ${j ? entry('ends', j - 1) : '0u'}) * ${NON_FINITE_SPAN}u + lid;
    for (var r = 0u; r < ${NON_FINITE_RUN}u; r++) {
      let e = first + r * ${NON_FINITE_WORKGROUP}u;
      if (e < ${entry('units', j)} && nonFinite${widths[j]}(x${j}[e])) { bad = true; }
    }
    slot = ${entry('slots', j)};
  }`).join(' ');
  const code = `
struct Params { ends: array<vec4<u32>, 4>, units: array<vec4<u32>, 4>, slots: array<vec4<u32>, 4>, step: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> flags: array<atomic<u32>>;
${decl}
${FLAT_WORKGROUP}
fn nonFinite1(v: f32) -> bool { return (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u; }
fn nonFinite4(v: vec4<f32>) -> bool { return any((bitcast<vec4<u32>>(v) & vec4<u32>(0x7f800000u)) == vec4<u32>(0x7f800000u)); }
@compute @workgroup_size(${NON_FINITE_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let w = flatWorkgroup(wid, nwg);
  var bad = false;
  var slot = 0u;
  ${pick}
  if (bad) { atomicMin(&flags[slot], p.step); }
}
`;
  const bindings: BindingKind[] = ['uniform', 'readwrite', ...ids.map(() => 'read' as const)];
  return { name: `nonFiniteFlags[${widths.join(',')}]`, code, bindings };
});

/** Workgroups for an array of `units` units (the grid is grid1d of their sum, one per workgroup). */
export const nonFiniteWorkgroups = (units: number) => Math.ceil(units / NON_FINITE_SPAN);

/**
 * Params: the running workgroup ends of the arrays (unused entries repeat the total), their lengths in
 * units, their flag slots, the step.
 */
export function nonFiniteFlagsParams(units: readonly number[], slots: readonly number[], step: number): Uint32Array {
  const u = new Uint32Array(52);
  let end = 0;
  for (let j = 0; j < 16; j++) {
    end += nonFiniteWorkgroups(units[j] ?? 0);
    u[j] = end;
    u[16 + j] = units[j] ?? 0;
    u[32 + j] = slots[j] ?? 0;
  }
  u[48] = step;
  return u;
}
