/**
 * The optimiser step of a gradient-projection layer (orthocl semantics, REFERENCE.md §1), elementwise
 * over the weight θ viewed as G [out, d]. Kernels around one matmul by the projector P:
 *
 *   adjust:  a = rule(g)                 sgd: a = g
 *                                        adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², a = (m·c₁)/(√(v·c₂) + ε)
 *                                        rms: v ← g² on step 1, else βv + (1−β)g²,    a = g/(√v + ε)
 *            post-projection:  D ← D + lr·a;   without projector: θ = θ₀ − D
 *            classic:          without projector: s = −lr·a + μ·s_prev, θ ← θ + s;  with one: A ← a
 *   post-projection with P:  θ = θ₀ − D·P, one GEMM with θ₀ as its addend (engine gemmInto)
 *   classic with P:          X = A·P (matmul), then apply:  s = −lr·X + μ·s_prev, θ ← θ + s
 *   small weights with P:    all of it in one single-workgroup dispatch (fusedStepKernel, below)
 *
 * D sums lr·a, not a: each step's displacement at its own lr, so an lr schedule moves θ by each
 * step's lr·a·P (orthocl's θ₀ − lr·ΣA·P, identical for a constant lr, rescales every earlier step
 * when lr changes).
 *
 * 64 invocations per workgroup, each handling GRADPROJ_RUN elements 64 apart: on lavapipe a step's
 * cost is mostly per workgroup, so 16 workgroups for a 32×512 weight took 0.076 ms where 64 with one
 * element per invocation took 0.13 ms (4: 0.05 ms). Bindings depend on the variant (named below), so
 * each variant binds only the state it uses. c₁ = 1/(1−β₁ᵗ), c₂ = 1/(1−β₂ᵗ) come from the host.
 */
import { FLAT_WORKGROUP, type BindingKind, type KernelSpec } from './spec.js';
import { memoKernel } from './memo.js';

export type StepRule = 'sgd' | 'adam' | 'rms';
const GRADPROJ_WORKGROUP = 64;
const GRADPROJ_RUN = 16;
/** Elements per workgroup (the grid is grid1d(n, GRADPROJ_SPAN)). */
export const GRADPROJ_SPAN = GRADPROJ_WORKGROUP * GRADPROJ_RUN;

export interface AdjustVariant {
  rule: StepRule;
  post: boolean;
  /** A projector exists (not the first task, not disabled). */
  project: boolean;
}

/** Uniform layout shared by all the kernels (f32 unless noted); `declare` serves the factored step too. */
const PARAMS = /* wgsl */ `
struct Params { n: u32, t: u32, lr: f32, beta1: f32, beta2: f32, eps: f32, momentum: f32, c1: f32, c2: f32, d: u32 }
@group(0) @binding(0) var<uniform> p: Params;
`;

/** Storage bindings 1, 2, … in order; `elementType(name)` gives each array's element type (default f32). */
export function declare(buffers: readonly [string, 'read' | 'readwrite'][], elementType: (name: string) => string = () => 'f32'): { decl: string; bindings: BindingKind[] } {
  const decl = buffers
    .map(([name, kind], i) => `@group(0) @binding(${i + 1}) var<storage, ${kind === 'read' ? 'read' : 'read_write'}> ${name}: array<${elementType(name)}>;`)
    .join('\n');
  return { decl, bindings: ['uniform', ...buffers.map(([, k]) => k)] };
}

function kernel(name: string, buffers: readonly [string, 'read' | 'readwrite'][], body: string): KernelSpec {
  const { decl, bindings } = declare(buffers);
  const code = `${PARAMS}${decl}
${FLAT_WORKGROUP}
@compute @workgroup_size(${GRADPROJ_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let first = flatWorkgroup(wid, nwg) * ${GRADPROJ_SPAN}u + lid;
  for (var r = 0u; r < ${GRADPROJ_RUN}u; r++) {
    let i = first + r * ${GRADPROJ_WORKGROUP}u;
    if (i >= p.n) { return; }
${body}
  }
}
`;
  return { name, code, bindings };
}

/** Names of the buffers an adjust variant binds, in binding order. */
export function adjustBuffers(v: AdjustVariant): [string, 'read' | 'readwrite'][] {
  const list: [string, 'read' | 'readwrite'][] = [['g', 'read']];
  if (v.rule === 'adam') list.push(['m1', 'readwrite']);
  if (v.rule !== 'sgd') list.push(['m2', 'readwrite']);
  if (v.post || v.project) list.push(['acc', 'readwrite']);
  if (!v.project) list.push(['theta', 'readwrite'], [v.post ? 'theta0' : 'prev', v.post ? 'read' : 'readwrite']);
  return list;
}

const RULES: Record<StepRule, string> = {
  sgd: '  let a = g[i];',
  adam: `  let gi = g[i];
  let m = p.beta1 * m1[i] + (1.0 - p.beta1) * gi;
  let v = p.beta2 * m2[i] + (1.0 - p.beta2) * gi * gi;
  m1[i] = m;
  m2[i] = v;
  let a = (m * p.c1) / (sqrt(v * p.c2) + p.eps);`,
  rms: `  let gi = g[i];
  let v = select(p.beta2 * m2[i] + (1.0 - p.beta2) * gi * gi, gi * gi, p.t == 1u);
  m2[i] = v;
  let a = gi / (sqrt(v) + p.eps);`,
};

/** The adjusted gradient a of element i, then D ← D + lr·a (post) or A ← a (classic), or the whole unprojected step. */
function adjustBody(v: AdjustVariant): string {
  let tail: string;
  if (v.post) tail = v.project ? '  acc[i] = acc[i] + p.lr * a;' : '  let d = acc[i] + p.lr * a;\n  acc[i] = d;\n  theta[i] = theta0[i] - d;';
  else tail = v.project ? '  acc[i] = a;' : '  let s = -p.lr * a + p.momentum * prev[i];\n  prev[i] = s;\n  theta[i] = theta[i] + s;';
  return `${RULES[v.rule]}\n${tail}`;
}

const variantName = (v: AdjustVariant) => `${v.rule},${v.post ? 'post' : 'classic'}${v.project ? ',proj' : ''}`;

export const adjustKernel = memoKernel((v: AdjustVariant): KernelSpec => kernel(`gradprojAdjust[${variantName(v)}]`, adjustBuffers(v), adjustBody(v)));

/**
 * The whole projected step of a small weight in one workgroup (one dispatch instead of two or three):
 * the adjust pass over all elements, a storage barrier, then x = D·P and per element
 * post: θ = θ₀ − x, classic: s = −lr·x + μ·s_prev, θ ← θ + s. For weights with n·d = out·d² ≤
 * FUSED_STEP_MACS (a seed-model step's 5×5 convolution and its 32→10 layer), where one workgroup's
 * d multiply-adds per element cost less than a dispatch (≈ 50 µs on lavapipe). D·P in 4×4 blocks
 * per invocation (4 + 4 loads for 16 multiply-adds per k, rows and columns past the edge clamped and
 * not stored): loads are what a software rasteriser pays for. 8 invocations, one SIMD register on
 * llvmpipe: the storage barrier then switches no coroutines. Seed's two layers: 0.047 and 0.025 ms
 * with one element per invocation and step, 0.016 and 0.010 ms with the blocks.
 */
export const FUSED_STEP_MACS = 65536;
const FUSED_WORKGROUP = 8;
const BLOCK = 4;

export function fusedStepBuffers(v: Omit<AdjustVariant, 'project'>): [string, 'read' | 'readwrite'][] {
  return [...adjustBuffers({ ...v, project: true }), ['P', 'read'], ['theta', 'readwrite'], v.post ? ['theta0', 'read'] : ['prev', 'readwrite']];
}

export const fusedStepKernel = memoKernel((v: Omit<AdjustVariant, 'project'>): KernelSpec => {
  const { decl, bindings } = declare(fusedStepBuffers(v));
  const apply = v.post
    ? '  theta[i] = theta0[i] - x;'
    : '  let s = -p.lr * x + p.momentum * prev[i];\n  prev[i] = s;\n  theta[i] = theta[i] + s;';
  const b = Array.from({ length: BLOCK }, (_, i) => i);
  const pairs = b.flatMap((i) => b.map((j) => [i, j] as const));
  const code = `${PARAMS}${decl}
fn applyAt(i: u32, x: f32) {
${apply}
}

@compute @workgroup_size(${FUSED_WORKGROUP})
fn main(@builtin(local_invocation_index) lid: u32) {
  for (var i = lid; i < p.n; i += ${FUSED_WORKGROUP}u) {
${adjustBody({ ...v, project: true })}
  }
  storageBarrier();
  let rows = p.n / p.d;
  let colBlocks = (p.d + ${BLOCK - 1}u) / ${BLOCK}u;
  let blocks = (rows + ${BLOCK - 1}u) / ${BLOCK}u * colBlocks;
  for (var blk = lid; blk < blocks; blk += ${FUSED_WORKGROUP}u) {
    let r0 = blk / colBlocks * ${BLOCK}u;
    let c0 = blk % colBlocks * ${BLOCK}u;
    ${b.map((i) => `let a${i} = min(r0 + ${i}u, rows - 1u) * p.d;`).join(' ')}
    ${b.map((j) => `let col${j} = min(c0 + ${j}u, p.d - 1u);`).join(' ')}
    ${pairs.map(([i, j]) => `var x${i}${j} = 0.0;`).join(' ')}
    for (var k = 0u; k < p.d; k++) {
      ${b.map((i) => `let d${i} = acc[a${i} + k];`).join(' ')}
      ${b.map((j) => `let p${j} = P[k * p.d + col${j}];`).join(' ')}
      ${pairs.map(([i, j]) => `x${i}${j} = fma(d${i}, p${j}, x${i}${j});`).join(' ')}
    }
    ${pairs.map(([i, j]) => `if (r0 + ${i}u < rows && c0 + ${j}u < p.d) { applyAt((r0 + ${i}u) * p.d + c0 + ${j}u, x${i}${j}); }`).join('\n    ')}
  }
}
`;
  return { name: `gradprojStep[${variantName({ ...v, project: true })},fused]`, code, bindings };
});

export const APPLY_BUFFERS: [string, 'read' | 'readwrite'][] = [['x', 'read'], ['theta', 'readwrite'], ['prev', 'readwrite']];

export const applyKernel = kernel('gradprojApply[classic]', APPLY_BUFFERS, '  let s = -p.lr * x[i] + p.momentum * prev[i];\n  prev[i] = s;\n  theta[i] = theta[i] + s;');
