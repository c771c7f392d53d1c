/**
 * The kernel-variant choice (engine/kernel-variants.ts): software kernels on software rasterisers,
 * tiled kernels on hardware adapters whose limits allow them, forced choices, and initDevice's
 * `kernels` option checked by name. That each variant computes correctly: test/kernels/matmul.test.ts.
 *
 * Mutations this file catches (apply by hand to the source, run this file, expect a failure, revert):
 * - chooseKernelVariants: `auto` ignores `software` → 'auto: software kernels on a software rasteriser';
 * - `auto` ignores the limits → 'auto: a hardware adapter without room for the tiles';
 * - a forced mode ignored (`software`/`hardware` treated as `auto`) → 'forced modes win over the adapter';
 * - `hardware` forced on a device too small does not throw → 'forcing hardware where the tiles do not fit';
 * - initDevice does not check `kernels` → 'rejects a bad kernels value by name';
 * - Device ignores options.kernels → 'a device forced either way reports it'.
 * - subgroups ignored, or asked for without the feature → 'the subgroup reduction only where the device has subgroups'.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { chooseKernelVariants, type AdapterTraits } from '../../engine/kernel-variants.js';

const roomy = { maxComputeWorkgroupStorageSize: 32768, maxComputeInvocationsPerWorkgroup: 1024, maxComputeWorkgroupSizeX: 1024, maxComputeWorkgroupSizeY: 1024 };
const llvmpipe: AdapterTraits = { software: true, info: { vendor: 'mesa', architecture: 'software', description: 'llvmpipe: Mesa 25.0.7' }, limits: roomy, subgroups: false };
const gpu: AdapterTraits = { software: false, info: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100' }, limits: roomy, subgroups: false };
const SOFTWARE = { matmul: 'register-8x8', reduce: 'per-output', covariance: 'register-8x8', conv: 'unfold-matmul' };
const HARDWARE = { matmul: 'tiled-64x64', reduce: 'workgroup', covariance: 'tiled-64x64', conv: 'implicit-gemm-64x64' };
const cramped: AdapterTraits = { ...gpu, limits: { ...roomy, maxComputeInvocationsPerWorkgroup: 128 } };

describe('chooseKernelVariants', () => {
  it('auto: software kernels on a software rasteriser, tiled ones on a GPU', () => {
    expect(chooseKernelVariants('auto', llvmpipe)).toEqual({ ...SOFTWARE, reason: expect.stringContaining('llvmpipe: Mesa 25.0.7 is a software rasteriser') });
    expect(chooseKernelVariants('auto', gpu)).toEqual({ ...HARDWARE, reason: 'auto: hardware adapter nvidia / hopper / NVIDIA H100 (workgroup-memory tiled kernels)' });
  });

  it('auto: a hardware adapter without room for the tiles keeps the software kernels and says which limit', () => {
    expect(chooseKernelVariants('auto', cramped)).toEqual({ ...SOFTWARE, reason: 'auto: hardware adapter nvidia / hopper / NVIDIA H100, but maxComputeInvocationsPerWorkgroup 128 < 256' });
  });

  it('forced modes win over the adapter', () => {
    expect(chooseKernelVariants('hardware', llvmpipe)).toMatchObject(HARDWARE);
    expect(chooseKernelVariants('software', gpu)).toEqual({ ...SOFTWARE, reason: "forced by initDevice({ kernels: 'software' }) on nvidia / hopper / NVIDIA H100" });
  });

  it('the subgroup reduction only where the device has subgroups, and never on the software kernels', () => {
    expect(chooseKernelVariants('auto', { ...gpu, subgroups: true })).toMatchObject({ ...HARDWARE, reduce: 'workgroup-subgroups' });
    expect(chooseKernelVariants('hardware', { ...llvmpipe, subgroups: true })).toMatchObject({ reduce: 'workgroup-subgroups' });
    expect(chooseKernelVariants('auto', { ...llvmpipe, subgroups: true })).toMatchObject(SOFTWARE);
    expect(chooseKernelVariants('software', { ...gpu, subgroups: true })).toMatchObject(SOFTWARE);
  });

  it('forcing hardware where the tiles do not fit is an error naming the limit', () => {
    const tiny = { ...gpu, limits: { ...roomy, maxComputeWorkgroupStorageSize: 4096 } };
    expect(() => chooseKernelVariants('hardware', tiny)).toThrow("initDevice: kernels 'hardware' needs a device the tiled matmul fits, but nvidia / hopper / NVIDIA H100 has maxComputeWorkgroupStorageSize 4096 < 8704");
  });
});

describe('initDevice({ kernels })', () => {
  it('rejects a bad kernels value by name before touching the platform', async () => {
    await expect(wc.initDevice({ kernels: 'fast' as never, makeCurrent: false })).rejects.toThrow(`initDevice: kernels must be one of 'auto', 'software', 'hardware', got "fast"`);
  });

  it('a device forced either way reports it; auto follows the adapter', async () => {
    for (const [kernels, matmul, reduce] of [['software', 'register-8x8', 'per-output'], ['hardware', 'tiled-64x64', 'workgroup']] as const) {
      const d = await wc.initDevice({ kernels, makeCurrent: false });
      expect(d.kernelVariants, kernels).toMatchObject({ matmul, covariance: matmul });
      expect(d.kernelVariants.reduce, kernels).toMatch(reduce);
      d.destroy();
    }
    const d = await wc.initDevice({ makeCurrent: false });
    const software = wc.isSoftwareAdapter({ info: d.adapterInfo } as GPUAdapter);
    const subgroups = d.kernelVariants.reduce === 'workgroup-subgroups';
    expect(d.kernelVariants).toEqual(chooseKernelVariants('auto', { software, info: d.adapterInfo, limits: d.limits, subgroups }));
    expect(d.kernelVariants.matmul).toBe(software ? 'register-8x8' : 'tiled-64x64');
    d.destroy();
  });
});
