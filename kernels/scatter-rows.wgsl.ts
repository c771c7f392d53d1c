/**
 * Row scatter into a buffer, in place: for rows src [m, inner] and int32 slots slot[m],
 *   buf[slot[j], i] = src[j, i]        for every j with 0 ≤ slot[j] < r, every i < inner
 * and every other row of buf [r, inner] unchanged. A slot outside [0, r) (the caller passes −1)
 * writes nothing: a replay buffer passes one slot per batch row, −1 for the rows it does not store.
 * The slots of one dispatch must be distinct (the caller resolves repeats on the host, the later write
 * winning, as Algorithm R's sequential order says); with a repeated slot which row lands is unspecified.
 *
 * Words are copied as 32-bit patterns (float32 images and int32 labels alike, NaNs kept bit for bit).
 * Layout: row-major; with inner % 4 = 0 the rows are vec4-aligned and the kernel copies vec4s
 * (p.inner then counts vec4s). Parallelisation: one invocation per copied element of src (m·inner, or
 * m·inner/4 vec4s), 256 per workgroup, grid folded into y by grid1d; no workgroup memory. Why this
 * shape: the gather kernel's layout, written the other way round; a replay step writes at most a batch
 * of rows (m·inner ≤ 256·784 words), so the work is a few hundred workgroups of plain copies. It
 * replaces the composition gather(concat([buf, src]), keep-or-take index) that rewrites the whole
 * buffer (r rows) every step, where this writes only the m new rows.
 */
import { memoKernel } from './memo.js';
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';

export const SCATTER_ROWS_WORKGROUP = 256;

export const scatterRowsKernel = memoKernel((width: 1 | 4): KernelSpec => ({
  name: width === 4 ? 'scatterRows[vec4]' : 'scatterRows',
  bindings: ['uniform', 'read', 'read', 'readwrite'],
  code: /* wgsl */ `
struct Params { r: u32, inner: u32, m: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<${width === 4 ? 'vec4<u32>' : 'u32'}>;
@group(0) @binding(2) var<storage, read> slot: array<i32>;
@group(0) @binding(3) var<storage, read_write> buf: array<${width === 4 ? 'vec4<u32>' : 'u32'}>;
${FLAT_WORKGROUP}
@compute @workgroup_size(${SCATTER_ROWS_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = flatWorkgroup(wid, nwg) * ${SCATTER_ROWS_WORKGROUP}u + lid;
  if (e >= p.m * p.inner) { return; }
  let j = e / p.inner;
  let k = slot[j];
  if (k < 0 || u32(k) >= p.r) { return; }
  buf[u32(k) * p.inner + (e - j * p.inner)] = src[e];
}
`,
}));
