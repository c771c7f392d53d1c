/**
 * Evaluation of the rotated-MNIST experiment on the machine's other core (Node only: the browser
 * build takes browser-only.ts instead): a worker (evaluation-worker.ts) with its own device computes row t of the accuracy matrix from the weights
 * after task t while this thread trains task t + 1. On a software adapter every dispatch runs on the
 * thread that encodes it, so training keeps one core and evaluation takes the other; only the last
 * task's row is waited for. Under tsx (tests, benches) the worker loads the TypeScript source through
 * tsx's own loader.
 */
import type { Worker as NodeWorker } from 'node:worker_threads';
import type { Device, Tensor } from '../../../engine/index.js';
import type { EvaluationReply, EvaluationRequest, EvaluationWorkerData } from './evaluation-worker.js';
import type { RotatedMnistConfig } from '../gradproj-rotated-mnist.js';

export class BackgroundEvaluation {
  private readonly rows = new Map<number, Promise<number[]>>();
  private readonly pending = new Map<number, { resolve: (row: number[]) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;

  private constructor(private readonly worker: NodeWorker) {
    worker.on('message', (reply: EvaluationReply) => {
      if ('error' in reply) return this.fail(new Error(`evaluation worker: ${reply.error}`));
      this.pending.get(reply.task)?.resolve(reply.row);
      this.pending.delete(reply.task);
    });
    worker.on('error', (e) => this.fail(e));
  }

  /** Starts the worker for this experiment, on a device like `device` (same backend, dispatches inline). */
  static async start(config: RotatedMnistConfig, device: Device): Promise<BackgroundEvaluation> {
    const { Worker } = await import('node:worker_threads');
    const ts = import.meta.url.endsWith('.ts');
    const entry = new URL(`./evaluation-worker.${ts ? 'ts' : 'js'}`, import.meta.url).href;
    const source = ts
      ? `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`
      : `import(${JSON.stringify(entry)});`;
    const workerData: EvaluationWorkerData = { config, device: { backend: device.backend, softwareThreads: 0 } };
    return new BackgroundEvaluation(new Worker(source, { eval: true, workerData }));
  }

  /** Sends the weights after task `task` (read back now, so training may go on). */
  async evaluate(task: number, params: readonly Tensor[]): Promise<void> {
    const weights = (await Promise.all(params.map((p) => p.toArray()))) as Float32Array[];
    const row = new Promise<number[]>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.pending.set(task, { resolve, reject });
    });
    row.catch(() => {}); // a failure surfaces when the row is awaited, not as an unhandled rejection
    this.rows.set(task, row);
    this.worker.postMessage({ task, weights } satisfies EvaluationRequest, weights.map((w) => w.buffer as ArrayBuffer));
  }

  /** Row `task` of the accuracy matrix, once the worker has it. */
  row(task: number): Promise<number[]> {
    const row = this.rows.get(task);
    if (!row) throw new Error(`BackgroundEvaluation.row: task ${task} was never sent`);
    return row;
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async dispose(): Promise<void> {
    await this.worker.terminate();
  }
}
