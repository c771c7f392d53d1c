/**
 * The one-command GPU benchmark (issue #17): on whatever adapter Dawn finds, our two kernel
 * variants (engine/kernel-variants.ts: `software`, register-blocked matmul and conv as unfold +
 * matmul; `hardware`, workgroup-memory tiled matmul and conv by implicit im2col), each on its own device, beside TF.js's WebGPU backend (4.22) on the same adapter and Dawn
 * backend, in one process.
 *
 *   npm run bench:gpu        (builds, then runs this)
 *   node bench/gpu.mjs [--backend vulkan|opengles] [--rounds 2] [--out record.json] [--seed both|auto|none]
 *
 * Cases: square matmul 256…4096 (GFLOP/s; on a software adapter only up to 1024, and fewer
 * repetitions, so the run stays under 5 minutes), conv2d forward (the seed CNN's layer and a 3×3
 * 32→64 layer), an MLP training step (bench/cases.mjs), the seed CNN's training step (plain layers:
 * Conv2d(1, 32, 5) → AdaptiveMaxPool2d(4, 4) → Linear(512, 32) → LeakyReLU → Linear(32, 10), SGD),
 * and the seed experiment (rotated MNIST, CNN NullSpace, 1 epoch; ours only, the `seconds` of its
 * result; on a software adapter only with the variants `auto` picks there unless `--seed both`: the
 * hardware variants take 2–3× as long there). Timing: bench/timing.mjs (tinybench, best of `rounds` rounds in rotating order, each
 * sample `reps` ops and one wait for the GPU). Prints a table and writes a JSON record (path printed).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { arg } from './args.mjs';
import { mlpStep, squareMatmul } from './cases.mjs';
import { ensurePeers, version } from './peers.mjs';
import { bestOfRounds, loadAverage, metricValue } from './timing.mjs';

const started = performance.now();
ensurePeers();
const wc = await import('../dist/index.js');
const { SEED_CONFIG, runRotatedMnist } = await import('../dist/cl/experiments/gradproj-rotated-mnist.js');
const rounds = Number(arg('rounds', 2));
const backend = arg('backend', undefined);

/** conv2d forward, NCHW x [N, C, H, H] with Cout k×k filters, stride 1, zero padding `pad`. */
function convForward(N, C, H, Cout, k, pad, reps, iterations) {
  const Ho = H + 2 * pad - k + 1;
  return {
    name: `conv2d ${N}×${C}×${H}×${H} ∗ ${Cout}×${C}×${k}×${k}${pad ? `, padding ${pad}` : ''}`,
    metric: 'GFLOP/s', flops: 2 * N * Cout * Ho * Ho * C * k * k, reps, iterations,
    ours: (wc) => {
      const x = wc.rand([N, C, H, H]), w = wc.rand([Cout, C, k, k]);
      return () => wc.tidy(() => { for (let i = 0; i < reps; i++) wc.conv2d(x, w, { padding: pad }); });
    },
    theirs: (tf) => {
      // TF.js is NHWC with [k, k, C, Cout] filters; 'same' is padding (k − 1)/2 for odd k.
      const x = tf.randomUniform([N, H, H, C]), w = tf.randomUniform([k, k, C, Cout]);
      return () => tf.tidy(() => { for (let i = 0; i < reps; i++) tf.conv2d(x, w, 1, pad === 0 ? 'valid' : 'same'); });
    },
  };
}

/** One SGD step (lr 0.01) of the seed CNN on 28×28 inputs at batch B, softmax cross-entropy. */
function cnnStep(B, reps, iterations) {
  const labels = Array.from({ length: B }, (_, i) => (i * 7) % 10);
  return {
    name: `seed CNN training step, batch ${B}, SGD`, metric: 'ms', reps, iterations,
    ours: (wc) => {
      const { nn } = wc;
      const g = new wc.Generator(0);
      const net = new nn.Sequential(new nn.Conv2d(1, 32, 5, { generator: g }), new nn.AdaptiveMaxPool2d([4, 4]), new nn.Flatten(),
        new nn.Linear(512, 32, { generator: g }), new nn.LeakyReLU(0.1), new nn.Linear(32, 10, { generator: g }));
      const opt = new nn.SGD(net.parameters(), { lr: 0.01 });
      const x = wc.randn([B, 1, 28, 28]);
      const y = wc.tensor(labels, [B], { dtype: 'int32' });
      return () => { for (let i = 0; i < reps; i++) wc.tidy(() => { opt.zeroGrad(); nn.crossEntropy(net.forward(x), y).backward(); opt.step(); }); };
    },
    theirs: (tf) => {
      const x = tf.randomNormal([B, 28, 28, 1]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
      const v = (shape, fanIn) => tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)));
      const [wc1, bc1, w1, b1, w2, b2] = [v([5, 5, 1, 32], 25), v([32], 25), v([512, 32], 512), v([32], 512), v([32, 10], 32), v([10], 32)];
      const opt = tf.train.sgd(0.01);
      // 24×24 maps pooled to 4×4: 6×6 windows, stride 6 (what AdaptiveMaxPool2d([4, 4]) does there).
      const forward = () => {
        const h = tf.maxPool(tf.add(tf.conv2d(x, wc1, 1, 'valid'), bc1), 6, 6, 'valid').reshape([B, 512]);
        return tf.add(tf.matMul(tf.leakyRelu(tf.add(tf.matMul(h, w1), b1), 0.1), w2), b2);
      };
      return () => { for (let i = 0; i < reps; i++) tf.tidy(() => { opt.minimize(() => tf.losses.softmaxCrossEntropy(y, forward())); }); };
    },
  };
}

// Our devices first: once tfjsOnDawn() defines navigator.gpu, initDevice() would take the browser path.
const open = (kernels) => wc.initDevice({ ...(backend ? { backend } : {}), kernels, makeCurrent: false });
const auto = await open('auto');
const software = wc.isSoftwareAdapter({ info: auto.adapterInfo });
const autoChoice = auto.kernelVariants;
auto.destroy();
const devices = { software: await open('software') };
try {
  devices.hardware = await open('hardware');
} catch (e) {
  console.log(`hardware variants skipped: ${e.message}`);
}
const autoVariant = autoChoice.matmul === 'tiled-64x64' ? 'hardware' : 'software';
const seedRuns = { both: Object.keys(devices), auto: [autoVariant], none: [] }[arg('seed', software ? 'auto' : 'both')];
if (!seedRuns) throw new Error(`bench:gpu: --seed must be both, auto or none, got ${arg('seed')}`);
const { tfjsOnDawn } = await import('./tfjs-dawn.mjs');
const peer = await tfjsOnDawn(devices.software.backend);
const { tf } = peer;

// Every variant computes the same product as TF.js before anything is timed (a fast wrong kernel would be no result).
{
  const n = 257, host = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
  const theirs = await tf.matMul(tf.tensor(host, [n, n]), tf.tensor(host, [n, n]), false, true).data();
  for (const [v, d] of Object.entries(devices)) {
    wc.setDevice(d);
    const ours = await wc.matmul(wc.tensor(host, [n, n]), wc.tensor(host, [n, n]), { transposeB: true }).toArray();
    let worst = 0;
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]) / (1 + Math.abs(theirs[i])));
    if (!(worst < 1e-4)) throw new Error(`bench:gpu: the ${v} variant and TF.js disagree on a ${n} matmul (relative difference ${worst})`);
  }
}

// Repetitions per sample: enough work to time on a GPU, little enough on a software rasteriser.
const work = software ? 2 ** 27 : 2 ** 34;
const sizes = [256, 512, 1024, 2048, 4096].filter((n) => n <= (software ? 1024 : 4096));
const cases = [
  ...sizes.map((n) => squareMatmul(n, Math.max(1, Math.round(work / n ** 3)), 5)),
  convForward(64, 1, 28, 32, 5, 0, software ? 1 : 50, 5),
  convForward(32, 32, 32, 64, 3, 1, software ? 1 : 20, 3),
  mlpStep(64, software ? 5 : 50, 5),
  cnnStep(64, software ? 1 : 50, 5),
];

const info = devices.software.adapterInfo;
const adapter = [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ');
console.log(`# webgpu-cl kernel variants vs TF.js ${version('@tensorflow/tfjs-backend-webgpu')} (WebGPU backend), ${new Date().toISOString()}`);
console.log(`adapter: ${adapter}; Dawn backend: ${devices.software.backend}; webgpu (Dawn) ${version('webgpu')}; Node ${process.version}; ` +
  `${os.cpus().length} × ${os.cpus()[0]?.model}; load average before ${loadAverage(os)}`);
console.log(`auto picks matmul ${autoChoice.matmul}, conv ${autoChoice.conv}, reduce ${autoChoice.reduce}: ${autoChoice.reason}`);
console.log(`rounds: ${rounds}; each side: best round's median\n`);

const variants = Object.keys(devices);
const sides = [...variants.map((v) => `webgpu-cl ${v}`), 'TF.js'];
const rows = [];
for (const c of cases) {
  const timed = { 'TF.js': { run: c.theirs(tf), sync: peer.sync } };
  for (const v of variants) {
    // Factories make tensors on the current device; ops run on their inputs' device.
    wc.setDevice(devices[v]);
    const run = c.ours(wc);
    timed[`webgpu-cl ${v}`] = { run: () => { wc.setDevice(devices[v]); run(); }, sync: () => devices[v].sync() };
  }
  const best = await bestOfRounds(timed, c.iterations, rounds);
  const row = { name: c.name, metric: c.metric, ...Object.fromEntries(sides.map((s) => [s, metricValue(c, best[s])])) };
  rows.push(row);
  console.log(`${c.name}: ${sides.map((s) => `${s} ${row[s].toPrecision(3)}`).join(', ')} ${c.metric}`);
}

const seed = {};
for (const v of seedRuns) {
  wc.setDevice(devices[v]);
  const r = await runRotatedMnist(SEED_CONFIG);
  seed[v] = { seconds: r.seconds, acc: r.acc };
  console.log(`seed experiment (rotated MNIST, CNN NullSpace, 1 epoch), ${v} variants: ${r.seconds.toFixed(1)} s, ACC ${(100 * r.acc).toFixed(1)} %`);
}

console.log(`\nload average after ${loadAverage(os)}; ${((performance.now() - started) / 1000).toFixed(0)} s in all\n`);
console.log(`| case | unit | ${sides.join(' | ')} |`);
console.log(`|---|---|${sides.map(() => '---:|').join('')}`);
for (const r of rows) console.log(`| ${r.name} | ${r.metric} | ${sides.map((s) => r[s].toPrecision(3)).join(' | ')} |`);
if (seedRuns.length) console.log(`| seed experiment, 1 epoch | s | ${variants.map((v) => seed[v]?.seconds.toFixed(1) ?? '').join(' | ')} | |`);

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const out = arg('out', `${os.tmpdir()}/webgpu-cl-bench-gpu-${stamp}.json`);
writeFileSync(out, JSON.stringify({
  date: new Date().toISOString(), adapter: { ...Object.fromEntries(['vendor', 'architecture', 'device', 'description'].map((k) => [k, info[k]])), software },
  backend: devices.software.backend, versions: { webgpu: version('webgpu'), tfjsWebgpu: version('@tensorflow/tfjs-backend-webgpu'), node: process.version },
  cpu: `${os.cpus().length} × ${os.cpus()[0]?.model}`, rounds, auto: autoChoice,
  variants: Object.fromEntries(variants.map((v) => [v, devices[v].kernelVariants])), rows, seed,
  seconds: (performance.now() - started) / 1000,
}, null, 2));
console.log(`\nrecord: ${out}`);
for (const d of Object.values(devices)) d.destroy();
void peer.keepAlive;
