/**
 * Dropout mask applied on the fly: out[i] = keep(seed, i) ? x[i]·scale : 0, with
 *   keep(seed, i) = hash(seed, i) ≥ threshold,  hash(seed, i) = pcg(pcg(i) ^ pcg(seed)),
 * where pcg is the PCG-RXS-M-XS 32-bit hash (Jarzynski & Olano, "Hash Functions for GPU Rendering",
 * JCGT 2020). The op passes threshold = ⌊p·2³²⌋ (an exact integer comparison: P(drop) = threshold/2³²)
 * and scale = 1/(1−p). No mask is stored: the backward pass runs this kernel on the gradient with the
 * same seed, which drops the same elements.
 * Layout: x and out contiguous float32 of n elements. One invocation per element, 256 per workgroup,
 * grid folded into y (grid1d).
 */
import { FLAT_WORKGROUP, type KernelSpec } from './spec.js';

export const DROPOUT_WORKGROUP = 256;

/** Uniform values for drop probability p ∈ [0, 1]: keep iff hash ≥ threshold, kept values × scale. */
export function dropoutParams(p: number): { threshold: number; scale: number } {
  return { threshold: Math.min(Math.floor(p * 2 ** 32), 2 ** 32 - 1), scale: p === 1 ? 0 : 1 / (1 - p) };
}

export const dropoutKernel: KernelSpec = {
  name: 'dropout',
  bindings: ['uniform', 'read', 'readwrite'],
  code: /* wgsl */ `
struct Params { n: u32, seed: u32, threshold: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${FLAT_WORKGROUP}
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}
@compute @workgroup_size(${DROPOUT_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flatWorkgroup(wid, nwg) * ${DROPOUT_WORKGROUP}u + lid;
  if (i >= p.n) { return; }
  let h = pcg(pcg(i) ^ pcg(p.seed));
  out[i] = select(0.0, x[i] * p.scale, h >= p.threshold);
}
`,
};
