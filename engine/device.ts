/**
 * The device layer: finds an adapter (Dawn in Node, navigator.gpu in a browser), requests the
 * adapter's real limits, and owns the buffer pool, the pipeline cache and the command batcher.
 * Every tensor belongs to one Device; ops use the device of their inputs, factories the current one.
 */
import type { KernelSpec } from '../kernels/spec.js';
import { BufferPool, sizeClass, type PoolStats } from './buffer-pool.js';
import { CommandBatcher, type BatchStats } from './command-batcher.js';
import { DeviceLostError, GPUError, NoAdapterError } from './errors.js';
import { chooseKernelVariants, KERNEL_MODES, type KernelMode, type KernelVariants } from './kernel-variants.js';
import { PipelineCache } from './pipeline-cache.js';
import { platformGpu, type GpuEntry } from './platform/index.js';

export type Backend = 'auto' | 'vulkan' | 'opengles' | 'metal' | 'd3d12' | 'browser';

export interface DeviceOptions {
  /**
   * Dawn backend in Node. `auto` (default) tries the fastest one that works here (see README:
   * OpenGL ES through EGL ran our kernels faster than Vulkan on software rendering), then the rest.
   * Browsers ignore it. The environment variable WEBGPU_CL_BACKEND overrides `auto`.
   */
  backend?: Backend;
  /** Submit after this many dispatches (default 128). */
  dispatchesPerSubmit?: number;
  /** Bytes the buffer pool may keep for reuse (default 512 MiB). */
  maxPooledBytes?: number;
  powerPreference?: GPUPowerPreference;
  /** Make this device the one factories use (default true). */
  makeCurrent?: boolean;
  /**
   * Worker threads of Mesa's software rasteriser (llvmpipe under OpenGL ES, lavapipe under Vulkan),
   * set as LP_NUM_THREADS before the adapter is made, in Node; hardware adapters and browsers ignore
   * it, and Mesa reads it once per process. 0 runs each dispatch on the calling thread: ≈ 6 µs a
   * dispatch instead of ≈ 40 µs of handing it to the pool and waiting, at the cost of the other
   * cores, which pays for small-batch training (BENCHMARKS.md). Default: Mesa's (one per core).
   */
  softwareThreads?: number;
  /**
   * Kernel variants (engine/kernel-variants.ts): `auto` (default) runs the software-tuned kernels on
   * a software rasteriser and the workgroup-memory tiled ones on a hardware GPU; `software` or
   * `hardware` forces one set on any adapter. The choice: `device.kernelVariants`.
   */
  kernels?: KernelMode;
}

export interface DeviceStats extends PoolStats, BatchStats {
  pipelinesCompiled: number;
  liveTensors: number;
}

/** Limits worth requesting at the adapter's maximum (WebGPU otherwise grants only the defaults). */
const LIMITS_TO_RAISE = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ', 'maxComputeWorkgroupsPerDimension', 'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize', 'maxBindGroups',
] as const;

const OPTIONAL_FEATURES = ['timestamp-query', 'subgroups', 'shader-f16'] as const;

export class Device {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  readonly batcher: CommandBatcher;
  /** Set once the device is lost; every later call throws it. */
  lostError: DeviceLostError | null = null;
  private gpuError: GPUError | null = null;
  liveTensors = 0;
  /** Which program each hot op runs on this device, and why (chosen once, from the adapter). */
  readonly kernelVariants: KernelVariants;

  constructor(
    readonly gpu: GPUDevice,
    readonly adapterInfo: GPUAdapterInfo,
    readonly backend: Backend,
    /** Keeps the platform's GPU object (Dawn's create() result) alive as long as this device. */
    private readonly entry: GpuEntry,
    options: DeviceOptions,
  ) {
    this.pool = new BufferPool(gpu, options.maxPooledBytes);
    this.pipelines = new PipelineCache(gpu);
    this.batcher = new CommandBatcher(gpu, this.pool, options.dispatchesPerSubmit ?? 128);
    const subgroups = gpu.features.has('subgroups') && (entry.gpu.wgslLanguageFeatures?.has('subgroup_id') ?? false);
    this.kernelVariants = chooseKernelVariants(options.kernels ?? 'auto', { software: isSoftwareAdapterInfo(adapterInfo), info: adapterInfo, limits: gpu.limits, subgroups });
    gpu.lost.then((info) => {
      this.lostError ??= new DeviceLostError(info.reason ?? 'unknown', info.message);
    });
    gpu.onuncapturederror = (ev: GPUUncapturedErrorEvent) => {
      this.gpuError ??= new GPUError(`WebGPU error: ${ev.error.message}`);
    };
  }

  get limits(): GPUSupportedLimits {
    return this.gpu.limits;
  }

  get features(): GPUSupportedFeatures {
    return this.gpu.features;
  }

  /** Throws if the device was lost or WebGPU reported an error for earlier work. */
  check(): void {
    if (this.lostError) throw this.lostError;
    if (this.gpuError) {
      const e = this.gpuError;
      this.gpuError = null;
      throw e;
    }
  }

  /**
   * A storage buffer of at least `bytes` bytes: one released earlier in the open batch, else from the
   * pool. `forUpload`: the caller writes it from the host next, so it comes from the pool (a buffer the
   * open batch may still read would make that write submit the batch first).
   */
  allocate(bytes: number, forUpload = false): GPUBuffer {
    this.check();
    const max = this.gpu.limits.maxStorageBufferBindingSize;
    if (bytes > max) {
      throw new RangeError(`allocate: ${bytes} bytes exceed this adapter's largest storage binding (${max} bytes); split the data into chunks`);
    }
    return (forUpload ? undefined : this.batcher.takeReleased(sizeClass(bytes))) ?? this.pool.acquire(bytes);
  }

  release(buffer: GPUBuffer): void {
    if (this.lostError) return;
    this.batcher.release(buffer);
  }

  /** Encodes one kernel dispatch into the open batch. */
  dispatch(spec: KernelSpec, params: ArrayBufferView | null, buffers: readonly GPUBuffer[], grid: readonly [number, number, number]): void {
    this.check();
    this.batcher.dispatch(this.pipelines.get(spec), params, buffers, grid);
  }

  /** Writes host data into a buffer (submitting the open batch first when that batch may still read the buffer's old contents). */
  upload(buffer: GPUBuffer, data: ArrayBufferView, offset = 0): void {
    this.check();
    if (this.batcher.reusedInBatch(buffer)) this.batcher.flush(); // the open batch may still read its old contents
    this.gpu.queue.writeBuffer(buffer, offset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Reads `bytes` bytes of a buffer back to the host (submits pending work first). */
  async read(buffer: GPUBuffer, bytes: number, offset = 0): Promise<ArrayBuffer> {
    this.check();
    try {
      const out = await this.batcher.read(buffer, offset, bytes);
      this.check();
      return out;
    } catch (e) {
      if (this.lostError) throw this.lostError;
      throw e;
    }
  }

  /** Submits pending work. */
  flush(): void {
    this.check();
    this.batcher.flush();
  }

  /** Resolves when the GPU has finished all work submitted so far (for timing). */
  async sync(): Promise<void> {
    this.check();
    await this.batcher.finish();
    this.check();
  }

  stats(): DeviceStats {
    return {
      ...this.pool.stats,
      ...this.batcher.stats,
      pipelinesCompiled: this.pipelines.compiled,
      liveTensors: this.liveTensors,
    };
  }

  /**
   * Releases the GPU device; tensors on it become unusable. It stays the current device until the next
   * initDevice(), so that work still running on it (factories included) fails with its DeviceLostError.
   */
  destroy(): void {
    // Later calls throw at once (gpu.lost settles only after an event-loop turn).
    this.lostError ??= new DeviceLostError('destroyed', 'destroy() was called on this device');
    this.pool.trim();
    this.gpu.destroy();
    void this.entry;
  }
}

let current: Device | null = null;

/** The device factories use; set by initDevice(). */
export function getDevice(): Device {
  if (!current) throw new Error('no WebGPU device: call `await initDevice()` first');
  if (current.lostError) throw current.lostError;
  return current;
}

export function setDevice(device: Device): void {
  current = device;
}

function backendOrder(requested: Backend): Backend[] {
  // In a page there is one WebGPU (navigator.gpu); `opengles` there asks for a compatibility adapter.
  if ((globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu !== undefined) {
    return [requested === 'opengles' ? 'opengles' : 'browser'];
  }
  const fromEnv = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.WEBGPU_CL_BACKEND;
  const wanted = requested === 'auto' && fromEnv ? (fromEnv as Backend) : requested;
  if (wanted !== 'auto') return [wanted];
  return [...AUTO_BACKEND_ORDER];
}

/**
 * What `auto` does in Node: Vulkan first; if its adapter is a software rasteriser (Mesa's llvmpipe /
 * lavapipe, SwiftShader, or any fallback adapter — machines without a GPU), Dawn's OpenGL ES backend
 * on the same rasteriser is preferred: it ran our matmuls, elementwise kernels and an MLP training
 * step 1.1–1.9× faster with about the same per-op overhead (bench/backends.mjs, BENCHMARKS.md), and
 * the tests pass on both. On a real GPU Vulkan stays. OpenGL ES also serves where Vulkan has no adapter.
 */
export const AUTO_BACKEND_ORDER: readonly Backend[] = ['vulkan', 'opengles'];

/** True for CPU rasterisers, where the OpenGL ES backend is the faster one. */
export function isSoftwareAdapter(adapter: GPUAdapter): boolean {
  return isSoftwareAdapterInfo(adapter.info);
}

function isSoftwareAdapterInfo(info: GPUAdapterInfo): boolean {
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true || /llvmpipe|lavapipe|swiftshader|softpipe/.test(text);
}

async function requestDevice(adapter: GPUAdapter, label: string): Promise<GPUDevice> {
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMITS_TO_RAISE) {
    const v = (adapter.limits as unknown as Record<string, number | undefined>)[name];
    if (typeof v === 'number') requiredLimits[name] = v;
  }
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f)) as GPUFeatureName[];
  return adapter.requestDevice({ label, requiredLimits, requiredFeatures });
}

/**
 * Finds a WebGPU adapter and opens a device on it with the adapter's full limits.
 * Throws NoAdapterError with install advice when there is none.
 */
export async function initDevice(options: DeviceOptions = {}): Promise<Device> {
  const threads = options.softwareThreads;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 0)) {
    throw new RangeError(`initDevice: softwareThreads must be a non-negative integer, got ${threads}`);
  }
  if (options.kernels !== undefined && !KERNEL_MODES.includes(options.kernels)) {
    throw new RangeError(`initDevice: kernels must be one of ${KERNEL_MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(options.kernels)}`);
  }
  const tried: string[] = [];
  const hints = new Set<string>();
  const requested = options.backend ?? 'auto';
  const order = backendOrder(requested);
  const auto = order.length > 1;
  let fallback: { backend: Backend; entry: GpuEntry; adapter: GPUAdapter } | null = null;
  for (const backend of order) {
    const entry = await platformGpu(backend, threads);
    hints.add(entry.installHint);
    const adapter = await entry.gpu.requestAdapter({
      featureLevel: entry.featureLevel,
      powerPreference: options.powerPreference,
    } as GPURequestAdapterOptions);
    if (!adapter) { tried.push(backend); continue; }
    // `auto` on a software Vulkan adapter: remember it and try OpenGL ES on the same rasteriser first.
    if (auto && backend === 'vulkan' && isSoftwareAdapter(adapter)) { fallback ??= { backend, entry, adapter }; continue; }
    return openDevice(adapter, backend, entry, options);
  }
  if (fallback) return openDevice(fallback.adapter, fallback.backend, fallback.entry, options);
  throw new NoAdapterError(`initDevice: no WebGPU adapter (tried backend ${tried.join(', ')}). ${[...hints].join(' ')}`);
}

async function openDevice(adapter: GPUAdapter, backend: Backend, entry: GpuEntry, options: DeviceOptions): Promise<Device> {
  const gpu = await requestDevice(adapter, `webgpu-cl (${backend})`);
  let device: Device;
  try {
    device = new Device(gpu, adapter.info, backend, entry, options);
  } catch (e) {
    gpu.destroy(); // kernels: 'hardware' on a device the hardware variants do not fit
    throw e;
  }
  if (options.makeCurrent ?? true) current = device;
  return device;
}
