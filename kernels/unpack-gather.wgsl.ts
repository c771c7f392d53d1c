/**
 * Gathers rows of a byte-packed image store and unpacks them to 32-bit values through a palette:
 *   out[j, i] = palette[code(idx[j], i)]            (out is [m, pixels], row-major)
 * where the store holds one byte code per pixel, 4 codes per u32 word, little-endian (pixel i of a
 * row is byte i mod 4 of word i div 4), each row padded to `rowWords` = ⌈pixels / 4⌉ words:
 *   code(k, i) = (packed[k·rowWords + i div 4] >> 8·(i mod 4)) & 255.
 * The palette holds the 256 float32 values as bits and is copied, not computed: the GPU does no
 * arithmetic on values, so a batch equals the float32 rows it stands for bit for bit (whatever
 * division by 255 or normalisation made them on the host; WGSL's f32 division is only accurate to
 * 2.5 ulp, so computing k/255 here could differ). An index outside [0, n) reads nothing: its row is
 * `p.fill` (NaN's bits), as in kernels/gather.wgsl.ts.
 * One invocation per output value, 256 per workgroup, grid folded into y; neighbouring invocations
 * read the same word (cached) and write neighbouring values (coalesced).
 */
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';

export const UNPACK_GATHER_WORKGROUP = 256;

export const unpackGatherKernel: KernelSpec = {
  name: 'unpackGather',
  bindings: ['uniform', 'read', 'read', 'read', 'readwrite'],
  code: /* wgsl */ `
struct Params { n: u32, pixels: u32, rowWords: u32, m: u32, fill: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> packed: array<u32>;
@group(0) @binding(2) var<storage, read> palette: array<u32, 256>;
@group(0) @binding(3) var<storage, read> idx: array<i32>;
@group(0) @binding(4) var<storage, read_write> out: array<u32>;
${FLAT_WORKGROUP}
@compute @workgroup_size(${UNPACK_GATHER_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = flatWorkgroup(wid, nwg) * ${UNPACK_GATHER_WORKGROUP}u + lid;
  if (e >= p.m * p.pixels) { return; }
  let i = e % p.pixels;
  let k = idx[e / p.pixels];
  if (k < 0 || u32(k) >= p.n) { out[e] = p.fill; return; }
  let word = packed[u32(k) * p.rowWords + i / 4u];
  out[e] = palette[(word >> (8u * (i % 4u))) & 255u];
}
`,
};
