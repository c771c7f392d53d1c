/** webgpu-cl: continual learning on WebGPU. */
export * from './engine/index.js';
