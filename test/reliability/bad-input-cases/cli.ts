/**
 * Bad input to the command line, run as a user runs it: cli/main.ts in a child process (bundled once
 * with esbuild, as tsc would compile it, so that each run starts in a second instead of tsx's ten on a
 * loaded machine). Each must fail before the device opens — before any data loads or training starts —
 * with one line on stderr naming the option, what was expected and what came. The call rejects with
 * that line; a run that got as far as opening the device (its "… on <adapter>" line on stderr) or
 * printed anything else rejects with the whole output, which no case's patterns match.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { badInput, says, type BadInputCase } from './case.js';

const root = resolve(import.meta.dirname, '../../..');
const folder = mkdtempSync(join(tmpdir(), 'webgpu-cl-bad-cli-'));
const missing = (file: string) => join(folder, 'missing', file);
/** Inside the repository (.tmp/ is ignored), so that the bundle's imports of packages resolve. */
const bundle = join(root, '.tmp', `bad-input-cli-${process.pid}`, 'main.mjs');
let built: Promise<unknown> | null = null;

/** Removes the bundle and the test folder. */
export function cleanUpCli(): void {
  rmSync(resolve(bundle, '..'), { recursive: true, force: true });
  rmSync(folder, { recursive: true, force: true });
}

/** Runs the CLI; resolves on success, rejects with its one-line error otherwise. */
async function cli(...args: string[]): Promise<void> {
  await (built ??= build({ entryPoints: [join(root, 'cli', 'main.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: bundle, logLevel: 'error' }));
  return new Promise((done, fail) => {
    execFile(process.execPath, [bundle, ...args], { cwd: root, timeout: 120_000 }, (error, stdout, stderr) => {
      if (!error) return done();
      const lines = stderr.trimEnd().split('\n');
      fail(new Error(stdout === '' && lines.length === 1 && lines[0]!.startsWith('webgpu-cl: ') ? lines[0]!.slice('webgpu-cl: '.length) : `unexpected output:\n${stdout}${stderr}`));
    });
  });
}

export function cliCases(): BadInputCase[] {
  const result = join(folder, 'result.json');
  writeFileSync(result, '{}\n');
  const run = (...args: string[]) => () => cli('run', 'rotated-mnist', ...args);
  return [
    badInput('--json into a missing folder', undefined, run('--json', missing('x.json')), says('--json', missing('x.json'), 'does not exist')),
    badInput('--checkpoint into a missing folder', undefined, run('--checkpoint', missing('x.ckpt')), says('--checkpoint', missing('x.ckpt'), 'does not exist')),
    badInput('--plot into a missing folder', undefined, run('--plot', missing('x.svg')), says('--plot', missing('x.svg'), 'does not exist')),
    badInput('--json onto a folder', undefined, run('--json', folder), says('--json', folder, 'it is a folder')),
    badInput('--resume from a missing checkpoint', undefined, run('--resume', missing('x.ckpt')), says('--resume', missing('x.ckpt'), 'no such file')),
    badInput('--epochs 0', undefined, run('--epochs', '0'), says('--epochs', 'integer ≥ 1', "'0'")),
    badInput('--lr not a number', undefined, run('--lr', 'fast'), says('--lr', 'a number', "'fast'")),
    badInput('--lambda < 0 for EWC', undefined, run('--method', 'ewc', '--lambda', '-1'), says('--lambda', '≥ 0', "'-1'")),
    badInput('compare --plot into a missing folder', undefined, () => cli('compare', result, '--plot', missing('cmp.svg')), says('--plot', missing('cmp.svg'), 'does not exist')),
  ];
}
