/**
 * `webgpu-cl run … --plot out.svg` and `webgpu-cl compare … [--plot cmp.svg]` as a user runs them
 * (tsx on cli/main.ts), on a tiny split-MNIST run: the SVG agrees with the JSON result written beside it,
 * a bad --plot path fails before training, and compare prints mean ± std and refuses bad files by name.
 *
 * Mutations tried, each caught: the --plot write removed from main.ts; 'plot' left out of the output-path
 * check (the run trained, then failed); compare's file errors without the file name; compare ignoring --plot.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byClass, parseSvg, pathPoints } from '../helpers/svg-parse.js';

const root = resolve(import.meta.dirname, '../..');
const cli = (args: string[]) => spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'cli', 'main.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });
const dir = mkdtempSync(join(tmpdir(), 'webgpu-cl-plot-'));
const [svg, json] = [join(dir, 'run.svg'), join(dir, 'run.json')];
let run: ReturnType<typeof cli>;
// One tiny run (5 experiences of 24 training digits per class, 2 epochs, each evaluated) for all tests below.
beforeAll(() => {
  run = cli(['run', 'split-mnist', '--train-per-class', '24', '--test-per-class', '10', '--eval-every', 'epoch', '--seed', '2', '--plot', svg, '--json', json]);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('webgpu-cl run --plot', () => {
  it('writes an SVG whose curves and heatmap are those of the JSON result', () => {
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    const doc = parseSvg(readFileSync(svg, 'utf8'));
    expect(byClass(doc, 'curve').map((c) => c.attrs['data-task'])).toEqual(result.experiences);
    // Two epochs per experience, each evaluated: 2 points per experience along every curve.
    for (const c of byClass(doc, 'curve')) expect(pathPoints(c.attrs.d!)).toHaveLength(2 * result.experiences.length);
    expect(byClass(doc, 'cell-value').map((t) => t.text)).toEqual(result.accuracyMatrix.flat().map((v: number) => (100 * v).toFixed(1)));
    expect(byClass(doc, 'summary')[0]!.text).toMatch(new RegExp(`^ACC ${(100 * result.acc).toFixed(1)} % · `));
  });

  it('checks the --plot path before training', () => {
    const missing = join(dir, 'missing', 'x.svg');
    const r = cli(['run', 'split-mnist', '--plot', missing]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`webgpu-cl: --plot: cannot write ${missing}: the folder ${join(dir, 'missing')} does not exist\n`);
  });
});

describe('webgpu-cl compare', () => {
  it('prints each method’s mean ± std and writes the bars', () => {
    // The run above and two variants of it: the same method with another seed, and another method.
    const base = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    const variant = (seed: number, method: string, acc: number) => ({ ...base, method, acc, config: { ...base.config, seed, method } });
    writeFileSync(join(dir, 'seed3.json'), JSON.stringify(variant(3, base.method, base.acc + 0.1)));
    writeFileSync(join(dir, 'other.json'), JSON.stringify(variant(2, 'joint', 0.5)));
    const cmp = join(dir, 'cmp.svg');
    const r = cli(['compare', join(dir, 'run.json'), join(dir, 'seed3.json'), join(dir, 'other.json'), '--plot', cmp]);
    expect(r.status, r.stderr).toBe(0);
    // ACC over the two naive runs: mean acc + 0.05, std 0.1/√2.
    const want = `${(100 * (base.acc + 0.05)).toFixed(1)} ± ${(100 * 0.1 / Math.SQRT2).toFixed(1)}`;
    expect(r.stdout).toMatch(new RegExp(`^  ACC +${want.replace(/[.]/g, '\\.')} +50\\.0$`, 'm'));
    expect(byClass(parseSvg(readFileSync(cmp, 'utf8')), 'bar')).toHaveLength(2 * (base.experiences.length + 1));
  });

  it('names the file that is missing, not JSON, or of another scenario', () => {
    const notJson = join(dir, 'notes.txt');
    writeFileSync(notJson, 'hello');
    let r = cli(['compare', join(dir, 'run.json'), notJson]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^webgpu-cl: compare: ${notJson} is not JSON \\(`));
    r = cli(['compare', join(dir, 'nope.json')]);
    expect(r.stderr).toBe(`webgpu-cl: compare: cannot read ${join(dir, 'nope.json')}: no such file\n`);
    const base = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    writeFileSync(join(dir, 'perm.json'), JSON.stringify({ ...base, scenario: 'permuted-mnist' }));
    r = cli(['compare', join(dir, 'run.json'), join(dir, 'perm.json')]);
    expect(r.stderr).toMatch(new RegExp(`^webgpu-cl: compare: ${join(dir, 'perm.json')} is a run of permuted-mnist`));
    r = cli(['compare']);
    expect(r.stderr).toBe('webgpu-cl: compare: expected one or more result files; usage: webgpu-cl compare a.json b.json ... [--plot cmp.svg]\n');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});
