/**
 * Compiled compute pipelines keyed by their final WGSL text, each with the explicit bind group
 * layout its KernelSpec declares (never `layout: 'auto'`, which drops unused bindings).
 */
import type { BindingKind, KernelSpec } from '../kernels/spec.js';

export interface CompiledKernel {
  readonly spec: KernelSpec;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

const STAGE_COMPUTE = 0x4; // GPUShaderStage.COMPUTE

/** The params uniform takes a dynamic offset (its slot in the batch's uniform arena; see CommandBatcher). */
function layoutEntry(kind: BindingKind, binding: number): GPUBindGroupLayoutEntry {
  if (kind === 'uniform') return { binding, visibility: STAGE_COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } };
  return { binding, visibility: STAGE_COMPUTE, buffer: { type: kind === 'read' ? 'read-only-storage' : 'storage' } };
}

export class PipelineCache {
  private readonly cache = new Map<string, CompiledKernel>();
  compiled = 0;

  constructor(private readonly device: GPUDevice) {}

  get(spec: KernelSpec): CompiledKernel {
    const hit = this.cache.get(spec.code);
    if (hit) return hit;
    const layout = this.device.createBindGroupLayout({
      label: spec.name,
      entries: spec.bindings.map(layoutEntry),
    });
    const module = this.device.createShaderModule({ label: spec.name, code: spec.code });
    const pipeline = this.device.createComputePipeline({
      label: spec.name,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: spec.entryPoint ?? 'main' },
    });
    const compiled = { spec, pipeline, layout };
    this.cache.set(spec.code, compiled);
    this.compiled++;
    return compiled;
  }

  get size(): number {
    return this.cache.size;
  }
}
