/**
 * Picks the platform's WebGPU entry point: navigator.gpu where it exists, Dawn in Node otherwise.
 * The browser build (scripts/build-browser.mjs) maps `./node.js` to `./browser-only.js`, so nothing
 * Node-only reaches a page.
 */
import { browserGpu } from './browser.js';
import type { GpuEntry } from './types.js';

export type { GpuEntry } from './types.js';

export async function platformGpu(backend: string | undefined, softwareThreads?: number): Promise<GpuEntry> {
  const hasNavigatorGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu !== undefined;
  if (hasNavigatorGpu || backend === 'browser') return browserGpu(backend);
  const { nodeGpu } = await import('./node.js');
  return nodeGpu(backend, softwareThreads);
}
