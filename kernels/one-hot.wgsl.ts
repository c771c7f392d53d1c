/**
 * One-hot encoding: out[n, c] = 1 if labels[n] = c else 0, for int32 labels [N] and out [N, C]
 * float32. A label outside [0, C) gives a row of zeros (it is only compared, never used as an index).
 * One invocation per output element, 256 per workgroup, grid folded into y.
 */
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';

export const ONE_HOT_WORKGROUP = 256;

export const oneHotKernel: KernelSpec = {
  name: 'oneHot',
  bindings: ['uniform', 'read', 'readwrite'],
  code: /* wgsl */ `
struct Params { N: u32, C: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${FLAT_WORKGROUP}
@compute @workgroup_size(${ONE_HOT_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let e = flatWorkgroup(wid, nwg) * ${ONE_HOT_WORKGROUP}u + lid;
  if (e >= p.N * p.C) { return; }
  out[e] = select(0.0, 1.0, labels[e / p.C] == i32(e % p.C));
}
`,
};
