/**
 * The browser build in a real browser: builds dist/browser/index.js, serves it on 127.0.0.1, opens
 * it in Debian's Chromium (WebGPU on SwiftShader when there is no GPU), runs a matmul and a backward
 * pass in the page and checks the numbers against float64 references computed here.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { matmulReference } from '../../kernels/matmul.reference.js';
import { expectWithin, gamma, matmulBound } from '../helpers/error-bounds.js';
import { randomArray } from '../helpers/numeric.js';
import { openLibraryPage, type LibraryPage } from './library-page.js';

interface PageResult {
  adapter: { vendor: string; architecture: string; description: string; isFallbackAdapter: boolean | null };
  backend: string;
  maxStorageBufferBindingSize: number;
  y: number[];
  loss: number;
  grad: number[];
}

describe('browser build in Chromium', () => {
  let opened: Promise<LibraryPage> | undefined;

  /** Builds, serves and opens the page once; each test awaits it, so a missing Chromium fails every test. */
  const openPage = () => (opened ??= openLibraryPage(['page.js']));

  afterAll(async () => {
    await (await opened?.catch(() => undefined))?.close();
  });

  it('the page has WebGPU', async () => {
    const { page } = await openPage();
    expect(await page.evaluate('typeof navigator.gpu'), 'navigator.gpu in the page').toBe('object');
  });

  it('runs a matmul and a backward pass that match float64 references', async () => {
    const M = 17, K = 33, N = 9;
    // Inputs rounded to float32 here, so the references see exactly the values the GPU sees.
    const x = Array.from(randomArray(M * K, 11), Math.fround);
    const w = Array.from(randomArray(K * N, 12), Math.fround);
    const r = await (await openPage()).run<PageResult>('page.js', { M, K, N, x, w });
    console.log(`browser adapter: ${JSON.stringify(r.adapter)}, engine backend '${r.backend}', ` +
      `maxStorageBufferBindingSize ${r.maxStorageBufferBindingSize}`);
    expect(r.adapter.vendor + r.adapter.architecture + r.adapter.description, 'adapter info').not.toBe('');
    expect(r.backend, 'Device.backend in a page').toBe('browser');

    // y = x·w. Any summation order of K float32 products gives |ŷ − y| ≤ γ_K·(|x|·|w|) elementwise.
    const y = matmulReference(x, w, M, N, K);
    const absBound = matmulBound(x, w, M, N, K);
    expectWithin(r.y, y, absBound, 'y');

    // L = Σ relu(y). relu is 1-Lipschitz, so the matmul error carries over at most E = Σ γ_K(|x||w|);
    // summing the M·N non-negative relu(ŷ) (total ≤ L + E) in any order adds at most γ_{MN}·(L + E).
    const loss = y.reduce((acc, v) => acc + Math.max(v, 0), 0);
    const carried = absBound.reduce((a, b) => a + b, 0);
    const lossBound = carried + gamma(M * N) * (loss + carried);
    expect(Math.abs(r.loss - loss), `loss ${r.loss}, expected ${loss} ± ${lossBound}`).toBeLessThanOrEqual(lossBound);

    // dL/dw = xᵀ·[y > 0]. Precondition: every |y| exceeds its error bound, so the GPU's mask equals
    // the float64 one, and the mask has both values (else relu would not be exercised).
    const mask = y.map((v) => (v > 0 ? 1 : 0));
    for (let i = 0; i < M * N; i++) expect(Math.abs(y[i]!), `|y[${i}]| vs its error bound`).toBeGreaterThan(absBound[i]!);
    expect(new Set(mask).size, 'relu mask has zeros and ones').toBe(2);
    // Each gradient entry sums M exact terms x_ik·mask_ij: error ≤ γ_M·Σ_i |x_ik|.
    const grad = matmulReference(x, mask, K, N, M, true);
    expectWithin(r.grad, grad, matmulBound(x, mask, K, N, M, true), 'dL/dw');
    expect((await openPage()).errors, 'errors in the page').toEqual([]);
  });
});
