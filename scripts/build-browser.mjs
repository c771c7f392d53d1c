#!/usr/bin/env node
/**
 * Browser build: bundles index.ts with esbuild into dist/browser/index.js (ESM, platform browser,
 * with a source map). package.json's `exports` points the "browser" condition and "./browser" there.
 *
 * Node-only code lives in files named `node.ts` (engine/platform/node.ts: Dawn; later nn/io/node.ts:
 * the file system). Each has a sibling `browser-only.ts` exporting the same names, which stands in
 * for it here: any import whose path ends in `/node.js` (or `/node.ts`) from our sources resolves to
 * `browser-only.ts` in the same folder. A `node.ts` without that sibling fails the build, so a new
 * Node-only file cannot slip into the page by accident.
 *
 * After bundling, the build fails if anything Node-only got in anyway: the `webgpu` package (Dawn),
 * a Node builtin (`fs`, `node:path`, ...), or any import left unbundled.
 *
 * Usage: node scripts/build-browser.mjs [entry.ts outfile.js]
 * (`npm run build` runs it after tsc with the defaults index.ts → dist/browser/index.js; the test
 * test/browser/build.test.ts passes small entries to check the failures above.)
 */
import { builtinModules } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, outfile] = process.argv.length > 3
  ? [resolve(process.argv[2]), resolve(process.argv[3])]
  : [join(root, 'index.ts'), join(root, 'dist/browser/index.js')];

/** `./x/node.js` → `./x/browser-only.ts`, for imports made from our own sources. */
const nodeToBrowserOnly = {
  name: 'node-to-browser-only',
  setup(build) {
    build.onResolve({ filter: /(^|\/)node\.(js|ts)$/ }, (args) => {
      if (args.importer.includes('/node_modules/')) return undefined;
      const target = resolve(args.resolveDir, args.path);
      const stand = join(dirname(target), 'browser-only.ts');
      if (!existsSync(stand)) {
        return {
          errors: [{
            text: `${relative(root, args.importer)} imports the Node-only ${args.path}, which has no browser-only.ts beside it; ` +
              `add ${relative(root, stand)} exporting the same names (throwing a clear error where the browser cannot help)`,
          }],
        };
      }
      return { path: stand };
    });
  },
};

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Problems that mean Node-only code reached the bundle (empty when clean). */
function nodeOnlyInputs(metafile) {
  const problems = [];
  for (const input of Object.keys(metafile.inputs)) {
    if (/(^|\/)node_modules\/webgpu\//.test(input)) problems.push(`the Dawn package 'webgpu' (${input})`);
    if (/(^|\/)node\.(js|ts)$/.test(input) && !input.includes('node_modules/')) problems.push(`the Node-only source ${input}`);
  }
  for (const [out, info] of Object.entries(metafile.outputs)) {
    for (const imp of info.imports) {
      const why = builtins.has(imp.path) ? 'a Node builtin' : 'an unbundled import';
      problems.push(`${why} '${imp.path}' (${imp.kind}) in ${out}`);
    }
  }
  return problems;
}

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
  plugins: [nodeToBrowserOnly],
}).catch(() => {
  // esbuild has printed the errors (a Node builtin it cannot resolve names the file importing it).
  console.error('build-browser: failed; Node-only code must stay in node.ts files with a browser-only.ts sibling');
  process.exit(1);
});

const problems = nodeOnlyInputs(result.metafile);
if (problems.length > 0) {
  console.error(`build-browser: Node-only code reached ${relative(root, outfile)}:\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}
const bytes = result.metafile.outputs[relative(root, outfile)]?.bytes ?? 0;
console.log(`build-browser: ${relative(root, outfile)} (${(bytes / 1024).toFixed(1)} KiB)`);
