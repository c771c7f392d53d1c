/**
 * nn: modules and layers, losses, optimizers and schedulers, gradient clipping, initialisation,
 * saving and loading (nn.io), and data (datasets, transforms, DataLoader).
 */
export { Module, parameter, buffer, isParameter, isBuffer, type StateDict, type LoadResult } from './module.js';
export type { TensorLike } from './assign.js';
export * as init from './init.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { Conv2d, type Conv2dOptions } from './layers/conv.js';
export { ReLU, LeakyReLU } from './layers/activation.js';
export { MaxPool2d, AdaptiveMaxPool2d } from './layers/pool.js';
export { Flatten } from './layers/flatten.js';
export { Dropout, dropout } from './layers/dropout.js';
export { Sequential } from './layers/container.js';
export { MultiHead } from './layers/multi-head.js';
export { crossEntropy, type CrossEntropyLossOptions } from './losses/cross-entropy.js';
export { mse } from './losses/mse.js';
export { distillation } from './losses/distillation.js';
export { Optimizer, type OptimizerState, type OptimizerRecord, type Hyper } from './optim/optimizer.js';
export { SGD, type SGDOptions } from './optim/sgd.js';
export { Adam, type AdamOptions } from './optim/adam.js';
export { RMSprop, type RMSpropOptions } from './optim/rmsprop.js';
export { StepLR, LambdaLR, ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './optim/schedulers.js';
export { clipGradValue, clipGradNorm } from './clip.js';
export * as functional from './functional/index.js';
export * as io from './io/index.js';
export * from './data/index.js';
