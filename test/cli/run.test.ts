/**
 * The CLI as a user runs it: `webgpu-cl run <scenario> ...` and `webgpu-cl list` (through tsx on
 * cli/main.ts), on a small slice of MNIST so it is quick: the table on stdout, progress on stderr, the
 * JSON result file, checkpoints that resume, and a clear error for a bad option.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const cli = (args: string[]) => spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'cli', 'main.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });

describe('webgpu-cl run rotated-mnist', () => {
  it('prints the accuracy table, reports progress, and writes the JSON result', () => {
    const dir = mkdtempSync(join(tmpdir(), 'webgpu-cl-cli-'));
    try {
      const out = join(dir, 'result.json');
      const ck = join(dir, 'run.ckpt');
      const args = ['run', 'rotated-mnist', '--model', 'mlp', '--method', 'zeroplasticity', '--angles', '0,90', '--train-per-class', '30', '--test-per-class', '10', '--seed', '3'];
      const r = cli([...args, '--json', out, '--checkpoint', ck]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/final accuracy per experience:/);
      expect(r.stdout).toMatch(/accuracy matrix/);
      expect(r.stderr).toMatch(/experience 2\/2/);
      const result = JSON.parse(readFileSync(out, 'utf8'));
      expect(Object.keys(result)).toEqual(expect.arrayContaining(['scenario', 'method', 'config', 'experiences', 'accuracyMatrix', 'acc', 'bwt', 'fwt', 'forgetting', 'curves', 'untrained', 'seconds', 'timings']));
      expect(result).toMatchObject({ scenario: 'rotated-mnist', method: 'zeroplasticity', experiences: ['0°', '90°'], config: { model: 'mlp', seed: 3, batch: 8, lr: 0.005, scenarioOptions: { angles: [0, 90] } } });
      expect(result.accuracyMatrix).toHaveLength(2);
      // ZeroPlasticity freezes the net after task 1: row 2 equals row 1.
      expect(result.accuracyMatrix[1]).toEqual(result.accuracyMatrix[0]);
      // The checkpoint of the finished run resumes to the same result; one of another run is refused.
      const again = cli([...args, '--resume', ck]);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout.split('time')[0]).toBe(r.stdout.split('time')[0]);
      const other = cli([...args.slice(0, -1), '4', '--resume', ck]);
      expect(other.status).toBe(1);
      expect(other.stderr).toMatch(/resume: the checkpoint is of another run: seed is 3 there, 4 here/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown method with the allowed ones', () => {
    const r = cli(['run', 'rotated-mnist', '--method', 'no-such-method']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--method: expected one of naive, joint, gpm, nullspace, lowplasticity, zeroplasticity(, [a-z-]+)*, got 'no-such-method'/);
  });

  it('list shows every registered scenario and method with its options and defaults', () => {
    const r = cli(['list']);
    expect(r.status, r.stderr).toBe(0);
    for (const name of ['rotated-mnist', 'permuted-mnist', 'split-mnist', 'split-fashion', 'mnist-fashion', 'naive', 'joint', 'gpm', 'nullspace']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
    expect(r.stdout).toMatch(/--R .*\[default: 0\.05,0\.01,0\.01\]/);
    expect(r.stdout).toMatch(/recipe: mlp, 2 epoch\(s\), batch 64, sgd lr 0\.01 momentum 0\.9/);
  });

  // Each is refused before the device opens or any data loads: fast, and nothing half-written.
  it('rejects an empty test or training set as an argument error', () => {
    for (const flag of ['--test-per-class', '--train-per-class']) {
      const r = cli(['run', 'rotated-mnist', flag, '0']);
      expect(r.status, r.stdout).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`webgpu-cl: ${flag}: expected an integer ≥ 1, got '0'\n`);
    }
  });

  it('checks the --json path before training', () => {
    const dir = mkdtempSync(join(tmpdir(), 'webgpu-cl-cli-'));
    try {
      const missing = join(dir, 'missing', 'x.json');
      let r = cli(['run', 'rotated-mnist', '--json', missing]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`webgpu-cl: --json: cannot write ${missing}: the folder ${join(dir, 'missing')} does not exist\n`);
      r = cli(['run', 'rotated-mnist', '--json', dir]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`webgpu-cl: --json: cannot write ${dir}: it is a folder\n`);
      const file = join(dir, 'file');
      writeFileSync(file, '');
      r = cli(['run', 'rotated-mnist', '--json', join(file, 'x.json')]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`webgpu-cl: --json: cannot write ${join(file, 'x.json')}: ${file} is not a folder\n`);
      expect(readdirSync(dir)).toEqual(['file']); // no temporary file left behind
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
