/**
 * cl.fisher against a float64 reference built on the host from explicit per-sample gradients: a small
 * Conv2d(1→2, 3×3) → ReLU → Flatten → Linear(18→3) network on 5×5 inputs (with and without biases),
 * four samples in minibatches of 3 and 1, every representation × variant; then the matrices' algebra
 * (vTMv and its gradient, mv, solve, trace, Frobenius norm, add, scale, addIdentity, state) against
 * the same reference.
 *
 * Tolerances. Every GPU value is a float32 computation of depth ≤ 6 (conv or matmul sums of ≤ 18
 * products, softmax, a backward of the same depth, then sums of ≤ N·C·L = 4·3·9 outer products):
 * Higham's bound γ_n·Σ|terms| with n ≲ 150 gives a relative error ≲ 150·2⁻²⁴ ≈ 1e-5 of the magnitudes
 * summed. Entries that cancel are compared with an absolute term of that size times the largest
 * entry: |got − want| ≤ 1e-4·|want| + 3e-5·max|F|.
 *
 * Mutations this file catches (apply by hand, run this file, expect a failure, revert):
 * - seeds.ts exact: `sqrt(slice(p, ...))` → `slice(p, ...)` (weights p_c² instead of p_c) → every exact test.
 * - diag.ts: the Linear shortcut `matmul(p, square(a))` → `matmul(p, a)` → diag exact/empirical.
 * - diag.ts: Conv2d squares after summing over samples (`square(sum(G, 0))`) → diag tests.
 * - kfac.ts: G not divided by the positions L → kfac tests (Conv2d block).
 * - capture.ts: the conv Δ not permuted to [N, L, out] → every Conv2d block.
 * - compute.ts: count += 1 per minibatch for every variant → every non-batched test.
 * - seeds.ts gaussianSeeds: the exact seeds without 1/σ, the empirical ones divided by σ instead of σ² →
 *   the Gaussian test.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { add, cl, mul, nn, noGrad, tensor, tidy, Generator, type Tensor } from '../../index.js';
import { GradProjLinear, NullSpace } from '../../index.js';
import { useDevice } from '../helpers/device.js';
import { expectClose } from '../helpers/numeric.js';

type Representation = cl.fisher.Representation;
type Variant = cl.fisher.Variant;

// ---------------------------------------------------------------------------------------------------
// Host reference: the network in float64, with each layer's input rows ã, output gradients δ and the
// per-sample gradient G = Σ_l δ_l ã_lᵀ, flattened in parameter order (W row-major, then b).

interface HostLayer {
  kind: 'linear' | 'conv';
  w: Float64Array; // [out, K]
  b: Float64Array | null;
  out: number;
  K: number;
  /** conv: input [Cin, H, W], kernel k×k, output Ho×Wo (stride 1, no padding). */
  Cin?: number; H?: number; W?: number; k?: number;
}

async function hostLayers(layers: (nn.Linear | nn.Conv2d)[], shapes: [number, number, number][]): Promise<HostLayer[]> {
  return Promise.all(layers.map(async (l, i) => {
    const out = l.weight.shape[0]!;
    const w = Float64Array.from(await l.weight.toArray());
    const b = l.bias ? Float64Array.from(await l.bias.toArray()) : null;
    const base = { w, b, out, K: w.length / out };
    return l instanceof nn.Conv2d ? { ...base, kind: 'conv' as const, Cin: shapes[i]![0], H: shapes[i]![1], W: shapes[i]![2], k: l.weight.shape[2]! } : { ...base, kind: 'linear' as const };
  }));
}

/** Rows ã_l (with a 1 for the bias) of a layer's input vector. */
function inputRows(h: HostLayer, x: Float64Array): number[][] {
  const one = h.b ? [1] : [];
  if (h.kind === 'linear') return [[...x, ...one]];
  const { Cin, H, W, k } = h as Required<HostLayer>;
  const rows: number[][] = [];
  for (let i = 0; i + k <= H; i++) {
    for (let j = 0; j + k <= W; j++) {
      const r: number[] = [];
      for (let c = 0; c < Cin; c++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) r.push(x[c * H * W + (i + ky) * W + (j + kx)]!);
      rows.push([...r, ...one]);
    }
  }
  return rows;
}

interface HostSample {
  /** Per layer ã rows and pre-activations (flattened (o, l)). */
  rows: number[][][];
  pre: Float64Array[];
  z: Float64Array;
  p: Float64Array;
}

function hostForward(layers: HostLayer[], x: Float64Array): HostSample {
  const rows: number[][][] = [], pre: Float64Array[] = [];
  let h = x;
  layers.forEach((layer, li) => {
    const r = inputRows(layer, h);
    rows.push(r);
    const L = r.length, out = new Float64Array(layer.out * L);
    for (let o = 0; o < layer.out; o++) {
      for (let l = 0; l < L; l++) {
        let s = layer.b ? layer.b[o]! : 0;
        for (let k = 0; k < layer.K; k++) s += layer.w[o * layer.K + k]! * r[l]![k]!;
        out[o * L + l] = s;
      }
    }
    pre.push(out);
    h = li < layers.length - 1 ? out.map((v) => Math.max(v, 0)) : out;
  });
  const z = h, m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0);
  return { rows, pre, z, p: e.map((v) => v / s) };
}

interface HostBackward {
  /** Per layer Δ [L][out] and the flat per-sample gradient. */
  deltas: number[][][];
  g: Float64Array;
}

function hostBackward(layers: HostLayer[], s: HostSample, seed: ArrayLike<number>): HostBackward {
  const deltas: number[][][] = new Array(layers.length);
  const grads: number[][] = new Array(layers.length);
  let g = Float64Array.from(seed); // gradient at the last layer's output, flattened (o, l)
  for (let li = layers.length - 1; li >= 0; li--) {
    const layer = layers[li]!, r = s.rows[li]!, L = r.length, D = layer.K + (layer.b ? 1 : 0);
    const d = Array.from({ length: L }, (_, l) => Array.from({ length: layer.out }, (_, o) => g[o * L + l]!));
    deltas[li] = d;
    const G = new Float64Array(layer.out * D);
    for (let o = 0; o < layer.out; o++) for (let k = 0; k < D; k++) for (let l = 0; l < L; l++) G[o * D + k] += d[l]![o]! * r[l]![k]!;
    const flat = [...Array.from({ length: layer.out * layer.K }, (_, i) => G[Math.floor(i / layer.K) * D + (i % layer.K)]!), ...(layer.b ? Array.from({ length: layer.out }, (_, o) => G[o * D + layer.K]!) : [])];
    grads[li] = flat;
    if (li === 0) break;
    // input gradient, then the previous layer's ReLU
    const prev = s.pre[li - 1]!;
    const dx = new Float64Array(prev.length);
    if (layer.kind === 'linear') {
      for (let k = 0; k < layer.K; k++) for (let o = 0; o < layer.out; o++) dx[k] += layer.w[o * layer.K + k]! * d[0]![o]!;
    } else {
      const { Cin, H, W, k } = layer as Required<HostLayer>;
      const Wo = W - k + 1;
      for (let l = 0; l < L; l++) {
        const i = Math.floor(l / Wo), j = l % Wo;
        let kk = 0;
        for (let c = 0; c < Cin; c++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++, kk++) {
          for (let o = 0; o < layer.out; o++) dx[c * H * W + (i + ky) * W + (j + kx)] += layer.w[o * layer.K + kk]! * d[l]![o]!;
        }
      }
    }
    g = dx.map((v, i) => (prev[i]! > 0 ? v : 0));
  }
  return { deltas, g: Float64Array.from(grads.flat()) };
}

interface Reference {
  dense: Float64Array; // [P, P]
  /** Per layer KFAC factors. */
  kfac: { A: Float64Array; G: Float64Array; D: number; out: number }[];
}

/** The reference Fisher of a variant over samples x [N][...] with labels, in minibatches of `batch`. */
function reference(layers: HostLayer[], xs: Float64Array[], labels: number[], variant: Variant, batch: number, sampledLabels?: number[]): Reference {
  const P = layers.reduce((n, l) => n + l.out * (l.K + (l.b ? 1 : 0)), 0);
  const dense = new Float64Array(P * P);
  const outer = (g: ArrayLike<number>, w: number) => { for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) dense[i * P + j] += w * g[i]! * g[j]!; };
  const kfac = layers.map((l) => { const D = l.K + (l.b ? 1 : 0); return { A: new Float64Array(D * D), G: new Float64Array(l.out * l.out), D, out: l.out }; });
  const N = xs.length;
  let count = 0;
  for (let start = 0; start < N; start += batch) {
    const members = xs.slice(start, start + batch).map((_, i) => start + i);
    const mean = new Float64Array(P);
    for (const n of members) {
      const s = hostForward(layers, xs[n]!);
      const C = s.p.length;
      const e = (c: number) => Array.from({ length: C }, (_, k) => (k === c ? 1 : 0) - s.p[k]!);
      const seeds = variant === 'exact' ? Array.from({ length: C }, (_, c) => e(c).map((v) => v * Math.sqrt(s.p[c]!)))
        : [e(variant === 'sampled' ? sampledLabels![n]! : labels[n]!)];
      seeds.forEach((seed, k) => {
        const b = hostBackward(layers, s, seed);
        if (variant === 'batched') { b.g.forEach((v, i) => { mean[i] += v / members.length; }); return; }
        outer(b.g, 1);
        layers.forEach((_, li) => {
          const f = kfac[li]!, rows = s.rows[li]!, L = rows.length;
          if (k === 0) for (const r of rows) for (let i = 0; i < f.D; i++) for (let j = 0; j < f.D; j++) f.A[i * f.D + j] += r[i]! * r[j]!;
          for (const dl of b.deltas[li]!) for (let i = 0; i < f.out; i++) for (let j = 0; j < f.out; j++) f.G[i * f.out + j] += (dl[i]! * dl[j]!) / L;
        });
      });
    }
    if (variant === 'batched') { outer(mean, 1); count += 1; } else count += members.length;
  }
  dense.forEach((v, i) => { dense[i] = v / count; });
  for (const f of kfac) { f.A.forEach((v, i) => { f.A[i] = v / N; }); f.G.forEach((v, i) => { f.G[i] = v / N; }); }
  return { dense, kfac };
}

/** Block sizes d_l of each layer, for masks. */
const blockSizes = (layers: HostLayer[]) => layers.map((l) => l.out * (l.K + (l.b ? 1 : 0)));

/** The reference in a representation, as a dense [P, P] matrix. */
function asRepresentation(ref: Reference, layers: HostLayer[], representation: Representation): Float64Array {
  const P = Math.round(Math.sqrt(ref.dense.length));
  const sizes = blockSizes(layers);
  const blockOf = new Int32Array(P);
  let at = 0;
  sizes.forEach((d, b) => { blockOf.fill(b, at, at + d); at += d; });
  const out = new Float64Array(P * P);
  if (representation === 'kfac') {
    let off = 0;
    layers.forEach((l, li) => {
      const { A, G, D } = ref.kfac[li]!;
      // flat index p of (o, k): weights o·K + k, then biases out·K + o
      const coords = (p: number): [number, number] => (p < l.out * l.K ? [Math.floor(p / l.K), p % l.K] : [p - l.out * l.K, l.K]);
      const d = sizes[li]!;
      for (let p = 0; p < d; p++) for (let q = 0; q < d; q++) {
        const [o, k] = coords(p), [o2, k2] = coords(q);
        out[(off + p) * P + off + q] = G[o * l.out + o2]! * A[k * D + k2]!;
      }
      off += d;
    });
    return out;
  }
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) {
    const keep = representation === 'dense' || (representation === 'blockdiag' ? blockOf[i] === blockOf[j] : i === j);
    if (keep) out[i * P + j] = ref.dense[i * P + j]!;
  }
  return out;
}

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const tol = (ref: ArrayLike<number>) => ({ rtol: 1e-4, atol: 3e-5 * maxAbs(ref) });

function matVec(M: Float64Array, v: ArrayLike<number>): Float64Array {
  const P = v.length;
  return Float64Array.from({ length: P }, (_, i) => { let s = 0; for (let j = 0; j < P; j++) s += M[i * P + j]! * v[j]!; return s; });
}

// ---------------------------------------------------------------------------------------------------

const N = 4, C = 3, BATCH = 3;

function convNet(bias: boolean, seed = 3) {
  const generator = new Generator(seed);
  const conv = new nn.Conv2d(1, 2, 3, { bias, generator });
  const linear = new nn.Linear(18, C, { bias, generator });
  return { model: new nn.Sequential(conv, new nn.ReLU(), new nn.Flatten(), linear), layers: [conv, linear] };
}

async function readMatrix(F: cl.fisher.FisherMatrix): Promise<Float64Array> {
  const D = F.dense();
  const v = Float64Array.from(await D.data());
  D.dispose();
  return v;
}

/** The labels the 'sampled' variant draws from Generator(seed): argmax(z + Gumbel) per sample, minibatch by minibatch. */
function sampledLabels(layers: HostLayer[], xs: Float64Array[], seed: number): number[] {
  const g = new Generator(seed);
  return xs.map((x) => {
    const { z } = hostForward(layers, x);
    const scores = Array.from(z, (v) => v - Math.log(-Math.log(Math.fround(g.uniform()))));
    return scores.indexOf(Math.max(...scores));
  });
}

describe('cl.fisher.compute against float64 per-sample gradients', () => {
  const device = useDevice();
  const hostX: Float64Array[] = [];
  const labels = [0, 2, 1, 2];
  let data: nn.TensorDataset;
  beforeAll(() => {
    const g = new Generator(11);
    const flat = Float32Array.from({ length: N * 25 }, () => 2 * g.uniform() - 1);
    for (let n = 0; n < N; n++) hostX.push(Float64Array.from(flat.subarray(n * 25, (n + 1) * 25)));
    data = new nn.TensorDataset(tensor(flat, [N, 1, 5, 5]), tensor(labels, [N], { dtype: 'int32' }));
  });

  for (const bias of [true, false]) {
    for (const variant of ['exact', 'sampled', 'empirical', 'batched'] as Variant[]) {
      it(`${variant} Fisher, ${bias ? 'with' : 'without'} biases: diag, kfac, blockdiag and dense match the reference`, async () => {
        const { model, layers } = convNet(bias);
        const host = await hostLayers(layers, [[1, 5, 5], [18, 1, 1]]);
        const ref = reference(host, hostX, labels, variant, BATCH, variant === 'sampled' ? sampledLabels(host, hostX, 0) : undefined);
        const before = device().liveTensors;
        for (const representation of ['diag', 'kfac', 'blockdiag', 'dense'] as Representation[]) {
          if (representation === 'kfac' && variant === 'batched') continue;
          const F = await cl.fisher.compute(model, data, { representation, variant, batchSize: BATCH });
          const want = asRepresentation(ref, host, representation);
          expectClose(await readMatrix(F), want, tol(want), `${representation} ${variant}`);
          F.dispose();
        }
        expect(device().liveTensors).toBe(before);
        model.dispose();
      });
    }
  }

  it("batched is the mean over minibatches of the squared minibatch-mean gradient, not the per-sample mean", async () => {
    const { model, layers } = convNet(true);
    const host = await hostLayers(layers, [[1, 5, 5], [18, 1, 1]]);
    const batched = await cl.fisher.compute(model, data, { variant: 'batched', batchSize: BATCH });
    const empirical = await cl.fisher.compute(model, data, { variant: 'empirical', batchSize: BATCH });
    const [tb, te] = [await batched.trace().item(), await empirical.trace().item()];
    const ref = (v: Variant) => { const r = reference(host, hostX, labels, v, BATCH).dense; const P = Math.sqrt(r.length); let t = 0; for (let i = 0; i < P; i++) t += r[i * P + i]!; return t; };
    expect(tb).toBeCloseTo(ref('batched'), 5);
    expect(te).toBeCloseTo(ref('empirical'), 5);
    expect(tb).toBeLessThan(te); // the minibatch mean averages gradients out
    batched.dispose(); empirical.dispose(); model.dispose();
  });

  it('sampled is an unbiased estimate of exact: over 4 × 600 draws its trace is within 5σ', async () => {
    const { model, layers } = convNet(true);
    const host = await hostLayers(layers, [[1, 5, 5], [18, 1, 1]]);
    const reps = 600;
    const many = new nn.TensorDataset(
      tidy(() => tensor(Float32Array.from({ length: reps * N * 25 }, (_, i) => hostX[Math.floor(i / 25) % N]![i % 25]!), [reps * N, 1, 5, 5])),
      tensor(Array.from({ length: reps * N }, (_, i) => labels[i % N]!), [reps * N], { dtype: 'int32' }),
    );
    // per image: E_c ‖g_c‖² and Var_c ‖g_c‖² under p; the estimate's variance is Σ_n Var_n / (reps·N)²
    let exact = 0, variance = 0;
    for (const x of hostX) {
      const s = hostForward(host, x);
      const norms = Array.from(s.p, (_, c) => { const g = hostBackward(host, s, Array.from(s.p, (p, k) => (k === c ? 1 : 0) - p)).g; return g.reduce((a, v) => a + v * v, 0); });
      const mean = norms.reduce((a, v, c) => a + s.p[c]! * v, 0);
      exact += mean / N;
      variance += (norms.reduce((a, v, c) => a + s.p[c]! * (v - mean) ** 2, 0) * reps) / (reps * N) ** 2;
    }
    const F = await cl.fisher.compute(model, many, { variant: 'sampled', seed: 5 });
    const t = await F.trace().item();
    expect(Math.abs(t - exact)).toBeLessThan(5 * Math.sqrt(variance));
    expect(Math.abs(t - exact)).toBeGreaterThan(0); // an estimate, not the expectation
    F.dispose(); many.dispose(); model.dispose();
  });

  it('KFAC equals the exact blocks where the factorisation is exact: one sample through Linear layers', async () => {
    // A ⊗ G = (ã ãᵀ) ⊗ Σ_c δ_c δ_cᵀ = Σ_c (δ_c ⊗ ã)(δ_c ⊗ ã)ᵀ for a single sample: every Linear block is exact.
    const generator = new Generator(4);
    const model = new nn.Sequential(new nn.Linear(6, 4, { generator }), new nn.ReLU(), new nn.Linear(4, 3, { generator }));
    const one = new nn.TensorDataset(tensor(Float32Array.from({ length: 6 }, () => generator.uniform() - 0.5), [1, 6]), tensor([1], [1], { dtype: 'int32' }));
    const kfac = await cl.fisher.compute(model, one, { representation: 'kfac' });
    const blocks = await cl.fisher.compute(model, one, { representation: 'blockdiag' });
    const want = await readMatrix(blocks);
    expectClose(await readMatrix(kfac), want, tol(want), 'kfac = blockdiag');
    kfac.dispose(); blocks.dispose(); one.dispose(); model.dispose();
  });

  describe('the algebra of every representation against its dense matrix', () => {
    const reps: Representation[] = ['diag', 'kfac', 'blockdiag', 'dense'];
    let model: nn.Sequential;
    let params: Tensor[];
    const F: Partial<Record<Representation, cl.fisher.FisherMatrix>> = {};
    const M: Partial<Record<Representation, Float64Array>> = {};
    let v: Tensor[], hostV: Float64Array;
    beforeAll(async () => {
      ({ model } = convNet(true, 8));
      params = cl.fisher.parameters(model);
      for (const r of reps) {
        F[r] = await cl.fisher.compute(model, data, { representation: r, variant: 'empirical', batchSize: BATCH });
        M[r] = await readMatrix(F[r]!);
      }
      const g = new Generator(21);
      v = params.map((p) => tensor(Float32Array.from({ length: p.size }, () => g.uniform() - 0.5), [...p.shape]));
      hostV = Float64Array.from((await Promise.all(v.map((t) => t.data()))).flatMap((a) => Array.from(a)));
    });

    const flatOf = async (ts: Tensor[]) => Float64Array.from((await Promise.all(ts.map((t) => t.data()))).flatMap((a) => Array.from(a)));
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);

    for (const r of reps) {
      it(`${r}: vTMv and its gradient 2Fv, mv, trace, Frobenius norm`, async () => {
        const f = F[r]!, m = M[r]!;
        const Fv = matVec(m, hostV);
        const leaves = v.map((t) => noGrad(() => t.detach()).requiresGrad_());
        const q = f.vTMv(leaves);
        expect(q.shape).toEqual([]);
        expect(await q.item()).toBeCloseTo(dot(hostV, Fv), 5);
        q.backward();
        expectClose(await flatOf(leaves.map((t) => t.grad!)), Fv.map((x) => 2 * x), tol(Fv), `${r}: d vTMv / dv`);
        const mv = f.mv(v);
        expectClose(await flatOf(mv), Fv, tol(Fv), `${r}: mv`);
        const P = hostV.length;
        let tr = 0, fro = 0;
        for (let i = 0; i < P; i++) tr += m[i * P + i]!;
        for (const x of m) fro += x * x;
        const [t, n] = [f.trace(), f.frobeniusNorm()];
        expect(await t.item()).toBeCloseTo(tr, 5);
        expect(await n.item()).toBeCloseTo(Math.sqrt(fro), 5);
        for (const x of [...leaves, ...mv, q, t, n]) x.dispose();
      });

      it(`${r}: solve((F + rI)·v, r) = v, and scale, addIdentity, add, state`, async () => {
        const f = F[r]!, m = M[r]!;
        const regul = 1e-2 * maxAbs(m); // condition number ≲ 100: a solve error ≲ 100·1e-6
        const rhs = tidy(() => noGrad(() => f.mv(v).map((t, i) => add(t, mul(v[i]!, regul)))));
        const x = await f.solve(rhs, { regul });
        expectClose(await flatOf(x), hostV, { atol: 1e-3 * maxAbs(hostV) }, `${r}: solve`);
        // combinations keep the representation and shift exactly
        const G = f.scale(2).addIdentity(0.5);
        const H = G.add(f);
        expect(H.representation).toBe(r);
        const want = m.map((val, i) => 3 * val + (Math.floor(i / hostV.length) === i % hostV.length ? 0.5 : 0));
        expectClose(await readMatrix(H), want, tol(want), `${r}: 2F + 0.5I + F`);
        expect(await H.trace().item()).toBeCloseTo(Array.from({ length: hostV.length }, (_, i) => want[i * hostV.length + i]!).reduce((a, b) => a + b, 0), 4);
        const back = cl.fisher.fromState(H.state());
        expect(Array.from(await readMatrix(back))).toEqual(Array.from(await readMatrix(H)));
        const sx = await H.solve(v, { regul: 0.1 }).catch((e: Error) => e);
        if (r === 'kfac') expect(sx).toBeInstanceOf(RangeError); // two Kronecker terms per layer
        else (sx as Tensor[]).forEach((t) => t.dispose());
        for (const t of [...rhs, ...x]) t.dispose();
        G.dispose(); H.dispose(); back.dispose();
      });
    }

    it('frees what it made: ops in a tidy scope, matrices by dispose()', async () => {
      const before = device().liveTensors;
      tidy(() => { for (const r of reps) { F[r]!.vTMv(v); F[r]!.mv(v); F[r]!.trace(); F[r]!.frobeniusNorm(); } });
      const G = F.diag!.scale(3);
      G.dispose();
      expect(device().liveTensors).toBe(before);
      for (const r of reps) F[r]!.dispose();
      for (const t of v) t.dispose();
      model.dispose();
    });
  });

  it('Gaussian likelihood (regression): exact = E[ã ãᵀ]/σ², empirical = E[r² ã ãᵀ]/σ⁴ with r = y − f, for a linear model', async () => {
    // f = w·x + b on 3 inputs; ã = [x, 1]; per sample the log-likelihood gradient is (y − f)/σ²·ã.
    const xs = [[0.5, -1, 2], [1.5, 0.25, -0.5], [-2, 1, 1], [0.3, 0.7, -1.2], [1, 1, 1]];
    const ys = [1, -0.5, 2, 0.25, -1];
    const std = 0.5;
    const linear = new nn.Linear(3, 1, { generator: new Generator(4) });
    const model = new nn.Sequential(linear);
    const ds = new nn.TensorDataset(tensor(xs.flat(), [5, 3]), tensor(ys, [5]));
    const w = Array.from(await linear.weight.data()), b = (await linear.bias!.data())[0]!;
    const want = (weight: (n: number) => number) => {
      const F = new Float64Array(16);
      xs.forEach((x, n) => {
        const a = [...x, 1];
        for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) F[i * 4 + j]! += (weight(n) * a[i]! * a[j]!) / xs.length;
      });
      return F;
    };
    const residual = (n: number) => ys[n]! - (xs[n]!.reduce((acc, v, i) => acc + v * w[i]!, 0) + b);
    for (const [variant, weight] of [['exact', () => 1 / std ** 2], ['empirical', (n: number) => residual(n) ** 2 / std ** 4]] as const) {
      for (const representation of ['dense', 'diag'] as const) {
        const F = await cl.fisher.compute(model, ds, { representation, variant, likelihood: { gaussian: { std } }, batchSize: 2 });
        // diag keeps the diagonal of the same matrix (its dense() is zero elsewhere)
        const full = want(weight);
        const expected = representation === 'dense' ? full : full.map((v, k) => (k % 5 === 0 ? v : 0));
        expectClose(await readMatrix(F), expected, { rtol: 1e-4, atol: 1e-5 }, `${variant} ${representation}`);
        F.dispose();
      }
    }
    await expect(cl.fisher.compute(model, ds, { likelihood: { gaussian: { std: 0 } } })).rejects.toThrow(/likelihood must be 'categorical' or \{ gaussian: \{ std \} \} with a finite std > 0, got \{"gaussian":\{"std":0\}\}/);
    ds.dispose();
    model.dispose();
  });

  it('says what is wrong: options, parameters, sizes, labels, vectors', async () => {
    const { model } = convNet(true);
    const opts = (o: object) => cl.fisher.compute(model, data, o as cl.fisher.FisherOptions);
    await expect(opts({ representation: 'full' })).rejects.toThrow(/representation must be one of diag, kfac, blockdiag, dense, got "full"/);
    await expect(opts({ variant: 'true' })).rejects.toThrow(/variant must be one of exact, sampled, empirical, batched, got "true"/);
    await expect(opts({ representation: 'kfac', variant: 'batched' })).rejects.toThrow(/'batched' variant has no KFAC form/);
    await expect(opts({ batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer, got 0/);
    await expect(opts({ params: [tensor([1])] })).rejects.toThrow(/params\[0\] is not a parameter of the model/);
    const big = new nn.Sequential(new nn.Flatten(), new nn.Linear(25, 200));
    await expect(cl.fisher.compute(big, data, { representation: 'dense' })).rejects.toThrow(/the dense Fisher has 5200 parameters, a 5200 × 5200 matrix; dense matrices are limited to 4096/);
    await expect(cl.fisher.compute(big, data, { representation: 'blockdiag' })).rejects.toThrow(/the block of layer '1' has 5200 parameters/);
    const gp = new nn.Sequential(new nn.Flatten(), new GradProjLinear(25, 3, new NullSpace()));
    await expect(cl.fisher.compute(gp, data)).rejects.toThrow(/parameter '1.weight' belongs to no Linear or Conv2d layer/);
    const bad = new nn.TensorDataset(tensor(new Float32Array(25), [1, 1, 5, 5]), tensor([3], [1], { dtype: 'int32' }));
    await expect(cl.fisher.compute(model, bad, { variant: 'empirical' })).rejects.toThrow(/1 label is outside \[0, 3\)/);
    const F = await cl.fisher.compute(model, data, { params: [model.parameters()[2]!] }); // the Linear weight only
    expect(F.layout.shapes).toEqual([[3, 18]]);
    expect(() => F.vTMv([tensor(new Float32Array(18), [18])])).toThrow(/v\[0\] has shape \[18\], expected \[3, 18\] \(the weight of layer '3'\)/);
    F.dispose(); bad.dispose(); big.dispose(); gp.dispose(); model.dispose();
  });
});
