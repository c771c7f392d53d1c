/**
 * nn.functional: layers as functions of their weights (PyTorch's torch.nn.functional), for networks whose
 * weights are computed rather than owned — a hypernetwork's main network (cl/hnet). Gradients flow into
 * whatever produced the weights.
 */
export { linear } from './linear.js';
export { conv2d, type Conv2dOptions } from '../../engine/ops/conv.js';
export { relu, leakyRelu, sigmoid, tanh } from '../../engine/ops/elementwise.js';
export { maxPool2d } from '../../engine/ops/pool.js';
