/**
 * TF.js's WebGPU backend (@tensorflow/tfjs-backend-webgpu 4.22) on Dawn in Node, on the same Dawn
 * backend (vulkan or opengles) our device uses, for side-by-side benchmarks. TF.js lives only in
 * bench/package.json.
 *
 * TF.js in Node needs `navigator.gpu` and Dawn's globals (GPUBufferUsage, ...) before its backend is
 * imported. We open the device ourselves (the backend's own factory asks for a 'core' adapter, which
 * the OpenGL ES backend cannot give) with the adapter's limits, and register it under the name
 * 'webgpu' because TF.js's kernels are registered for that name.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Returns { tf, sync, info }: the TF.js namespace on WebGPU, and a function awaiting GPU completion. */
export async function tfjsOnDawn(backend) {
  const dawn = require('webgpu');
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) globalThis[k] = v;
  if (backend === 'opengles') process.env.EGL_PLATFORM ??= 'surfaceless';
  const gpu = dawn.create(backend ? [`backend=${backend}`] : []);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const tf = require('@tensorflow/tfjs');
  const { WebGPUBackend } = require('@tensorflow/tfjs-backend-webgpu');
  const adapter = await gpu.requestAdapter({ featureLevel: backend === 'opengles' ? 'compatibility' : 'core' });
  if (!adapter) throw new Error(`TF.js: no ${backend} adapter from Dawn`);
  const names = ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize',
    'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage'];
  const requiredLimits = Object.fromEntries(names.map((n) => [n, adapter.limits[n]]));
  const device = await adapter.requestDevice({ requiredLimits });
  tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, adapter.info));
  await tf.setBackend('webgpu');
  // Small ops on host-resident inputs would otherwise run on TF.js's CPU path; we measure the GPU.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  const be = tf.backend();
  /** Submits TF.js's open command encoder (as its data() does) and waits for the queue. */
  const sync = async () => {
    if (be.commandEncoder) { be.endComputePassEncoder(); be.submitQueue(); }
    await device.queue.onSubmittedWorkDone();
  };
  // `gpu` must stay referenced while the device lives (Dawn crashes if it is collected).
  return { tf, sync, info: adapter.info, keepAlive: gpu };
}
