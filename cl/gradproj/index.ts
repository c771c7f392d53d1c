/** Gradient projection with the orthocl API: drop-in layers, calculators, projComputation. */
export * from './calculators/index.js';
export { GradProjLayer, type SgdStepOptions, type AdamStepOptions, type RmsStepOptions } from './grad-proj-layer.js';
export { GradProjLinear } from './grad-proj-linear.js';
export { GradProjConv2d, type GradProjConv2dOptions } from './grad-proj-conv2d.js';
export { gradprojLayers, projComputation } from './proj-computation.js';
export { GradientProjection, type GradientProjectionOptions } from './gradient-projection.js';
