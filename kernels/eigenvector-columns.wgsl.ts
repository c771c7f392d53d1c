/**
 * The eigenvectors out of the tridiagonal eigh's working matrix (engine/linalg/eigh-tridiagonal.ts):
 * src [rows ≥ n, S] holds one vector per column with its rows reversed (row r is component n−1−r);
 * out [n, k] = those columns in component order, each divided by its norm, the padding (rows ≥ n,
 * columns ≥ k) dropped:
 *   out[r, c] = src[n−1−r, c] / ‖src[0:n, c]‖   (a zero column stays zero).
 * kernels/eigenvector-columns.reference.ts is the same in float64.
 *
 * One invocation per four columns (vec4 reads, contiguous across invocations): a pass down the rows
 * for the norms, a second one to store. Grid: grid1d(S/4, COLUMNS_WORKGROUP).
 */
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';

/** Small workgroups: k/4 invocations in all, to spread over the cores. */
export const COLUMNS_WORKGROUP = 8;

export function eigenvectorColumnsKernel(): KernelSpec {
  const code = /* wgsl */ `
struct Params { n: u32, k: u32, S4: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${FLAT_WORKGROUP}
@compute @workgroup_size(${COLUMNS_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let q = flatWorkgroup(wid, nwg) * ${COLUMNS_WORKGROUP}u + lid;
  if (q >= p.S4) { return; }
  var ss = vec4<f32>(0.0);
  for (var r = 0u; r < p.n; r++) {
    let x = src[r * p.S4 + q];
    ss = fma(x, x, ss);
  }
  let scale = select(vec4<f32>(0.0), inverseSqrt(ss), ss > vec4<f32>(0.0));
  let c0 = 4u * q;
  let cols = min(p.k - min(c0, p.k), 4u);
  for (var r = 0u; r < p.n; r++) {
    let x = src[(p.n - 1u - r) * p.S4 + q] * scale;
    for (var c = 0u; c < cols; c++) { out[r * p.k + c0 + c] = x[c]; }
  }
}
`;
  return { name: 'eigenvectorColumns', code, bindings: ['uniform', 'read', 'readwrite'] };
}
