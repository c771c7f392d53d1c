/**
 * Workgroup reduction along the contiguous axis of x viewed as [outer, r] (inner = 1):
 *   out[o, j] = REDUCE over k in [j·chunk, min((j+1)·chunk, r)) of x[o, k]
 * The hardware variant of kernels/reduce.wgsl.ts for inner = 1: same params, same output layout,
 * same float64 reference (kernels/reduce.reference.ts).
 *
 * Parallelisation: one workgroup of 256 invocations per output. Invocation t reduces
 * k = start + t, start + t + 256, … (consecutive invocations read consecutive values: coalesced),
 * then a tree in workgroup memory halves the 256 partials to one in 8 barrier-separated steps.
 * The order is fixed, so results are deterministic (not the sequential kernel's sum order; both
 * within the same error bound). Where the sequential kernel gives one invocation a whole line, a
 * GPU here keeps 256 lanes busy and reads memory in order.
 * max/min/argmax/argmin: partials carry (value, index), and `wins` keeps NaN with the smallest index,
 * else the better value, on ties the smaller index: the sequential kernel's result exactly (first
 * index of the extreme, first NaN). An invocation with no element holds index EMPTY, which loses.
 * The grid is grid1d(outputs, 1): surplus workgroups of a grid folded into y store nothing, and
 * every barrier is in uniform control flow (nothing returns early).
 * With `subgroups` (sums on devices with the feature; engine/kernel-variants.ts), the first level
 * is subgroupAdd: one partial per subgroup in accs[subgroup_id], one barrier, then invocation 0 adds
 * the num_subgroups partials in order (at most 64, for subgroups of 4), instead of 8 tree steps.
 * Deterministic on a given device; the order inside subgroupAdd is the hardware's, so results
 * differ from the tree's within the same error bound (γ_r·Σ|x|).
 */
import { memoKernel } from './memo.js';
import type { ReduceOp } from './reduce.wgsl.js';
import { FLAT_WORKGROUP, IS_NAN, type KernelSpec } from './spec.js';

export const WORKGROUP_REDUCE_SIZE = 256;

export interface WorkgroupReduceVariant {
  op: ReduceOp;
  /** First level by subgroupAdd (op 'sum' only). */
  subgroups: boolean;
}

const SUBGROUP_BUILTINS = ',\n        @builtin(subgroup_id) sg: u32, @builtin(num_subgroups) nsg: u32';
/** The subgroup sum's combine: replaces the tree after the per-invocation partials. */
const SUBGROUP_SUM = /* wgsl */ `
  let total = subgroupAdd(acc);
  if (subgroupElect()) { accs[sg] = total; }
  workgroupBarrier();
  if (lid == 0u && valid) {
    var s = 0.0;
    for (var i = 0u; i < nsg; i++) { s += accs[i]; }
    out[idx] = s;
  }`;

export const workgroupReduceKernel = memoKernel(({ op, subgroups }: WorkgroupReduceVariant): KernelSpec => {
  if (subgroups && op !== 'sum') throw new RangeError(`workgroupReduceKernel: subgroups serve sums only, got op '${op}'`);
  const isArg = op === 'argmax' || op === 'argmin';
  const better = op === 'max' || op === 'argmax' ? '>' : '<';
  // sum: plain adds; the others: replace (acc, best) by (v, k) when (v, k) wins.
  const take = (v: string, k: string, accRef: string, bestRef: string) => op === 'sum'
    ? `${accRef} += ${v};`
    : `if (wins(${accRef}, ${bestRef}, ${v}, ${k})) { ${accRef} = ${v}; ${bestRef} = ${k}; }`;
  const tree = /* wgsl */ `
  accs[lid] = acc;
  bests[lid] = best;
  for (var s = ${WORKGROUP_REDUCE_SIZE / 2}u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lid < s) {
      ${take('accs[lid + s]', 'bests[lid + s]', 'accs[lid]', 'bests[lid]')}
    }
  }
  if (lid == 0u && valid) { out[idx] = ${isArg ? 'i32(bests[0])' : 'accs[0]'}; }`;
  const code = /* wgsl */ `${subgroups ? 'enable subgroups;' : ''}
struct Params { outer: u32, r: u32, inner: u32, chunk: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<${isArg ? 'i32' : 'f32'}>;
var<workgroup> accs: array<f32, ${WORKGROUP_REDUCE_SIZE}>;
var<workgroup> bests: array<u32, ${WORKGROUP_REDUCE_SIZE}>;
const EMPTY = 0xffffffffu;
${FLAT_WORKGROUP}
${IS_NAN}
// Whether (vb at index ib) replaces (va at ia): NaN wins (the first one), then the better value, then the smaller index.
fn wins(va: f32, ia: u32, vb: f32, ib: u32) -> bool {
  if (ib == EMPTY) { return false; }
  if (ia == EMPTY) { return true; }
  if (isNan(va)) { return isNan(vb) && ib < ia; }
  return isNan(vb) || vb ${better} va || (vb == va && ib < ia);
}

@compute @workgroup_size(${WORKGROUP_REDUCE_SIZE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32${subgroups ? SUBGROUP_BUILTINS : ''}) {
  let chunks = (p.r + p.chunk - 1u) / p.chunk;
  let idx = flatWorkgroup(wid, nwg);
  let valid = idx < p.outer * chunks;
  let start = (idx % chunks) * p.chunk;
  let end = min(start + p.chunk, p.r);
  let line = (idx / chunks) * p.r;
  var acc: f32 = 0.0;
  var best: u32 = EMPTY;
  if (valid) {
    for (var k = start + lid; k < end; k += ${WORKGROUP_REDUCE_SIZE}u) {
      let v = x[line + k];
      ${take('v', 'k', 'acc', 'best')}
    }
  }
${subgroups ? SUBGROUP_SUM : tree}
}
`;
  return { name: `reduce[${op},workgroup${subgroups ? ',subgroups' : ''}]`, code, bindings: ['uniform', 'read', 'readwrite'] };
});
