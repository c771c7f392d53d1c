/**
 * Softmax and log-softmax along one axis of x viewed as [outer, r, inner], and their backward.
 *   softmax:     y_k = exp(x_k − m) / s,        m = max_k x_k, s = Σ_k exp(x_k − m)
 *   logSoftmax:  y_k = x_k − m − log s
 * Subtracting the max keeps every exp(·) in (0, 1]: no overflow, and s ≥ 1 so log s is well conditioned.
 * A NaN in the line makes m NaN (maxNan, not WGSL's max, which may skip it), so the whole line is NaN,
 * as in PyTorch, without relying on exp(NaN) reaching the sum.
 * Backward, from the output y and its gradient g:
 *   softmax:     dx_k = y_k·(g_k − Σ_j g_j·y_j)
 *   logSoftmax:  dx_k = g_k − exp(y_k)·Σ_j g_j
 *
 * Parallelisation: one invocation per line (o, i), which loops over k three times (forward: max, sum,
 * write) or twice (backward: sum, write) with stride `inner`; 64 invocations per workgroup so that a
 * batch of ~100 rows still spreads over several workgroups (threads on a software adapter). No
 * workgroup memory or barriers (costly on lavapipe); the loop order is fixed, so results are
 * deterministic.
 */
import { FLAT_WORKGROUP, IS_NAN, NAN_MIN_MAX, type KernelSpec } from './spec.js';
import { memoKernel } from './memo.js';

export type SoftmaxKind = 'softmax' | 'logSoftmax';
export const SOFTMAX_WORKGROUP = 64;

const HEADER = /* wgsl */ `
struct Params { outer: u32, r: u32, inner: u32 }
@group(0) @binding(0) var<uniform> p: Params;
${FLAT_WORKGROUP}
`;

/** WGSL that sets `base` (index of element k = 0 of this invocation's line) or returns. */
const LINE = /* wgsl */ `
  let line = flatWorkgroup(wid, nwg) * ${SOFTMAX_WORKGROUP}u + lid;
  if (line >= p.outer * p.inner) { return; }
  let base = (line / p.inner) * p.r * p.inner + line % p.inner;
`;

const MAIN = `@compute @workgroup_size(${SOFTMAX_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32)`;

export const softmaxKernel = memoKernel((kind: SoftmaxKind): KernelSpec => {
  const [prepare, write] = kind === 'softmax' ? ['', 'exp(x[at] - m) / s'] : ['let logS = log(s);', 'x[at] - m - logS'];
  const code = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${IS_NAN}${NAN_MIN_MAX}
${MAIN} {
${LINE}
  var m = x[base];
  for (var k = 1u; k < p.r; k++) { m = maxNan(m, x[base + k * p.inner]); }
  var s = 0.0;
  for (var k = 0u; k < p.r; k++) { s += exp(x[base + k * p.inner] - m); }
  ${prepare}
  for (var k = 0u; k < p.r; k++) {
    let at = base + k * p.inner;
    y[at] = ${write};
  }
}
`;
  return { name: `${kind}`, code, bindings: ['uniform', 'read', 'readwrite'] };
});

export const softmaxBackwardKernel = memoKernel((kind: SoftmaxKind): KernelSpec => {
  const [total, write] = kind === 'softmax'
    ? ['g[at] * y[at]', 'y[at] * (g[at] - t)']
    : ['g[at]', 'g[at] - exp(y[at]) * t'];
  const code = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
${MAIN} {
${LINE}
  var t = 0.0;
  for (var k = 0u; k < p.r; k++) {
    let at = base + k * p.inner;
    t += ${total};
  }
  for (var k = 0u; k < p.r; k++) {
    let at = base + k * p.inner;
    dx[at] = ${write};
  }
}
`;
  return { name: `${kind}.backward`, code, bindings: ['uniform', 'read', 'read', 'readwrite'] };
});
