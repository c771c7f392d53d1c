/**
 * Uncentered covariance of a 2-D convolution's input patches, straight from the images (the im2col
 * matrix is never written): for x [N, C, H, W], a kh×kw kernel, stride (sy, sx) and zero padding
 * (py, px),
 *   cov[a, b] = (accumulate ? cov[a, b] : 0) + scale · Σ_n Σ_l p_{n,l}[a] · p_{n,l}[b]     ([K, K], K = C·kh·kw)
 * with p_{n,l} patch l = oy·Wo + ox of sample n exactly as unfoldRows gives it (entry a = (c·kh + ky)·kw + kx).
 *
 * The sum regrouped by pairs of image rows. With x̃ the zero-padded image, padded row j, and entries
 * a = (c1, ky1, kx1), b = (c2, ky2, kx2):
 *   cov[a, b] = Σ_oy S(c1, c2, dy, j = oy·sy + ky1)[kx1, kx2],   dy = ky2 − ky1,
 *   S(c1, c2, dy, j)[i, i'] = Σ_n Σ_ox x̃[n, c1, j, ox·sx + i] · x̃[n, c2, j + dy, ox·sx + i'].
 * A row pair's kw×kw block S does not depend on which (oy, ky1) sees it, so each is computed once
 * instead of once per patch row that contains the pair: at stride 1, kh − |dy| times fewer products
 * (the seed shape, 5×5 on 28×28: 2.6× fewer than the K(K+1)/2 per patch of p·pᵀ).
 *
 * Two dispatches, deterministic (fixed summation order, no atomics):
 * - patchRowPairsKernel: grid y = the row-pair class (c1, c2, dy): first the C(C+1)/2 classes with
 *   dy = 0 and c1 ≤ c2 (upper-triangle order), then dy = 1 … kh − 1 for every ordered (c1, c2)
 *   (a negative dy is the transpose of the class (c2, c1, −dy)). Each invocation owns one padded row j
 *   (consecutive invocations: consecutive rows, all in the same SIMD register and running the same
 *   loops) and one chunk of images (n ≡ chunk mod chunks). It keeps S's kw² sums in variables and, per
 *   image, slides along the two rows: each row's kw values in view are held in variables and shift
 *   by sx per output column, so a step loads sx values per row instead of kw; two output columns per
 *   loop iteration (each sum then takes two fmas per update). dy = 0 within one channel reads one row
 *   and sums the upper triangle of its symmetric block. A row pair outside the image (padding, or
 *   j + dy past the last row) skips the loop. It writes part[class, j, chunk] (kw×kw, full).
 * - patchCovReduceKernel: one invocation per (a, b) adds its Ho·chunks blocks' entries in a fixed
 *   order; (a, b) and (b, a) add the same terms in the same order, so cov is exactly symmetric.
 * Params: kernels/window2d.ts with n = N, c = C, total = rows·chunks (invocations per class),
 * cells = (chunks, rows), rows = (Ho − 1)·sy + kh the padded rows any patch reads.
 *
 * Why this shape, on llvmpipe (OpenGL ES, 2 cores), x [512, 1, 28, 28], 5×5, stride 1 (294,912
 * patches; unfoldRows + the covariance kernel took 25 ms in the same runs, unfoldRows alone 8.5):
 * llvmpipe runs 8 consecutive invocations in SIMD lanes, and a storage load costs ≈ 10 cycles per 8
 * lanes while values held in variables are nearly free, so the kernel holds every value it reuses.
 * This one: 1.9–2.0 ms per batch (row pairs 1.75–1.8, reduce 0.1; on Vulkan/lavapipe 3.5 ms against
 * 54), and LLVM compiles it in 0.5 s on first use (Mesa then caches it on disk; kw = 3: 0.3 s,
 * 7: 0.9 s, 9: 1.8 s, 11: 4 s, hence PATCH_COV_MAX_KW). Measured and dropped: one output column per
 * loop iteration 2.6 ms against 2.0 for two and 2.1 for four (before the padding skip); loads without
 * the redundant `inside` test 2.2 ms; each invocation a column of patches sliding down and adding
 * p·pᵀ (325 sums in variables) 2.6 ms but 10 s to compile (compile time grows faster than linearly
 * with the sums held); that split into kernel-row pairs (25 sums, each row pair recomputed for every
 * ky1) 4.3–5.9 ms, or into pairs of two kernel rows 4.7 ms and 5 s to compile. 8 to 32 invocations
 * per workgroup and 1 to 16 image chunks ran alike.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { memoKernel } from './memo.js';
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';
import { WINDOW2D_PARAMS } from './window2d.js';

export const PATCH_ROW_PAIRS_WORKGROUP = 8;
export const PATCH_COV_REDUCE_WORKGROUP = 64;
/** Widest kernel the row-pair kernel takes (it holds kw² sums; LLVM's compile time grows fast with them). */
export const PATCH_COV_MAX_KW = 9;
/** Output columns per loop iteration. */
const UNROLL = 2;

export interface PatchRowPairsVariant {
  kw: number;
  /** Horizontal stride (the slide is unrolled code). */
  sx: number;
}

/** Row-pair classes (c1, c2, dy): C(C+1)/2 with dy = 0, then C² for each dy = 1 … kh − 1. */
export function patchRowPairClasses(c: number, kh: number): number {
  return (c * (c + 1)) / 2 + c * c * (kh - 1);
}

export const patchRowPairsKernel = memoKernel(({ kw, sx }: PatchRowPairsVariant): KernelSpec => {
  const cols = kw + (UNROLL - 1) * sx; // columns in view: UNROLL windows, sx apart
  const step = UNROLL * sx;
  const each = (rows: string[], f: (r: string, col: number) => string) => rows.flatMap((r) => Array.from({ length: cols }, (_, col) => f(r, col))).join('\n');
  // Zero outside the image. (`inside` holds in every lane that runs the loop; testing it again ran faster.)
  const load = (r: string, col: number) => `${r}${col} = select(0.0, x[row${r} + u32(clamp(x0 + ${col}, 0, w - 1))], inside && x0 + ${col} >= 0 && x0 + ${col} < w);`;
  const sums = (tri: boolean) => Array.from({ length: kw }, (_, i) => Array.from({ length: kw }, (_, i2) => [i, i2] as const).slice(tri ? i : 0)).flat();
  // s[i][i'] += a[q·sx + i] · b[q·sx + i'] for the output columns q given.
  const fmas = (tri: boolean, qs: number[], indent: string) => sums(tri).map(([i, i2]) => {
    let e = `s${i}_${i2}`;
    for (const q of qs) e = `fma(a${q * sx + i}, ${tri ? 'a' : 'b'}${q * sx + i2}, ${e})`;
    return `${indent}s${i}_${i2} = ${e};`;
  }).join('\n');
  const body = (tri: boolean) => {
    const rows = tri ? ['a'] : ['a', 'b'];
    const tail = Array.from({ length: UNROLL - 1 }, (_, q) => `      if (ox + ${q}u < p.osize.y) {\n${fmas(tri, [q], '        ')}\n      }`).join('\n');
    const stores = sums(tri).map(([i, i2]) => [
      `    part[o + ${i * kw + i2}u] = s${i}_${i2};`,
      ...(tri && i !== i2 ? [`    part[o + ${i2 * kw + i}u] = s${i}_${i2};`] : []),
    ].join('\n')).join('\n');
    return `
${sums(tri).map(([i, i2]) => `    var s${i}_${i2} = 0.0;`).join('\n')}
${each(rows, (r, col) => `    var ${r}${col} = 0.0;`)}
    // This chunk's images (none when a row of the pair lies outside the image: S = 0).
    for (var n = select(p.n, chunk, inside); n < p.n; n += chunks) {
      let rowa = ((n * p.c + c1) * p.size.x + u32(clamp(iy, 0, h - 1))) * p.size.y;
      let rowb = ((n * p.c + c2) * p.size.x + u32(clamp(iy + i32(dy), 0, h - 1))) * p.size.y;
      var x0 = -i32(p.pad.y);
${each(rows, (r, col) => `      ${load(r, col)}`)}
      var ox = 0u;
      loop {
        if (ox + ${UNROLL}u > p.osize.y) { break; }
${fmas(tri, Array.from({ length: UNROLL }, (_, q) => q), '        ')}
        ox += ${UNROLL}u;
        if (ox >= p.osize.y) { break; }
        x0 += ${step};
${each(rows, (r, col) => `        ${col + step < cols ? `${r}${col} = ${r}${col + step};` : load(r, col)}`)}
      }
${tail}
    }
${stores}`;
  };
  const code = `
${WINDOW2D_PARAMS}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@compute @workgroup_size(${PATCH_ROW_PAIRS_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (gid.x >= p.total) { return; }
  let chunks = p.cells.x;
  let rows = p.cells.y;
  let j = gid.x % rows;
  let chunk = gid.x / rows;
  // Class wid.y → (c1, c2, dy), in the order of patchRowPairClasses.
  let cls = wid.y;
  let sameRow = p.c * (p.c + 1u) / 2u;
  var c1 = 0u;
  var c2 = 0u;
  var dy = 0u;
  if (cls < sameRow) {
    var rest = cls;
    while (rest >= p.c - c1) { rest -= p.c - c1; c1++; }
    c2 = c1 + rest;
  } else {
    let q = cls - sameRow;
    dy = 1u + q / (p.c * p.c);
    c1 = (q / p.c) % p.c;
    c2 = q % p.c;
  }
  let h = i32(p.size.x);
  let w = i32(p.size.y);
  let iy = i32(j) - i32(p.pad.x);
  let inside = iy >= 0 && iy + i32(dy) < h;
  let o = ((cls * rows + j) * chunks + chunk) * ${kw * kw}u;
  if (c1 == c2 && dy == 0u) {
${body(true)}
  } else {
${body(false)}
  }
}
`;
  return { name: `patchRowPairs[kw${kw},sx${sx}]`, code, bindings: ['uniform', 'read', 'readwrite'] };
});

export const patchCovReduceKernel = memoKernel((accumulate: boolean): KernelSpec => {
  const code = wgsl`
struct Params { k: u32, c: u32, kh: u32, kw: u32, ho: u32, sy: u32, rows: u32, chunks: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> cov: array<f32>;
${FLAT_WORKGROUP}
@compute @workgroup_size(${PATCH_COV_REDUCE_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let e = flatWorkgroup(wid, nwg) * ${PATCH_COV_REDUCE_WORKGROUP}u + lid;
  if (e >= p.k * p.k) { return; }
  let a = e / p.k;
  let b = e % p.k;
  let taps = p.kh * p.kw;
  let ca = a / taps;
  let cb = b / taps;
  let kya = (a / p.kw) % p.kh;
  let kyb = (b / p.kw) % p.kh;
  // f: the entry on the upper kernel row (on the same row, the lower channel), s: the other one;
  // then cov[a, b] = Σ_oy S(c_f, c_s, dy, oy·sy + ky_f)[kx_f, kx_s].
  let swap = kyb < kya || (kyb == kya && cb < ca);
  let cf = select(ca, cb, swap);
  let cs = select(cb, ca, swap);
  let kyf = select(kya, kyb, swap);
  let dy = select(kyb, kya, swap) - kyf;
  var cls = cf * (2u * p.c + 1u - cf) / 2u + cs - cf; // dy = 0: upper-triangle index of (cf, cs)
  if (dy > 0u) { cls = p.c * (p.c + 1u) / 2u + ((dy - 1u) * p.c + cf) * p.c + cs; }
  let entry = (select(a, b, swap) % p.kw) * p.kw + select(b, a, swap) % p.kw;
  var sum = 0.0;
  for (var oy = 0u; oy < p.ho; oy++) {
    let block = (cls * p.rows + oy * p.sy + kyf) * p.chunks;
    for (var chunk = 0u; chunk < p.chunks; chunk++) { sum += part[(block + chunk) * p.kw * p.kw + entry]; }
  }
#if ${accumulate}
  cov[e] = cov[e] + p.scale * sum;
#else
  cov[e] = p.scale * sum;
#endif
}
`;
  return { name: `patchCovReduce[${accumulate ? 'acc' : 'set'}]`, code, bindings: ['uniform', 'read', 'readwrite'] };
});
