/** The WebGPU entry point in a browser: `navigator.gpu`. */
import type { GpuEntry } from './types.js';

export async function browserGpu(backend: string | undefined): Promise<GpuEntry> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) {
    throw new Error('initDevice: this browser has no WebGPU (navigator.gpu is undefined). Use a WebGPU browser (Chrome/Edge 113+, Firefox 141+, Safari 26+) or enable WebGPU.');
  }
  return {
    gpu,
    featureLevel: backend === 'opengles' ? 'compatibility' : 'core',
    installHint: 'navigator.gpu.requestAdapter() returned null: WebGPU is present but no adapter is available (blocklisted GPU or disabled flag).',
  };
}
