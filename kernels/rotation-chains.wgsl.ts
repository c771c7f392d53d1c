/**
 * Applies chains of adjacent-row plane rotations to the rows of W [rows, S] (S a multiple of 4), the
 * eigenvector accumulation of the implicit QL iteration (engine/linalg/tridiagonal-ql.ts records the
 * chains; kernels/rotation-chains.reference.ts applies them in float64).
 *
 * Chain t = (first, l, m) holds m − l rotations (c, s) = cs[first], cs[first + 1], … acting on rows
 * (m−1, m), then (m−2, m−1), …, down to (l, l+1); rotation (c, s) on rows (i, i+1) maps
 *   (x, y) → (c·x − s·y, s·x + c·y),
 * i.e. V ← V·G on columns i, i+1 of V = Wᵀ (the QL sweep's Z ← Z·G). Consecutive rotations of a
 * chain share a row, so row i+1 is final once rotation i is done and row i travels on in a register:
 * one load and one store per rotation instead of two each.
 *
 * One invocation owns four adjacent columns (vec4) and runs every chain in order: columns never mix,
 * so there is no synchronisation, and the rows it touches are read contiguously across the
 * workgroup. Grid: grid1d(S/4, CHAIN_WORKGROUP). Measured: 473k rotations on 196 vec4 columns
 * (n = 784) in 350–420 ms, ≈ 250M vec4 rotations per second on lavapipe.
 */
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';

/** Small workgroups: at n = 784 there are only 196 column groups to spread over the cores. */
export const CHAIN_WORKGROUP = 8;
/** Bytes per chain-table entry (first, l, m, unused) and per rotation (c, s). */
export const CHAIN_BYTES = 16;
export const ROTATION_BYTES = 8;

export function rotationChainsKernel(): KernelSpec {
  const code = /* wgsl */ `
struct Params { S4: u32, chains: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> chains: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> cs: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> w: array<vec4<f32>>;
${FLAT_WORKGROUP}
@compute @workgroup_size(${CHAIN_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let j = flatWorkgroup(wid, nwg) * ${CHAIN_WORKGROUP}u + lid;
  if (j >= p.S4) { return; }
  for (var t = 0u; t < p.chains; t++) {
    let chain = chains[t];
    var r = chain.x;
    var i = chain.z;
    var carry = w[i * p.S4 + j];
    while (i > chain.y) {
      i--;
      let g = cs[r];
      r++;
      let x = w[i * p.S4 + j];
      w[(i + 1u) * p.S4 + j] = g.y * x + g.x * carry;
      carry = g.x * x - g.y * carry;
    }
    w[i * p.S4 + j] = carry;
  }
}
`;
  return { name: 'rotationChains', code, bindings: ['uniform', 'read', 'read', 'readwrite'] };
}
