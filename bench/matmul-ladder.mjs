/**
 * The ladder of matmul kernels we measured before settling on kernels/matmul.wgsl.ts, reproducible:
 *
 *   npm run build && node bench/matmul-ladder.mjs [--backend vulkan|opengles] [--n 1024] [--rounds 5]
 *
 * Every variant computes C = A·B for n×n float32 matrices (n a multiple of 64, so no edge code) and
 * is dispatched through our device; variants run round-robin and each keeps its fastest round
 * (lavapipe shares the CPU with everything else on the machine). The last rows are the library's
 * kernel with scalar reads of B, and matmul() itself (vec4 reads of B here). Variants:
 * - naive: one output per invocation, 16×16 workgroups (the first kernel we had).
 * - TM×TN register blocks: each invocation accumulates TM×TN outputs (vec4 accumulators), loading
 *   TM values of A and TN of B per k; `vec4 B` loads B as vec4 instead of scalars; `vec4 A along
 *   k` loads 4 steps of k of each row of A as one vec4; `k unrolled` does U steps of k per loop
 *   iteration.
 * - workgroup memory: 8×8 blocks per invocation, 64×64 outputs per workgroup, A and B tiles of depth
 *   BK staged in workgroup memory between two barriers.
 */
import os from 'node:os';
import { arg } from './args.mjs';

const wc = await import('../dist/index.js');
const { matmulGrid, matmulKernel, matmulParams } = await import('../dist/kernels/matmul.wgsl.js');
const n = Number(arg('n', 1024));
const rounds = Number(arg('rounds', 5));
const backend = arg('backend', undefined);

const HEAD = /* wgsl */ `
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> b4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> c: array<f32>;
`;
const range = (k) => Array.from({ length: k }, (_, i) => i);

const naive = {
  name: 'naive, 1 output per invocation', span: [16, 16],
  code: `${HEAD}
@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  var acc = 0.0;
  for (var k = 0u; k < p.n; k++) { acc = fma(a[g.y * p.n + k], b[k * p.n + g.x], acc); }
  c[g.y * p.n + g.x] = acc;
}`,
};

/** TM×TN outputs per invocation, 8×8 invocations per workgroup, no workgroup memory; k unrolled U times. */
function registerBlocked(TM, TN, vec4B, U = 1) {
  const J = range(TN / 4);
  const loadB = (j, u) => (vec4B ? `b4[((k + ${u}u) * p.n + col) / 4u + ${j}u]` : `vec4<f32>(${range(4).map((q) => `b[(k + ${u}u) * p.n + col + ${4 * j + q}u]`).join(', ')})`);
  const step = (u) => `
    ${J.map((j) => `let b${j}_${u} = ${loadB(j, u)};`).join('\n    ')}
    ${range(TM).map((i) => `let a${i}_${u} = vec4<f32>(a[(row + ${i}u) * p.n + k + ${u}u]); ${J.map((j) => `acc${i}_${j} = fma(a${i}_${u}, b${j}_${u}, acc${i}_${j});`).join(' ')}`).join('\n    ')}`;
  return {
    name: `register ${TM}×${TN}${vec4B ? ', vec4 B' : ''}${U > 1 ? `, k unrolled ×${U}` : ''}`, span: [8 * TN, 8 * TM],
    code: `${HEAD}
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let row = g.y * ${TM}u; let col = g.x * ${TN}u;
  ${range(TM).map((i) => J.map((j) => `var acc${i}_${j} = vec4<f32>();`).join(' ')).join('\n  ')}
  for (var k = 0u; k < p.n; k += ${U}u) {${range(U).map(step).join('')}
  }
  ${range(TM).map((i) => J.map((j) => range(4).map((q) => `c[(row + ${i}u) * p.n + col + ${4 * j + q}u] = acc${i}_${j}[${q}];`).join(' ')).join('\n  ')).join('\n  ')}
}`,
  };
}

/** 8×8 outputs per invocation reading A as vec4 along k: four steps of k per loop iteration. */
function registerBlockedVec4AlongK() {
  const I = range(8), J = range(2), Q = range(4);
  return {
    name: 'register 8×8, vec4 B, vec4 A along k', span: [64, 64],
    code: `${HEAD}
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let row = g.y * 8u; let col = g.x * 8u;
  ${I.map((i) => J.map((j) => `var acc${i}_${j} = vec4<f32>();`).join(' ')).join('\n  ')}
  for (var k = 0u; k < p.n; k += 4u) {
    ${I.map((i) => `let ak${i} = a4[((row + ${i}u) * p.n + k) / 4u];`).join('\n    ')}
    ${Q.map((q) => `${J.map((j) => `let b${j}_${q} = b4[((k + ${q}u) * p.n + col) / 4u + ${j}u];`).join(' ')}
    ${I.map((i) => J.map((j) => `acc${i}_${j} = fma(vec4<f32>(ak${i}[${q}]), b${j}_${q}, acc${i}_${j});`).join(' ')).join('\n    ')}`).join('\n    ')}
  }
  ${I.map((i) => J.map((j) => range(4).map((q) => `c[(row + ${i}u) * p.n + col + ${4 * j + q}u] = acc${i}_${j}[${q}];`).join(' ')).join(' ')).join('\n  ')}
}`,
  };
}

/** 8×8 outputs per invocation, 64×64 per workgroup, A and B tiles of depth BK in workgroup memory. */
function workgroupTiled(BK) {
  const I = range(8), J = range(2);
  const loads = [];
  for (let q = 0; q < (64 * BK) / 64; q++) {
    loads.push(`{ let e = lid + ${q * 64}u; ta[e] = a[(wg.y * 64u + e / ${BK}u) * p.n + k0 + e % ${BK}u]; }`);
    loads.push(`{ let e = lid + ${q * 64}u; tb[e] = b[(k0 + e / 64u) * p.n + wg.x * 64u + e % 64u]; }`);
  }
  return {
    name: `workgroup memory 8×8, BK = ${BK}`, span: [64, 64],
    code: `${HEAD}
var<workgroup> ta: array<f32, ${64 * BK}>;
var<workgroup> tb: array<f32, ${64 * BK}>;
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  ${I.map((i) => J.map((j) => `var acc${i}_${j} = vec4<f32>();`).join(' ')).join('\n  ')}
  for (var k0 = 0u; k0 < p.n; k0 += ${BK}u) {
    ${loads.join('\n    ')}
    workgroupBarrier();
    for (var k = 0u; k < ${BK}u; k++) {
      ${J.map((j) => `let b${j} = vec4<f32>(${range(4).map((q) => `tb[k * 64u + l.x * 8u + ${4 * j + q}u]`).join(', ')});`).join('\n      ')}
      ${I.map((i) => `let a${i} = vec4<f32>(ta[(l.y * 8u + ${i}u) * ${BK}u + k]); ${J.map((j) => `acc${i}_${j} = fma(a${i}, b${j}, acc${i}_${j});`).join(' ')}`).join('\n      ')}
    }
    workgroupBarrier();
  }
  let row = wg.y * 64u + l.y * 8u; let col = wg.x * 64u + l.x * 8u;
  ${I.map((i) => J.map((j) => range(4).map((q) => `c[(row + ${i}u) * p.n + col + ${4 * j + q}u] = acc${i}_${j}[${q}];`).join(' ')).join(' ')).join('\n  ')}
}`,
  };
}

const device = await wc.initDevice(backend ? { backend } : {});
const A = wc.rand([n, n]), B = wc.rand([n, n]), C = wc.zeros([n, n]);
const params = new Uint32Array([n]);
const variants = [
  naive,
  registerBlocked(4, 4, false), registerBlocked(4, 8, false), registerBlocked(8, 4, false),
  registerBlocked(8, 8, false), registerBlocked(8, 8, true), registerBlockedVec4AlongK(), registerBlocked(8, 8, false, 2), registerBlocked(8, 8, false, 4),
  registerBlocked(16, 8, false), registerBlocked(8, 16, false),
  workgroupTiled(8), workgroupTiled(16), workgroupTiled(32),
].map((v) => ({
  name: v.name,
  run: () => device.dispatch({ name: v.name, code: v.code, bindings: ['uniform', 'read', 'read', 'read', 'read', 'readwrite'] },
    params, [A.buffer, B.buffer, B.buffer, A.buffer, C.buffer], [n / v.span[0], n / v.span[1], 1]),
}));
// The library's kernel with four scalar reads of B instead of one vec4, then matmul() itself.
const scalarB = matmulKernel({ vec4A: false, vec4B: false });
const shape = { M: n, N: n, K: n, transposeA: false, transposeB: false, broadcastA: true, broadcastB: true };
variants.push({ name: 'library kernel, scalar reads of B', run: () => device.dispatch(scalarB, matmulParams(shape), [A.buffer, B.buffer, C.buffer], matmulGrid(n, n, 1)) });
variants.push({ name: 'library matmul() (kernels/matmul.wgsl.ts)', run: () => wc.matmul(A, B).dispose(), reference: true });

// Every variant writing C must agree with matmul() before it is timed.
const want = await wc.matmul(A, B).toArray();
for (const v of variants) {
  v.run();
  const got = await C.toArray();
  const worst = v.reference ? 0 : got.reduce((m, x, i) => Math.max(m, Math.abs(x - want[i]) / (1 + Math.abs(want[i]))), 0);
  if (!(worst < 1e-4)) throw new Error(`${v.name}: differs from matmul() by ${worst}`);
  v.best = Infinity;
}
for (let r = 0; r < rounds; r++) {
  for (const v of variants) {
    const t = performance.now();
    v.run();
    await device.sync();
    v.best = Math.min(v.best, performance.now() - t);
  }
}
console.log(`matmul ladder, n = ${n}, backend ${device.backend}, ${device.adapterInfo.description}, ${new Date().toISOString()}, ` +
  `best of ${rounds} rounds, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
console.log('| kernel | GFLOP/s |\n|---|---:|');
for (const v of variants) console.log(`| ${v.name} | ${(2 * n ** 3 / v.best / 1e6).toFixed(2)} |`);
device.destroy();
