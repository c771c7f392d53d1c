/**
 * Ctrl-C during `webgpu-cl run ... --checkpoint` (issue 16), on the built CLI (`node dist/cli/main.js`,
 * as `npm test` builds it) with a tiny split-MNIST run (50 images per class, batch 1: 100 steps per
 * experience, a progress line at step 50 and at step 100).
 *  - SIGINT at experience 2's first progress line (step 50): the run stops at a step boundary (not at
 *    the next report), says where, exits 130, writes a checkpoint holding experience 2 up to that step
 *    (cl/strategy/mid-experience.ts), says so, and prints the command that resumes; that command goes
 *    on from the step after it (its first progress line is step 100, not 50) and ends with the
 *    uninterrupted run's accuracy matrix, bit for bit.
 *  - SIGINT at the first progress line: no experience finished, and the checkpoint holds experience 1
 *    up to that step.
 *  - A second SIGINT exits at once, without waiting for the step.
 * Mutations tried: Strategy checking the signal only at progress reports, as before (the first case
 * fails: the run stops only at step 100); the second press not exiting (the last case fails).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nn } from '../../index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cliPath = join(root, 'dist', 'cli', 'main.js');
const tiny = (testPerClass = 10) => ['--epochs', '1', '--batch', '1', '--train-per-class', '50', '--test-per-class', String(testPerClass), '--seed', '3'];
const TINY = tiny();

interface Exit { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }

/** Runs the CLI; when stderr first matches the next of `interrupts`, sends SIGINT `delayMs` later. */
function cli(args: string[], interrupts: { when: RegExp; delayMs?: number }[] = []): Promise<Exit> {
  return new Promise((done, fail) => {
    const start = performance.now();
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const pending = [...interrupts];
    const guard = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.stdout.on('data', (b: Buffer) => { stdout += b; });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b;
      while (pending.length && pending[0]!.when.test(stderr)) setTimeout(() => child.kill('SIGINT'), pending.shift()!.delayMs ?? 0);
    });
    child.on('error', fail);
    child.on('close', (code, signal) => { clearTimeout(guard); done({ code, signal, stdout, stderr, ms: performance.now() - start }); });
  });
}

const matrixOf = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as { accuracyMatrix: number[][] }).accuracyMatrix;

describe('Ctrl-C during webgpu-cl run --checkpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctrl-c-'));
  beforeAll(() => {
    if (!existsSync(cliPath)) throw new Error('ctrl-c test: dist/cli/main.js is missing; run `npm run build` first (npm test does)');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops at the next step, exits 130, says what the checkpoint holds, and the printed command resumes to the same matrix', async () => {
    const whole = join(dir, 'whole.json');
    const full = await cli(['run', 'split-mnist', ...TINY, '--json', whole]);
    expect(full.code, full.stderr).toBe(0);

    const ckpt = join(dir, 'run.ckpt');
    const stopped = await cli(['run', 'split-mnist', ...TINY, '--checkpoint', ckpt], [{ when: /experience 2\/5 50\/100/ }]);
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/interrupted: stopping at the next step/);
    // At a step boundary soon after the report of step 50 (the signal takes a few steps to arrive), not at the next report (step 100).
    const step = Number(/\nStrategy\.run: aborted after step ([5-9]\d)\/100 of experience 2\/5 \(epoch 1\/1\)\n/.exec(stopped.stderr)?.[1]);
    expect(step, stopped.stderr).toBeGreaterThanOrEqual(50);
    expect(stopped.stderr).toContain(`run stopped: ${ckpt} holds experience 2 up to step ${step} of epoch 1; resuming goes on from there. Resume with:`);
    expect(stopped.stdout).toBe('');
    const meta = (await nn.io.load(ckpt)).meta as { completed: number; partial: { experience: number; epoch: number; step: number } };
    expect(meta.completed).toBe(1);
    expect(meta.partial).toMatchObject({ experience: 1, epoch: 0, step });

    const command = /Resume with:\n {2}(.*)\n/.exec(stopped.stderr)![1]!;
    expect(command).toBe(`webgpu-cl run split-mnist ${TINY.join(' ')} --checkpoint ${ckpt} --resume ${ckpt}`);
    const resumedJson = join(dir, 'resumed.json');
    const resumed = await cli([...command.split(' ').slice(1), '--json', resumedJson]);
    expect(resumed.code, resumed.stderr).toBe(0);
    // The resumed run's experience 2 starts after the saved step: its progress bar starts at step `step` + 1, its first report is step 100.
    expect(resumed.stderr).not.toMatch(/experience 2\/5 50\/100/);
    expect(resumed.stderr).toMatch(/experience 2\/5 100\/100/);
    expect(matrixOf(resumedJson)).toEqual(matrixOf(whole));
  });

  it('before the first experience finished: the checkpoint holds experience 1 up to the step', async () => {
    const ckpt = join(dir, 'early.ckpt');
    const r = await cli(['run', 'split-mnist', ...TINY, '--checkpoint', ckpt], [{ when: /experience 1\/5 50\/100/ }]);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/run stopped: \S+early\.ckpt holds experience 1 up to step [5-9]\d of epoch 1; resuming goes on from there\./);
    const meta = (await nn.io.load(ckpt)).meta as { completed: number; partial: { experience: number } };
    expect(meta.completed).toBe(0);
    expect(meta.partial.experience).toBe(0);
  });

  it('a second Ctrl-C exits at once', async () => {
    // The first press at the end of experience 1: the run evaluates 5 test sets of 1600 images and
    // writes the checkpoint before its next step (≈ 1 s here); the second press 20 ms later ends it there.
    const args = ['run', 'split-mnist', ...tiny(800), '--checkpoint', join(dir, 'twice.ckpt')];
    const r = await cli(args, [{ when: /experience 1\/5 100\/100/ }, { when: /interrupted: stopping/, delayMs: 20 }]);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).not.toMatch(/run stopped/);
  });
});
