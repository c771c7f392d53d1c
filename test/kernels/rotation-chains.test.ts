/**
 * Rotation chains (kernels/rotation-chains.wgsl.ts) against the float64 reference, and the chunked
 * driver (rotatedIdentity) against one dispatch.
 *
 * Tolerance: each rotation rounds its two outputs (≤ 2 ulp each, as c·x − s·y in float32), and an
 * entry passes through at most 2·(chains) rotations here (≤ 14), so the error stays below
 * 28·ε₃₂·max|w| ≈ 3.3e-6·max|w|; the test allows 1e-5. A wrong direction, row or carry is O(1).
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { rotatedIdentity } from '../../engine/linalg/eigh-tridiagonal.js';
import { CHAIN_WORKGROUP, rotationChainsKernel } from '../../kernels/rotation-chains.wgsl.js';
import { rotationChainsReference } from '../../kernels/rotation-chains.reference.js';
import { grid1d } from '../../kernels/spec.js';
import { useDevice } from '../helpers/device.js';
import { expectClose, randomArray } from '../helpers/numeric.js';

/** Chains (first, l, m, 0) with random angles: a full chain, short ones, single rotations. */
function someChains(rows: number, seed: number): { chains: Uint32Array; cs: Float64Array } {
  const spans: [number, number][] = [[0, rows - 1], [3, 4], [5, rows - 2], [0, 1], [rows - 2, rows - 1], [1, rows - 1], [2, 9]];
  const chains: number[] = [];
  const cs: number[] = [];
  const angles = randomArray(rows * spans.length, seed, -Math.PI, Math.PI);
  for (const [l, m] of spans) {
    chains.push(cs.length / 2, l, m, 0);
    for (let i = m - 1; i >= l; i--) {
      const t = angles[cs.length / 2]!;
      cs.push(Math.cos(t), Math.sin(t));
    }
  }
  return { chains: Uint32Array.from(chains), cs: Float64Array.from(cs) };
}

describe('rotation chains', () => {
  const device = useDevice();

  it('the kernel matches the float64 reference (rows 13, width 12)', async () => {
    const rows = 13, S = 12;
    const w0 = randomArray(rows * S, 5);
    const { chains, cs } = someChains(rows, 6);
    const cs32 = Float32Array.from(cs);
    const w = wc.tensor(Float32Array.from(w0), [rows, S]);
    const dev = device();
    const chainBuf = dev.allocate(chains.byteLength);
    const csBuf = dev.allocate(cs32.byteLength);
    dev.upload(chainBuf, chains);
    dev.upload(csBuf, cs32);
    dev.dispatch(rotationChainsKernel(), new Uint32Array([S / 4, chains.length / 4]), [chainBuf, csBuf, w.buffer], grid1d(S / 4, CHAIN_WORKGROUP));
    const want = Float64Array.from(Float32Array.from(w0));
    rotationChainsReference(want, S, chains, cs32);
    expectClose(await w.toArray(), want, { atol: 1e-5 });
    dev.release(chainBuf);
    dev.release(csBuf);
  });

  it('rotatedIdentity gives the same W in chunks of whole chains as in one dispatch', async () => {
    const n = 13, N = 16;
    const { chains, cs } = someChains(n, 9);
    const ql = { values: new Float64Array(n), chains, cs, neglected: 0 };
    const whole = await rotatedIdentity(device(), n, N, ql).toArray();
    // At most 13 rotations per dispatch: the 12-rotation chains go alone, the short ones share.
    const chunked = await rotatedIdentity(device(), n, N, ql, 13).toArray();
    expect(Array.from(chunked)).toEqual(Array.from(whole));
    const want = new Float64Array(n * N);
    for (let i = 0; i < n; i++) want[i * N + i] = 1;
    rotationChainsReference(want, N, chains, Float32Array.from(cs));
    expectClose(whole, want, { atol: 1e-5 });
  });
});
