/** Data: MNIST / Fashion-MNIST loaders, CL transforms (rotate, permutePixels, classSubset), DataLoader. */
export * as datasets from './datasets.js';
export * as transforms from './transforms.js';
export type { ImageDataset, DatasetSplit, LoadOptions } from './datasets.js';
export { DataLoader, TensorDataset, toDevice, type Batch, type DataLoaderOptions } from './loader.js';
