/**
 * conv2d's forward and weight gradient for hardware GPUs by implicit im2col: the workgroup-memory
 * tiled product of kernels/matmul-tiled.wgsl.ts whose slab loads read patch entries straight from
 * the NCHW image, so the patch matrix is never written. The hardware variant of unfold + matmul
 * (engine/ops/conv.ts); the same float64 reference (kernels/conv2d.reference.ts).
 *
 * Patch entry k of window l of sample n (F.unfold's order, kernels/unfold.wgsl.ts), k = (c·kh + ky)·kw + kx,
 * l = oy·Wo + ox, and with `ones` a last entry k = Cin·kh·kw equal to 1 (the bias column of [W | b]):
 *   patch(n, l, k) = x[n, c, oy·sy − py + ky·dy, ox·sx − px + kx·dx]   (0 in the padding)
 *   forward       y[n] = [W | b] · patch(n)ᵀ        M = Cout, N = L, K = Cin·kh·kw (+1), one batch per sample
 *   weight-grad   [dW | db] = Σ_{n,l} g[n, :, l] · patch(n, l, :)
 *                           = G · P with j = n·L + l   M = Cout, N = Cin·kh·kw (+1), K = N_samples·L
 * The weight gradient folds the sum over samples into the product's k axis (one chain of N·L terms
 * per output, error ≤ γ_{N·L}·Σ|g||x|, where unfold + batched matmul + sum has γ_{L+N}): no
 * [N, Cout, K] intermediate. A load decodes its patch entry with a few integer divisions, half of
 * them hoisted out of the k loop (below; TF.js's conv2d_mm decodes every load).
 * Coalescing: the forward's patch loads walk l (consecutive ox are adjacent in x at stride 1), the
 * weight gradient's walk j (the same), W's and g's rows walk k / j.
 *
 * The input gradient stays Wᵀ·g through the tiled matmul and the col2im gather (engine/ops/conv.ts):
 * as one implicit product its k axis would be Cout·kh·kw taps per pixel, mostly outside the strided
 * windows, in one chain (γ_{Cout·kh·kw} against the composition's γ_{Cout + kh·kw}).
 */
import { tiledMatmulGrid, tiledMatmulMain, type TiledOperand } from './matmul-tiled.wgsl.js';
import { memoKernel } from './memo.js';
import type { KernelSpec } from './spec.js';
import type { Window2d } from './window2d.js';

export type ImplicitConvPass = 'forward' | 'weight-grad';

/** M, N, K of the product; c = Cin; L = Ho·Wo; then (at byte 24, vec2 alignment) the window geometry. */
const PARAMS = /* wgsl */ `
struct Params {
  M: u32, N: u32, K: u32, c: u32, L: u32,
  size: vec2<u32>, osize: vec2<u32>, k: vec2<u32>, s: vec2<u32>, pad: vec2<u32>, dil: vec2<u32>,
}
@group(0) @binding(0) var<uniform> p: Params;
`;

// A patch entry is a window (its top-left tap (oy·sy − py, ox·sx − px)) and a tap of the kernel
// (channel c, offsets ky·dy, kx·dx; channel Cin is the bias entry). Each load slot decodes its own
// line's part once (the window in the forward, the tap in the weight gradient), the other per load.
// Clamped indices keep every load in bounds; the select gives 0 in the padding and 1 for the bias entry.
const PATCH = /* wgsl */ `
fn windowOrigin(l: u32) -> vec2<i32> {
  return vec2<i32>(vec2<u32>(l / p.osize.y, l % p.osize.y) * p.s) - vec2<i32>(p.pad);
}
fn tapOf(k: u32) -> vec3<u32> {
  let taps = p.k.x * p.k.y;
  let t = k % taps;
  return vec3<u32>(k / taps, (t / p.k.y) * p.dil.x, (t % p.k.y) * p.dil.y);
}
fn patchEntry(n: u32, origin: vec2<i32>, tap: vec3<u32>) -> f32 {
  let iy = origin.x + i32(tap.y);
  let ix = origin.y + i32(tap.z);
  let h = i32(p.size.x);
  let w = i32(p.size.y);
  let plane = n * p.c + min(tap.x, p.c - 1u);
  let v = x[(plane * p.size.x + u32(clamp(iy, 0, h - 1))) * p.size.y + u32(clamp(ix, 0, w - 1))];
  let inside = tap.x < p.c && iy >= 0 && iy < h && ix >= 0 && ix < w;
  return select(select(0.0, 1.0, tap.x == p.c), v, inside);
}
`;

/** Operands and output of each pass: A from `a` (W, or g [N, Cout, L]), B the patches of x. */
const PASSES: Record<ImplicitConvPass, { a: TiledOperand; b: TiledOperand; store: (row: string, col: string, v: string) => string }> = {
  forward: {
    a: { kMajor: true, line: (i) => `${i} * p.K`, value: (line, k) => `a[${line} + ${k}]` },
    b: { kMajor: false, line: (i) => `windowOrigin(${i})`, value: (origin, k) => `patchEntry(gid.z, ${origin}, tapOf(${k}))` },
    store: (row, col, v) => `out[(gid.z * p.M + ${row}) * p.N + ${col}] = ${v};`,
  },
  'weight-grad': {
    a: { kMajor: true, line: (i) => i, value: (line, j) => `a[((${j} / p.L) * p.M + ${line}) * p.L + ${j} % p.L]` },
    b: { kMajor: true, line: (i) => `tapOf(${i})`, value: (tap, j) => `patchEntry(${j} / p.L, windowOrigin(${j} % p.L), ${tap})` },
    store: (row, col, v) => `out[(${row}) * p.N + ${col}] = ${v};`,
  },
};

export const implicitConvKernel = memoKernel((pass: ImplicitConvPass): KernelSpec => {
  const { a, b, store } = PASSES[pass];
  const code = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${PATCH}
${tiledMatmulMain(a, b, store)}`;
  return { name: `conv2d[implicit-gemm-64x64,${pass}]`, code, bindings: ['uniform', 'read', 'read', 'readwrite'] };
});

export interface ImplicitConvShape {
  /** Samples and input channels of x [N, Cin, H, W], output channels. */
  N: number;
  Cin: number;
  Cout: number;
  geom: Window2d;
  /** Patches carry the bias entry 1 (W has the bias as its last column). */
  ones: boolean;
}

/** The pass's params uniform and workgroup grid. */
export function implicitConvDispatch(pass: ImplicitConvPass, s: ImplicitConvShape): { params: Uint32Array; grid: [number, number, number] } {
  const g = s.geom;
  const taps = s.Cin * g.kernel[0] * g.kernel[1], L = g.out[0] * g.out[1], Kb = taps + (s.ones ? 1 : 0);
  const [M, N, K, batch] = pass === 'forward' ? [s.Cout, L, Kb, s.N] : [s.Cout, Kb, s.N * L, 1];
  const params = new Uint32Array([
    M, N, K, s.Cin, L, 0,
    ...g.size, ...g.out, ...g.kernel, ...g.stride, ...g.padding, ...g.dilation,
  ]);
  return { params, grid: tiledMatmulGrid(M, N, batch) };
}
