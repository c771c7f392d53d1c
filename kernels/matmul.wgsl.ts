/**
 * Batched matrix product C[b] = op(A[b]) · op(B[b]), op = identity or transpose, float32.
 *
 * Layout: A is [batch, M, K] (or [batch, K, M] when transposeA), B is [batch, K, N] (or [batch, N, K]
 * when transposeB), C is [batch, M, N], all contiguous; a batch stride of 0 broadcasts one matrix.
 * Parallelisation: one invocation per output element, 16×16 workgroups, grid (N/16, M/16, batch).
 * (A first, plain kernel; the register-blocked one replaces it.)
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import type { KernelSpec } from './spec.js';

export interface MatmulVariant {
  transposeA: boolean;
  transposeB: boolean;
}

export const MATMUL_TILE = 16;

export function matmulKernel(v: MatmulVariant): KernelSpec {
  const code = wgsl`
struct Params { M: u32, N: u32, K: u32, batch: u32, strideA: u32, strideB: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

@compute @workgroup_size(${MATMUL_TILE}, ${MATMUL_TILE})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let col = gid.x;
  let row = gid.y;
  let bat = gid.z;
  if (row >= p.M || col >= p.N) { return; }
  let aBase = bat * p.strideA;
  let bBase = bat * p.strideB;
  var acc = 0.0;
  for (var k = 0u; k < p.K; k++) {
#if ${v.transposeA}
    let av = a[aBase + k * p.M + row];
#else
    let av = a[aBase + row * p.K + k];
#endif
#if ${v.transposeB}
    let bv = b[bBase + col * p.K + k];
#else
    let bv = b[bBase + k * p.N + col];
#endif
    acc = fma(av, bv, acc);
  }
  c[bat * p.M * p.N + row * p.N + col] = acc;
}
`;
  return {
    name: `matmul[${v.transposeA ? 't' : 'n'}${v.transposeB ? 't' : 'n'}]`,
    code,
    bindings: ['uniform', 'read', 'read', 'readwrite'],
  };
}

/** Workgroup grid for an M×N output over `batch` matrices. */
export function matmulGrid(M: number, N: number, batch: number): [number, number, number] {
  return [Math.ceil(N / MATMUL_TILE), Math.ceil(M / MATMUL_TILE), batch];
}
