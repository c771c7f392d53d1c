/**
 * Clamps up to CLAMP_MANY_TENSORS float32 arrays in one dispatch (gradient clipping by value over a
 * model's parameters):  out_j[i] = clamp(in_j[i], lo, hi)  for every array j; NaN stays NaN (as in
 * PyTorch's clip_grad_value_: a diverged gradient must stay visible). WGSL's clamp leaves NaN
 * unspecified (lavapipe returns a bound), so a select on the bits (isNan) keeps it: no branch.
 *
 * Layout: the arrays are concatenated logically; params hold the running end of each (end_j = n_0 +
 * … + n_j) and invocation e finds its array as the first j with e < end_j. One dispatch instead of
 * one per gradient saves ≈ 50 µs per tensor on lavapipe, where a seed-model step clips three.
 * 64 invocations per workgroup, each clamping CLAMP_MANY_RUN elements 64 apart (on lavapipe the cost
 * is mostly per workgroup; see kernels/gradproj-step.wgsl.ts); unused bindings are absent. Variant:
 * the number of arrays, and the element width: vec4 when every array's length is a multiple of 4
 * (then starts and ends count vec4s; the seed CNN's three gradients: 0.039 → 0.025 ms).
 */
import { FLAT_WORKGROUP, type BindingKind, type KernelSpec } from './spec.js';
import { memoKernel } from './memo.js';

export const CLAMP_MANY_TENSORS = 4;
const CLAMP_MANY_WORKGROUP = 64;
const CLAMP_MANY_RUN = 16;
/** Elements per workgroup (the grid is grid1d(total, CLAMP_MANY_SPAN)). */
export const CLAMP_MANY_SPAN = CLAMP_MANY_WORKGROUP * CLAMP_MANY_RUN;

export interface ClampManyVariant {
  count: number;
  width: 1 | 4;
}

export const clampManyKernel = memoKernel(({ count, width }: ClampManyVariant): KernelSpec => {
  const ids = Array.from({ length: count }, (_, j) => j);
  const type = width === 4 ? 'vec4<f32>' : 'f32';
  const decl = ids.map((j) => `@group(0) @binding(${2 * j + 1}) var<storage, read> in${j}: array<${type}>;
@group(0) @binding(${2 * j + 2}) var<storage, read_write> out${j}: array<${type}>;`).join('\n');
  const pick = ids.map((j) => `${j ? 'else ' : ''}if (e < p.ends[${j}]) { out${j}[e - p.starts[${j}]] = clampKeepNan(in${j}[e - p.starts[${j}]]); }`).join('\n    ');
  const bits = width === 4 ? 'vec4<u32>' : 'u32';
  const code = `
struct Params { starts: vec4<u32>, ends: vec4<u32>, lo: f32, hi: f32 }
@group(0) @binding(0) var<uniform> p: Params;
${decl}
${FLAT_WORKGROUP}
fn clampKeepNan(v: ${type}) -> ${type} {
  let nan = (bitcast<${bits}>(v) & ${bits}(0x7fffffffu)) > ${bits}(0x7f800000u);
  return select(clamp(v, ${type}(p.lo), ${type}(p.hi)), v, nan);
}
@compute @workgroup_size(${CLAMP_MANY_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let first = flatWorkgroup(wid, nwg) * ${CLAMP_MANY_SPAN}u + lid;
  for (var r = 0u; r < ${CLAMP_MANY_RUN}u; r++) {
    let e = first + r * ${CLAMP_MANY_WORKGROUP}u;
    ${pick}
  }
}
`;
  const bindings: BindingKind[] = ['uniform', ...ids.flatMap(() => ['read', 'readwrite'] as const)];
  return { name: `clampMany[${count}${width === 4 ? ',vec4' : ''}]`, code, bindings };
});

/** Params: starts and ends of the arrays (in elements of the variant's width) in the concatenation (unused slots repeat the total), lo, hi. */
export function clampManyParams(sizes: readonly number[], lo: number, hi: number): ArrayBuffer {
  const buf = new ArrayBuffer(48);
  const u = new Uint32Array(buf);
  let end = 0;
  for (let j = 0; j < CLAMP_MANY_TENSORS; j++) {
    u[j] = end;
    end += sizes[j] ?? 0;
    u[4 + j] = end;
  }
  new Float32Array(buf, 32, 2).set([lo, hi]);
  return buf;
}
