/**
 * Fisher-preconditioned replay (cl/replay/precondition.ts, Replay's precondition option) against a
 * float64 host reference: the exact Fisher of a batch of MNIST images for a small network
 * MaxPool2d(4) → Flatten → Linear(49, 8) → ReLU → Linear(8, 10) (P = 490), built from explicit
 * per-sample, per-class gradients, and the three solves done in float64 (Cholesky):
 *   diag  u = g ⊘ (diag F + δ);   kfac  u = (G + √δ/π I)⁻¹·V·(A + π√δ I)⁻¹ per layer;   dense  (F + δI)⁻¹g.
 * Then Newton–Schulz's residual, the hook inside a real Strategy run (the gradient the optimizer gets is
 * the host's u of the recorded gradient at the recorded parameters, with Dropout in the model: the
 * Fisher's passes must run in eval mode), no readback per step and flat memory for every form (a model
 * with a Conv2d), a bit-for-bit resume, and the option errors.
 *
 * Tolerances. The Fisher's entries are float32 sums with relative error ≲ 1e-5 of the magnitudes summed
 * (test/cl/fisher.test.ts); a solve with M = F + δI amplifies a relative perturbation of M by at most
 * κ(M) = (λ_max + δ)/δ (λ_max by power iteration on the host). The checks are ‖u − u_host‖ ≤ tol·‖u_host‖
 * with tol = 16·2⁻²⁴·κ + 1e-5 (diag: 1e-5). Measured: diag 5e-8, kfac 7e-7, dense 3e-6 at κ ≈ 390.
 *
 * Mutations this file catches (apply by hand, run this file, expect a failure, revert):
 * - precondition.ts diagSolve: `add(F.diagonal[i], damping)` → `F.diagonal[i]` → diag vs host.
 * - kfacSolve: π not inverted for G (`mul(Math.sqrt(damping), pi)`) → kfac vs host.
 * - newtonSchulzInverse: 10 steps instead of 30 → the residual test (κ = 1e4).
 * - denseSolve: β = next / rz written as rz / next → dense vs host.
 * - FisherPreconditioner.fisher: finish(1) instead of finish(N) → every form vs host.
 * - compute.ts enterFisherMode: model.eval() removed → the Strategy hook test (Dropout in the passes).
 * - Replay.afterBackward: the apply() call removed → the Strategy hook test.
 * - CG_STEPS = 32 instead of 256 → the dense residual test.
 * - dense-solve.ts dualDenseSolve: shift = damping instead of N·damping → the dual residual test, apply (N = 16).
 * - Replay.loadState: the preconditioner's generator state not restored → the sampled resume test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cl, clone, keep, nn, slice, tensor, Generator, type Tensor } from '../../index.js';
import { FisherPreconditioner, newtonSchulzInverse, NEWTON_SCHULZ_STEPS } from '../../cl/replay/precondition.js';
import { denseSolve, dualDenseSolve } from '../../cl/replay/dense-solve.js';
import { Layout } from '../../cl/fisher/layout.js';
import { useDevice } from '../helpers/device.js';
import { expectResumeMatches } from '../helpers/resume.js';

const SMALL = { trainPerClass: 32, testPerClass: 20 };
const [K, H, C] = [49, 8, 10];

// ---------------------------------------------------------------------------------------------------
// Host reference in float64.

/** 4×4 max pooling of [N, 1, 28, 28] images: [N, 49]. */
function pooled(x: Float32Array, N: number): Float64Array {
  const out = new Float64Array(N * K);
  for (let n = 0; n < N; n++) for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) {
    let m = -Infinity;
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) m = Math.max(m, x[n * 784 + (4 * i + a) * 28 + 4 * j + b]!);
    out[n * K + i * 7 + j] = m;
  }
  return out;
}

interface HostNet { W1: Float64Array; b1: Float64Array; W2: Float64Array; b2: Float64Array }

/** The exact Fisher of the batch: dense [P, P] (flat order W1, b1, W2, b2) and the KFAC factors per layer. */
function exactFisher(net: HostNet, X: Float64Array, N: number) {
  const P = H * K + H + C * H + C;
  const F = new Float64Array(P * P);
  const A = [new Float64Array((K + 1) ** 2), new Float64Array((H + 1) ** 2)];
  const G = [new Float64Array(H * H), new Float64Array(C * C)];
  const outer = (M: Float64Array, v: ArrayLike<number>, w = 1) => { for (let i = 0; i < v.length; i++) for (let j = 0; j < v.length; j++) M[i * v.length + j]! += (w * v[i]! * v[j]!) / N; };
  for (let n = 0; n < N; n++) {
    const x = X.subarray(n * K, (n + 1) * K);
    const pre = Array.from({ length: H }, (_, o) => net.b1[o]! + x.reduce((s, v, k) => s + net.W1[o * K + k]! * v, 0));
    const h = pre.map((v) => Math.max(v, 0));
    const z = Array.from({ length: C }, (_, c) => net.b2[c]! + h.reduce((s, v, k) => s + net.W2[c * H + k]! * v, 0));
    const zmax = Math.max(...z);
    const e = z.map((v) => Math.exp(v - zmax));
    const p = e.map((v) => v / e.reduce((a, b) => a + b));
    outer(A[0]!, [...x, 1]);
    outer(A[1]!, [...h, 1]);
    for (let c = 0; c < C; c++) {
      const d2 = p.map((pk, k) => Math.sqrt(p[c]!) * ((k === c ? 1 : 0) - pk)); // √p_c·(e_c − p)
      const d1 = pre.map((v, o) => (v > 0 ? d2.reduce((s, d, k) => s + d * net.W2[k * H + o]!, 0) : 0));
      outer(G[0]!, d1);
      outer(G[1]!, d2);
      const g = [...d1.flatMap((d) => [...x].map((v) => d * v)), ...d1, ...d2.flatMap((d) => h.map((v) => d * v)), ...d2];
      outer(F, g);
    }
  }
  return { F, P, A, G };
}

/** x = M⁻¹·b for symmetric positive definite M [n, n] (Cholesky); b may hold several columns [n, m]. */
function solveSPD(M: Float64Array, n: number, b: Float64Array, m = 1): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = M[i * n + j]!;
    for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
    L[i * n + j] = i === j ? Math.sqrt(s) : s / L[j * n + j]!;
  }
  const x = Float64Array.from(b);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) { let s = x[i * m + c]!; for (let k = 0; k < i; k++) s -= L[i * n + k]! * x[k * m + c]!; x[i * m + c] = s / L[i * n + i]!; }
    for (let i = n - 1; i >= 0; i--) { let s = x[i * m + c]!; for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * x[k * m + c]!; x[i * m + c] = s / L[i * n + i]!; }
  }
  return x;
}

const plusIdentity = (M: Float64Array, n: number, r: number) => M.map((v, i) => (i % (n + 1) === 0 ? v + r : v));
const trace = (M: Float64Array, n: number) => Array.from({ length: n }, (_, i) => M[i * (n + 1)]!).reduce((a, b) => a + b);
const transpose = (M: Float64Array, r: number, c: number) => Float64Array.from({ length: r * c }, (_, i) => M[(i % r) * c + Math.floor(i / r)]!);

/** Largest eigenvalue of a symmetric PSD matrix (power iteration). */
function lambdaMax(M: Float64Array, n: number): number {
  let v = new Float64Array(n).fill(1 / Math.sqrt(n));
  let lambda = 0;
  for (let it = 0; it < 300; it++) {
    const w = Float64Array.from({ length: n }, (_, i) => v.reduce((s, vj, j) => s + M[i * n + j]! * vj, 0));
    lambda = Math.sqrt(w.reduce((s, t) => s + t * t, 0));
    v = w.map((t) => t / lambda);
  }
  return lambda;
}

/** u = (G + √δ/π I)⁻¹·V·(A + π√δ I)⁻¹ for V [out, D]. */
function kfacHost(A: Float64Array, D: number, G: Float64Array, out: number, V: Float64Array, damping: number): Float64Array {
  const pi = Math.sqrt((trace(A, D) / D) / (trace(G, out) / out));
  const left = solveSPD(plusIdentity(G, out, Math.sqrt(damping) / pi), out, V, D); // G'⁻¹·V [out, D]
  // (G'⁻¹V)·A'⁻¹ = (A'⁻¹·(G'⁻¹V)ᵀ)ᵀ, A' symmetric
  return transpose(solveSPD(plusIdentity(A, D, pi * Math.sqrt(damping)), D, transpose(left, out, D), out), D, out);
}

/** A relative perturbation ≈ 16·2⁻²⁴ of the float32 Fisher, amplified by κ, plus the solve's own rounding. */
const tolerance = (kappa: number) => 16 * 2 ** -24 * kappa + 1e-5;

const relErr = (got: ArrayLike<number>, want: ArrayLike<number>) => {
  let d = 0, w = 0;
  for (let i = 0; i < want.length; i++) { d += (got[i]! - want[i]!) ** 2; w += want[i]! ** 2; }
  return Math.sqrt(d / w);
};

// ---------------------------------------------------------------------------------------------------

describe('Fisher-preconditioned replay', () => {
  const device = useDevice();
  let data: cl.scenarios.Scenario;
  beforeAll(async () => { data = await cl.scenarios.splitMnist({ setting: 'class', ...SMALL }); });
  afterAll(() => data?.dispose());

  const pooledMlp = (seed: number, dropout = 0) => {
    const g = new Generator(seed);
    return new nn.Sequential(new nn.MaxPool2d(4), new nn.Flatten(), new nn.Linear(K, H, { generator: g }), new nn.ReLU(), ...(dropout ? [new nn.Dropout(dropout)] : []), new nn.Linear(H, C, { generator: g }));
  };
  const hostNet = async (model: nn.Sequential): Promise<HostNet> => {
    const [l1, l2] = model.modules().filter((m): m is nn.Linear => m instanceof nn.Linear);
    const f = async (t: Tensor) => Float64Array.from(await t.toArray() as Float32Array);
    return { W1: await f(l1!.weight), b1: await f(l1!.bias!), W2: await f(l2!.weight), b2: await f(l2!.bias!) };
  };
  /** The flat vector (W1, b1, W2, b2) of the model's gradients. */
  const flatGrads = async (model: nn.Module) => Float64Array.from((await Promise.all(model.parameters().map(async (p) => Array.from(await p.grad!.toArray() as Float32Array)))).flat());

  /** Host u for the three forms, and κ(F + δI). */
  function hostSolves(net: HostNet, X: Float64Array, N: number, g: Float64Array, damping: number) {
    const { F, P, A, G } = exactFisher(net, X, N);
    const Fd = plusIdentity(F, P, damping);
    const diag = g.map((v, i) => v / (F[i * (P + 1)]! + damping));
    // per layer V = [W | b] [out, D] from the flat g (W row-major, then b)
    const layers = [{ at: 0, out: H, D: K + 1 }, { at: H * (K + 1), out: C, D: H + 1 }];
    const kfac = new Float64Array(P);
    layers.forEach(({ at, out, D }, l) => {
      const V = Float64Array.from({ length: out * D }, (_, i) => { const [o, k] = [Math.floor(i / D), i % D]; return g[k < D - 1 ? at + o * (D - 1) + k : at + out * (D - 1) + o]!; });
      const U = kfacHost(A[l]!, D, G[l]!, out, V, damping);
      for (let o = 0; o < out; o++) { for (let k = 0; k < D - 1; k++) kfac[at + o * (D - 1) + k] = U[o * D + k]!; kfac[at + out * (D - 1) + o] = U[o * D + D - 1]!; }
    });
    return { diag, kfac, dense: solveSPD(Fd, P, g), kappa: (lambdaMax(F, P) + damping) / damping, F: Fd, P };
  }

  async function batch(n: number) {
    const e = data.experiences[0]!.train;
    const x = keep(slice(e.x, 0, 0, n));
    const y = keep(slice(e.y, 0, 0, n));
    return { x, y, X: pooled(await x.data(), n) };
  }

  // N = 16: the exact Fisher's 160 rows ≤ P = 490, dense takes the dual form; N = 60: 600 rows, the primal.
  it.each([16, 60])('apply() replaces every gradient by the float64 host solve: diag, kfac (factored damping) and dense (N = %i)', { timeout: 180_000 }, async (N) => {
    const model = pooledMlp(1);
    const { x, y, X } = await batch(N);
    const net = await hostNet(model);
    const P = H * K + H + C * H + C;
    const g = Float64Array.from({ length: P }, (_, i) => Math.sin(1.7 * i + 0.3) * 0.1);
    for (const damping of [0.01, 0.1]) {
      const want = hostSolves(net, X, N, g, damping);
      for (const kind of ['diag', 'kfac', 'dense'] as const) {
        let at = 0;
        for (const p of model.parameters()) { p.grad?.dispose(); p.grad = keep(tensor(Float32Array.from(g.subarray(at, at + p.size)), p.shape)); at += p.size; }
        const pre = new FisherPreconditioner(model, kind, damping);
        pre.apply(x, y);
        pre.dispose();
        const got = await flatGrads(model);
        const err = relErr(got, want[kind]);
        // diag: a division per entry, no amplification; kfac, dense: κ(F + δI) amplifies (bounds both
        // damped factors' condition numbers too, the factored damping being larger than δ).
        const tol = kind === 'diag' ? 1e-5 : tolerance(want.kappa);
        expect(err, `${kind}, δ = ${damping}, κ = ${want.kappa.toFixed(0)}`).toBeLessThan(tol);
        expect(relErr(got, g), `${kind}, δ = ${damping}: u is not g`).toBeGreaterThan(0.1);
      }
    }
    model.dispose();
    x.dispose();
    y.dispose();
  });

  it('dense: the conjugate-gradient residual ‖(F + δI)u − g‖/‖g‖ on an MNIST batch, against the host matrix', { timeout: 60_000 }, async () => {
    const model = pooledMlp(2);
    const N = 32;
    const { x, y, X } = await batch(N);
    const net = await hostNet(model);
    const { F, P } = exactFisher(net, X, N);
    const damping = 0.01;
    const g = Float64Array.from({ length: P }, (_, i) => Math.cos(0.9 * i) * 0.05);
    const pre = new FisherPreconditioner(model, 'dense', damping);
    const Fgpu = pre.fisher(x, y);
    const layout = new Layout(Fgpu.layout.slots);
    const dense = Fgpu.dense();
    const gv = layout.unflat(tensor(Float32Array.from(g), [P]));
    const u = denseSolve(layout, dense, gv, damping);
    const host = Float64Array.from((await Promise.all(u.map(async (t) => Array.from(await t.toArray() as Float32Array)))).flat());
    const Fd = plusIdentity(F, P, damping);
    const r = g.map((gi, i) => host.reduce((s, uj, j) => s + Fd[i * P + j]! * uj, 0) - gi);
    const residual = Math.sqrt(r.reduce((s, v) => s + v * v, 0) / g.reduce((s, v) => s + v * v, 0));
    expect(residual).toBeLessThan(1e-4); // measured 7e-6 (the float32 floor is reached by 128 steps at κ ≈ 550)
    for (const t of [...u, ...gv, dense]) t.dispose();
    Fgpu.dispose();
    pre.dispose();
    model.dispose();
    x.dispose();
    y.dispose();
  });

  it('dense, dual form (Woodbury on the rows, R ≤ P): the residual ‖(GᵀG/N + δI)u − g‖/‖g‖ against the host, and the primal on the same rows agrees', { timeout: 60_000 }, async () => {
    const [R, P, N, damping] = [40, 490, 4, 0.01];
    const layout = new Layout([{ name: 'w', out: 1, K: P, weight: [1, P], bias: null }]);
    const gen = new Generator(11);
    const G = Float64Array.from({ length: R * P }, () => 0.16 * gen.normal());
    const g = Float64Array.from({ length: P }, (_, i) => Math.sin(0.37 * i + 1));
    const Gt = tensor(Float32Array.from(G), [R, P]);
    const gv = layout.unflat(tensor(Float32Array.from(g), [P]));
    const F = new Float64Array(P * P);
    for (let r = 0; r < R; r++) for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) F[i * P + j]! += (G[r * P + i]! * G[r * P + j]!) / N;
    const Fd = plusIdentity(F, P, damping);
    const residual = (u: Float32Array) => {
      const r = g.map((gi, i) => u.reduce((s, uj, j) => s + Fd[i * P + j]! * uj, 0) - gi);
      return Math.sqrt(r.reduce((s, v) => s + v * v, 0) / g.reduce((s, v) => s + v * v, 0));
    };
    const dual = dualDenseSolve(layout, Gt, N, gv, damping);
    const Fgpu = tensor(Float32Array.from(F), [P, P]);
    const primal = denseSolve(layout, Fgpu, gv, damping);
    const [ud, up] = [await dual[0]!.toArray() as Float32Array, await primal[0]!.toArray() as Float32Array];
    const kappa = (lambdaMax(F, P) + damping) / damping;
    expect(residual(ud), `dual, κ = ${kappa.toFixed(0)}`).toBeLessThan(1e-4);
    expect(residual(up), `primal, κ = ${kappa.toFixed(0)}`).toBeLessThan(1e-4);
    expect(relErr(ud, up)).toBeLessThan(tolerance(kappa));
    for (const t of [Gt, ...gv, ...dual, ...primal, Fgpu]) t.dispose();
  });

  it("sampled: the preconditioner's Fisher is cl.fisher.compute's 'sampled' Fisher with the same seed, and not the exact one", { timeout: 60_000 }, async () => {
    const model = pooledMlp(3);
    const { x, y } = await batch(32);
    const flat = async (F: cl.fisher.FisherMatrix) => Float64Array.from((await Promise.all((F as cl.fisher.DiagFisher).diagonal.map(async (t) => Array.from(await t.toArray() as Float32Array)))).flat());
    const pre = new FisherPreconditioner(model, 'diag', 0.01, 'sampled', 5);
    const mine = pre.fisher(x, y);
    const ref = await cl.fisher.compute(model, new nn.TensorDataset(x, y), { representation: 'diag', variant: 'sampled', seed: 5 });
    const exact = await cl.fisher.compute(model, new nn.TensorDataset(x, y), { representation: 'diag', variant: 'exact' });
    const [a, b, e] = [await flat(mine), await flat(ref), await flat(exact)];
    expect(relErr(a, b)).toBeLessThan(1e-6);
    expect(relErr(a, e)).toBeGreaterThan(0.05);
    for (const F of [mine, ref, exact]) F.dispose();
    pre.dispose();
    model.dispose();
    x.dispose();
    y.dispose();
  });

  it(`Newton–Schulz (${NEWTON_SCHULZ_STEPS} steps from I / tr M): ‖I − M·X‖ small for κ up to 1e4 at n = 126; 10 steps are not enough`, async () => {
    const residual = async (n: number, kappa: number, steps?: number) => {
      // M = Q·diag(λ)·Qᵀ, Q from Gram–Schmidt of seeded random columns, λ log-spaced in [1, κ]
      const gen = new Generator(n + kappa);
      const Q: number[][] = [];
      for (let j = 0; j < n; j++) {
        let v = Array.from({ length: n }, () => gen.uniform() - 0.5);
        for (const q of Q) { const d = v.reduce((s, t, i) => s + t * q[i]!, 0); v = v.map((t, i) => t - d * q[i]!); }
        const len = Math.hypot(...v);
        Q.push(v.map((t) => t / len));
      }
      const lambda = Array.from({ length: n }, (_, j) => kappa ** (j / (n - 1)));
      const M = Float64Array.from({ length: n * n }, (_, idx) => { const [a, b] = [Math.floor(idx / n), idx % n]; return Q.reduce((s, q, j) => s + q[a]! * lambda[j]! * q[b]!, 0); });
      const X = newtonSchulzInverse(tensor(Float32Array.from(M), [n, n]), steps);
      const x = await X.toArray() as Float32Array;
      X.dispose();
      let worst = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs((i === j ? 1 : 0) - Array.from({ length: n }, (_, k) => M[i * n + k]! * x[k * n + j]!).reduce((a, b) => a + b)));
      return worst;
    };
    // float32: the residual of a computed inverse is ≈ κ·n·2⁻²⁴ at worst
    expect(await residual(20, 100)).toBeLessThan(1e-3);
    expect(await residual(126, 1e4)).toBeLessThan(2e-2);
    expect(await residual(126, 1e4, 10)).toBeGreaterThan(0.5);
  });

  it('in a Strategy: the optimizer gets the host u of the (mixed) batch gradient, the Fisher computed in eval mode (Dropout in the model); mode and requiresGrad restored', { timeout: 120_000 }, async () => {
    const model = pooledMlp(3, 0.5);
    const damping = 0.05;
    interface Seen { x: Tensor; g?: Tensor[]; u?: Tensor[]; params: Tensor[] }
    const seen: Seen[] = [];
    const snap = (ts: Tensor[]) => ts.map((t) => keep(clone(t)));
    const before: cl.StrategyPlugin = { name: 'before', afterBackward: (ctx) => { if (ctx.iteration === 1) seen.push({ x: keep(clone(ctx.batch.x)), g: snap(model.parameters().map((p) => p.grad!)), params: snap(model.parameters()) }); } };
    const after: cl.StrategyPlugin = { name: 'after', afterBackward: (ctx) => { if (ctx.iteration === 1) seen[seen.length - 1]!.u = snap(model.parameters().map((p) => p.grad!)); } };
    const replay = new cl.methods.Replay({ bufferSize: 30, precondition: 'kfac', damping, seed: 1 });
    const s = new cl.Strategy({ model, optimizer: (p) => new nn.SGD(p, { lr: 0.01 }), plugins: [before, replay, after], epochs: 1, batchSize: 16, seed: 2 });
    const exps = data.experiences.slice(0, 2);
    for (const e of exps) await s.train(e, exps);
    expect(model.modules().every((m) => m.training)).toBe(true);
    expect(model.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(seen.map((r) => r.x.shape[0])).toEqual([16, 32]); // the second experience's step is a mixed batch
    for (const [k, r] of seen.entries()) {
      const N = r.x.shape[0]!;
      const flat = async (ts: Tensor[]) => Float64Array.from((await Promise.all(ts.map(async (t) => Array.from(await t.toArray() as Float32Array)))).flat());
      const [W1, b1, W2, b2] = await Promise.all(r.params.map(async (t) => Float64Array.from(await t.toArray() as Float32Array)));
      const want = hostSolves({ W1: W1!, b1: b1!, W2: W2!, b2: b2! }, pooled(await r.x.data(), N), N, await flat(r.g!), damping);
      const got = await flat(r.u!);
      expect(relErr(got, want.kfac), `experience ${k}, κ = ${want.kappa.toFixed(0)}`).toBeLessThan(tolerance(want.kappa));
      for (const t of [r.x, ...r.g!, ...r.u!, ...r.params]) t.dispose();
    }
    s.dispose();
    model.dispose();
  });

  it('no readback per step and flat memory over experiences, every form (a model with a Conv2d)', { timeout: 120_000 }, async () => {
    for (const kind of ['diag', 'kfac', 'dense'] as const) {
      const g = new Generator(4);
      const model = new nn.Sequential(new nn.MaxPool2d(4), new nn.Conv2d(1, 2, 3, { generator: g }), new nn.ReLU(), new nn.Flatten(), new nn.Linear(50, C, { generator: g }));
      const s = new cl.Strategy({ model, optimizer: (p) => new nn.SGD(p, { lr: 0.05 }), plugins: [new cl.methods.Replay({ bufferSize: 20, precondition: kind, seed: 0 })], epochs: 2, batchSize: 16, seed: 1 });
      const exps = data.experiences.slice(0, 3);
      const live: number[] = [];
      for (const e of exps) {
        const reads = device().stats().readbacks;
        await s.train(e, exps);
        expect(device().stats().readbacks - reads, kind).toBe(1 + 2); // the labels; the loss at each epoch's end
        live.push(device().stats().liveTensors);
      }
      expect(new Set(live.slice(1)).size, `${kind}: live tensors ${live.join(', ')}`).toBe(1);
      s.dispose();
      model.dispose();
    }
  });

  it('a run stopped after an experience and resumed matches the uninterrupted run bit for bit', { timeout: 120_000 }, async () => {
    await expectResumeMatches({
      scenario: data,
      make: () => ({ model: pooledMlp(5), plugins: [new cl.methods.Replay({ bufferSize: 20, precondition: 'diag', seed: 3 })] }),
      optimizer: (p) => new nn.SGD(p, { lr: 0.05 }),
      options: { epochs: 1, batchSize: 16, seed: 7 },
      stopAfter: 2,
    });
  });

  it("a sampled-Fisher run resumed matches bit for bit: the labels' generator is in the checkpoint", { timeout: 120_000 }, async () => {
    await expectResumeMatches({
      scenario: data,
      make: () => ({ model: pooledMlp(6), plugins: [new cl.methods.Replay({ bufferSize: 20, precondition: 'diag', fisher: 'sampled', seed: 4 })] }),
      optimizer: (p) => new nn.SGD(p, { lr: 0.05 }),
      options: { epochs: 1, batchSize: 16, seed: 8 },
      stopAfter: 2,
    });
  });

  it('option errors name the option; a task-incremental model and a model too large for dense are refused', async () => {
    expect(() => new cl.methods.Replay({ bufferSize: 10, precondition: 'eigen' as never })).toThrow(/Replay: precondition must be one of diag, kfac, dense, got "eigen"/);
    expect(() => new cl.methods.Replay({ bufferSize: 10, precondition: 'diag', damping: 0 })).toThrow(/Replay: damping must be a number > 0, got 0/);
    expect(() => cl.methods.resolveOptions('method replay', cl.methods.method('replay').options, { precondition: 'full' })).toThrow(/precondition/);
    const g = new Generator(0);
    const taskModel = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 4, { generator: g }), new nn.MultiHead(4, 5, 2, { generator: g }));
    expect(() => new cl.Strategy({ model: taskModel, optimizer: (p) => new nn.SGD(p, { lr: 0.1 }), plugins: [new cl.methods.Replay({ bufferSize: 10, precondition: 'kfac' })], epochs: 1, batchSize: 8, seed: 0 })).toThrow(/Replay: precondition 'kfac' needs a single-head model/);
    const big = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 10, { generator: g }));
    expect(() => new cl.Strategy({ model: big, optimizer: (p) => new nn.SGD(p, { lr: 0.1 }), plugins: [new cl.methods.Replay({ bufferSize: 10, precondition: 'dense' })], epochs: 1, batchSize: 8, seed: 0 })).toThrow(/Replay \(precondition\): the dense Fisher of the model has 7850 parameters.*limited to 4096/);
    taskModel.dispose();
    big.dispose();
  });
});
