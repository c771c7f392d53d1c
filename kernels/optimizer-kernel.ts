/**
 * Scaffolding shared by the fused optimizer kernels (sgd, adam, rmsprop): one dispatch updates one
 * parameter and its state buffers in place, element by element.
 *
 * Bindings: 0 the params uniform { n: u32, first: u32, <f32 hyperparameters> }, 1 the parameter
 * (read_write), 2 its gradient (read), 3… the state buffers (read_write), all contiguous float32 of n
 * elements. `first` is 1 on a parameter's first step: state buffers are then fresh pool memory and
 * the update body must not read them (PyTorch starts them at zero or at the first gradient).
 * One invocation per element, 256 per workgroup, grid folded into y (grid1d): the update is
 * memory-bound and every element independent, so no workgroup memory or barriers.
 */
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';

export const OPTIMIZER_WORKGROUP = 256;

/**
 * A kernel whose main body (WGSL, using `i`, `first`, `param`, `grad`, the state arrays and `p.<field>`)
 * updates element i.
 */
export function optimizerKernel(name: string, fields: readonly string[], state: readonly string[], body: string): KernelSpec {
  const stateDecl = state
    .map((s, k) => `@group(0) @binding(${k + 3}) var<storage, read_write> ${s}: array<f32>;`)
    .join('\n');
  const code = /* wgsl */ `
struct Params { n: u32, first: u32, ${fields.map((f) => `${f}: f32`).join(', ')} }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
${stateDecl}
${FLAT_WORKGROUP}
@compute @workgroup_size(${OPTIMIZER_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flatWorkgroup(wid, nwg) * ${OPTIMIZER_WORKGROUP}u + lid;
  if (i >= p.n) { return; }
  let first = p.first != 0u;
${body}
}
`;
  return { name, code, bindings: ['uniform', 'readwrite', 'read', ...state.map(() => 'readwrite' as const)] };
}

/** The params uniform: n, first, then the f32 hyperparameters in the kernel's field order. */
export function optimizerParams(n: number, first: boolean, values: readonly number[]): Uint32Array {
  const u = new Uint32Array(2 + values.length);
  u[0] = n;
  u[1] = first ? 1 : 0;
  new Float32Array(u.buffer).set(values, 2);
  return u;
}
