/** webgpu-cl: continual learning on WebGPU. */
export * from './engine/index.js';
export * as nn from './nn/index.js';
export * as cl from './cl/index.js';
// The orthocl API at the top level, as its users know it.
export {
  GradProjLinear, GradProjConv2d, GradProjLayer, gradprojLayers, projComputation, NullSpace, GPM, LowPlasticity, ZeroPlasticity,
} from './cl/gradproj/index.js';
