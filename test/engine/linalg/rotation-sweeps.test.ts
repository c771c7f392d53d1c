/**
 * Rotation sweeps (kernels/rotation-sweeps.wgsl.ts): the host table (sweepTable) and its float64
 * reference against applying the chains one by one, the kernel against the reference, and the
 * eigenvector columns the tridiagonal eigh forms with it (rotatedColumns: chains reversed on reversed
 * rows), and rotatedIdentity's chunking (whole chains per dispatch) against one dispatch.
 *
 * Tolerances: the table only regroups the same rotations (identity pairs are exact), so in float64
 * the sweeps and the chains agree to rounding, 1e-13 for O(1) data. In float32 each rotation rounds
 * its two outputs (≤ 2 ulp each) and an entry passes through at most one rotation per chain touching
 * it: with R such rotations the error stays below 2R·ε₃₂·max|w| (R ≤ 14 for the hand-made chains:
 * 3.3e-6; a QL run on n = 17, ≈ 30 chains: ≤ 7e-6 for unit columns), inside the 1e-5 allowed.
 * A wrong stage order, lag, row or sign is O(1).
 */
import { describe, expect, it } from 'vitest';
import { rotatedColumns, rotatedIdentity } from '../../../engine/linalg/eigh-tridiagonal.js';
import { tridiagonalQl } from '../../../engine/linalg/tridiagonal-ql.js';
import { rotationChainsReference, rotationSweepsReference } from '../../../kernels/rotation-sweeps.reference.js';
import { PAIR_BYTES, SWEEP_STAGES, SWEEP_WORKGROUP, rotationSweepsKernel, sweepTable } from '../../../kernels/rotation-sweeps.wgsl.js';
import { grid1d } from '../../../kernels/spec.js';
import { useDevice } from '../../helpers/device.js';
import { expectClose, randomArray } from '../../helpers/numeric.js';

/** Chains (first, l, m, 0) with random angles over the given spans, applied in order. */
function chainsOver(spans: readonly [number, number][], seed: number): { chains: Uint32Array; cs: Float64Array } {
  const chains: number[] = [];
  const cs: number[] = [];
  const angles = randomArray(spans.reduce((s, [l, m]) => s + m - l, 0), seed, -Math.PI, Math.PI);
  for (const [l, m] of spans) {
    chains.push(cs.length / 2, l, m, 0);
    for (let i = m - 1; i >= l; i--) {
      const t = angles[cs.length / 2]!;
      cs.push(Math.cos(t), Math.sin(t));
    }
  }
  return { chains: Uint32Array.from(chains), cs: Float64Array.from(cs) };
}

/** Full, short, single and nested spans on 13 rows: more chains than one group holds, and a partial group. */
const SPANS: [number, number][] = [[0, 12], [3, 4], [5, 11], [0, 1], [11, 12], [1, 12], [2, 9], [0, 12], [6, 7], [4, 12], [0, 5]];

describe('sweepTable and its reference', () => {
  it('apply the same rotations as the chains one by one (float64)', () => {
    const rows = 13, cols = 3;
    const { chains, cs } = chainsOver(SPANS, 6);
    expect(chains.length / 4).toBeGreaterThan(SWEEP_STAGES);
    const w0 = randomArray(rows * cols, 5);
    const table = sweepTable(chains, cs);
    expect(table.groups.length / 4).toBe(Math.ceil(SPANS.length / SWEEP_STAGES));
    const got = Float64Array.from(w0);
    rotationSweepsReference(got, cols, table);
    // The table holds the (c, s) as float32: the chains with the same rounded pairs.
    const want = Float64Array.from(w0);
    rotationChainsReference(want, cols, chains, Float32Array.from(cs));
    expectClose(got, want, { atol: 1e-13 });
  });

  it('a QL run: groups of chains with shrinking spans', () => {
    const n = 40;
    const ql = tridiagonalQl(randomArray(n, 1), randomArray(n - 1, 2));
    const w = new Float64Array(n * n);
    for (let i = 0; i < n; i++) w[i * n + i] = 1;
    const want = Float64Array.from(w);
    rotationChainsReference(want, n, ql.chains, Float32Array.from(ql.cs));
    rotationSweepsReference(w, n, sweepTable(ql.chains, ql.cs));
    expectClose(w, want, { atol: 1e-13 });
  });
});

describe('rotation sweeps on the GPU', () => {
  const device = useDevice();

  it('the kernel matches the float64 reference (rows 13, width 12)', async () => {
    const rows = 13, S = 12;
    const w0 = Float32Array.from(randomArray(rows * S, 5));
    const { chains, cs } = chainsOver(SPANS, 7);
    const table = sweepTable(chains, cs);
    const dev = device();
    const w = dev.allocate(w0.byteLength);
    const groupBuf = dev.allocate(table.groups.byteLength);
    const pairBuf = dev.allocate((table.pairs.length / 2) * PAIR_BYTES);
    dev.upload(w, w0);
    dev.upload(groupBuf, table.groups);
    dev.upload(pairBuf, table.pairs);
    dev.dispatch(rotationSweepsKernel(), new Uint32Array([S / 4, table.groups.length / 4]), [groupBuf, pairBuf, w], grid1d(S / 4, SWEEP_WORKGROUP));
    const got = new Float32Array(await dev.read(w, w0.byteLength));
    const want = Float64Array.from(w0);
    rotationSweepsReference(want, S, table);
    expectClose(got, want, { atol: 1e-5 });
    for (const b of [w, groupBuf, pairBuf]) dev.release(b);
  });

  it('rotatedColumns gives the picked columns of Z = G₁···G_R, rows reversed', async () => {
    const n = 17, rows = 20;
    const ql = tridiagonalQl(randomArray(n, 3), randomArray(n - 1, 4));
    // Zᵀ in float64: the chains applied to the rows of I.
    const zt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) zt[i * n + i] = 1;
    rotationChainsReference(zt, n, ql.chains, ql.cs);
    const picked = [16, 0, 5, 9, 3];
    const S = 8;
    const buf = rotatedColumns(device(), n, rows, ql, picked);
    const got = new Float32Array(await device().read(buf, rows * S * 4));
    device().release(buf);
    const want = new Float64Array(rows * S);
    picked.forEach((i, c) => { for (let r = 0; r < n; r++) want[r * S + c] = zt[i * n + n - 1 - r]!; });
    expectClose(got, want, { atol: 1e-5 });
  });

  it('rotatedIdentity gives the same W in chunks of whole chains as in one dispatch', async () => {
    const n = 13, N = 16;
    const { chains, cs } = chainsOver(SPANS, 9);
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
