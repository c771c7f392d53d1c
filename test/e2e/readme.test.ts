/**
 * The README's API tour runs as written: its ```ts block, with the package name pointed at this
 * checkout, executed by tsx in a child process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('README', () => {
  it('API tour runs', () => {
    const root = resolve(import.meta.dirname, '../..');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme);
    expect(block, 'README has a ```ts block').not.toBeNull();
    const code = block![1]!.replace(/from 'webgpu-cl'/g, `from '${join(root, 'index.ts')}'`);
    const dir = mkdtempSync(join(root, 'test', '.tour-'));
    try {
      const file = join(dir, 'tour.ts');
      writeFileSync(file, `${code}\nconsole.log('tour done');\n`);
      const out = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), [file], { cwd: root, encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
      expect(out).toContain('tour done');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
