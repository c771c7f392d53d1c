/**
 * The WebGPU entry point in Node: Dawn through the npm package `webgpu`.
 * This is the only engine file that touches Node; the browser build replaces it with browser.ts.
 */
import { createRequire } from 'node:module';
import type { GpuEntry } from './types.js';

/** Dawn backends we can ask for; `opengles` runs through EGL and needs compatibility mode. */
export async function nodeGpu(backend: string | undefined): Promise<GpuEntry> {
  if (process.env.XDG_RUNTIME_DIR === undefined) process.env.XDG_RUNTIME_DIR = '/tmp';
  const flags: string[] = [];
  if (backend === 'opengles') {
    // Without a surfaceless EGL platform no GL adapter appears on a machine without a display.
    if (process.env.EGL_PLATFORM === undefined) process.env.EGL_PLATFORM = 'surfaceless';
    flags.push('backend=opengles');
  } else if (backend && backend !== 'auto') {
    flags.push(`backend=${backend}`);
  }
  const require = createRequire(import.meta.url);
  let dawn: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  try {
    dawn = require('webgpu');
  } catch (e) {
    throw new Error(`initDevice: the npm package 'webgpu' (Dawn for Node) could not be loaded: ${(e as Error).message}. Run 'npm install'.`);
  }
  // GPUBufferUsage, GPUMapMode, ... are globals in browsers; Dawn hands them out separately.
  for (const [k, v] of Object.entries(dawn.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  // The object from create() must outlive every device made from it (else Dawn crashes when the GC
  // collects it): the returned entry is stored on the Device for its whole life.
  const gpu = dawn.create(flags);
  return {
    gpu,
    featureLevel: backend === 'opengles' ? 'compatibility' : 'core',
    installHint:
      'No WebGPU adapter found. On a machine without a GPU install Mesa lavapipe (software Vulkan) from ' +
      'bookworm-backports: sudo bash scripts/install-software-vulkan.sh (see README).',
  };
}
