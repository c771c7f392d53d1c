/**
 * Fused softmax cross-entropy for logits x [N, C] (row-major), int32 labels [N] and, optionally, a
 * class mask [C] (nonzero = active; inactive classes take no part in the softmax).
 *   forward:   loss_n = scale · (m_n − x[n, y_n] + log s_n),   m_n = max_{c active} x[n, c],
 *              s_n = Σ_{c active} exp(x[n, c] − m_n)                      (= scale · (lse_n − x[n, y_n]))
 *   backward:  dx[n, c] = scale · g[n·gStride] · (exp(x[n, c] − m_n)/s_n − [c = y_n])   for active c,
 *              0 for inactive c.
 * `scale` is 1/N for a mean (the op sums the rows afterwards), 1 otherwise; gStride is 0 when g is the
 * gradient of a reduced (scalar) loss, 1 for per-row losses. A label outside [0, C) or of an inactive
 * class is never used as an index: that row's loss and gradient are NaN. So are a row's when one of
 * its active logits is NaN (PyTorch): m_n takes NaN by maxNan (WGSL's max may skip it).
 *
 * Parallelisation: one invocation per row, looping over its C logits (max, sum, then the label's
 * logit or the gradient row); the backward recomputes m_n and s_n instead of keeping them from the
 * forward. 64 invocations per workgroup so that a batch of ~100 rows spans several workgroups.
 * `reduced` forward (a mean or sum of at most CROSS_ENTROPY_REDUCED_ROWS rows): one workgroup whose
 * invocation i adds rows i, i + 64, …, then a tree sum in workgroup memory writes the scalar loss,
 * saving the separate sum dispatch (≈ 50 µs on lavapipe, a training step's loss). Its `grad` variant
 * also writes dx for g = 1, the gradient backward() asks of a scalar loss it starts from: a training
 * step then needs no backward dispatch and no seed upload for its loss.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { FLAT_WORKGROUP, IS_NAN, NAN_MIN_MAX, type KernelSpec } from './spec.js';
import { memoKernel } from './memo.js';

export const CROSS_ENTROPY_WORKGROUP = 64;
/** Largest batch whose mean or sum the forward kernel reduces itself (one workgroup). */
export const CROSS_ENTROPY_REDUCED_ROWS = 1024;

function common(masked: boolean): string {
  return wgsl`
struct Params { N: u32, C: u32, scale: f32, gStride: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
#if ${masked}
@group(0) @binding(3) var<storage, read> mask: array<f32>;
#endif
${FLAT_WORKGROUP}
${IS_NAN}${NAN_MIN_MAX}
fn isActive(c: u32) -> bool {
#if ${masked}
  return mask[c] != 0.0;
#else
  return true;
#endif
}
fn nan() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }
// (m, s) of row n over the active classes.
fn rowStats(row: u32) -> vec2<f32> {
  var bits = 0xff800000u;
  var m = bitcast<f32>(bits); // −∞
  for (var c = 0u; c < p.C; c++) { if (isActive(c)) { m = maxNan(m, x[row + c]); } }
  var s = 0.0;
  for (var c = 0u; c < p.C; c++) { if (isActive(c)) { s += exp(x[row + c] - m); } }
  return vec2<f32>(m, s);
}
fn validLabel(y: i32) -> bool { return y >= 0 && u32(y) < p.C && isActive(u32(y)); }
fn rowLoss(n: u32) -> f32 {
  let row = n * p.C;
  let y = labels[n];
  if (!validLabel(y)) { return nan(); }
  let ms = rowStats(row);
  return p.scale * ((ms.x - x[row + u32(y)]) + log(ms.y));
}
`;
}

/** dx of row n for the output gradient gn (needs `dx` declared). */
const GRAD_ROW = /* wgsl */ `
fn gradRow(n: u32, gn: f32) {
  let row = n * p.C;
  let y = labels[n];
  if (!validLabel(y)) {
    for (var c = 0u; c < p.C; c++) { dx[row + c] = nan(); }
    return;
  }
  let ms = rowStats(row);
  for (var c = 0u; c < p.C; c++) {
    var d = 0.0;
    if (isActive(c)) { d = gn * (exp(x[row + c] - ms.x) / ms.y - select(0.0, 1.0, i32(c) == y)); }
    dx[row + c] = d;
  }
}
`;

const MAIN = `@compute @workgroup_size(${CROSS_ENTROPY_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let n = flatWorkgroup(wid, nwg) * ${CROSS_ENTROPY_WORKGROUP}u + lid;
  if (n >= p.N) { return; }
  let row = n * p.C;
  let y = labels[n];`;

export interface CrossEntropyVariant {
  masked: boolean;
  reduced: boolean;
  /** reduced only: also write dx for g = 1 (binding after the loss). */
  grad: boolean;
}

export const crossEntropyKernel = memoKernel((v: CrossEntropyVariant): KernelSpec => {
  const out = v.masked ? 4 : 3;
  const W = CROSS_ENTROPY_WORKGROUP;
  const body = v.reduced ? `
var<workgroup> partial: array<f32, ${W}>;
@compute @workgroup_size(${W})
fn main(@builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var n = lid; n < p.N; n += ${W}u) {
    acc += rowLoss(n);${v.grad ? '\n    gradRow(n, p.scale);' : ''}
  }
  partial[lid] = acc;
  for (var half = ${W / 2}u; half > 0u; half >>= 1u) {
    workgroupBarrier();
    if (lid < half) { partial[lid] += partial[lid + half]; }
  }
  if (lid == 0u) { loss[0] = partial[0]; }
}` : `
${MAIN}
  loss[n] = rowLoss(n);
}`;
  const grad = v.reduced && v.grad;
  const code = `${common(v.masked)}
@group(0) @binding(${out}) var<storage, read_write> loss: array<f32>;
${grad ? `@group(0) @binding(${out + 1}) var<storage, read_write> dx: array<f32>;\n${GRAD_ROW}` : ''}
${body}
`;
  return {
    name: `crossEntropy${v.masked ? '[mask]' : ''}${v.reduced ? '[reduced]' : ''}${grad ? '[grad]' : ''}`,
    code,
    bindings: ['uniform', 'read', 'read', ...(v.masked ? ['read' as const] : []), 'readwrite', ...(grad ? ['readwrite' as const] : [])],
  };
});

export const crossEntropyBackwardKernel = memoKernel((masked: boolean): KernelSpec => {
  const g = masked ? 4 : 3;
  const code = `${common(masked)}
@group(0) @binding(${g}) var<storage, read> g: array<f32>;
@group(0) @binding(${g + 1}) var<storage, read_write> dx: array<f32>;
${GRAD_ROW}
${MAIN}
  gradRow(n, p.scale * g[n * p.gStride]);
}
`;
  return {
    name: `crossEntropy${masked ? '[mask]' : ''}.backward`,
    code,
    bindings: ['uniform', 'read', 'read', ...(masked ? ['read' as const] : []), 'read', 'readwrite'],
  };
});
