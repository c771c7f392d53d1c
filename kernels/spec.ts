/**
 * A compute program as data. The engine compiles `code` once (the pipeline cache keys on the text),
 * builds an explicit bind group layout from `bindings` (binding i of group 0 has kind bindings[i]),
 * and dispatches it on a grid that the op computes from shapes.
 *
 * Convention: if a kernel takes parameters (shapes, scalars), binding 0 is the uniform `params`
 * struct; storage buffers follow in the order the op passes them.
 */
export type BindingKind = 'uniform' | 'read' | 'readwrite';

export interface KernelSpec {
  /** Short name for statistics and error messages, e.g. `matmul[4x4,tb]`. */
  readonly name: string;
  /** Final WGSL text (variants already resolved with wgsl-preprocessor). */
  readonly code: string;
  readonly bindings: readonly BindingKind[];
  /** Entry point; `main` unless stated. */
  readonly entryPoint?: string;
}

/** Largest workgroup count WebGPU guarantees per grid dimension. */
export const MAX_WORKGROUPS_PER_DIM = 65535;

/**
 * Grid for `n` independent items, `perWorkgroup` items per workgroup. Grids wider than 65,535
 * workgroups fold into y; kernels recover the linear index with `flatIndex` (below).
 */
export function grid1d(n: number, perWorkgroup: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(n / perWorkgroup));
  if (groups <= MAX_WORKGROUPS_PER_DIM) return [groups, 1, 1];
  const y = Math.ceil(groups / MAX_WORKGROUPS_PER_DIM);
  return [Math.ceil(groups / y), y, 1];
}

/** WGSL: linear workgroup index of a grid made by `grid1d` (needs `wid` and `nwg` builtins). */
export const FLAT_WORKGROUP = /* wgsl */ `
fn flatWorkgroup(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.x + wid.y * nwg.x; }
`;

/**
 * WGSL: NaN test on the bits (exponent all ones, mantissa nonzero). Shader compilers may assume finite
 * math and fold `v != v` to false (lavapipe does), so NaN-propagating max/argmax kernels use this.
 */
export const IS_NAN = /* wgsl */ `
fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
`;

/**
 * WGSL (with IS_NAN): max, min and clamp that propagate NaN as PyTorch's do: maxNan(NaN, b) =
 * maxNan(a, NaN) = NaN, clampNan(NaN, lo, hi) = NaN. WGSL leaves NaN operands of max/min/clamp
 * unspecified (lavapipe returns the other operand, so relu(NaN) was 0); selects on the bits cost a
 * few integer operations, no branch and no load.
 */
export const NAN_MIN_MAX = /* wgsl */ `
fn maxNan(a: f32, b: f32) -> f32 { return select(select(max(a, b), b, isNan(b)), a, isNan(a)); }
fn minNan(a: f32, b: f32) -> f32 { return select(select(min(a, b), b, isNan(b)), a, isNan(a)); }
fn clampNan(x: f32, lo: f32, hi: f32) -> f32 { return select(clamp(x, lo, hi), x, isNan(x)); }
`;
