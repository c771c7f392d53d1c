/**
 * The patch matrix of a 2-D convolution (im2col) and its adjoint (col2im).
 *
 * unfold: x [N, C, H, W] → patches, one column (or row) per output position l = oy·Wo + ox, the
 * entries of a patch ordered like a flattened kernel k = (c·kh + ky)·kw + kx (PyTorch's F.unfold):
 *   cols layout  out[n, k, l]      = x[n, c, oy·sy − py + ky·dy, ox·sx − px + kx·dx]  ([N, K, L])
 *   rows layout  out[n·L + l, k]   = the same value                                  ([N·L, K])
 * with 0 where the tap falls into the padding. With flag = 1 every patch gets one more entry,
 * k = C·kh·kw, equal to 1 (homogeneous coordinates: a bias column in the weights then adds the
 * bias inside the matmul, and the weight gradient's last column is the bias gradient).
 *
 * fold (the adjoint, also the backward of unfold): each input pixel gathers, in a fixed order
 * (ky, kx ascending), the patch entries that read it:
 *   dx[n, c, iy, ix] = Σ over ky, kx with iy + py − ky·dy = oy·sy, ix + px − kx·dx = ox·sx,
 *                      0 ≤ oy < Ho, 0 ≤ ox < Wo  of  cols[n, (c·kh + ky)·kw + kx, oy·Wo + ox].
 * A gather, not a scatter: deterministic and free of float atomics.
 *
 * Parallelisation: unfold runs one invocation per (n, c, l), writing that patch's kh·kw entries of
 * channel c; fold runs one invocation per input pixel. 256 per workgroup, grid folded into y above
 * 65,535 workgroups. Index decoding (integer division, slow on software rasterisers, which run it
 * lane by lane) happens once per invocation, not per tap; no workgroup memory (barriers are
 * costly on software Vulkan).
 * Params (kernels/window2d.ts): n = N, c = C, size = (H, W), osize = (Ho, Wo), flag = ones row
 * (unfold only; fold takes patches without it).
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { memoKernel } from './memo.js';
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';
import { WINDOW2D_PARAMS } from './window2d.js';

export const UNFOLD_WORKGROUP = 256;

/** `cols`: [N, K, L] (F.unfold); `rows`: [N·L, K] (one row per patch). */
export type PatchLayout = 'cols' | 'rows';

const PATCH_INDEX = (layout: PatchLayout) => wgsl`
// Position of patch entry (n, k, l) in the patch array.
fn patchIndex(n: u32, k: u32, l: u32) -> u32 {
  let K = p.c * p.k.x * p.k.y + p.flag;
  let L = p.osize.x * p.osize.y;
#if ${layout === 'rows'}
  return (n * L + l) * K + k;
#else
  return (n * K + k) * L + l;
#endif
}
`;

export const unfoldKernel = memoKernel((layout: PatchLayout): KernelSpec => {
  const code = wgsl`
${WINDOW2D_PARAMS}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${FLAT_WORKGROUP}
${PATCH_INDEX(layout)}
@compute @workgroup_size(${UNFOLD_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let idx = flatWorkgroup(wid, nwg) * ${UNFOLD_WORKGROUP}u + lid;
  if (idx >= p.total) { return; }
  let L = p.osize.x * p.osize.y;
  let l = idx % L;
  let c = (idx / L) % p.c;
  let n = idx / (L * p.c);
  let y0 = i32((l / p.osize.y) * p.s.x) - i32(p.pad.x);
  let x0 = i32((l % p.osize.y) * p.s.y) - i32(p.pad.y);
  let plane = (n * p.c + c) * p.size.x * p.size.y;
  for (var ky = 0u; ky < p.k.x; ky++) {
    let iy = y0 + i32(ky * p.dil.x);
    let rowInside = iy >= 0 && iy < i32(p.size.x);
    for (var kx = 0u; kx < p.k.y; kx++) {
      let ix = x0 + i32(kx * p.dil.y);
      var v = 0.0;
      if (rowInside && ix >= 0 && ix < i32(p.size.y)) { v = x[plane + u32(iy) * p.size.y + u32(ix)]; }
      out[patchIndex(n, (c * p.k.x + ky) * p.k.y + kx, l)] = v;
    }
  }
  if (p.flag == 1u && c == 0u) { out[patchIndex(n, p.c * p.k.x * p.k.y, l)] = 1.0; }
}
`;
  return { name: `unfold[${layout}]`, code, bindings: ['uniform', 'read', 'readwrite'] };
});

export const foldKernel = memoKernel((layout: PatchLayout): KernelSpec => {
  const code = wgsl`
${WINDOW2D_PARAMS}
@group(0) @binding(1) var<storage, read> cols: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
${FLAT_WORKGROUP}
${PATCH_INDEX(layout)}
// Output index o along one axis whose window tap t reads position i, or -1 if none does.
// (Stride 1 skips the integer division, which software rasterisers execute lane by lane.)
fn tapOrigin(i: u32, t: u32, axis: u32) -> i32 {
  var o = i32(i + p.pad[axis]) - i32(t * p.dil[axis]);
  let s = i32(p.s[axis]);
  if (s != 1) {
    if (o < 0 || o % s != 0) { return -1; }
    o = o / s;
  }
  return select(-1, o, o >= 0 && o < i32(p.osize[axis]));
}
@compute @workgroup_size(${UNFOLD_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let idx = flatWorkgroup(wid, nwg) * ${UNFOLD_WORKGROUP}u + lid;
  if (idx >= p.total) { return; }
  let ix = idx % p.size.y;
  let iy = (idx / p.size.y) % p.size.x;
  let c = (idx / (p.size.x * p.size.y)) % p.c;
  let n = idx / (p.size.x * p.size.y * p.c);
  var acc = 0.0;
  for (var ky = 0u; ky < p.k.x; ky++) {
    let oy = tapOrigin(iy, ky, 0u);
    if (oy < 0) { continue; }
    for (var kx = 0u; kx < p.k.y; kx++) {
      let ox = tapOrigin(ix, kx, 1u);
      if (ox < 0) { continue; }
      acc += cols[patchIndex(n, (c * p.k.x + ky) * p.k.y + kx, u32(oy) * p.osize.y + u32(ox))];
    }
  }
  dx[idx] = acc;
}
`;
  return { name: `fold[${layout}]`, code, bindings: ['uniform', 'read', 'readwrite'] };
});
