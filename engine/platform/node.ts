/**
 * The WebGPU entry point in Node: Dawn through the npm package `webgpu`.
 * This is the only engine file that touches Node; the browser build replaces it with browser.ts.
 */
import { createRequire } from 'node:module';
import type { GpuEntry } from './types.js';

/**
 * Dawn backends we can ask for; `opengles` runs through EGL and needs compatibility mode.
 * `softwareThreads` becomes LP_NUM_THREADS, which Mesa's llvmpipe / lavapipe read when they start.
 */
export async function nodeGpu(backend: string | undefined, softwareThreads?: number): Promise<GpuEntry> {
  if (process.env.XDG_RUNTIME_DIR === undefined) process.env.XDG_RUNTIME_DIR = '/tmp';
  if (softwareThreads !== undefined) process.env.LP_NUM_THREADS = String(softwareThreads);
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
    installHint: installHint(backend),
  };
}

const LAVAPIPE =
  'On a Linux machine without a GPU install Mesa lavapipe (software Vulkan; Debian bookworm\'s Mesa 22.3 is too old, ' +
  'take Mesa 25 from bookworm-backports): sudo bash scripts/install-software-vulkan.sh (in this package; see README).';

/** Dawn backends that exist on one OS only: backend → [process.platform, its name]. */
const ONE_OS: Record<string, [string, string]> = { d3d12: ['win32', 'Windows'], metal: ['darwin', 'macOS'] };

/** What to tell the user when Dawn finds no adapter for `backend` on this OS. */
function installHint(backend: string | undefined): string {
  const os = ONE_OS[backend ?? ''];
  if (os && process.platform !== os[0]) {
    return `Dawn's ${backend} backend exists only on ${os[1]} (this is ${process.platform}); use backend 'auto', 'vulkan' or 'opengles'.`;
  }
  if (backend === 'opengles') {
    return 'The OpenGL ES backend needs EGL and GLES drivers (Debian: libegl1 libgles2 libegl-mesa0, installed by ' +
      'sudo bash scripts/install-software-vulkan.sh); without a display EGL_PLATFORM must be unset or surfaceless.';
  }
  return `Install your GPU's Vulkan driver. ${LAVAPIPE}`;
}
