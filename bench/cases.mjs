/**
 * The workloads, each written once for webgpu-cl and once for TF.js on the same shapes. A case's
 * `ours(wc)` / `theirs(tf)` make the inputs and return a function that encodes `reps` operations
 * (results disposed); the caller then waits for the GPU, so a sample is `reps` ops of GPU work plus
 * one submit-and-wait (no readback).
 *
 * metric 'GFLOP/s': flops per op / time per op (higher is better); 'ms' and 'µs/op': time per op
 * (lower is better).
 */

/** Square matmul n×n·n×n. */
export function squareMatmul(n, reps, iterations) {
  return {
    name: `matmul ${n}×${n}·${n}×${n}`, metric: 'GFLOP/s', flops: 2 * n ** 3, reps, iterations,
    ours: (wc) => {
      const a = wc.rand([n, n]), b = wc.rand([n, n]);
      return () => wc.tidy(() => { for (let i = 0; i < reps; i++) wc.matmul(a, b); });
    },
    theirs: (tf) => {
      const a = tf.randomUniform([n, n]), b = tf.randomUniform([n, n]);
      return () => tf.tidy(() => { for (let i = 0; i < reps; i++) tf.matMul(a, b); });
    },
  };
}

/** The matmuls of one MLP training step, layer 784→100 at batch B: forward X·W, dW = Xᵀ·G, dX = G·Wᵀ. */
function mlpMatmul(which, B, reps, iterations) {
  const [I, O] = [784, 100];
  const shapes = {
    'X·W': { a: [B, I], b: [I, O], tA: false, tB: false, flops: 2 * B * I * O },
    'Xᵀ·G': { a: [B, I], b: [B, O], tA: true, tB: false, flops: 2 * B * I * O },
    'G·Wᵀ': { a: [B, O], b: [I, O], tA: false, tB: true, flops: 2 * B * I * O },
  }[which];
  return {
    name: `MLP ${which} (batch ${B}, 784→100)`, metric: 'GFLOP/s', flops: shapes.flops, reps, iterations,
    ours: (wc) => {
      const a = wc.rand(shapes.a), b = wc.rand(shapes.b);
      const opts = { transposeA: shapes.tA, transposeB: shapes.tB };
      return () => wc.tidy(() => { for (let i = 0; i < reps; i++) wc.matmul(a, b, opts); });
    },
    theirs: (tf) => {
      const a = tf.randomUniform(shapes.a), b = tf.randomUniform(shapes.b);
      return () => tf.tidy(() => { for (let i = 0; i < reps; i++) tf.matMul(a, b, shapes.tA, shapes.tB); });
    },
  };
}

/** Ten elementwise ops on n values: y = exp(−sqrt(relu(x·a + b)² + 1)) − x·c (×, +, relu, square, +, sqrt, −, exp, ×, −), one dispatch each. */
function elementwiseChain(n, iterations) {
  return {
    name: `elementwise chain, 10 ops on ${n / 2 ** 20}M floats`, metric: 'ms', reps: 1, iterations,
    ours: (wc) => {
      const x = wc.rand([n]);
      return () => wc.tidy(() => { wc.sub(wc.exp(wc.neg(wc.sqrt(wc.add(wc.square(wc.relu(wc.add(wc.mul(x, 1.5), -0.25))), 1)))), wc.mul(x, 0.5)); });
    },
    theirs: (tf) => {
      const x = tf.randomUniform([n]);
      const [a, b, c, one] = [1.5, -0.25, 0.5, 1].map((v) => tf.scalar(v));
      return () => tf.tidy(() => { tf.sub(tf.exp(tf.neg(tf.sqrt(tf.add(tf.square(tf.relu(tf.add(tf.mul(x, a), b))), one)))), tf.mul(x, c)); });
    },
  };
}

/** Per-op overhead: a dependent chain of `reps` tiny adds (4 floats), submitted in batches. */
function dispatchOverhead(reps, iterations) {
  return {
    name: `per-op overhead, chain of ${reps} adds on 4 floats`, metric: 'µs/op', reps, iterations,
    ours: (wc) => {
      const x = wc.rand([4]);
      return () => wc.tidy(() => { let y = x; for (let i = 0; i < reps; i++) y = wc.add(y, 1); return y; }).dispose();
    },
    theirs: (tf) => {
      const x = tf.randomUniform([4]);
      const one = tf.scalar(1);
      return () => tf.tidy(() => { let y = x; for (let i = 0; i < reps; i++) y = tf.add(y, one); return y; }).dispose();
    },
  };
}

/** One SGD step of a 784→100→10 relu MLP with softmax cross-entropy at batch B (forward, backward, update). */
export function mlpStep(B, reps, iterations) {
  const sizes = [[784, 100], [100, 10]];
  const labels = Array.from({ length: B }, (_, i) => (i * 7) % 10);
  return {
    name: `MLP training step 784→100→10, batch ${B}, SGD`, metric: 'ms', reps, iterations,
    ours: (wc) => {
      const x = wc.randn([B, 784]);
      const y = wc.tensor(labels, [B], { dtype: 'int32' });
      let params = sizes.flatMap(([i, o]) => [wc.randn([i, o], { std: 0.05 }), wc.zeros([o])]).map((p) => p.requiresGrad_());
      const step = () => {
        const next = wc.tidy(() => {
          const [w1, b1, w2, b2] = params;
          const h = wc.relu(wc.add(wc.matmul(x, w1), b1));
          wc.crossEntropy(wc.add(wc.matmul(h, w2), b2), y).backward();
          return wc.noGrad(() => params.map((p) => wc.sub(p, wc.mul(p.grad, 0.1))));
        });
        for (const p of params) p.dispose();
        params = next.map((p) => p.requiresGrad_());
      };
      return () => { for (let i = 0; i < reps; i++) step(); };
    },
    theirs: (tf) => {
      const x = tf.randomNormal([B, 784]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
      const [w1, b1, w2, b2] = sizes.flatMap(([i, o]) => [tf.variable(tf.randomNormal([i, o], 0, 0.05)), tf.variable(tf.zeros([o]))]);
      const opt = tf.train.sgd(0.1);
      const loss = () => tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2));
      return () => { for (let i = 0; i < reps; i++) tf.tidy(() => { opt.minimize(loss); }); };
    },
  };
}

export const CASES = [
  squareMatmul(256, 8, 5),
  squareMatmul(512, 1, 5),
  squareMatmul(1024, 1, 3),
  mlpMatmul('X·W', 64, 20, 5),
  mlpMatmul('Xᵀ·G', 64, 20, 5),
  mlpMatmul('G·Wᵀ', 64, 20, 5),
  mlpMatmul('X·W', 8, 20, 5),
  elementwiseChain(2 ** 20, 5),
  dispatchOverhead(1000, 5),
  mlpStep(64, 5, 5),
];
