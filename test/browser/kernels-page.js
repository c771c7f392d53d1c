// @ts-check
/**
 * Runs in Chromium beside the browser build (as /index.js): the kernels of one training step — conv2d
 * forward and backward (unfold + matmul + fold), softmax, cross-entropy forward and backward, a sum
 * reduction — on the page's WebGPU device, then a matmul, a covariance XᵀX/n, the conv2d step again
 * and the sum with each kernel set (a device forced to the 'software' kernels, then one forced to the
 * 'hardware' ones: tiled matmul and covariance, implicit-im2col conv, workgroup sums, by subgroups
 * where the device has them), returning the numbers for the Node side (kernels.test.ts) to compare
 * with the float64 references.
 */
import * as wc from './index.js';

/**
 * @param {{
 *   conv: { xShape: number[], wShape: number[], yShape: number[], opts: object, x: number[], w: number[], b: number[], g: number[] },
 *   softmax: { shape: number[], x: number[] },
 *   ce: { N: number, C: number, logits: number[], labels: number[] },
 *   sum: { shape: number[], axis: number, x: number[] },
 *   matmul: { M: number, N: number, K: number, a: number[], b: number[] },
 *   cov: { rows: number, d: number, x: number[] },
 * }} input
 */
export async function run(input) {
  const device = await wc.initDevice();
  const { conv, softmax, ce, sum, matmul, cov } = input;
  const logits = wc.tensor(ce.logits, [ce.N, ce.C], { requiresGrad: true });
  const loss = wc.crossEntropy(logits, wc.tensor(ce.labels, [ce.N], { dtype: 'int32' }));
  loss.backward();
  const read = async (/** @type {wc.Tensor | null} */ t) => {
    if (!t) throw new Error('a gradient is missing');
    return Array.from(await t.toArray());
  };
  // y = conv2d(x, w, b) and its gradients for the upstream gradient g, on the current device.
  const convStep = async () => {
    const x = wc.tensor(conv.x, conv.xShape, { requiresGrad: true });
    const w = wc.tensor(conv.w, conv.wShape, { requiresGrad: true });
    const b = wc.tensor(conv.b, [conv.wShape[0]], { requiresGrad: true });
    const y = wc.conv2d(x, w, { ...conv.opts, bias: b });
    y.backward(wc.tensor(conv.g, conv.yShape));
    return { y: await read(y), dx: await read(x.grad), dw: await read(w.grad), db: await read(b.grad) };
  };
  const result = {
    backend: device.backend,
    conv: await convStep(),
    softmax: await read(wc.softmax(wc.tensor(softmax.x, softmax.shape), -1)),
    ce: { loss: await loss.item(), dlogits: await read(logits.grad) },
    sum: await read(wc.sum(wc.tensor(sum.x, sum.shape), sum.axis)),
    /**
     * @type {{ variant: string, c: number[], covVariant: string, cov: number[], convVariant: string,
     *   conv: { y: number[], dx: number[], dw: number[], db: number[] }, reduceVariant: string, sum: number[] }[]}
     */
    matmul: [],
  };
  device.destroy();
  // A·Bᵀ with A [M, K], B [N, K], on a device per kernel set.
  for (const kernels of /** @type {const} */ (['software', 'hardware'])) {
    const d = await wc.initDevice({ kernels });
    const c = wc.matmul(wc.tensor(matmul.a, [matmul.M, matmul.K]), wc.tensor(matmul.b, [matmul.N, matmul.K]), { transposeB: true });
    const xx = wc.linalg.cov(wc.tensor(cov.x, [cov.rows, cov.d]));
    const { matmul: variant, covariance: covVariant, conv: convVariant, reduce: reduceVariant } = d.kernelVariants;
    const s = await read(wc.sum(wc.tensor(sum.x, sum.shape), sum.axis));
    result.matmul.push({ variant, c: await read(c), covVariant, cov: await read(xx), convVariant, conv: await convStep(), reduceVariant, sum: s });
    d.destroy();
  }
  return result;
}
