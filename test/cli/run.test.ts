/**
 * The CLI as a user runs it: `webgpu-cl run rotated-mnist ...` (through tsx on cli/main.ts), on a
 * small slice of MNIST so it is quick: the table on stdout, progress on stderr, the JSON result file,
 * and a clear error for a bad option.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
      const r = cli(['run', 'rotated-mnist', '--model', 'mlp', '--method', 'zeroplasticity', '--angles', '0,90', '--train-per-class', '30', '--test-per-class', '10', '--seed', '3', '--json', out]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/final accuracy per task:/);
      expect(r.stdout).toMatch(/accuracy matrix/);
      expect(r.stderr).toMatch(/task 2\/2 \(90°\)/);
      const result = JSON.parse(readFileSync(out, 'utf8'));
      expect(Object.keys(result)).toEqual(expect.arrayContaining(['scenario', 'method', 'model', 'config', 'accuracyMatrix', 'acc', 'bwt', 'forgetting', 'seconds']));
      expect(result).toMatchObject({ scenario: 'rotated-mnist', method: 'zeroplasticity', model: 'mlp', config: { angles: [0, 90], seed: 3, batch: 8, lr: 0.005 } });
      expect(result.accuracyMatrix).toHaveLength(2);
      // ZeroPlasticity freezes the net after task 1: row 2 equals row 1.
      expect(result.accuracyMatrix[1]).toEqual(result.accuracyMatrix[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown method with the allowed ones', () => {
    const r = cli(['run', 'rotated-mnist', '--method', 'ewc']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--method: expected one of nullspace, gpm, lowplasticity, zeroplasticity, baseline, got 'ewc'/);
  });
});
