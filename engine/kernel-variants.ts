/**
 * Kernel variants: which program each hot op runs, chosen once per device from its adapter.
 *
 * Our default kernels are tuned for Mesa's llvmpipe, the software rasteriser our machines have:
 * register blocking without workgroup memory, because there every barrier is a coroutine switch
 * (kernels/matmul.wgsl.ts). A hardware GPU wants the opposite: tiles staged in workgroup memory
 * (kernels/matmul-tiled.wgsl.ts, covariance-tiled.wgsl.ts, conv by implicit im2col in
 * conv2d-implicit.wgsl.ts), reductions by whole workgroups, their first level by subgroupAdd where
 * the device has subgroups. `auto` picks the software variants on a software adapter (Mesa's
 * llvmpipe / lavapipe, SwiftShader, any fallback adapter) and the hardware variants elsewhere when
 * the device's limits allow them; `software` and `hardware` force one side on any adapter (tests
 * run the hardware variants on lavapipe that way). The choice and why: `device.kernelVariants`.
 *
 * Kernels with one program on both sides, and why:
 * - The fused conv + max-pool forward (kernels/conv-pool.wgsl.ts) is a direct convolution, not a
 *   product through memory: by construction (convPoolFits) a window's Cin·kh·kw weights and input
 *   tile, at most 128 values, sit in registers and serve every output channel, and neither patches
 *   nor the conv output are written. A tiled variant would need the max in the product's epilogue
 *   over tiles aligned to pool windows (the seed's 6×6 windows do not divide 64-wide tiles); not
 *   built. Its weight gradient sums only the N·Po·Qo argmax terms, fewer than any dense product.
 * - The fused projected step of small weights (kernels/gradproj-step.wgsl.ts, one 8-invocation
 *   workgroup) is skipped on the hardware variants: adjust + the tiled matmul there
 *   (cl/gradproj/projected-step.ts). The factored step's update (gradproj-factored-step.wgsl.ts)
 *   contracts over the batch R (≤ out rows): it is bound by reading and writing θ and D, not by its
 *   R multiply-adds per element, so workgroup tiles would not change its traffic.
 * - conv2d's input gradient stays Wᵀ·g by the matmul variant + the col2im gather
 *   (kernels/conv2d-implicit.wgsl.ts says why).
 */
import { TILED_MATMUL_NEEDS } from '../kernels/matmul-tiled.wgsl.js';

export const KERNEL_MODES = ['auto', 'software', 'hardware'] as const;
export type KernelMode = (typeof KERNEL_MODES)[number];

export interface KernelVariants {
  /** 'register-8x8': kernels/matmul.wgsl.ts; 'tiled-64x64': kernels/matmul-tiled.wgsl.ts. */
  readonly matmul: 'register-8x8' | 'tiled-64x64';
  /**
   * Contiguous-axis reductions: 'per-output' (kernels/reduce.wgsl.ts) or 'workgroup'
   * (kernels/reduce-workgroup.wgsl.ts); 'workgroup-subgroups' adds its sums' first level by
   * subgroupAdd (devices with the `subgroups` feature and WGSL's subgroup_id builtin).
   */
  readonly reduce: 'per-output' | 'workgroup' | 'workgroup-subgroups';
  /** Second moments XᵀX: 'register-8x8' (kernels/covariance.wgsl.ts) or 'tiled-64x64' (kernels/covariance-tiled.wgsl.ts). */
  readonly covariance: 'register-8x8' | 'tiled-64x64';
  /** conv2d: 'unfold-matmul' (kernels/unfold.wgsl.ts + the matmul variant) or 'implicit-gemm-64x64' (kernels/conv2d-implicit.wgsl.ts). */
  readonly conv: 'unfold-matmul' | 'implicit-gemm-64x64';
  /** Why these: the mode, the adapter, and a limit that ruled a hardware variant out. */
  readonly reason: string;
}

/** What the choice reads from an adapter and its device. */
export interface AdapterTraits {
  /** A CPU rasteriser (engine/device.ts isSoftwareAdapter). */
  software: boolean;
  info: Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'description'>;
  limits: Pick<GPUSupportedLimits, 'maxComputeWorkgroupStorageSize' | 'maxComputeInvocationsPerWorkgroup' | 'maxComputeWorkgroupSizeX' | 'maxComputeWorkgroupSizeY'>;
  /** The device has the `subgroups` feature and WGSL has the subgroup_id builtin. */
  subgroups: boolean;
}

/** The limits the tiled matmul exceeds on this device, as text (empty when it fits). */
function tiledMatmulShortfalls(limits: AdapterTraits['limits']): string[] {
  const n = TILED_MATMUL_NEEDS;
  const wants: [keyof AdapterTraits['limits'], number][] = [
    ['maxComputeWorkgroupStorageSize', n.workgroupStorageBytes],
    ['maxComputeInvocationsPerWorkgroup', n.invocations],
    ['maxComputeWorkgroupSizeX', n.workgroupSize],
    ['maxComputeWorkgroupSizeY', n.workgroupSize],
  ];
  return wants.filter(([name, need]) => limits[name] < need).map(([name, need]) => `${name} ${limits[name]} < ${need}`);
}

const SOFTWARE = { matmul: 'register-8x8', reduce: 'per-output', covariance: 'register-8x8', conv: 'unfold-matmul' } as const;
/**
 * The workgroup reduction, the tiled covariance and the implicit-im2col conv fit wherever the tiled
 * matmul does (same or smaller needs).
 */
function hardware(subgroups: boolean) {
  return { matmul: 'tiled-64x64', reduce: subgroups ? 'workgroup-subgroups' : 'workgroup', covariance: 'tiled-64x64', conv: 'implicit-gemm-64x64' } as const;
}

/** The variants for a device: `mode` from initDevice({ kernels }), the adapter's traits. */
export function chooseKernelVariants(mode: KernelMode, adapter: AdapterTraits): KernelVariants {
  const { vendor, architecture, description } = adapter.info;
  const name = [vendor, architecture, description].filter(Boolean).join(' / ') || 'unnamed adapter';
  const shortfalls = tiledMatmulShortfalls(adapter.limits);
  if (mode === 'hardware' && shortfalls.length > 0) {
    throw new RangeError(`initDevice: kernels 'hardware' needs a device the tiled matmul fits, but ${name} has ${shortfalls.join(', ')}`);
  }
  if (mode === 'software') return { ...SOFTWARE, reason: `forced by initDevice({ kernels: 'software' }) on ${name}` };
  const tiled = hardware(adapter.subgroups);
  if (mode === 'hardware') return { ...tiled, reason: `forced by initDevice({ kernels: 'hardware' }) on ${name}` };
  if (adapter.software) return { ...SOFTWARE, reason: `auto: ${name} is a software rasteriser (register-blocked kernels run fastest there)` };
  if (shortfalls.length > 0) return { ...SOFTWARE, reason: `auto: hardware adapter ${name}, but ${shortfalls.join(', ')}` };
  return { ...tiled, reason: `auto: hardware adapter ${name} (workgroup-memory tiled kernels)` };
}
