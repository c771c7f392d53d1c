/**
 * Kernel variants: which program each hot op runs, chosen once per device from its adapter.
 *
 * Our default kernels are tuned for Mesa's llvmpipe, the software rasteriser our machines have:
 * register blocking without workgroup memory, because there every barrier is a coroutine switch
 * (kernels/matmul.wgsl.ts). A hardware GPU wants the opposite: tiles staged in workgroup memory
 * (kernels/matmul-tiled.wgsl.ts, covariance-tiled.wgsl.ts), reductions by whole workgroups. `auto` picks the software variants on a software adapter (Mesa's
 * llvmpipe / lavapipe, SwiftShader, any fallback adapter) and the hardware variants elsewhere when
 * the device's limits allow them; `software` and `hardware` force one side on any adapter (tests
 * run the hardware variants on lavapipe that way). The choice and why: `device.kernelVariants`.
 */
import { TILED_MATMUL_NEEDS } from '../kernels/matmul-tiled.wgsl.js';

export const KERNEL_MODES = ['auto', 'software', 'hardware'] as const;
export type KernelMode = (typeof KERNEL_MODES)[number];

export interface KernelVariants {
  /** 'register-8x8': kernels/matmul.wgsl.ts; 'tiled-64x64': kernels/matmul-tiled.wgsl.ts. */
  readonly matmul: 'register-8x8' | 'tiled-64x64';
  /** Contiguous-axis reductions: 'per-output' (kernels/reduce.wgsl.ts) or 'workgroup' (kernels/reduce-workgroup.wgsl.ts). */
  readonly reduce: 'per-output' | 'workgroup';
  /** Second moments XᵀX: 'register-8x8' (kernels/covariance.wgsl.ts) or 'tiled-64x64' (kernels/covariance-tiled.wgsl.ts). */
  readonly covariance: 'register-8x8' | 'tiled-64x64';
  /** Why these: the mode, the adapter, and a limit that ruled a hardware variant out. */
  readonly reason: string;
}

/** What the choice reads from an adapter and its device. */
export interface AdapterTraits {
  /** A CPU rasteriser (engine/device.ts isSoftwareAdapter). */
  software: boolean;
  info: Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'description'>;
  limits: Pick<GPUSupportedLimits, 'maxComputeWorkgroupStorageSize' | 'maxComputeInvocationsPerWorkgroup' | 'maxComputeWorkgroupSizeX' | 'maxComputeWorkgroupSizeY'>;
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

const SOFTWARE = { matmul: 'register-8x8', reduce: 'per-output', covariance: 'register-8x8' } as const;
/** The workgroup reduction and the tiled covariance fit wherever the tiled matmul does (same or smaller needs). */
const HARDWARE = { matmul: 'tiled-64x64', reduce: 'workgroup', covariance: 'tiled-64x64' } as const;

/** The variants for a device: `mode` from initDevice({ kernels }), the adapter's traits. */
export function chooseKernelVariants(mode: KernelMode, adapter: AdapterTraits): KernelVariants {
  const { vendor, architecture, description } = adapter.info;
  const name = [vendor, architecture, description].filter(Boolean).join(' / ') || 'unnamed adapter';
  const shortfalls = tiledMatmulShortfalls(adapter.limits);
  if (mode === 'hardware' && shortfalls.length > 0) {
    throw new RangeError(`initDevice: kernels 'hardware' needs a device the tiled matmul fits, but ${name} has ${shortfalls.join(', ')}`);
  }
  if (mode === 'software') return { ...SOFTWARE, reason: `forced by initDevice({ kernels: 'software' }) on ${name}` };
  if (mode === 'hardware') return { ...HARDWARE, reason: `forced by initDevice({ kernels: 'hardware' }) on ${name}` };
  if (adapter.software) return { ...SOFTWARE, reason: `auto: ${name} is a software rasteriser (register-blocked kernels run fastest there)` };
  if (shortfalls.length > 0) return { ...SOFTWARE, reason: `auto: hardware adapter ${name}, but ${shortfalls.join(', ')}` };
  return { ...HARDWARE, reason: `auto: hardware adapter ${name} (workgroup-memory tiled kernels)` };
}
