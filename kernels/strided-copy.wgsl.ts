/**
 * Strided copy of 32-bit words: for every index c of a box of shape S (rank ≤ 8),
 *   dst[dstOffset + Σ_d c_d·dstStride_d] = src[srcOffset + Σ_d c_d·srcStride_d].
 * permute (source strides permuted, destination contiguous), slice (source offset), concat (destination
 * offset and strides of the larger output) and slice's backward are all this one program. Words are
 * copied as u32, so float32 and int32 tensors share the pipeline.
 *
 * Layout: the op merges dimensions that are contiguous in both source and destination, so most copies
 * run with rank 1 to 3. Parallelisation: one invocation per copied element, 256 per workgroup, grid
 * folded into y above 65,535 workgroups; no workgroup memory (reads are gathers, writes coalesced
 * whenever the destination is contiguous).
 */
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';

export const COPY_WORKGROUP = 256;
export const COPY_MAX_RANK = 8;

const code = /* wgsl */ `
struct Params {
  n: u32, rank: u32, srcOffset: u32, dstOffset: u32,
  shape: array<vec4<u32>, 2>,
  srcStrides: array<vec4<u32>, 2>,
  dstStrides: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
${FLAT_WORKGROUP}
fn at(a: array<vec4<u32>, 2>, d: u32) -> u32 { return a[d / 4u][d % 4u]; }

@compute @workgroup_size(${COPY_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flatWorkgroup(wid, nwg) * ${COPY_WORKGROUP}u + lid;
  if (i >= p.n) { return; }
  var rem = i;
  var s = p.srcOffset;
  var t = p.dstOffset;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let dim = at(p.shape, u32(d));
    let c = rem % dim;
    rem = rem / dim;
    s += c * at(p.srcStrides, u32(d));
    t += c * at(p.dstStrides, u32(d));
  }
  dst[t] = src[s];
}
`;

export const stridedCopyKernel: KernelSpec = { name: 'stridedCopy', code, bindings: ['uniform', 'read', 'readwrite'] };

/** The params uniform: n, rank, offsets, then shape and both stride lists (8 slots each). */
export function copyParams(shape: readonly number[], srcStrides: readonly number[], srcOffset: number, dstStrides: readonly number[], dstOffset: number): Uint32Array {
  const u = new Uint32Array(28);
  u[0] = shape.reduce((a, b) => a * b, 1);
  u[1] = shape.length;
  u[2] = srcOffset;
  u[3] = dstOffset;
  shape.forEach((d, i) => {
    u[4 + i] = d;
    u[12 + i] = srcStrides[i]!;
    u[20 + i] = dstStrides[i]!;
  });
  return u;
}
