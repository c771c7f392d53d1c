/**
 * `webgpu-cl compare a.json b.json ... [--plot cmp.svg]`: result files of `webgpu-cl run … --json`,
 * of one scenario, side by side. Runs of the same method and options (any seeds) are one column,
 * mean ± std over them (sample std, n − 1); stdout gets the final accuracy per experience and ACC,
 * --plot the grouped bars (cl/plots/compare-plot.ts).
 */
import { readFile } from 'node:fs/promises';
import { compareResults, plotComparison, type Comparison, type Spread } from '../cl/plots/index.js';
import { percent } from '../cl/plots/format.js';
import { writeFileAtomic } from '../nn/io/node.js';
import { parseArgs } from './args.js';
import { checkOutputPath } from './output-path.js';

const USAGE = 'usage: webgpu-cl compare a.json b.json ... [--plot cmp.svg]';

/** `97.6 ± 0.3` in %, or `97.6` for a single run. */
const cell = (s: Spread) => (s.values.length > 1 ? `${percent(s.mean)} ± ${percent(s.std)}` : percent(s.mean));

export function formatComparison(c: Comparison): string {
  const heads = c.groups.map((g) => `${g.label} (${g.acc.values.length})`);
  const first = Math.max(8, ...c.experiences.map((n) => n.length + 4));
  const col = Math.max(14, ...heads.map((h) => h.length + 2));
  const row = (name: string, cells: string[]) => `  ${name.padEnd(first)}${cells.map((x) => x.padStart(col)).join('')}`;
  return [
    `${c.scenario}${c.setting === undefined ? '' : ` (${String(c.setting)})`}: ${c.groups.length} method(s), ${c.groups.reduce((a, g) => a + g.sources.length, 0)} run(s)`,
    ...c.groups.map((g) => `  ${g.label}: ${g.sources.join(', ')} (seed ${g.seeds.map(String).join(', ')})`),
    '',
    'final accuracy per experience (%; mean ± std over the runs of a method, their number in parentheses):',
    row('', heads),
    ...c.experiences.map((name, j) => row(name, c.groups.map((g) => cell(g.final[j]!)))),
    row('ACC', c.groups.map((g) => cell(g.acc))),
    '',
  ].join('\n');
}

async function readResult(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new Error(`compare: cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`compare: ${file} is not JSON (${(e as Error).message}); give result files written by webgpu-cl run … --json`);
  }
}

export async function compare(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help')) { process.stdout.write(`${USAGE}\n`); return; }
  const files: string[] = [], options: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i]!.startsWith('--')) files.push(argv[i]!);
    else options.push(argv[i]!, ...(argv[i]!.includes('=') || i + 1 >= argv.length ? [] : [argv[++i]!]));
  }
  const args = parseArgs(options, { plot: { kind: 'string', help: 'write the bars as an SVG to this file' } });
  if (!files.length) throw new Error(`compare: expected one or more result files; ${USAGE}`);
  if (args.plot) await checkOutputPath('plot', args.plot as string);
  const c = compareResults(await Promise.all(files.map(async (f) => ({ source: f, result: await readResult(f) }))));
  process.stdout.write(formatComparison(c));
  if (args.plot) await writeFileAtomic(args.plot as string, plotComparison(c));
}
