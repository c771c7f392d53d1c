/**
 * Index select along one axis and its adjoint, for x viewed as [outer, r, inner] and int32 indices
 * idx[m]:
 *   gather:      out[o, j, i] = x[o, idx[j], i]                      (out is [outer, m, inner])
 *   scatter-add: dx[o, k, i]  = Σ_{j : idx[j] = k, in increasing j} g[o, j, i]
 *
 * gather copies 32-bit words (float32 and int32 alike), 4 at a time where inner allows; an index
 * outside [0, r) never reads x: its row is filled with `p.fill` (the op passes NaN's bits for
 * float32, i32 min for int32).
 *
 * The scatter-add is deterministic without float atomics, in two dispatches:
 *  1. sortIndices (one invocation per j): rank(j) = #{j' : (idx[j'], j') < (idx[j], j)}, a stable
 *     counting sort in O(m) per invocation (O(m²) in all: fine for batch-sized index lists);
 *     order[rank(j)] = j.
 *  2. scatterAdd (one invocation per dx element): a binary search of the sorted keys idx[order[t]]
 *     finds the run equal to k, which is summed in increasing j (the same order as a sequential
 *     loop, so results are reproducible run to run). Indices outside [0, r) match no k.
 * All three: 256 invocations per workgroup, grid folded into y, no workgroup memory. A gather
 * invocation copies GATHER_RUN consecutive elements, decoding its position with divisions once
 * (integer division runs lane by lane on software rasterisers).
 */
import { memoKernel } from './memo.js';
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';

export const GATHER_WORKGROUP = 256;
/** Consecutive output elements per gather invocation. */
export const GATHER_RUN = 8;

const PROLOGUE = /* wgsl */ `
${FLAT_WORKGROUP}
fn invocation(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 { return flatWorkgroup(wid, nwg) * ${GATHER_WORKGROUP}u + lid; }
`;

const MAIN_ARGS = '@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32';

/** Width 4 copies vec4s of words (inner % 4 = 0: rows stay vec4-aligned; p.inner then counts vec4s). */
export const gatherKernel = memoKernel((width: 1 | 4): KernelSpec => ({
  name: width === 4 ? 'gather[vec4]' : 'gather',
  bindings: ['uniform', 'read', 'read', 'readwrite'],
  code: /* wgsl */ `
struct Params { outer: u32, r: u32, inner: u32, m: u32, fill: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<${width === 4 ? 'vec4<u32>' : 'u32'}>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<${width === 4 ? 'vec4<u32>' : 'u32'}>;
${PROLOGUE}
@compute @workgroup_size(${GATHER_WORKGROUP})
fn main(${MAIN_ARGS}) {
  // GATHER_RUN consecutive elements: (o, j, i) decoded once, then stepped (no division per element).
  let total = p.outer * p.m * p.inner;
  var e = invocation(wid, nwg, lid) * ${GATHER_RUN}u;
  if (e >= total) { return; }
  var i = e % p.inner;
  var j = (e / p.inner) % p.m;
  var o = e / (p.inner * p.m);
  let end = min(e + ${GATHER_RUN}u, total);
  for (; e < end; e++) {
    let k = idx[j];
    if (k < 0 || u32(k) >= p.r) { out[e] = ${width === 4 ? 'vec4<u32>(p.fill)' : 'p.fill'}; } else { out[e] = x[(o * p.r + u32(k)) * p.inner + i]; }
    i++;
    if (i == p.inner) { i = 0u; j++; if (j == p.m) { j = 0u; o++; } }
  }
}
`,
}));

export const sortIndicesKernel: KernelSpec = {
  name: 'gather.sortIndices',
  bindings: ['uniform', 'read', 'readwrite'],
  code: /* wgsl */ `
struct Params { m: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> order: array<u32>;
${PROLOGUE}
@compute @workgroup_size(${GATHER_WORKGROUP})
fn main(${MAIN_ARGS}) {
  let j = invocation(wid, nwg, lid);
  if (j >= p.m) { return; }
  let key = idx[j];
  var rank = 0u;
  for (var t = 0u; t < p.m; t++) {
    let other = idx[t];
    if (other < key || (other == key && t < j)) { rank++; }
  }
  order[rank] = j;
}
`,
};

export const scatterAddKernel: KernelSpec = {
  name: 'gather.scatterAdd',
  bindings: ['uniform', 'read', 'read', 'read', 'readwrite'],
  code: /* wgsl */ `
struct Params { outer: u32, r: u32, inner: u32, m: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read> order: array<u32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
${PROLOGUE}
@compute @workgroup_size(${GATHER_WORKGROUP})
fn main(${MAIN_ARGS}) {
  let e = invocation(wid, nwg, lid);
  if (e >= p.outer * p.r * p.inner) { return; }
  let i = e % p.inner;
  let k = i32((e / p.inner) % p.r);
  let o = e / (p.inner * p.r);
  // First t with idx[order[t]] >= k.
  var lo = 0u;
  var hi = p.m;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (idx[order[mid]] < k) { lo = mid + 1u; } else { hi = mid; }
  }
  var acc = 0.0;
  for (var t = lo; t < p.m; t++) {
    let j = order[t];
    if (idx[j] != k) { break; }
    acc += g[(o * p.m + j) * p.inner + i];
  }
  dx[e] = acc;
}
`,
};
