/**
 * Convolution followed by max pooling whose windows tile the convolution's output, fused:
 * x [N, Cin, H, W], w [Cout, Cin, kh, kw], optional bias [Cout]; the convolution (stride s, zero
 * padding pad, no dilation) has output [N, Cout, Ho, Wo], and the pool windows ph×pw (stride = window,
 * no padding) tile it: Ho = ph·Po, Wo = pw·Qo.
 *
 * Forward: out[n, c, py, px] = max over the window of conv(oy, ox), where oy = py·ph + i, ox = px·pw + j
 * and conv(oy, ox) = b[c] + Σ_{ci, ky, kx} w[c, ci, ky, kx] · x[n, ci, oy·sh − pad + ky, ox·sw − pad + kx]
 * (0 outside x). The window is scanned row-major and keeps the first largest value (PyTorch's tie rule;
 * NaN wins), optionally writing its position oy·Wo + ox in the conv plane (i32) as `argmax`. Neither
 * the patch matrix nor the conv output is ever written.
 *
 * Weight gradient of L(out) with g = ∂L/∂out: max pooling passes each g to one conv output, so
 *   dW[c, ci, ky, kx] = Σ_{n, p} g[n, c, p] · x[n, ci, oy_p·sh − pad + ky, ox_p·sw − pad + kx]
 *   db[c]             = Σ_{n, p} g[n, c, p]
 * with (oy_p, ox_p) = argmax[n, c, p]: N·Po·Qo terms per output instead of the N·Ho·Wo of a dense conv.
 *
 * Why this shape, measured on llvmpipe (OpenGL ES, 2 cores) for the seed CNN's first layer
 * (x [N, 1, 28, 28], w [32, 1, 5, 5], 6×6 windows): llvmpipe runs 8 consecutive invocations in the
 * lanes of a SIMD register, and every load from a storage buffer, workgroup memory or an indexed
 * private array is a lane-by-lane gather (≈ 10 cycles per 8 lanes, whether the address is the same in
 * every lane or not), while values held in SSA variables cost nothing to reread (registers, or plain
 * vector spills). So the forward gives each invocation one pool window of one sample and loads the
 * window's input tile once into variables (Cin·((ph − 1)·sh + kh)·((pw − 1)·sw + kw) values, 10×10
 * for the seed); then, for each output channel in turn (a uniform loop), it loads that channel's
 * Cin·kh·kw weights and computes the window's ph·pw conv outputs from the tile, unrolled (900
 * products for the seed): each load feeds 36 (weight) or up to 25·Cout (tile) products. 32
 * invocations per workgroup (8 to 64 ran alike); splitting the channels over more workgroups, for
 * more of them at small batches, was slower (each reloads the tiles). Seed timings per dispatch
 * (without / with the argmax): N = 8 0.18 / 0.20 ms, N = 512 8.5 / 9.4 ms, against 0.76 and 43 ms
 * for unfold + matmul + maxPool.
 * Rejected: invocations over output channels, the input loaded per channel (50 ms at N = 512);
 * 16 or 32 channels' weights held in variables instead of the tile (12 ms at N = 512, and LLVM
 * took 10–35 s to compile it); interleaving positions or splitting the sums (no faster: the loop is
 * throughput-bound).
 * So everything the window's code indexes (Cin, kernel, stride, window) is compile-time: one pipeline
 * per layer shape (two: with and without the argmax). LLVM's compile time grows fast with the values
 * held (weights + tile: 75 values 0.5 s, the seed's 125 1.2 s, 183 2.8 s, 260 6 s on first use), so
 * the op fuses only shapes within CONV_POOL_MAX_VALUES.
 *
 * The weight gradient has two layouts; both accumulate each term's kh·kw products (+ g for db) in
 * variables, reading g, the argmax and the taps once per term. Deterministic, no atomics.
 * - terms (N·Po·Qo > CONV_POOL_GRAD_CHANNEL_TERMS): one workgroup per (c, ci), invocations over the
 *   (n, p) terms in a strided loop, then the workgroup adds its invocations' partial sums in a fixed
 *   order through workgroup memory (one barrier). 8 invocations, one SIMD register: at N = 8, 32 per
 *   workgroup took 0.125 ms and 128 0.24 ms (barriers switch between a workgroup's SIMD groups)
 *   against 0.10 ms (N = 512: 2.9 ms); the dense route (max-pool backward, weight-gradient matmul,
 *   sum over n) took 0.70 ms (37 ms).
 * - channels (few terms): 8 invocations over output channels, each summing all terms of its
 *   channel; no partial sums, no barrier, Cout/8 workgroups instead of Cout. At N = 8 (128 terms)
 *   0.078 ms against 0.127 ms for the terms layout; at N = 512 (8,192 terms) each invocation's serial
 *   loop is as slow as the terms layout and would idle a real GPU, hence the threshold.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { memoKernel } from './memo.js';
import { FLAT_WORKGROUP, IS_NAN, type KernelSpec } from './spec.js';

/** Invocations (pool windows) per forward workgroup. */
export const CONV_POOL_WORKGROUP = 32;
/** Invocations per weight-gradient workgroup. */
export const CONV_POOL_GRAD_WORKGROUP = 8;
/**
 * Most values a forward invocation holds, Cin·kh·kw weights + Cin·(tile rows)·(tile columns) inputs;
 * LLVM's compile time grows fast with them (see above), so larger shapes do not fuse.
 */
export const CONV_POOL_MAX_VALUES = 128;

type Pair = readonly [number, number];

export interface ConvPoolVariant {
  cin: number;
  kernel: Pair;
  stride: Pair;
  pool: Pair;
  bias: boolean;
  /** Write the argmax positions (for the backward). */
  indices: boolean;
}

/** Input rows and columns a pool window reads: (window − 1)·stride + kernel along each axis. */
export function convPoolTile(v: Pick<ConvPoolVariant, 'kernel' | 'stride' | 'pool'>): [number, number] {
  return [0, 1].map((a) => (v.pool[a]! - 1) * v.stride[a]! + v.kernel[a]!) as [number, number];
}

/**
 * Whether the kernels take this shape: weights and tile within CONV_POOL_MAX_VALUES. (The tile
 * holds at least the kernel's taps, so kh·kw ≤ 64, and the weight gradient's partial sums,
 * (kh·kw + 1)·CONV_POOL_GRAD_WORKGROUP floats, fit in any workgroup storage.)
 */
export function convPoolFits(v: Pick<ConvPoolVariant, 'cin' | 'kernel' | 'stride' | 'pool'>): boolean {
  const [th, tw] = convPoolTile(v);
  return v.cin * (v.kernel[0] * v.kernel[1] + th * tw) <= CONV_POOL_MAX_VALUES;
}

/** Params: items = N·Po·Qo windows, cout, convW = Wo, cin, size = (H, W), pooled = (Po, Qo), pad, conv stride. */
const PARAMS = /* wgsl */ `
struct Params {
  items: u32, cout: u32, convW: u32, cin: u32,
  size: vec2<u32>, pooled: vec2<u32>, pad: vec2<u32>, stride: vec2<u32>,
}
@group(0) @binding(0) var<uniform> p: Params;
`;

export interface ConvPoolParams {
  items: number;
  cout: number;
  convW: number;
  cin: number;
  size: Pair;
  pooled: Pair;
  pad: Pair;
  stride: Pair;
}

/** Packs the params uniform shared by both kernels. */
export function convPoolParams(f: ConvPoolParams): Uint32Array {
  return new Uint32Array([f.items, f.cout, f.convW, f.cin, ...f.size, ...f.pooled, ...f.pad, ...f.stride]);
}

// x at (iy, ix) of the plane starting at `plane`, 0 in the padding (the index is clamped, so the load
// stays in bounds either way).
const TAP = /* wgsl */ `
fn tap(plane: u32, iy: i32, ix: i32) -> f32 {
  let h = i32(p.size.x);
  let w = i32(p.size.y);
  let v = x[plane + u32(clamp(iy, 0, h - 1) * w + clamp(ix, 0, w - 1))];
  return select(0.0, v, iy >= 0 && iy < h && ix >= 0 && ix < w);
}
`;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export const convPoolKernel = memoKernel((v: ConvPoolVariant): KernelSpec => {
  const [kh, kw] = v.kernel, [sh, sw] = v.stride, [ph, pw] = v.pool;
  const [th, tw] = convPoolTile(v);
  const K = v.cin * kh * kw;
  const taps = range(v.cin).flatMap((ci) => range(kh).flatMap((ky) => range(kw).map((kx) => [ci, ky, kx] as const)));
  const tile = range(v.cin).flatMap((ci) => range(th).flatMap((r) => range(tw).map((c) => [ci, r, c] as const)));
  // conv(i, j) at window position (i, j): the bias and the K products of the weights with the tile,
  // added in order. (Multiply and add, not fma: GLSL ES has no fma, and on Vulkan, where lavapipe
  // has one, its latency chain ran 1.3× slower.)
  const conv = (i: number, j: number) => [
    `v = ${v.bias ? 'b' : '0.0'};`,
    ...taps.map(([ci, ky, kx]) => `v += w${ci}_${ky}_${kx} * t${ci}_${i * sh + ky}_${j * sw + kx};`),
  ].join('\n      ');
  // Row-major scan: position (0, 0) initialises, later ones replace only a smaller value (NaN wins,
  // once): take v when !(v ≤ best) (v larger, or v NaN) and best is not NaN. Selects, not an if:
  // 8 % faster on llvmpipe (no masked branch per position).
  const positions = range(ph * pw).map((q) => {
    const i = Math.floor(q / pw), j = q % pw;
    const pos = `first + row${i} + ${j}u`;
    if (q === 0) return `${conv(i, j)}\n      best = v;${v.indices ? ` arg = ${pos};` : ''}`;
    const take = `best = select(best, v, take);${v.indices ? ` arg = select(arg, ${pos}, take);` : ''}`;
    return `${conv(i, j)}\n      take = !(v <= best) && !isNan(best); ${take}`;
  });
  const code = wgsl`
${PARAMS}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> wt: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
#if ${v.indices}
@group(0) @binding(4) var<storage, read_write> argmax: array<i32>;
#endif
#if ${v.bias}
@group(0) @binding(${v.indices ? 5 : 4}) var<storage, read> bias: array<f32>;
#endif
${FLAT_WORKGROUP}
${TAP}
${IS_NAN}@compute @workgroup_size(${CONV_POOL_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let item = flatWorkgroup(wid, nwg) * ${CONV_POOL_WORKGROUP}u + lid;
  if (item >= p.items) { return; }
  let PQ = p.pooled.x * p.pooled.y;
  let n = item / PQ;
  let pq = item - n * PQ;
  let py = pq / p.pooled.y;
  let px = pq - py * p.pooled.y;
  // The window's conv outputs start at (py·ph, px·pw) and read the input from (that·stride − pad).
  let iy0 = i32(py * ${ph * sh}u) - i32(p.pad.x);
  let ix0 = i32(px * ${pw * sw}u) - i32(p.pad.y);
  let planeSize = p.size.x * p.size.y;
  let xn = n * ${v.cin}u * planeSize;
  ${tile.map(([ci, r, c]) => `let t${ci}_${r}_${c} = tap(xn + ${ci}u * planeSize, iy0 + ${r}, ix0 + ${c});`).join('\n  ')}
#if ${v.indices}
  let first = py * ${ph}u * p.convW + px * ${pw}u;
  ${range(ph).map((i) => `let row${i} = ${i}u * p.convW;`).join(' ')}
  var arg = 0u;
#endif
  for (var c = 0u; c < p.cout; c++) {
    ${taps.map(([ci, ky, kx], k) => `let w${ci}_${ky}_${kx} = wt[c * ${K}u + ${k}u];`).join('\n    ')}
#if ${v.bias}
    let b = bias[c];
#endif
    var v: f32;
    var best: f32;
    var take: bool;
    ${positions.join('\n    ')}
    let o = (n * p.cout + c) * PQ + pq;
    out[o] = best;
#if ${v.indices}
    argmax[o] = i32(arg);
#endif
  }
}
`;
  const name = `conv2dMaxPool[${v.cin}x${kh}x${kw},s${sh}x${sw},pool${ph}x${pw}${v.bias ? ',bias' : ''}${v.indices ? ',indices' : ''}]`;
  const bindings = ['uniform', 'read', 'read', 'readwrite', ...(v.indices ? ['readwrite'] as const : []), ...(v.bias ? ['read'] as const : [])] as const;
  return { name, code, bindings };
});

export interface ConvPoolGradVariant {
  kernel: Pair;
  /** Also write db (binding 5), from the invocations of input channel 0. */
  bias: boolean;
  /** What a workgroup's invocations split: the (n, p) terms of one (c, ci), or the output channels c. */
  lanes: 'terms' | 'channels';
}

/** Most terms N·Po·Qo for the channels layout (see the header); beyond, the terms layout. */
export const CONV_POOL_GRAD_CHANNEL_TERMS = 1024;

/** Grid of the weight-gradient dispatch for a layout. */
export function convPoolGradGrid(lanes: ConvPoolGradVariant['lanes'], cout: number, cin: number): [number, number, number] {
  return lanes === 'terms' ? [cout, cin, 1] : [Math.ceil(cout / CONV_POOL_GRAD_WORKGROUP), cin, 1];
}

/**
 * dW (and db) from g [N, Cout, Po, Qo] and argmax, grid convPoolGradGrid: one workgroup per (c, ci)
 * (terms), or per CONV_POOL_GRAD_WORKGROUP output channels and ci (channels); params items =
 * N·Po·Qo terms, cin, cout, convW, size, pooled, pad, stride.
 */
export const convPoolGradKernel = memoKernel((v: ConvPoolGradVariant): KernelSpec => {
  const [kh, kw] = v.kernel;
  const KK = kh * kw, G = CONV_POOL_GRAD_WORKGROUP;
  const sums = v.bias ? KK + 1 : KK;
  const taps = range(KK);
  const byTerms = v.lanes === 'terms';
  // Invocation's first term and stride over the terms t = n·PQ + q.
  const [first, step] = byTerms ? ['lid', `${G}u`] : ['0u', '1u'];
  const code = wgsl`
${PARAMS}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read> argmax: array<i32>;
@group(0) @binding(4) var<storage, read_write> dw: array<f32>;
#if ${v.bias}
@group(0) @binding(5) var<storage, read_write> db: array<f32>;
#endif
${TAP}
#if ${byTerms}
var<workgroup> partial: array<f32, ${sums * G}>;
#endif
@compute @workgroup_size(${G})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
#if ${byTerms}
  let c = wid.x;
#else
  let c = min(wid.x * ${G}u + lid, p.cout - 1u);
#endif
  let ci = wid.y;
  let PQ = p.pooled.x * p.pooled.y;
  let planeSize = p.size.x * p.size.y;
  ${taps.map((k) => `var s${k} = 0.0;`).join(' ')}
#if ${v.bias}
  var sb = 0.0;
#endif
  // Term t = n·PQ + q, visited as (n, q) stepped without dividing again.
  var n = ${first} / PQ;
  var q = ${first} - n * PQ;
  let dn = ${step} / PQ;
  let dq = ${step} - dn * PQ;
  for (var t = ${first}; t < p.items; t += ${step}) {
    let o = (n * p.cout + c) * PQ + q;
    let gv = g[o];
    let a = u32(argmax[o]);
    let oy = a / p.convW;
    let ox = a - oy * p.convW;
    let iy0 = i32(oy * p.stride.x) - i32(p.pad.x);
    let ix0 = i32(ox * p.stride.y) - i32(p.pad.y);
    let plane = (n * p.cin + ci) * planeSize;
    ${taps.map((k) => `s${k} += gv * tap(plane, iy0 + ${Math.floor(k / kw)}, ix0 + ${k % kw});`).join('\n    ')}
#if ${v.bias}
    sb += gv;
#endif
    n += dn;
    q += dq;
    if (q >= PQ) { q -= PQ; n += 1u; }
  }
#if ${byTerms}
  ${taps.map((k) => `partial[${k * G}u + lid] = s${k};`).join(' ')}
#if ${v.bias}
  partial[${KK * G}u + lid] = sb;
#endif
  workgroupBarrier();
  // Invocation lid adds sums lid, lid + G, … over the invocations, in order.
  for (var k = lid; k < ${sums}u; k += ${G}u) {
    var s = 0.0;
    for (var l = 0u; l < ${G}u; l++) { s += partial[k * ${G}u + l]; }
    if (k < ${KK}u) {
      dw[(c * p.cin + ci) * ${KK}u + k] = s;
    }
#if ${v.bias}
    else if (ci == 0u) {
      db[c] = s;
    }
#endif
  }
#else
  if (wid.x * ${G}u + lid < p.cout) {
    ${taps.map((k) => `dw[(c * p.cin + ci) * ${KK}u + ${k}u] = s${k};`).join(' ')}
#if ${v.bias}
    if (ci == 0u) { db[c] = sb; }
#endif
  }
#endif
}
`;
  const bindings = ['uniform', 'read', 'read', 'read', 'readwrite', ...(v.bias ? ['readwrite'] as const : [])] as const;
  return { name: `conv2dMaxPoolGrad[${kh}x${kw}${v.bias ? ',bias' : ''},${v.lanes}]`, code, bindings };
});
