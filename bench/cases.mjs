/**
 * The workloads, each written once for webgpu-cl and once for TF.js on the same shapes. A case's
 * `ours`/`theirs` run `reps` operations and wait for the GPU to finish them (no readback), so a
 * sample is `reps` ops of GPU work plus one submit-and-wait.
 *
 * metric 'GFLOP/s': flops per op / time per op (higher is better); 'ms' and 'µs/op': time per op
 * (lower is better).
 */

/** Square matmul n×n·n×n. */
function squareMatmul(n, reps, iterations) {
  return {
    name: `matmul ${n}×${n}·${n}×${n}`, metric: 'GFLOP/s', flops: 2 * n ** 3, reps, iterations,
    setup: ({ wc, tf }) => {
      const a = wc.rand([n, n]), b = wc.rand([n, n]);
      const ta = tf.randomUniform([n, n]), tb = tf.randomUniform([n, n]);
      return {
        ours: () => wc.tidy(() => { for (let i = 0; i < reps; i++) wc.matmul(a, b); }),
        theirs: () => tf.tidy(() => { for (let i = 0; i < reps; i++) tf.matMul(ta, tb); }),
      };
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
    setup: ({ wc, tf }) => {
      const a = wc.rand(shapes.a), b = wc.rand(shapes.b);
      const ta = tf.randomUniform(shapes.a), tb = tf.randomUniform(shapes.b);
      const opts = { transposeA: shapes.tA, transposeB: shapes.tB };
      return {
        ours: () => wc.tidy(() => { for (let i = 0; i < reps; i++) wc.matmul(a, b, opts); }),
        theirs: () => tf.tidy(() => { for (let i = 0; i < reps; i++) tf.matMul(ta, tb, shapes.tA, shapes.tB); }),
      };
    },
  };
}

/** Eight elementwise ops on n values: y = exp(−sqrt((relu(x·a + b))² + 1)) − x·c, one dispatch each. */
function elementwiseChain(n, iterations) {
  return {
    name: `elementwise chain, 8 ops on ${n / 2 ** 20}M floats`, metric: 'ms', reps: 1, iterations,
    setup: ({ wc, tf }) => {
      const x = wc.rand([n]);
      const tx = tf.randomUniform([n]);
      const [a, b, c, one] = [1.5, -0.25, 0.5, 1].map((v) => tf.scalar(v));
      return {
        ours: () => wc.tidy(() => wc.sub(wc.exp(wc.neg(wc.sqrt(wc.add(wc.square(wc.relu(wc.add(wc.mul(x, 1.5), -0.25))), 1)))), wc.mul(x, 0.5))),
        theirs: () => tf.tidy(() => tf.sub(tf.exp(tf.neg(tf.sqrt(tf.add(tf.square(tf.relu(tf.add(tf.mul(tx, a), b))), one)))), tf.mul(tx, c))),
      };
    },
  };
}

/** Per-op overhead: a dependent chain of `reps` tiny adds (4 floats), submitted in batches. */
function dispatchOverhead(reps, iterations) {
  return {
    name: `per-op overhead, chain of ${reps} adds on 4 floats`, metric: 'µs/op', reps, iterations,
    setup: ({ wc, tf }) => {
      const x = wc.rand([4]);
      const tx = tf.randomUniform([4]);
      const one = tf.scalar(1);
      return {
        ours: () => wc.tidy(() => { let y = x; for (let i = 0; i < reps; i++) y = wc.add(y, 1); return y; }).dispose(),
        theirs: () => tf.tidy(() => { let y = tx; for (let i = 0; i < reps; i++) y = tf.add(y, one); return y; }).dispose(),
      };
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
];
