/** The peer libraries the benchmarks compare with (bench/package.json), installed on first use. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const require = createRequire(import.meta.url);

/** Installs bench/package.json's devDependencies when one is missing. */
export function ensurePeers() {
  const peers = Object.keys(JSON.parse(readFileSync(`${here}package.json`, 'utf8')).devDependencies);
  if (peers.every((p) => existsSync(`${here}node_modules/${p}/package.json`))) return;
  console.log('installing benchmark peers (bench/package.json)...');
  execFileSync('npm', ['--prefix', here, 'ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}

/** The installed version of a package (a peer in bench/, or one of the root's). */
export const version = (pkg) => JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`, { paths: [here, `${here}..`] }), 'utf8')).version;
