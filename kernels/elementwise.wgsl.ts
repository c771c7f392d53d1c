/**
 * Elementwise map: out[i] = EXPR(x0[i0], x1[i1], x2[i2]) for 0 to 3 inputs with NumPy broadcasting
 * (0 inputs: a fill).
 *
 * Layout: every array contiguous row-major. The op coalesces dimensions and passes, per input, its
 * strides over the output's shape (0 where the input is broadcast); rank ≤ 8 after coalescing.
 * When every input has the output's shape (`sameShape`), the kernel skips all index arithmetic.
 * Parallelisation: one invocation per output element, 256 per workgroup, grid folded into y above
 * 65,535 workgroups. EXPR may use `p.alpha` and `p.beta` (f32 scalars from the op) and the helper
 * functions below. Output dtype f32, or i32 for `outInt`.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';

export const MAP_WORKGROUP = 256;
export const MAP_MAX_RANK = 8;

export interface MapVariant {
  /** WGSL expression in x0, x1, x2 (as f32), p.alpha, p.beta. */
  expr: string;
  arity: 0 | 1 | 2 | 3;
  sameShape: boolean;
  /** Inputs that are int32 (read from array<i32>, converted to f32). */
  intInputs?: readonly boolean[];
  outInt?: boolean;
}

const HELPERS = /* wgsl */ `
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

export function mapKernel(v: MapVariant): KernelSpec {
  const ints = v.intInputs ?? [];
  const inputs = Array.from({ length: v.arity }, (_, k) => k);
  const decl = inputs
    .map((k) => `@group(0) @binding(${k + 1}) var<storage, read> in${k}: array<${ints[k] ? 'i32' : 'f32'}>;`)
    .join('\n');
  const outType = v.outInt ? 'i32' : 'f32';
  const load = (k: number, idx: string) => `let x${k} = f32(in${k}[${idx}]);`;
  const code = wgsl`
struct Params {
  n: u32, rank: u32, alpha: f32, beta: f32,
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
  if (i >= p.n) { return; }
#if ${v.sameShape}
  ${inputs.map((k) => load(k, 'i')).join('\n  ')}
#else
  var rem = i;
  var i0 = 0u; var i1 = 0u; var i2 = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let dim = at(p.shape, u32(d));
    let c = rem % dim;
    rem = rem / dim;
    i0 += c * at(p.s0, u32(d));
    i1 += c * at(p.s1, u32(d));
    i2 += c * at(p.s2, u32(d));
  }
  ${inputs.map((k) => load(k, `i${k}`)).join('\n  ')}
#endif
  out[i] = ${outType}(${v.expr});
}
`;
  const tag = `${v.arity}${v.sameShape ? '' : ',bc'}${v.outInt ? ',i32' : ''}`;
  return {
    name: `map[${tag}](${v.expr})`,
    code,
    bindings: ['uniform', ...inputs.map(() => 'read' as const), 'readwrite'],
  };
}
