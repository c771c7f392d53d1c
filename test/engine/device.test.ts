/**
 * The device layer in Node (Dawn): the limits it requests, what its counters show about batching and
 * reuse, what happens when the device is lost, the error when there is no adapter, and the OpenGL ES
 * backend.
 *
 * Mutations this file catches (apply by hand to the source, run this file, expect a failure, revert):
 * - engine/device.ts isSoftwareAdapter() always `return false` → 'isSoftwareAdapter tells CPU rasterisers
 *   from GPUs by the adapter info' and, on a software adapter (lavapipe CI), 'keeps Vulkan on a hardware
 *   adapter and prefers OpenGL ES on a software one' (its expectation no longer calls isSoftwareAdapter);
 * - isSoftwareAdapter() always `return true` → 'isSoftwareAdapter tells ...' (and 'keeps Vulkan ...' on a GPU).
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { DeviceLostError, NoAdapterError, type Device, type Tensor } from '../../index.js';
import { platformGpu, type GpuEntry } from '../../engine/platform/index.js';
import { matmulReference } from '../../kernels/matmul.reference.js';
import { useDevice } from '../helpers/device.js';
import { expectWithin, matmulBound } from '../helpers/error-bounds.js';
import { randomArray } from '../helpers/numeric.js';

/** Limits WebGPU grants only at their defaults unless the device asks for the adapter's values. */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

/** Dawn's create() result must stay referenced while anything made from it lives (WEBGPU-NOTES.md). */
const entries: GpuEntry[] = [];

/** Rejects with `what` if `p` does not settle within `ms` (a hang fails with a message, not a timeout). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, fail) => setTimeout(() => fail(new Error(`${what}: no answer after ${ms} ms`)), ms).unref())]);
}

/** n elementwise ops (one dispatch each) starting from x, returning the last result. */
function chain(x: Tensor, n: number): Tensor {
  return wc.tidy(() => {
    let y = x;
    for (let i = 0; i < n; i++) y = wc.add(y, 1);
    return y;
  });
}

describe('initDevice', () => {
  const device = useDevice();

  it('requests the adapter\'s limits, not WebGPU\'s defaults', async () => {
    const d = device();
    const entry = await platformGpu(d.backend);
    entries.push(entry);
    const adapter = await entry.gpu.requestAdapter({ featureLevel: entry.featureLevel } as GPURequestAdapterOptions);
    expect(adapter, `adapter for backend ${d.backend}`).not.toBeNull();
    for (const name of RAISED_LIMITS) {
      expect(d.limits[name], name).toBe(adapter!.limits[name]);
    }
  });

  it('batches dispatches: 50 small ops then a read cost one submit', async () => {
    const d = device();
    const x = wc.tensor([1, 2, 3]);
    const before = d.stats();
    const y = chain(x, 50);
    expect(Array.from(await y.toArray())).toEqual([51, 52, 53]);
    const after = d.stats();
    expect(after.dispatches - before.dispatches, 'dispatches').toBe(50);
    expect(after.submits - before.submits, 'submits').toBe(1);
    expect(after.readbacks - before.readbacks, 'readbacks').toBe(1);
    x.dispose();
    y.dispose();
  });

  it('submits after dispatchesPerSubmit dispatches', async () => {
    const d = await wc.initDevice({ dispatchesPerSubmit: 8, makeCurrent: false });
    try {
      const x = wc.tensor([0], [1], { device: d });
      const y = chain(x, 50);
      expect(await y.item()).toBe(50);
      // The batch is submitted when dispatch 9, 17, ..., 49 finds it full (6), then by the read (1).
      expect(d.stats().submits).toBe(Math.ceil(50 / 8));
    } finally {
      d.destroy();
    }
  });

  it('one pipeline serves every shape', async () => {
    const shapes = [[3, 4], [17, 5], [1], [129]];
    const mm: [number, number, number][] = [[3, 4, 5], [17, 33, 9], [1, 1, 1], [2, 129, 3]];
    const run = (i: number) => wc.tidy(() => {
      const a = wc.rand(shapes[i]!), b = wc.rand(shapes[i]!);
      const [M, K, N] = mm[i]!;
      return [wc.add(a, b), wc.matmul(wc.rand([M, K]), wc.rand([K, N]))];
    });
    const warm = run(0);
    await warm[1]!.toArray();
    const compiled = device().stats().pipelinesCompiled;
    for (let i = 1; i < shapes.length; i++) {
      const out = run(i);
      await out[1]!.toArray();
      expect(device().stats().pipelinesCompiled, `pipelines after shapes ${shapes[i]} and matmul ${mm[i]}`).toBe(compiled);
      out.forEach((t) => t.dispose());
    }
    warm.forEach((t) => t.dispose());
  });

  it('reuses pooled buffers: a repeated step creates none after the first', async () => {
    const d = device();
    const w = wc.rand([33, 9]);
    const step = async () => {
      const loss = wc.tidy(() => wc.sum(wc.relu(wc.matmul(wc.rand([17, 33]), w))));
      await loss.item();
      loss.dispose();
    };
    await step();
    const created = d.stats().buffersCreated;
    const hits = d.stats().poolHits;
    for (let i = 0; i < 3; i++) await step();
    expect(d.stats().buffersCreated, 'buffersCreated').toBe(created);
    expect(d.stats().poolHits, 'poolHits').toBeGreaterThan(hits);
    w.dispose();
  });
});

describe('device loss', () => {
  /** A device of its own (not the current one), a tensor on it, and a read already in flight. */
  async function lostSetup(): Promise<{ d: Device; x: Tensor; pending: Promise<unknown> }> {
    const d = await wc.initDevice({ makeCurrent: false });
    const x = wc.tensor([1, 2, 3], [3], { device: d });
    const pending = wc.add(x, 1).toArray().then(() => 'resolved', (e: unknown) => e);
    return { d, x, pending };
  }

  it('after Device.destroy() an op throws DeviceLostError at once and reads reject with it', async () => {
    const { d, x, pending } = await lostSetup();
    d.destroy();
    expect(() => wc.add(x, 1)).toThrow(DeviceLostError);
    expect(() => wc.add(x, 1)).toThrow(/device lost \(destroyed\): destroy\(\) was called.*initDevice/);
    expect(await within(pending, 30_000, 'a read pending at destroy()')).toBeInstanceOf(DeviceLostError);
    await expect(within(x.toArray(), 30_000, 'a read after destroy()')).rejects.toThrow(DeviceLostError);
  });

  it('after the GPU device is lost, the pending read rejects and the next op throws DeviceLostError', async () => {
    const { d, x, pending } = await lostSetup();
    d.gpu.destroy(); // what a driver reset looks like to us: loss reported through gpu.lost
    const err = await within(pending, 30_000, 'a read pending at device loss');
    expect(err).toBeInstanceOf(DeviceLostError);
    expect((err as DeviceLostError).reason).toBe('destroyed');
    await within(d.gpu.lost, 30_000, 'gpu.lost');
    expect(() => wc.add(x, 1)).toThrow(DeviceLostError);
    await expect(within(x.toArray(), 30_000, 'a read after loss')).rejects.toThrow(/WebGPU device lost/);
  });
});

describe('no adapter', () => {
  it('a backend this OS lacks gives NoAdapterError that names it and the alternatives', async () => {
    const foreign = process.platform === 'win32' ? 'metal' : 'd3d12';
    const err = await wc.initDevice({ backend: foreign, makeCurrent: false }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(NoAdapterError);
    expect((err as Error).message).toMatch(new RegExp(`tried backend ${foreign}\\). Dawn's ${foreign} backend exists only on`));
    expect((err as Error).message).toMatch(/use backend 'auto', 'vulkan' or 'opengles'/);
  });
  it('rejects a bad softwareThreads by name before touching the platform', async () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      await expect(wc.initDevice({ softwareThreads: bad, makeCurrent: false })).rejects.toThrow(`initDevice: softwareThreads must be a non-negative integer, got ${bad}`);
    }
  });
});

describe('opengles backend', () => {
  it('opens a compatibility-mode device through EGL that computes a matmul correctly', async () => {
    const d = await wc.initDevice({ backend: 'opengles', makeCurrent: false });
    try {
      expect(d.backend).toBe('opengles');
      const M = 17, K = 33, N = 9;
      const a = Float32Array.from(randomArray(M * K, 21));
      const b = Float32Array.from(randomArray(K * N, 22));
      const c = wc.matmul(wc.tensor(a, [M, K], { device: d }), wc.tensor(b, [K, N], { device: d }));
      // Any summation order of K float32 products: |ĉ − c| ≤ γ_K·(|a|·|b|) elementwise.
      expectWithin(await c.toArray(), matmulReference(a, b, M, N, K), matmulBound(a, b, M, N, K), `matmul on ${d.adapterInfo.description}`);
    } finally {
      d.destroy();
    }
  });
});

/**
 * Whether an adapter is a CPU rasteriser, decided here from what the adapter reports, not by the code
 * under test (isSoftwareAdapter): the fallback flag, or a known software driver in its info
 * (Mesa llvmpipe / lavapipe / softpipe, Google SwiftShader).
 */
function softwareByInfo(info: GPUAdapterInfo): boolean {
  const known = ['llvmpipe', 'lavapipe', 'softpipe', 'swiftshader'];
  const text = [info.vendor, info.architecture, info.device, info.description].join(' ').toLowerCase();
  return (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true || known.some((name) => text.includes(name));
}

describe('auto backend choice', () => {
  it('isSoftwareAdapter tells CPU rasterisers from GPUs by the adapter info', () => {
    const adapter = (info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }) =>
      ({ info: { vendor: '', architecture: '', device: '', description: '', ...info } }) as unknown as GPUAdapter;
    expect(wc.isSoftwareAdapter(adapter({ vendor: 'mesa', device: 'llvmpipe-llvm-15', description: 'llvmpipe: Mesa 25.0.7' }))).toBe(true);
    expect(wc.isSoftwareAdapter(adapter({ vendor: 'google', description: 'SwiftShader Device (Subzero)' }))).toBe(true);
    expect(wc.isSoftwareAdapter(adapter({ vendor: 'mesa', description: 'lavapipe' }))).toBe(true);
    expect(wc.isSoftwareAdapter(adapter({ vendor: 'unknown', isFallbackAdapter: true }))).toBe(true);
    expect(wc.isSoftwareAdapter(adapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3' }))).toBe(false);
    expect(wc.isSoftwareAdapter(adapter({ vendor: 'amd', architecture: 'rdna-3', description: 'AMD Radeon RX 7900 XTX (RADV NAVI31)' }))).toBe(false);
    expect(wc.isSoftwareAdapter(adapter({ vendor: 'intel', architecture: 'gen-12lp', description: 'Intel(R) UHD Graphics 770 (ADL-S GT1)', isFallbackAdapter: false }))).toBe(false);
  });

  it('keeps Vulkan on a hardware adapter and prefers OpenGL ES on a software one', async () => {
    const entry = await platformGpu('vulkan');
    const vulkan = await entry.gpu.requestAdapter();
    expect(vulkan, 'this machine has a Vulkan adapter').not.toBeNull();
    const forced = process.env.WEBGPU_CL_BACKEND; // the override would bypass `auto`
    delete process.env.WEBGPU_CL_BACKEND;
    const device = await wc.initDevice({ makeCurrent: false });
    try {
      // The expectation comes from the adapter's own info (softwareByInfo), not from isSoftwareAdapter.
      expect(device.backend, `Vulkan adapter: ${vulkan!.info.description}`).toBe(softwareByInfo(vulkan!.info) ? 'opengles' : 'vulkan');
    } finally {
      device.destroy();
      if (forced !== undefined) process.env.WEBGPU_CL_BACKEND = forced;
    }
  });
});
