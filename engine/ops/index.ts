/** Every op, one module per family. */
export * from './creation.js';
export * from './elementwise.js';
export * from './clamp-many.js';
export * from './reduce.js';
export * from './shape.js';
export * from './gradient-hook.js';
export * from './matmul.js';
export * from './softmax.js';
export * from './indexing.js';
export * from './cross-entropy.js';
export * from './unfold.js';
export * from './conv.js';
export * from './pool.js';
export * from './conv-pool.js';
