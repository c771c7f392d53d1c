/**
 * scripts/build-browser.mjs keeps Node-only code out of the page: small entries in a temporary
 * folder check that a `node.ts` import becomes its sibling `browser-only.ts`, and that the build
 * fails, naming the culprit, on a `node.ts` without a stand-in, a Node builtin, or Dawn (`webgpu`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'webgpu-cl-build-'));
// A stand-in `webgpu` package with nothing Node-only in it, so that only the build's own check can
// stop it (the real Dawn package imports Node builtins, which esbuild already refuses: see below).
mkdirSync(join(dir, 'node_modules/webgpu'), { recursive: true });
writeFileSync(join(dir, 'node_modules/webgpu/package.json'), JSON.stringify({ name: 'webgpu', type: 'module', main: 'index.js' }));
writeFileSync(join(dir, 'node_modules/webgpu/index.js'), 'export const create = () => null;\n');

/** Writes `files` (path → text) under a fresh folder and builds its entry.ts. */
function build(name: string, files: Record<string, string>): { ok: boolean; log: string; bundle: string } {
  const base = join(dir, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(base, path)), { recursive: true });
    writeFileSync(join(base, path), text);
  }
  const out = join(base, 'out/index.js');
  const r = spawnSync(process.execPath, [join(root, 'scripts/build-browser.mjs'), join(base, 'entry.ts'), out], { encoding: 'utf8' });
  const ok = r.status === 0;
  return { ok, log: r.stdout + r.stderr, bundle: ok ? readFileSync(out, 'utf8') : '' };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('browser build', () => {
  it('replaces any */node.ts import with the sibling browser-only.ts', () => {
    const r = build('stand-in', {
      'entry.ts': `export { readText } from './io/node.js';`,
      'io/node.ts': `import { readFileSync } from 'node:fs';\nexport const readText = (p: string) => readFileSync(p, 'utf8');`,
      'io/browser-only.ts': `export const readText = (_p: string): string => { throw new Error('STAND-IN: no files in a browser'); };`,
    });
    expect(r.ok, r.log).toBe(true);
    expect(r.bundle).toContain('STAND-IN: no files in a browser');
    expect(r.bundle).not.toContain('readFileSync');
  });

  it('fails on a node.ts without a browser-only.ts beside it', () => {
    const r = build('no-stand-in', {
      'entry.ts': `export { readText } from './io/node.js';`,
      'io/node.ts': `export const readText = (p: string) => p;`,
    });
    expect(r.ok).toBe(false);
    expect(r.log).toMatch(/imports the Node-only \.\/io\/node\.js, which has no browser-only\.ts beside it/);
  });

  it('fails on a Node builtin anywhere else', () => {
    const r = build('builtin', { 'entry.ts': `import { join } from 'node:path';\nexport const f = join;` });
    expect(r.ok).toBe(false);
    expect(r.log).toMatch(/Could not resolve "node:path"/);
    expect(r.log).toMatch(/build-browser: failed/);
  });

  it('fails on the webgpu package (Dawn) even when it would bundle', () => {
    const r = build('dawn', { 'entry.ts': `export { create } from 'webgpu';` });
    expect(r.ok).toBe(false);
    expect(r.log).toMatch(/Node-only code reached .*\n.*the Dawn package 'webgpu' \(.*node_modules\/webgpu\/index\.js\)/);
  });
});
