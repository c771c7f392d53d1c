/**
 * Final gather of the Jacobi solvers: out[i, j] = src[perm[j], i] / ‖src[perm[j], :]‖ (0 for a zero
 * row), out [rows, cols]. The solvers keep vectors as rows of a [·, stride] matrix; this sorts them
 * (perm, computed on the host), transposes them into columns and normalises them. Norms come from
 * matrixRowStats (row norm² = stats.x + stats.y²), no extra pass.
 *
 * Why normalise: float32 rotations have c² + s² = 1 only to a few ulp and that error adds up in one
 * direction over the thousands of rotations each vector takes (measured in eigh: ‖v‖ − 1 ≈ 3e-5 at
 * n = 129 while the vectors stayed orthogonal to 1e-6); in the SVD the norm is σ itself.
 * One invocation per output element. Grid: grid1d(rows·cols, 64).
 */
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';

export const GATHER_WORKGROUP = 64;

/** The gather's perm: indices that sort `values` descending (stable), computed on the host. */
export function descendingOrder(values: ArrayLike<number>): number[] {
  return Array.from({ length: values.length }, (_, i) => i).sort((i, j) => values[j]! - values[i]! || i - j);
}

export function gatherNormalizedKernel(): KernelSpec {
  const code = /* wgsl */ `
struct Params { rows: u32, cols: u32, stride: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> stats: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> perm: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
${FLAT_WORKGROUP}
@compute @workgroup_size(${GATHER_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let idx = flatWorkgroup(wid, nwg) * ${GATHER_WORKGROUP}u + lid;
  if (idx >= p.rows * p.cols) { return; }
  let i = idx / p.cols;
  let j = idx % p.cols;
  let row = perm[j];
  let st = stats[row];
  let norm = sqrt(st.x + st.y * st.y);
  out[idx] = select(0.0, src[row * p.stride + i] / norm, norm > 0.0);
}
`;
  return { name: 'jacobi.gather', code, bindings: ['uniform', 'read', 'read', 'read', 'readwrite'] };
}
