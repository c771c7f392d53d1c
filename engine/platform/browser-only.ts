/** Stands in for node.ts in the browser build: there is no Dawn in a page. */
import type { GpuEntry } from './types.js';

export async function nodeGpu(_backend: string | undefined): Promise<GpuEntry> {
  throw new Error('initDevice: navigator.gpu is undefined and this is the browser build (no Dawn). Use a WebGPU browser.');
}
