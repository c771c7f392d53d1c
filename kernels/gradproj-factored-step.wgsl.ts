/**
 * The last pass of the factored post-projected SGD step (cl/gradproj/projected-step.ts). A Linear
 * weight's gradient is G = Δᵀ·X (Δ [R, out] output gradients, X [R, d] inputs), so G·P = Δᵀ·(X·P):
 * R·d² multiply-adds instead of out·d². The step runs three matmuls, then this kernel:
 *
 *   XP = X·P
 *   C  = g − Δᵀ·X       g as the optimiser sees it; exactly 0 where backward left it unchanged
 *                       (the same matmul kernel recomputes the same sums), nonzero where clipping
 *                       or a penalty changed it
 *   E' = E + Δᵀ·XP      E = D·P, the post-projected displacement
 *   here, per row i:    if row i of C is not all zero: E'[i, :] += C[i, :]·P   (g·P exactly)
 *                       D ← D + g,   θ = θ₀ − lr·E'
 *
 * One workgroup per row (grid1d(out, 1)), 64 invocations striding over the d columns: the row's
 * zero test must see every column before any is written. The dense correction is a plain loop
 * (d² multiply-adds per changed row): clipping touches few rows, and then rarely.
 */
import { FLAT_WORKGROUP, IS_NAN, type KernelSpec } from './spec.js';

const WORKGROUP = 64;

/** Buffer names in binding order (after the uniform). */
export const FACTORED_STEP_BUFFERS: [string, 'read' | 'readwrite'][] = [
  ['c', 'read'], ['P', 'read'], ['g', 'read'], ['theta0', 'read'],
  ['acc', 'readwrite'], ['accP', 'readwrite'], ['theta', 'readwrite'],
];

/** Uniform: out, d (u32), lr (f32). */
export function factoredStepParams(out: number, d: number, lr: number): Uint32Array {
  const params = new Uint32Array([out, d, 0, 0]);
  new Float32Array(params.buffer, 8, 1)[0] = lr;
  return params;
}

const decl = FACTORED_STEP_BUFFERS
  .map(([name, kind], i) => `@group(0) @binding(${i + 1}) var<storage, ${kind === 'read' ? 'read' : 'read_write'}> ${name}: array<f32>;`)
  .join('\n');

export const factoredStepKernel: KernelSpec = {
  name: 'gradprojStep[sgd,post,proj,factored]',
  bindings: ['uniform', ...FACTORED_STEP_BUFFERS.map(([, kind]) => kind)],
  code: /* wgsl */ `
struct Params { out: u32, d: u32, lr: f32 }
@group(0) @binding(0) var<uniform> p: Params;
${decl}
${FLAT_WORKGROUP}
${IS_NAN}
var<workgroup> changed: atomic<u32>;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flatWorkgroup(wid, nwg);
  let row = i * p.d;
  if (i < p.out) {
    for (var k = lid; k < p.d; k += ${WORKGROUP}u) {
      let ck = c[row + k];
      if (ck != 0.0 || isNan(ck)) { atomicStore(&changed, 1u); }
    }
  }
  workgroupBarrier();
  if (i >= p.out) { return; }
  // A loop bound rather than an if: SIMD lanes skip a loop whose bound is 0 in every lane.
  let kEnd = select(0u, p.d, atomicLoad(&changed) != 0u);
  for (var j = lid; j < p.d; j += ${WORKGROUP}u) {
    var e = accP[row + j];
    for (var k = 0u; k < kEnd; k++) { e = fma(c[row + k], P[k * p.d + j], e); }
    accP[row + j] = e;
    acc[row + j] = acc[row + j] + g[row + j];
    theta[row + j] = theta0[row + j] - p.lr * e;
  }
}
`,
};
