// @ts-check
/**
 * Runs in Chromium, served beside the browser build (dist/browser/index.js as /index.js).
 * Opens a device, computes y = x·w and the gradient of L = sum(relu(x·w)) with respect to w, and
 * returns the numbers for the Node side to compare with float64 references.
 */
import * as wc from './index.js';

/**
 * @param {{ M: number, K: number, N: number, x: number[], w: number[] }} input row-major x [M, K], w [K, N]
 */
export async function run({ M, K, N, x, w }) {
  const device = await wc.initDevice();
  const info = device.adapterInfo;
  const X = wc.tensor(x, [M, K]);
  const W = wc.tensor(w, [K, N], { requiresGrad: true });
  const y = wc.matmul(X, W);
  const loss = wc.sum(wc.relu(y));
  loss.backward();
  if (!W.grad) throw new Error('backward left w.grad empty');
  const result = {
    adapter: {
      vendor: info.vendor, architecture: info.architecture, description: info.description,
      isFallbackAdapter: /** @type {{ isFallbackAdapter?: boolean }} */ (info).isFallbackAdapter ?? null,
    },
    backend: device.backend,
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    y: Array.from(await y.toArray()),
    loss: await loss.item(),
    grad: Array.from(await W.grad.toArray()),
  };
  device.destroy();
  return result;
}
