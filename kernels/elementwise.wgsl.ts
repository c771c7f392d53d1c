/**
 * Elementwise map: out[i] = EXPR(x0[i0], x1[i1], x2[i2]) for 0 to 3 inputs with NumPy broadcasting
 * (0 inputs: a fill).
 *
 * Layout: every array contiguous row-major. The op coalesces dimensions and passes, per input, its
 * strides over the output's shape (0 where the input is broadcast); rank ≤ 8 after coalescing.
 * The output is seen as [rows, inner] (inner = the last coalesced dimension).
 *
 * Parallelisation: each row is split among P = runsPerRow invocations; invocation i takes row
 * r = floor(i / P) and its columns q, q + P, q + 2P, … (q = i mod P), so neighbouring invocations
 * touch neighbouring elements (coalesced on GPUs). The row's offset in each input is decoded once
 * per invocation (rank − 1 integer divisions) and each column adds its stride: no division per
 * element. On lavapipe, which divides lane by lane and pays a fixed cost per invocation, handing
 * each invocation up to MAP_RUN elements made [64, 32, 24, 24] + [32, 1, 1] 15× faster and a
 * same-shape add of that size 3× faster than one invocation per element (`mapGrid` keeps at least
 * MAP_MIN_INVOCATIONS invocations where there are that many elements). 256 per workgroup, grid
 * folded into y above 65,535 workgroups; no workgroup memory.
 * EXPR may use `p.alpha` and `p.beta` (f32 scalars from the op) and the helper functions below
 * (maxNan/minNan/clampNan: max, min and clamp that propagate NaN, kernels/spec.ts).
 * Output dtype f32, or i32 for `outInt`.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { memoKernel } from './memo.js';
import { FLAT_WORKGROUP, IS_NAN, NAN_MIN_MAX, type KernelSpec } from './spec.js';

export const MAP_WORKGROUP = 256;
export const MAP_MAX_RANK = 8;
/** Most elements one invocation computes. */
export const MAP_RUN = 32;
/** Invocations kept when there are at least this many elements (both cores busy on lavapipe). */
export const MAP_MIN_INVOCATIONS = 1024;

/**
 * Invocations per row P and in all, for n output elements in rows of `inner`: each invocation
 * computes ceil(inner / P) ≤ run elements, run = clamp(ceil(n / MAP_MIN_INVOCATIONS), 1, MAP_RUN).
 */
export function mapGrid(n: number, inner: number): { runsPerRow: number; invocations: number } {
  const run = Math.min(MAP_RUN, inner, Math.max(1, Math.ceil(n / MAP_MIN_INVOCATIONS)));
  const runsPerRow = Math.ceil(inner / run);
  return { runsPerRow, invocations: (n / inner) * runsPerRow };
}

export interface MapVariant {
  /** WGSL expression in x0, x1, x2 (as f32), p.alpha, p.beta. */
  expr: string;
  arity: 0 | 1 | 2 | 3;
  /** Inputs that are int32 (read from array<i32>, converted to f32). */
  intInputs?: readonly boolean[];
  outInt?: boolean;
}

const HELPERS = /* wgsl */ `${IS_NAN}${NAN_MIN_MAX}
// x^y with the real-valued meaning for negative x and integer y (WGSL's pow is undefined for x < 0).
fn powf(x: f32, y: f32) -> f32 {
  if (x >= 0.0) { if (x == 0.0 && y == 0.0) { return 1.0; } return pow(x, y); }
  if (y != floor(y)) { var nanBits = 0x7fc00000u; return bitcast<f32>(nanBits); }
  let r = pow(-x, y);
  if (fract(y * 0.5) != 0.0) { return -r; }
  return r;
}
// tanh without overflow: 1 - 2/(e^{2x}+1) saturates to ±1.
fn tanhf(x: f32) -> f32 { return 1.0 - 2.0 / (exp(2.0 * x) + 1.0); }
fn sigmoidf(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
fn b2f(c: bool) -> f32 { return select(0.0, 1.0, c); }
`;

export const mapKernel = memoKernel((v: MapVariant): KernelSpec => {
  const ints = v.intInputs ?? [];
  const inputs = Array.from({ length: v.arity }, (_, k) => k);
  const decl = inputs
    .map((k) => `@group(0) @binding(${k + 1}) var<storage, read> in${k}: array<${ints[k] ? 'i32' : 'f32'}>;`)
    .join('\n');
  const outType = v.outInt ? 'i32' : 'f32';
  const load = (k: number, idx: string) => `let x${k} = f32(in${k}[${idx}]);`;
  const code = wgsl`
struct Params {
  invocations: u32, rank: u32, alpha: f32, beta: f32,
  runsPerRow: u32, _pad0: u32, _pad1: u32, _pad2: u32,
  shape: array<vec4<u32>, 2>,
  s0: array<vec4<u32>, 2>,
  s1: array<vec4<u32>, 2>,
  s2: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> p: Params;
${decl}
@group(0) @binding(${v.arity + 1}) var<storage, read_write> out: array<${outType}>;
${HELPERS}
${FLAT_WORKGROUP}
fn at(a: array<vec4<u32>, 2>, d: u32) -> u32 { return a[d / 4u][d % 4u]; }

@compute @workgroup_size(${MAP_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flatWorkgroup(wid, nwg) * ${MAP_WORKGROUP}u + lid;
  if (i >= p.invocations) { return; }
  let last = p.rank - 1u;
  let inner = at(p.shape, last);
  var row = i / p.runsPerRow;
  let q = i - row * p.runsPerRow;
  let base = row * inner;
  var i0 = 0u; var i1 = 0u; var i2 = 0u;
  for (var d = i32(last) - 1; d >= 0; d--) {
    let dim = at(p.shape, u32(d));
    let c = row % dim;
    row = row / dim;
    i0 += c * at(p.s0, u32(d));
    i1 += c * at(p.s1, u32(d));
    i2 += c * at(p.s2, u32(d));
  }
  let t0 = at(p.s0, last); let t1 = at(p.s1, last); let t2 = at(p.s2, last);
  for (var j = q; j < inner; j += p.runsPerRow) {
    ${inputs.map((k) => load(k, `i${k} + j * t${k}`)).join('\n    ')}
    out[base + j] = ${outType}(${v.expr});
  }
}
`;
  const tag = `${v.arity}${v.outInt ? ',i32' : ''}`;
  return {
    name: `map[${tag}](${v.expr})`,
    code,
    bindings: ['uniform', ...inputs.map(() => 'read' as const), 'readwrite'],
  };
});
