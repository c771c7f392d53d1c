/** The engine's public surface: device, tensors, scopes, autograd, ops. */
export { initDevice, getDevice, setDevice, Device, AUTO_BACKEND_ORDER, isSoftwareAdapter, type Backend, type DeviceOptions, type DeviceStats } from './device.js';
export { type KernelMode, type KernelVariants } from './kernel-variants.js';
export { Tensor, type DType } from './tensor.js';
export { tidy, keep, scopeDepth } from './scope.js';
export { noGrad, withGrad, isGradEnabled, setGradEnabled } from './autograd.js';
export { Generator, manualSeed, defaultGenerator } from './random.js';
export { DeviceLostError, NoAdapterError, DisposedError, GPUError, NumericsError, type NumericsFaultSite } from './errors.js';
export { NumericsMonitor, type NumericsFault } from './numerics.js';
export * from './ops/index.js';
export * as linalg from './linalg/index.js';
