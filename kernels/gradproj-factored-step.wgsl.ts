/**
 * The last two passes of the factored post-projected SGD step (cl/gradproj/projected-step.ts). A
 * Linear weight's gradient is G = Δᵀ·X (Δ [R, out] output gradients, X [R, d] inputs), so
 * G·P = Δᵀ·(X·P): R·d² multiply-adds instead of out·d². The whole step:
 *
 *   XP = X·P                       matmul
 *   C  = g − Δᵀ·X                  GEMM; g as the optimiser sees it. Exactly 0 where backward left it
 *                                  unchanged (the same matmul kernel recomputes the same sums), nonzero
 *                                  where clipping or a penalty changed it
 *   correct: per row i of C that is not all zero:  E[i, :] += C[i, :]·P      (E = D·P)
 *   E' = E + Δᵀ·XP                 GEMM; now E' = E + g·P
 *   apply:   D ← D + g,  θ = θ₀ − lr·E'
 *
 * correct: one workgroup per row (grid1d(out, 1)), 8 invocations; the row's zero test must see every
 * column first, so it is a workgroup (atomic flag, barrier). The dense product is a plain loop (d²
 * multiply-adds per changed row): clipping changes few rows, and rarely. apply: elementwise, laid out
 * as the other step kernels (kernels/gradproj-step.wgsl.ts, whose Params it shares: n, lr).
 */
import { declare, kernel } from './gradproj-step.wgsl.js';
import { FLAT_WORKGROUP, IS_NAN, type KernelSpec } from './spec.js';

/** One SIMD register on llvmpipe: the barrier then switches no coroutines (64 invocations took 2–3× longer). */
const WORKGROUP = 8;

/** Buffer names in binding order (after the uniform). */
export const CORRECT_BUFFERS: [string, 'read' | 'readwrite'][] = [['c', 'read'], ['P', 'read'], ['accP', 'readwrite']];

/** Uniform of `correctKernel`: out, d. */
export const correctParams = (out: number, d: number): Uint32Array => new Uint32Array([out, d, 0, 0]);

const { decl, bindings } = declare(CORRECT_BUFFERS);

export const correctKernel: KernelSpec = {
  name: 'gradprojCorrect[factored]',
  bindings,
  code: /* wgsl */ `
struct Shape { out: u32, d: u32 }
@group(0) @binding(0) var<uniform> p: Shape;
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
  // A loop bound rather than an if: SIMD lanes skip a loop whose bound is 0 in every lane.
  let jEnd = select(0u, p.d, i < p.out && atomicLoad(&changed) != 0u);
  for (var j = lid; j < jEnd; j += ${WORKGROUP}u) {
    var e = accP[row + j];
    for (var k = 0u; k < p.d; k++) { e = fma(c[row + k], P[k * p.d + j], e); }
    accP[row + j] = e;
  }
}
`,
};

export const APPLY_FACTORED_BUFFERS: [string, 'read' | 'readwrite'][] = [['g', 'read'], ['theta0', 'read'], ['accP', 'read'], ['acc', 'readwrite'], ['theta', 'readwrite']];

export const applyFactoredKernel = kernel('gradprojApply[sgd,post,factored]', APPLY_FACTORED_BUFFERS, '  acc[i] = acc[i] + g[i];\n  theta[i] = theta0[i] - p.lr * accP[i];');
